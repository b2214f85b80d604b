"""Finite-volume residual of the steady Poisson–Nernst–Planck equations.

Unknowns per cell (array of shape (nz, nr, 1 + N)): φ̃ (thermal voltages) and
u_i = ln(c_i / c₀) (log-concentrations keep every iterate positive).

Poisson (cell balance, field flux F = ε_r (A/d)(φ_K − φ_L) through each face):
    Σ_f F_f − Γ Ṽ (Σ_i z_i c̃_i + X̃) − σ̃ Ã_wall = 0
Nernst–Planck, J_i = −D_i (∇c_i + c_i ∇ψ_i), ψ_i = z_i φ̃ + μ_i^ex/kT, with the
Scharfetter–Gummel flux from cell a to cell b (exact for Boltzmann equilibrium,
positivity preserving at any field strength):
    J_ab = D_f (A/d) [B(Δψ) c_a − B(−Δψ) c_b],   Δψ = ψ_b − ψ_a,   B(x) = x / (eˣ − 1)
    Σ_f J_f = 0
Boundary faces: bath faces are Dirichlet (bath c_i, φ; μ^ex = 0 in the baths) over the
centroid-to-face distance; wall faces carry no species flux and add their surface charge
σ̃ Ã to the adjacent cell; closed faces carry nothing. Face permittivities and
diffusivities are harmonic means of the two cells. Inactive cells get the identity
residual (unknown = 0) so the Jacobian keeps its structure.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.mesh import FaceKind, Grid
from .parameters import Parameters

_TAYLOR_LIMIT = 1e-3
_EXP_LIMIT = 700.0


def bernoulli(x):
    """B(x) = x / (exp(x) − 1), smooth and finite (with finite derivatives) for all x."""
    small = jnp.abs(x) < _TAYLOR_LIMIT
    x_safe = jnp.where(small, 1.0, jnp.minimum(x, _EXP_LIMIT))
    series = 1.0 - x / 2.0 + x**2 / 12.0 - x**4 / 720.0
    return jnp.where(small, series, x_safe / jnp.expm1(x_safe))


def _transport_mask(kind) -> np.ndarray:
    kind = np.asarray(kind)
    return (kind == FaceKind.INTERIOR) | (kind == FaceKind.LEFT_BATH) | (kind == FaceKind.RIGHT_BATH)


def transmissibilities(grid: Grid):
    """A/d on faces that carry fluxes (interior and bath faces), 0 elsewhere."""
    tz = jnp.where(_transport_mask(grid.zface_kind), grid.zface_area / grid.zface_distance, 0.0)
    tr = jnp.where(_transport_mask(grid.rface_kind), grid.rface_area / grid.rface_distance, 0.0)
    return tz, tr


def _pad(cells, axis, low=None, high=None):
    """Cell array → (n + 2) values along ``axis``: bath/ghost value, cells, bath/ghost value."""
    first = jnp.take(cells, jnp.array([0]), axis=axis) if low is None else low
    last = jnp.take(cells, jnp.array([cells.shape[axis] - 1]), axis=axis) if high is None else high
    return jnp.concatenate([first, cells, last], axis=axis)


def _sides(padded, axis):
    """(value on the − side, value on the + side) of every face along ``axis``."""
    n = padded.shape[axis]
    lo = jax.lax.slice_in_dim(padded, 0, n - 1, axis=axis)
    hi = jax.lax.slice_in_dim(padded, 1, n, axis=axis)
    return lo, hi


def _harmonic_face_values(cells):
    """Harmonic means on z faces (nz+1, nr) and r faces (nz, nr+1), edges replicated."""
    out = []
    for axis in (0, 1):
        a, b = _sides(_pad(cells, axis), axis)
        out.append(2.0 * a * b / (a + b))
    return out


def _divergence(flux_z, flux_r):
    """Net outflow of each cell from fluxes on z faces and r faces (positive along +z, +r)."""
    return flux_z[1:] - flux_z[:-1] + flux_r[:, 1:] - flux_r[:, :-1]


def _bath_rows(value, nr):
    return jnp.full((1, nr), value)


def field_fluxes(phi, grid: Grid, params: Parameters):
    """Scaled displacement fluxes ε_r (A/d)(φ_− − φ_+) on z faces and r faces."""
    nr = phi.shape[1]
    tz, tr = transmissibilities(grid)
    eps_z, eps_r = _harmonic_face_values(params.permittivity)
    lo, hi = _sides(_pad(phi, 0, _bath_rows(params.left_potential, nr), _bath_rows(params.right_potential, nr)), 0)
    flux_z = eps_z * tz * (lo - hi)
    lo, hi = _sides(_pad(phi, 1), 1)
    flux_r = eps_r * tr * (lo - hi)
    return flux_z, flux_r


def species_flux_terms(state, grid: Grid, params: Parameters):
    """One-way Scharfetter–Gummel terms of every species on z and r faces.

    Returns ((forward_z, backward_z), (forward_r, backward_r)) with shapes (N, nz+1, nr)
    and (N, nz, nr+1): forward = D (A/d) B(Δψ) c_−, backward = D (A/d) B(−Δψ) c_+; the net
    flux along +z (+r) is forward − backward, and forward + backward is the gross
    exchange that sets the scale of conservation errors (it is nonzero at equilibrium).
    """
    phi = state[..., 0]
    log_c = jnp.moveaxis(state[..., 1:], -1, 0)
    nr = phi.shape[1]
    tz, tr = transmissibilities(grid)

    def one_species(z, u, mu, diffusivity, c_left, c_right):
        psi = z * phi + mu
        conc = jnp.exp(u)
        d_z, d_r = _harmonic_face_values(diffusivity)
        psi_lo, psi_hi = _sides(_pad(psi, 0, _bath_rows(z * params.left_potential, nr),
                                     _bath_rows(z * params.right_potential, nr)), 0)
        c_lo, c_hi = _sides(_pad(conc, 0, _bath_rows(c_left, nr), _bath_rows(c_right, nr)), 0)
        along_z = _sg_terms(d_z * tz, psi_hi - psi_lo, c_lo, c_hi)
        psi_lo, psi_hi = _sides(_pad(psi, 1), 1)
        c_lo, c_hi = _sides(_pad(conc, 1), 1)
        along_r = _sg_terms(d_r * tr, psi_hi - psi_lo, c_lo, c_hi)
        return along_z, along_r

    return jax.vmap(one_species)(
        params.valence, log_c, params.excess_potential, params.diffusivity,
        params.left_concentration, params.right_concentration,
    )


def species_fluxes(state, grid: Grid, params: Parameters):
    """Scaled net Scharfetter–Gummel fluxes of every species: ((N, nz+1, nr), (N, nz, nr+1))."""
    (fz, bz), (fr, br) = species_flux_terms(state, grid, params)
    return fz - bz, fr - br


def _sg_terms(coefficient, delta_psi, c_lo, c_hi):
    return coefficient * bernoulli(delta_psi) * c_lo, coefficient * bernoulli(-delta_psi) * c_hi


def wall_charge(grid: Grid, params: Parameters):
    """σ̃ Ã of wall faces credited to the active cell beside each face, shape (nz, nr)."""
    active = np.asarray(grid.active)
    total = 0.0
    for axis, kind, area, sigma in (
        (0, grid.zface_kind, grid.zface_area, params.zface_charge),
        (1, grid.rface_kind, grid.rface_area, params.rface_charge),
    ):
        charge = jnp.where(np.asarray(kind) == FaceKind.WALL, area * sigma, 0.0)
        after_active = np.concatenate([active, np.zeros_like(np.take(active, [0], axis=axis))], axis=axis)
        to_after = jnp.where(after_active, charge, 0.0)  # face k → cell k
        to_before = jnp.where(after_active, 0.0, charge)  # face k → cell k − 1
        n = charge.shape[axis]
        total = total + jax.lax.slice_in_dim(to_after, 0, n - 1, axis=axis) + jax.lax.slice_in_dim(
            to_before, 1, n, axis=axis
        )
    return total


def space_charge(state, params: Parameters):
    """Σ_i z_i c̃_i + X̃ per cell."""
    conc = jnp.exp(state[..., 1:])
    return conc @ params.valence + params.fixed_charge


def residual(state, grid: Grid, params: Parameters):
    """PNP residual, same shape as ``state`` (nz, nr, 1 + N)."""
    active = np.asarray(grid.active)
    flux_z, flux_r = field_fluxes(state[..., 0], grid, params)
    poisson = (
        _divergence(flux_z, flux_r)
        - params.poisson_coefficient * grid.volume * space_charge(state, params)
        - wall_charge(grid, params)
    )
    species_z, species_r = species_fluxes(state, grid, params)
    transport = jax.vmap(_divergence)(species_z, species_r)
    out = jnp.concatenate([poisson[..., None], jnp.moveaxis(transport, 0, -1)], axis=-1)
    return jnp.where(active[..., None], out, state)
