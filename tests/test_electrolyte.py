import math

import numpy as np
import pytest

from pnp.electrolyte import SALTS, Electrolyte
from pnp.ions import ION_DATABASE, Ion


def kcl(c=100.0, **kwargs):
    return Electrolyte({"K+": c, "Cl-": c}, **kwargs)


def test_arrays_and_names():
    e = Electrolyte({"Mg++": 500, "Cl": 1030, "Li": 30})
    assert e.names == ("Mg2+", "Cl-", "Li+")
    assert e.ions == (ION_DATABASE["Mg2+"], ION_DATABASE["Cl-"], ION_DATABASE["Li+"])
    np.testing.assert_array_equal(e.concentrations, [500.0, 1030.0, 30.0])
    np.testing.assert_array_equal(e.valences, [2.0, -1.0, 1.0])
    np.testing.assert_array_equal(e.diffusivities, [0.706e-9, 2.032e-9, 1.029e-9])
    for array in (e.concentrations, e.valences, e.diffusivities):
        assert array.dtype == np.float64
        with pytest.raises(ValueError):
            array[0] = 1.0
    assert e.concentration("Mg2+") == 500.0
    assert e.concentration("mg") == 500.0
    assert e.concentration(ION_DATABASE["Li+"]) == 30.0


def test_defaults():
    e = kcl()
    assert e.temperature == 298.15
    assert e.relative_permittivity == 78.5


def test_debye_length_kcl():
    assert kcl().debye_length == pytest.approx(0.9619e-9, rel=1e-4)
    # 0.3042 / sqrt(c[M]) nm for a 1:1 salt
    assert kcl(10.0).debye_length == pytest.approx(0.3042e-9 / math.sqrt(0.01), rel=1e-4)


def test_debye_length_uses_ionic_strength():
    e = Electrolyte.from_salts({"MgCl2": 100})
    assert e.ionic_strength == pytest.approx(300.0)
    assert e.debye_length == pytest.approx(kcl(300.0).debye_length, rel=1e-12)


def test_conductivity_kcl():
    assert kcl().conductivity == pytest.approx(1.498, rel=1e-4)


def test_thermal_voltage():
    assert kcl().thermal_voltage == pytest.approx(25.6926e-3, rel=1e-5)
    assert kcl(temperature=310.0).thermal_voltage == pytest.approx(25.6926e-3 * 310 / 298.15)


def test_from_salts_merges_ions():
    e = Electrolyte.from_salts({"LiCl": 30, "MgCl2": 500})
    assert e.names == ("Li+", "Cl-", "Mg2+")
    assert e.concentration("Li+") == 30.0
    assert e.concentration("Mg2+") == 500.0
    assert e.concentration("Cl-") == 1030.0


def test_from_salts_forwards_keywords():
    e = Electrolyte.from_salts({"KCl": 10}, temperature=310.0, relative_permittivity=30.0)
    assert (e.temperature, e.relative_permittivity) == (310.0, 30.0)


@pytest.mark.parametrize("salt", sorted(SALTS))
def test_every_salt_is_neutral(salt):
    e = Electrolyte.from_salts({salt: 7.0})
    assert float(e.valences @ e.concentrations) == 0.0


def test_from_salts_unknown_salt():
    with pytest.raises(ValueError) as info:
        Electrolyte.from_salts({"KNO3": 10})
    message = str(info.value)
    assert "unknown salt 'KNO3'" in message
    assert "LiCl" in message and "MgSO4" in message
    assert "Electrolyte({" in message


@pytest.mark.parametrize("value", [0, -5, math.nan, "10"])
def test_from_salts_bad_concentration(value):
    with pytest.raises(ValueError, match="concentration of salt 'KCl'"):
        Electrolyte.from_salts({"KCl": value})


def test_from_salts_empty():
    with pytest.raises(ValueError, match="salts is empty"):
        Electrolyte.from_salts({})


def test_custom_ion():
    nitrate = Ion("NO3-", -1, 1.902e-9)
    e = Electrolyte({"K+": 10, nitrate: 10})
    assert e.names == ("K+", "NO3-")
    assert e.concentration("NO3-") == 10.0
    assert e.concentration(nitrate) == 10.0


def test_empty_composition():
    with pytest.raises(ValueError, match="concentrations is empty"):
        Electrolyte({})


def test_not_a_mapping():
    with pytest.raises(ValueError, match="concentrations must be a mapping"):
        Electrolyte([("K+", 1.0), ("Cl-", 1.0)])


@pytest.mark.parametrize("value", [0.0, -1, math.inf, math.nan, "1", None])
def test_nonpositive_concentration(value):
    with pytest.raises(ValueError) as info:
        Electrolyte({"K+": 1.0, "Cl-": value})
    message = str(info.value)
    assert "concentration of 'Cl-'" in message
    assert "concentrations must be positive (mol/m³)" in message
    assert "1e-3 mol/m³" in message


def test_concentration_message_format():
    with pytest.raises(ValueError) as info:
        Electrolyte({"K+": 1.0, "Cl-": -1})
    assert str(info.value).startswith("concentration of 'Cl-' is -1 mol/m³; concentrations")


