"""Discrete current conservation: the current through every cross-section is equal (≤ 1e-8 rel)."""

import numpy as np
import pytest

import pnp
from pnp.constants import FARADAY

KCL = pnp.Electrolyte({"K+": 10.0, "Cl-": 10.0})


def test_membrane_with_gradient_and_voltage():
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL, 0.3, right=KCL.scaled(0.1))
    assert sol.conservation_error < 1e-8
    assert abs(sol.current) > 0


def test_charged_cylinder_with_reservoirs_under_voltage():
    sol = pnp.solve(pnp.Cylinder(5e-9, 50e-9, -0.02), KCL, 0.2)
    profile = sol.current_profile
    assert sol.conservation_error < 1e-8
    assert np.max(np.abs(profile / profile.mean() - 1.0)) < 1e-8
    assert sol.current > 0  # V = φ_left − φ_right > 0 drives cations (and current) to +z


def test_cation_flux_sign_convention():
    """Positive V pushes cations left → right (+z) and anions right → left."""
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=0.0), KCL, 0.05)
    assert sol.fluxes["K+"] > 0 > sol.fluxes["Cl-"]
    assert sol.current == pytest.approx(FARADAY * (sol.fluxes["K+"] - sol.fluxes["Cl-"]), rel=1e-12)


def test_transference_numbers_and_axial_profile():
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-100.0), KCL, 0.05)
    t = sol.transference_numbers
    assert sum(t.values()) == pytest.approx(1.0, rel=1e-12)
    assert t["K+"] > 0.9  # cation-exchange membrane at 10 mM
    z, phi, conc = sol.axial_profile()
    assert np.all(np.diff(z) > 0) and conc.shape == (2, len(z))
    np.testing.assert_allclose(conc[:, 0], KCL.concentrations, rtol=0.05)  # next to the left bath
