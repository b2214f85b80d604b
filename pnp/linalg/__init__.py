"""Linear solvers for the block-tridiagonal PNP Jacobian."""

from .block_tridiagonal import SOLVERS, cyclic_reduction_solve, matvec, solve, thomas_solve, transpose

__all__ = ["SOLVERS", "cyclic_reduction_solve", "matvec", "solve", "thomas_solve", "transpose"]
