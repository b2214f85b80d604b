"""Implicit differentiation of steady states (issue 4, core): gradients against central
finite differences, forward mode, and vmap over designs against a loop.

Each test solves once with the public API (warm start), then differentiates the steady state
of :func:`pnp.steady.solve_system` (Newton from that state, implicit derivatives) — the Newton
iterations are never differentiated.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pnp
from pnp import quantity
from pnp.steady import solve_system

from helpers import assert_gradient_matches_central_difference

KCL = pnp.Electrolyte({"K+": 10.0, "Cl-": 10.0})
INPUTS = ("left_potential", "left_concentration", "diffusivity", "permittivity", "fixed_charge", "rface_charge",
          "excess_potential")


def current_function(solution):
    problem = solution.problem
    mid = problem.grid.zface_area.shape[0] // 2

    def current(params):
        state, _ = solve_system(problem.at(params).system, solution.state, continuation=False)
        return quantity.current_profile(problem.at(params), state)[mid]

    return current


def check_gradients(solution, names):
    f = current_function(solution)
    assert_gradient_matches_central_difference(f, solution.problem.parameters, names)  # issue 4: 1e-5


def test_gradients_1d_membrane():
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL, 0.1, right=KCL.scaled(0.5))
    check_gradients(sol, [n for n in INPUTS if n != "rface_charge"])


@pytest.mark.slow
def test_gradients_2d_charged_pore():
    sol = pnp.solve(pnp.Cylinder(5e-9, 50e-9, -0.02, reservoirs=None), KCL, 0.1, right=KCL.scaled(0.5))
    check_gradients(sol, INPUTS)


def test_forward_mode_matches_reverse_mode():
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL, 0.1)
    f = current_function(sol)
    p0 = sol.problem.parameters
    tangent = jax.tree_util.tree_map(jnp.zeros_like, p0).replace(left_potential=jnp.array(1.0))
    _, forward = jax.jvp(f, (p0,), (tangent,))
    assert float(forward) == pytest.approx(float(jax.grad(f)(p0).left_potential), rel=1e-10)


def test_vmap_over_designs_matches_loop():
    """16 designs (fixed charge × voltage) in one vmapped solve equal the one-by-one solves to 1e-10."""
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL, 0.1)
    problem, p0 = sol.problem, sol.problem.parameters
    scales = jnp.linspace(0.9, 1.1, 4)
    voltages = p0.left_potential + jnp.linspace(-0.2, 0.2, 4)
    charge, volt = (a.ravel() for a in jnp.meshgrid(scales, voltages))
    batch = jax.vmap(lambda s, v: p0.replace(fixed_charge=p0.fixed_charge * s, left_potential=v))(charge, volt)

    def current(params):
        state, result = solve_system(problem.at(params).system, sol.state, continuation=False)
        return quantity.current_profile(problem.at(params), state).mean(), result.converged

    batched, ok = jax.jit(jax.vmap(current))(batch)
    assert bool(jnp.all(ok))
    looped = jnp.stack([current(jax.tree_util.tree_map(lambda a: a[k], batch))[0] for k in range(16)])
    np.testing.assert_allclose(np.asarray(batched), np.asarray(looped), rtol=1e-10)
