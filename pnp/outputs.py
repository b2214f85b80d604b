"""Differentiable outputs of steady solves: pure functions of the nondimensional Parameters.

Each function takes a :class:`pnp.problem.Problem` (for the grid and the SI scales), the
``params`` to evaluate at (a :class:`Parameters` pytree: differentiate, ``vmap`` or
``jit`` with respect to it) and a ``guess`` — a converged state of a nearby problem, e.g.
``pnp.solve(...).state``. The steady state comes from :func:`pnp.solver.implicit_state`, so
``jax.grad``/``jax.jacrev``/``jax.jvp`` cost one adjoint/tangent solve per output or input
direction and never differentiate Newton iterations.

Outputs are evaluated through the mid-channel cross-section (the z-face column in the middle
of the grid), where discrete conservation makes every column equal to Newton tolerance.

Non-convergence from ``guess`` cannot raise inside ``jit``; the outputs are then NaN (and so
are their derivatives), never a finite wrong number. Use :func:`converged` to check outside
``jit``, or start from a closer state.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from . import observables
from .constants import FARADAY
from .physics.parameters import Parameters
from .solver.implicit import implicit_state
from .solver.newton import NewtonOptions, newton_solve


def steady_state(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Converged state at ``params`` (NaN where Newton did not converge from ``guess``)."""
    state, ok = implicit_state(guess, problem.grid, params, options)
    return jnp.where(ok, state, jnp.nan)


def converged(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()) -> bool:
    """Whether Newton converges from ``guess`` at ``params`` (outside jit, for checks)."""
    return bool(newton_solve(guess, problem.grid, params, options).converged)


def _at(problem, params):
    return dataclasses.replace(problem, parameters=params)


def _mid_fluxes(problem, params, state):
    profile = observables.cross_section_fluxes(_at(problem, params), state)
    return profile[:, profile.shape[1] // 2]


def _current(problem, params, state):
    return FARADAY * jnp.dot(params.valence, _mid_fluxes(problem, params, state))


def fluxes(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Species fluxes through the mid cross-section, (N,) in mol/s (mol s⁻¹ m⁻¹ planar, mol s⁻¹ m⁻² 1D)."""
    return _mid_fluxes(problem, params, steady_state(problem, params, guess, options))


def current(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Electric current I = F Σ z_i J_i through the mid cross-section (A), positive along +z."""
    return _current(problem, params, steady_state(problem, params, guess, options))


def selectivity(problem, params: Parameters, guess, ion: int, other: int, options: NewtonOptions = NewtonOptions()):
    """Separation factor S = (J_ion / J_other) / (c_ion / c_other) of the left (feed) bath.

    ``ion`` and ``other`` are species indices (``problem.left.names.index("Li+")``).
    """
    flux = fluxes(problem, params, guess, options)
    feed = params.left_concentration
    return (flux[ion] / flux[other]) / (feed[ion] / feed[other])


def rectification(problem, params: Parameters, guess_plus, guess_minus, options: NewtonOptions = NewtonOptions()):
    """r = |I(+V)| / |I(−V)| with V = ``params.left_potential`` (> 0; right bath at its potential).

    ``guess_plus``/``guess_minus``: converged states near +V and −V.
    """
    u = params.left_potential - params.right_potential
    plus = current(problem, params, guess_plus, options)
    minus = current(problem, params.replace(left_potential=params.right_potential - u), guess_minus, options)
    return jnp.abs(plus) / jnp.abs(minus)


def zero_current_potential(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions(),
                           max_iterations: int = 30, tolerance: float = 1e-10):
    """Left-bath potential at zero current, V₀ (nondimensional, units of kT/e), as an implicit root.

    Found by secant iteration on u ↦ I(u) from ``params.left_potential`` (each point by Newton
    from the previous state, starting at ``guess``); differentiated by the implicit function
    theorem on I(V₀(p), p) = 0: dV₀/dp = −(∂I/∂p)/(dI/dV). Multiply by ``problem.scales.voltage``
    for volts; the membrane potential φ_right − φ_left is −V₀. NaN if the root was not found.
    """

    def current_at(u, state):
        at_u = params.replace(left_potential=u)
        result = newton_solve(state, problem.grid, at_u, options)
        value = jnp.where(result.converged, _current(problem, at_u, result.state), jnp.nan)
        return value, result.state

    def find_root(_, u0):
        i0, s0 = current_at(u0, guess)
        u1 = u0 + 0.1
        i1, s1 = current_at(u1, s0)

        def cond(carry):
            k, (u0, i0), (u1, i1), _ = carry
            return (k < max_iterations) & (jnp.abs(u1 - u0) > tolerance) & jnp.isfinite(i1) & (i1 != i0)

        def body(carry):
            k, (u0, i0), (u1, i1), state = carry
            u2 = u1 - i1 * (u1 - u0) / (i1 - i0)
            i2, state = current_at(u2, state)
            return k + 1, (u1, i1), (u2, i2), state

        k, (u0, _), (u1, i1), _ = jax.lax.while_loop(cond, body, (0, (u0, i0), (u1, i1), s1))
        found = (jnp.abs(u1 - u0) <= tolerance) | (i1 == 0)
        return jnp.where(found, u1, jnp.nan)

    def residual(u):
        return current(problem, params.replace(left_potential=u), guess, options)

    return jax.lax.custom_root(residual, jax.lax.stop_gradient(params.left_potential), find_root,
                               lambda g, y: y / g(jnp.ones_like(y)))


def conductance(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Differential conductance dI/dV (S; S/m planar, S/m² 1D) at ``params``' voltage, exact:
    one tangent solve (forward mode in the left-bath potential), no finite difference."""

    def current_at(u):
        return current(problem, params.replace(left_potential=u), guess, options)

    _, slope = jax.jvp(current_at, (params.left_potential,), (jnp.ones_like(params.left_potential),))
    return slope / problem.scales.voltage
