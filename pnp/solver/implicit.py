"""Exact derivatives of a converged state by implicit differentiation.

At the solution R(y*(p), p) = 0, so dy*/dp = −J⁻¹ ∂R/∂p with J = ∂R/∂y. ``jax.lax.custom_root``
carries this for forward mode (one solve J ẏ = −∂R/∂p ṗ per tangent) and, through
``custom_linear_solve``'s transpose, for reverse mode (one adjoint solve Jᵀλ = ȳ per
cotangent). The iterations that found y* are never differentiated.

The tangent solve receives the linear map v ↦ J v (or its transpose) as a function; its band
is recovered by the same colored JVPs as the Newton Jacobian (Jᵀ fits the same couplings,
which are closed under transposition) and solved by the same backends, rows equilibrated as
in Newton. Problem-agnostic: ``fn(y, args)`` as for :func:`pnp.solver.newton_solve`.
"""

from __future__ import annotations

import jax

from ..linalg import registry
from ..linalg.band import Couplings, equilibrate
from .jacobian import band_jacobian
from .packing import pack, unpack


def tangent_solver(couplings: Couplings | None, linear_solver: str):
    """``solve(g, y)`` for a linear map g on states: x with g(x) = y; transposable.

    The solve runs on the packed vector (one array): a right-hand side whose fields are partly
    constant (a parameter that enters only some equations) still transposes as one linear input.
    """

    def band_solve(linear_map, rhs):
        _, jacobian = band_jacobian(linear_map, rhs * 0.0, couplings)
        matrix, scaled = equilibrate(jacobian, rhs)
        return registry.solve(matrix, scaled, linear_solver)

    def solve(linear_map, rhs):
        packed_map = lambda x: pack(linear_map(unpack(x, rhs)))
        x = jax.lax.custom_linear_solve(packed_map, pack(rhs), solve=band_solve, transpose_solve=band_solve)
        return unpack(x, rhs)

    return solve


def implicit_root(fn, args, root, *, couplings: Couplings | None, linear_solver: str):
    """``root`` (a state with fn(root, args) = 0, found by any procedure: Newton, a continuation
    path) with the implicit derivatives dy*/d args attached; the value is ``root`` unchanged."""
    return jax.lax.custom_root(lambda y: fn(y, args), jax.lax.stop_gradient(root), lambda _, start: start,
                               tangent_solver(couplings, linear_solver))
