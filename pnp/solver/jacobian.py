"""Exact block-tridiagonal Jacobian of a structured-stencil residual by colored JVPs.

The residual of cell (i, j) depends only on cells (i + dz, j + dr) with |dz|, |dr| ≤ 1
(a 9-point stencil). Seeding all columns (k, l, b) with k ≡ c_z (mod 3), l ≡ c_r (mod 3)
at once — 9·(1 + N) JVPs in all, independent of the grid size — recovers every entry
without overlap: for row (i, j) the only seeded column in its stencil has
dz ≡ c_z − i, dr ≡ c_r − j (mod 3).

The PNP residual is two-point (TPFA): no diagonal neighbours (``stencil=5``). Then the
color k + 2l (mod 5) separates the five stencil columns of every row (offsets 0, ±1, ±2
mod 5), so 5·(1 + N) JVPs suffice and the corner blocks are zero by construction.

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


def _five_point_seeds(nz, nr, nc):
    color = (np.arange(nz)[:, None] + 2 * np.arange(nr)[None, :]) % 5  # (nz, nr)
    in_color = color[None, None, :, :, None] == np.arange(5)[:, None, None, None, None]  # (c, 1, nz, nr, 1)
    same_unknown = np.arange(nc)[None, :, None, None, None] == np.arange(nc)[None, None, None, None, :]
    return (in_color & same_unknown).astype(np.float64).reshape(5 * nc, nz, nr, nc)


def _five_point_band(jvp, state):
    nz, nr, nc = state.shape
    columns = jax.vmap(jvp)(jnp.asarray(_five_point_seeds(nz, nr, nc), dtype=state.dtype))
    by_color = jnp.transpose(columns.reshape(5, nc, nz, nr, nc), (2, 3, 0, 1, 4))  # (i, j, color, b, a)
    i, j = np.arange(nz)[:, None], np.arange(nr)[None, :]
    zero = jnp.zeros((nz, nr, nc, nc), state.dtype)
    rows = []
    for dz in (-1, 0, 1):
        row = []
        for dr in (-1, 0, 1):
            if dz != 0 and dr != 0:
                row.append(zero)
                continue
            inside = (i + dz >= 0) & (i + dz < nz) & (j + dr >= 0) & (j + dr < nr)
            block = by_color[i, j, (i + dz + 2 * (j + dr)) % 5]  # (nz, nr, b, a)
            row.append(jnp.where(inside[..., None, None], block, 0.0))
        rows.append(jnp.stack(row, axis=2))
    return jnp.stack(rows, axis=2)  # (i, j, dz, dr, b, a)


def band_jacobian(fun, state, stencil: int = 9):
    """Residual ``fun(state)`` and its Jacobian in 9-point band form.

    Args:
      fun: maps state (nz, nr, nc) to a residual of the same shape, with a stencil of
        radius one in both index directions.
      state: (nz, nr, nc) array.
      stencil: 9 (general) or 5 (no diagonal-neighbour coupling, as the TPFA residual;
        fewer JVPs, corner blocks returned as zeros).

    Returns:
      (residual, band) with band[i, j, dz+1, dr+1, b, a] = ∂R[i, j, a] / ∂x[i+dz, j+dr, b]
      (zero where the neighbour is outside the grid), shape (nz, nr, 3, 3, nc, nc).
    """
    if stencil not in (5, 9):
        raise ValueError(f"stencil must be 5 or 9, got {stencil}")
    nz, nr, nc = state.shape
    pz, pr = min(3, nz), min(3, nr)
    value, jvp = jax.linearize(fun, state)
    if stencil == 5:
        return value, _five_point_band(jvp, state)
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
