"""Finite-volume plumbing shared by the terms: values on both sides of every face, face means,
transmissibilities and the divergence of face fluxes.

Face families (see :mod:`pnp.grid.mesh`): z faces (nz + 1, nr), face i between cells i − 1 and
i; r faces (nz, nr + 1), face j between cells j − 1 and j. Fluxes are positive along +z / +r.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.mesh import FaceKind, Grid


def _transport_mask(kind) -> np.ndarray:
    kind = np.asarray(kind)
    return (kind == FaceKind.INTERIOR) | (kind == FaceKind.LEFT_BATH) | (kind == FaceKind.RIGHT_BATH)


def transmissibilities(grid: Grid):
    """A/d on faces that carry fluxes (interior and bath faces), 0 elsewhere."""
    tz = jnp.where(_transport_mask(grid.zface_kind), grid.zface_area / grid.zface_distance, 0.0)
    tr = jnp.where(_transport_mask(grid.rface_kind), grid.rface_area / grid.rface_distance, 0.0)
    return tz, tr


def pad(cells, axis, low=None, high=None):
    """Cell array → (n + 2) values along ``axis``: bath/ghost value, cells, bath/ghost value
    (the edge cell is replicated where no value is given)."""
    first = jnp.take(cells, jnp.array([0]), axis=axis) if low is None else low
    last = jnp.take(cells, jnp.array([cells.shape[axis] - 1]), axis=axis) if high is None else high
    return jnp.concatenate([first, cells, last], axis=axis)


def sides(padded, axis):
    """(value on the − side, value on the + side) of every face along ``axis``."""
    n = padded.shape[axis]
    return jax.lax.slice_in_dim(padded, 0, n - 1, axis=axis), jax.lax.slice_in_dim(padded, 1, n, axis=axis)


def bath_rows(value, nr):
    """A bath value as one row of z-face ghost values (1, nr)."""
    return jnp.full((1, nr), value)


def harmonic_face_values(cells):
    """Harmonic means on z faces (nz + 1, nr) and r faces (nz, nr + 1), edges replicated."""
    out = []
    for axis in (0, 1):
        a, b = sides(pad(cells, axis), axis)
        out.append(2.0 * a * b / (a + b))
    return out


def species_face_values(cells):
    """Harmonic means per species, (N, nz+1, nr) on z faces and (N, nz, nr+1) on r faces, from (N, nz, nr)."""
    return jax.vmap(harmonic_face_values)(cells)


def beside_faces(grid: Grid, cells, axis: int):
    """The value of the active cell beside each face normal to ``axis`` (0: z faces, 1: r faces),
    shape (…, faces): on a wall face the fluid cell it bounds; on interior faces the cell on the
    − side. ``cells`` is (…, nz, nr) (leading axes, e.g. species, are kept)."""
    active = np.asarray(grid.active)
    edge = np.zeros_like(np.take(active, [0], axis=axis))
    before_active = np.take(np.concatenate([edge, active, edge], axis=axis), range(active.shape[axis] + 1), axis=axis)
    lo, hi = sides(pad(cells, cells.ndim - 2 + axis), cells.ndim - 2 + axis)
    return jnp.where(before_active, lo, hi)


def divergence(flux_z, flux_r):
    """Net outflow of each cell from fluxes on z faces (…, nz+1, nr) and r faces (…, nz, nr+1),
    positive along +z, +r (leading axes, e.g. species, are kept)."""
    return flux_z[..., 1:, :] - flux_z[..., :-1, :] + flux_r[..., :, 1:] - flux_r[..., :, :-1]


def safe_divisor(values, valid):
    """``values`` where ``valid``, 1 elsewhere: a divisor for jnp.where(valid, x / divisor, …)
    that keeps NaN out of both branches and their derivatives."""
    return jnp.where(valid, values, 1.0)


def pad_widths(axis, widths):
    """jnp/np.pad widths that pad only ``axis`` of a 2D array."""
    return [widths if a == axis else (0, 0) for a in (0, 1)]


def vertex_sides(values, axis):
    """Values of the faces before and after each vertex line along ``axis`` (padded with 0 / False)."""
    return jnp.pad(values, pad_widths(axis, (1, 0))), jnp.pad(values, pad_widths(axis, (0, 1)))

