"""The band format of structured-stencil Jacobians: the one matrix type of :mod:`pnp.linalg`.

A residual R on a logically rectangular (nz, nr) grid with nc unknowns per cell couples every
cell only to itself and its eight neighbours. Its Jacobian is stored as

    values[i, j, dz + 1, dr + 1, b, a] = ∂R[i, j, a] / ∂x[i + dz, j + dr, b]

(zero where the neighbour lies outside the grid), shape (nz, nr, 3, 3, nc, nc). With the
unknowns ordered z-major (block row i holds the cells (i, 0 … nr − 1) with their nc
unknowns) the matrix is block tridiagonal in z with blocks of size nr·nc
(:meth:`BandMatrix.blocks`), which the dense block solvers use; the sparse backends read the
entries that :class:`Couplings` allows.

:class:`Couplings` is the static sparsity of one cell's row: which (dz, dr, b, a) entries
can be nonzero anywhere. It is derived from the residual itself
(:func:`pnp.solver.stencil.derive_couplings`), never written by hand, and kept closed under
transposition so that Jᵀ (adjoint solves) fits the same pattern.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from ..static import StaticArray


@dataclasses.dataclass(frozen=True)
class Couplings:
    """Which entries of a cell's band rows can be nonzero: a (3, 3, nc, nc) bool mask.

    ``mask[dz + 1, dr + 1, b, a]`` allows ∂R[·, a]/∂x[neighbour (dz, dr), b]. Always closed
    under transposition (entry (dz, dr, b, a) allowed ⇔ (−dz, −dr, a, b) allowed).
    """

    mask: StaticArray

    def __post_init__(self):
        mask = np.asarray(self.mask, bool)
        if mask.ndim != 4 or mask.shape[:2] != (3, 3) or mask.shape[2] != mask.shape[3]:
            raise ValueError(f"a couplings mask has shape (3, 3, nc, nc), got {mask.shape}")
        closed = mask | np.swapaxes(mask[::-1, ::-1], 2, 3)
        object.__setattr__(self, "mask", StaticArray(closed))

    @classmethod
    def full(cls, n_components: int) -> "Couplings":
        """Every entry of the nine-point band (no sparsity known)."""
        return cls(StaticArray(np.ones((3, 3, n_components, n_components), bool)))

    @property
    def n_components(self) -> int:
        return self.mask.shape[-1]

    @property
    def nine_point(self) -> bool:
        """Whether any diagonal neighbour (dz ≠ 0 and dr ≠ 0) is coupled."""
        mask = np.asarray(self.mask)
        return bool(mask[0, 0].any() or mask[0, 2].any() or mask[2, 0].any() or mask[2, 2].any())

    @property
    def entries_per_cell(self) -> int:
        return int(np.asarray(self.mask).sum())


@dataclasses.dataclass(frozen=True)
class BandMatrix:
    """A Jacobian in band form (see the module docstring); a pytree (``values`` is the leaf)."""

    values: jax.Array  # (nz, nr, 3, 3, nc, nc)
    couplings: Couplings

    @property
    def shape(self) -> tuple[int, int, int]:
        """(nz, nr, nc): the shape of the vectors the matrix acts on."""
        nz, nr, _, _, nc, _ = self.values.shape
        return nz, nr, nc

    def blocks(self):
        """(lower, diag, upper), each (nz, nr·nc, nr·nc): ``lower[i]`` couples block row i to
        block i − 1 and ``upper[i]`` to block i + 1 (``lower[0]``, ``upper[-1]`` are zero)."""
        nz, nr, nc = self.shape
        shifts = np.stack([np.eye(nr, k=int(d)) for d in (-1, 0, 1)])  # shifts[dr][j, j + dr] = 1
        return tuple(
            jnp.einsum("ijdba,djk->ijakb", self.values[:, :, dz], shifts).reshape(nz, nr * nc, nr * nc)
            for dz in range(3)
        )

    def matvec(self, x):
        """J x for x of shape (nz, nr, nc)."""
        padded = jnp.pad(x, ((1, 1), (1, 1), (0, 0)))
        nz, nr, _ = self.shape
        out = jnp.zeros_like(x)
        for dz in range(3):
            for dr in range(3):
                out = out + jnp.einsum("ijba,ijb->ija", self.values[:, :, dz, dr], padded[dz:dz + nz, dr:dr + nr])
        return out

    @property
    def T(self) -> "BandMatrix":
        """Jᵀ in band form: Jᵀ[i, j, dz, dr, b, a] = J[i + dz, j + dr, −dz, −dr, a, b]."""
        nz, nr, _ = self.shape
        padded = jnp.pad(self.values, ((1, 1), (1, 1)) + ((0, 0),) * 4)
        rows = []
        for dz in range(3):
            row = [jnp.swapaxes(padded[dz:dz + nz, dr:dr + nr, 2 - dz, 2 - dr], -1, -2) for dr in range(3)]
            rows.append(jnp.stack(row, axis=2))
        return BandMatrix(jnp.stack(rows, axis=2), self.couplings)

    def scaled_rows(self, scale) -> "BandMatrix":
        """diag(scale) J for ``scale`` of shape (nz, nr, nc)."""
        return BandMatrix(self.values * scale[:, :, None, None, None, :], self.couplings)

    def row_sums(self):
        """Σ_columns |J| per row, shape (nz, nr, nc)."""
        return jnp.abs(self.values).sum(axis=(2, 3, 4))


jax.tree_util.register_dataclass(BandMatrix, data_fields=["values"], meta_fields=["couplings"])


def equilibrate(matrix: BandMatrix, rhs):
    """Rows divided by the sum of their absolute entries: (D J, D rhs) with D = 1 / Σ|J|.

    Does not change the solution of J x = rhs, only its conditioning (and makes the residual
    norm of Newton's convergence test scale-free).
    """
    row_sum = matrix.row_sums()
    scale = 1.0 / jnp.where(row_sum > 0, row_sum, 1.0)
    return matrix.scaled_rows(scale), rhs * scale


def as_columns(rhs):
    """(rhs with a trailing column axis, whether one was added): block solvers take (n, m, k)."""
    return (rhs[..., None], True) if rhs.ndim == 2 else (rhs, False)
