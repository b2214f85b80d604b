"""Gradient-based design of a channel (radius, length, surface charge) with optax.

Pieces, each a pure function or a small frozen data class:

* :class:`ChannelDesign` — tip radius, base radius, length (m) and wall charge σ (C/m²) of a
  cone (a cylinder when both radii are equal); a JAX pytree.
* :class:`DesignSpace` — what stays fixed (feed and permeate baths, voltage, reservoirs,
  mesh) and the mesh of a reference design, frozen (:func:`pnp.frozen_mesh`): every design is
  solved by :func:`pnp.solve` on that mesh, so the grid metrics, wall charges and every
  output are differentiable in the design through the public API. Far from the reference (a
  length changed more than ``relayout_factor``×) the mesh is frozen anew for the current
  design, as a fresh mesh would be.
* :class:`Transform` — unconstrained θ ↔ physical design: radii and length through
  ``exp`` (positive; base = tip + exp(θ) keeps tip ≤ base), σ = σ_max·tanh(θ) (bounded).
* Objectives (:func:`separation_factor`, :func:`ion_flux`) and :func:`penalized` (maximize S
  subject to a minimum flux: the permeability/selectivity trade-off; :func:`pareto_front` of a
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
from .problem import Problem, build_problem
from .progress import Progress
from .solution import Solution
from .solver.errors import ConvergenceError
from .solver.newton import NewtonOptions


@dataclasses.dataclass(frozen=True)
class ChannelDesign:
    """A conical (or cylindrical) channel: radii and length in m, wall charge σ in C/m²."""

    tip_radius: jax.Array
    base_radius: jax.Array
    length: jax.Array
    surface_charge: jax.Array

    def as_floats(self) -> dict:
        return {f.name: float(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def describe(self) -> str:
        """``tip 1.234 nm, base 5.678 nm, L 30.0 nm, σ −0.1000 C/m²`` (or ``(traced)`` under jit/grad)."""
        try:
            d = self.as_floats()
        except (TypeError, jax.errors.ConcretizationTypeError):
            return "(traced)"
        return (f"tip {d['tip_radius'] * 1e9:.3f} nm, base {d['base_radius'] * 1e9:.3f} nm, "
                f"L {d['length'] * 1e9:.1f} nm, σ {d['surface_charge']:+.4f} C/m²")

    def __repr__(self) -> str:
        return f"ChannelDesign({self.describe()})"

    def check(self) -> None:
        """Fail fast on an impossible design (concrete values only)."""
        values = self.as_floats()
        for name in ("tip_radius", "base_radius", "length"):
            if not (math.isfinite(values[name]) and values[name] > 0):
                raise ValueError(f"ChannelDesign.{name} must be a positive length in metres, got {values[name]!r}")
        if values["tip_radius"] > values["base_radius"]:
            raise ValueError(f"ChannelDesign.tip_radius ({values['tip_radius']:g} m) must not exceed base_radius "
                             f"({values['base_radius']:g} m)")


jax.tree_util.register_dataclass(ChannelDesign, data_fields=[f.name for f in dataclasses.fields(ChannelDesign)],
                                 meta_fields=[])


def _radius_profile(design: ChannelDesign) -> Callable:
    """R(z) = tip + (base − tip)·z / length (m → m), traceable."""
    tip, base, length = design.tip_radius, design.base_radius, design.length
    return lambda z: tip + (base - tip) * jnp.asarray(z) / length


def _channel(design: ChannelDesign, reservoirs: Reservoirs | None) -> Channel:
    """The SI geometry of a design (traceable in the design)."""
    return Channel(_radius_profile(design), design.length, design.surface_charge, reservoirs)


@dataclasses.dataclass(frozen=True)
class DesignSpace:
    """Fixed conditions of a design study and the frozen mesh of a reference design.

    Attributes:
      feed, permeate: left and right baths (same ions); voltage: V = φ_left − φ_right (V).
      reference: the design whose mesh is reused (see module doc).
      reservoirs: :class:`Reservoirs` or None (baths at the pore ends).
      mesh, options: mesh controls and Newton options.
    """

    feed: Electrolyte
    permeate: Electrolyte
    voltage: float
    reference: ChannelDesign
    reservoirs: Reservoirs | None = None
    mesh: Mesh = Mesh()
    options: NewtonOptions = NewtonOptions()
    _cache: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.reference.check()

    @property
    def conditions(self) -> Conditions:
        """Baths, voltage, options and the reference design's frozen mesh (built once per study)."""
        if "conditions" not in self._cache:
            conditions = Conditions(self.feed, self.voltage, right=self.permeate, mesh=self.mesh, options=self.options)
            mesh = frozen_mesh(_channel(self.reference, self.reservoirs), conditions)
            self._cache["conditions"] = conditions.replace(mesh=mesh)
        return self._cache["conditions"]

    def species(self, name: str) -> int:
        if name not in self.feed.names:
            raise ValueError(f"ion {name!r} is not in the feed {self.feed.names}")
        return self.feed.names.index(name)

    @property
    def reference_problem(self) -> Problem:
        """The reference design's problem on a fresh (not frozen) mesh."""
        return build_problem(_channel(self.reference, self.reservoirs), self.conditions.replace(mesh=self.mesh))

    def problem(self, design: ChannelDesign) -> Problem:
        """The discretized problem of ``design`` on the frozen mesh (traceable in ``design``)."""
        return build_problem(_channel(design, self.reservoirs), self.conditions)

    def solution(self, design: ChannelDesign, guess=None) -> Solution:
        """:func:`pnp.solve` of ``design`` on the frozen mesh (traceable in ``design``)."""
        return solve(_channel(design, self.reservoirs), self.conditions, guess=guess)

    def relayout(self, design: ChannelDesign) -> "DesignSpace":
        """The same study with the mesh of ``design`` (a fresh mesh for it)."""
        return dataclasses.replace(self, reference=design)

    def needs_relayout(self, design: ChannelDesign, factor: float) -> bool:
        now, ref = design.as_floats(), self.reference.as_floats()
        return any(max(now[k] / ref[k], ref[k] / now[k]) > factor for k in ("tip_radius", "base_radius", "length"))

    def solve(self, design: ChannelDesign, guess=None):
        """Converged nondimensional state of ``design`` (Newton from ``guess``, else continuation)."""
        return self.solution(design, guess).state


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


