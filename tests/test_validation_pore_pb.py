"""V2 (VALIDATION.md): Poisson–Boltzmann in a long cylinder (2D axisymmetric) and slit (2D planar).

Pores of length 100 nm (≥ 30 λ_D) with the baths at their ends; the mid-length cross-section
is the infinitely long pore. ψ(a) comes from the surface-charge condition, ψ(0) from the
symmetric quadratic through the two cells nearest the axis.
"""

import numpy as np
import pytest

import dataclasses

import pnp
from pnp import analytic
from pnp.validation_problems import V2_CASES

KCL_10 = pnp.Electrolyte({"K+": 10.0, "Cl-": 10.0})
MESH = pnp.Mesh(refinement=2)


def mid_section(sol, length):
    column = int(np.argmin(np.abs(sol.z[:, 0] - length / 2)))
    z, _, phi_wall = sol.wall_potential()
    wall = phi_wall[np.argmin(np.abs(z - sol.z[column, 0]))]
    r, phi = sol.r[column], sol.potential[column]
    axis = (phi[0] * r[1] ** 2 - phi[1] * r[0] ** 2) / (r[1] ** 2 - r[0] ** 2)
    return r, phi, wall, axis


@pytest.mark.parametrize("sign", [-1.0, 1.0])
@pytest.mark.parametrize("case", V2_CASES, ids=lambda c: c.key)
def test_pb_cylinder(case, sign):
    """σ = −0.001 C/m²: ψ(a) = −6.907, ψ(0) = −3.830 mV; σ = −0.01: −51.454, −24.984 mV (and +σ → −ψ)."""
    case = dataclasses.replace(case, surface_charge=-sign * case.surface_charge, expected=-sign * case.expected,
                               axis_expected=-sign * case.axis_expected)
    sol = case.solve()
    r, phi, wall, axis = mid_section(sol, 100e-9)
    assert case.measure(sol) == pytest.approx(case.expected, rel=case.tolerance)  # tolerance 0.2 %
    assert wall * 1e3 == pytest.approx(case.expected, rel=case.tolerance)
    assert axis * 1e3 == pytest.approx(case.axis_expected, rel=case.tolerance)
    exact = analytic.pb_cylinder_potential(r, 5e-9, case.surface_charge, KCL_10.concentrations, KCL_10.valences)
    assert np.max(np.abs(phi / exact - 1.0)) < 2e-3


def test_pb_slit_planar():
    sigma, height = -0.01, 10e-9
    sol = pnp.solve(pnp.Slit(height, 100e-9, sigma, reservoirs=None), KCL_10, mesh=MESH)
    x, phi, wall, axis = mid_section(sol, 100e-9)
    exact = analytic.pb_slit_potential(np.array([0.0, height / 2]), height / 2, sigma, KCL_10.concentrations,
                                       KCL_10.valences)
    assert axis == pytest.approx(exact[0], rel=2e-3)
    assert wall == pytest.approx(exact[1], rel=2e-3)
    profile = analytic.pb_slit_potential(x, height / 2, sigma, KCL_10.concentrations, KCL_10.valences)
    assert np.max(np.abs(phi / profile - 1.0)) < 2e-3


def test_cylinder_wall_potential_converges_at_second_order():
    case = V2_CASES[1]  # σ = −0.01 C/m²
    errors = [case.error(case.run(refinement)[0]) for refinement in (1, 2, 4)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"V2 ψ(a) relative errors {errors}, observed orders {orders}")
    assert errors[0] < 5e-3 and np.all(orders >= 1.8)
