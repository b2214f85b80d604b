"""Sparse direct solve of the 9-point band Jacobian with SciPy SuperLU (host callback, CPU).

The band (nz, nr, 3, 3, nc, nc) holds ∂R[i, j, a]/∂x[i+dz, j+dr, b]. Its sparsity pattern
depends only on the grid shape: the CSR index arrays and the permutation that puts band
entries in CSR order are computed once per shape (numpy, cached), so each solve only
gathers values in JAX and hands (data, rhs) to SuperLU through ``jax.pure_callback``
(sequential under ``vmap``). ``transpose=True`` solves Aᵀx = b (adjoints).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse
import scipy.sparse.linalg


# Column ordering for SuperLU: minimum degree on AᵀA measured 1.5–1.8× faster (and ~30 %
# less fill) than the default COLAMD on 2D channel Jacobians of 3k–74k unknowns.
ORDERING = "MMD_ATA"


@functools.lru_cache(maxsize=32)
def band_pattern(nz: int, nr: int, nc: int):
    """(gather, indices, indptr): band.ravel()[gather] is the CSR data of the Jacobian."""
    i, j, dz, dr, b, a = np.meshgrid(np.arange(nz), np.arange(nr), np.arange(3) - 1, np.arange(3) - 1,
                                     np.arange(nc), np.arange(nc), indexing="ij")
    valid = (i + dz >= 0) & (i + dz < nz) & (j + dr >= 0) & (j + dr < nr)
    rows = ((i * nr + j) * nc + a)[valid]
    cols = (((i + dz) * nr + (j + dr)) * nc + b)[valid]
    flat = np.flatnonzero(valid.ravel())
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(nz * nr * nc + 1))
    return flat[order], cols[order].astype(np.int32), indptr.astype(np.int32)


def to_scipy(band) -> scipy.sparse.csr_matrix:
    """The band Jacobian as a SciPy CSR matrix (host; for baselines and diagnostics)."""
    nz, nr, _, _, nc, _ = band.shape
    gather, indices, indptr = band_pattern(nz, nr, nc)
    data = np.asarray(band).ravel()[gather]
    n = nz * nr * nc
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, n))


def sparse_solve(band, rhs, transpose: bool = False):
    """Solve J x = rhs (or Jᵀ x = rhs) for rhs of shape (nz, nr, nc) with SuperLU."""
    nz, nr, _, _, nc, _ = band.shape
    gather, indices, indptr = band_pattern(nz, nr, nc)
    data = band.reshape(-1)[jnp.asarray(gather)]
    n = nz * nr * nc

    def host_solve(values, b):
        matrix = scipy.sparse.csc_matrix((np.asarray(values), indices, indptr), shape=(n, n))
        # CSR data of A read as CSC is Aᵀ: solve with trans to get A or Aᵀ as asked.
        lu = scipy.sparse.linalg.splu(matrix, permc_spec=ORDERING)
        return lu.solve(np.asarray(b, dtype=np.float64), trans="N" if transpose else "T")

    out = jax.ShapeDtypeStruct((n,), rhs.dtype)
    x = jax.pure_callback(host_solve, out, data, rhs.reshape(n), vmap_method="sequential")
    return x.reshape(rhs.shape)
