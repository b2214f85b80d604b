"""Structured, logically rectangular finite-volume grid with per-cell metrics.

Every geometry (1D line, planar or axisymmetric rectangle, channel with reservoirs,
tapered cone) is a logically rectangular ``(nz, nr)`` array of quadrilateral cells given
by its vertices ``(vertex_z, vertex_r)`` of shape ``(nz + 1, nr + 1)``, plus an active-cell
mask. All lengths are nondimensional (units of ``Scales.length``).

Metrics (two-point flux approximation):

* cell volume ``V``: planar area × unit depth, or 2π r̄ × area (Pappus) in axisymmetric
  coordinates, where r̄ is the area centroid;
* face area ``A``: segment length × unit depth, or π (r₁ + r₂) × length (frustum);
* face distance ``d``: centroid-to-centroid vector projected on the face normal (or
  centroid-to-face for boundary faces), so the transmissibility is ``A / d``.

Face families: ``z`` faces have shape ``(nz + 1, nr)`` (face ``i`` separates cells ``i − 1``
and ``i``), ``r`` faces have shape ``(nz, nr + 1)`` (face ``j`` separates cells ``j − 1`` and
``j``). Each face has a kind (:class:`FaceKind`): interior, left/right bath (Dirichlet),
wall (zero normal flux; may carry surface charge) or closed (zero flux and zero field:
symmetry axis, outer reservoir wall).
"""

from __future__ import annotations

import dataclasses
import enum
import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..static import StaticArray


class FaceKind(enum.IntEnum):
    CLOSED = 0
    INTERIOR = 1
    LEFT_BATH = 2
    RIGHT_BATH = 3
    WALL = 4


COORDINATES = ("planar", "axisymmetric")
BOUNDARY_TYPES = ("bath", "wall", "closed")


@dataclasses.dataclass(frozen=True)
class Grid:
    """Cell and face metrics of a structured grid (nondimensional lengths).

    Array fields are JAX arrays (differentiable with respect to the vertex positions);
    ``coordinates``, the active mask and the face kinds are static structure (hashable
    :class:`StaticArray`, so grids of the same structure share compiled solvers).
    """

    coordinates: str
    vertex_z: jax.Array  # (nz+1, nr+1)
    vertex_r: jax.Array  # (nz+1, nr+1)
    cell_z: jax.Array  # (nz, nr) centroid
    cell_r: jax.Array  # (nz, nr) centroid
    volume: jax.Array  # (nz, nr)
    active: StaticArray  # (nz, nr) bool
    zface_area: jax.Array  # (nz+1, nr)
    zface_distance: jax.Array  # (nz+1, nr)
    zface_kind: StaticArray  # (nz+1, nr) FaceKind
    zface_z: jax.Array  # (nz+1, nr) face midpoint
    zface_r: jax.Array
    rface_area: jax.Array  # (nz, nr+1)
    rface_distance: jax.Array  # (nz, nr+1)
    rface_kind: StaticArray  # (nz, nr+1) FaceKind
    rface_z: jax.Array
    rface_r: jax.Array

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.active.shape)

    @property
    def n_active(self) -> int:
        return int(self.active.sum())


jax.tree_util.register_dataclass(
    Grid,
    data_fields=[
        "vertex_z", "vertex_r", "cell_z", "cell_r", "volume",
        "zface_area", "zface_distance", "zface_z", "zface_r",
        "rface_area", "rface_distance", "rface_z", "rface_r",
    ],
    meta_fields=["coordinates", "active", "zface_kind", "rface_kind"],
)


def _face_kinds(active: np.ndarray, boundaries: dict[str, str], axis: int) -> np.ndarray:
    """Kinds of the faces normal to ``axis`` (0: z faces, 1: r faces)."""
    a = np.moveaxis(active, axis, 0)
    n = a.shape[0]
    before = np.concatenate([np.zeros_like(a[:1]), a], axis=0)  # cell on the − side
    after = np.concatenate([a, np.zeros_like(a[:1])], axis=0)  # cell on the + side
    kind = np.full(before.shape, FaceKind.CLOSED, dtype=np.int8)
    kind[before & after] = FaceKind.INTERIOR
    kind[before ^ after] = FaceKind.WALL  # between an active and an inactive cell
    low_side, high_side = ("left", "right") if axis == 0 else ("bottom", "top")
    for index, side, cell in ((0, low_side, after[0]), (n, high_side, before[n])):
        btype = boundaries[side]
        if btype == "bath":
            kind[index][cell] = FaceKind.LEFT_BATH if side == "left" else FaceKind.RIGHT_BATH
        elif btype == "wall":
            kind[index][cell] = FaceKind.WALL
        else:
            kind[index][cell] = FaceKind.CLOSED
    return np.moveaxis(kind, 0, axis)