def test_duplicate_after_alias_resolution():
    message = r"concentrations lists ion 'K\+' twice \(as 'K' and 'k\+'\)"
    with pytest.raises(ValueError, match=message):
        Electrolyte({"K": 1.0, "k+": 1.0, "Cl-": 2.0})


def test_unknown_ion_in_composition():
    with pytest.raises(ValueError, match="unknown ion 'Xx'"):
        Electrolyte({"Xx": 1.0})


def test_not_electroneutral_suggests_last_counter_ion():
    with pytest.raises(ValueError) as info:
        Electrolyte({"Cl-": 30, "Li+": 30, "Mg2+": 500, "SO4^2-": 10})
    message = str(info.value)
    assert "concentrations are not electroneutral" in message
    assert "+980 mol/m³" in message
    # last anion is SO4^2-: 10 + 980 / 2 = 500
    assert "concentration of 'SO4^2-' to 500 mol/m³" in message


def test_not_electroneutral_negative_net():
    with pytest.raises(ValueError) as info:
        Electrolyte({"K+": 100, "Na+": 5, "Cl-": 110})
    message = str(info.value)
    assert "-5 mol/m³" in message
    assert "concentration of 'Na+' to 10 mol/m³" in message


def test_not_electroneutral_without_counter_ion():
    with pytest.raises(ValueError) as info:
        Electrolyte({"K+": 100})
    message = str(info.value)
    assert "concentrations are not electroneutral" in message
    assert "Add an anion" in message and "'Cl-' at 100 mol/m³" in message


def test_electroneutrality_tolerance():
    Electrolyte({"K+": 100, "Cl-": 100 * (1 + 1e-8)})
    Electrolyte({"K+": 100, "Cl-": 101}, electroneutrality_rtol=1e-2)
    with pytest.raises(ValueError, match="electroneutrality_rtol"):
        kcl(electroneutrality_rtol=-1.0)


@pytest.mark.parametrize("value", [0.0, -10.0, math.nan, "298"])
def test_bad_temperature(value):
    with pytest.raises(ValueError, match="temperature"):
        kcl(temperature=value)


@pytest.mark.parametrize("value", [0.0, -1.0, math.inf])
def test_bad_relative_permittivity(value):
    with pytest.raises(ValueError, match="relative_permittivity"):
        kcl(relative_permittivity=value)


def test_immutable():
    e = kcl()
    with pytest.raises(AttributeError):
        e.temperature = 300.0
    with pytest.raises(AttributeError):
        e._concentrations = np.ones(2)


def test_with_concentrations_sequence_and_mapping():
    e = Electrolyte.from_salts({"LiCl": 30, "MgCl2": 500}, temperature=300.0)
    f = e.with_concentrations([10.0, 210.0, 100.0])
    assert f.names == e.names
    np.testing.assert_array_equal(f.concentrations, [10.0, 210.0, 100.0])
    assert f.temperature == 300.0
    g = e.with_concentrations({"Mg": 100, "Cl": 230})
    np.testing.assert_array_equal(g.concentrations, [30.0, 230.0, 100.0])
    np.testing.assert_array_equal(e.concentrations, [30.0, 1030.0, 500.0])  # unchanged


def test_with_concentrations_revalidates():
    e = kcl()
    with pytest.raises(ValueError, match="not electroneutral"):
        e.with_concentrations({"K+": 50})
    with pytest.raises(ValueError, match="concentration of 'K\\+'"):
        e.with_concentrations([-1.0, -1.0])
    with pytest.raises(ValueError, match="with_concentrations got 3 concentrations for 2 species"):
        e.with_concentrations([1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="ion 'Na\\+' is not in this electrolyte"):
        e.with_concentrations({"Na+": 1.0})


def test_with_concentrations_keeps_tolerance():
    e = Electrolyte({"K+": 100, "Cl-": 101}, electroneutrality_rtol=1e-2)
    e.with_concentrations([50.0, 50.5])


def test_scaled():
    e = Electrolyte.from_salts({"LiCl": 30, "MgCl2": 500})
    s = e.scaled(0.1)
    np.testing.assert_allclose(s.concentrations, [3.0, 103.0, 50.0])
    assert s.debye_length == pytest.approx(e.debye_length * math.sqrt(10))
    for factor in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="scaled factor"):
            e.scaled(factor)


def test_concentration_of_absent_ion():
    message = r"ion 'Na\+' is not in this electrolyte \(species: K\+, Cl-\)"
    with pytest.raises(ValueError, match=message):
        kcl().concentration("Na+")


def test_equality_hash_repr():
    a = kcl()
    b = Electrolyte({"K": 100.0, "Cl": 100})
    assert a == b and hash(a) == hash(b)
    assert a != kcl(10.0)
    assert a != kcl(temperature=300.0)
    assert a != kcl(relative_permittivity=30.0)
    assert a != Electrolyte({"Cl-": 100, "K+": 100})  # species order matters
    assert a != "KCl"
    text = repr(a)
    assert "'K+': 100" in text and "'Cl-': 100" in text and "298.15" in text and "78.5" in text
