"""Gradient-based design with optax: a channel (radii, length, wall charge) or a pore membrane
(pore radius, thickness, fixed charge, pore permittivity).

Pieces, each a pure function or a small frozen data class:

* Designs, JAX pytrees of SI numbers: :class:`ChannelDesign` — tip radius, base radius, length
  (m) and wall charge σ (C/m²) of a cone (a cylinder when both radii are equal);
  :class:`MembraneDesign` — pore radius (m), thickness (m), fixed charge X (mol/m³) and pore
  permittivity ε_p of a 1D :class:`pnp.Membrane` with the pore terms of :mod:`pnp.pore`.
* :class:`DesignSpace` — what stays fixed (feed and permeate baths and voltage, or under
  nanofiltration the feed and J_v with the permeate solved for (:func:`nanofiltration_space`);
  a channel's reservoirs or a membrane's pore model; mesh) and the mesh of a reference design, frozen
  (:func:`pnp.frozen_mesh`): every design is solved by :func:`pnp.solve` on that mesh, so the
  grid metrics, charges, pore terms and every output are differentiable in the design through
  the public API. Far from the reference (a length changed more than ``relayout_factor``×) the
  mesh is frozen anew for the current design, as a fresh mesh would be.
* Transforms, unconstrained θ ↔ physical design: :class:`Transform` for channels (radii and
  length through ``exp``, base = tip + exp(θ) keeps tip ≤ base, σ = σ_max·tanh(θ)) and
  :class:`MembraneTransform` (each variable in a range through a sigmoid, or fixed).
* Objectives (:func:`separation_factor`, :func:`ion_flux`) and :func:`penalized` (maximize S
  subject to a minimum flux, or the flux subject to a minimum S: the permeability/selectivity
  trade-off, :func:`trade_off` of S and J, which also ranks a scan; :func:`pareto_front` of a
  scan) — loss functions of
  (space, design, guess); any function of that form built on :meth:`DesignSpace.solution`
  works too (current, conductance, transference numbers).
* :func:`optimize` — an optax loop with a monotone safeguard (a step that does not lower
  the loss is halved, up to ``max_halvings`` times, before it is rejected), progress lines,
  and a history written to HDF5.

The steady state inside each loss is :func:`pnp.solve`'s, warm-started at the previous
design's converged state (with its continuation fallback), with implicit derivatives.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from . import quantity
from .api import frozen_mesh, solve
from .conditions import Conditions
from .electrolyte import Electrolyte
from .geometry.base import Mesh
from .geometry.channels import Channel, Reservoirs
from .geometry.planar1d import Membrane
from .nanofiltration import MESH_DILUTION, Nanofiltration, nanofiltration
from .problem import Problem, build_problem
from .progress import Progress
from .solution import Solution
from .solver.errors import ConvergenceError
from .solver.newton import NewtonOptions


class _Design:
    """What every design shares: its dataclass fields are the design variables (JAX leaves, SI
    units), read back as floats, replaced, described in one line. ``mesh_lengths`` names the fields
    whose change moves the mesh enough to lay it out anew (:meth:`DesignSpace.needs_relayout`)."""

    mesh_lengths = ()

    def as_floats(self) -> dict:
        return {f.name: float(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """One line with units (or ``(traced)`` under jit/grad)."""
        try:
            values = self.as_floats()
        except (TypeError, jax.errors.ConcretizationTypeError):
            return "(traced)"
        return self._describe(values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    def _require(self, values: dict, positive: tuple[str, ...], unit: dict) -> None:
        """Fail fast unless every field is finite and those in ``positive`` are > 0."""
        for name, value in values.items():
            if not math.isfinite(value) or (name in positive and value <= 0):
                kind = "a positive" if name in positive else "a finite"
                raise ValueError(f"{type(self).__name__}.{name} must be {kind} number in {unit[name]}, got {value!r}")


def _register(cls):
    jax.tree_util.register_dataclass(cls, data_fields=[f.name for f in dataclasses.fields(cls)], meta_fields=[])
    return cls


@_register
@dataclasses.dataclass(frozen=True, repr=False)
class ChannelDesign(_Design):
    """A conical (or cylindrical) channel: radii and length in m, wall charge σ in C/m²."""

    tip_radius: jax.Array
    base_radius: jax.Array
    length: jax.Array
    surface_charge: jax.Array

    mesh_lengths = ("tip_radius", "base_radius", "length")

    @staticmethod
    def _describe(d: dict) -> str:
        """``tip 1.234 nm, base 5.678 nm, L 30.0 nm, σ −0.1000 C/m²``."""
        return (f"tip {d['tip_radius'] * 1e9:.3f} nm, base {d['base_radius'] * 1e9:.3f} nm, "
                f"L {d['length'] * 1e9:.1f} nm, σ {d['surface_charge']:+.4f} C/m²")

    def check(self) -> None:
        """Fail fast on an impossible design (concrete values only)."""
        values = self.as_floats()
        self._require(values, ("tip_radius", "base_radius", "length"),
                      {"tip_radius": "metres", "base_radius": "metres", "length": "metres", "surface_charge": "C/m²"})
        if values["tip_radius"] > values["base_radius"]:
            raise ValueError(f"ChannelDesign.tip_radius ({values['tip_radius']:g} m) must not exceed base_radius "
                             f"({values['base_radius']:g} m)")

    def geometry(self, space: "DesignSpace") -> Channel:
        """The SI geometry of this design in ``space`` (its reservoirs; traceable in the design)."""
        return Channel(_radius_profile(self), self.length, self.surface_charge, space.reservoirs)


@_register
@dataclasses.dataclass(frozen=True, repr=False)
class MembraneDesign(_Design):
    """A pore membrane (1D :class:`pnp.Membrane`): ``pore_radius`` r_p (m), ``thickness`` L (m),
    ``fixed_charge`` X (mol/m³ of pore volume, signed) and ``pore_permittivity`` ε_p (relative; the
    material parameter: the Born energy of each ion and Poisson's permittivity inside the pore).
    The pore model itself (shape, ion radii, which terms, dehydration with wall coordination χ) is
    the :class:`DesignSpace`'s ``membrane``."""

    pore_radius: jax.Array
    thickness: jax.Array
    fixed_charge: jax.Array
    pore_permittivity: jax.Array

    mesh_lengths = ("thickness",)

    @staticmethod
    def _describe(d: dict) -> str:
        """``r_p 0.3700 nm, L 1000.0 nm, X −95.00 mol/m³, ε_p 60.00``."""
        return (f"r_p {d['pore_radius'] * 1e9:.4f} nm, L {d['thickness'] * 1e9:.1f} nm, "
                f"X {d['fixed_charge']:+.2f} mol/m³, ε_p {d['pore_permittivity']:.2f}")

    def check(self) -> None:
        """Fail fast on an impossible design (concrete values only)."""
        self._require(self.as_floats(), ("pore_radius", "thickness", "pore_permittivity"),
                      {"pore_radius": "metres", "thickness": "metres", "fixed_charge": "mol/m³",
                       "pore_permittivity": "units of ε₀"})

    def geometry(self, space: "DesignSpace") -> Membrane:
        """``space.membrane`` (the DSPM-DE pore model when None) with this design's four values."""
        template = space.membrane or Membrane(self.thickness, self.fixed_charge)
        return dataclasses.replace(template, thickness=self.thickness, fixed_charge=self.fixed_charge,
                                   pore_radius=self.pore_radius, pore_permittivity=self.pore_permittivity)


def _radius_profile(design: ChannelDesign) -> Callable:
    """R(z) = tip + (base − tip)·z / length (m → m), traceable."""
    tip, base, length = design.tip_radius, design.base_radius, design.length
    return lambda z: tip + (base - tip) * jnp.asarray(z) / length


Design = ChannelDesign | MembraneDesign


@dataclasses.dataclass(frozen=True)
class DesignSpace:
    """Fixed conditions of a design study and the frozen mesh of a reference design.

    Attributes:
      feed, permeate: left and right baths (same ions); voltage: V = φ_left − φ_right (V).
      reference: the design whose mesh is reused (see module doc); a :class:`ChannelDesign` or a
        :class:`MembraneDesign`, and every design of the study is of the same kind.
      reservoirs: for channel designs, :class:`Reservoirs` or None (baths at the pore ends).
      membrane: for membrane designs, the pore model as a :class:`pnp.Membrane` (pore shape,
        ion radii, the steric / dielectric / hindrance / dehydration switches, wall coordination,
        bath layer) whose thickness, fixed charge, pore radius and permittivity each design
        replaces; None: ``pnp.Membrane``'s defaults (the DSPM-DE terms).
      mesh, options: mesh controls and Newton options.
      volume_flux: for membrane designs, J_v (m/s) of nanofiltration: each design's permeate is
        solved for (:func:`pnp.nanofiltration`, zero current) and ``permeate`` and ``voltage`` only
        lay out the mesh; None: the baths and voltage are given. :func:`nanofiltration_space`
        builds such a space with the mesh :func:`pnp.nanofiltration` uses.
    """

    feed: Electrolyte
    permeate: Electrolyte
    voltage: float
    reference: Design
    reservoirs: Reservoirs | None = None
    mesh: Mesh = Mesh()
    options: NewtonOptions = NewtonOptions()
    membrane: Membrane | None = None
    volume_flux: float | None = None
    _cache: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.reference, (ChannelDesign, MembraneDesign)):
            raise TypeError(f"DesignSpace.reference must be a ChannelDesign or a MembraneDesign, got "
                            f"{type(self.reference).__name__}")
        self.reference.check()
        if isinstance(self.reference, MembraneDesign) and self.reservoirs is not None:
            raise ValueError("reservoirs belong to channel designs; a MembraneDesign has bath layers "
                             "(set bath_layer on DesignSpace.membrane)")
        if isinstance(self.reference, ChannelDesign) and self.membrane is not None:
            raise ValueError("DesignSpace.membrane is the pore model of membrane designs; the reference is a "
                             "ChannelDesign (use a MembraneDesign, or leave membrane=None)")
        if self.membrane is not None and not isinstance(self.membrane, Membrane):
            raise TypeError(f"DesignSpace.membrane must be a pnp.Membrane, got {type(self.membrane).__name__}")
        if self.volume_flux is not None:
            if not isinstance(self.reference, MembraneDesign):
                raise ValueError("volume_flux (nanofiltration) needs membrane designs; the reference is a ChannelDesign")
            if not (isinstance(self.volume_flux, (int, float)) and math.isfinite(self.volume_flux)
                    and self.volume_flux > 0):
                raise ValueError(f"DesignSpace.volume_flux must be a positive volume flux J_v in m/s (e.g. 1e-6), "
                                 f"got {self.volume_flux!r}")

    @property
    def conditions(self) -> Conditions:
        """Baths, voltage, options and the reference design's frozen mesh (built once per study)."""
        if "conditions" not in self._cache:
            conditions = Conditions(self.feed, self.voltage, right=self.permeate, mesh=self.mesh, options=self.options)
            mesh = frozen_mesh(self.reference.geometry(self), conditions)
            self._cache["conditions"] = conditions.replace(mesh=mesh)
        return self._cache["conditions"]

    def species(self, name: str) -> int:
        if name not in self.feed.names:
            raise ValueError(f"ion {name!r} is not in the feed {self.feed.names}")
        return self.feed.names.index(name)

    @property
    def reference_problem(self) -> Problem:
        """The reference design's problem on a fresh (not frozen) mesh."""
        return build_problem(self.reference.geometry(self), self.conditions.replace(mesh=self.mesh))

    def problem(self, design: Design) -> Problem:
        """The discretized problem of ``design`` on the frozen mesh (traceable in ``design``)."""
        return build_problem(self._geometry(design), self.conditions)

    def solution(self, design: Design, guess=None) -> Solution:
        """:func:`pnp.solve` of ``design`` on the frozen mesh (traceable in ``design``); under
        nanofiltration, the solution at the permeate found (:meth:`nanofiltration`), whose fluxes are
        J_v c_i,permeate. ``guess``: what :meth:`solve` returned for a nearby design."""
        if self.volume_flux is None:
            return solve(self._geometry(design), self.conditions, guess=guess)
        return self.nanofiltration(design, guess).solution

    def nanofiltration(self, design: MembraneDesign, guess: Nanofiltration | None = None) -> Nanofiltration:
        """:func:`pnp.nanofiltration` of ``design`` at the space's J_v on the frozen mesh (differentiable
        in ``design`` outside ``jax.jit``)."""
        if self.volume_flux is None:
            raise ValueError("this space gives the permeate and voltage; set volume_flux (nanofiltration_space) "
                             "for nanofiltration designs")
        return nanofiltration(self._geometry(design), self.feed, self.volume_flux, mesh=self.conditions.mesh,
                              options=self.options, guess=guess)

    def relayout(self, design: Design) -> "DesignSpace":
        """The same study with the mesh of ``design`` (a fresh mesh for it)."""
        return dataclasses.replace(self, reference=design)

    def needs_relayout(self, design: Design, factor: float) -> bool:
        now, ref = design.as_floats(), self.reference.as_floats()
        return any(max(now[k] / ref[k], ref[k] / now[k]) > factor for k in design.mesh_lengths)

    def solve(self, design: Design, guess=None):
        """What warm-starts the next design: the converged nondimensional state of ``design`` (Newton from
        ``guess``, else continuation), or under nanofiltration the :class:`~pnp.nanofiltration.Nanofiltration`."""
        if self.volume_flux is None:
            return self.solution(design, guess).state
        return self.nanofiltration(design, guess)

    def _geometry(self, design: Design):
        if type(design) is not type(self.reference):
            raise TypeError(f"this space designs {type(self.reference).__name__}s, got a {type(design).__name__}")
        return design.geometry(self)


