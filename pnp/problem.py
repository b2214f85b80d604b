"""Assemble a nondimensional problem (grid, :class:`Parameters`, model) from SI inputs.

Convention: the applied voltage is V = φ(left bath) − φ(right bath); the right bath is
grounded. Scales: lengths in nm, concentrations in units of the largest bath
concentration, potentials in kT/e, diffusivities in 1e-9 m²/s.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from .conditions import Conditions
from .constants import GAS_CONSTANT
from .electrolyte import Electrolyte
from .geometry.base import DebyeLengths, Discretization, evaluate_profile
from .guards import check_memory, check_voltage
from .grid.mesh import FaceKind
from .grid.skew import is_orthogonal
from .physics.convection import Convection
from .physics.electrostatics import SurfaceCharge
from .physics.model import PNP, Model, System
from .physics.parameters import Parameters
from .physics.scales import Scales
from .physics.skew import grid_terms
from .physics.stokes import Stokes
from .sites import SurfaceSites
from .tracing import concrete


@dataclasses.dataclass(frozen=True)
class Problem:
    """A discretized steady problem: what the solver needs, and how to read it in SI."""

    discretization: Discretization
    parameters: Parameters
    left: Electrolyte
    right: Electrolyte
    model: Model = PNP

    @property
    def grid(self):
        return self.discretization.grid

    @property
    def scales(self) -> Scales:
        return self.discretization.scales

    @property
    def system(self) -> System:
        """(grid, parameters, model): the solvers' ``args``."""
        return System(self.grid, self.parameters, self.model)

    def at(self, parameters: Parameters) -> "Problem":
        """The same problem with other parameters (e.g. another voltage)."""
        return dataclasses.replace(self, parameters=parameters)

    def at_voltage(self, voltage) -> "Problem":
        """The same problem at V = φ_left − φ_right (V); ``voltage`` may be traced."""
        check_voltage(voltage)
        p = self.parameters
        return self.at(p.replace(left_potential=p.right_potential + jnp.asarray(voltage) / self.scales.voltage))

    def species(self, name) -> int:
        """Index of an ion (name, alias or :class:`~pnp.Ion`) in the problem's species order."""
        return _species_index(self.left, name)


def check_same_species(left: Electrolyte, right: Electrolyte) -> None:
    if left.names != right.names:
        raise ValueError(
            f"right bath must contain the same ions in the same order as the left bath: "
            f"left {left.names}, right {right.names}. Give a nearly absent ion a small positive concentration."
        )
    for field in ("temperature", "relative_permittivity"):
        if getattr(left, field) != getattr(right, field):
            raise ValueError(f"left and right baths must share {field}: {getattr(left, field)} vs {getattr(right, field)}")


def layout(geometry, conditions: Conditions):
    """The mesh layout of ``geometry`` under ``conditions``: the frozen one of ``conditions.mesh``
    if it has one, else a fresh one (which needs the values of what the default mesh uses)."""
    if conditions.mesh.layout is not None:
        return conditions.mesh.layout
    left, right = conditions.electrolyte, conditions.right_bath
    with jax.ensure_compile_time_eval():  # under jit, what depends on concrete inputs only stays concrete
        c_ref = float(max(left.known_concentrations().max(), right.known_concentrations().max()))
        scales = Scales(concentration=c_ref, temperature=left.temperature)
        return geometry.layout(debye_lengths(left, right), conditions.mesh, scales)


