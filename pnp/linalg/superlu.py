"""SciPy's SuperLU sparse direct solves on the host CPU (the baseline sparse backend).

MMD_ATA column ordering: 1.5–1.8× faster than SuperLU's default COLAMD on the PNP Jacobians.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from .band import BandMatrix
from .base import LinearSolver
from .host_sparse import StructureKey, csr_structure, host_solve

ORDERING = "MMD_ATA"


def _solve_csr(key: StructureKey, values: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    _, _, cols, indptr = csr_structure(*key)
    n = rhs.shape[0]
    # CSR data of A read as CSC is Aᵀ: solve with the transposed flag.
    matrix = scipy.sparse.csc_matrix((values, cols, indptr), shape=(n, n))
    return scipy.sparse.linalg.splu(matrix, permc_spec=ORDERING).solve(rhs, trans="T")


class SuperLU(LinearSolver):
    name = "superlu"
    host = True

    def solve(self, matrix: BandMatrix, rhs):
        return host_solve(matrix, rhs, _solve_csr)
