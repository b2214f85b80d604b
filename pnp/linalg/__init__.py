"""Linear solvers for the PNP Jacobian: dense block-tridiagonal (JAX) and sparse direct (SciPy)."""

from .band import METHODS, resolve_method, solve_band
from .block_tridiagonal import SOLVERS, cyclic_reduction_solve, matvec, solve, thomas_solve, transpose
from .sparse import sparse_solve, to_scipy

__all__ = [
    "METHODS", "SOLVERS", "cyclic_reduction_solve", "matvec", "resolve_method", "solve", "solve_band",
    "sparse_solve", "thomas_solve", "to_scipy", "transpose",
]
