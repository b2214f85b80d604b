"""Quantities with units for case files: ``"10 nm"`` → 1e-8 (m) and back.

:func:`parse_quantity` turns text such as ``"10 nm"``, ``"100 mM"``, ``"-6 uC/cm^2"`` or
``"25 C"`` into a float in SI units; :func:`format_quantity` writes a short human string.

Dimensions and their SI units:

==================  ===========  ==================================================
dimension           SI unit      accepted units
==================  ===========  ==================================================
length              m            m, cm, mm, um, nm, Å (angstrom), pm
concentration       mol/m³       M, mM, uM, nM, mol/L, mmol/L, mol/m^3
fixed_charge        mol/m³       as concentration (elementary charges per volume)
surface_charge      C/m²         C/m^2, mC/m^2, uC/cm^2, e/nm^2
voltage             V            V, mV, uV
diffusivity         m²/s         m^2/s, cm^2/s, um^2/s
temperature         K            K, C (°C, degC: Celsius, T[K] = T[°C] + 273.15)
site_density        m⁻²          /nm^2, /m^2 (or 1/nm^2, sites/nm^2; wall sites)
association         m³/mol       m^3/mol, L/mol, 1/M (binding constants)
capacitance         F/m²         F/m^2, uF/cm^2 (Stern layer)
pressure            Pa           Pa, kPa, MPa, bar, mbar, atm
viscosity           Pa s         Pa s, mPa s, cP (1 cP = 1 mPa s)
dimensionless       1            a plain number, no unit
==================  ===========  ==================================================

Units are case-sensitive (``mM`` is millimolar, ``mm`` millimetre). The micro prefix may be
written ``u``, ``µ`` or ``μ``; the ``^`` before an exponent and the ``·`` of a product
(``mPa·s``) are optional, and Unicode superscripts are accepted (``m2/s``, ``m^2/s`` and
``m²/s`` are the same). A dimensioned quantity must carry its unit: a bare number is rejected
so that a case file cannot silently mean nanometres where metres were intended.
"""

from __future__ import annotations

import numbers
import re

from pnp.constants import ELEMENTARY_CHARGE

_CONCENTRATION = {
    "M": 1e3,
    "mM": 1.0,
    "uM": 1e-3,
    "nM": 1e-6,
    "mol/L": 1e3,
    "mol/l": 1e3,
    "mmol/L": 1.0,
    "mmol/l": 1.0,
    "mol/m^3": 1.0,
}

# dimension -> unit as written in messages -> scale: SI value = scale * number + _OFFSETS
_UNITS: dict[str, dict[str, float]] = {
    "length": {
        "m": 1.0,
        "cm": 1e-2,
        "mm": 1e-3,
        "um": 1e-6,
        "nm": 1e-9,
        "Å": 1e-10,
        "angstrom": 1e-10,
        "pm": 1e-12,
    },
    "concentration": _CONCENTRATION,
    "fixed_charge": _CONCENTRATION,
    "surface_charge": {
        "C/m^2": 1.0,
        "mC/m^2": 1e-3,
        "uC/cm^2": 1e-2,
        "e/nm^2": ELEMENTARY_CHARGE * 1e18,
    },
    "voltage": {"V": 1.0, "mV": 1e-3, "uV": 1e-6},
    "diffusivity": {"m^2/s": 1.0, "cm^2/s": 1e-4, "um^2/s": 1e-12},
    "temperature": {"K": 1.0, "C": 1.0, "°C": 1.0, "degC": 1.0},
    "site_density": {"/nm^2": 1e18, "/m^2": 1.0, "1/nm^2": 1e18, "1/m^2": 1.0, "sites/nm^2": 1e18},
    "association": {"m^3/mol": 1.0, "L/mol": 1e-3, "1/M": 1e-3},
    "capacitance": {"F/m^2": 1.0, "uF/cm^2": 1e-2},
    "pressure": {"Pa": 1.0, "kPa": 1e3, "MPa": 1e6, "bar": 1e5, "mbar": 1e2, "atm": 101325.0},
    "viscosity": {"Pa s": 1.0, "mPa s": 1e-3, "cP": 1e-3},
    "dimensionless": {},
}
_OFFSETS = {"C": 273.15, "°C": 273.15, "degC": 273.15}  # K: Celsius -> kelvin

DIMENSIONS: tuple[str, ...] = tuple(_UNITS)
"""Dimensions understood by :func:`parse_quantity` and :func:`format_quantity`."""

def accepted_units(dimension: str) -> tuple[str, ...]:
    """The unit spellings :func:`parse_quantity` accepts for ``dimension`` (() for dimensionless)."""
    return tuple(_UNITS[dimension])


SI_UNITS: dict[str, str] = {
    "length": "m", "concentration": "mol/m^3", "fixed_charge": "mol/m^3", "surface_charge": "C/m^2",
    "voltage": "V", "diffusivity": "m^2/s", "temperature": "K", "site_density": "/m^2",
    "association": "m^3/mol", "capacitance": "F/m^2", "pressure": "Pa", "viscosity": "Pa s",
    "dimensionless": "1",
}
"""The SI unit :func:`parse_quantity` returns for each dimension, as written in table headers."""

