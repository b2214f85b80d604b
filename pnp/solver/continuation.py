"""Continuation ("embedding") for hard steady problems, and the steady-solve driver.

Path: the trivial problem (no charges, equal baths, V = 0; exact solution a uniform
bath) → the target problem at V = 0 (charges, excess potentials, bath difference) →
the target voltage. Each leg first tries one full step; on failure it ramps the
homotopy parameter t ∈ [0, 1] with adaptive steps (halving on failure, doubling on
success) and a secant predictor. If the step falls below ``min_step`` it raises
:class:`ConvergenceError` naming the parameter being ramped, how far it got, and the
Newton residual history of the last failed attempt.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from ..grid.mesh import Grid
from ..physics.parameters import Parameters, at_equilibrium_start, interpolate
from .newton import NewtonOptions, NewtonResult, newton_solve


class ConvergenceError(RuntimeError):
    """Newton/continuation failed; ``parameter``, ``reached`` and ``history`` say where."""

    def __init__(self, message: str, *, parameter: str, reached: float, history: np.ndarray):
        super().__init__(message)
        self.parameter = parameter
        self.reached = reached
        self.history = history


@dataclasses.dataclass
class SolveInfo:
    """Diagnostics of a steady solve."""

    newton_iterations: int = 0  # total over all Newton calls
    newton_calls: int = 0
    continuation_steps: dict = dataclasses.field(default_factory=dict)  # leg → accepted steps
    residual_history: list = dataclasses.field(default_factory=list)  # last successful call
    converged: bool = False

    def record(self, result: NewtonResult) -> None:
        self.newton_calls += 1
        k = int(result.iterations)
        self.newton_iterations += k
        if bool(result.converged):
            self.residual_history = [float(v) for v in np.asarray(result.residual_history)[:k]]


def uniform_state(grid: Grid, params: Parameters):
    """φ = 0 and log-concentrations interpolated linearly in z between the two baths."""
    nz, nr = grid.shape
    z = grid.cell_z
    t = (z - jnp.min(z)) / jnp.maximum(jnp.max(z) - jnp.min(z), 1e-300)
    log_c = (1.0 - t)[..., None] * jnp.log(params.left_concentration) + t[..., None] * jnp.log(
        params.right_concentration
    )
    state = jnp.concatenate([jnp.zeros((nz, nr, 1)), log_c], axis=-1)
    return jnp.where(np.asarray(grid.active)[..., None], state, 0.0)


def continuation(
    grid: Grid,
    start: Parameters,
    end: Parameters,
    state,
    *,
    parameter: str,
    options: NewtonOptions,
    info: SolveInfo,
    min_step: float = 1e-4,
):
    """Ramp ``start`` → ``end`` from the converged ``state`` of ``start``; returns the end state."""
    t, step = 0.0, 1.0
    previous = None  # (t, state) of the point before the current one, for the secant predictor
    history = np.array([])
    accepted = 0
    while t < 1.0:
        step = min(step, 1.0 - t)
        target = t + step
        guess = state
        if previous is not None:
            t_prev, s_prev = previous
            guess = state + (state - s_prev) * (step / (t - t_prev))
        result = newton_solve(guess, grid, interpolate(start, end, target), options)
        info.record(result)
        if bool(result.converged):
            previous, state, t = (t, state), result.state, target
            accepted += 1
            step *= 2.0
        else:
            history = np.asarray(result.residual_history)[: int(result.iterations)]
            step *= 0.5
            if step < min_step:
                raise ConvergenceError(
                    f"Newton did not converge while ramping the {parameter}: it reached "
                    f"{100 * t:.3g}% of the way (continuation step fell below {min_step:g}). "
                    f"Residual history of the last attempt: {np.array2string(history, precision=2)}. "
                    "Try a finer mesh near charged walls, a smaller voltage step, or larger "
                    "max_iterations.",
                    parameter=parameter, reached=t, history=history,
                )
    info.continuation_steps[parameter] = accepted
    return state


def solve_steady(grid: Grid, params: Parameters, guess=None, options: NewtonOptions = NewtonOptions()):
    """Solve the steady PNP problem; returns (state, SolveInfo) or raises ConvergenceError.

    With a ``guess`` (e.g. a neighbouring solution) Newton first tries the target
    directly; otherwise, or if that fails, the continuation path of the module docstring.
    """
    info = SolveInfo()
    if guess is not None:
        result = newton_solve(guess, grid, params, options)
        info.record(result)
        if bool(result.converged):
            info.converged = True
            return result.state, info
    at_rest = params.replace(left_potential=jnp.zeros_like(params.left_potential),
                             right_potential=jnp.zeros_like(params.right_potential))
    has_voltage = bool(jnp.any(params.left_potential != params.right_potential))
    first_target = at_rest if has_voltage else params
    result = newton_solve(uniform_state(grid, params), grid, first_target, options)
    info.record(result)
    if bool(result.converged):
        state = result.state
    else:
        easy = at_equilibrium_start(params)
        state = continuation(
            grid, easy, first_target, uniform_state(grid, easy),
            parameter="charges and bath concentrations (σ, X, μ^ex, right bath)",
            options=options, info=info,
        )
    if has_voltage:
        state = continuation(grid, first_target, params, state, parameter="applied voltage",
                             options=options, info=info)
    info.converged = True
    return state, info
