"""Plausibility guards (pnp.guards): implausible input is refused with the field, the value and the
fix; the memory guard refuses before building; the overrides work; an over-concentrated solution
warns; traced values are never checked."""

import warnings

import jax
import numpy as np
import pytest

import pnp
from pnp import guards
from pnp.case import Case
from pnp.electrolyte import SALTS
from pnp.geometry.channels import ChannelLayout
from pnp.guards import MemoryBudgetError, PhysicalLimitError, PhysicalLimitWarning
from pnp.problem import build_problem

KCL = pnp.Electrolyte.from_salts({"KCl": 100.0})
WALL_MESH = pnp.Mesh(wall_cell=0.02e-9, max_cell=2e-9)  # one mesh for every wall: compiled once


@pytest.fixture(autouse=True)
def _strict_limits(monkeypatch):
    """No override from the environment leaks into these tests."""
    monkeypatch.delenv("PNP_ALLOW_UNPHYSICAL", raising=False)
    monkeypatch.delenv("PNP_MEMORY_BUDGET_GB", raising=False)


@pytest.mark.parametrize("make, field", [
    (lambda: pnp.Cone(10, 200e-9, 2e-6), "Cone.tip_radius"),
    (lambda: pnp.Cone(10e-9, 200, 2e-6), "Cone.base_radius"),
    (lambda: pnp.Cone(10e-9, 200e-9, 2000), "Cone.length"),
    (lambda: pnp.Cylinder(5, 1e-6), "Cylinder.radius"),
    (lambda: pnp.Slit(10, 1e-6), "Slit.height"),
    (lambda: pnp.Membrane(20, fixed_charge=-100.0), "Membrane.thickness"),
    (lambda: pnp.Membrane(20e-6, fixed_charge=-100.0, bath_layer=30), "Membrane.bath_layer"),
    (lambda: pnp.ChargedWall(-0.05, length=50), "ChargedWall.length"),
    (lambda: pnp.Reservoirs(radius=1), "Reservoirs.radius"),
    (lambda: pnp.Reservoirs(length=1), "Reservoirs.length"),
    (lambda: pnp.Channel(lambda z: 5e-9 + 0.0 * z, 3), "Channel.length"),
])
def test_length_out_of_range(make, field):
    with pytest.raises(PhysicalLimitError, match=rf"{field} = .* is outside 0\.1 nm – 1 mm; lengths are in metres"):
        make()


def test_length_message_suggests_nanometres():
    with pytest.raises(ValueError, match=r"tip_radius = 10 m .* did you mean 10e-9 \(10 nm\)\? .*relaxed"):
        pnp.Cone(10, 200, 2000, -0.05)


def test_length_below_an_atom():
    with pytest.raises(PhysicalLimitError, match=r"Cylinder.radius = 0\.05 nm is outside .* lengths are in metres"):
        pnp.Cylinder(0.05e-9, 1e-6)


def test_lengths_at_the_limits_pass():
    pnp.Cylinder(0.1e-9, 1e-3, reservoirs=pnp.Reservoirs(1e-3, 1e-3))
    pnp.Membrane(1e-3, fixed_charge=-100.0)


def test_voltage_beyond_three_volts():
    with pytest.raises(PhysicalLimitError, match=r"voltage = 10 V is beyond ±3 V: .*electrode reactions.*10e-3"):
        pnp.Conditions(KCL, 10.0)
    with pytest.raises(PhysicalLimitError, match="voltage = -4 V"):
        pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL, -4.0)


def test_sweep_voltage_beyond_three_volts():
    """A sweep's voltages reach the problem through Problem.at_voltage."""
    problem = build_problem(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL)
    problem.at_voltage(3.0)
    with pytest.raises(PhysicalLimitError, match="voltage = 5 V"):
        problem.at_voltage(5.0)


def test_ion_above_five_molar():
    with pytest.raises(PhysicalLimitError, match=r"concentration of 'K\+' = 6000 mol/m³ \(6 M\) is above 5 M.*"
                                                  r"concentrations are in mol/m³ \(1 mol/m³ = 1 mM"):
        pnp.Electrolyte({"K+": 6000.0, "Cl-": 6000.0})


@pytest.mark.parametrize("salts, salt", [({"KCl": 5000.0}, "KCl"), ({"K2SO4": 1000.0}, "K2SO4"),
                                         ({"Na2SO4": 2500.0}, "Na2SO4")])
def test_salt_above_solubility(salts, salt):
    with pytest.raises(PhysicalLimitError, match=rf"M {salt} \(by the ion product\), above its solubility in water"):
        pnp.Electrolyte.from_salts(salts)


def test_concentrated_but_soluble_baths_pass():
    pnp.Electrolyte.from_salts({"KCl": 4000.0})
    pnp.Electrolyte.from_salts({"NaCl": 5000.0})
    pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 2000.0})


def test_solubility_table_covers_every_salt():
    assert set(guards.SOLUBILITY) == set(SALTS)


@pytest.mark.parametrize("make, field", [
    (lambda: pnp.ChargedWall(-1.0), "ChargedWall.surface_charge"),
    (lambda: pnp.Cone(10e-9, 200e-9, 2e-6, -0.6), "Cone.surface_charge"),
    (lambda: pnp.Cylinder(5e-9, 1e-6, 2.0), "Cylinder.surface_charge"),
    (lambda: pnp.Slit(10e-9, 1e-6, -0.8), "Slit.surface_charge"),
    (lambda: pnp.Reservoirs(membrane_charge=-5.0), "Reservoirs.membrane_charge"),
])
def test_surface_charge_beyond_half_a_coulomb(make, field):
    expected = rf"{field} = .* C/m² is beyond ±0\.5 C/m².*surface charge is in C/m²: if you meant .*µC/cm²"
    with pytest.raises(PhysicalLimitError, match=expected):
        make()


