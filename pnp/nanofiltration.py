"""Nanofiltration: a membrane under a prescribed volume flux with a self-consistent permeate.

A feed (left bath) is pressed through a :class:`~pnp.Membrane` at volume flux J_v (m/s). Each
ion crosses it by hindered diffusion, migration and hindered convection (the extended
Nernst–Planck flux of :mod:`pnp.physics.convection`, with the pore terms of :mod:`pnp.pore`),
and the permeate (right bath) is what comes out:

    c_i,permeate = J_i / J_v  for every ion,  and  I = F Σ z_i J_i = 0  (open circuit),

so the permeate is not a given bath but part of the solution. Unknowns: the permeate
concentrations of all ions but one (the last is set by electroneutrality, Σ z_i c_i,p = 0, which
zero current makes exact) and the membrane voltage V = φ_feed − φ_permeate. Each evaluation of
the equations is one PNP solve (warm-started). Far from the answer the permeate follows the
fixed point c_p ← J/J_v (convection makes it contract; damped when a full step would raise the
residual) with Newton on V alone; near it, Newton
on all unknowns, its Jacobian from forward-mode derivatives of the solves (implicit, exact),
with backtracking.

Derivatives: the converged permeate x* carries exact first derivatives with respect to the
membrane (pore radius, thickness, X, ε_pore, ion radii), the feed and J_v, through one Newton
step from x* with the traced inputs, x = x* − J⁻¹ G(x*, θ) (value x*, derivative −J⁻¹ ∂G/∂θ:
the implicit function theorem). Outside ``jax.jit`` only (the iteration needs numbers).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from . import quantity
from .api import frozen_mesh, solve
from .constants import FARADAY
from .electrolyte import Electrolyte
from .geometry.base import Mesh
from .solver.errors import ConvergenceError
from .solver.newton import NewtonOptions
from .tracing import concrete, concrete_tree, is_traced

SECONDS_PER_HOUR = 3600.0
MIN_STEP_FRACTION = 1.0 / 16.0  # smallest fraction of a Newton (then a fixed-point) step the line search tries
MAX_LOG_STEP = 1.0  # largest Newton change of ln c_permeate (and of V/(kT/e)) per iteration
MESH_DILUTION = 0.01  # the grid is frozen against the feed diluted this much (a permeate-side layer that fits)


@dataclasses.dataclass(frozen=True)
class Nanofiltration:
    """The steady state of a membrane under volume flux (SI; values may be traced under ``jax.grad``).

    Attributes:
      feed, permeate: the two baths (:class:`~pnp.Electrolyte`, mol/m³).
      volume_flux: J_v (m/s).
      voltage: the membrane (streaming + diffusion) potential at zero current, φ_feed − φ_permeate (V).
      solution: the PNP :class:`~pnp.Solution` at the permeate found.
      iterations: Newton iterations of the permeate search.
    """

    feed: Electrolyte
    permeate: Electrolyte
    volume_flux: object
    voltage: object
    solution: object
    iterations: int

    @property
    def species(self) -> tuple[str, ...]:
        return self.feed.names

    @property
    def fluxes(self) -> dict:
        """Ion fluxes J_i = J_v c_i,permeate (mol m⁻² s⁻¹, feed → permeate)."""
        return {name: self.volume_flux * c for name, c in zip(self.species, self.permeate.concentrations)}

    @property
    def fluxes_per_hour(self) -> dict:
        """Ion fluxes in mol m⁻² h⁻¹ (the unit membrane studies report)."""
        return {name: SECONDS_PER_HOUR * j for name, j in self.fluxes.items()}

    @property
    def rejection(self) -> dict:
        """Observed rejection R_obs,i = 1 − c_i,permeate / c_i,feed (negative: the permeate is enriched)."""
        return _rejection(self.species, self.permeate.concentrations, self.feed.concentrations)

    @property
    def mouth(self) -> dict:
        """c_m: the feed-side solution at the pore mouth, outside the entrance double layer (mol/m³;
        :func:`pnp.quantity.entrance_concentrations`). It differs from the feed by the concentration
        polarization of the feed-side bath layer: an unstirred layer when ``bath_layer`` sets one, else
        the layer the mesh resolves (frozen for a 100× diluted permeate), where J_v δ/D is usually small."""
        return dict(zip(self.species, self._entrance[0]))

    @property
    def real_rejection(self) -> dict:
        """Real rejection R_real,i = 1 − c_i,permeate / c_i,m, against the pore mouth (:attr:`mouth`)."""
        return _rejection(self.species, self.permeate.concentrations, self._entrance[0])

    def separation_factor(self, a, b):
        """S_a/b = (c_a,permeate / c_a,feed) / (c_b,permeate / c_b,feed) (> 1: ``a`` passes more)."""
        return quantity.selectivity(self.permeate.concentrations, self.feed.concentrations, self._index(a),
                                    self._index(b))

    def selectivity_split(self, a, b) -> dict:
        """S_a/b and its stages "polarization" × "partition" (entry) × "transport" (inside and exit)
        (:func:`pnp.quantity.selectivity_split`; their product is S)."""
        mouth, pore = self._entrance
        return quantity.selectivity_split(self.permeate.concentrations, self.feed.concentrations, mouth, pore,
                                          self._index(a), self._index(b))

    @property
    def _entrance(self):
        return quantity.entrance_concentrations(self.solution.problem, self.solution.state)

    def _index(self, ion) -> int:
        from .problem import _species_index

        return _species_index(self.feed, ion)

    def __repr__(self) -> str:
        if is_traced((self.permeate.concentrations, self.voltage)):
            return f"Nanofiltration({', '.join(self.species)}; traced)"
        rejection, flux = self.rejection, self.fluxes_per_hour
        rows = [f"  {name:>6}  feed {cf:10.4g}  permeate {cp:10.4g} mol/m³  R {rejection[name]:+.4f}  "
                f"flux {flux[name]:.4g} mol/(m²·h)"
                for name, cf, cp in zip(self.species, self.feed.concentrations, self.permeate.concentrations)]
        return (f"Nanofiltration(J_v = {float(self.volume_flux):.4g} m/s, membrane potential "
                f"{1e3 * float(self.voltage):.4g} mV, {self.iterations} iterations)\n" + "\n".join(rows))


def nanofiltration(membrane, feed: Electrolyte, volume_flux, *, mesh=None, options: NewtonOptions = NewtonOptions(),
                   tolerance: float = 1e-8, max_iterations: int = 50, guess: Nanofiltration | None = None
                   ) -> Nanofiltration:
    """Steady nanofiltration of ``feed`` through ``membrane`` (a :class:`~pnp.Membrane`, usually with a
    ``pore_radius``) at volume flux ``volume_flux`` J_v (m/s, > 0), with the permeate solved for.

    Args:
      mesh: a :class:`~pnp.Mesh` (its controls; unless it is already frozen, the grid is frozen from
        the feed and a 100× diluted permeate, so the permeate-side double layer fits in its bath
        layer and every step of the search uses the same grid).
      tolerance: on the relative flux balance |J_i/(J_v c_i,p) − 1| and the scaled current (1e-8:
        above the floor of 1e-10 – 2e-9 that the PNP solve's own tolerance leaves in the flux of an
        ion rejected by 10⁴×, measured in a 200 nm membrane at X = +95 mol/m³, ε_p = 30).
      guess: a converged result of the same feed's ions on the same mesh (a nearby membrane or
        J_v): the search starts from its permeate and membrane voltage, its first PNP solve from its
        state (else from permeate = feed, V = 0, by continuation).

    Raises:
      ValueError: J_v not positive, or traced under jit. ConvergenceError: no permeate found.
    """
    flux = concrete(volume_flux)
    if flux is None:
        raise ValueError("pnp.nanofiltration iterates on numbers: call it outside jax.jit/vmap "
                         "(jax.grad and jax.jacfwd of its results work)")
    if flux.shape != () or not (np.isfinite(flux) and flux > 0):
        raise ValueError(f"volume_flux must be a positive volume flux J_v in m/s (e.g. 1e-6), got {volume_flux!r}")
    if len(feed.names) < 2:
        raise ValueError("nanofiltration needs at least one cation and one anion in the feed")
    plain_membrane, plain_feed = _primal(membrane), feed.with_concentrations(_values(feed.concentrations))
    if mesh is None or mesh.layout is None:  # one grid for the whole search, whatever the permeate
        mesh = frozen_mesh(plain_membrane, plain_feed, right=plain_feed.scaled(MESH_DILUTION), mesh=mesh or Mesh())
    equations = _Equations(plain_feed, float(flux), mesh, options)

    x, state = _start(plain_feed, guess)
    iterations, history = 0, []
    while True:
        (g, aux), jac = equations.value_and_jacobian(plain_membrane, x, state)
        state = aux
        norm = float(np.max(np.abs(g)))
        history.append(norm)
        if norm < tolerance:
            break
        if iterations >= max_iterations:
            raise _no_permeate(f"did not converge in {max_iterations} Newton steps", history)
        step = equations.line_search(plain_membrane, x, np.linalg.solve(jac, -g), norm, state)
        if step is None:  # Newton cannot lower the residual here: the fixed point c_p ← J/J_v instead,
            fixed_point = equations.picard(x, g, jac)  # damped where a full step would not lower it
            step = equations.line_search(plain_membrane, x, fixed_point - x, norm, state)
        if step is None:  # no decrease either way: the fixed-point step, as far as its permeate is a bath
            fallback = equations.feasible(x, fixed_point - x)
            if fallback is None:
                raise _no_permeate("found no step whose permeate is a valid bath", history)
            step = fallback, state
        x, state = step
        iterations += 1

    if is_traced((_numbers(membrane), feed.concentrations, volume_flux)):  # attach d x*/dθ by one Newton step
        live = _Equations(feed, volume_flux, mesh, options)
        g, state = live.residual(membrane, jnp.asarray(x), state)
        x = x - jnp.linalg.solve(jnp.asarray(jac), g)
        equations = live
    permeate, voltage = equations.unpack(x)
    solution = solve(membrane, feed, voltage, right=permeate, mesh=mesh, options=options, guess=state,
                     volume_flux=volume_flux)
    return Nanofiltration(feed, permeate, volume_flux, voltage, solution, iterations)


class _Equations:
    """G(x) = (J_i/(J_v c_i,p) − 1 for the free ions, I/(F J_v Σ|z_i| c_i,p)) of the permeate search;
    x = (ln(c_i,p/c_i,f) for all ions but the last, V/(kT/e))."""

    def __init__(self, feed, volume_flux, mesh, options):
        self.feed, self.volume_flux, self.mesh, self.options = feed, volume_flux, mesh, options
        self.valence = jnp.asarray(feed.valences, dtype=jnp.float64)
        self.thermal = feed.thermal_voltage

    def unpack(self, x):
        """(permeate Electrolyte, voltage V) of x."""
        free = jnp.asarray(self.feed.concentrations)[:-1] * jnp.exp(x[:-1])
        last = -jnp.dot(self.valence[:-1], free) / self.valence[-1]
        return self.feed.with_concentrations([*free, last]), x[-1] * self.thermal

    def residual(self, membrane, x, guess):
        permeate, voltage = self.unpack(x)
        solution = solve(membrane, self.feed, voltage, right=permeate, mesh=self.mesh, options=self.options,
                         guess=guess, volume_flux=self.volume_flux)
        problem, state = solution.problem, solution.state
        j = quantity.fluxes(problem, state)
        cp = jnp.asarray(permeate.concentrations)
        balance = j[:-1] / (self.volume_flux * cp[:-1]) - 1.0
        current = quantity.current(problem, state) / (FARADAY * self.volume_flux * jnp.dot(jnp.abs(self.valence), cp))
        return jnp.concatenate([balance, current[None]]), state

    def value_and_jacobian(self, membrane, x, guess):
        x = jnp.asarray(x)
        jac, (g, state) = jax.jacfwd(lambda y: _twice(self.residual(membrane, y, guess)), has_aux=True)(x)
        return (np.asarray(g), state), np.asarray(jac)

    def picard(self, x, g, jac):
        """One fixed-point step: c_i,p ← J_i / J_v (J_i ≤ 0: c_i,p / e), V ← V − G_I / (∂G_I/∂V)."""
        ratio = 1.0 + g[:-1]
        free = x[:-1] + np.where(ratio > 0, np.log(np.maximum(ratio, 1e-300)), -1.0)
        free = x[:-1] + np.clip(free - x[:-1], -MAX_LOG_STEP, MAX_LOG_STEP)
        voltage = x[-1] - np.clip(g[-1] / jac[-1, -1], -MAX_LOG_STEP, MAX_LOG_STEP)
        return np.concatenate([free, [voltage]])

    def feasible(self, x, step):
        """x + t·step for the largest t = 1, 1/2, … ≥ MIN_STEP_FRACTION whose permeate is a valid bath
        (the last ion, set by electroneutrality, stays positive); None if there is none."""
        t = 1.0
        while t >= MIN_STEP_FRACTION:
            try:
                self.unpack(jnp.asarray(x + t * step))
                return x + t * step
            except ValueError:
                t *= 0.5
        return None

    def line_search(self, membrane, x, step, norm, state):
        """(x + t·step, its state) for the largest t = 1, 1/2, … ≥ MIN_STEP_FRACTION (and at most a
        change of MAX_LOG_STEP in any unknown) at which the permeate is a valid bath and the residual
        decreases; None if there is none."""
        t = min(1.0, MAX_LOG_STEP / max(float(np.max(np.abs(step))), 1e-300))
        while t >= MIN_STEP_FRACTION:
            trial = x + t * step
            try:
                g, trial_state = self.residual(membrane, jnp.asarray(trial), state)
                if float(np.max(np.abs(np.asarray(g)))) < norm * (1.0 - 1e-4 * t):
                    return trial, trial_state
            except (ConvergenceError, ValueError):  # a negative or implausible permeate, or no PNP solution
                pass
            t *= 0.5
        return None


def _start(feed: Electrolyte, guess: Nanofiltration | None):
    """(x, PNP state) the permeate search starts from: ``guess``'s, or permeate = feed and V = 0 with no state."""
    if guess is None:
        return np.zeros(len(feed.names)), None
    if not isinstance(guess, Nanofiltration) or guess.species != feed.names:
        raise ValueError(f"guess must be a Nanofiltration result of a feed with the ions {feed.names}, got "
                         f"{guess.species if isinstance(guess, Nanofiltration) else type(guess).__name__}")
    permeate = _values(guess.permeate.concentrations)
    x = np.append(np.log(permeate[:-1] / _values(feed.concentrations)[:-1]),
                  float(_values(guess.voltage)) / feed.thermal_voltage)
    state = concrete_tree(guess.solution.state)
    if state is None:
        raise ValueError("guess must hold numbers (a result computed outside jax.jit/vmap)")
    return x, state