def _polygon_area_centroid(vz, vr):
    """Signed-area-safe area and centroid of the quads (vertices counter-clockwise in (z, r))."""
    pz = [vz[:-1, :-1], vz[1:, :-1], vz[1:, 1:], vz[:-1, 1:]]
    pr = [vr[:-1, :-1], vr[1:, :-1], vr[1:, 1:], vr[:-1, 1:]]
    area = 0.0
    cz = 0.0
    cr = 0.0
    for k in range(4):
        cross = pz[k] * pr[(k + 1) % 4] - pz[(k + 1) % 4] * pr[k]
        area = area + cross
        cz = cz + (pz[k] + pz[(k + 1) % 4]) * cross
        cr = cr + (pr[k] + pr[(k + 1) % 4]) * cross
    area = 0.5 * area
    return jnp.abs(area), cz / (6.0 * area), cr / (6.0 * area)


def _face_geometry(z1, r1, z2, r2, coordinates):
    """Area, midpoint and unit normal of segments (z1, r1)–(z2, r2)."""
    dz, dr = z2 - z1, r2 - r1
    length = jnp.sqrt(dz**2 + dr**2)
    normal_z, normal_r = dr / length, -dz / length
    mid_z, mid_r = 0.5 * (z1 + z2), 0.5 * (r1 + r2)
    if coordinates == "axisymmetric":
        area = jnp.pi * (r1 + r2) * length
    else:
        area = length
    return area, mid_z, mid_r, normal_z, normal_r


def _normal_distance(za, ra, zb, rb, nz_, nr_):
    return jnp.abs((zb - za) * nz_ + (rb - ra) * nr_)


