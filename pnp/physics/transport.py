"""Nernst–Planck transport with Scharfetter–Gummel (exponentially fitted) fluxes.

J_i = −D_i (∇c_i + c_i ∇ψ_i) with the driving potential ψ_i summed over the model's
:class:`~pnp.physics.term.Drive` terms (z_i φ̃ and any potentials of mean force). The flux
from cell a to cell b,

    J_ab = D_f (A/d) [B(Δψ) c_a − B(−Δψ) c_b],   Δψ = ψ_b − ψ_a,   B(x) = x / (eˣ − 1),

is exact for Boltzmann equilibrium (c ∝ e^{−ψ} gives J = 0 to round-off for any ψ) and
keeps concentrations positive at any field strength. The increments δ_f of any
:class:`~pnp.physics.term.FaceDrive` add to Δψ (convection by the solvent's face velocity,
:mod:`pnp.physics.stokes`: δ_f = −u_f d_f / D_f, so a uniform c is carried as u A c). Bath faces are Dirichlet (bath
concentrations and bath ψ) over the centroid-to-face distance; walls and closed faces carry
no species flux. Face diffusivities are harmonic means. The balance Σ_f J_f = 0 per cell.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .faces import bath_rows, harmonic_face_values, pad, sides, transmissibilities
from .state import LOG_CONCENTRATION
from .term import Term, register_term

_TAYLOR_LIMIT = 1e-3
_EXP_LIMIT = 700.0


def bernoulli(x):
    """B(x) = x / (exp(x) − 1), smooth and finite (with finite derivatives) for all x."""
    small = jnp.abs(x) < _TAYLOR_LIMIT
    x_safe = jnp.where(small, 1.0, jnp.minimum(x, _EXP_LIMIT))
    series = 1.0 - x / 2.0 + x**2 / 12.0 - x**4 / 720.0
    return jnp.where(small, series, x_safe / jnp.expm1(x_safe))


def _sg_terms(coefficient, delta_psi, c_lo, c_hi):
    return coefficient * bernoulli(delta_psi) * c_lo, coefficient * bernoulli(-delta_psi) * c_hi


def species_flux_terms(ctx):
    """One-way Scharfetter–Gummel terms of every species on z and r faces.

    Returns ((forward_z, backward_z), (forward_r, backward_r)) with shapes (N, nz+1, nr)
    and (N, nz, nr+1): forward = D (A/d) B(Δψ) c_−, backward = D (A/d) B(−Δψ) c_+; the net
    flux along +z (+r) is forward − backward, and forward + backward is the gross exchange
    that sets the scale of conservation errors (it is nonzero at equilibrium).
    """
    params, grid = ctx.params, ctx.grid
    nr = grid.shape[1]
    tz, tr = transmissibilities(grid)
    psi_left, psi_right = ctx.bath_driving_potential("left"), ctx.bath_driving_potential("right")

    n = params.valence.shape[0]
    increments = ctx.face_increments or (jnp.zeros((n, 1, 1)), jnp.zeros((n, 1, 1)))

    def one_species(psi, conc, diffusivity, c_left, c_right, p_left, p_right, step_z, step_r):
        d_z, d_r = harmonic_face_values(diffusivity)
        psi_lo, psi_hi = sides(pad(psi, 0, bath_rows(p_left, nr), bath_rows(p_right, nr)), 0)
        c_lo, c_hi = sides(pad(conc, 0, bath_rows(c_left, nr), bath_rows(c_right, nr)), 0)
        along_z = _sg_terms(d_z * tz, psi_hi - psi_lo + step_z, c_lo, c_hi)
        psi_lo, psi_hi = sides(pad(psi, 1), 1)
        c_lo, c_hi = sides(pad(conc, 1), 1)
        along_r = _sg_terms(d_r * tr, psi_hi - psi_lo + step_r, c_lo, c_hi)
        return along_z, along_r

    return jax.vmap(one_species)(ctx.driving_potential, ctx.concentration, params.diffusivity,
                                 params.left_concentration, params.right_concentration, psi_left, psi_right,
                                 *increments)


def species_fluxes(ctx):
    """Scaled net Scharfetter–Gummel fluxes of every species: ((N, nz+1, nr), (N, nz, nr+1))."""
    (fz, bz), (fr, br) = species_flux_terms(ctx)
    return fz - bz, fr - br


@register_term
class NernstPlanck(Term):
    """Σ_f J_i,f: the species flux out of each cell; introduces the log-concentrations."""

    introduces = (LOG_CONCENTRATION,)

    def fluxes(self, ctx):
        return {"log_concentration": species_fluxes(ctx)}
