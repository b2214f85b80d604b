"""Sparse direct solves of the 9-point band Jacobian on the host (CPU), via ``pure_callback``.

Backends: UMFPACK (SuiteSparse, through cvxopt; measured 2.4–2.6× faster than SuperLU on
2D channel Jacobians of 44k–74k unknowns, see benchmarks/) and SciPy's SuperLU (baseline,
MMD_ATA ordering — 1.5–1.8× faster than its default COLAMD here).

The band (nz, nr, 3, 3, nc, nc) holds ∂R[i, j, a]/∂x[i+dz, j+dr, b]. Its sparsity pattern
depends only on the grid shape, so the CSR index arrays, the permutation that puts band
entries in CSR order and UMFPACK's symbolic factorization are computed once per shape;
each solve gathers values in JAX and hands (data, rhs) to the host (sequentially under
``vmap``). ``transpose=True`` solves Aᵀx = b (adjoints).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse
import scipy.sparse.linalg

SUPERLU_ORDERING = "MMD_ATA"
BACKENDS = ("umfpack", "superlu")


PATTERNS = ("full", "pnp")


@functools.lru_cache(maxsize=32)
def band_pattern(nz: int, nr: int, nc: int, pattern: str = "full"):
    """(gather, rows, cols, indptr): band.ravel()[gather] is the CSR data of the Jacobian.

    ``pattern``: "full" keeps every entry of the 9-point band; "pnp" keeps only the entries
    the two-point PNP residual can make nonzero — no diagonal neighbours, and in a
    neighbour block only the couplings through the potential (row or column 0) and of each
    species with itself (the union of J's and Jᵀ's patterns, so adjoint solves fit too).
    That is 9 + 4·(1 + 3N) instead of 9·(1 + N)² entries per cell (37 vs 81 for N = 2),
    which cuts the sparse factorisation's fill. ``tests/test_jacobian.py`` checks that the
    PNP Jacobian has no entry outside it.
    """
    if pattern not in PATTERNS:
        raise ValueError(f"unknown sparsity pattern {pattern!r}; choose one of {PATTERNS}")
    i, j, dz, dr, b, a = np.meshgrid(np.arange(nz), np.arange(nr), np.arange(3) - 1, np.arange(3) - 1,
                                     np.arange(nc), np.arange(nc), indexing="ij")
    valid = (i + dz >= 0) & (i + dz < nz) & (j + dr >= 0) & (j + dr < nr)
    if pattern == "pnp":
        centre = (dz == 0) & (dr == 0)
        face_neighbour = (dz == 0) != (dr == 0)
        valid &= centre | (face_neighbour & ((a == 0) | (b == 0) | (a == b)))
    rows = ((i * nr + j) * nc + a)[valid]
    cols = (((i + dz) * nr + (j + dr)) * nc + b)[valid]
    flat = np.flatnonzero(valid.ravel())
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(nz * nr * nc + 1))
    return flat[order], rows[order], cols[order].astype(np.int32), indptr.astype(np.int32)


def to_scipy(band, pattern: str = "full") -> scipy.sparse.csr_matrix:
    """The band Jacobian as a SciPy CSR matrix (host; for baselines and diagnostics)."""
    nz, nr, _, _, nc, _ = band.shape
    gather, _, cols, indptr = band_pattern(nz, nr, nc, pattern)
    n = nz * nr * nc
    return scipy.sparse.csr_matrix((np.asarray(band).ravel()[gather], cols, indptr), shape=(n, n))


def _superlu(key, values, rhs, transpose):
    gather, rows, cols, indptr = band_pattern(*key)
    n = key[0] * key[1] * key[2]
    # CSR data of A read as CSC is Aᵀ: solve with the opposite trans flag.
    matrix = scipy.sparse.csc_matrix((values, cols, indptr), shape=(n, n))
    lu = scipy.sparse.linalg.splu(matrix, permc_spec=SUPERLU_ORDERING)
    return lu.solve(rhs, trans="N" if transpose else "T")


@functools.lru_cache(maxsize=8)
def _umfpack_pattern(key):
    """cvxopt index matrices of the pattern and UMFPACK's symbolic factorization (per shape, pattern)."""
    from cvxopt import matrix, spmatrix, umfpack

    _, rows, cols, _ = band_pattern(*key)
    n = key[0] * key[1] * key[2]
    rows, cols = matrix(rows.astype(np.int64)), matrix(cols.astype(np.int64))
    symbolic = umfpack.symbolic(spmatrix(matrix(np.arange(1.0, len(rows) + 1.0)), rows, cols, (n, n)))
    return rows, cols, symbolic


def _umfpack(key, values, rhs, transpose):
    from cvxopt import matrix, spmatrix, umfpack

    rows, cols, symbolic = _umfpack_pattern(key)
    n = key[0] * key[1] * key[2]
    a = spmatrix(matrix(values), rows, cols, (n, n))  # cvxopt matrices, not lists: 4x faster here
    factor = umfpack.numeric(a, symbolic)
    x = matrix(rhs)
    umfpack.solve(a, factor, x, trans="T" if transpose else "N")
    return np.array(x).ravel()


_HOST_SOLVERS = {"umfpack": _umfpack, "superlu": _superlu}


def sparse_solve(band, rhs, transpose: bool = False, backend: str = "umfpack", pattern: str = "full"):
    """Solve J x = rhs (or Jᵀ x = rhs) for rhs of shape (nz, nr, nc) on the host.

    Only the entries of ``pattern`` (see :func:`band_pattern`) are passed to the factorisation.
    """
    if backend not in _HOST_SOLVERS:
        raise ValueError(f"unknown sparse backend {backend!r}; choose one of {BACKENDS}")
    nz, nr, _, _, nc, _ = band.shape
    key = (nz, nr, nc, pattern)
    gather = band_pattern(*key)[0]
    data = band.reshape(-1)[jnp.asarray(gather)]
    n = nz * nr * nc
    host = _HOST_SOLVERS[backend]

    def host_solve(values, b):
        return host(key, np.asarray(values, np.float64), np.asarray(b, np.float64), transpose).astype(b.dtype)

    out = jax.ShapeDtypeStruct((n,), rhs.dtype)
    x = jax.pure_callback(host_solve, out, data, rhs.reshape(n), vmap_method="sequential")
    return x.reshape(rhs.shape)
