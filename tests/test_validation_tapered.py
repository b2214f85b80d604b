"""Tapered channels against an independent reference, and their equilibrium.

* Uncharged steep cone (5 → 100 nm over 200 nm, 25° taper; the case of the DEVSIM comparison
  where two-point fluxes were 6 % high): pnp's linear-response conductance against κ·G, with G
  the geometric conductance factor of the Laplace problem in the same shape from P1 finite
  elements on their own mesh (tests/fe_reference.py), Richardson-extrapolated. Tolerance 0.3 %
  at refinement 2; observed order ≥ 1.8 (refinements 1 → 2).
* Charged steep cone at equal baths and V = 0: zero current and c_i = c_bath e^{−z_i φ} to
  round-off (the tangential flux terms vanish exactly at Boltzmann equilibrium).
"""

from __future__ import annotations

import numpy as np
import pytest

import pnp
from fe_reference import channel_mesh, conductance_factor, richardson
from pnp.physics.skew import SkewDisplacement, SkewTransport

KCL = pnp.Electrolyte.from_salts({"KCl": 100.0})
TIP, BASE, LENGTH = 5e-9, 100e-9, 200e-9  # 25° taper
CONDUCTANCE_TOLERANCE = 3e-3


def fe_conductance_factor(radius, length_nm, sizes=(0.1, 0.05, 0.025)):
    """Richardson limit of the FE conductance factor (nm) on meshes of first cell h (nm)."""
    values = [conductance_factor(*channel_mesh(radius, length_nm, h=h, ratio=1.1, largest=4 * h)) for h in sizes]
    limit, order = richardson(values, sizes)
    print(f"FE conductance factor (nm): {values} → {limit:.6f} (observed order {order:.2f})")
    return limit


def test_fe_reference_is_exact_for_a_cylinder():
    """The reference itself: G = πR²/L for a cylinder (exact for P1, any mesh)."""
    value = conductance_factor(*channel_mesh(lambda z: 4.0, 50.0, h=0.5))
    assert value == pytest.approx(np.pi * 16.0 / 50.0, rel=1e-12)


@pytest.mark.slow
def test_steep_cone_conductance_matches_finite_elements():
    reference = KCL.conductivity * fe_conductance_factor(
        lambda z: TIP / 1e-9 + (BASE - TIP) / 1e-9 * z / (LENGTH / 1e-9), LENGTH / 1e-9) * 1e-9
    refinements = (1.0, 2.0)
    cone = pnp.Cone(TIP, BASE, LENGTH, 0.0, reservoirs=None)
    values = [pnp.solve(cone, KCL, 0.0, mesh=pnp.Mesh(refinement=k)).conductance for k in refinements]
    errors = [v / reference - 1 for v in values]
    order = np.log(abs(errors[0] / errors[1])) / np.log(2.0)
    print(f"κG (FE) = {reference * 1e9:.6f} nS; pnp {[f'{v * 1e9:.6f}' for v in values]} nS, "
          f"errors {[f'{e:+.3%}' for e in errors]}, observed order {order:.2f}")
    assert abs(errors[-1]) < CONDUCTANCE_TOLERANCE
    assert order >= 1.8


def test_charged_steep_cone_is_at_boltzmann_equilibrium():
    solution = pnp.solve(pnp.Cone(TIP, BASE, LENGTH, -0.05, reservoirs=pnp.Reservoirs(200e-9, 200e-9)), KCL, 0.0,
                         mesh=pnp.Mesh(refinement=0.5))
    problem = solution.problem
    assert {SkewDisplacement, SkewTransport} <= {type(term) for term in problem.model.terms}, \
        "the cone grid must get the skew terms"
    active = np.asarray(problem.grid.active)
    phi = np.asarray(solution.state["potential"])
    log_c = np.asarray(solution.state["log_concentration"])
    params = problem.system.parameters
    valence, bath = np.asarray(params.valence), np.log(np.asarray(params.left_concentration))
    deviation = max(np.max(np.abs(log_c[i] + valence[i] * phi - bath[i])[active]) for i in range(len(valence)))
    current_scale = abs(pnp.solve(pnp.Cone(TIP, BASE, LENGTH, -0.05, reservoirs=pnp.Reservoirs(200e-9, 200e-9)),
                                  KCL, 0.01, mesh=pnp.Mesh(refinement=0.5)).current)
    print(f"min φ = {np.min(phi[active]):.3f} kT/e; max |ln c + zφ − ln c_bath| = {deviation:.2e}; I(0) = {solution.current:.2e} A, I(10 mV) = {current_scale:.2e} A")
    assert np.min(phi[active]) < -1.0  # a real double layer (φ below −kT/e at the wall)
    assert deviation < 1e-10
    assert abs(solution.current) < 1e-10 * current_scale
