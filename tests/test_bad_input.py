"""Bad input fails fast with a ValueError naming the offending field."""

import pytest

import pnp


@pytest.mark.parametrize("concentration", [0.0, -1.0])
def test_non_positive_concentration(concentration):
    with pytest.raises(ValueError, match="Cl-"):
        pnp.Electrolyte({"K+": 10.0, "Cl-": concentration})


def test_non_electroneutral_bath():
    with pytest.raises(ValueError, match="electroneutral"):
        pnp.Electrolyte({"K+": 10.0, "Cl-": 5.0})


def test_unknown_ion():
    with pytest.raises(ValueError, match="unknown ion 'Xy\\+'"):
        pnp.Electrolyte({"Xy+": 10.0, "Cl-": 10.0})


@pytest.mark.parametrize("make, field", [
    (lambda: pnp.Cylinder(0.0, 1e-7), "radius"),
    (lambda: pnp.Cylinder(-5e-9, 1e-7), "radius"),
    (lambda: pnp.Cylinder(5e-9, 0.0), "length"),
    (lambda: pnp.Cone(-1e-9, 5e-8, 1e-6), "tip_radius"),
    (lambda: pnp.Cone(6e-8, 5e-8, 1e-6), "tip_radius"),
    (lambda: pnp.Slit(0.0, 1e-7), "height"),
    (lambda: pnp.Membrane(-1e-6, fixed_charge=-10.0), "thickness"),
    (lambda: pnp.Membrane(1e-6, fixed_charge=-10.0, bath_layer=0.0), "bath_layer"),
    (lambda: pnp.ChargedWall(-0.01, length=-1.0), "length"),
])
def test_impossible_geometry(make, field):
    with pytest.raises(ValueError, match=field):
        make()


def test_bad_mesh_and_baths():
    with pytest.raises(ValueError, match="growth"):
        pnp.Mesh(growth=1.0)
    with pytest.raises(ValueError, match="same ions"):
        pnp.solve(pnp.Membrane(1e-6, fixed_charge=-10.0), pnp.Electrolyte({"K+": 1.0, "Cl-": 1.0}),
                  right=pnp.Electrolyte({"Na+": 1.0, "Cl-": 1.0}))
    with pytest.raises(ValueError, match="voltage"):
        pnp.solve(pnp.ChargedWall(-0.01), pnp.Electrolyte({"K+": 1.0, "Cl-": 1.0}), float("nan"))


def test_voltage_on_a_single_bath_geometry():
    with pytest.raises(ValueError, match="single bath"):
        pnp.solve(pnp.ChargedWall(-0.01), pnp.Electrolyte({"K+": 1.0, "Cl-": 1.0}), 0.1)
