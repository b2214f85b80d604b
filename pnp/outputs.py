"""Differentiable outputs as pure functions of the nondimensional :class:`Parameters`.

The public API differentiates end to end (``jax.grad(lambda s: pnp.solve(...).current)``);
these functions are the lower-level form for optimizers and batched studies: each takes a
:class:`pnp.problem.Problem` (for the grid, the model and the SI scales), the ``params`` to
evaluate at (a :class:`Parameters` pytree: differentiate, ``vmap`` or ``jit`` with respect to
it) and a ``guess`` — a converged state of a nearby problem, e.g. ``pnp.solve(...).state``.
The steady state is Newton from ``guess`` only (no continuation), with implicit derivatives
(:mod:`pnp.steady`); the quantities come from :mod:`pnp.quantity`.

Non-convergence from ``guess`` cannot raise inside ``jit``; the outputs are then NaN (and so
are their derivatives), never a finite wrong number. Use :func:`converged` to check outside
``jit``, or start from a closer state.
"""

from __future__ import annotations

from . import quantity
from .physics.parameters import Parameters
from .solver.newton import NewtonOptions
from .steady import solve_system


def steady_state(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Converged state at ``params`` (NaN where Newton did not converge from ``guess``)."""
    state, _ = solve_system(problem.at(params).system, guess, options, continuation=False)
    return state


def converged(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()) -> bool:
    """Whether Newton converges from ``guess`` at ``params`` (outside jit, for checks)."""
    _, result = solve_system(problem.at(params).system, guess, options, continuation=False)
    return bool(result.converged)


def fluxes(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Species fluxes through the mid cross-section, (N,) in mol/s (mol s⁻¹ m⁻¹ planar, mol s⁻¹ m⁻² 1D)."""
    return quantity.fluxes(problem.at(params), steady_state(problem, params, guess, options))


def current(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Electric current I = F Σ z_i J_i through the mid cross-section (A), positive along +z."""
    return quantity.current(problem.at(params), steady_state(problem, params, guess, options))


def flow_rate(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Solvent volume flow rate through the mid cross-section (m³/s; m²/s planar), positive along
    +z, of a problem solved with flow (``flow=True``)."""
    return quantity.flow_rate(problem.at(params), steady_state(problem, params, guess, options))


def selectivity(problem, params: Parameters, guess, ion: int, other: int, options: NewtonOptions = NewtonOptions()):
    """Separation factor S = (J_ion / J_other) / (c_ion / c_other) of the left (feed) bath.

    ``ion`` and ``other`` are species indices (``problem.species("Li+")``).
    """
    return quantity.selectivity(fluxes(problem, params, guess, options), params.left_concentration, ion, other)


def rectification(problem, params: Parameters, guess_plus, guess_minus, options: NewtonOptions = NewtonOptions()):
    """r = |I(+V)| / |I(−V)| with V = ``params.left_potential`` (> 0; right bath at its potential).

    ``guess_plus``/``guess_minus``: converged states near +V and −V.
    """
    u = params.left_potential - params.right_potential
    plus = current(problem, params, guess_plus, options)
    minus = current(problem, params.replace(left_potential=params.right_potential - u), guess_minus, options)
    return quantity.rectification(plus, minus)


def zero_current_potential(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions(),
                           max_iterations: int = 30, tolerance: float = 1e-10):
    """Left-bath potential at zero current, V₀ (nondimensional, units of kT/e), as an implicit root.

    Secant iteration from ``params.left_potential`` (each point by Newton from the previous
    state, starting at ``guess``); differentiated by the implicit function theorem on
    I(V₀(p), p) = 0. Multiply by ``problem.scales.voltage`` for volts; the membrane potential
    φ_right − φ_left is −V₀. NaN if the root was not found.
    """
    u0 = params.left_potential - params.right_potential
    root, _, _ = quantity.zero_current_potential(problem.at(params), guess, u0, u0 + 0.1, options=options,
                                                 tolerance=tolerance, max_iterations=max_iterations,
                                                 continuation=False)
    return root + params.right_potential


def conductance(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()):
    """Differential conductance dI/dV (S; S/m planar, S/m² 1D) at ``params``' voltage, exact:
    one tangent solve (forward mode in the left-bath potential), no finite difference."""
    return quantity.conductance(problem.at(params), guess, options)


def electrokinetic_coefficients(problem, params: Parameters, guess, options: NewtonOptions = NewtonOptions()) -> dict:
    """The exact linear response at ``params``' voltage and pressure of a problem solved with flow
    (``flow=True``), by tangent solves: a dict of ``hydraulic_conductance`` ∂Q/∂Δp (m³ s⁻¹ Pa⁻¹),
    ``electroosmotic_conductance`` ∂Q/∂V (m³ s⁻¹ V⁻¹), ``streaming_conductance`` ∂I/∂Δp (A/Pa),
    ``conductance`` ∂I/∂V (S), ``streaming_potential_coefficient`` −(∂I/∂Δp)/(∂I/∂V) (V/Pa) and
    ``electroosmotic_mobility`` (m² V⁻¹ s⁻¹); per metre of depth for planar channels
    (:func:`pnp.quantity.electrokinetic_coefficients`). Each differentiates with respect to
    ``params`` (e.g. d(∂I/∂Δp)/dσ for a streaming-current design)."""
    return quantity.electrokinetic_coefficients(problem.at(params), guess, options)
