"""Sparse direct solves on the host (CPU), shared by the UMFPACK and SuperLU backends.

The band's sparsity depends only on the grid shape and the :class:`~pnp.linalg.band.Couplings`,
so the CSR index arrays and the permutation that puts band entries in CSR order are computed
once per structure (:func:`csr_structure`); each solve gathers the allowed entries in JAX and
hands (values, rhs) to a host function through ``jax.pure_callback`` (sequentially under
``vmap``). Only entries the couplings allow reach the factorization, which cuts its fill
(37 instead of 81 entries per cell for two ions).

A matrix the factorization refuses (exactly singular, or with NaN entries from a Newton iterate
gone non-finite: UMFPACK raises ArithmeticError, SuperLU RuntimeError) gives a NaN solution, as
the dense block solvers do, so Newton counts a failed iteration instead of the whole jitted
solve ending in an error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse

from .band import BandMatrix, Couplings

# (nz, nr, couplings) identifies a sparsity structure
StructureKey = tuple[int, int, Couplings]


@functools.lru_cache(maxsize=32)
def csr_structure(nz: int, nr: int, couplings: Couplings):
    """(gather, rows, cols, indptr): ``values.ravel()[gather]`` is the CSR data of the matrix."""
    nc = couplings.n_components
    allowed = np.asarray(couplings.mask)
    i, j, dz, dr, b, a = np.meshgrid(np.arange(nz), np.arange(nr), np.arange(3) - 1, np.arange(3) - 1,
                                     np.arange(nc), np.arange(nc), indexing="ij")
    valid = (i + dz >= 0) & (i + dz < nz) & (j + dr >= 0) & (j + dr < nr) & allowed[dz + 1, dr + 1, b, a]
    rows = ((i * nr + j) * nc + a)[valid]
    cols = (((i + dz) * nr + (j + dr)) * nc + b)[valid]
    flat = np.flatnonzero(valid.ravel())
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(nz * nr * nc + 1))
    return flat[order], rows[order], cols[order].astype(np.int32), indptr.astype(np.int32)


def to_scipy(matrix: BandMatrix) -> scipy.sparse.csr_matrix:
    """The matrix as a SciPy CSR matrix (host; for baselines and diagnostics)."""
    nz, nr, nc = matrix.shape
    gather, _, cols, indptr = csr_structure(nz, nr, matrix.couplings)
    n = nz * nr * nc
    return scipy.sparse.csr_matrix((np.asarray(matrix.values).ravel()[gather], cols, indptr), shape=(n, n))


def host_solve(matrix: BandMatrix, rhs, solve_csr: Callable[[StructureKey, np.ndarray, np.ndarray], np.ndarray]):
    """x with J x = rhs, computed on the host by ``solve_csr(key, csr_values, rhs_vector)``."""
    nz, nr, nc = matrix.shape
    key = (nz, nr, matrix.couplings)
    gather = csr_structure(*key)[0]
    data = matrix.values.reshape(-1)[jnp.asarray(gather)]
    n = nz * nr * nc

    def callback(values, b):
        values, b = np.asarray(values, np.float64), np.asarray(b, np.float64)
        if not np.any(b):  # x = 0 without a factorization (Newton's finished batch members)
            return np.zeros_like(b)
        if not np.all(np.isfinite(values)):
            return np.full_like(b, np.nan)
        try:
            return solve_csr(key, values, b).astype(b.dtype)
        except (ArithmeticError, RuntimeError):  # a singular matrix (module docstring)
            return np.full_like(b, np.nan)

    out = jax.ShapeDtypeStruct((n,), rhs.dtype)
    x = jax.pure_callback(callback, out, data, rhs.reshape(n), vmap_method="sequential")
    return x.reshape(rhs.shape)
