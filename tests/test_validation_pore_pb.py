"""V2 (VALIDATION.md): Poisson–Boltzmann in a long cylinder (2D axisymmetric) and slit (2D planar).

Pores of length 100 nm (≥ 30 λ_D) with the baths at their ends; the mid-length cross-section
is the infinitely long pore. ψ(a) comes from the surface-charge condition, ψ(0) from the
symmetric quadratic through the two cells nearest the axis.
"""

import numpy as np
import pytest

import pnp
from pnp import analytic

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
@pytest.mark.parametrize("sigma, psi_wall, psi_axis", [(0.001, 6.907e-3, 3.830e-3), (0.01, 51.454e-3, 24.984e-3)])
def test_pb_cylinder(sigma, psi_wall, psi_axis, sign):
    sol = pnp.solve(pnp.Cylinder(5e-9, 100e-9, sign * sigma, reservoirs=None), KCL_10, mesh=MESH)
    r, phi, wall, axis = mid_section(sol, 100e-9)
    assert wall == pytest.approx(sign * psi_wall, rel=2e-3)  # tolerance 0.2 %
    assert axis == pytest.approx(sign * psi_axis, rel=2e-3)
    exact = analytic.pb_cylinder_potential(r, 5e-9, sign * sigma, KCL_10.concentrations, KCL_10.valences)
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
    errors = []
    for refinement in (1, 2, 4):
        sol = pnp.solve(pnp.Cylinder(5e-9, 100e-9, -0.01, reservoirs=None), KCL_10,
                        mesh=pnp.Mesh(refinement=refinement))
        errors.append(abs(mid_section(sol, 100e-9)[2] / -51.454e-3 - 1.0))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"V2 ψ(a) relative errors {errors}, observed orders {orders}")
    assert errors[0] < 5e-3 and np.all(orders >= 1.8)
