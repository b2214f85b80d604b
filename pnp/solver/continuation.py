"""Continuation ("embedding") along a path of problems, as one traced loop on the device.

A path is a sequence of :class:`Leg` s. Each leg ramps the arguments of the residual from
``start`` to ``end`` (the homotopy args(t) = start + t (end − start), t ∈ [0, 1], on every
leaf) starting from the state left by the previous leg, or from its own ``restart`` state.
Within a leg the first attempt is the full step t = 1; a failed Newton halves the step, a
converged one doubles it, and the Newton guess is the secant prediction through the two
previous converged states. A leg whose step falls below ``min_step`` ends the path as a
failure (the caller turns that into :class:`~pnp.solver.ConvergenceError`).

A ``single_attempt`` leg tries t = 1 once: on success the path continues at its
``on_success`` leg (e.g. the end, when a warm start from a neighbouring solution worked),
on failure at the next leg (a failure of the path if there is none). Disabled legs
(``enabled`` false, a traced flag) are skipped.

Problem-agnostic: ``fn(y, args)`` is any residual for :func:`pnp.solver.newton_solve`.
Works under jit and vmap; a batch runs until its slowest member has finished.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ..linalg.band import Couplings
from .newton import NewtonOptions, newton_solve

END = -1  # ``on_success`` target that ends the path


@dataclasses.dataclass(frozen=True)
class Leg:
    """One leg of a continuation path (see the module docstring).

    ``start``/``end`` are args pytrees of the same structure in every leg of a path; ``restart``
    a state to begin from (None: continue from the previous leg's state).
    """

    start: object
    end: object
    restart: object = None
    enabled: object = True
    single_attempt: bool = False
    on_success: int | None = None  # single-attempt legs: next leg on success (END: finish)


@dataclasses.dataclass(frozen=True)
class PathResult:
    """State at the end of the path and what happened on the way (a pytree)."""

    state: object
    converged: jax.Array  # bool: every enabled leg reached t = 1
    failed_leg: jax.Array  # int: the leg whose step fell below min_step (−1 if none)
    reached: jax.Array  # t reached on the failed leg
    newton_iterations: jax.Array  # total over all Newton calls
    newton_calls: jax.Array
    steps: jax.Array  # (legs,) accepted steps per leg
    history: jax.Array  # (max_iterations,) residual history of the last converged Newton call
    history_length: jax.Array
    failed_history: jax.Array  # (max_iterations,) residual history of the last failed attempt
    failed_history_length: jax.Array


jax.tree_util.register_dataclass(PathResult, data_fields=[f.name for f in dataclasses.fields(PathResult)],
                                 meta_fields=[])


def interpolate(start, end, t):
    """start + t (end − start) on every leaf: exactly ``start`` at t = 0 and wherever end = start."""
    return jax.tree_util.tree_map(lambda a, b: a + t * (b - a), start, end)


def _homotopy(trees, n):
    """args(k, t) = start_k + t (end_k − start_k) from the legs' 2n args trees (n starts, n ends).

    Leaves that are the same object in every tree (the grid, say) are passed through untouched:
    only what a path really changes is stacked, selected and interpolated in the loop.
    """
    flat = [jax.tree_util.tree_flatten(tree) for tree in trees]
    treedef = flat[0][1]
    if any(other != treedef for _, other in flat[1:]):
        raise ValueError("every continuation leg must have args of the same tree structure")
    columns = list(zip(*(leaves for leaves, _ in flat)))
    fixed = [all(leaf is column[0] for leaf in column) for column in columns]
    stacked = [None if same else (jnp.stack(column[:n]), jnp.stack(column[n:]))
               for same, column in zip(fixed, columns)]

    def args_at(k, t):
        index = jnp.minimum(k, n - 1)
        leaves = [column[0] if pair is None else interpolate(pair[0][index], pair[1][index], t)
                  for column, pair in zip(columns, stacked)]
        return jax.tree_util.tree_unflatten(treedef, leaves)

    return args_at


def follow_path(fn, legs: Sequence[Leg], y0, *, options: NewtonOptions = NewtonOptions(),
                couplings: Couplings | None = None, scale=None, limited=None, min_step: float = 1e-4) -> PathResult:
    """Run the continuation path from ``y0``; traceable (call it inside jit). ``scale`` and
    ``limited`` are passed to every :func:`~pnp.solver.newton_solve`."""
    n = len(legs)
    stack = lambda *trees: jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *trees)
    args_at = _homotopy([leg.start for leg in legs] + [leg.end for leg in legs], n)
    has_restart = np.array([leg.restart is not None for leg in legs])
    restarts = stack(*[y0 if leg.restart is None else leg.restart for leg in legs])
    enabled = jnp.stack([jnp.asarray(leg.enabled, bool) for leg in legs])
    single = np.array([leg.single_attempt for leg in legs])
    after_success = np.array([(n if leg.on_success == END else leg.on_success) if leg.single_attempt
                              and leg.on_success is not None else k + 1 for k, leg in enumerate(legs)])
    after_failure = np.arange(1, n + 1)  # single-attempt legs only

    def next_enabled(candidate):
        """The first enabled leg at or after ``candidate`` (n when none)."""
        index = jnp.arange(n)
        usable = enabled & (index >= candidate)
        return jnp.where(jnp.any(usable), jnp.argmax(usable), n)

    def select(tree, k):
        return jax.tree_util.tree_map(lambda a: a[jnp.minimum(k, n - 1)], tree)

    def enter(k, y):
        """State at the start of leg k: its restart state, or the state carried over."""
        restart = jnp.asarray(has_restart)[jnp.minimum(k, n - 1)] & (k < n)
        return jax.tree_util.tree_map(lambda r, c: jnp.where(restart, r, c), select(restarts, k), y)

    max_it = options.max_iterations
    zero_hist = jnp.full((max_it,), jnp.nan)
    k0 = next_enabled(0)
    y_start = enter(k0, y0)
    init = dict(
        leg=k0, t=jnp.zeros(()), step=jnp.ones(()), y=y_start, y_prev=y_start, t_prev=jnp.zeros(()),
        has_prev=jnp.array(False), failed=jnp.array(False), failed_leg=jnp.array(-1), reached=jnp.zeros(()),
        iterations=jnp.array(0), calls=jnp.array(0), steps=jnp.zeros(n, int), history=zero_hist,
        history_length=jnp.array(0), failed_history=zero_hist, failed_history_length=jnp.array(0),
    )

    def cond(c):
        return (c["leg"] < n) & ~c["failed"]

    def body(c):
        k, t, step = c["leg"], c["t"], c["step"]
        target = jnp.minimum(t + step, 1.0)
        slope = jnp.where(c["has_prev"], (target - t) / jnp.where(c["has_prev"], t - c["t_prev"], 1.0), 0.0)
        guess = jax.tree_util.tree_map(lambda a, b: a + slope * (a - b), c["y"], c["y_prev"])
        args = args_at(k, target)
        result = newton_solve(fn, guess, args, options, couplings, scale, limited)
        ok = result.converged
        is_single = jnp.asarray(single)[k]
        leg_done = ok & (target >= 1.0)
        halved = 0.5 * step
        # where the path goes next
        next_leg = jnp.where(leg_done, jnp.asarray(after_success)[k],
                             jnp.where(~ok & is_single, jnp.asarray(after_failure)[k], k))
        next_leg = jnp.where(next_leg != k, next_enabled(next_leg), k)
        # a leg fails the path when its step gets too small, or when its single attempt was the last hope
        gave_up = ~ok & jnp.where(is_single, next_leg >= n, halved < min_step)
        moved = (next_leg != k) & ~gave_up
        y_ok = jax.tree_util.tree_map(lambda new, old: jnp.where(ok, new, old), result.state, c["y"])
        y_next = jax.lax.cond(moved, lambda: enter(next_leg, y_ok), lambda: y_ok)
        return dict(
            leg=jnp.where(gave_up, k, next_leg),
            t=jnp.where(moved, 0.0, jnp.where(ok, target, t)),
            step=jnp.where(moved, 1.0, jnp.where(ok, 2.0 * step, halved)),
            y=y_next,
            y_prev=jax.tree_util.tree_map(lambda old, prev: jnp.where(ok, old, prev), c["y"], c["y_prev"]),
            t_prev=jnp.where(ok, t, c["t_prev"]),
            has_prev=jnp.where(moved, False, c["has_prev"] | ok),
            failed=gave_up,
            failed_leg=jnp.where(gave_up, k, c["failed_leg"]),
            reached=jnp.where(gave_up, t, c["reached"]),
            iterations=c["iterations"] + result.iterations,
            calls=c["calls"] + 1,
            steps=c["steps"].at[k].add(ok.astype(int)),
            history=jnp.where(ok, result.residual_history, c["history"]),
            history_length=jnp.where(ok, result.iterations, c["history_length"]),
            failed_history=jnp.where(ok, c["failed_history"], result.residual_history),
            failed_history_length=jnp.where(ok, c["failed_history_length"], result.iterations),
        )

    c = jax.lax.while_loop(cond, body, init)
    return PathResult(
        state=c["y"], converged=~c["failed"], failed_leg=c["failed_leg"], reached=c["reached"],
        newton_iterations=c["iterations"], newton_calls=c["calls"], steps=c["steps"], history=c["history"],
        history_length=c["history_length"], failed_history=c["failed_history"],
        failed_history_length=c["failed_history_length"],
    )
