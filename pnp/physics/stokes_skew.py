"""The non-orthogonal parts of the MAC Stokes scheme (:mod:`pnp.physics.stokes`) on tapered grids.

Channel grids (:mod:`pnp.geometry.channels`) have vertical z faces (one z per z line) and straight
r-line segments that slant where the wall does (cones, any R(z)). The unknowns stay Cartesian:
ũ_z on z faces (their normal velocity) and ũ_r at the midpoints of the r faces. Each face family
then lies on vertical columns of points (z faces at z_i, r faces at the column midpoints), so r
derivatives within a column are exact two-point differences, while neighbours along z sit at
different heights. Every part below vanishes on orthogonal grids, where
:class:`~pnp.physics.stokes.Stokes` leaves them out (its ``tapered`` flag, which
:func:`pnp.problem.build_problem` sets from the grid):

1. **Volume flux** through an r face of area A and unit normal n (toward +r):
   q = A (n_r ũ_r + n_z ū_z), ū_z the mean of the four z faces around the face (the last column
   uses its two lower ones: its upper z faces are the right bath face, whose velocity the
   column's own continuity sets).
2. **Pressure and body force** on a face's control volume V = A d take the component of
   ∇P + Σ_i c̄_i ∇μ_i along the face's velocity: ∂/∂z on z faces (their normal,
   (φ_b − φ_a)/d + β (φ₊ − φ₋), :mod:`pnp.grid.skew`), and on r faces
   ∂/∂r = n_r ∇φ·n + t_r ∇φ·t with ∇φ·t = (φ₊ − φ₋)/|s| (t from the face's − vertex to its
   + vertex, t_r = −n_z). Vertex values as for the species fluxes
   (:func:`pnp.physics.skew.vertex_values`): uniform fields give exactly zero, so equilibrium
   (uniform μ_i and P) still has exactly no flow.
3. **Viscous fluxes** η ∫ ∇ũ·dS through the control volumes' sides:

   * ũ_z across the cell between z faces i and i + 1 (a vertical side): the two-point difference
     less the height difference times ∂ũ_z/∂r (the mean of the two faces' column gradients);
   * ũ_z through the slanted side along r line j from centroid column i − 1 to i, with area
     vector S = (S_z, S_r): η (S_r ∂ũ_z/∂r + S_z ∂ũ_z/∂z), ∂/∂z from the columns i ± 1
     interpolated to the vertex's height; on a wall (ũ = 0 along it) ∇ũ_z is normal to it,
     so the flux is η |S|² ∂ũ_z/∂r / S_r;
   * the control volumes of ũ_r span, in each column, from the line through the centroids of
     row j − 1 to that of row j (lines from centroid to centroid across columns, so that
     neighbouring control volumes share their sides): through a vertical side at z_i, as the
     first item with the column gradients of ũ_r; through the slanted top and bottom sides,
     η (S_r ∂ũ_r/∂r + S_z ∂ũ_r/∂z) with S_r from the faces' projected areas A n_r, ∂ũ_r/∂r the
     two-point difference within the column and ∂ũ_r/∂z from the columns i ± 1 at the
     centroid's height. (Sides at each column's own centroid heights would not meet those of
     the next column on a taper: the r-momentum would not converge.)

Every stencil stays within the nine cells around the row's own cell (the Jacobian keeps its
band); where a needed neighbour is missing the correction is left out, which costs first order
locally: at the mouths' corners, in the first and last columns (∂/∂z across columns; the last
column's ū_z from its lower faces), all flat when the channel has reservoirs. The pressure's
vertex values take a zero normal derivative on walls, which P only has approximately (its
normal derivative there is η ∇²ũ·n); the manufactured flow of ``tests/test_stokes_tapered.py``,
whose P has one, still converges at second order.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..grid.mesh import FaceKind
from ..grid.skew import unit_normals
from .faces import safe_divisor, vertex_sides


def _shift(values, step):
    """``values[i + step]`` at index i along axis 0 (0 / False where that is outside)."""
    if step > 0:
        return jnp.pad(values[step:], ((0, step), (0, 0)))
    return jnp.pad(values[:step], ((-step, 0), (0, 0)))


def rface_normals(grid):
    """(n_z, n_r, |s|) of every r face: the unit normal toward +r and the length in the (z, r) plane."""
    _, (n_z, n_r) = unit_normals(grid)
    length = jnp.sqrt((grid.vertex_z[1:] - grid.vertex_z[:-1]) ** 2 + (grid.vertex_r[1:] - grid.vertex_r[:-1]) ** 2)
    return n_z, n_r, length


def rface_volume_flux(grid, u_z, u_r):
    """q on r faces (nz, nr+1) (item 1 of the module docstring); ``u_z``: the velocities of the z
    faces 0 … nz − 1 (nz, nr); ``u_r``: Cartesian ũ_r on r faces (0 off interior faces)."""
    n_z, n_r, _ = rface_normals(grid)
    upper = jnp.concatenate([u_z[1:], u_z[-1:]], axis=0)
    column = jnp.pad(0.5 * (u_z + upper), ((0, 0), (1, 1)))
    mean = 0.5 * (column[:, :-1] + column[:, 1:])
    interior = np.asarray(grid.rface_kind) == FaceKind.INTERIOR
    return jnp.where(interior, grid.rface_area * (n_r * u_r + n_z * mean), 0.0)


def tangential_forces(grid, geometry, vertex):
    """The tangential parts of −V ∂φ/∂z on z faces (…, nz+1, nr) and of −V ∂φ/∂r on r faces
    (…, nz, nr+1) (item 2), from vertex values (…, nz+1, nr+1) of a cell field φ; the two-point
    parts are A (φ_lo − φ_hi) on z faces and A n_r (φ_lo − φ_hi) on r faces."""
    n_z, n_r, length = rface_normals(grid)
    interior = np.asarray(grid.rface_kind) == FaceKind.INTERIOR
    r_coefficient = jnp.where(interior, n_r * geometry.rface_coefficient - grid.rface_area * n_z / length, 0.0)
    along_z = vertex[..., :, 1:] - vertex[..., :, :-1]  # φ₊ − φ₋ of every z face
    along_r = vertex[..., 1:, :] - vertex[..., :-1, :]
    return (-grid.zface_distance * geometry.zface_coefficient * along_z,
            -grid.rface_distance * r_coefficient * along_r)


def faces_from_vertex_lines(gradients, vertex_r, position):
    """Column gradients ∂ũ_z/∂r at the z faces (nz+1, nr) from those on the vertex lines between
    them (``gradients`` (nz+1, nr+1) at heights ``vertex_r``), linear in height."""
    lo_x, hi_x = vertex_r[:, :-1], vertex_r[:, 1:]
    weight = (position - lo_x) / safe_divisor(hi_x - lo_x, hi_x > lo_x)
    return (1.0 - weight) * gradients[:, :-1] + weight * gradients[:, 1:]


def column_gradients(u, position, usable):
    """∂ũ/∂r at every face of a family on vertical columns (m, n) from its neighbours in the
    column: the non-uniform central difference where both are ``usable``, one-sided where one
    is, else 0."""
    pair = usable[:, :-1] & usable[:, 1:]
    spacing = jnp.where(pair, position[:, 1:] - position[:, :-1], 0.0)
    slope = jnp.where(pair, (u[:, 1:] - u[:, :-1]) / safe_divisor(spacing, pair), 0.0)
    below = lambda x: jnp.pad(x, ((0, 0), (1, 0)))  # the pair under each face
    above = lambda x: jnp.pad(x, ((0, 0), (0, 1)))
    both = below(pair) & above(pair)
    central = (below(slope) * above(spacing) + above(slope) * below(spacing)) / safe_divisor(below(spacing) + above(spacing), both)
    return jnp.where(both, central, below(slope) + above(slope))  # one-sided: the missing slope is 0


def along_z_correction(grid, gradients):
    """What to subtract from ũ_z(i + 1) − ũ_z(i) across every cell (nz, nr) for the height
    difference of its two z faces: ḡ (ρ_{i+1} − ρ_i), ḡ the mean column gradient of the two
    faces (the last cell: its lower face's; item 3)."""
    upper = jnp.concatenate([gradients[1:-1], gradients[-2:-1]], axis=0)
    return 0.5 * (gradients[:-1] + upper) * (grid.zface_r[1:] - grid.zface_r[:-1])


def _axial_derivative(pairs, height, column_z):
    """∂ũ/∂z at points (m, k) of column m at ``height``, from the columns m ± 1 interpolated
    linearly to that height between two faces each: ``pairs`` = (lower values, upper values,
    lower heights, upper heights, both usable), each (m, k) and indexed by the points' own
    column. Returns (∂ũ/∂z, available): available where both columns' faces are usable."""
    def at_height(step):
        lo, hi, x_lo, x_hi = (_shift(x, step) for x in pairs[:4])
        ok = _shift(pairs[4], step)
        return lo + (height - x_lo) * (hi - lo) / safe_divisor(x_hi - x_lo, ok), ok

    (u_next, ok_next), (u_prev, ok_prev) = at_height(1), at_height(-1)
    available = ok_next & ok_prev
    dz = _shift(column_z, 1) - _shift(column_z, -1)
    return jnp.where(available, (u_next - u_prev) / safe_divisor(dz, available), 0.0), available


def _slanted_side(grid, start, end):
    """z component S_z of the area vector of a side from height ``start`` to ``end`` (rising along
    +z, the normal toward +r): −π (end² − start²) axisymmetric, −(end − start) planar."""
    if grid.coordinates == "axisymmetric":
        return -jnp.pi * (end**2 - start**2)
    return -(end - start)


def across_z_correction(grid, u, usable):
    """(S_z, ∂ũ_z/∂z, available) on every vertex (i, j) of the z-face family, (nz+1, nr+1) (item 3):
    the z component of the area vector of the slanted side along r line j between the centroids
    of columns i − 1 and i, and ∂ũ_z/∂z at the vertex from the z faces j − 1, j of columns i ± 1
    interpolated to its height (available where those four faces are ``usable``)."""
    vz, vr = grid.vertex_z, grid.vertex_r
    centroid_z = jnp.pad(grid.cell_z, ((0, 0), (0, 1)), mode="edge")
    height = vr[:-1] + (vr[1:] - vr[:-1]) * (centroid_z - vz[:-1]) / (vz[1:] - vz[:-1])  # line j at column k's centroid
    inner = np.zeros(vz.shape, bool)
    inner[1:-1] = True
    s_z = jnp.where(inner, _slanted_side(grid, jnp.pad(height, ((1, 0), (0, 0))), jnp.pad(height, ((0, 1), (0, 0)))),
                    0.0)
    # faces j − 1 and j of vertex j
    (u_lo, u_hi), (x_lo, x_hi), (ok_lo, ok_hi) = (vertex_sides(x, 1) for x in (u, grid.zface_r, usable))
    du_dz, available = _axial_derivative((u_lo, u_hi, x_lo, x_hi, ok_lo & ok_hi), vr, vz)
    return s_z, du_dz, available


def centroid_line_heights(grid):
    """Heights (nz+1, nr) of the lines through each row's cell centroids at the vertex lines z_i
    (linear between the centroids of columns i − 1 and i where both cells are active, else the
    active one's centroid height): the top and bottom sides of the r-face control volumes."""
    active = np.asarray(grid.active)
    cz, cr = grid.cell_z, grid.cell_r
    z_line = grid.vertex_z[:, :-1]
    before_z, before_r = (jnp.pad(x, ((1, 0), (0, 0)), mode="edge") for x in (cz, cr))
    after_z, after_r = (jnp.pad(x, ((0, 1), (0, 0)), mode="edge") for x in (cz, cr))
    has_before, has_after = np.pad(active, ((1, 0), (0, 0))), np.pad(active, ((0, 1), (0, 0)))
    both = has_before & has_after
    weight = (z_line - before_z) / safe_divisor(after_z - before_z, both)
    return jnp.where(both, before_r + weight * (after_r - before_r), jnp.where(has_before, before_r, after_r))


def vertical_side_areas(grid):
    """Areas (nz+1, nr+1) of the vertical sides at z_i of the r-face control volumes, between the
    centroid lines of rows j − 1 and j (:func:`centroid_line_heights`)."""
    heights = jnp.pad(centroid_line_heights(grid), ((0, 0), (1, 1)), mode="edge")
    return -_slanted_side(grid, heights[:, :-1], heights[:, 1:])


def along_r_correction(grid, u, usable):
    """S_z ∂ũ_r/∂z on the slanted top side of every cell's r-face control volume below it, (nz, nr)
    (item 3): the side follows the row's centroid line from z_i to z_{i+1}; ∂ũ_r/∂z at the cell's
    centroid height from the r faces j, j + 1 of columns i ± 1 (0 where those are not usable)."""
    heights = centroid_line_heights(grid)
    s_z = _slanted_side(grid, heights[:-1], heights[1:])
    pairs = (u[:, :-1], u[:, 1:], grid.rface_r[:, :-1], grid.rface_r[:, 1:], usable[:, :-1] & usable[:, 1:])
    du_dz, available = _axial_derivative(pairs, grid.cell_r, grid.rface_z[:, :-1])
    return jnp.where(available, s_z * du_dz, 0.0)
