"""V7 (VALIDATION.md): the charge-mosaic equivalent circuit of source paper 2, from full PNP.

A Li⁺-selective phase (fixed charge −X₊, Mg²⁺ and Cl⁻ excluded by μ^ex = 40 RT) and a Cl⁻-selective
phase (+X₋, cations excluded) of thickness d = 400 µm in parallel between 30 mM LiCl + 0.5 M
MgCl₂ and 3 mM LiCl, at open circuit. X± are chosen (pnp.mosaic.ideal_phase) so that the phase
conductivities are the paper's σ₊ = 2.5e-4 S/cm and σ₋ = 7.9e-5 S/cm (ideal phase: σ = F² D |X| / RT). In this ideal,
membrane-limited limit the Li⁺ flux must follow Eq. 8 (pnp.analytic.cmm_lithium_flux) and the
best cation fraction θ_opt = √σ₋/(√σ₊ + √σ₋).
"""

import pytest
from scipy.optimize import minimize_scalar

import pnp
from pnp import analytic, mosaic
from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.validation_problems import (CMM_LAYER as LAYER, CMM_SIGMA_MINUS as SIGMA_MINUS,
                                     CMM_SIGMA_PLUS as SIGMA_PLUS, CMM_THICKNESS as THICKNESS, PER_HOUR,
                                     charge_mosaic, cmm_feed,
                                     cmm_phases as phases, cmm_receiving)

pytestmark = pytest.mark.slow

RT = GAS_CONSTANT * 298.15
FEED, RECEIVING = cmm_feed(), cmm_receiving()  # 30 mM LiCl + 0.5 M MgCl2 | 3 mM LiCl


@pytest.fixture(scope="module")
def ideal():
    cation, anion = phases()
    solutions, previous = {}, None
    for theta in (0.2, 0.36, 0.5, 0.8):
        previous = solutions[theta] = mosaic.open_circuit(cation, anion, theta, FEED, RECEIVING, start=previous)
    return solutions


def test_lithium_flux_follows_the_equivalent_circuit(ideal):
    for theta, sol in ideal.items():
        case = charge_mosaic(theta)
        assert case.passed(case.measure(sol))  # VALIDATION.md V7: 5 %
        pnp_flux, circuit = sol.fluxes["Li+"], case.expected / PER_HOUR
        print(f"θ = {theta}: J_Li PNP {pnp_flux:.6e}, Eq. 8 {circuit:.6e} mol m⁻² s⁻¹, "
              f"error {pnp_flux / circuit - 1:+.2e}, loop voltage {1e3 * sol.voltage:+.3f} mV")
        # VALIDATION.md V7 demands 5 %; measured ≤ 3.4e-4 (the residual is concentration
        # polarization in the 100 nm unstirred layers), so 1e-3 is asserted.
        assert pnp_flux == pytest.approx(circuit, rel=1e-3)


def test_loop_closes_and_mg_is_excluded(ideal):
    for sol in ideal.values():
        fluxes = sol.fluxes
        assert abs(sol.net_current) < 1e-9 * abs(sol.loop_current)
        assert fluxes["Cl-"] == pytest.approx(fluxes["Li+"], rel=1e-9)  # one Cl⁻ per Li⁺ around the loop
        assert sol.loop_current == pytest.approx(FARADAY * fluxes["Li+"], rel=1e-9)
        # Mg²⁺ still enters either phase with weight e^(−40) ≈ 4e-18 (times its Donnan factor)
        assert 0 <= fluxes["Mg2+"] < 1e-10 * fluxes["Li+"]


def test_optimal_cation_fraction():
    cation, anion = phases()
    state = {"start": None}

    def negative_flux(theta):
        state["start"] = mosaic.open_circuit(cation, anion, theta, FEED, RECEIVING, start=state["start"])
        return -state["start"].fluxes["Li+"]

    best = minimize_scalar(negative_flux, bounds=(0.2, 0.6), method="bounded", options={"xatol": 1e-4})
    expected = analytic.cmm_optimal_fraction(SIGMA_PLUS, SIGMA_MINUS)
    print(f"θ_opt: PNP {best.x:.5f}, equivalent circuit {expected:.5f}")
    assert best.x == pytest.approx(expected, abs=2e-3)


def test_flux_is_mesh_converged():
    cation, anion = phases()
    coarse, fine = (mosaic.open_circuit(cation, anion, 0.36, FEED, RECEIVING, mesh=pnp.Mesh(refinement=r)).fluxes["Li+"]
                    for r in (1.0, 2.0))
    print(f"J_Li at refinement 1: {coarse:.8e}, at 2: {fine:.8e}")
    assert fine == pytest.approx(coarse, rel=1e-5)


def test_finite_mg_exclusion_lowers_selectivity_monotonically():
    """Beyond the ideal circuit: a Li⁺ phase that lets Mg²⁺ in (μ^ex_Mg of a few RT) leaks Mg²⁺."""
    factors = []
    for exclusion in (10.0, 4.0, 0.0):
        cation, anion = phases(mg_exclusion=exclusion)
        factors.append(mosaic.open_circuit(cation, anion, 0.36, FEED, RECEIVING).separation_factor("Li+", "Mg2+"))
    print(f"S(Li/Mg) at μ^ex_Mg = 10, 4, 0 RT: {factors}")
    assert factors[0] > factors[1] > factors[2] > 1.0


def test_bad_input():
    cation, anion = phases()
    for theta in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="cation_fraction"):
            mosaic.open_circuit(cation, anion, theta, FEED, RECEIVING)
    no_layer = mosaic.MosaicPhase(pnp.Membrane(THICKNESS, fixed_charge=-5.0), {"Cl-": 40.0 * RT})
    with pytest.raises(ValueError, match="bath_layer"):
        mosaic.open_circuit(no_layer, anion, 0.5, FEED, RECEIVING)
    with pytest.raises(ValueError, match="pnp.Membrane"):
        mosaic.MosaicPhase(pnp.Cylinder(5e-9, 1e-6, -0.01))
    with pytest.raises(ValueError, match="conductivity"):
        mosaic.ideal_phase(THICKNESS, LAYER, 0.0, "Li+", ("Cl-",))
    with pytest.raises(ValueError, match="Xx"):
        mosaic.ideal_phase(THICKNESS, LAYER, 0.01, "Xx", ("Cl-",))


def test_ideal_phase_conductivity():
    """X from σ: a divalent counter-ion sits at c = σRT/(4F²D), fixed charge −2c."""
    phase = mosaic.ideal_phase(THICKNESS, LAYER, 0.01, "Mg2+", ("Cl-",))
    mg = pnp.get_ion("Mg2+")
    c = 0.01 * RT / (4 * FARADAY**2 * mg.diffusivity)
    assert phase.membrane.fixed_charge == pytest.approx(-2 * c, rel=1e-14)
    assert phase.excess_potential == {"Cl-": pytest.approx(40 * RT, rel=1e-14)}