# Units format_quantity chooses from, smallest first (none of them has an offset).
_FORMAT_UNITS = {
    "length": ("nm", "um", "mm", "m"),
    "concentration": ("nM", "uM", "mM", "M"),
    "fixed_charge": ("nM", "uM", "mM", "M"),
    "surface_charge": ("mC/m^2", "C/m^2"),
    "voltage": ("uV", "mV", "V"),
    "diffusivity": ("m^2/s",),
    "temperature": ("K",),
    "site_density": ("/nm^2",),
    "association": ("L/mol",),
    "capacitance": ("F/m^2",),
    "pressure": ("Pa", "kPa", "MPa"),
    "viscosity": ("mPa s", "Pa s"),
}
_EXAMPLE_UNIT = {  # unit suggested in error messages and used for zero
    "length": "nm",
    "concentration": "mM",
    "fixed_charge": "mM",
    "surface_charge": "C/m^2",
    "voltage": "mV",
    "diffusivity": "m^2/s",
    "temperature": "K",
    "site_density": "/nm^2",
    "association": "L/mol",
    "capacitance": "F/m^2",
    "pressure": "kPa",
    "viscosity": "mPa s",
}

# micro sign and Greek mu -> u, superscripts -> digits, angstrom sign -> letter Å;
# drop ^ and spaces
_SPELLING = str.maketrans(
    {"\u00b5": "u", "\u03bc": "u", "²": "2", "³": "3", "\u212b": "\u00c5", "^": None, " ": None, "\u00b7": None}
)
_NUMBER = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)")


def _normalize(unit: str) -> str:
    return unit.translate(_SPELLING)


_LOOKUP = {
    dimension: {_normalize(name): name for name in units}
    for dimension, units in _UNITS.items()
}


def parse_quantity(value: str | float, dimension: str, *, field: str = "quantity") -> float:
    """Value in SI units from text with a unit, e.g. ``parse_quantity("10 nm", "length")``.

    Args:
        value: ``"<number> <unit>"`` (the space is optional), or a plain number / numeric
            string for ``dimension="dimensionless"`` only.
        dimension: one of :data:`DIMENSIONS`.
        field: name of the quantity in the case file, used in every error message.

    Returns:
        The value in m, mol/m³, C/m², V, m²/s, K or 1. ``"25 C"`` is 25 °C → 298.15 K.

    Raises:
        ValueError: no unit on a dimensioned quantity, a unit of another dimension, an
            unknown unit, or text that is not a number followed by a unit.
    """
    if dimension not in _UNITS:
        raise ValueError(
            f"unknown dimension {dimension!r} for {field}; use one of {', '.join(DIMENSIONS)}"
        )
    example = _EXAMPLE_UNIT.get(dimension)
    hint = f"e.g. '10 {example}'" if example else "a plain number such as '0.5'"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number, unit, shown = float(value), "", str(value)
    elif isinstance(value, str):
        shown = value.strip()
        match = _NUMBER.fullmatch(shown.replace("−", "-"))
        if match is None:
            raise ValueError(
                f"value {value!r} for {field} is not a number followed by a unit; write {hint}"
            )
        number, unit = float(match.group(1)), match.group(2)
    else:
        raise ValueError(f"value {value!r} for {field} must be a number or text; write {hint}")

    if dimension == "dimensionless":
        if unit:
            raise ValueError(
                f"value {shown!r} for {field} is dimensionless; remove the unit {unit!r}"
            )
        return number
    if not unit:
        raise ValueError(f"value {shown!r} for {field} has no unit; write e.g. '{shown} {example}'")
    try:
        name = _LOOKUP[dimension][_normalize(unit)]
    except KeyError:
        raise ValueError(_unit_error(shown, unit, dimension, field)) from None
    return _UNITS[dimension][name] * number + _OFFSETS.get(name, 0.0)


def _unit_error(shown: str, unit: str, dimension: str, field: str) -> str:
    accepted = f"accepted {dimension} units: {', '.join(_UNITS[dimension])}"
    other = next(
        (
            d
            for d in DIMENSIONS
            if d not in (dimension, "fixed_charge") and _normalize(unit) in _LOOKUP[d]
        ),
        None,
    )
    if other is not None:
        return (
            f"value {shown!r} for {field} has a unit of {other} ({unit!r}) but {field} is a "
            f"{dimension}; {accepted}"
        )
    return f"unknown unit {unit!r} in value {shown!r} for {field}; {accepted}"


def format_quantity(value: float, dimension: str) -> str:
    """Short human string for an SI value, e.g. ``format_quantity(1e-8, "length") == "10 nm"``.

    The unit is the largest of a few common ones that keeps the number >= 1 in magnitude;
    temperatures are written in K and diffusivities in m^2/s. The result is accepted by
    :func:`parse_quantity` (to 6 significant digits).
    """
    if dimension not in _UNITS:
        raise ValueError(f"unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}")
    value = float(value)
    if dimension == "dimensionless":
        return f"{value:.6g}"
    ladder = _FORMAT_UNITS[dimension]
    unit = _EXAMPLE_UNIT[dimension] if value == 0 else ladder[0]
    for candidate in ladder:
        if abs(value) >= _UNITS[dimension][candidate] * (1 - 1e-9):  # 1e-6 m -> "1 um"
            unit = candidate
    return f"{value / _UNITS[dimension][unit]:.6g} {unit}"
