"""Geometry of the non-orthogonal part of face fluxes on mapped quadrilateral grids.

On a tapered (mapped) grid the line between the centroids a → b of two cells, d = x_b − x_a,
is not normal to their shared face. With s = x₊ − x₋ the face's own direction (between its end
vertices) and n its unit normal, the normal derivative splits exactly as

    ∇φ·n = (φ_b − φ_a)/(d·n) + β (φ₊ − φ₋),   β = −(d·s) / ((d·n) |s|²),

the two-point part that every face already has, plus a tangential part from the values φ±
at the face's two end vertices (zero on orthogonal faces, d ∥ n). A face flux with both parts
is consistent at any taper; without the second it converges to a wrong answer.

Vertex values are interpolated from the (up to four) cells around each vertex along the grid
lines (bilinear in the logical coordinates, see :func:`skew_geometry`): second-order
accurate for smooth fields, and faithful to double layers, which follow the mapped wall. Where a vertex touches walls or closed faces, the value is extrapolated to them with
their normal-derivative condition b = ∇φ·n_out (σ̃/ε for the potential, 0 for a zero-flux
species); vertices on a bath face take the bath value. All stencils stay within the
nine-point neighbourhood of each cell, so the Jacobian stays block-tridiagonal in z.

:func:`skew_geometry` returns the per-face coefficients A·β and the per-vertex weights; it is
traceable in the grid's coordinates (differentiable in the geometry).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from ..static import StaticArray
from ..tracing import is_traced
from .mesh import FaceKind, Grid

NO_BATH, LEFT, RIGHT = 0, 1, 2


@dataclasses.dataclass(frozen=True)
class SkewGeometry:
    """Coefficients of the tangential flux part and the vertex reconstruction (a pytree).

    Attributes:
      zface_coefficient, rface_coefficient: A·β on interior faces (0 on other faces); the
        tangential part of the flux −κ ∇φ·n A through a face is −κ_f A β (φ₊ − φ₋).
      cell_weights: (nz+1, nr+1, 4) weights of the cells (i−1, j−1), (i, j−1), (i−1, j), (i, j)
        around vertex (i, j) in its value.
      face_weights: (nz+1, nr+1, 4) weights of the outward normal-derivative data b = ∇φ·n_out
        of the incident faces: z face (i, j−1), z face (i, j), r face (i−1, j), r face (i, j)
        (walls and closed faces only).
      bath: static (nz+1, nr+1) ints, NO_BATH, LEFT or RIGHT: the vertex takes that bath's value.
    """

    zface_coefficient: jax.Array
    rface_coefficient: jax.Array
    cell_weights: jax.Array
    face_weights: jax.Array
    bath: StaticArray


jax.tree_util.register_dataclass(
    SkewGeometry, data_fields=["zface_coefficient", "rface_coefficient", "cell_weights", "face_weights"],
    meta_fields=["bath"])


def vertex_slots(cells, fill=0.0, xp=jnp):
    """The four cell values around every vertex: (nz+1, nr+1, 4) in the slot order of
    :class:`SkewGeometry` (outside the grid: ``fill``); ``xp=np`` for static masks."""
    p = xp.pad(cells, ((1, 1), (1, 1)), constant_values=fill)
    return xp.stack([p[:-1, :-1], p[1:, :-1], p[:-1, 1:], p[1:, 1:]], axis=-1)


def incident_faces(zface_values, rface_values, fill=0.0, xp=jnp):
    """Values of the four faces incident to every vertex: (nz+1, nr+1, 4), order z below, z above,
    r left, r right (missing faces: ``fill``); ``xp=np`` for static masks."""
    zp = xp.pad(zface_values, ((0, 0), (1, 1)), constant_values=fill)
    rp = xp.pad(rface_values, ((1, 1), (0, 0)), constant_values=fill)
    return xp.stack([zp[:, :-1], zp[:, 1:], rp[:-1, :], rp[1:, :]], axis=-1)


def unit_normals(grid: Grid):
    """Unit normals of z faces (toward +z) and r faces (toward +r) in the (z, r) plane."""
    vz, vr = grid.vertex_z, grid.vertex_r
    tz, tr = vz[:, 1:] - vz[:, :-1], vr[:, 1:] - vr[:, :-1]  # z faces: vertex (i, j) → (i, j+1)
    length = jnp.sqrt(tz**2 + tr**2)
    z_normal = (tr / length, -tz / length)
    tz, tr = vz[1:] - vz[:-1], vr[1:] - vr[:-1]  # r faces: vertex (i, j) → (i+1, j)
    length = jnp.sqrt(tz**2 + tr**2)
    r_normal = (-tr / length, tz / length)
    return z_normal, r_normal


def _face_coefficients(grid: Grid, z_normal, r_normal):
    """A·β on interior z faces and r faces (β of the module docstring)."""
    vz, vr, cz, cr = grid.vertex_z, grid.vertex_r, grid.cell_z, grid.cell_r
    out = []
    for axis, normal, area, kind in ((0, z_normal, grid.zface_area, grid.zface_kind),
                                     (1, r_normal, grid.rface_area, grid.rface_kind)):
        interior = np.asarray(kind) == FaceKind.INTERIOR
        if axis == 0:  # faces i = 1 … nz − 1 between cells i − 1 and i; vertices (i, j) → (i, j+1)
            dz = jnp.pad(cz[1:] - cz[:-1], ((1, 1), (0, 0)))
            dr = jnp.pad(cr[1:] - cr[:-1], ((1, 1), (0, 0)))
            sz, sr = vz[:, 1:] - vz[:, :-1], vr[:, 1:] - vr[:, :-1]
        else:  # faces j = 1 … nr − 1 between cells j − 1 and j; vertices (i, j) → (i+1, j)
            dz = jnp.pad(cz[:, 1:] - cz[:, :-1], ((0, 0), (1, 1)))
            dr = jnp.pad(cr[:, 1:] - cr[:, :-1], ((0, 0), (1, 1)))
            sz, sr = vz[1:] - vz[:-1], vr[1:] - vr[:-1]
        d_n = dz * normal[0] + dr * normal[1]
        d_s = dz * sz + dr * sr
        safe = jnp.where(interior, d_n * (sz**2 + sr**2), 1.0)
        out.append(jnp.where(interior, -area * d_s / safe, 0.0))
    return tuple(out)


def _distance(dz, dr):
    """√(dz² + dr²) with a finite derivative where it is 0 (missing faces are padded with 0)."""
    squared = dz**2 + dr**2
    positive = squared > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, squared, 1.0)), 0.0)


def _bath_vertices(grid: Grid) -> np.ndarray:
    kinds = np.asarray(grid.zface_kind)
    padded = np.pad(kinds, ((0, 0), (1, 1)), constant_values=FaceKind.INTERIOR)
    bath = np.full((kinds.shape[0], kinds.shape[1] + 1), NO_BATH, np.int8)
    for column in (padded[:, :-1], padded[:, 1:]):
        bath[column == FaceKind.LEFT_BATH] = LEFT
        bath[column == FaceKind.RIGHT_BATH] = RIGHT
    return bath


def _one_sided_boundaries(grid: Grid):
    """Wall and closed faces with an active cell on exactly one side (z faces, r faces): the
    faces whose normal-derivative data enter the vertex extrapolation."""
    active = np.asarray(grid.active)
    one_side_z = np.pad(active, ((1, 0), (0, 0))) ^ np.pad(active, ((0, 1), (0, 0)))
    one_side_r = np.pad(active, ((0, 0), (1, 0))) ^ np.pad(active, ((0, 0), (0, 1)))
    boundary = lambda kind: (np.asarray(kind) == FaceKind.WALL) | (np.asarray(kind) == FaceKind.CLOSED)
    return boundary(grid.zface_kind) & one_side_z, boundary(grid.rface_kind) & one_side_r


def skew_geometry(grid: Grid) -> SkewGeometry:
    """Face coefficients and vertex weights of ``grid`` (see the module docstring).

    Vertex values are interpolated along grid lines, as bilinear interpolation in the grid's
    logical coordinates (z, ξ) — O(h²) for smooth fields (exact for linear fields on rectangular
    cells; on trapezoids the centroid line meets a face off its midpoint), and faithful to double
    layers, which follow the ξ-lines of a mapped wall. For vertex (i, j): in each of the columns i − 1 and i, interpolate
    between the rows j − 1 and j to the r face between them (weights from the cells' normal
    distances to it), or extrapolate to that face from the one active cell with the face's
    normal-derivative data (walls, closed faces); then interpolate between the two columns to the
    vertex along grid line j, or extrapolate from the one available column with the data of the
    z faces at the vertex.
    """
    z_normal, r_normal = unit_normals(grid)
    z_coefficient, r_coefficient = _face_coefficients(grid, z_normal, r_normal)
    vz, vr = grid.vertex_z, grid.vertex_r
    active = np.asarray(grid.active)
    cell = vertex_slots(active, False, xp=np)  # (nz+1, nr+1, 4): cells (i−1, j−1), (i, j−1), (i−1, j), (i, j)
    face = incident_faces(*_one_sided_boundaries(grid), False, xp=np)
    cz, cr = vertex_slots(grid.cell_z), vertex_slots(grid.cell_r)
    mz = incident_faces(grid.zface_z, grid.rface_z)  # face midpoints, slot order z below, z above, r left, r right
    mr = incident_faces(grid.zface_r, grid.rface_r)
    normal_z = incident_faces(z_normal[0], r_normal[0])  # components of the incident faces' unit normals
    normal_r = incident_faces(z_normal[1], r_normal[1])

    def normal_distance(k, f):
        """|(midpoint of incident face f − centroid of cell slot k) · n_f|."""
        return jnp.abs((mz[..., f] - cz[..., k]) * normal_z[..., f] + (mr[..., f] - cr[..., k]) * normal_r[..., f])

    zero = jnp.zeros_like(vz)
    columns = []  # per column: (available, cell weights (4 slots), face weights (4 slots))
    for lower, upper, f in ((0, 2, 2), (1, 3, 3)):  # column i − 1: slots 0, 2 and r face "left"; column i: 1, 3, "right"
        d_lower, d_upper = normal_distance(lower, f), normal_distance(upper, f)
        both, only_lower, only_upper = cell[..., lower] & cell[..., upper], cell[..., lower] & ~cell[..., upper], \
            ~cell[..., lower] & cell[..., upper]
        alpha = jnp.where(both, d_upper / jnp.where(both, d_lower + d_upper, 1.0), 0.0)
        w_cell = [zero] * 4
        w_cell[lower] = jnp.where(both, alpha, jnp.where(only_lower, 1.0, 0.0))
        w_cell[upper] = jnp.where(both, 1.0 - alpha, jnp.where(only_upper, 1.0, 0.0))
        w_face = [zero] * 4
        w_face[f] = jnp.where(only_lower & face[..., f], d_lower, jnp.where(only_upper & face[..., f], d_upper, 0.0))
        columns.append((cell[..., lower] | cell[..., upper], jnp.stack(w_cell, -1), jnp.stack(w_face, -1)))
    (has_a, cell_a, face_a), (has_b, cell_b, face_b) = columns
    to_a = _distance(vz - mz[..., 2], vr - mr[..., 2])  # vertex ↔ the columns' r-face midpoints
    to_b = _distance(mz[..., 3] - vz, mr[..., 3] - vr)
    both = has_a & has_b
    gamma = jnp.where(both, to_a / jnp.where(both, to_a + to_b, 1.0), 0.0)
    # one column only: extrapolate along z to the vertex with the data of its boundary z faces
    z_faces = face[..., 0].astype(float) + face[..., 1].astype(float)
    share = np.where(z_faces > 0, 1.0 / np.maximum(z_faces, 1.0), 0.0)

    def across(from_z, from_r, f):
        return jnp.abs((vz - from_z) * normal_z[..., f] + (vr - from_r) * normal_r[..., f])

    extra = []
    for mid_slot in (2, 3):  # from column a (its r face "left") or column b ("right")
        lengths = [across(mz[..., mid_slot], mr[..., mid_slot], f) * share * face[..., f] for f in (0, 1)]
        extra.append(jnp.stack(lengths + [zero, zero], -1))
    only_a, only_b = has_a & ~has_b, ~has_a & has_b
    weight_a = jnp.where(both, 1.0 - gamma, jnp.where(only_a, 1.0, 0.0))[..., None]
    weight_b = jnp.where(both, gamma, jnp.where(only_b, 1.0, 0.0))[..., None]
    cell_weights = weight_a * cell_a + weight_b * cell_b
    face_weights = (weight_a * face_a + weight_b * face_b
                    + jnp.where(only_a[..., None], extra[0], 0.0) + jnp.where(only_b[..., None], extra[1], 0.0))
    bath = _bath_vertices(grid)
    used = (bath == NO_BATH)[..., None]
    return SkewGeometry(z_coefficient, r_coefficient, jnp.where(used, cell_weights, 0.0),
                        jnp.where(used, face_weights, 0.0), StaticArray(bath))


def is_orthogonal(grid: Grid, tolerance: float = 1e-12) -> bool | None:
    """Whether every z face is normal to z and every r face normal to r (a tensor-product grid:
    z of the vertices constant along each z line, r constant along each r line), to ``tolerance``
    relative to the grid's extent; then d ∥ n on every face and the tangential parts vanish.

    A single column of cells (1D lines) is orthogonal by construction. Otherwise None when the
    vertices are traced, under jit or under differentiation: a perturbation may tilt faces
    that are orthogonal at the primal values (a cone differentiated at tip = base), and the
    tangential parts' derivative is then not zero."""
    if grid.shape[1] == 1:
        return True
    if is_traced((grid.vertex_z, grid.vertex_r)):
        return None
    vz, vr = np.asarray(grid.vertex_z), np.asarray(grid.vertex_r)
    extent = max(np.ptp(vz), np.ptp(vr))
    return bool(np.all(np.ptp(vz, axis=1) <= tolerance * extent) and np.all(np.ptp(vr, axis=0) <= tolerance * extent))