def _no_permeate(reason: str, history: list) -> ConvergenceError:
    """The error of a failed permeate search, with its residual history and what to try."""
    return ConvergenceError(f"the permeate search {reason} (max residual history "
                            f"{np.array2string(np.array(history), precision=2)}); try a smaller volume_flux first "
                            "and continue from there", parameter="permeate composition", reached=0.0,
                            history=np.array(history))


def _rejection(species, permeate, reference) -> dict:
    return {name: 1.0 - cp / c for name, cp, c in zip(species, permeate, reference)}


def _twice(result):
    """(g, state) → (g, (g, state)): jacfwd's value and aux in one evaluation."""
    g, state = result
    return g, (g, state)


def _values(array):
    value = concrete(array)
    if value is None:
        raise ValueError("pnp.nanofiltration needs concrete inputs (call it outside jax.jit/vmap)")
    return value


def _numbers(membrane) -> list:
    """The membrane's field values (what may be traced)."""
    return [getattr(membrane, field.name) for field in dataclasses.fields(membrane)]


def _primal(membrane):
    """``membrane`` with every traced number replaced by its value (the permeate search runs on numbers)."""
    changes = {}
    for field in dataclasses.fields(membrane):
        value = getattr(membrane, field.name)
        if isinstance(value, jax.core.Tracer):
            changes[field.name] = float(_values(value))
        elif isinstance(value, dict) and is_traced(value):
            changes[field.name] = {k: float(_values(v)) for k, v in value.items()}
    return dataclasses.replace(membrane, **changes)