def nanofiltration_space(feed: Electrolyte, volume_flux: float, reference: MembraneDesign, *,
                         membrane: Membrane | None = None, mesh: Mesh = Mesh(),
                         options: NewtonOptions = NewtonOptions()) -> DesignSpace:
    """A :class:`DesignSpace` of membranes under nanofiltration of ``feed`` at J_v = ``volume_flux``
    (m/s), each design's permeate solved for (zero current), on the mesh of ``reference`` frozen
    as :func:`pnp.nanofiltration` freezes it (against the feed diluted 100×). The objectives
    (:func:`separation_factor`, :func:`ion_flux`, :func:`penalized`) then read the permeate:
    S = (c_a,p/c_b,p)/(c_a,f/c_b,f), J_i = J_v c_i,p. Gradients are exact (implicit function
    theorem through the permeate search); :func:`optimize` runs them outside ``jax.jit``."""
    return DesignSpace(feed, feed.scaled(MESH_DILUTION), 0.0, reference, membrane=membrane, mesh=mesh,
                       options=options, volume_flux=volume_flux)


@dataclasses.dataclass(frozen=True)
class Transform:
    """θ (unconstrained, a dict of scalars) ↔ :class:`ChannelDesign`.

    tip = 1 nm·exp(θ_tip); base = tip + 1 nm·exp(θ_gap) (cone) or = tip (cylinder);
    length = min_length + 1 nm·exp(θ_length) (or fixed when ``fixed_length`` is set);
    σ = max_charge·tanh(θ_charge) (or fixed when ``fixed_charge`` is set).
    """

    cone: bool = False
    max_charge: float = 0.3  # C/m²
    min_length: float = 0.0  # m (e.g. the thinnest membrane that can be made)
    fixed_length: float | None = None
    fixed_charge: float | None = None

    def design(self, theta: dict) -> ChannelDesign:
        nm = 1e-9
        tip = nm * jnp.exp(theta["tip"])
        base = tip + nm * jnp.exp(theta["gap"]) if self.cone else tip
        length = (self.min_length + nm * jnp.exp(theta["length"]) if self.fixed_length is None
                  else jnp.asarray(self.fixed_length))
        charge = (self.max_charge * jnp.tanh(theta["charge"]) if self.fixed_charge is None
                  else jnp.asarray(self.fixed_charge))
        return ChannelDesign(tip, base, length, charge)

    def theta(self, design: ChannelDesign) -> dict:
        d = design.as_floats()
        theta = {"tip": jnp.log(d["tip_radius"] / 1e-9)}
        if self.cone:
            if d["base_radius"] <= d["tip_radius"]:
                raise ValueError("a cone design needs base_radius > tip_radius")
            theta["gap"] = jnp.log((d["base_radius"] - d["tip_radius"]) / 1e-9)
        if self.fixed_length is None:
            if d["length"] <= self.min_length:
                raise ValueError(f"length ({d['length']:g} m) must exceed min_length ({self.min_length:g} m)")
            theta["length"] = jnp.log((d["length"] - self.min_length) / 1e-9)
        if self.fixed_charge is None:
            if abs(d["surface_charge"]) >= self.max_charge:
                raise ValueError(f"|surface_charge| must be below max_charge = {self.max_charge} C/m²")
            theta["charge"] = jnp.arctanh(d["surface_charge"] / self.max_charge)
        return {k: jnp.asarray(v, jnp.float64) for k, v in theta.items()}


