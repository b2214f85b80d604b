"""Fully coupled damped Newton for F(y, args) = 0 on a structured grid (one jitted loop).

Problem-agnostic, as optimistix's ``root_find(fn, solver, y0, args)``: ``fn`` maps a state
pytree (cell fields, see :mod:`pnp.solver.packing`) and ``args`` to a residual of the same
structure; Newton knows nothing else of the problem.

Each iteration: residual and exact band Jacobian (colored JVPs with the residual's
couplings), row equilibration (every row divided by the sum of its absolute entries — does
not change the step, only conditioning), a linear solve by the chosen backend, and a step
limited to ``max_step`` in the ∞-norm of the ``limited`` fields (default all; the whole step is
scaled by the one damping factor). Norms are per field: each field's components are
divided by its ``scale`` (default 1; PNP's potential in kT/e and log-concentrations need
none). Converged when both the scaled update and the scaled row-equilibrated residual are
below their tolerances; the last update is still applied. Any non-finite value stops the
loop as a failure, and so does divergence: a damped update that grew tenfold
(``DIVERGENCE_GROWTH``) in each of the last three iterations. That is the signature of an
iterate chasing a root that does not exist nearby (a log-concentration driven down by the
step limit in every iteration, its update growing as 1/c while the damped state stands
still); it would otherwise spend every remaining iteration there. Never returns NaN as a converged state.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp

from ..linalg import registry
from ..linalg.band import Couplings, equilibrate
from .jacobian import band_jacobian
from .packing import component_scales, pack, unpack


DIVERGENCE_GROWTH = 10.0  # an update this many times the previous one, three iterations running, fails


@dataclasses.dataclass(frozen=True)
class NewtonOptions:
    """Newton controls (static: changing them recompiles)."""

    max_iterations: int = 40
    step_tolerance: float = 1e-9  # ‖δy / scale‖∞
    residual_tolerance: float = 1e-9  # ‖(r / Σ|J|) / scale‖∞
    max_step: float = 4.0  # largest accepted ‖δy / scale‖∞ before damping
    linear_solver: str = "auto"  # a name of pnp.linalg.registry.methods()


@dataclasses.dataclass(frozen=True)
class NewtonResult:
    state: object  # the state pytree
    converged: jax.Array  # bool
    iterations: jax.Array  # int
    residual_history: jax.Array  # (max_iterations,) scaled residual norm, NaN after the end
    step_history: jax.Array  # (max_iterations,) scaled step norm

    def replace(self, **changes) -> "NewtonResult":
        return dataclasses.replace(self, **changes)


jax.tree_util.register_dataclass(
    NewtonResult, data_fields=["state", "converged", "iterations", "residual_history", "step_history"],
    meta_fields=[],
)


def packed_residual(fn, like, args):
    """x (nz, nr, nc) ↦ pack(fn(unpack(x), args)): the residual as the linear algebra sees it."""
    return lambda x: pack(fn(unpack(x, like), args))


def newton_step(fn, y, args, options: NewtonOptions, couplings: Couplings | None = None, scale=None,
                active=True):
    """One Newton update at ``y``: (full step δy as a state pytree, scaled residual ∞-norm).

    ``active`` false (a batch member that has already converged, while ``vmap`` runs the loop on
    for the others) solves with a zero right-hand side instead: δy = 0, and the host sparse
    backends return it without factorizing.
    """
    x = pack(y)
    value, jacobian = band_jacobian(packed_residual(fn, y, args), x, couplings)
    matrix, rhs = equilibrate(jacobian, -value)
    delta = registry.solve(matrix, jnp.where(active, rhs, 0.0), options.linear_solver)
    return unpack(delta, y), jnp.max(jnp.abs(rhs / component_scales(y, scale)))


@functools.partial(jax.jit, static_argnames=("fn", "options", "couplings"))
def newton_solve(fn, y0, args, options: NewtonOptions = NewtonOptions(), couplings: Couplings | None = None,
                 scale=None, limited=None) -> NewtonResult:
    """Damped Newton from ``y0`` for ``fn(y, args) = 0``.

    Args:
      fn: residual function (hashable: a module-level function), fn(y, args) → pytree like y.
      y0: start state (pytree of cell fields).
      args: anything ``fn`` needs (a pytree; differentiable through :mod:`pnp.solver.implicit`).
      options: Newton controls; couplings: the residual's sparsity (default: full band);
      scale: per-field scales of the norms (pytree like y0 of scalars), default 1.
      limited: per field, whether ``options.max_step`` is measured on it (pytree like y0 of
        bools), default all; the fields left out take the damping factor the others set.
    """
    scales = component_scales(y0, scale)
    measured = component_scales(y0, limited) > 0  # (nc,): the components the step limit reads
    nan_history = jnp.full((options.max_iterations,), jnp.nan, pack(y0).dtype)

    def cond(carry):
        _, k, _, _, converged, failed = carry
        return (k < options.max_iterations) & ~converged & ~failed

    def body(carry):
        x, k, res_hist, step_hist, done, stuck = carry  # both false here, except for vmap's finished members
        delta, res_norm = newton_step(fn, unpack(x, y0), args, options, couplings, scale, active=~(done | stuck))
        delta = pack(delta)
        step = jnp.abs(delta / scales)
        step_norm = jnp.max(step)
        damping = jnp.minimum(1.0, options.max_step / jnp.max(jnp.where(measured, step, 0.0)))
        x_new = x + damping * delta
        before = lambda j: step_hist[jnp.maximum(k - j, 0)]  # NaN before the first iterations: no growth
        diverging = ((step_norm > DIVERGENCE_GROWTH * before(1)) & (before(1) > DIVERGENCE_GROWTH * before(2))
                     & (before(2) > DIVERGENCE_GROWTH * before(3)) & (k >= 3) & (damping < 1.0))
        failed = ~(jnp.all(jnp.isfinite(x_new)) & jnp.isfinite(res_norm)) | diverging
        converged = (step_norm < options.step_tolerance) & (res_norm < options.residual_tolerance) & ~failed
        x_new = jnp.where(failed, x, x_new)
        return (x_new, k + 1, res_hist.at[k].set(res_norm), step_hist.at[k].set(step_norm), converged, failed)

    init = (pack(y0), jnp.array(0), nan_history, nan_history, jnp.array(False), jnp.array(False))
    x, k, res_hist, step_hist, converged, _ = jax.lax.while_loop(cond, body, init)
    return NewtonResult(unpack(x, y0), converged, k, res_hist, step_hist)
