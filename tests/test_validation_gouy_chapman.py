"""V1 (VALIDATION.md): Gouy–Chapman wall, 1:1 and 2:1 salts, with second-order mesh convergence.

The wall potential is reconstructed from the surface-charge condition (φ_w = φ_0 + σd/ε),
which is second-order accurate like the scheme itself.
"""

import numpy as np
import pytest

import pnp
from pnp import analytic
from pnp.constants import thermal_voltage
from pnp.validation_problems import V1_CASES

V1 = V1_CASES[0]  # σ = −0.05 C/m², 10 mM KCl, refinement 2
FINE = pnp.Mesh(refinement=2)


def wall_potential(sol):
    return float(sol.wall_potential()[2][0])


@pytest.fixture(scope="module")
def kcl_wall():
    return V1.solve()


def test_gouy_chapman_surface_potential(kcl_wall):
    psi0 = V1.measure(kcl_wall)
    assert psi0 == pytest.approx(V1.expected, rel=V1.tolerance)  # -110.767 mV, 0.1 % (VALIDATION V1)


def test_gouy_chapman_profile_pointwise(kcl_wall):
    x = kcl_wall.z[:, 0]
    phi = kcl_wall.potential[:, 0]
    for position, expected in ((3.042e-9, -30.853e-3), (1e-9, -66.606e-3)):
        assert np.interp(position, x, phi) == pytest.approx(expected, rel=5e-3)  # 0.5 % pointwise
    exact = analytic.gouy_chapman_potential(x, -110.767e-3, 10.0)
    near = x < 10e-9  # where |ψ| > 1 mV, relative errors are meaningful
    assert np.max(np.abs(phi[near] / exact[near] - 1.0)) < 5e-3


def test_gouy_chapman_wall_counterion_enrichment(kcl_wall):
    enrichment = np.exp(-wall_potential(kcl_wall) / thermal_voltage())
    assert enrichment == pytest.approx(74.534, rel=5e-3)
    # the solved first-cell concentration obeys Boltzmann with the solved potential
    c_k = kcl_wall.concentration("K+")[0, 0]
    assert c_k / 10.0 == pytest.approx(np.exp(-kcl_wall.potential[0, 0] / thermal_voltage()), rel=1e-8)


@pytest.mark.parametrize("case", V1_CASES[1:], ids=lambda c: c.key)
def test_gouy_chapman_other_cases(case):
    got, _ = case.run()  # σ = −0.01 C/m², 10 mM → −39.699 mV; σ = −0.05, 100 mM → −56.864 mV
    assert got == pytest.approx(case.expected, rel=case.tolerance)


@pytest.mark.parametrize("sigma", [-0.05, 0.05])
def test_grahame_two_to_one_salt(sigma):
    """MgCl2 (2:1), both wall signs, against the general-valence Grahame equation and PB profile."""
    bath = pnp.Electrolyte.from_salts({"MgCl2": 10.0})
    sol = pnp.solve(pnp.ChargedWall(sigma), bath, mesh=FINE)
    expected = analytic.grahame_surface_potential(sigma, bath.concentrations, bath.valences)
    assert wall_potential(sol) == pytest.approx(expected, rel=1e-3)
    x = sol.z[:, 0]
    near = x < 5e-9
    exact = analytic.planar_pb_potential(x[near], sigma, bath.concentrations, bath.valences)
    assert np.max(np.abs(sol.potential[near, 0] / exact - 1.0)) < 5e-3


def test_second_order_mesh_convergence():
    """Refining every cell by 2 divides the ψ0 error by ≈ 4 (observed order ≥ 1.8)."""
    errors = [V1.error(V1.run(refinement)[0]) for refinement in (1, 2, 4)]
    # reference value has 6 significant digits; keep the finest error well above 1e-6
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"V1 ψ0 relative errors {errors}, observed orders {orders}")
    assert errors[-1] > 5e-6
    assert np.all(orders >= 1.8)
