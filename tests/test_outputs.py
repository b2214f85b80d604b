"""Differentiable outputs (pnp.outputs): values equal the SI API's, gradients equal central
differences (relative error ≤ 1e-5, issue 4), in a 1D charged membrane between unequal baths."""

import jax
import numpy as np
import pytest

import pnp
from pnp import outputs

from helpers import assert_gradient_matches_central_difference

FEED = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 20.0})
PERMEATE = FEED.scaled(0.1)
MEMBRANE = pnp.Membrane(2e-6, fixed_charge=-40.0)
INPUTS = ("left_concentration", "right_concentration", "diffusivity", "fixed_charge", "left_potential",
          "permittivity")


@pytest.fixture(scope="module")
def solved():
    return {v: pnp.solve(MEMBRANE, FEED, v, right=PERMEATE) for v in (-0.1, 0.1)}


def test_current_and_fluxes_equal_the_solution(solved):
    sol = solved[0.1]
    p = sol.problem.parameters
    assert float(outputs.current(sol.problem, p, sol.state)) == pytest.approx(sol.current, rel=1e-9)
    flux = np.asarray(outputs.fluxes(sol.problem, p, sol.state))
    np.testing.assert_allclose(flux, [sol.fluxes[name] for name in FEED.names], rtol=1e-9)


def test_selectivity_value_and_gradients(solved):
    sol = solved[0.1]
    li, mg = FEED.names.index("Li+"), FEED.names.index("Mg2+")

    def s(params):
        return outputs.selectivity(sol.problem, params, sol.state, li, mg)

    expected = (sol.fluxes["Li+"] / sol.fluxes["Mg2+"]) / (30.0 / 20.0)
    assert float(s(sol.problem.parameters)) == pytest.approx(expected, rel=1e-9)
    assert_gradient_matches_central_difference(s, sol.problem.parameters, INPUTS)


def test_rectification_value_and_gradients(solved):
    plus, minus = solved[0.1], solved[-0.1]

    def r(params):
        return outputs.rectification(plus.problem, params, plus.state, minus.state)

    assert float(r(plus.problem.parameters)) == pytest.approx(abs(plus.current) / abs(minus.current), rel=1e-9)
    assert_gradient_matches_central_difference(r, plus.problem.parameters, INPUTS)


def test_zero_current_potential_is_the_root_and_differentiates(solved):
    sol = solved[0.1]
    thermal = sol.problem.scales.voltage
    reference = pnp.zero_current_voltage(MEMBRANE, FEED, PERMEATE)

    def v0(params):
        return outputs.zero_current_potential(sol.problem, params, sol.state)

    value = float(jax.jit(v0)(sol.problem.parameters)) * thermal
    assert value == pytest.approx(reference.voltage, abs=1e-9)
    names = [n for n in INPUTS if n != "left_potential"]  # V₀ does not depend on the start voltage
    assert_gradient_matches_central_difference(v0, sol.problem.parameters, names)
    assert float(np.abs(jax.grad(v0)(sol.problem.parameters).left_potential)) < 1e-12


def test_unconverged_output_is_nan_not_a_number_from_a_wrong_state(solved):
    sol = solved[0.1]
    p = sol.problem.parameters
    far = p.replace(left_potential=p.left_potential + 80.0)
    options = pnp.NewtonOptions(max_iterations=2)
    assert not outputs.converged(sol.problem, far, sol.state, options)
    assert np.isnan(float(outputs.current(sol.problem, far, sol.state, options)))


def test_conductance_is_the_exact_slope_and_differentiates(solved):
    sol = solved[0.1]
    p = sol.problem.parameters
    thermal = sol.problem.scales.voltage

    def g(params):
        return outputs.conductance(sol.problem, params, sol.state)

    h = 1e-4  # kT/e
    slope = (outputs.current(sol.problem, p.replace(left_potential=p.left_potential + h), sol.state)
             - outputs.current(sol.problem, p.replace(left_potential=p.left_potential - h), sol.state)) / (2 * h * thermal)
    assert float(g(p)) == pytest.approx(float(slope), rel=1e-7)
    assert_gradient_matches_central_difference(g, p, ("fixed_charge", "left_concentration", "diffusivity"))


def test_jacrev_of_all_fluxes_equals_per_ion_gradients(solved):
    """jax.jacrev of the flux vector (one adjoint solve per ion) equals jax.grad of each flux, and
    jax.jvp along a direction equals the Jacobian applied to it."""
    sol = solved[0.1]
    p = sol.problem.parameters

    def fluxes(params):
        return outputs.fluxes(sol.problem, params, sol.state)

    jacobian = jax.jacrev(fluxes)(p)
    direction = jax.tree_util.tree_map(np.zeros_like, p).replace(fixed_charge=np.ones_like(p.fixed_charge),
                                                                 left_potential=np.asarray(0.5))
    _, tangent = jax.jvp(fluxes, (p,), (direction,))
    for ion in range(len(FEED.names)):
        grad = jax.grad(lambda q: fluxes(q)[ion])(p)
        for name in ("fixed_charge", "left_concentration", "diffusivity"):
            np.testing.assert_allclose(np.asarray(getattr(jacobian, name)[ion]), np.asarray(getattr(grad, name)),
                                       rtol=1e-9, atol=1e-12 * float(np.abs(getattr(grad, name)).max()))
        applied = float(np.sum(jacobian.fixed_charge[ion] * direction.fixed_charge)
                        + jacobian.left_potential[ion] * direction.left_potential)
        assert float(tangent[ion]) == pytest.approx(applied, rel=1e-9)