def build_problem(geometry, conditions, voltage=None, **changes) -> Problem:
    """Discretize ``geometry`` and nondimensionalize ``conditions`` (a :class:`Conditions`, or an
    Electrolyte plus keyword fields of one, see :meth:`Conditions.of`). Traceable in every
    continuous input (see :mod:`pnp.tracing` for what the mesh needs)."""
    conditions = Conditions.of(conditions, voltage, **changes)
    left, right = conditions.electrolyte, conditions.right_bath
    check_same_species(left, right)
    v = concrete(conditions.voltage)
    if v is not None and not np.all(np.isfinite(v)):
        raise ValueError(f"voltage must be finite (V), got {conditions.voltage!r}")
    mesh_layout = layout(geometry, conditions)
    check_memory(mesh_layout.shape, len(left.names) + 1, conditions.options.linear_solver,
                 f"the mesh of this {type(geometry).__name__}")
    disc = mesh_layout.discretize(geometry)
    grid, scales = disc.grid, disc.scales
    _check_baths(grid, conditions, type(geometry).__name__)
    nz, nr = grid.shape
    z_si, r_si = grid.cell_z * scales.length, grid.cell_r * scales.length
    n = len(left.names)
    mu = jnp.zeros((n, nz, nr))
    for name, profile in (conditions.excess_potential or {}).items():
        mu = mu.at[_species_index(left, name, "excess_potential")].set(
            evaluate_profile(profile, z_si, r_si, f"excess_potential[{name!r}]") / (GAS_CONSTANT * scales.temperature))
    diffusivity = jnp.broadcast_to(jnp.asarray(left.diffusivities)[:, None, None], (n, nz, nr))
    for name, profile in (conditions.diffusivity or {}).items():
        values = evaluate_profile(profile, z_si, r_si, f"diffusivity[{name!r}]")
        _check_positive(values, f"diffusivity[{name!r}] (m²/s)")
        diffusivity = diffusivity.at[_species_index(left, name, "diffusivity")].set(values)
    eps = evaluate_profile(left.relative_permittivity if conditions.permittivity is None else conditions.permittivity,
                           z_si, r_si, "permittivity")
    _check_positive(eps, "permittivity")
    hindrance = None
    pore = geometry.pore_transport(left) if getattr(geometry, "has_pore_terms", False) else None
    if pore is not None:  # the geometry's ion-specific pore terms act in its pore cells
        cells = disc.pore_cells
        mu = mu + cells[None] * (pore.excess_potential / (GAS_CONSTANT * scales.temperature))[:, None, None]
        diffusivity = diffusivity * _in_pore(cells, pore.diffusion_hindrance)
        eps = jnp.where(cells > 0, pore.permittivity, eps)
    flow = _flow_terms(conditions.volume_flux, scales, grid)
    if flow:
        hindrance = jnp.ones((n, nz, nr)) if pore is None else _in_pore(disc.pore_cells, pore.convection_hindrance)
    c_ref = scales.concentration
    params = Parameters(
        valence=jnp.asarray(left.valences, dtype=jnp.float64),
        diffusivity=diffusivity / scales.diffusivity,
        excess_potential=mu,
        permittivity=eps,
        fixed_charge=disc.fixed_charge,
        zface_charge=disc.zface_charge,
        rface_charge=disc.rface_charge,
        left_concentration=jnp.asarray(left.concentrations) / c_ref,
        right_concentration=jnp.asarray(right.concentrations) / c_ref,
        left_potential=jnp.asarray(conditions.voltage, dtype=jnp.float64) / scales.voltage,
        right_potential=jnp.asarray(0.0, dtype=jnp.float64),
        poisson_coefficient=jnp.asarray(scales.poisson_coefficient, dtype=jnp.float64),
        convective_hindrance=hindrance,
    )
    model = PNP.add(*conditions.terms, *grid_terms(grid), *flow, *_stokes_terms(conditions, scales, grid))
    sites = _wall_sites(geometry)
    if sites is not None:  # the wall charge follows the solution (charge regulation, binding)
        model = model.replace(SurfaceCharge, sites.term(left, scales))
    return Problem(disc, params, left, right, model)


def _wall_sites(geometry) -> SurfaceSites | None:
    """The :class:`SurfaceSites` of the geometry's walls, or None for prescribed charges. The
    regulated term acts on every charged wall face, so a channel's reservoir membrane faces
    (``membrane_charge``) must carry the same sites or no charge."""
    channel = getattr(geometry, "surface_charge", None)
    membrane = getattr(geometry, "membrane_charge", 0.0)
    sites = [x for x in (channel, membrane) if isinstance(x, SurfaceSites)]
    if not sites:
        return None
    if not (channel is membrane or (isinstance(channel, SurfaceSites) and concrete(membrane) == 0.0)):
        raise ValueError(f"{type(geometry).__name__}: wall sites (pnp.SurfaceSites) and a prescribed charge cannot be "
                         "mixed on one geometry; give the reservoir membrane faces the same SurfaceSites "
                         "(Reservoirs(membrane_charge=sites)) or no charge (0)")
    return sites[0]


def _in_pore(cells, per_ion):
    """(N, nz, nr): each ion's factor ``per_ion`` (N,) in the pore cells (``cells`` = 1), 1 elsewhere."""
    return 1.0 + cells[None] * (per_ion - 1.0)[:, None, None]


