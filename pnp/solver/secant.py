"""Secant root finding of a scalar function whose evaluations are whole steady solves.

Each evaluation ``f(x, payload)`` returns (f(x), payload); the payload (e.g. the converged state
at x) is handed to the next evaluation as its warm start. The iteration is one loop body with a
single call site of ``f`` (its first two passes evaluate x0 and x1), run as a ``lax.while_loop``
(``traced=True``: under jit, on the device, ``f`` compiled once into it) or, for concrete inputs,
as a Python loop over the same body (``traced=False``: each ``f`` call reuses its own compiled
solve, nothing new to compile). A failed evaluation (non-finite value) or a flat secant stops it
unconverged.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp


@dataclasses.dataclass(frozen=True)
class SecantResult:
    root: jax.Array  # last iterate (NaN unless converged)
    payload: object  # payload of the evaluation at the root
    converged: jax.Array  # |x_{k+1} − x_k| ≤ tolerance (or f(x) = 0 exactly)
    history: jax.Array  # (max_iterations + 2, 2) rows (x, f(x)); NaN after the last evaluation
    evaluations: jax.Array


jax.tree_util.register_dataclass(SecantResult, data_fields=[f.name for f in dataclasses.fields(SecantResult)],
                                 meta_fields=[])


def secant(f, x0, x1, payload, *, tolerance: float, max_iterations: int, traced: bool = True) -> SecantResult:
    """Root of f by the secant method from x0, x1; stops when |x_{k+1} − x_k| ≤ ``tolerance``."""
    x0, x1 = jnp.asarray(x0, float), jnp.asarray(x1, float)
    nan = jnp.full((), jnp.nan)
    history = jnp.full((max_iterations + 2, 2), jnp.nan)

    def done(k, x_prev, f_prev, x, fx):
        converged = (jnp.abs(x - x_prev) <= tolerance) | (fx == 0)
        stuck = ~jnp.isfinite(fx) | (fx == f_prev)
        return (k >= 2) & (converged | stuck)

    def cond(c):
        k, x_prev, f_prev, x, fx, _, _ = c
        return (k < max_iterations + 2) & ~done(k, x_prev, f_prev, x, fx)

    def body(c):
        k, x_prev, f_prev, x, fx, payload, history = c
        target = jnp.where(k == 0, x0, jnp.where(k == 1, x1, x - fx * (x - x_prev) / (fx - f_prev)))
        f_new, payload = f(target, payload)
        return k + 1, x, fx, target, f_new, payload, history.at[k].set(jnp.stack([target, f_new]))

    carry = (jnp.array(0), nan, nan, nan, nan, payload, history)
    if traced:
        carry = jax.lax.while_loop(cond, body, carry)
    else:
        while bool(cond(carry)):
            carry = body(carry)
    k, x_prev, _, x, fx, payload, history = carry
    converged = ((jnp.abs(x - x_prev) <= tolerance) | (fx == 0)) & jnp.isfinite(fx)
    return SecantResult(jnp.where(converged, x, jnp.nan), payload, converged, history, k)
