"""Random-input robustness (issue 2): Newton converges or raises ConvergenceError; never NaN.

50 random 1D cases: charged walls (σ log-uniform in ±[1e-4, 1] C/m²) at equilibrium, and
charged membranes (X log-uniform in ±[1, 1e4] mol/m³ — the fixed charge of a 1 nm layer
carrying 1e-4 … 1 C/m², X = σ/(F · 1 nm)) between baths of independent concentrations
(0.1 mol/m³ … 1 M) at V uniform in [−2, 2] V; 1:1 (KCl) and 2:1 (MgCl2) salts. Meshes are
fixed per family so the solver compiles once per family. The range goes beyond the plausibility
limits of :mod:`pnp.guards` (|σ| ≤ 0.5 C/m², |X| ≤ 5 M) on purpose: the solver must stay robust
there, so the cases run with the limits relaxed (they warn instead of raising).
"""

import warnings

import numpy as np
import pytest

import pnp
from pnp.constants import FARADAY

N_CASES = 50
WALL_MESH = pnp.Mesh(wall_cell=0.005e-9, max_cell=20e-9, growth=1.15)
MEMBRANE_MESH = pnp.Mesh(wall_cell=0.01e-9, max_cell=10e-9, growth=1.15)


def bath(salt, concentration):
    return pnp.Electrolyte.from_salts({salt: concentration})


def random_cases(seed=2026):
    rng = np.random.default_rng(seed)
    for k in range(N_CASES):
        salt = "KCl" if rng.random() < 0.5 else "MgCl2"
        sign = rng.choice([-1.0, 1.0])
        strength = 10 ** rng.uniform(-4, 0)  # C/m² (or its 1-nm-layer equivalent)
        c_left, c_right = 10 ** rng.uniform(-1, 3, size=2)
        voltage = rng.uniform(-2, 2)
        if k % 2 == 0:
            yield pytest.param("wall", salt, sign * strength, c_left, c_left, 0.0, id=f"wall-{k}")
        else:
            fixed = sign * strength / (FARADAY * 1e-9)
            yield pytest.param("membrane", salt, fixed, c_left, c_right, voltage, id=f"membrane-{k}")


@pytest.mark.slow
@pytest.mark.parametrize("kind, salt, charge, c_left, c_right, voltage", list(random_cases()))
def test_random_1d_case_converges_or_raises(kind, salt, charge, c_left, c_right, voltage):
    left, right = bath(salt, c_left), bath(salt, c_right)
    with pnp.guards.relaxed(), warnings.catch_warnings():
        warnings.simplefilter("ignore", pnp.guards.PhysicalLimitWarning)
        if kind == "wall":
            geometry, mesh = pnp.ChargedWall(charge, length=1e-6), WALL_MESH
        else:
            geometry, mesh = pnp.Membrane(200e-9, fixed_charge=charge, bath_layer=100e-9), MEMBRANE_MESH
        try:
            sol = pnp.solve(geometry, left, voltage, right=right, mesh=mesh)
        except pnp.ConvergenceError as error:
            assert error.parameter and "Residual history" in str(error)
            return
    assert np.all(np.isfinite(sol.potential)) and np.all(np.isfinite(sol.concentrations))
    assert np.all(sol.concentrations > 0)
    assert np.isfinite(sol.current)
    assert sol.conservation_error < 1e-8
    if kind == "wall":  # equilibrium: the diffuse charge balances the wall charge
        volume = np.asarray(sol.problem.grid.volume) * sol.problem.scales.length  # m³ per m² of wall
        diffuse = FARADAY * np.sum((left.valences[:, None, None] * sol.concentrations) * volume[None])
        assert diffuse == pytest.approx(-charge, rel=1e-6)
