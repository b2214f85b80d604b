"""V6 (VALIDATION.md): rectification trends of a charged conical channel in KCl.

Cone: tip 10 nm (left), base 200 nm, length 2 µm; r = |I(+1 V)| / |I(−1 V)|. With σ < 0
cations flowing tip → base (V > 0) enrich the channel: r > 1 at intermediate c; r → 1 as
σ → 0 and at 1 M; r peaks at an intermediate concentration and falls below 1 at very low
c, where concentration polarization at the permselective tip dominates. Charge
conjugation (σ → −σ with D₊ ↔ D₋) maps I(V) to −I(−V), hence r → 1/r exactly.
"""

import pytest

import pnp

pytestmark = pytest.mark.slow
MESH = pnp.Mesh(refinement=0.5)


def cone(sigma, length=2e-6):
    return pnp.Cone(10e-9, 200e-9, length, sigma)


def kcl(c):
    return pnp.Electrolyte({"K+": c, "Cl-": c})


def rectification(geometry, electrolyte, mesh=MESH):
    return pnp.sweep(geometry, electrolyte, [-1.0, 1.0], mesh=mesh).rectification(1.0)


@pytest.fixture(scope="module")
def r_vs_concentration():
    r = {c: rectification(cone(-0.05), kcl(c)) for c in (1.0, 10.0, 100.0, 1000.0)}
    print(f"r(1 V) vs KCl concentration (mol/m³): {r}")
    return r


def test_rectifies_forward_at_intermediate_concentration(r_vs_concentration):
    assert r_vs_concentration[100.0] > 1.5


def test_rectification_maximum_at_intermediate_concentration(r_vs_concentration):
    r = r_vs_concentration
    assert r[100.0] > r[10.0] > r[1.0]
    assert r[100.0] > r[1000.0]


def test_rectification_vanishes_at_one_molar_and_inverts_at_low_concentration(r_vs_concentration):
    assert abs(r_vs_concentration[1000.0] - 1.0) < abs(r_vs_concentration[100.0] - 1.0) / 3
    assert r_vs_concentration[1.0] < 1.0


def test_rectification_vanishes_for_uncharged_wall():
    assert rectification(cone(-1e-4), kcl(100.0)) == pytest.approx(1.0, abs=0.01)


def test_charge_conjugation_inverts_rectification():
    """σ → −σ with D₊ ↔ D₋ gives exactly 1/r."""
    d_k, d_cl = pnp.get_ion("K+").diffusivity, pnp.get_ion("Cl-").diffusivity
    swapped = pnp.Electrolyte({pnp.Ion("A+", 1, d_cl): 100.0, pnp.Ion("B-", -1, d_k): 100.0})
    r = rectification(cone(-0.05), kcl(100.0))
    r_conjugate = rectification(cone(0.05), swapped)
    assert r_conjugate == pytest.approx(1.0 / r, rel=1e-6)


def test_shorter_cones_rectify_less():
    assert rectification(cone(-0.05, length=0.5e-6), kcl(100.0)) < rectification(cone(-0.05), kcl(100.0))


def test_rectification_is_mesh_converged():
    coarse = rectification(cone(-0.05), kcl(100.0), mesh=pnp.Mesh(refinement=0.5))
    fine = rectification(cone(-0.05), kcl(100.0), mesh=pnp.Mesh(refinement=1.0))
    print(f"r(1 V) at refinement 0.5: {coarse:.5f}, at 1.0: {fine:.5f}")
    assert fine == pytest.approx(coarse, rel=0.01)  # tolerance 1 % (VALIDATION V6)