@dataclasses.dataclass(frozen=True)
class MembraneTransform:
    """θ (unconstrained, a dict of scalars) ↔ :class:`MembraneDesign`.

    Each field is either a range ``(low, high)`` that the design moves within, or one number that
    stays fixed (and has no θ). On a range, with s = sigmoid(θ) ∈ (0, 1): the lengths (pore radius,
    thickness; m) on a log scale, value = low·(high/low)^s, the fixed charge (mol/m³) and pore
    permittivity linearly, value = low + (high − low)·s. The defaults span sub-nanometre pores
    (0.3–2 nm), charges ±100 mol/m³ and confined-water permittivities 30–80, at a fixed 1 µm.
    """

    pore_radius: object = (0.3e-9, 2e-9)
    thickness: object = 1e-6
    fixed_charge: object = (-100.0, 100.0)
    pore_permittivity: object = (30.0, 80.0)

    _LOG_SCALE = ("pore_radius", "thickness")
    _UNITS = {"pore_radius": "m", "thickness": "m", "fixed_charge": "mol/m³", "pore_permittivity": "ε₀"}

    def __post_init__(self):
        for name in self._UNITS:
            value = getattr(self, name)
            numbers = np.atleast_1d(np.asarray(value, dtype=float))
            ranged = isinstance(value, (tuple, list))
            positive = name != "fixed_charge"
            if (numbers.size != (2 if ranged else 1) or not np.all(np.isfinite(numbers))
                    or (ranged and not numbers[0] < numbers[1]) or (positive and np.any(numbers <= 0))):
                raise ValueError(f"MembraneTransform.{name} must be a range (low, high) with low < high, or one "
                                 f"fixed number{' > 0' if positive else ''} ({self._UNITS[name]}); got {value!r}")

    @property
    def ranges(self) -> dict:
        """The design variables: name → (low, high)."""
        return {name: tuple(map(float, getattr(self, name))) for name in self._UNITS
                if isinstance(getattr(self, name), (tuple, list))}

    def design(self, theta: dict) -> MembraneDesign:
        ranges = self.ranges
        values = {name: jnp.asarray(getattr(self, name), dtype=float) for name in self._UNITS if name not in ranges}
        for name, (low, high) in ranges.items():
            s = jax.nn.sigmoid(theta[name])
            values[name] = low * (high / low) ** s if name in self._LOG_SCALE else low + (high - low) * s
        return MembraneDesign(**values)

    def theta(self, design: MembraneDesign) -> dict:
        values, theta = design.as_floats(), {}
        for name, (low, high) in self.ranges.items():
            value = values[name]
            if not low < value < high:
                raise ValueError(f"{name} = {value:g} {self._UNITS[name]} lies outside the open range "
                                 f"({low:g}, {high:g}) of MembraneTransform.{name}")
            s = math.log(value / low) / math.log(high / low) if name in self._LOG_SCALE else (value - low) / (high - low)
            theta[name] = jnp.asarray(math.log(s / (1.0 - s)), jnp.float64)
        return theta


