"""Poisson's equation as three terms: displacement flux, space charge, surface charge.

Cell balance of −∇·(ε∇φ) = ρ (nondimensional, see :mod:`pnp.physics.scales`):

    Σ_f ε_f (A/d)_f (φ̃_K − φ̃_L) − Γ Ṽ (Σ_i z_i c̃_i + X̃) − σ̃ Ã_wall = 0

with harmonic face permittivities; bath faces are Dirichlet (bath potential over the
centroid-to-face distance); closed and wall faces carry no displacement flux (zero field on
closed faces; the wall's surface charge enters the adjacent cell).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.mesh import FaceKind, Grid
from .faces import bath_rows, beside_faces, harmonic_face_values, pad, sides, transmissibilities
from .parameters import Parameters
from .state import POTENTIAL
from .term import Term, register_term


def field_fluxes(phi, grid: Grid, params: Parameters):
    """Scaled displacement fluxes ε_r (A/d)(φ_− − φ_+) on z faces and r faces."""
    nr = phi.shape[1]
    tz, tr = transmissibilities(grid)
    eps_z, eps_r = harmonic_face_values(params.permittivity)
    lo, hi = sides(pad(phi, 0, bath_rows(params.left_potential, nr), bath_rows(params.right_potential, nr)), 0)
    flux_z = eps_z * tz * (lo - hi)
    lo, hi = sides(pad(phi, 1), 1)
    flux_r = eps_r * tr * (lo - hi)
    return flux_z, flux_r


def space_charge(concentration, params: Parameters):
    """Σ_i z_i c̃_i + X̃ per cell, from c̃ of shape (N, nz, nr)."""
    return jnp.einsum("i,i...->...", params.valence, concentration) + params.fixed_charge


def wall_charge(grid: Grid, zface_charge, rface_charge):
    """σ̃ Ã of wall faces credited to the active cell beside each face, shape (nz, nr), from σ̃ on
    the z faces (nz+1, nr) and r faces (nz, nr+1) (only wall faces count)."""
    active = np.asarray(grid.active)
    total = 0.0
    for axis, kind, area, sigma in (
        (0, grid.zface_kind, grid.zface_area, zface_charge),
        (1, grid.rface_kind, grid.rface_area, rface_charge),
    ):
        charge = jnp.where(np.asarray(kind) == FaceKind.WALL, area * sigma, 0.0)
        after_active = np.concatenate([active, np.zeros_like(np.take(active, [0], axis=axis))], axis=axis)
        to_after = jnp.where(after_active, charge, 0.0)  # face k → cell k
        to_before = jnp.where(after_active, 0.0, charge)  # face k → cell k − 1
        n = charge.shape[axis]
        total = total + jax.lax.slice_in_dim(to_after, 0, n - 1, axis=axis) + jax.lax.slice_in_dim(
            to_before, 1, n, axis=axis)
    return total


@register_term
class Displacement(Term):
    """Σ_f ε_f (A/d)_f (φ_K − φ_L): the displacement flux out of each cell; introduces φ."""

    introduces = (POTENTIAL,)

    def fluxes(self, ctx):
        return {"potential": field_fluxes(ctx.state.potential, ctx.grid, ctx.params)}


@register_term
class SpaceCharge(Term):
    """−Γ Ṽ (Σ_i z_i c̃_i + X̃): mobile ions and fixed charge in each cell."""

    def sources(self, ctx):
        rho = space_charge(ctx.concentration, ctx.params)
        return {"potential": -ctx.params.poisson_coefficient * ctx.grid.volume * rho}


def wall_steps(grid: Grid, params: Parameters):
    """d_f / ε_r of the cell beside each face, on (z faces, r faces): the potential step from a wall
    cell's centroid to its wall face per unit σ̃ (φ̃_w = φ̃_K + σ̃ d_f/ε_r, the surface-charge condition)."""
    return tuple(distance / beside_faces(grid, params.permittivity, axis)
                 for axis, distance in ((0, grid.zface_distance), (1, grid.rface_distance)))


class WallCharge(Term):
    """−σ̃ Ã: the charge of wall faces, credited to the cell beside each face. Subclasses say what
    σ̃ is (:meth:`face_charges`); :mod:`pnp.quantity` reads it from there (the one wall-charge term
    of a model)."""

    def face_charges(self, ctx):
        """σ̃ on (z faces (nz+1, nr), r faces (nz, nr+1)); nonzero on wall faces only."""
        raise NotImplementedError

    def sources(self, ctx):
        return {"potential": -wall_charge(ctx.grid, *self.face_charges(ctx))}


@register_term
class SurfaceCharge(WallCharge):
    """A prescribed wall charge: σ̃ from ``Parameters.zface_charge`` / ``rface_charge``."""

    def face_charges(self, ctx):
        return ctx.params.zface_charge, ctx.params.rface_charge
