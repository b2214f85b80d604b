"""Observables of a converged state, in SI.

Fluxes through cross-sections: the z faces of column i (i = 0 … nz) form a surface that
separates the left bath from the right one; the species fluxes summed over it are
equal for every i at steady state (discrete conservation, up to the Newton residual).
Current I = F Σ_i z_i J_i, positive along +z (from the left bath to the right bath).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .constants import FARADAY
from .grid.mesh import FaceKind
from .physics.residual import species_flux_terms, species_fluxes


def cross_section_fluxes(problem, state):
    """Species fluxes through every z-face column, shape (N, nz + 1), in problem.discretization.flux_unit."""
    flux_z, _ = species_fluxes(state, problem.grid, problem.parameters)
    return flux_z.sum(axis=-1) * problem.discretization.flux_scale


def current_profile(problem, state):
    """Electric current through every z-face column (nz + 1,), A (or A/m, A/m²)."""
    return FARADAY * jnp.einsum("i,in->n", problem.parameters.valence, cross_section_fluxes(problem, state))


def conservation_error(problem, state) -> float:
    """max_i |I_i − I_mid| / max_i Σ_s F |z_s| (J⁺_s,i + J⁻_s,i): 0 for exact conservation.

    The denominator is the gross (one-way, forward plus backward) charge exchange through
    a cross-section, so the error stays meaningful at zero current (equilibrium,
    reversal potential), where the net fluxes themselves are round-off.
    """
    (forward, backward), _ = species_flux_terms(state, problem.grid, problem.parameters)
    valence = np.asarray(problem.parameters.valence)[:, None]
    net = np.asarray((forward - backward).sum(axis=-1))
    gross = np.asarray((forward + backward).sum(axis=-1))
    current = (valence * net).sum(axis=0)
    scale = (np.abs(valence) * gross).sum(axis=0).max()
    return float(np.max(np.abs(current - current[len(current) // 2])) / scale)


def wall_potential(problem, state):
    """Potential on every wall face from the surface-charge condition, φ_w = φ_K + σ d / (ε₀ ε_r).

    Returns (z, r, phi) arrays (m, m, V) over the wall faces (z faces then r faces).
    """
    grid, params, scales = problem.grid, problem.parameters, problem.scales
    phi = state[..., 0]
    active = np.asarray(grid.active)
    out = []
    for axis, kind, dist, sigma, fz, fr in (
        (0, grid.zface_kind, grid.zface_distance, params.zface_charge, grid.zface_z, grid.zface_r),
        (1, grid.rface_kind, grid.rface_distance, params.rface_charge, grid.rface_z, grid.rface_r),
    ):
        mask = np.asarray(kind) == FaceKind.WALL
        # The active cell beside each wall face, and its permittivity.
        pad = lambda a, fill: jnp.concatenate([jnp.full_like(jnp.take(a, jnp.array([0]), axis=axis), fill), a,
                                               jnp.full_like(jnp.take(a, jnp.array([0]), axis=axis), fill)], axis=axis)
        act = np.asarray(pad(jnp.asarray(active, float), 0.0)) > 0
        n = act.shape[axis]
        before = np.take(act, range(0, n - 1), axis=axis)
        phi_p, eps_p = pad(phi, 0.0), pad(params.permittivity, 1.0)
        take = lambda a, lo: jnp.take(a, jnp.arange(lo, lo + n - 1), axis=axis)
        phi_cell = jnp.where(before, take(phi_p, 0), take(phi_p, 1))
        eps_cell = jnp.where(before, take(eps_p, 0), take(eps_p, 1))
        value = phi_cell + sigma * dist / eps_cell
        out.append((np.asarray(fz)[mask], np.asarray(fr)[mask], np.asarray(value)[mask]))
    z = np.concatenate([o[0] for o in out]) * scales.length
    r = np.concatenate([o[1] for o in out]) * scales.length
    return z, r, np.concatenate([o[2] for o in out]) * scales.voltage