def test_fixed_charge_beyond_five_molar():
    with pytest.raises(PhysicalLimitError, match=r"Membrane.fixed_charge = -6000 mol/m³ \(-6 M\) is beyond ±5 M.*"
                                                  r"fixed charge is in mol/m³"):
        pnp.Membrane(1e-6, fixed_charge=-6000.0)


def test_functions_of_position_are_not_checked():
    pnp.ChargedWall(lambda z, r: -1.0 + 0.0 * z)


def test_case_file_length_names_the_field():
    text = """
[geometry]
kind = "cone"
tip_radius = "10 nm"
base_radius = "200 m"
length = "2 um"
surface_charge = "-0.05 C/m^2"
[electrolyte]
salts = { KCl = "100 mM" }
[voltage]
values = ["0 V"]
"""
    with pytest.raises(ValueError, match=r"base_radius = 200 m is outside .* did you mean 200e-9 \(200 nm\)"):
        Case.from_text(text)
    with pytest.raises(ValueError, match=r"\[electrolyte\].*KCl.*solubility"):
        Case.from_text(text.replace('"200 m"', '"200 nm"').replace('"100 mM"', '"5 M"'))


def test_memory_guard_refuses_the_two_kilometre_cone_before_building(monkeypatch):
    with guards.relaxed(), pytest.warns(PhysicalLimitWarning, match="lengths are in metres"):
        cone = pnp.Cone(10, 200, 2000, -0.05)

    def no_grid(*args):
        raise AssertionError("the grid was built")

    monkeypatch.setattr(ChannelLayout, "discretize", no_grid)
    with guards.memory_budget(guards.DEFAULT_MEMORY_BUDGET_GB), pytest.raises(
            MemoryBudgetError, match=r"would have 877 × 422 = 370,094 cells × 3 unknowns and need about 9\.\d+ GB "
                                     r".* above the memory budget of 8 GB.*PNP_MEMORY_BUDGET_GB="):
        pnp.solve(cone, KCL)


def test_memory_budget_overrides(monkeypatch):
    shape = (856, 401)
    with pytest.raises(MemoryBudgetError), guards.memory_budget(8):
        guards.check_memory(shape, 3)
    with guards.memory_budget(16):
        guards.check_memory(shape, 3)
    monkeypatch.setenv("PNP_MEMORY_BUDGET_GB", "16")
    assert guards.memory_budget_gb() == 16.0
    guards.check_memory(shape, 3)
    monkeypatch.setenv("PNP_MEMORY_BUDGET_GB", "lots")
    with pytest.raises(ValueError, match="PNP_MEMORY_BUDGET_GB = 'lots' must be a positive number of gigabytes"):
        guards.memory_budget_gb()


def test_dense_block_solvers_count_their_blocks():
    shape = (264, 105)  # the demo cone
    assert guards.memory_estimate(shape, 3, "cyclic_reduction") > guards.memory_estimate(shape, 3, "umfpack")


def test_relaxed_limits_warn_instead_of_raising(monkeypatch):
    with guards.relaxed(), pytest.warns(PhysicalLimitWarning, match="voltage = 10 V.*relaxed"):
        assert pnp.Conditions(KCL, 10.0).voltage == 10.0
    with pytest.raises(PhysicalLimitError):
        pnp.Conditions(KCL, 10.0)
    monkeypatch.setenv("PNP_ALLOW_UNPHYSICAL", "1")
    with pytest.warns(PhysicalLimitWarning, match="ChargedWall.surface_charge"):
        pnp.ChargedWall(-1.0)


def test_relaxed_does_not_lift_the_memory_budget():
    with guards.relaxed(), guards.memory_budget(1), pytest.raises(MemoryBudgetError):
        guards.check_memory((856, 401), 3)


def test_concentrated_solution_warns():
    """σ = −0.3 C/m² (allowed) packs K⁺ at the wall far beyond 5 M (Grahame: ≈ 25 M)."""
    with pytest.warns(PhysicalLimitWarning, match=r"reaches .* M of K\+ .* above 5 M: the dilute-solution PNP model "
                                                  r"is outside its validity"):
        pnp.solve(pnp.ChargedWall(-0.3, length=20e-9), KCL, mesh=WALL_MESH)
    with pytest.warns(PhysicalLimitWarning, match="dilute-solution"):
        pnp.sweep(pnp.ChargedWall(-0.3, length=20e-9), KCL, [0.0], mesh=WALL_MESH)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PhysicalLimitWarning)
        pnp.solve(pnp.ChargedWall(-0.05, length=20e-9), KCL, mesh=WALL_MESH)


def test_traced_values_are_not_checked():
    """Under jax.grad the guards see tracers and skip them: σ = −0.6 C/m² and a 2 m length go through."""
    assert jax.grad(lambda length: pnp.Cylinder(5e-9, length).length * 2.0)(2.0) == 2.0

    def wall_potential(sigma):
        return pnp.solve(pnp.ChargedWall(sigma, length=20e-9), KCL, mesh=WALL_MESH).potential[0, 0]

    with warnings.catch_warnings():
        warnings.simplefilter("error", PhysicalLimitWarning)
        slope = jax.grad(wall_potential)(-0.6)
    assert np.isfinite(slope) and slope > 0
