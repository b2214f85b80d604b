"""Ion species and a small database of aqueous ions at 25 °C.

Units (SI throughout): diffusivity m²/s, radii m, hydration energy J/mol.

Data sources (``docs/reference/ions.csv``):

* diffusivity: CRC Handbook of Chemistry and Physics, "Ionic conductivity and diffusion at
  infinite dilution" (P. Vanýsek), limiting values at 25 °C;
* Stokes radius: Stokes–Einstein r = kT / (6πηD) with η = 0.8903 mPa·s;
* hydrated radius: E. R. Nightingale, J. Phys. Chem. 63, 1381 (1959);
* bare radius: R. D. Shannon, Acta Cryst. A32, 751 (1976), six-fold coordination;
* hydration energy: Y. Marcus, J. Chem. Soc. Faraday Trans. 87, 2995 (1991), standard molar
  Gibbs energy of hydration. These are Marcus's single-ion values from the TATB
  extrathermodynamic assumption, i.e. the "absolute" scale with ΔhydG°(H⁺) = −1056 kJ/mol,
  *not* the conventional scale (ΔhydG°(H⁺) = 0, which would make Li⁺ +581 kJ/mol).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

_ANGSTROM = 1e-10  # m
_KJ = 1e3  # J


@dataclass(frozen=True)
class Ion:
    """One ionic species.

    Attributes:
        name: canonical name, e.g. ``"K+"``, ``"Mg2+"``, ``"Cl-"``, ``"SO4^2-"``.
        charge: valence z (nonzero integer).
        diffusivity: bulk diffusion coefficient D (m²/s, > 0).
        stokes_radius: Stokes–Einstein radius (m) or None.
        hydrated_radius: hydrated radius (m) or None.
        bare_radius: crystal (bare) radius (m) or None.
        hydration_energy: Gibbs energy of hydration (J/mol) or None; the database uses
            Marcus 1991 on the absolute (TATB) scale, see the module docstring.
        source: where the numbers come from.
    """

    name: str
    charge: int
    diffusivity: float
    stokes_radius: float | None = None
    hydrated_radius: float | None = None
    bare_radius: float | None = None
    hydration_energy: float | None = None
    source: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if (
            isinstance(self.charge, bool)
            or not isinstance(self.charge, numbers.Integral)
            or self.charge == 0
        ):
            raise ValueError(
                f"charge of ion {self.name!r} is {self.charge!r}; charge must be a nonzero "
                "integer valence z (e.g. 1 for K+, -2 for SO4^2-)"
            )
        object.__setattr__(self, "charge", int(self.charge))
        object.__setattr__(
            self, "diffusivity", _positive(self.diffusivity, "diffusivity", self.name, "m²/s")
        )
        for field in ("stokes_radius", "hydrated_radius", "bare_radius"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, _positive(value, field, self.name, "m"))
        if self.hydration_energy is not None:
            energy = _real(self.hydration_energy, "hydration_energy", self.name, "J/mol")
            if not math.isfinite(energy):
                raise ValueError(
                    f"hydration_energy of ion {self.name!r} is {energy}; it must be finite (J/mol)"
                )
            object.__setattr__(self, "hydration_energy", energy)


def _real(value, field: str, name: str, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{field} of ion {name!r} is {value!r}; it must be a number in {unit}")
    return float(value)


def _positive(value, field: str, name: str, unit: str) -> float:
    value = _real(value, field, name, unit)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"{field} of ion {name!r} is {value}; {field} must be positive and finite ({unit})"
        )
    return value


_CRC = "D: CRC Handbook (Vanýsek), 25 °C"
_FULL_SOURCE = (
    _CRC + "; Stokes radius: Stokes–Einstein, η = 0.8903 mPa·s; hydrated radius: Nightingale "
    "1959; bare radius: Shannon 1976 (CN6); hydration energy: Marcus 1991 ΔhydG° "
    "(absolute TATB scale, ΔhydG°(H+) = −1056 kJ/mol)"
)


def _tabulated(name, z, d, stokes, hydrated, bare, dg, note=""):
    """Ion from one row of ions.csv (radii in Å, hydration energy in kJ/mol)."""
    return Ion(
        name=name,
        charge=z,
        diffusivity=d,
        stokes_radius=stokes * _ANGSTROM,
        hydrated_radius=hydrated * _ANGSTROM,
        bare_radius=bare * _ANGSTROM,
        hydration_energy=dg * _KJ,
        source=_FULL_SOURCE + note,
    )


ION_DATABASE: dict[str, Ion] = {
    ion.name: ion
    for ion in (
        _tabulated("Li+", 1, 1.029e-9, 2.38, 3.82, 0.76, -475),
        _tabulated("Na+", 1, 1.334e-9, 1.84, 3.58, 1.02, -365),
        _tabulated("K+", 1, 1.957e-9, 1.25, 3.31, 1.38, -295),
        _tabulated("Mg2+", 2, 0.706e-9, 3.47, 4.28, 0.72, -1830),
        _tabulated("Ca2+", 2, 0.792e-9, 3.10, 4.12, 1.00, -1505),
        _tabulated("Cl-", -1, 2.032e-9, 1.21, 3.32, 1.81, -340),
        _tabulated(
            "SO4^2-", -2, 1.065e-9, 2.30, 3.79, 2.30, -1080,
            note="; bare radius 2.30 Å approximate (polyatomic ion, thermochemical radius)",
        ),
        Ion("H+", 1, 9.311e-9, source=_CRC),
        Ion("OH-", -1, 5.273e-9, source=_CRC),
    )
}
"""Built-in ions keyed by canonical name (Li+, Na+, K+, Mg2+, Ca2+, Cl-, SO4^2-, H+, OH-)."""

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻−", "0123456789+--")


def _normalize(name: str) -> str:
    return "".join(name.translate(_SUPERSCRIPTS).split()).lower()


def _aliases(ion: Ion) -> set[str]:
    """Spellings of one ion: 'Mg', 'Mg2+', 'Mg+2', 'Mg++', 'Mg^2+', 'Mg^+2' and so on."""
    base = ion.name.rstrip("+-0123456789").rstrip("^")  # canonical names put digits of a
    # polyatomic formula before '^' ("SO4^2-"), so only the charge suffix is stripped
    sign = "+" if ion.charge > 0 else "-"
    n = str(abs(ion.charge))
    suffixes = {"", sign * abs(ion.charge), n + sign, sign + n, "^" + n + sign, "^" + sign + n}
    return {_normalize(base + suffix) for suffix in suffixes} | {_normalize(ion.name)}


_ALIASES: dict[str, Ion] = {
    alias: ion for ion in ION_DATABASE.values() for alias in _aliases(ion)
}


def get_ion(name_or_ion: str | Ion) -> Ion:
    """Return the :class:`Ion` for a name (case-insensitive, common spellings) or an Ion.

    Accepted spellings include ``"K"``, ``"K+"``, ``"k+"``, ``"Mg++"``, ``"Mg2+"``,
    ``"Mg+2"``, ``"Cl"``, ``"SO4--"``, ``"SO4^2-"``, ``"SO42-"`` and Unicode superscripts
    (``"Mg²⁺"``). An :class:`Ion` instance is returned unchanged.
    """
    if isinstance(name_or_ion, Ion):
        return name_or_ion
    if not isinstance(name_or_ion, str):
        raise TypeError(f"ion must be a name (str) or a pnp.Ion, got {type(name_or_ion).__name__}")
    try:
        return _ALIASES[_normalize(name_or_ion)]
    except KeyError:
        raise ValueError(
            f"unknown ion {name_or_ion!r}: known ions are {', '.join(ION_DATABASE)}; for another "
            "ion pass pnp.Ion(name=..., charge=..., diffusivity=...)"
        ) from None