# ------------------------------------------------------------------------------------------
# Objectives: functions (space, design, guess) → scalar, differentiable in ``design``.

def ion_flux(space: DesignSpace, design: Design, guess, ion: str):
    """Flux of ``ion`` from feed to permeate, positive along +z: mol/s through a channel, mol m⁻² s⁻¹
    through a membrane."""
    return space.solution(design, guess).fluxes[ion]


def separation_factor(space: DesignSpace, design: Design, guess, ion: str, other: str):
    """S = (J_ion / J_other) / (c_ion / c_other) in the feed."""
    sol = space.solution(design, guess)
    return quantity.selectivity(quantity.fluxes(sol.problem, sol.state), sol.problem.parameters.left_concentration,
                                space.species(ion), space.species(other))


def penalized(ion: str, other: str, min_flux: float | None = None, weight: float = 10.0, *,
              min_selectivity: float | None = None) -> Callable:
    """The permeability/selectivity trade-off as a loss of (space, design, guess): :func:`trade_off`
    of S(``ion``/``other``) and J_ion, with one floor (``min_flux`` in the unit of :func:`ion_flux`:
    mol/s for a channel, mol m⁻² s⁻¹ for a membrane; or ``min_selectivity``)."""
    _floor(min_flux, min_selectivity)  # fail now, not at the first step

    def loss(space, design, guess):
        sol = space.solution(design, guess)
        flux = quantity.fluxes(sol.problem, sol.state)
        i, k = space.species(ion), space.species(other)
        s = quantity.selectivity(flux, sol.problem.parameters.left_concentration, i, k)
        return trade_off(s, jnp.abs(flux[i]), min_flux=min_flux, min_selectivity=min_selectivity, weight=weight)

    return loss


