"""Channel robustness (issue 3): a stress grid of 36 (σ, c, V, r_tip) cone cases.

Cones with tips of 5 and 10 nm (base 100 nm, length 1 µm), σ ∈ {−0.3, −0.1, −0.01} C/m²,
KCl 1, 100, 1000 mol/m³, V = ±2 V (from a sweep continued from 0 V). Each case converges
(finite fields, positive concentrations, current conserved to 1e-8) or raises
ConvergenceError naming the ramped parameter. The mesh is fixed (first cell 0.05 nm) so
each tip radius compiles once; it is coarse (refinement 0.35): this checks robustness,
not accuracy.
"""

import itertools

import numpy as np
import pytest

import pnp

pytestmark = pytest.mark.slow
MESH = pnp.Mesh(wall_cell=0.05e-9, refinement=0.35)
RESERVOIRS = pnp.Reservoirs(radius=1e-6, length=1e-6)


def check_converged_or_clear_error(tip, sigma, c):
    try:
        iv = pnp.sweep(pnp.Cone(tip, 100e-9, 1e-6, sigma, reservoirs=RESERVOIRS),
                       pnp.Electrolyte({"K+": c, "Cl-": c}), [-2.0, 2.0], mesh=MESH)
    except pnp.ConvergenceError as error:
        assert error.parameter and "Residual history" in str(error)
        return None
    for sol in iv.solutions:
        assert np.all(np.isfinite(sol.potential[np.asarray(sol.problem.grid.active)]))
        assert np.nanmin(sol.concentrations) > 0
        assert sol.conservation_error < 1e-8
    return iv


def test_highly_charged_narrow_tip_at_two_volts():
    """σ = −0.3 C/m², 1 mM, ±2 V, 5 nm tip: must converge (not just raise)."""
    iv = check_converged_or_clear_error(5e-9, -0.3, 1.0)
    assert iv is not None
    assert iv.currents[-1] > 0 > iv.currents[0]


@pytest.mark.parametrize("tip, sigma, c", list(itertools.product((5e-9, 10e-9), (-0.3, -0.1, -0.01),
                                                                   (1.0, 100.0, 1000.0))))
def test_stress_grid(tip, sigma, c):
    check_converged_or_clear_error(tip, sigma, c)