def grid_from_vertices(
    vertex_z,
    vertex_r,
    active=None,
    *,
    coordinates: str = "planar",
    left: str = "bath",
    right: str = "bath",
    bottom: str = "closed",
    top: str = "closed",
) -> Grid:
    """Build a :class:`Grid` from quad vertices.

    Args:
      vertex_z, vertex_r: (nz+1, nr+1) vertex coordinates (nondimensional), increasing
        along both index directions.
      active: (nz, nr) bool mask of cells in the fluid (default: all).
      coordinates: "planar" (unit depth) or "axisymmetric" (r is the radius; full 2π).
      left, right, bottom, top: what closes each side of the index space — "bath"
        (Dirichlet bath; left/right only), "wall" (charged wall, zero normal flux) or
        "closed" (zero flux and zero field: symmetry axis, outer wall).
    """
    if coordinates not in COORDINATES:
        raise ValueError(f"coordinates must be one of {COORDINATES}, got {coordinates!r}")
    boundaries = {"left": left, "right": right, "bottom": bottom, "top": top}
    for side, btype in boundaries.items():
        if btype not in BOUNDARY_TYPES:
            raise ValueError(f"{side} boundary must be one of {BOUNDARY_TYPES}, got {btype!r}")
        if btype == "bath" and side in ("bottom", "top"):
            raise ValueError(f"baths are supported on the left and right ends only, not {side}")
    vz = jnp.asarray(vertex_z, dtype=jnp.float64)
    vr = jnp.asarray(vertex_r, dtype=jnp.float64)
    nz, nr = vz.shape[0] - 1, vz.shape[1] - 1
    if nz < 1 or nr < 1 or vr.shape != vz.shape:
        raise ValueError(f"vertex arrays must both have shape (nz+1, nr+1) with nz, nr ≥ 1; got {vz.shape}, {vr.shape}")
    active = np.ones((nz, nr), bool) if active is None else np.asarray(active, bool)
    if active.shape != (nz, nr):
        raise ValueError(f"active mask must have shape {(nz, nr)}, got {active.shape}")
    return _build(vz, vr, StaticArray(active), coordinates, (left, right, bottom, top))


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _build(vz, vr, active_static: StaticArray, coordinates: str, sides: tuple[str, str, str, str]) -> Grid:
    """Metrics as one compiled program (eager construction would compile every small op)."""
    active = np.asarray(active_static)
    boundaries = dict(zip(("left", "right", "bottom", "top"), sides))
    area2d, cell_z, cell_r = _polygon_area_centroid(vz, vr)
    volume = 2.0 * jnp.pi * cell_r * area2d if coordinates == "axisymmetric" else area2d

    # z faces: segment from vertex (i, j) to (i, j+1); normal along +z for a regular grid.
    za, zmz, zmr, znz, znr = _face_geometry(vz[:, :-1], vr[:, :-1], vz[:, 1:], vr[:, 1:], coordinates)
    znz, znr = -znz, -znr  # orient the normal towards +z
    # r faces: segment from vertex (i, j) to (i+1, j); normal along +r.
    ra, rmz, rmr, rnz, rnr = _face_geometry(vz[:-1, :], vr[:-1, :], vz[1:, :], vr[1:, :], coordinates)

    def pad(a, axis):  # cell array → values on both sides of each face (edge replicated)
        first = jnp.take(a, jnp.array([0]), axis=axis)
        last = jnp.take(a, jnp.array([a.shape[axis] - 1]), axis=axis)
        return jnp.concatenate([first, a, last], axis=axis)

    def face_distance(mid_z, mid_r, nrm_z, nrm_r, axis):
        pz, pr = pad(cell_z, axis), pad(cell_r, axis)
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis], hi[axis] = slice(0, -1), slice(1, None)
        za_, ra_, zb_, rb_ = pz[tuple(lo)], pr[tuple(lo)], pz[tuple(hi)], pr[tuple(hi)]
        interior = _normal_distance(za_, ra_, zb_, rb_, nrm_z, nrm_r)
        to_face_lo = _normal_distance(za_, ra_, mid_z, mid_r, nrm_z, nrm_r)
        to_face_hi = _normal_distance(mid_z, mid_r, zb_, rb_, nrm_z, nrm_r)
        n = interior.shape[axis]
        idx = jnp.arange(n).reshape((-1, 1) if axis == 0 else (1, -1))
        return jnp.where(idx == 0, to_face_hi, jnp.where(idx == n - 1, to_face_lo, interior))

    zdist = face_distance(zmz, zmr, znz, znr, 0)
    rdist = face_distance(rmz, rmr, rnz, rnr, 1)
    # Inactive neighbours: the boundary distance is centroid-to-face on the active side.
    zkind = _face_kinds(active, boundaries, 0)
    rkind = _face_kinds(active, boundaries, 1)
    zdist = _wall_distance(zdist, active, cell_z, cell_r, zmz, zmr, znz, znr, axis=0)
    rdist = _wall_distance(rdist, active, cell_z, cell_r, rmz, rmr, rnz, rnr, axis=1)
    return Grid(
        coordinates=coordinates, vertex_z=vz, vertex_r=vr, cell_z=cell_z, cell_r=cell_r,
        volume=volume, active=active_static, zface_area=za, zface_distance=zdist,
        zface_kind=StaticArray(zkind), zface_z=zmz, zface_r=zmr, rface_area=ra,
        rface_distance=rdist, rface_kind=StaticArray(rkind), rface_z=rmz, rface_r=rmr,
    )


def _wall_distance(dist, active, cell_z, cell_r, mid_z, mid_r, nrm_z, nrm_r, axis):
    """Replace interior distances at active/inactive interfaces by centroid-to-face distances."""
    a = jnp.asarray(np.moveaxis(active, axis, 0))
    cz, cr = jnp.moveaxis(cell_z, axis, 0), jnp.moveaxis(cell_r, axis, 0)
    mz, mr = jnp.moveaxis(mid_z, axis, 0), jnp.moveaxis(mid_r, axis, 0)
    nz_, nr_ = jnp.moveaxis(nrm_z, axis, 0), jnp.moveaxis(nrm_r, axis, 0)
    d = jnp.moveaxis(dist, axis, 0)
    inner = slice(1, -1)
    lo_active, hi_active = a[:-1], a[1:]
    d_lo = _normal_distance(cz[:-1], cr[:-1], mz[inner], mr[inner], nz_[inner], nr_[inner])
    d_hi = _normal_distance(mz[inner], mr[inner], cz[1:], cr[1:], nz_[inner], nr_[inner])
    d_inner = jnp.where(lo_active & ~hi_active, d_lo, jnp.where(hi_active & ~lo_active, d_hi, d[inner]))
    d = d.at[inner].set(d_inner)
    return jnp.moveaxis(d, 0, axis)