# ------------------------------------------------------------------------------------------
# Objectives: functions (space, design, guess) → scalar, differentiable in ``design``.

def ion_flux(space: DesignSpace, design: ChannelDesign, guess, ion: str):
    """Flux of ``ion`` from feed to permeate (mol/s, positive along +z)."""
    return space.solution(design, guess).fluxes[ion]


def separation_factor(space: DesignSpace, design: ChannelDesign, guess, ion: str, other: str):
    """S = (J_ion / J_other) / (c_ion / c_other) in the feed."""
    sol = space.solution(design, guess)
    return quantity.selectivity(quantity.fluxes(sol.problem, sol.state), sol.problem.parameters.left_concentration,
                                space.species(ion), space.species(other))


def penalized(ion: str, other: str, min_flux: float, weight: float = 10.0) -> Callable:
    """Loss −ln S + weight·max(0, ln(J_min / J_ion))²: maximize S with J_ion ≥ ``min_flux`` (mol/s)."""

    def loss(space, design, guess):
        sol = space.solution(design, guess)
        flux = quantity.fluxes(sol.problem, sol.state)
        i, k = space.species(ion), space.species(other)
        s = quantity.selectivity(flux, sol.problem.parameters.left_concentration, i, k)
        shortfall = jnp.maximum(0.0, jnp.log(min_flux) - jnp.log(jnp.abs(flux[i])))
        return -jnp.log(s) + weight * shortfall**2

    return loss


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
    """The best design found, its loss, its converged state (to warm-start further solves), the
    space it was solved in and the step history."""

    design: ChannelDesign
    loss: float
    state: jax.Array
    space: DesignSpace
    history: History

    def __repr__(self) -> str:
        return (f"DesignResult(design=ChannelDesign({self.design.describe()}), loss={self.loss:+.6g}, "
                f"steps={len(self.history.rows)})")


def optimize(space: DesignSpace, loss: Callable, start: ChannelDesign, transform: Transform, optimizer,
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
        key = id(space)
        if key not in compiled:  # one compiled program per layout
            compiled.clear()
            compiled[key] = jax.jit(jax.value_and_grad(lambda t, s: objective(t, space, s)))
        return compiled[key](theta, state)

    return run
