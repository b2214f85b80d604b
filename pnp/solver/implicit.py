"""Exact derivatives of the converged steady state by implicit differentiation.

At the solution R(x*(p), p) = 0, so dx*/dp = −J⁻¹ ∂R/∂p with J = ∂R/∂x. ``jax.lax.custom_root``
carries this for forward mode (one solve J ẋ = −∂R/∂p ṗ per tangent) and, through
``custom_linear_solve``'s transpose, for reverse mode (one adjoint solve Jᵀλ = x̄ per
cotangent). The Newton iterations themselves are never differentiated.

The tangent solve receives the linear map v ↦ J v (or its transpose) as a function; its band
is recovered by the same colored JVPs as the Newton Jacobian (Jᵀ has the same 5-point
stencil, and the "pnp" sparsity pattern covers Jᵀ too) and solved with the same backends
(:func:`pnp.linalg.solve_band`), rows equilibrated as in Newton.

Everything the residual closes over — grid metrics (hence geometry), surface and fixed
charges, bath concentrations and potentials, diffusivities, permittivity, excess
potentials — is differentiable. Works under jit and vmap (a batch of guesses and
parameters); the forward solve starts from ``guess``, which should be a converged state of
a nearby problem (e.g. from :func:`pnp.solve`), since no continuation runs inside.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..linalg.band import solve_band
from ..physics.residual import residual
from .jacobian import band_jacobian
from .newton import NewtonOptions, newton_solve


def _tangent_solve(method: str):
    """Solve g(x) = y for a linear map g; transposable (reverse mode) via custom_linear_solve."""

    def band_solve(linear_map, rhs):
        _, band = band_jacobian(linear_map, jnp.zeros_like(rhs), stencil=5)
        row_sum = jnp.abs(band).sum(axis=(2, 3, 4))
        scale = 1.0 / jnp.where(row_sum > 0, row_sum, 1.0)
        return solve_band(band * scale[:, :, None, None, None, :], rhs * scale, method=method, pattern="pnp")

    def solve(linear_map, rhs):
        return jax.lax.custom_linear_solve(linear_map, rhs, solve=band_solve, transpose_solve=band_solve)

    return solve


def implicit_state(guess, grid, params, options: NewtonOptions = NewtonOptions()):
    """Converged state x*(grid, params) with implicit derivatives; returns (state, converged).

    ``converged`` (bool array) reports whether Newton met its tolerances from ``guess``;
    check it (outside jit) before trusting the state and its derivatives.
    """

    def solve(_, start):
        result = newton_solve(start, grid, params, options)
        # auxiliary outputs get tangents; a float flag avoids float0 tangent types
        return result.state, result.converged.astype(start.dtype)

    state, converged = jax.lax.custom_root(
        lambda x: residual(x, grid, params), jax.lax.stop_gradient(guess), solve,
        _tangent_solve(options.linear_solver), has_aux=True,
    )
    return state, converged > 0.5
