"""V9: charge regulation and ion binding on wall sites (pnp.SurfaceSites) against the closed form.

A planar wall of acidic sites (pK 3.8, 1 site/nm²) in 10 and 100 mM KCl at pH 5.5 / 7 / 10, and
one case with Mg²⁺ binding and a Stern layer: the regulated charge σ of the resolved double layer
against Grahame's equation + the site isotherm (:func:`pnp.analytic.regulated_wall`), 0.5 %
(measured: ≤ 7.9e-4 at refinement 1, order 2.0 from refinement 1 → 2 → 4). Also: the closed form
itself against the single-site formula, the wall chemistry in 2D, exact gradients with respect
to pK, an affinity, the site density and the Stern capacitance, and clear errors for bad input.
"""

import math
import warnings

import jax
import numpy as np
import pytest

import pnp
from pnp import analytic
from pnp.constants import ELEMENTARY_CHARGE, thermal_voltage
from pnp.guards import PhysicalLimitWarning
from pnp.validation_problems import v9_cases

CASES = v9_cases()
IDS = [case.key for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_regulated_charge_matches_closed_form(case):
    got, solution = case.run()
    assert case.passed(got), f"{case.key}: σ = {got:.6g} mC/m², expected {case.expected:.6g} (0.5 %)"
    # the diffuse-layer potential at the wall too (ψ_d of the closed form, same tolerance)
    _, psi_d, _ = case.closed_form()
    assert float(solution.wall_potential()[2][0]) == pytest.approx(psi_d, rel=5e-3)


@pytest.mark.slow
@pytest.mark.parametrize("case", [CASES[0], CASES[-1]], ids=[IDS[0], IDS[-1]])
def test_regulated_charge_converges_at_second_order(case):
    errors = [case.error(case.run(refinement)[0]) for refinement in (1.0, 2.0, 4.0)]
    orders = [math.log2(errors[k] / errors[k + 1]) for k in range(2)]
    print(f"{case.key}: errors {errors}, observed orders {orders}")
    assert errors[2] < errors[1] < errors[0] < 5e-3
    assert min(orders) > 1.8


def test_closed_form_reduces_to_the_single_site_formula():
    # σ = −eΓ / (1 + 10^(pK − pH) e^{−eψ₀/kT}) (Behrens–Grier), with σ on Grahame's curve at ψ₀
    for pH in (5.5, 7.0, 10.0):
        bath = pnp.Electrolyte.from_salts({"KCl": 10.0}, pH=pH)
        association = [1e-3 * 10**3.8 if name == "H+" else 0.0 for name in bath.names]
        sigma, psi_d, psi_0 = analytic.regulated_wall(1e18, bath.concentrations, bath.valences, association)
        assert psi_d == psi_0
        explicit = -ELEMENTARY_CHARGE * 1e18 / (1.0 + 10 ** (3.8 - pH) * np.exp(-psi_0 / thermal_voltage()))
        assert sigma == pytest.approx(explicit, rel=1e-12)
        assert sigma == pytest.approx(float(analytic.grahame_surface_charge(psi_d, bath.concentrations,
                                                                             bath.valences)), rel=1e-12)
    # more H⁺ (lower pH) protonates more sites: |σ| falls; a Stern layer lowers |σ| further
    assert abs(analytic.regulated_wall(1e18, bath.concentrations, bath.valences, association, 0.2)[0]) < abs(sigma)


def test_bath_ph_is_built_neutral_and_guarded():
    acid = pnp.Electrolyte.from_salts({"KCl": 10.0}, pH=4.0)
    assert acid.pH == pytest.approx(4.0)
    assert acid.concentration("Cl-") == pytest.approx(10.0 + 0.1 - 1e-7)  # HCl added
    base = pnp.Electrolyte.from_salts({"KCl": 10.0}, pH=11.0)
    assert base.concentration("K+") == pytest.approx(10.0 + 1.0 - 1e-8)  # KOH added
    assert base.concentration("OH-") == pytest.approx(1.0)
    for bad in (-1.0, 14.5, float("nan")):
        with pytest.raises(ValueError, match="pH"):
            pnp.Electrolyte.from_salts({"KCl": 10.0}, pH=bad)
    with pytest.raises(ValueError, match="H⁺ or OH⁻"):
        pnp.Electrolyte.from_salts({"HCl": 1.0}, pH=3.0)


def test_bad_sites_fail_fast_with_the_fix():
    with pytest.raises(ValueError, match="positive number of sites per m²"):
        pnp.SurfaceSites(-1e18, pK=3.8)
    with pytest.raises(pnp.guards.PhysicalLimitError, match=r"did you mean 2 sites/nm², i.e. 2e\+18"):
        pnp.SurfaceSites(2.0, pK=3.8)
    with pytest.raises(pnp.guards.PhysicalLimitError, match="beyond ±0.5 C/m²"):
        pnp.SurfaceSites(4.0e19, pK=3.8)
    with pytest.raises(ValueError, match="association constant must be ≥ 0"):
        pnp.SurfaceSites(1e18, binding={"Mg2+": -1.0})
    with pytest.raises(ValueError, match="stern_capacitance"):
        pnp.SurfaceSites(1e18, pK=3.8, stern_capacitance=0.0)
    with pytest.raises(ValueError, match="binds nothing"):
        pnp.SurfaceSites(1e18)
    with pytest.raises(ValueError, match="H⁺ must be a species"):
        pnp.solve(pnp.ChargedWall(pnp.SurfaceSites(1e18, pK=3.8)), pnp.Electrolyte.from_salts({"KCl": 10.0}))
    with pytest.raises(ValueError, match="cannot be mixed"):
        bath = pnp.Electrolyte.from_salts({"KCl": 10.0}, pH=7.0)
        sites = pnp.SurfaceSites(1e18, pK=3.8)
        pnp.solve(pnp.Cylinder(5e-9, 50e-9, sites, reservoirs=pnp.Reservoirs(membrane_charge=-0.01)), bath)
    with pytest.raises(ValueError, match="not in the electrolyte"):
        bath = pnp.Electrolyte.from_salts({"KCl": 10.0}, pH=7.0)
        pnp.solve(pnp.ChargedWall(pnp.SurfaceSites(1e18, pK=3.8, binding={"Mg2+": 0.01})), bath)


def test_binding_without_protons_and_in_a_cylinder():
    # Sites that bind only K⁺ (no pK, no H⁺ needed): the 1D wall against the closed form, and a
    # 2D cylinder whose wall faces carry the same chemistry, at equilibrium: no current, and every
    # pore-wall face regulated to a charge between 0 and the fully dissociated −eΓ
    bath = pnp.Electrolyte.from_salts({"KCl": 10.0})
    sites = pnp.SurfaceSites(5e17, binding={"K+": 0.05})
    wall = pnp.solve(pnp.ChargedWall(sites), bath)
    association = [0.05, 0.0]
    expected = analytic.regulated_wall(5e17, bath.concentrations, bath.valences, association)[0]
    assert float(wall.surface_charge()[2][0]) == pytest.approx(expected, rel=5e-3)
    pore = pnp.solve(pnp.Cylinder(3e-9, 30e-9, sites), bath, mesh=pnp.Mesh(refinement=0.5))
    z, r, sigma = pore.surface_charge()
    inside = (r > 2.9e-9) & (r < 3.1e-9) & (np.abs(z - z.mean()) < 5e-9)
    assert inside.any()
    assert np.all(sigma[inside] < 0) and np.all(sigma[inside] > -ELEMENTARY_CHARGE * 5e17)
    assert abs(pore.current) < 1e-20


def _charge(pK=3.8, log_k=math.log(0.01), density=1e18, stern=1.0, mesh=None):
    sites = pnp.SurfaceSites(density, pK=pK, binding={"Mg2+": jax.numpy.exp(log_k)}, stern_capacitance=stern)
    bath = pnp.Electrolyte.from_salts({"KCl": 10.0, "MgCl2": 1.0}, pH=7.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicalLimitWarning)
        return pnp.solve(pnp.ChargedWall(sites), bath, mesh=mesh).surface_charge()[2][0]


def test_gradients_of_the_regulated_charge_match_central_differences():
    mesh = pnp.frozen_mesh(pnp.ChargedWall(pnp.SurfaceSites(1e18, pK=3.8)),
                           pnp.Electrolyte.from_salts({"KCl": 10.0, "MgCl2": 1.0}, pH=7.0))
    point = dict(pK=3.8, log_k=math.log(0.01), density=1e18, stern=1.0)
    for name, h in (("pK", 1e-3), ("log_k", 1e-3), ("density", 1e14), ("stern", 1e-4)):
        grad = jax.grad(lambda x: _charge(**{**point, name: x}, mesh=mesh))(point[name])
        fd = (float(_charge(**{**point, name: point[name] + h}, mesh=mesh))
              - float(_charge(**{**point, name: point[name] - h}, mesh=mesh))) / (2 * h)
        print(name, float(grad), fd)
        assert float(grad) == pytest.approx(fd, rel=1e-5), name
