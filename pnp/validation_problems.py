"""The validation cases, written once: setup, expected value, tolerance (VALIDATION.md V1–V7; V8 DSPMDE.md; V9 charge regulation;
F1–F4 solvent flow).

As jax-cfd's ``validation_problems.py``: each :class:`ValidationProblem` knows how to solve its
case (at a mesh ``refinement`` for convergence studies) and how to measure the compared
quantity; ``pnp validate`` (:mod:`pnp.validation`) runs a selection, and the tests in
``tests/test_validation_*.py`` run them all, with mesh convergence and extra checks on the
same solutions. Expected values are the published numbers of VALIDATION.md (V8: DSPMDE.md) or, where it
gives a formula, :mod:`pnp.analytic`. Units are those of ``unit``.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .constants import GAS_CONSTANT


def kcl(concentration: float):
    """KCl bath (mol/m³), CRC diffusivities."""
    from .electrolyte import Electrolyte

    return Electrolyte({"K+": concentration, "Cl-": concentration})


@dataclasses.dataclass(frozen=True)
class ValidationProblem:
    """One case: ``solve(refinement)`` → result, ``measure(result)`` → value in ``unit``."""

    key: str
    title: str
    quantity: str
    unit: str
    expected: float
    tolerance: float  # relative, or absolute in ``unit`` when ``absolute``
    absolute: bool = False
    refinement: float = 1.0  # the default mesh refinement of the case

    def solve(self, refinement: float | None = None):
        raise NotImplementedError

    def measure(self, result) -> float:
        raise NotImplementedError

    def run(self, refinement: float | None = None) -> tuple[float, object]:
        """(measured value, result)."""
        result = self.solve(refinement)
        return self.measure(result), result

    def error(self, got: float) -> float:
        """|got − expected| (absolute cases) or |got/expected − 1|."""
        return abs(got - self.expected) if self.absolute else abs(got / self.expected - 1.0)

    def passed(self, got: float) -> bool:
        return bool(np.isfinite(got)) and self.error(got) <= self.tolerance

    def mesh(self, refinement):
        from .geometry.base import Mesh

        return Mesh(refinement=self.refinement if refinement is None else refinement)


# ------------------------------------------------------------------------------------------ V1
@dataclasses.dataclass(frozen=True)
class GouyChapmanWall(ValidationProblem):
    """V1: planar wall of charge σ in KCl; wall potential ψ₀ (mV) from the surface-charge condition."""

    surface_charge: float = -0.05
    concentration: float = 10.0

    def solve(self, refinement=None):
        from .api import solve
        from .geometry import ChargedWall

        return solve(ChargedWall(self.surface_charge), kcl(self.concentration), mesh=self.mesh(refinement))

    def measure(self, solution):
        return float(solution.wall_potential()[2][0]) * 1e3


def gouy_chapman(surface_charge, concentration, expected_mV, key="V1") -> GouyChapmanWall:
    return GouyChapmanWall(key, f"V1 Gouy-Chapman wall σ={surface_charge:g} C/m², {concentration:g} mM", "psi0",
                           "mV", expected_mV, 1e-3, refinement=2.0, surface_charge=surface_charge,
                           concentration=concentration)


# ------------------------------------------------------------------------------------------ V2
@dataclasses.dataclass(frozen=True)
class PoissonBoltzmannPore(ValidationProblem):
    """V2: long charged cylinder (a = 5 nm, 100 nm, baths at the ends) in 10 mM KCl; ψ(a) (mV) at
    the wall face nearest mid-length (``axis_expected``: ψ(0), mV, same tolerance)."""

    surface_charge: float = -0.01
    axis_expected: float = float("nan")
    radius: float = 5e-9
    length: float = 100e-9

    def solve(self, refinement=None):
        from .api import solve
        from .geometry import Cylinder

        return solve(Cylinder(self.radius, self.length, self.surface_charge, reservoirs=None), kcl(10.0),
                     mesh=self.mesh(refinement))

    def measure(self, solution):
        z, _, phi = solution.wall_potential()
        return float(phi[np.argmin(np.abs(z - self.length / 2))]) * 1e3


def pb_cylinder(surface_charge, expected_mV, axis_mV, key="V2") -> PoissonBoltzmannPore:
    return PoissonBoltzmannPore(key, f"V2 PB cylinder σ={surface_charge:g} C/m²", "psi(a)", "mV", expected_mV, 2e-3,
                                refinement=2.0, surface_charge=surface_charge, axis_expected=axis_mV)


# ------------------------------------------------------------------------------------------ V3
@dataclasses.dataclass(frozen=True)
class LongChannelConductance(ValidationProblem):
    """V3: cylinder a = 5 nm, L = 1 µm, σ = −0.02 C/m², baths at the ends, KCl; conductance (nS).

    ``mid_channel``: G = I / (E_mid L) from the axial field between 0.4 L and 0.6 L (the infinitely
    long channel, VALIDATION.md's definition, 0.5 %); otherwise the terminal conductance dI/dV
    from ±10 mV (entrance effects included; 2 % of the exact integral).
    """

    concentration: float = 100.0
    mid_channel: bool = True

    def solve(self, refinement=None):
        from .geometry import Cylinder
        from .sweep import sweep

        dv = 1e-3 if self.mid_channel else 1e-2
        return sweep(Cylinder(5e-9, 1e-6, -0.02, reservoirs=None), kcl(self.concentration), [-dv, dv],
                     mesh=self.mesh(refinement))

    def measure(self, iv):
        if not self.mid_channel:
            return iv.chord_conductance() * 1e9
        plus, minus = iv.solutions[-1], iv.solutions[0]
        current = 0.5 * (plus.current - minus.current)  # half-differences cancel the equilibrium part
        dphi = 0.5 * (plus.potential - minus.potential)
        z = plus.z[:, 0]
        i1, i2 = (int(np.argmin(np.abs(z - f * 1e-6))) for f in (0.4, 0.6))
        field = (np.nanmean(dphi[i1]) - np.nanmean(dphi[i2])) / (z[i2] - z[i1])
        return current / (field * 1e-6) * 1e9

    def exact_nS(self) -> float:
        """The exact long-channel integral (:func:`pnp.analytic.long_channel_conductance`)."""
        from .analytic import long_channel_conductance

        bath = kcl(self.concentration)
        return float(long_channel_conductance(5e-9, 1e-6, -0.02, bath.concentrations, bath.valences,
                                              bath.diffusivities)) * 1e9


def long_channel(concentration, expected_nS, key="V3") -> LongChannelConductance:
    return LongChannelConductance(key, f"V3 long channel {concentration:g} mM (mid-channel)", "G", "nS", expected_nS,
                                  5e-3, concentration=concentration)


# ------------------------------------------------------------------------------------------ V4
@dataclasses.dataclass(frozen=True)
class DonnanMembrane(ValidationProblem):
    """V4: 2 µm membrane of fixed charge X in 100 mM KCl; potential (mV) at mid-thickness."""

    fixed_charge: float = -1000.0

    def solve(self, refinement=None):
        from .api import solve
        from .geometry import Membrane

        return solve(Membrane(2e-6, fixed_charge=self.fixed_charge), kcl(100.0), mesh=self.mesh(refinement))

    def measure(self, solution):
        return float(solution.potential[solution.potential.shape[0] // 2, 0]) * 1e3


def donnan(fixed_charge, key="V4-Donnan") -> DonnanMembrane:
    from .analytic import donnan as donnan_equilibrium

    bath = kcl(100.0)
    _, potential = donnan_equilibrium(fixed_charge, bath.concentrations, bath.valences)
    return DonnanMembrane(key, f"V4 Donnan membrane X={fixed_charge:g} mM", "phi_D", "mV", float(potential) * 1e3,
                          1e-3, fixed_charge=fixed_charge)


@dataclasses.dataclass(frozen=True)
class TMSMembrane(ValidationProblem):
    """V4: membrane of fixed charge X between 100 | 10 mM KCl at zero current; E = φ₂ − φ₁ (mV)."""

    fixed_charge: float = -100.0
    thickness: float = 100e-6

    def solve(self, refinement=None):
        from .api import zero_current_voltage
        from .geometry import Membrane

        return zero_current_voltage(Membrane(self.thickness, fixed_charge=self.fixed_charge), kcl(100.0), kcl(10.0),
                                    mesh=self.mesh(refinement))

    def measure(self, solution):
        return -solution.voltage * 1e3


def tms(fixed_charge, expected_mV, thickness=100e-6, tolerance_mV=0.2, key="V4-TMS") -> TMSMembrane:
    return TMSMembrane(key, f"V4 TMS {thickness * 1e6:g} um X={fixed_charge:g} mM", "E", "mV", expected_mV,
                       tolerance_mV, absolute=True, fixed_charge=fixed_charge, thickness=thickness)


# ------------------------------------------------------------------------------------------ V5
@dataclasses.dataclass(frozen=True)
class OhmicChannel(ValidationProblem):
    """V5: uncharged channel in 1 M KCl with access resistance; conductance (nS) from ±1 mV."""

    tip_radius: float = 5e-9
    base_radius: float = 5e-9
    length: float = 20e-9

    def solve(self, refinement=None):
        from .geometry import Cone, Cylinder
        from .sweep import sweep

        channel = (Cylinder(self.tip_radius, self.length, 0.0) if self.tip_radius == self.base_radius
                   else Cone(self.tip_radius, self.base_radius, self.length, 0.0))
        return sweep(channel, kcl(1000.0), [-1e-3, 1e-3], mesh=self.mesh(refinement))

    def measure(self, iv):
        return iv.chord_conductance() * 1e9


V5_CYLINDER = OhmicChannel("V5", "V5 Ohmic cylinder + access", "G", "nS", 42.24, 3e-2)
V5_CONE = OhmicChannel("V5-cone", "V5 Ohmic cone 10 -> 500 nm, 12 um", "G", "nS", 18.98, 2e-2, tip_radius=10e-9,
                       base_radius=500e-9, length=12e-6)


# ------------------------------------------------------------------------------------------ V7
CMM_THICKNESS, CMM_LAYER = 400e-6, 100e-9  # m: membrane, unstirred solution layer on each face
CMM_SIGMA_PLUS, CMM_SIGMA_MINUS = 0.025, 0.0079  # S/m (paper: 2.5e-4 and 7.9e-5 S/cm)
PER_HOUR = 3.6e6  # mol m⁻² s⁻¹ → mmol m⁻² h⁻¹


def cmm_feed(mgcl2: float = 500.0):
    """30 mM LiCl + ``mgcl2`` mol/m³ MgCl₂ (at least 1e-4: every ion present)."""
    from .electrolyte import Electrolyte

    return Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": max(mgcl2, 1e-4)})


def cmm_receiving(lithium: float = 3.0):
    from .electrolyte import Electrolyte

    return Electrolyte.from_salts({"LiCl": lithium, "MgCl2": 1e-4})


def cmm_phases(thickness=CMM_THICKNESS, layer=CMM_LAYER, mg_exclusion=40.0, temperature=298.15):
    """Li⁺ ceramic (Cl⁻ excluded by 40 RT, Mg²⁺ by ``mg_exclusion`` RT) and anion-exchange polymer
    (cations excluded), with the paper's phase conductivities (:func:`pnp.mosaic.ideal_phase`)."""
    from .mosaic import ideal_phase

    rt = GAS_CONSTANT * temperature
    cation = ideal_phase(thickness, layer, CMM_SIGMA_PLUS, "Li+", ("Cl-", "Mg2+"))
    cation = dataclasses.replace(cation, excess_potential={**cation.excess_potential, "Mg2+": mg_exclusion * rt})
    return cation, ideal_phase(thickness, layer, CMM_SIGMA_MINUS, "Cl-", ("Li+", "Mg2+"))


def cmm_circuit_flux(theta, thickness=CMM_THICKNESS, feed=None, receiving_lithium=3.0):
    """Eq. 8 of source paper 2 (mol m⁻² s⁻¹) for the case's conductivities and baths."""
    from .analytic import cmm_lithium_flux

    feed = cmm_feed() if feed is None else feed
    alpha = feed.concentration("Cl-") / feed.concentration("Li+") - 1.0  # c_Cl = (α + 1) c_Li in the feed
    return cmm_lithium_flux(theta, CMM_SIGMA_PLUS, CMM_SIGMA_MINUS, thickness, feed.concentration("Li+"),
                            receiving_lithium, alpha)


@dataclasses.dataclass(frozen=True)
class ChargeMosaic(ValidationProblem):
    """V7: charge-mosaic membrane at open circuit; Li⁺ flux (mmol m⁻² h⁻¹) against Eq. 8."""

    cation_fraction: float = 0.36

    def solve(self, refinement=None, start=None):
        from .mosaic import open_circuit

        cation, anion = cmm_phases()
        return open_circuit(cation, anion, self.cation_fraction, cmm_feed(), cmm_receiving(),
                            mesh=self.mesh(refinement), start=start)

    def measure(self, solution):
        return solution.fluxes["Li+"] * PER_HOUR


def charge_mosaic(theta, tolerance=5e-2, key="V7") -> ChargeMosaic:
    return ChargeMosaic(key, f"V7 charge-mosaic membrane θ={theta:g}", "J_Li", "mmol/m2/h",
                        float(cmm_circuit_flux(theta)) * PER_HOUR, tolerance, cation_fraction=theta)


# ------------------------------------------------------------------------------------------ V8
def dspmde_feed():
    """30 mM LiCl + 500 mM MgCl₂ with DSPMDE.md's ion data (D, Stokes radii) and ε_bulk = 80."""
    from .electrolyte import Electrolyte
    from .ions import Ion

    li = Ion("Li+", 1, 1.03e-9, stokes_radius=2.38e-10)
    mg = Ion("Mg2+", 2, 7.06e-10, stokes_radius=3.47e-10)
    cl = Ion("Cl-", -1, 2.03e-9, stokes_radius=1.21e-10)
    return Electrolyte({li: 30.0, mg: 500.0, cl: 1030.0}, relative_permittivity=80.0)


def dspmde_membrane(fixed_charge, pore_radius=0.5e-9, thickness=1e-6, pore_permittivity=40.0):
    """DSPMDE.md's pore: 1 µm long, r_p = 0.5 nm, ε_pore = 40, all DSPM-DE terms with Stokes radii."""
    from .geometry import Membrane

    return Membrane(thickness, fixed_charge, pore_radius=pore_radius, pore_permittivity=pore_permittivity)


@dataclasses.dataclass(frozen=True)
class DSPMDENanofiltration(ValidationProblem):
    """V8: nanofiltration of 30 mM LiCl + 500 mM MgCl₂ through DSPMDE.md's pore at J_v; S(Li/Mg).

    ``rejections`` are DSPMDE.md's resolved R_Li, R_Mg, R_Cl (the tests compare every permeate
    concentration with them).

    The pore is ``stretch`` times longer and J_v ``stretch`` times smaller than DSPMDE.md's 1 µm:
    the same DSPM-DE case (its equations depend on J_v L only), but with exit concentration
    boundary layers D_p/(K_c J_v) that many times thicker. DSPM-DE assumes electroneutrality
    there too; at 1 µm and J_v = 1e-5 m/s that layer is 3 nm for Mg²⁺, a few Debye lengths, and
    PNP differs from DSPM-DE by 1.5 % (Li⁺), a difference that falls as 1/stretch (measured in
    tests/test_validation_dspmde.py)."""

    fixed_charge: float = -50.0
    volume_flux: float = 1e-6
    rejections: tuple = ()
    stretch: float = 10.0

    @property
    def applied_volume_flux(self) -> float:
        return self.volume_flux / self.stretch

    def solve(self, refinement=None, stretch=None):
        from .nanofiltration import nanofiltration

        stretch = self.stretch if stretch is None else stretch
        return nanofiltration(dspmde_membrane(self.fixed_charge, thickness=1e-6 * stretch), dspmde_feed(),
                              self.volume_flux / stretch, mesh=self.mesh(refinement))

    def measure(self, result):
        return float(result.separation_factor("Li+", "Mg2+"))

    def expected_permeate(self) -> np.ndarray:
        """c_i,permeate = (1 − R_i) c_i,feed of DSPMDE.md (mol/m³)."""
        return (1.0 - np.asarray(self.rejections)) * dspmde_feed().concentrations


def dspmde(fixed_charge, volume_flux, rejections, separation, key) -> DSPMDENanofiltration:
    return DSPMDENanofiltration(key, f"V8 DSPM-DE X={fixed_charge:+g} mM J_v={volume_flux:g} m/s", "S_Li/Mg", "",
                                separation, 1e-2, fixed_charge=fixed_charge, volume_flux=volume_flux,
                                rejections=rejections)


V8_CASES = (dspmde(-50.0, 1e-6, (-0.0757, 0.2160, 0.2075), 1.372, "V8-a"),
            dspmde(-50.0, 1e-5, (-0.0367, 0.7150, 0.6932), 3.638, "V8-b"),
            dspmde(50.0, 1e-6, (-2.9346, 0.9724, 0.8587), 142.8, "V8"),
            dspmde(50.0, 1e-5, (0.1072, 0.9968, 0.9709), 276.9, "V8-d"))


# ------------------------------------------------------------------------------------------ V9
@dataclasses.dataclass(frozen=True)
class RegulatedWall(ValidationProblem):
    """V9: planar wall of acidic sites (pK, density) in KCl at a pH, optionally binding a divalent
    cation and with a Stern layer; the regulated wall charge σ (mC/m²) against the closed form
    (Grahame + the site isotherm, :func:`pnp.analytic.regulated_wall`)."""

    concentration: float = 10.0
    pH: float = 7.0
    pK: float = 3.8
    density: float = 1e18  # sites/m²
    magnesium: float | None = None  # mol/m³ of MgCl₂ added
    binding: tuple = ()  # (ion, K m³/mol) pairs
    stern_capacitance: float | None = None

    def bath(self):
        from .electrolyte import Electrolyte

        salts = {"KCl": self.concentration, **({"MgCl2": self.magnesium} if self.magnesium else {})}
        return Electrolyte.from_salts(salts, pH=self.pH)

    def sites(self):
        from .sites import SurfaceSites

        return SurfaceSites(self.density, pK=self.pK, binding=dict(self.binding),
                            stern_capacitance=self.stern_capacitance)

    def solve(self, refinement=None):
        import warnings

        from .api import solve
        from .geometry import ChargedWall
        from .guards import PhysicalLimitWarning

        with warnings.catch_warnings():  # 0.16 C/m² in 10 mM puts > 5 M of K⁺ at the wall: known, not the point
            warnings.simplefilter("ignore", PhysicalLimitWarning)
            return solve(ChargedWall(self.sites()), self.bath(), mesh=self.mesh(refinement))

    def measure(self, solution):
        return float(solution.surface_charge()[2][0]) * 1e3

    def closed_form(self):
        """(σ C/m², ψ_d V, ψ_0 V) of :func:`pnp.analytic.regulated_wall` for this case."""
        from .analytic import regulated_wall

        bath = self.bath()
        constants = self.sites().association_constants(bath)
        association = [float(constants.get(name, 0.0)) for name in bath.names]
        return regulated_wall(self.density, bath.concentrations, bath.valences, association, self.stern_capacitance)


def regulated_wall(concentration, pH, key, **changes) -> RegulatedWall:
    case = RegulatedWall(key, f"V9 regulated wall pK 3.8, 1/nm², {concentration:g} mM KCl pH {pH:g}"
                         + (" + Mg²⁺ binding, Stern" if changes.get("binding") else ""),
                         "σ", "mC/m2", 0.0, 5e-3, concentration=concentration, pH=pH, **changes)
    return dataclasses.replace(case, expected=case.closed_form()[0] * 1e3)


def v9_cases():
    """The issue's single-site cases (10 and 100 mM, pH 5.5 / 7 / 10) and one with Mg²⁺ binding
    (1 mM MgCl₂, K = 0.01 m³/mol = 10 L/mol) and a Stern layer of 1 F/m²."""
    plain = tuple(regulated_wall(c, pH, f"V9-{c:g}mM-pH{pH:g}") for c in (10.0, 100.0) for pH in (5.5, 7.0, 10.0))
    binding = regulated_wall(10.0, 7.0, "V9-Mg-Stern", magnesium=1.0, binding=(("Mg2+", 0.01),),
                             stern_capacitance=1.0)
    return plain + (binding,)


# ------------------------------------------------------------------------------------------ the catalogue
V1_CASES = (gouy_chapman(-0.05, 10.0, -110.767), gouy_chapman(-0.01, 10.0, -39.699, key="V1-b"),
            gouy_chapman(-0.05, 100.0, -56.864, key="V1-c"))
V2_CASES = (pb_cylinder(-0.001, -6.907, -3.830, key="V2-a"), pb_cylinder(-0.01, -51.454, -24.984))
# ------------------------------------------------------------------------------------------ F (solvent flow)
FLOW_RADIUS, FLOW_LENGTH = 5e-9, 100e-9


@dataclasses.dataclass(frozen=True)
class PressureDrivenFlow(ValidationProblem):
    """F1/F2/F4: uncharged channel of radius a = 5 nm in 100 mM KCl under Δp = 1 bar; flow rate Q
    (fL/s = 1e-18 m³/s). Baths at the ends of a 100 nm pore (Hagen–Poiseuille), or a short pore
    between the default reservoirs (``reservoirs``: Dagan et al. 1982), or a slender cone from
    a at its tip to ``base_radius`` (lubrication)."""

    length: float = FLOW_LENGTH
    pressure: float = 1e5
    reservoirs: bool = False
    base_radius: float | None = None

    def geometry(self):
        from .geometry import Cone, Cylinder

        ends = {} if self.reservoirs else {"reservoirs": None}
        if self.base_radius is None:
            return Cylinder(FLOW_RADIUS, self.length, 0.0, **ends)
        return Cone(FLOW_RADIUS, self.base_radius, self.length, 0.0, **ends)

    def solve(self, refinement=None):
        from .api import solve

        return solve(self.geometry(), kcl(100.0), flow=True, pressure=self.pressure, mesh=self.mesh(refinement))

    def measure(self, solution):
        return float(solution.flow_rate) * 1e18


def pressure_driven_flow(key, reservoirs=False, length=FLOW_LENGTH, tolerance=5e-3) -> PressureDrivenFlow:
    from . import analytic

    formula = analytic.dagan_flow_rate if reservoirs else analytic.poiseuille_flow_rate
    name = "Dagan short pore" if reservoirs else "Hagen-Poiseuille cylinder"
    return PressureDrivenFlow(key, f"{key} {name} a=5 nm, L={length * 1e9:g} nm, 1 bar", "Q", "fL/s",
                              formula(FLOW_RADIUS, length, 1e5) * 1e18, tolerance, length=length,
                              reservoirs=reservoirs)


def cone_lubrication_flow(key, base_radius=10e-9, length=200e-9, tolerance=5e-3) -> PressureDrivenFlow:
    """A slender cone (tip a = 5 nm) against lubrication theory; at a 1.4° taper its own error is
    about 6e-4."""
    from . import analytic

    expected = analytic.cone_lubrication_flow_rate(FLOW_RADIUS, base_radius, length, 1e5) * 1e18
    return PressureDrivenFlow(key, f"{key} lubrication cone a=5->{base_radius * 1e9:g} nm, L={length * 1e9:g} nm, "
                              "1 bar", "Q", "fL/s", expected, tolerance, length=length, base_radius=base_radius)


@dataclasses.dataclass(frozen=True)
class ElectroosmoticCylinder(ValidationProblem):
    """F3: cylinder a = 5 nm, L = 100 nm, σ = −1e-4 C/m² (ζ below 1 mV: Debye–Hückel) in KCl at κa,
    baths at the ends; the mean electro-osmotic velocity over Rice–Whitehead's −(εζE/η) f(κa).

    The bath faces impose bulk concentrations across the double layer, and the entrance layers
    build a pressure that pushes back on the flow (−10 % of Q at κa = 1). The fully developed
    mid-section obeys ū = ū_EO(E) − (∂p/∂z) a²/(8η), so ū_EO is read there, from the part of the flow
    odd in V = ±2 mV (the entrance layers' equilibrium pressure is even in V and drives no flow)."""

    kappa_a: float = 5.0
    surface_charge: float = -1e-4
    voltage: float = 2e-3

    def electrolyte(self):
        from .electrolyte import Electrolyte

        c = 100.0 * (self.kappa_a * kcl(100.0).debye_length / FLOW_RADIUS) ** 2
        return Electrolyte({"K+": c, "Cl-": c})

    def solve(self, refinement=None):
        from .api import solve
        from .geometry import Cylinder

        pore = Cylinder(FLOW_RADIUS, FLOW_LENGTH, self.surface_charge, reservoirs=None)
        return tuple(solve(pore, self.electrolyte(), v, flow=True, mesh=self.mesh(refinement))
                     for v in (self.voltage, -self.voltage))

    def measure(self, solutions):
        from . import analytic
        from .constants import WATER_VISCOSITY

        plus, minus = solutions
        m = plus.problem.grid.shape[0] // 2  # face m, between cells m − 1 and m (on the axis row)
        odd = lambda values: 0.5 * (values(plus) - values(minus))
        step = plus.z[m, 0] - plus.z[m - 1, 0]
        dpdz = odd(lambda s: s.pressure[m, 0] - s.pressure[m - 1, 0]) / step
        field = -odd(lambda s: s.potential[m, 0] - s.potential[m - 1, 0]) / step
        flow = odd(lambda s: s.flow_profile[m])
        u_eo = flow / (np.pi * FLOW_RADIUS**2) + dpdz * FLOW_RADIUS**2 / (8 * WATER_VISCOSITY)
        zeta = analytic.cylinder_zeta_potential(self.surface_charge, FLOW_RADIUS, self.electrolyte().debye_length)
        expected = analytic.smoluchowski_velocity(zeta, field) * analytic.rice_whitehead_factor(self.kappa_a)
        return float(u_eo / expected)


def electroosmosis(kappa_a, key=None) -> ElectroosmoticCylinder:
    key = key or f"F3-ka{kappa_a:g}"
    return ElectroosmoticCylinder(key, f"F3 Rice-Whitehead electro-osmosis κa={kappa_a:g}", "u_EO/u_RW", "1", 1.0,
                                  5e-3, kappa_a=kappa_a)


V3_CASES = (long_channel(0.1, 0.04786, "V3-0.1mM"), long_channel(10.0, 0.04962, "V3-10mM"),
            long_channel(100.0, 0.13165, "V3-100mM"), long_channel(1000.0, 1.1800, "V3-1M"))
V4_TMS_CASES = (tms(0.0, -1.112, key="V4-TMS-0"), tms(-100.0, 46.665), tms(-1000.0, 58.899, key="V4-TMS-1M"))


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, ValidationProblem]:
    """Every case by key (built on first use: some expected values are computed)."""
    terminal = LongChannelConductance("V3", "V3 long channel (terminal, 100 mM)", "G", "nS", 0.0, 2e-2,
                                      concentration=100.0, mid_channel=False)
    terminal = dataclasses.replace(terminal, expected=terminal.exact_nS())
    return {p.key: p for p in (
        *V1_CASES, *V2_CASES, terminal, *V3_CASES, donnan(-1000.0), *V4_TMS_CASES,
        tms(-100.0, 46.665, thickness=20e-6, tolerance_mV=0.5, key="V4-TMS-quick"), V5_CYLINDER, V5_CONE,
        charge_mosaic(0.36), *V8_CASES, *v9_cases(),
        pressure_driven_flow("F1"), pressure_driven_flow("F2", reservoirs=True, length=20e-9, tolerance=0.03),
        electroosmosis(5.0, key="F3"), cone_lubrication_flow("F4"),
    )}
