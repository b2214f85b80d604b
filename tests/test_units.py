import pytest

from pnp.units import DIMENSIONS, format_quantity, parse_quantity


@pytest.mark.parametrize(
    "text, dimension, expected",
    [
        ("10 nm", "length", 1e-8),
        ("1.5um", "length", 1.5e-6),
        ("1.5 µm", "length", 1.5e-6),  # micro sign
        ("1.5 μm", "length", 1.5e-6),  # Greek mu
        ("2e-6 m", "length", 2e-6),
        ("4 Å", "length", 4e-10),
        ("4 angstrom", "length", 4e-10),
        (".5 mm", "length", 5e-4),
        ("0.1 M", "concentration", 100.0),
        ("100 mM", "concentration", 100.0),
        ("10 mol/m^3", "concentration", 10.0),
        ("10 mol/m3", "concentration", 10.0),
        ("10 mol/m³", "concentration", 10.0),
        ("0.5 mol/L", "concentration", 500.0),
        ("5 uM", "concentration", 5e-3),
        ("-2 M", "fixed_charge", -2000.0),
        ("-0.06 C/m^2", "surface_charge", -0.06),
        ("-0.06 C/m2", "surface_charge", -0.06),
        ("-6 uC/cm^2", "surface_charge", -0.06),
        ("-60 mC/m^2", "surface_charge", -0.06),
        ("-1 e/nm^2", "surface_charge", -0.1602176634),
        ("0.5 V", "voltage", 0.5),
        ("-200 mV", "voltage", -0.2),
        ("−200 mV", "voltage", -0.2),  # Unicode minus
        ("+1 V", "voltage", 1.0),
        ("1e-9 m^2/s", "diffusivity", 1e-9),
        ("1e-5 cm^2/s", "diffusivity", 1e-9),
        ("298.15 K", "temperature", 298.15),
        ("25 C", "temperature", 298.15),
        ("1 bar", "pressure", 1e5),
        ("100 kPa", "pressure", 1e5),
        ("-2.5 MPa", "pressure", -2.5e6),
        ("1 atm", "pressure", 101325.0),
        ("0.8903 mPa s", "viscosity", 0.8903e-3),
        ("0.8903 mPa·s", "viscosity", 0.8903e-3),
        ("1 cP", "viscosity", 1e-3),
        ("1e-3 Pa s", "viscosity", 1e-3),
        ("25 °C", "temperature", 298.15),
        ("  3.5  ", "dimensionless", 3.5),
        (2, "dimensionless", 2.0),
    ],
)
def test_parse(text, dimension, expected):
    assert parse_quantity(text, dimension) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "value, dimension, example",
    [
        (10, "length", "'10 nm'"),
        (2.5, "length", "'2.5 nm'"),
        ("10", "length", "'10 nm'"),
        ("100", "concentration", "'100 mM'"),
        ("-0.06", "surface_charge", "'-0.06 C/m^2'"),
        ("0.1", "voltage", "'0.1 mV'"),
        ("300", "temperature", "'300 K'"),
        (1e-9, "diffusivity", "'1e-09 m^2/s'"),
    ],
)
def test_bare_number_needs_unit(value, dimension, example):
    with pytest.raises(ValueError) as info:
        parse_quantity(value, dimension, field="channel.length")
    expected = f"value '{value}' for channel.length has no unit; write e.g. {example}"
    assert str(info.value) == expected


@pytest.mark.parametrize(
    "text, dimension, found",
    [
        ("10 nm", "voltage", "length"),
        ("100 mM", "length", "concentration"),
        ("0.1 V", "surface_charge", "voltage"),
        ("25 C", "surface_charge", "temperature"),
        ("-0.06 C/m^2", "fixed_charge", "surface_charge"),
    ],
)
def test_wrong_dimension(text, dimension, found):
    with pytest.raises(ValueError) as info:
        parse_quantity(text, dimension, field="bias")
    message = str(info.value)
    assert "for bias" in message
    assert f"unit of {found}" in message
    assert f"bias is a {dimension}" in message
    assert f"accepted {dimension} units:" in message


def test_units_are_case_sensitive():
    assert parse_quantity("1 mm", "length") == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="unit of length"):
        parse_quantity("1 mm", "concentration")
    with pytest.raises(ValueError, match="unknown unit 'NM'"):
        parse_quantity("1 NM", "length")


def test_unknown_unit_lists_accepted():
    with pytest.raises(ValueError) as info:
        parse_quantity("10 furlong", "length", field="geometry.length")
    message = str(info.value)
    assert "unknown unit 'furlong'" in message
    assert "geometry.length" in message
    assert "accepted length units: m, cm, mm, um, nm" in message


@pytest.mark.parametrize("text", ["abc", "nm 10", "", "inf nm", "1.2.3 nm"])
def test_not_a_number(text):
    with pytest.raises(ValueError, match="for wall.charge"):
        parse_quantity(text, "surface_charge", field="wall.charge")


@pytest.mark.parametrize("value", [None, [1.0], True])
def test_wrong_type(value):
    with pytest.raises(ValueError, match="for wall.charge"):
        parse_quantity(value, "surface_charge", field="wall.charge")


def test_dimensionless_rejects_unit():
    with pytest.raises(ValueError, match="for epsilon is dimensionless; remove the unit 'nm'"):
        parse_quantity("3 nm", "dimensionless", field="epsilon")


def test_unknown_dimension():
    with pytest.raises(ValueError, match="unknown dimension 'area' for x"):
        parse_quantity("1 m^2", "area", field="x")
    with pytest.raises(ValueError, match="unknown dimension 'area'"):
        format_quantity(1.0, "area")


@pytest.mark.parametrize(
    "value, dimension, text",
    [
        (1e-8, "length", "10 nm"),
        (1.5e-6, "length", "1.5 um"),
        (1e-6, "length", "1 um"),
        (4e-10, "length", "0.4 nm"),
        (2.0, "length", "2 m"),
        (0.0, "length", "0 nm"),
        (100.0, "concentration", "100 mM"),
        (1000.0, "concentration", "1 M"),
        (0.5, "concentration", "500 uM"),
        (-0.06, "surface_charge", "-60 mC/m^2"),
        (-1.5, "surface_charge", "-1.5 C/m^2"),
        (-0.2, "voltage", "-200 mV"),
        (0.5, "voltage", "500 mV"),
        (1.957e-9, "diffusivity", "1.957e-09 m^2/s"),
        (298.15, "temperature", "298.15 K"),
        (1e5, "pressure", "100 kPa"),
        (0.8903e-3, "viscosity", "0.8903 mPa s"),
        (0.25, "dimensionless", "0.25"),
    ],
)
def test_format(value, dimension, text):
    assert format_quantity(value, dimension) == text


@pytest.mark.parametrize("dimension", DIMENSIONS)
@pytest.mark.parametrize("value", [-3.7e-9, 1e-8, 0.0123, 1.0, 47.5, 2.5e3, 3.3e5])
def test_round_trip(value, dimension):
    assert parse_quantity(format_quantity(value, dimension), dimension) == pytest.approx(
        value, rel=1e-5
    )