def trade_off(selectivity, flux, *, min_flux: float | None = None, min_selectivity: float | None = None,
              weight: float = 10.0):
    """The loss of :func:`penalized` from S and J (scalars or arrays, element-wise; a scan's table too),
    one side maximized and the other a floor:

    * ``min_flux`` J_min: −ln S + weight·max(0, ln(J_min / J))², the largest S with J ≥ J_min;
    * ``min_selectivity`` S_min: −ln J + weight·max(0, ln(S_min / S))², the largest flux with
      S ≥ S_min (under nanofiltration: the most of the ion in the permeate while its ratio to the
      other stays S_min× the feed's).
    """
    floor = _floor(min_flux, min_selectivity)
    log_s, log_j = jnp.log(selectivity), jnp.log(flux)
    objective, constrained = (log_s, log_j) if min_selectivity is None else (log_j, log_s)
    return -objective + weight * jnp.maximum(0.0, math.log(floor) - constrained) ** 2


def _floor(min_flux, min_selectivity) -> float:
    """The one floor given (a positive number), else ValueError."""
    if (min_flux is None) == (min_selectivity is None):
        raise ValueError("penalized takes exactly one floor: min_flux (maximize S) or min_selectivity "
                         "(maximize the flux)")
    floor = min_flux if min_selectivity is None else min_selectivity
    if not (math.isfinite(floor) and floor > 0):
        raise ValueError(f"the floor of penalized must be a positive number, got {floor!r}")
    return floor


