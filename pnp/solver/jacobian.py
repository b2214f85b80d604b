"""Exact band Jacobian of a structured-stencil residual by colored JVPs.

The residual of cell (i, j) depends only on cells (i + dz, j + dr) with |dz|, |dr| ≤ 1
(a 9-point stencil). Seeding all columns (k, l, b) with k ≡ c_z (mod 3), l ≡ c_r (mod 3)
at once — 9·nc JVPs in all, independent of the grid size — recovers every entry without
overlap: for row (i, j) the only seeded column in its stencil has dz ≡ c_z − i,
dr ≡ c_r − j (mod 3).

When the couplings (:class:`pnp.linalg.Couplings`, derived from the residual) have no
diagonal neighbours, the color k + 2l (mod 5) separates the five stencil columns of every
row (offsets 0, ±1, ±2 mod 5): 5·nc JVPs suffice and the corner blocks are zero.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..linalg.band import BandMatrix, Couplings


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


def _unfolded(seeds, dtype):
    """The seeds as an array XLA does not constant-fold into the linear map: folding them through
    a stencil materializes (colours × grid × stencil) constants and takes seconds to compile."""
    return jax.lax.optimization_barrier(jnp.asarray(seeds, dtype=dtype))


def _five_point_band(jvp, x):
    nz, nr, nc = x.shape
    columns = jax.vmap(jvp)(_unfolded(_five_point_seeds(nz, nr, nc), x.dtype))
    by_color = jnp.transpose(columns.reshape(5, nc, nz, nr, nc), (2, 3, 0, 1, 4))  # (i, j, color, b, a)
    i, j = np.arange(nz)[:, None], np.arange(nr)[None, :]
    zero = jnp.zeros((nz, nr, nc, nc), x.dtype)
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


def _nine_point_band(jvp, x):
    nz, nr, nc = x.shape
    pz, pr = min(3, nz), min(3, nr)
    columns = jax.vmap(jvp)(_unfolded(_seeds(nz, nr, nc, pz, pr), x.dtype))
    columns = columns.reshape(pz, pr, nc, nz, nr, nc)  # (c_z, c_r, b, i, j, a)
    by_cell = jnp.transpose(columns, (3, 4, 0, 1, 2, 5))  # (i, j, c_z, c_r, b, a)
    offsets = np.arange(-1, 2)
    i = np.arange(nz)[:, None, None, None]
    j = np.arange(nr)[None, :, None, None]
    band = by_cell[i, j, (i + offsets[None, None, :, None]) % pz, (j + offsets[None, None, None, :]) % pr]
    valid = (
        (i + offsets[None, None, :, None] >= 0) & (i + offsets[None, None, :, None] < nz)
        & (j + offsets[None, None, None, :] >= 0) & (j + offsets[None, None, None, :] < nr)
    )
    return jnp.where(valid[..., None, None], band, 0.0)


def band_jacobian(fun, x, couplings: Couplings | None = None):
    """(fun(x), its Jacobian as a :class:`~pnp.linalg.BandMatrix`).

    Args:
      fun: maps x (nz, nr, nc) to a residual of the same shape, with a stencil of radius one
        in both index directions.
      x: (nz, nr, nc) array.
      couplings: the residual's couplings (default: the full nine-point band). Without
        diagonal-neighbour couplings 5·nc JVPs are used instead of 9·nc.
    """
    nc = x.shape[-1]
    couplings = Couplings.full(nc) if couplings is None else couplings
    if couplings.n_components != nc:
        raise ValueError(f"couplings are for {couplings.n_components} unknowns per cell, the state has {nc}")
    value, jvp = jax.linearize(fun, x)
    values = _nine_point_band(jvp, x) if couplings.nine_point else _five_point_band(jvp, x)
    return value, BandMatrix(values, couplings)
