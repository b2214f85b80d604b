"""One interface over the linear backends for the 9-point band Jacobian.

Methods: "thomas" and "cyclic_reduction" (pure JAX, dense blocks of size nr·(1 + N); any
device, jit/vmap/grad), "umfpack" and "superlu" (sparse direct on the host via a callback;
CPU). "auto" picks by measurement (benchmarks/): cyclic reduction when blocks are small
(1D, narrow 2D) or off CPU, UMFPACK for 2D on CPU.
"""

from __future__ import annotations

import jax

from ..solver.jacobian import band_to_blocks
from . import block_tridiagonal
from .sparse import sparse_solve

METHODS = ("auto", "thomas", "cyclic_reduction", "umfpack", "superlu")
SMALL_BLOCK = 16  # nr·(1 + N) at or below which dense block solvers beat SuperLU on CPU


def resolve_method(method: str, band_shape) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown linear solver {method!r}; choose one of {METHODS}")
    if method != "auto":
        return method
    nr, nc = band_shape[1], band_shape[-1]
    if nr * nc <= SMALL_BLOCK or jax.default_backend() != "cpu":
        return "cyclic_reduction"
    return "umfpack"


def solve_band(band, rhs, method: str = "auto", transpose: bool = False, pattern: str = "full"):
    """Solve J x = rhs (Jᵀ x = rhs with ``transpose``) for rhs shaped like the state.

    ``pattern`` ("full" or "pnp", see :func:`pnp.linalg.sparse.band_pattern`) tells the sparse
    backends which entries can be nonzero; the dense block solvers use the whole band.
    """
    method = resolve_method(method, band.shape)
    if method in ("umfpack", "superlu"):
        return sparse_solve(band, rhs, transpose=transpose, backend=method, pattern=pattern)
    lower, diag, upper = band_to_blocks(band)
    if transpose:
        lower, diag, upper = block_tridiagonal.transpose(lower, diag, upper)
    nz = rhs.shape[0]
    x = block_tridiagonal.solve(lower, diag, upper, rhs.reshape(nz, -1), method=method)
    return x.reshape(rhs.shape)