def pareto_front(selectivity, flux) -> np.ndarray:
    """Indices of the non-dominated designs among 1D arrays ``selectivity`` and ``flux`` (higher is
    better in both; NaN and non-positive fluxes are left out), sorted by flux: the permeability /
    selectivity trade-off of a scan."""
    s, j = np.asarray(selectivity), np.asarray(flux)
    points = np.flatnonzero(np.isfinite(s) & np.isfinite(j) & (j > 0))
    front = [k for k in points if not np.any((s[points] >= s[k]) & (j[points] >= j[k])
                                             & ((s[points] > s[k]) | (j[points] > j[k])))]
    return np.array(sorted(front, key=lambda k: j[k]), dtype=int)


# ------------------------------------------------------------------------------------------
# The loop

@dataclasses.dataclass
class History:
    """One row per accepted step: θ, the design (SI), the loss, the gradient norm, timings."""

    rows: list = dataclasses.field(default_factory=list)

    def append(self, **row) -> None:
        self.rows.append(row)

    def column(self, name: str) -> np.ndarray:
        return np.array([r[name] for r in self.rows])

    def save(self, path) -> None:
        """Write the history to HDF5 (one dataset per column), atomically."""
        import os

        import h5py

        from . import __version__

        path = str(path)
        temporary = path + ".tmp"
        with h5py.File(temporary, "w") as f:
            f.attrs["pnp_version"] = __version__
            for name in self.rows[0]:
                f.create_dataset(name, data=self.column(name))
        os.replace(temporary, path)


