import csv
import dataclasses
import math
from pathlib import Path

import pytest

from pnp.ions import ION_DATABASE, Ion, get_ion

_ROOT = Path(__file__).resolve().parents[1]
_CSV = _ROOT / "docs" / "reference" / "ions.csv"


def _reference_rows():
    lines = [line for line in _CSV.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _number(text: str) -> float:
    return float(text.lstrip("~"))


def test_database_matches_reference_csv():
    rows = _reference_rows()
    assert len(rows) == 7
    for row in rows:
        ion = ION_DATABASE[row["ion"]]
        assert ion.name == row["ion"]
        assert ion.charge == int(row["z"])
        assert ion.diffusivity == pytest.approx(float(row["D_m2_per_s"]), rel=1e-12)
        assert ion.stokes_radius == pytest.approx(_number(row["stokes_radius_A"]) * 1e-10)
        assert ion.hydrated_radius == pytest.approx(_number(row["hydrated_radius_A"]) * 1e-10)
        assert ion.bare_radius == pytest.approx(_number(row["shannon_radius_A"]) * 1e-10)
        assert ion.hydration_energy == pytest.approx(_number(row["dG_hyd_kJ_per_mol"]) * 1e3)
        for citation in ("CRC", "Nightingale 1959", "Shannon 1976", "Marcus 1991"):
            assert citation in ion.source


def test_database_spot_values_and_proton_hydroxide():
    assert ION_DATABASE["K+"].diffusivity == 1.957e-9
    assert ION_DATABASE["Li+"].hydrated_radius == pytest.approx(3.82e-10)
    assert ION_DATABASE["Mg2+"].hydration_energy == pytest.approx(-1.830e6)
    h, oh = ION_DATABASE["H+"], ION_DATABASE["OH-"]
    assert (h.charge, h.diffusivity) == (1, 9.311e-9)
    assert (oh.charge, oh.diffusivity) == (-1, 5.273e-9)
    for ion in (h, oh):
        assert ion.stokes_radius is ion.hydrated_radius is ion.bare_radius is None
        assert ion.hydration_energy is None
        assert "CRC" in ion.source


def test_database_keys_are_canonical_names():
    assert set(ION_DATABASE) == {"Li+", "Na+", "K+", "Mg2+", "Ca2+", "Cl-", "SO4^2-", "H+", "OH-"}
    assert all(name == ion.name for name, ion in ION_DATABASE.items())


@pytest.mark.parametrize(
    "alias, canonical",
    [
        ("K", "K+"),
        ("K+", "K+"),
        ("k+", "K+"),
        (" K + ", "K+"),
        ("Mg++", "Mg2+"),
        ("Mg2+", "Mg2+"),
        ("Mg+2", "Mg2+"),
        ("mg", "Mg2+"),
        ("Mg²⁺", "Mg2+"),
        ("Cl", "Cl-"),
        ("Cl-", "Cl-"),
        ("SO4--", "SO4^2-"),
        ("SO4^2-", "SO4^2-"),
        ("SO42-", "SO4^2-"),
        ("SO4-2", "SO4^2-"),
        ("Ca2+", "Ca2+"),
        ("Li", "Li+"),
        ("Na+", "Na+"),
        ("H+", "H+"),
        ("OH-", "OH-"),
    ],
)
def test_get_ion_aliases(alias, canonical):
    assert get_ion(alias) is ION_DATABASE[canonical]


def test_get_ion_returns_ion_unchanged():
    custom = Ion("NO3-", -1, 1.902e-9)
    assert get_ion(custom) is custom


@pytest.mark.parametrize("name", ["Xx", "K2+", "Cl+", ""])
def test_get_ion_unknown_name(name):
    with pytest.raises(ValueError) as info:
        get_ion(name)
    message = str(info.value)
    assert f"unknown ion {name!r}" in message
    assert "known ions are Li+, Na+, K+" in message
    assert "pnp.Ion(name=..., charge=..., diffusivity=...)" in message


def test_get_ion_rejects_other_types():
    with pytest.raises(TypeError):
        get_ion(3)


def test_ion_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ION_DATABASE["K+"].charge = 2


def test_ion_converts_numpy_like_numbers():
    np = pytest.importorskip("numpy")
    ion = Ion("X+", np.int64(1), np.float32(1e-9))
    assert type(ion.charge) is int and type(ion.diffusivity) is float


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"charge": 0}, "charge"),
        ({"charge": 1.5}, "charge"),
        ({"charge": True}, "charge"),
        ({"diffusivity": 0.0}, "diffusivity"),
        ({"diffusivity": -1e-9}, "diffusivity"),
        ({"diffusivity": math.inf}, "diffusivity"),
        ({"diffusivity": math.nan}, "diffusivity"),
        ({"diffusivity": "1e-9"}, "diffusivity"),
        ({"stokes_radius": 0.0}, "stokes_radius"),
        ({"hydrated_radius": -3e-10}, "hydrated_radius"),
        ({"bare_radius": math.nan}, "bare_radius"),
        ({"hydration_energy": math.inf}, "hydration_energy"),
        ({"name": ""}, "name"),
    ],
)
def test_ion_validation_names_field(kwargs, field):
    args = {"name": "X+", "charge": 1, "diffusivity": 1e-9} | kwargs
    with pytest.raises(ValueError, match=field):
        Ion(**args)
