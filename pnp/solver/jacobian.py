"""Exact block-tridiagonal Jacobian of a structured-stencil residual by colored JVPs.

The residual of cell (i, j) depends only on cells (i + dz, j + dr) with |dz|, |dr| ≤ 1
(a 9-point stencil; the 5-point TPFA stencil is a special case). Seeding all columns
(k, l, b) with k ≡ c_z (mod 3), l ≡ c_r (mod 3) at once — 9·(1 + N) JVPs in all,
independent of the grid size — recovers every entry without overlap: for row (i, j) the
only seeded column in its stencil has dz ≡ c_z − i, dr ≡ c_r − j (mod 3).

The band form feeds the sparse backend directly; :func:`band_to_blocks` gives the
block-tridiagonal form (unknowns z-major: block row i holds cells (i, 0 … nr−1) with
their 1 + N unknowns; blocks of size nr·(1 + N)) for the dense block solvers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def _seeds(nz, nr, nc, pz, pr):
    cz = np.arange(pz)[:, None, None, None, None, None]
    cr = np.arange(pr)[None, :, None, None, None, None]
    b = np.arange(nc)[None, None, :, None, None, None]
    i = np.arange(nz)[None, None, None, :, None, None]
    j = np.arange(nr)[None, None, None, None, :, None]
    a = np.arange(nc)[None, None, None, None, None, :]
    seeds = (i % pz == cz) & (j % pr == cr) & (a == b)
    return seeds.astype(np.float64).reshape(pz * pr * nc, nz, nr, nc)


def band_jacobian(fun, state):
    """Residual ``fun(state)`` and its Jacobian in 9-point band form.

    Args:
      fun: maps state (nz, nr, nc) to a residual of the same shape, with a stencil of
        radius one in both index directions.
      state: (nz, nr, nc) array.

    Returns:
      (residual, band) with band[i, j, dz+1, dr+1, b, a] = ∂R[i, j, a] / ∂x[i+dz, j+dr, b]
      (zero where the neighbour is outside the grid), shape (nz, nr, 3, 3, nc, nc).
    """
    nz, nr, nc = state.shape
    pz, pr = min(3, nz), min(3, nr)
    value, jvp = jax.linearize(fun, state)
    columns = jax.vmap(jvp)(jnp.asarray(_seeds(nz, nr, nc, pz, pr), dtype=state.dtype))
    columns = columns.reshape(pz, pr, nc, nz, nr, nc)  # (c_z, c_r, b, i, j, a)
    by_cell = jnp.transpose(columns, (3, 4, 0, 1, 2, 5))  # (i, j, c_z, c_r, b, a)

    offsets = np.arange(-1, 2)
    i = np.arange(nz)[:, None, None, None]
    j = np.arange(nr)[None, :, None, None]
    col_z = (i + offsets[None, None, :, None]) % pz
    col_r = (j + offsets[None, None, None, :]) % pr
    band = by_cell[i, j, col_z, col_r]  # (i, j, dz, dr, b, a)
    valid = (
        (i + offsets[None, None, :, None] >= 0) & (i + offsets[None, None, :, None] < nz)
        & (j + offsets[None, None, None, :] >= 0) & (j + offsets[None, None, None, :] < nr)
    )
    return value, jnp.where(valid[..., None, None], band, 0.0)


def band_to_blocks(band):
    """Band form → (lower, diag, upper) blocks of shape (nz, nr·nc, nr·nc) (z-major unknowns).

    ``lower[i]`` couples block row i to block i − 1, ``upper[i]`` to block i + 1.
    """
    nz, nr, _, _, nc, _ = band.shape
    offsets = np.arange(-1, 2)
    shifts = np.stack([np.eye(nr, k=int(d)) for d in offsets])  # shifts[dr][j, j + dr] = 1
    blocks = [
        jnp.einsum("ijdba,djk->ijakb", band[:, :, dz], shifts).reshape(nz, nr * nc, nr * nc)
        for dz in range(3)
    ]
    return tuple(blocks)


def block_jacobian(fun, state):
    """Residual and Jacobian as (lower, diag, upper) blocks (see :func:`band_to_blocks`)."""
    value, band = band_jacobian(fun, state)
    return value, band_to_blocks(band)