@dataclasses.dataclass
class DesignResult:
    """The best design found, its loss, what :meth:`DesignSpace.solve` returned for it (the converged
    state, or under nanofiltration the :class:`~pnp.nanofiltration.Nanofiltration`; it warm-starts
    further solves), the space it was solved in and the step history."""

    design: Design
    loss: float
    state: object
    space: DesignSpace
    history: History

    def __repr__(self) -> str:
        return (f"DesignResult(design={self.design!r}, loss={self.loss:+.6g}, "
                f"steps={len(self.history.rows)})")


def optimize(space: DesignSpace, loss: Callable, start: Design, transform, optimizer,
             steps: int = 40, *, max_halvings: int = 10, tolerance: float = 1e-6, patience: int = 3,
             relayout_factor: float = 1.5, history_path=None, progress: bool = True) -> DesignResult:
    """Minimize ``loss(space, design, guess)`` over θ = ``transform.theta(design)`` with an optax optimizer.

    Each step: gradient by implicit differentiation, the optax update, and a monotone safeguard:
    the update is halved until the loss decreases (at most ``max_halvings`` times); failing
    that, a steepest-descent step of the same size is halved the same way (and the optimizer
    state, whose momentum pointed uphill, restarts); failing both, the loop stops. Near an
    active flux constraint Adam's sign-like steps cross the constraint; the rescue follows it.
    Stops early after ``patience`` consecutive steps that lower the loss by less than
    ``tolerance`` (absolute). ``progress`` prints one line per step to stderr;
    ``history_path`` writes the history to HDF5 after every step.

    Raises:
      ConvergenceError: when the start design cannot be solved.
    """
    start.check()
    say = _printer(progress)
    tracker = Progress(steps, "design step", enabled=progress)
    theta = transform.theta(start)
    tracker.begin("the start design is solved and differentiated first")
    state = space.solve(transform.design(theta))
    value_and_grad = _value_and_grad(loss, transform)
    opt_state = optimizer.init(theta)
    history = History()
    value, grad = value_and_grad(space, theta, state)
    stalled = 0  # consecutive steps that lowered the loss by less than ``tolerance``
    for step in range(steps + 1):
        design = transform.design(theta)
        grad_norm = float(jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(grad))))
        history.append(step=step, loss=float(value), grad_norm=grad_norm,
                       **design.as_floats(), **{f"theta_{k}": float(v) for k, v in theta.items()})
        if history_path is not None:
            history.save(history_path)
        if step == 0:
            say(f"  start: loss {float(value):+.6e}  |grad| {grad_norm:.2e}  {design.describe()}")
        else:
            tracker.step(f"loss {float(value):+.6e}  |grad| {grad_norm:.2e}  {design.describe()}")
        if step == steps or not np.isfinite(float(value)):
            break
        updates, new_opt_state = optimizer.update(grad, opt_state, theta)
        accepted = _safeguarded_step(space, theta, state, float(value), updates, grad, transform, value_and_grad,
                                     max_halvings, relayout_factor, say)
        if accepted is None:
            say(f"  no decrease along the optimizer's step or steepest descent after {max_halvings} "
                "halvings: stopping")
            break
        direction, accepted = accepted
        # a steepest-descent rescue means the optimizer's momentum pointed uphill: restart it
        opt_state = new_opt_state if direction == "optimizer" else optimizer.init(accepted[0])
        previous = float(value)
        theta, space, state, value, grad = accepted
        stalled = stalled + 1 if previous - float(value) < tolerance else 0
        if stalled >= patience:
            history.append(step=step + 1, loss=float(value), grad_norm=float("nan"),
                           **transform.design(theta).as_floats(), **{f"theta_{k}": float(v) for k, v in theta.items()})
            break
    if history_path is not None:
        history.save(history_path)
    return DesignResult(transform.design(theta), float(value), state, space, history)


