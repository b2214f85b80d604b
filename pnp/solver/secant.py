"""Host-side secant root finding for zero-current (open-circuit) voltages.

Each evaluation is a full steady solve, so the iteration lives in Python and hands the
previous evaluation's result (``payload``, e.g. a converged solution) to the next one as a
warm start. For the differentiable, traced variant see :func:`pnp.outputs.zero_current_potential`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .continuation import ConvergenceError


def secant_root(
    evaluate: Callable[[float, Any], tuple[float, Any]],
    x0: float,
    x1: float,
    *,
    tolerance: float,
    max_iterations: int,
    parameter: str,
) -> tuple[float, Any]:
    """Root x of f by the secant method; returns (x, payload of the evaluation at x).

    ``evaluate(x, previous_payload)`` returns (f(x), payload); the first call gets ``None``.
    Stops when the update |x_{k+1} − x_k| is below ``tolerance``.

    Raises:
      ConvergenceError: no such update within ``max_iterations`` steps, or a flat secant
        (f(x_k) = f(x_{k−1})); the message lists the (x, f) history.
    """
    f0, payload = evaluate(x0, None)
    f1, payload = evaluate(x1, payload)
    history = [(x0, f0), (x1, f1)]
    for _ in range(max_iterations):
        if f1 == f0:
            break
        x0, f0, x1 = x1, f1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f1, payload = evaluate(x1, payload)
        history.append((x1, f1))
        if abs(x1 - x0) < tolerance:
            return x1, payload
    raise ConvergenceError(
        f"the {parameter} search did not converge in {max_iterations} secant steps; "
        f"(x, f) history: {history}",
        parameter=parameter, reached=float(x1), history=np.array(history),
    )
