"""Channel validation (issue 3): V3 long-channel conductance, V5 Ohmic limits, double-layer
overlap, reservoir-size independence (VALIDATION.md).
"""

import pytest

import pnp
from pnp import analytic
from pnp.validation_problems import V3_CASES, V5_CONE, V5_CYLINDER

KCL_D = (1.957e-9, 2.032e-9)


def kcl(c):
    return pnp.Electrolyte({"K+": c, "Cl-": c})


def linear_response(geometry, electrolyte, mesh=pnp.Mesh(), dv=1e-3):
    """Sweep at ±dv: half-differences cancel the equilibrium part exactly."""
    return pnp.sweep(geometry, electrolyte, [-dv, dv], mesh=mesh)


@pytest.mark.parametrize("case", V3_CASES, ids=lambda c: c.key)
def test_v3_long_channel_conductance(case):
    """0.04786, 0.04962, 0.13165, 1.1800 nS at 0.1, 10, 100, 1000 mM (mid-channel field)."""
    g, _ = case.run()
    print(f"V3 c = {case.concentration} mM: G = {g:.5f} nS (reference {case.expected} nS, "
          f"{100 * (g / case.expected - 1):+.3f} %)")
    assert g == pytest.approx(case.expected, rel=case.tolerance)  # tolerance 0.5 % (VALIDATION V3)
    assert g == pytest.approx(case.exact_nS(), rel=case.tolerance)


def test_v5_uncharged_cylinder_with_access_resistance():
    bath = kcl(1000.0)
    g, _ = V5_CYLINDER.run()
    print(f"V5 cylinder: G = {g:.3f} nS (reference 42.24 nS, {100 * (g / 42.24 - 1):+.2f} %)")
    assert g == pytest.approx(V5_CYLINDER.expected, rel=V5_CYLINDER.tolerance)  # 42.24 nS, tolerance 3 %
    assert g * 1e-9 == pytest.approx(analytic.ohmic_cylinder_conductance(5e-9, 20e-9, bath.conductivity),
                                     rel=V5_CYLINDER.tolerance)


@pytest.mark.slow
def test_v5_uncharged_cone():
    bath = kcl(1000.0)
    g, _ = V5_CONE.run()
    print(f"V5 cone: G = {g:.3f} nS (reference 18.98 nS, {100 * (g / 18.98 - 1):+.2f} %)")
    assert g == pytest.approx(V5_CONE.expected, rel=V5_CONE.tolerance)  # 18.98 nS, tolerance 2 %
    assert g * 1e-9 == pytest.approx(analytic.ohmic_cone_conductance(10e-9, 500e-9, 12e-6, bath.conductivity),
                                     rel=V5_CONE.tolerance)


def test_reservoir_size_independence():
    """Default reservoirs (50 mouth radii) vs twice as large: conductance changes < 1 %."""
    bath = kcl(100.0)
    default = linear_response(pnp.Cylinder(5e-9, 50e-9, -0.02), bath).chord_conductance()
    larger = linear_response(pnp.Cylinder(5e-9, 50e-9, -0.02, reservoirs=pnp.Reservoirs(500e-9, 500e-9)),
                             bath).chord_conductance()
    print(f"G default reservoirs {default:.6e} S, 2x reservoirs {larger:.6e} S")
    assert larger == pytest.approx(default, rel=1e-2)


@pytest.mark.slow
def test_cone_reservoir_size_independence_under_concentration_polarization():
    """A cone at 1 mM with charged membrane faces, ±1 V: the salt that the current drives through
    the tip builds a concentration-polarization zone whose reach is set by the wide end. With the
    default reservoirs (50 radii of the wider mouth, both sides) the currents change < 1 % when both
    reservoirs double (measured: within 0.01 % at ±1 V; the former 50 radii of each side's own mouth, 500 nm
    at the tip, gave −10.4 % against 10 µm reservoirs)."""
    bath = kcl(1.0)
    currents = [[float(s.current) for s in pnp.sweep(pnp.Cone(10e-9, 200e-9, 2e-6, -0.05, reservoirs), bath,
                                                    [-1.0, 1.0], mesh=pnp.Mesh(refinement=0.35)).solutions]
                for reservoirs in (pnp.Reservoirs(membrane_charge=-0.05),
                                   pnp.Reservoirs(20e-6, 20e-6, membrane_charge=-0.05))]
    (default_minus, default_plus), (larger_minus, larger_plus) = currents
    print(f"I(-1 V), I(+1 V): default reservoirs {default_minus:.6e}, {default_plus:.6e} A; "
          f"2x reservoirs {larger_minus:.6e}, {larger_plus:.6e} A")
    assert default_minus == pytest.approx(larger_minus, rel=1e-2)
    assert default_plus == pytest.approx(larger_plus, rel=1e-2)


def axis_and_transference(c, sigma=-0.02, radius=2e-9):
    iv = linear_response(pnp.Cylinder(radius, 100e-9, sigma, reservoirs=None), kcl(c))
    plus, minus = iv.solutions[-1], iv.solutions[0]
    mid = plus.z.shape[0] // 2
    c_axis = [0.5 * (plus.concentrations[k, mid, 0] + minus.concentrations[k, mid, 0]) for k in range(2)]
    j_k = 0.5 * (plus.fluxes["K+"] - minus.fluxes["K+"])
    current = 0.5 * (plus.current - minus.current)
    t_plus = pnp.constants.FARADAY * j_k / current
    return c_axis, t_plus


def test_double_layer_overlap_excludes_coions():
    """2 nm radius, σ = −0.02 C/m²: at 1 mM the co-ion is excluded and t₊ > 0.99."""
    (c_k, c_cl), t_plus = axis_and_transference(1.0)
    assert c_cl < 0.01 * c_k
    assert t_plus > 0.99


def test_no_overlap_at_one_molar():
    """Same channel at 1 M: concentrations on the axis within 20 % of bulk, t₊ near the bulk value."""
    (c_k, c_cl), t_plus = axis_and_transference(1000.0)
    assert c_k == pytest.approx(1000.0, rel=0.2) and c_cl == pytest.approx(1000.0, rel=0.2)
    bulk_t_plus = KCL_D[0] / sum(KCL_D)
    assert abs(t_plus - bulk_t_plus) < 0.08