def _printer(enabled: bool) -> Callable[[str], None]:
    """A function printing one line to stderr (or nothing when not ``enabled``)."""
    def say(line: str) -> None:
        if enabled:
            print(line, file=sys.stderr, flush=True)

    return say


def _safeguarded_step(space, theta, state, value, updates, grad, transform, value_and_grad, max_halvings,
                      relayout_factor, say=_printer(False)):
    """("optimizer" | "steepest", (θ, space, state, value, grad)) of the first trial that lowers the loss;
    every rejected trial and every re-meshing (which recompiles, tens of seconds) is reported by ``say``."""
    size = max(float(jnp.max(jnp.abs(u))) for u in jax.tree_util.tree_leaves(updates))
    g_max = max(float(jnp.max(jnp.abs(g))) for g in jax.tree_util.tree_leaves(grad))
    steepest = jax.tree_util.tree_map(lambda g: -size * g / max(g_max, 1e-300), grad)
    for direction, step in (("optimizer", updates), ("steepest", steepest)):
        for halving in range(max_halvings + 1):
            trial = jax.tree_util.tree_map(lambda t, u: t + u * 0.5**halving, theta, step)
            trial_design = transform.design(trial)
            label = f"    trial ({direction} step × 0.5^{halving})"
            relayout = space.needs_relayout(trial_design, relayout_factor)
            if relayout:
                say(f"{label}: the length changed > {relayout_factor}× since the mesh was made: re-meshing "
                    "(new grid, recompiling) …")
            try:  # a trial that cannot be meshed (ValueError) or solved is a failed trial: halve
                trial_space = space.relayout(trial_design) if relayout else space
                trial_state = trial_space.solve(trial_design, state if trial_space is space else None)
            except (ConvergenceError, ValueError) as error:
                say(f"{label}: failed ({type(error).__name__}: {' '.join(str(error).split())[:120]}); halving")
                continue
            trial_value, trial_grad = value_and_grad(trial_space, trial, trial_state)
            if np.isfinite(float(trial_value)) and float(trial_value) < value:
                return direction, (trial, trial_space, trial_state, trial_value, trial_grad)
            say(f"{label}: loss {float(trial_value):+.6e} not below {value:+.6e}; halving")
    return None


def _value_and_grad(loss: Callable, transform: Transform):
    def objective(theta, space, state):
        return loss(space, transform.design(theta), state)

    compiled = {}

    def run(space, theta, state):
        if space.volume_flux is not None:  # the permeate search iterates on numbers: no jit
            return jax.value_and_grad(objective)(theta, space, state)
        key = id(space)
        if key not in compiled:  # one compiled program per layout
            compiled.clear()
            compiled[key] = jax.jit(jax.value_and_grad(lambda t, s: objective(t, space, s)))
        return compiled[key](theta, state)

    return run
