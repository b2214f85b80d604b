"""The error a steady solve raises when it cannot converge."""

from __future__ import annotations

import numpy as np


class ConvergenceError(RuntimeError):
    """Newton/continuation failed; ``parameter``, ``reached`` and ``history`` say where."""

    def __init__(self, message: str, *, parameter: str, reached: float, history: np.ndarray):
        super().__init__(message)
        self.parameter = parameter
        self.reached = reached
        self.history = history
