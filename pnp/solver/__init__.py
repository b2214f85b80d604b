"""Nonlinear solvers: colored-JVP Jacobian, damped Newton, continuation."""

from .continuation import ConvergenceError, SolveInfo, continuation, solve_steady, uniform_state
from .implicit import implicit_state
from .jacobian import band_jacobian, band_to_blocks, block_jacobian
from .newton import NewtonOptions, NewtonResult, newton_solve

__all__ = [
    "ConvergenceError", "NewtonOptions", "NewtonResult", "SolveInfo", "band_jacobian", "band_to_blocks", "block_jacobian",
    "continuation", "implicit_state", "newton_solve", "solve_steady", "uniform_state",
]
