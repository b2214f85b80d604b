"""Fully coupled damped Newton iteration (one jitted ``lax.while_loop``).

Each iteration: residual and exact block Jacobian (colored JVPs), row equilibration
(every row divided by the sum of its absolute entries — does not change the Newton
step, only conditioning), block-tridiagonal solve, and a step limited to ``max_step`` in
the ∞-norm (thermal voltages / log-concentration units). Converged when both the
update and the row-scaled residual are below their tolerances (both are in units of
the unknowns); the last update is still applied. Any non-finite value stops the loop
as a failure. Never returns NaN as a converged state.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp

from ..linalg.band import solve_band
from ..physics.residual import residual
from .jacobian import band_jacobian


@dataclasses.dataclass(frozen=True)
class NewtonOptions:
    """Newton controls (static: changing them recompiles)."""

    max_iterations: int = 40
    step_tolerance: float = 1e-9  # ‖δx‖∞ (kT/e, log c)
    residual_tolerance: float = 1e-9  # ‖r / Σ|J|‖∞ (same units)
    max_step: float = 4.0  # largest accepted ‖δx‖∞ before damping
    linear_solver: str = "auto"  # see pnp.linalg.band


@dataclasses.dataclass(frozen=True)
class NewtonResult:
    state: jax.Array
    converged: jax.Array  # bool
    iterations: jax.Array  # int
    residual_history: jax.Array  # (max_iterations,) row-scaled ‖r‖∞, NaN after the end
    step_history: jax.Array  # (max_iterations,) ‖δx‖∞

    def replace(self, **changes) -> "NewtonResult":
        return dataclasses.replace(self, **changes)


jax.tree_util.register_dataclass(
    NewtonResult,
    data_fields=["state", "converged", "iterations", "residual_history", "step_history"],
    meta_fields=[],
)


def newton_step(state, grid, params, options: NewtonOptions):
    """One Newton update: returns (full step δx, row-scaled residual ∞-norm)."""
    value, band = band_jacobian(lambda s: residual(s, grid, params), state, stencil=5)
    row_sum = jnp.abs(band).sum(axis=(2, 3, 4))  # (nz, nr, nc): Σ over columns of |J|
    scale = 1.0 / jnp.where(row_sum > 0, row_sum, 1.0)
    rhs = -value * scale
    delta = solve_band(band * scale[:, :, None, None, None, :], rhs, method=options.linear_solver, pattern="pnp")
    return delta, jnp.max(jnp.abs(rhs))


@functools.partial(jax.jit, static_argnames="options")
def newton_solve(state, grid, params, options: NewtonOptions = NewtonOptions()) -> NewtonResult:
    """Damped Newton from ``state`` for ``residual(·, grid, params) = 0``."""
    nan_history = jnp.full((options.max_iterations,), jnp.nan, state.dtype)

    def cond(carry):
        _, k, _, _, converged, failed = carry
        return (k < options.max_iterations) & ~converged & ~failed

    def body(carry):
        x, k, res_hist, step_hist, _, _ = carry
        delta, res_norm = newton_step(x, grid, params, options)
        step_norm = jnp.max(jnp.abs(delta))
        damping = jnp.minimum(1.0, options.max_step / step_norm)
        x_new = x + damping * delta
        failed = ~(jnp.all(jnp.isfinite(x_new)) & jnp.isfinite(res_norm))
        converged = (step_norm < options.step_tolerance) & (res_norm < options.residual_tolerance) & ~failed
        x_new = jnp.where(failed, x, x_new)
        return (x_new, k + 1, res_hist.at[k].set(res_norm), step_hist.at[k].set(step_norm), converged, failed)

    init = (state, jnp.array(0), nan_history, nan_history, jnp.array(False), jnp.array(False))
    x, k, res_hist, step_hist, converged, _ = jax.lax.while_loop(cond, body, init)
    return NewtonResult(x, converged, k, res_hist, step_hist)