def _flow_terms(volume_flux, scales: Scales, grid) -> tuple:
    """(Convection(J_v L₀/D₀),) for a nonzero (or traced) volume flux through a 1D grid, else ()."""
    value = concrete(volume_flux)
    if value is not None:
        if value.shape != () or not np.isfinite(value):
            raise ValueError(f"volume_flux must be a finite number in m/s, got {volume_flux!r}")
        if value == 0.0:
            return ()
    if grid.shape[1] != 1:
        raise ValueError("volume_flux (uniform solvent flow) applies to 1D geometries (pnp.Membrane); "
                         f"this geometry has a 2D grid ({grid.shape[0]} × {grid.shape[1]} cells)")
    return (Convection(jnp.asarray(volume_flux, dtype=jnp.float64) * scales.length / scales.diffusivity),)


def _stokes_terms(conditions: Conditions, scales: Scales, grid) -> tuple:
    """(Stokes(η̃, P̃_left, P̃_right),) when ``conditions.flow``, else (); P̃ at the baths is the applied
    pressure less the bath's osmotic pressure relative to the left bath (see :mod:`pnp.physics.stokes`)."""
    pressure = concrete(conditions.pressure)
    if pressure is not None and (np.shape(pressure) != () or not np.isfinite(pressure)):
        raise ValueError(f"pressure must be a finite number in Pa (p_left − p_right), got {conditions.pressure!r}")
    if not conditions.flow:
        if pressure is None or pressure != 0.0:
            raise ValueError("an applied pressure drives solvent flow: set flow=True to solve it "
                             f"(got pressure={conditions.pressure!r} Pa with flow=False)")
        return ()
    viscosity = concrete(conditions.viscosity)
    if viscosity is not None and not (np.shape(viscosity) == () and viscosity > 0):
        raise ValueError(f"viscosity must be a positive number in Pa·s (water: 0.8903e-3), got {conditions.viscosity!r}")
    if grid.shape[1] == 1:
        raise ValueError("flow=True solves Stokes flow on 2D grids (Cylinder, Slit, Channel); for a 1D Membrane "
                         "give the solvent's volume flux instead (volume_flux=J_v in m/s)")
    if conditions.volume_flux is not None and concrete(conditions.volume_flux) != 0.0:
        raise ValueError("flow=True computes the solvent velocity; do not also give volume_flux")
    osmotic = jnp.sum(conditions.right_bath.concentrations) - jnp.sum(conditions.electrolyte.concentrations)
    return (Stokes(jnp.asarray(conditions.viscosity, dtype=jnp.float64) / scales.viscosity,
                   jnp.asarray(conditions.pressure, dtype=jnp.float64) / scales.pressure,
                   -jnp.asarray(osmotic, dtype=jnp.float64) / scales.concentration,
                   tapered=is_orthogonal(grid) is not True),)


def debye_lengths(left: Electrolyte, right: Electrolyte) -> DebyeLengths:
    """The two baths' Debye lengths and what mesh defaults need from them."""
    baths = sorted((left, right), key=lambda e: e.debye_length)
    return DebyeLengths(baths[0].debye_length, baths[1].debye_length, baths[0].ionic_strength,
                        left.relative_permittivity, left.temperature, float(np.abs(left.valences).max()))


def _check_positive(values, name: str) -> None:
    number = concrete(values)
    if number is not None and not np.all(number > 0):
        raise ValueError(f"{name} must be > 0 everywhere")


def _check_baths(grid, conditions: Conditions, geometry_name) -> None:
    """A voltage or a second bath needs a bath on each side (a ChargedWall has one)."""
    kinds = np.asarray(grid.zface_kind)
    two_baths = bool(np.any(kinds == FaceKind.LEFT_BATH)) and bool(np.any(kinds == FaceKind.RIGHT_BATH))
    if two_baths:
        return
    voltage = concrete(conditions.voltage)
    has_voltage = voltage is None or np.any(voltage != 0.0)
    if has_voltage or conditions.right_bath != conditions.electrolyte:
        raise ValueError(
            f"{geometry_name} touches a single bath, so it takes no applied voltage (got {conditions.voltage} V) "
            "and no separate right bath; use a geometry between two baths (Membrane, Cylinder, Cone, Slit) for that"
        )


def _species_index(electrolyte: Electrolyte, name, what: str = "ion") -> int:
    try:
        return electrolyte.names.index(name if isinstance(name, str) else name.name)
    except ValueError:
        from .ions import get_ion

        canonical = get_ion(name).name
        if canonical in electrolyte.names:
            return electrolyte.names.index(canonical)
        raise ValueError(f"{what} names ion {name!r}, which is not in the electrolyte {electrolyte.names}") from None
