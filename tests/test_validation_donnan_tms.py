"""V4 (VALIDATION.md): Donnan partitioning and the TMS membrane potential (1D, fixed charge X).

The TMS theory puts the baths directly at the membrane faces; the PNP model has solution
layers of thickness δ (default 10 λ_D of the dilute bath) whose concentration polarization
adds an error ∝ δ/L. With L = 100 µm (δ/L ≈ 3e-4) it is below 0.05 mV; the last test shows
that scaling.
"""

import numpy as np
import pytest

import pnp
from pnp import analytic
from pnp.constants import thermal_voltage
from pnp.validation_problems import V4_TMS_CASES, donnan

C1 = pnp.Electrolyte({"K+": 100.0, "Cl-": 100.0})
C2 = C1.with_concentrations([10.0, 10.0])


@pytest.mark.parametrize("fixed_charge", [-1000.0, -100.0, 100.0])
def test_donnan_equilibrium_inside_membrane(fixed_charge):
    case = donnan(fixed_charge)  # 2 µm membrane in 100 mM KCl (C1)
    got, sol = case.run()
    assert got == pytest.approx(case.expected, rel=case.tolerance)
    middle = sol.potential.shape[0] // 2
    inside, potential = analytic.donnan(fixed_charge, C1.concentrations, C1.valences)
    np.testing.assert_allclose(sol.concentrations[:, middle, 0], inside, rtol=1e-8)
    assert sol.potential[middle, 0] == pytest.approx(potential, rel=1e-8)
    if fixed_charge < 0:  # 1:1 closed form, φ_D = −(kT/e) ln(c₊/c₀)
        c_plus = np.sqrt(fixed_charge**2 / 4 + 100.0**2) + abs(fixed_charge) / 2
        assert sol.potential[middle, 0] == pytest.approx(-thermal_voltage() * np.log(c_plus / 100.0), rel=1e-8)


@pytest.mark.parametrize("case", V4_TMS_CASES, ids=lambda c: c.key)
def test_tms_membrane_potential(case):
    """X = 0, −100, −1000 mM: −1.112, 46.665, 58.899 mV (100 µm membrane, 100 | 10 mM KCl)."""
    got, sol = case.run()
    membrane_potential = -sol.voltage  # E = φ₂ − φ₁ = −V
    assert got == membrane_potential * 1e3
    assert got == pytest.approx(case.expected, abs=case.tolerance)  # tolerance 0.2 mV
    tms = analytic.tms_membrane_potential(case.fixed_charge, 100.0, 10.0, C1.diffusivities[0], C1.diffusivities[1])
    assert membrane_potential == pytest.approx(tms, abs=0.2e-3)
    assert abs(sol.current) < 1e-9 * np.abs(sol.flux_profile).max() * 96485.0


@pytest.mark.slow
def test_tms_error_scales_with_solution_layer_over_thickness():
    tms = analytic.tms_membrane_potential(-100.0, 100.0, 10.0, C1.diffusivities[0], C1.diffusivities[1])
    errors = []
    for thickness in (10e-6, 100e-6):
        sol = pnp.zero_current_voltage(pnp.Membrane(thickness, fixed_charge=-100.0, bath_layer=30e-9), C1, C2)
        errors.append(abs(-sol.voltage - tms))
    print(f"TMS errors (V) at δ/L = 3e-3, 3e-4: {errors}")
    assert 5.0 < errors[0] / errors[1] < 20.0  # ∝ δ/L
