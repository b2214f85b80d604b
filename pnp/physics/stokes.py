"""Stokes flow of the solvent on a staggered (MAC) grid, driven by pressure and by the ions.

Steady incompressible Stokes flow with the electrochemical body force (nondimensional):

    η̃ ∇²ũ − ∇P̃ − Σ_i c̃_i ∇μ_i = 0,   ∇·ũ = 0,   μ_i = ln c̃_i + ψ_i,

where ψ_i is the driving potential of the species transport (z_i φ̃ plus every potential of mean
force) and P = p − p_right − (Π − Π_left) is the hydrostatic pressure less the local ideal osmotic
pressure Π = RT Σ c_i (relative to the right bath's p and the left bath's Π, so that the uniform
left bath at rest has P = 0). This form is exactly ρ_e E − ∇p less the
forces of the excess potentials, rewritten so that Boltzmann equilibrium (μ_i uniform, which
the Scharfetter–Gummel flux makes exact to round-off) has exactly zero force, hence ũ = 0 and
P̃ uniform: no spurious flow from a numerically imperfect cancellation of ρ_e E and ∇Π.

Scales (:mod:`pnp.physics.scales`): ũ = u L₀/D₀, P̃ = P/(c₀RT), η̃ = η D₀/(L₀² c₀ RT).

Discretization: marker-and-cell on the structured grid. What follows is the scheme on orthogonal
(tensor-product) grids: cylinders and slits, with or without reservoirs. Tapered channels (cones,
any R(z)), whose r faces slant, add the non-orthogonal parts of :mod:`pnp.physics.stokes_skew`
(``tapered``), which keep the scheme second order there. Unknowns, stored as cell fields:

* ``velocity_z`` in cell (i, j): ũ_z on z face (i, j), the cell's lower z face;
* ``velocity_r`` in cell (i, j): ũ_r (the radial component) at the midpoint of r face (i, j), the
  cell's lower r face;
* ``pressure`` in cell (i, j): P̃ at the centroid.

Equations:

* z momentum on every interior z face (control volume from centroid i − 1 to centroid i) and r
  momentum on every interior r face, in the Laplacian form (axisymmetric: with −η̃ ũ_r/r²), with
  two-point viscous fluxes; no-slip on walls (ũ = 0 on wall faces; half-cell distance to walls
  parallel to the component), symmetry on the axis and slip on the reservoirs' outer closed
  boundary, zero tangential stress at the bath faces;
* continuity Σ_f ũ_f A_f = 0 in every cell (on the right bath it sets the bath face velocity,
  which is eliminated);
* bath pressure: P̃ carried from the end cell to the bath face by the half cell's z momentum
  (:meth:`Stokes._bath_pressure`) equals the bath's P̃: exact for fully developed flow and at rest.

Slots (which row sits where does not change the solution, only the Jacobian's diagonal): a cell
whose lower z face is interior holds that face's z momentum in its ``pressure`` slot and its own
continuity in its ``velocity_z`` slot; cells on the left bath hold continuity (which sets the bath
face velocity) and the bath pressure; cells on the right bath hold their lower face's momentum and
the bath pressure; cells beside a wall below hold ũ_z = 0 and continuity.

Velocities on wall and closed faces are 0 (identity rows). The face velocities also convect
the ions (:meth:`Stokes.face_increments`: inside the Scharfetter–Gummel argument).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.mesh import FaceKind
from . import stokes_skew
from .faces import divergence, pad, pad_widths, safe_divisor, sides, species_face_values, vertex_sides
from .skew import vertex_values
from .state import Field
from .term import FaceDrive, register_term, static_field

# Linear in the momentum and continuity balances, bilinear in convection: Newton's step limit is
# measured on φ and ln c alone (a limit on P̃, hundreds of c₀RT at 1 mM and 2 V, crept by 4 a step).
VELOCITY_Z = Field("velocity_z", per_species=False, unit="D₀/L₀ (on the cell's lower z face)", limits_step=False)
VELOCITY_R = Field("velocity_r", per_species=False, unit="D₀/L₀ (on the cell's lower r face)", limits_step=False)
PRESSURE = Field("pressure", per_species=False, unit="c₀RT (less the osmotic pressure)", limits_step=False)


def _kinds(grid):
    return np.asarray(grid.zface_kind), np.asarray(grid.rface_kind)


@register_term
class Stokes(FaceDrive):
    """Solvent flow (module docstring): introduces ``velocity_z``, ``velocity_r`` and ``pressure``.

    Leaves: ``viscosity`` η̃; ``left_pressure``, ``right_pressure``: P̃ at the bath faces (the
    applied pressures less the baths' osmotic pressures relative to the left bath). Static:
    ``tapered``, whether the grid's r faces may slant (then the non-orthogonal parts of
    :mod:`pnp.physics.stokes_skew` are added; they vanish on orthogonal grids).
    """

    viscosity: float
    left_pressure: float = 0.0
    right_pressure: float = 0.0
    tapered: bool = static_field(default=False)

    introduces = (VELOCITY_Z, VELOCITY_R, PRESSURE)

    def at_rest(self):
        return Stokes(self.viscosity, 0.0 * self.left_pressure, 0.0 * self.right_pressure, self.tapered)

    # --- face velocities -------------------------------------------------------------------
    def face_velocities(self, ctx):
        """(ũ_z on every z face (nz+1, nr), ũ_r at every r face's midpoint (nz, nr+1)): the
        Cartesian components, positive along +z / +r."""
        u_z, u_r, _ = self._flow(ctx)
        return u_z, u_r

    def volume_fluxes(self, ctx):
        """The scaled volume flux (D₀ L₀ m³/s per unit) through z faces (ũ_z A) and r faces (ũ·n A)."""
        u_z, _, q_r = self._flow(ctx)
        return u_z * ctx.grid.zface_area, q_r

    def _flow(self, ctx):
        """(ũ_z, ũ_r, r-face volume fluxes), computed once per residual evaluation: the balance
        and the convection both read them."""
        return ctx.once("stokes.flow", lambda: self._solvent_flow(ctx))

    def _solvent_flow(self, ctx):
        grid, state = ctx.grid, ctx.state
        zk, rk = _kinds(grid)
        flowing_z = (zk == FaceKind.INTERIOR) | (zk == FaceKind.LEFT_BATH) | (zk == FaceKind.RIGHT_BATH)
        u_r = jnp.where(rk[:, :-1] == FaceKind.INTERIOR, state.velocity_r, 0.0)
        u_r = jnp.concatenate([u_r, jnp.zeros_like(u_r[:, :1])], axis=1)
        u_z = jnp.where(flowing_z[:-1], state.velocity_z, 0.0)
        q_r = stokes_skew.rface_volume_flux(grid, u_z, u_r) if self.tapered else u_r * grid.rface_area
        # Right bath faces: the velocity that conserves volume in the last cell.
        inflow = u_z[-1] * grid.zface_area[-2] - (q_r[-1, 1:] - q_r[-1, :-1])
        last = jnp.where(zk[-1] == FaceKind.RIGHT_BATH, inflow / grid.zface_area[-1], 0.0)
        return jnp.concatenate([u_z, last[None]], axis=0), u_r, q_r

    def face_increments(self, ctx):
        """Convection in the Scharfetter–Gummel argument: δ_f = −ũ_n d_f / D_f per species on
        (z faces, r faces), ũ_n the normal velocity; J = D (A/d)[B(Δψ + δ) c₋ − B(−Δψ − δ) c₊]
        → ũ_n A c for uniform c."""
        u_z, u_r, q_r = self._flow(ctx)
        if self.tapered:
            area = ctx.grid.rface_area
            u_r = jnp.where(area > 0, q_r / jnp.where(area > 0, area, 1.0), 0.0)
        d_z, d_r = species_face_values(ctx.params.diffusivity)
        return (-u_z[None] * ctx.grid.zface_distance[None] / d_z,
                -u_r[None] * ctx.grid.rface_distance[None] / d_r)

    # --- equations -------------------------------------------------------------------------
    def balance(self, ctx):
        grid, state = ctx.grid, ctx.state
        zk, rk = _kinds(grid)
        u_z, u_r = self.face_velocities(ctx)
        continuity = divergence(*self.volume_fluxes(ctx))
        force_z, force_r = self._potential_forces(ctx)
        momentum_z = self._viscous(grid, u_z, 0, zk, rk) + force_z
        momentum_r = self._viscous(grid, u_r, 1, zk, rk) + force_r

        # Slots (module docstring): momentum where P enters, continuity where the face velocity
        # enters, so the diagonal has no zeros there (zeros cost UMFPACK 11× and KLU 38× per step).
        left_bath, right_bath = zk[0] == FaceKind.LEFT_BATH, zk[-1] == FaceKind.RIGHT_BATH
        interior = zk[:-1] == FaceKind.INTERIOR
        swapped = interior.copy()
        swapped[-1] &= ~right_bath  # the right bath cells: their continuity sets the bath face velocity
        z_row = jnp.where(swapped, continuity, jnp.where(interior, momentum_z[:-1], state.velocity_z))
        z_row = z_row.at[0].set(jnp.where(left_bath, continuity[0], z_row[0]))
        r_row = jnp.where(rk[:, :-1] == FaceKind.INTERIOR, momentum_r[:, :-1], state.velocity_r)
        p_row = jnp.where(swapped, momentum_z[:-1], continuity)
        p_row = p_row.at[0].set(jnp.where(left_bath, self._bath_pressure(ctx, "left"), p_row[0]))
        p_row = p_row.at[-1].set(jnp.where(right_bath, self._bath_pressure(ctx, "right"), p_row[-1]))
        return {"velocity_z": z_row, "velocity_r": r_row, "pressure": p_row}

    def _bath_pressure(self, ctx, side):
        """P̃ at the bath face from the end cell's, less the bath's P̃ (one row per r).

        The z momentum integrated outwards over the half cell from the end centroid e to the bath
        face b: P̃_b = P̃_e − Σ_i c̄_i (μ_i,b − μ_i,e) + (h/2) v, where c̄_i = (c_i,e + c_i,b)/2 and v
        = ∂P̃/∂s + Σ_i c_i ∂μ_i/∂s is the viscous term (outward s), taken from the face between
        e and its inner neighbour n, Δ apart: v = [P̃_e − P̃_n + Σ_i c̄_i (μ_i,e − μ_i,n)] / Δ. Fully
        developed flow (v uniform along z) is exact, and so is rest: where the ions' force is the
        gradient its two-point differences make it, P̃ balances it up to the bath face and no flow
        is forced (a linear extrapolation of P̃ alone misses the curvature of the bath's
        concentration-polarization layer and drives a recirculation through the face).
        """
        grid, state = ctx.grid, ctx.state
        end, inner, face, bath = (0, 1, 0, self.left_pressure) if side == "left" else (-1, -2, -1, self.right_pressure)
        (bath_c, bath_mu), mu, c = _bath_ions(ctx, side), _electrochemical_potential(ctx), ctx.concentration
        beside = np.asarray(grid.active)[inner]
        half = jnp.abs(grid.cell_z[end] - grid.zface_z[face])
        spacing = safe_divisor(jnp.abs(grid.cell_z[end] - grid.cell_z[inner]), beside)
        drop = state.pressure[end] - state.pressure[inner] + _ion_force(c[:, inner], c[:, end], mu[:, inner], mu[:, end])
        viscous = jnp.where(beside, drop / spacing, 0.0)
        half_cell = _ion_force(c[:, end], bath_c[:, None], mu[:, end], bath_mu[:, None])
        return state.pressure[end] - half_cell + half * viscous - bath

    def _potential_forces(self, ctx):
        """Pressure and body force on every face's control volume, A (P₋ − P₊) − A Σ_i c̄_i (μ₊ − μ₋),
        on z faces (nz+1, nr) and r faces (nz, nr+1) (only interior faces are used); on tapered
        grids A n_r on r faces and the tangential parts (:mod:`pnp.physics.stokes_skew`)."""
        grid = ctx.grid
        mu, c = _electrochemical_potential(ctx), ctx.concentration
        if self.tapered:
            geometry = ctx.skew_geometry
            bath_mu = [_bath_ions(ctx, side)[1] for side in ("left", "right")]
            tangential_p = stokes_skew.tangential_forces(
                grid, geometry, vertex_values(geometry, ctx.state.pressure, self.left_pressure, self.right_pressure))
            tangential_mu = stokes_skew.tangential_forces(
                grid, geometry, jax.vmap(vertex_values, in_axes=(None, 0, 0, 0))(geometry, mu, *bath_mu))
        out = []
        for axis, area in ((0, grid.zface_area), (1, grid.rface_area)):
            (p_lo, p_hi), (c_lo, c_hi), (mu_lo, mu_hi) = (_interior_sides(x, axis) for x in (ctx.state.pressure, c, mu))
            c_face = 0.5 * (c_lo + c_hi)
            if self.tapered and axis == 1:
                area = area * stokes_skew.rface_normals(grid)[1]
            force = area * (p_lo - p_hi - _ion_force(c_lo, c_hi, mu_lo, mu_hi))
            if self.tapered:
                force = force + tangential_p[axis] + jnp.sum(c_face * tangential_mu[axis], axis=0)
            out.append(force)
        return out

    def _viscous(self, grid, u, axis, zk, rk):
        """η̃ ∮ ∇ũ_a · n dA of the control volume of every face of family ``axis`` (0: ũ_z on z
        faces, (nz+1, nr); 1: ũ_r on r faces, (nz, nr+1)); axisymmetric ũ_r also gets − η̃ ũ_r V/r²."""
        eta, across = self.viscosity, 1 - axis
        own_kind, other_kind = (zk, rk) if axis == 0 else (rk, zk)
        area, along_position, across_position, vertex_across, cell_along = (
            (grid.zface_area, grid.zface_z, grid.zface_r, grid.vertex_r, grid.cell_z) if axis == 0
            else (grid.rface_area, grid.rface_r, grid.rface_z, grid.vertex_z, grid.cell_r))
        present = own_kind != FaceKind.CLOSED  # a velocity exists (0 on walls)
        wall = jnp.logical_or(*vertex_sides(other_kind == FaceKind.WALL, axis))  # vertex touches a wall face
        gradient, both, at_wall = _side_gradients(u, across_position, vertex_across, present, wall, across)
        # Along the component: across each cell, from its lower to its upper face.
        if self.tapered and axis == 1:  # S_r of the sides through the centroids: the faces' projected areas
            area = area * stokes_skew.rface_normals(grid)[1]
        (lo_area, hi_area), (lo_u, hi_u), (lo_x, hi_x) = (sides(x, axis) for x in (area, u, along_position))
        step = hi_u - lo_u
        if self.tapered and axis == 0:
            column = stokes_skew.faces_from_vertex_lines(gradient, grid.vertex_r, grid.zface_r)
            step = step - stokes_skew.along_z_correction(grid, column)
        along = eta * 0.5 * (lo_area + hi_area) * step / (hi_x - lo_x)
        if self.tapered and axis == 1:
            active = np.asarray(grid.active)
            usable = np.pad(active, ((0, 0), (1, 0))) | np.pad(active, ((0, 0), (0, 1)))  # ũ_r = 0 on axis and walls
            along = along + eta * stokes_skew.along_r_correction(grid, u, usable)
        net = jnp.diff(jnp.pad(along, pad_widths(axis, (1, 1))), axis=axis)
        # Across it: through the control volume's sides on the vertex lines between faces.
        if self.tapered and axis == 1:
            side_area = stokes_skew.vertical_side_areas(grid)
        else:
            side_area = _side_area(grid, *_interior_sides(cell_along, axis), axis)
        if self.tapered and axis == 0:
            usable = present & (np.arange(present.shape[0]) < present.shape[0] - 1)[:, None]  # not the right bath face
            s_z, du_dz, available = stokes_skew.across_z_correction(grid, u, usable)
            wall_side = at_wall & (side_area > 0)  # not the bath lines, whose sides have no area
            shear = eta * jnp.where(both & available, side_area * gradient + s_z * du_dz,
                                    jnp.where(wall_side, side_area + s_z**2 / safe_divisor(side_area, wall_side), side_area)
                                    * gradient)
        else:
            if self.tapered:  # ũ_r on the vertical sides at z_i: less the height difference times ∂ũ_r/∂r
                column = stokes_skew.column_gradients(u, grid.rface_r, usable)
                (g_lo, g_hi), (r_lo, r_hi), (x_lo, x_hi) = (vertex_sides(x, 0) for x in
                                                            (column, grid.rface_r, grid.rface_z))
                gradient = gradient - jnp.where(both, 0.5 * (g_lo + g_hi) * (r_hi - r_lo) / safe_divisor(x_hi - x_lo, both),
                                                0.0)
            shear = eta * side_area * gradient
        out = net + jnp.diff(shear, axis=across)
        if grid.coordinates == "axisymmetric" and axis == 1:
            radius = safe_divisor(grid.rface_r, grid.rface_r > 0)
            out = out - eta * u * grid.rface_area * grid.rface_distance / radius**2
        return out


def _electrochemical_potential(ctx):
    """μ_i = ln c̃_i + ψ_i per species and cell (N, nz, nr), in kT."""
    return ctx.state.log_concentration + ctx.driving_potential


def _ion_force(c_from, c_to, mu_from, mu_to):
    """Σ_i c̄_i (μ_i,to − μ_i,from), c̄_i = (c_i,from + c_i,to)/2: the ions' two-point force (per
    area, against the step) over a face or half cell; the interior faces and the bath condition
    share it, so a force that is this difference of a potential makes no flow."""
    return jnp.sum(0.5 * (c_from + c_to) * (mu_to - mu_from), axis=0)


def _bath_ions(ctx, side):
    """(c̃_i, μ_i) of the ``side`` bath, each (N,)."""
    params = ctx.params
    concentration = params.left_concentration if side == "left" else params.right_concentration
    return concentration, jnp.log(concentration) + ctx.bath_driving_potential(side)


def _side_area(grid, lo, hi, axis):
    """Area of the sides, on the vertex lines, of the control volumes of the faces of family
    ``axis``, which span [lo, hi] along ``axis``; shape (nz+1, nr+1) (last row repeated).
    Axisymmetric: cylinders 2π r_v (hi − lo) for z faces, annuli π (hi² − lo²) for r faces."""
    axisymmetric = grid.coordinates == "axisymmetric"
    span = jnp.pi * (hi**2 - lo**2) if axisymmetric and axis == 1 else hi - lo
    span = jnp.pad(span, pad_widths(1 - axis, (0, 1)), mode="edge")
    return span * 2.0 * jnp.pi * grid.vertex_r if axisymmetric and axis == 0 else span


def _side_gradients(u, position, vertex_position, present, wall, axis):
    """∂u/∂x at the vertex lines between neighbouring faces of one family along ``axis``, shape
    (faces + 1 along ``axis``): two-point between two present faces; to ũ = 0 on a wall (the
    vertex's own position) where only one side is present and a wall face meets the vertex; zero
    (symmetry, slip, bath) otherwise. Returns (gradient, both sides present, at a wall)."""
    lo_u, hi_u = vertex_sides(u, axis)
    lo_x, hi_x = vertex_sides(position, axis)
    lo_p, hi_p = vertex_sides(present, axis)
    both = lo_p & hi_p
    only_lo, only_hi = lo_p & ~hi_p & wall, hi_p & ~lo_p & wall
    x = vertex_position
    gradient = jnp.where(both, (hi_u - lo_u) / safe_divisor(hi_x - lo_x, both), 0.0)
    gradient = jnp.where(only_lo, -lo_u / safe_divisor(x - lo_x, only_lo), gradient)
    gradient = jnp.where(only_hi, hi_u / safe_divisor(hi_x - x, only_hi), gradient)
    return gradient, both, only_lo | only_hi


def _interior_sides(cells, axis):
    """Cell values on the − and + side of every face normal to ``axis`` (edge faces: the edge cell),
    for cell arrays with leading axes (species)."""
    axis = cells.ndim - 2 + axis
    return sides(pad(cells, axis), axis)

