"""Bath electrolyte: ion species, their concentrations and the solvent (immutable).

Units: concentrations mol/m³ (= mM), lengths m, diffusivities m²/s, temperature K,
conductivity S/m.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from pnp.constants import (
    DEFAULT_TEMPERATURE,
    FARADAY,
    GAS_CONSTANT,
    VACUUM_PERMITTIVITY,
    WATER_RELATIVE_PERMITTIVITY,
    thermal_voltage,
)
from pnp.guards import check_concentrations, check_ph
from pnp.ions import Ion, get_ion
from pnp.tracing import concrete, known

SALTS: dict[str, dict[str, int]] = {
    "LiCl": {"Li+": 1, "Cl-": 1},
    "NaCl": {"Na+": 1, "Cl-": 1},
    "KCl": {"K+": 1, "Cl-": 1},
    "HCl": {"H+": 1, "Cl-": 1},
    "CaCl2": {"Ca2+": 1, "Cl-": 2},
    "MgCl2": {"Mg2+": 1, "Cl-": 2},
    "Li2SO4": {"Li+": 2, "SO4^2-": 1},
    "Na2SO4": {"Na+": 2, "SO4^2-": 1},
    "K2SO4": {"K+": 2, "SO4^2-": 1},
    "MgSO4": {"Mg2+": 1, "SO4^2-": 1},
}
"""Salts known to :meth:`Electrolyte.from_salts`: ions released per formula unit."""


def _positive_finite(value, field: str, unit: str = "", requirement: str = ""):
    """``value`` as a float, or ValueError naming ``field`` unless it is a finite number > 0.

    A traced value (``jax.grad`` through a concentration) is checked by its primal when that
    is known and passed through unchanged; under jit it cannot be checked and is passed as is.
    """
    if not requirement:
        requirement = f"{field} must be positive and finite" + (f" ({unit})" if unit else "")
    traced = isinstance(value, jax.core.Tracer)
    number = value if traced else _as_number(value)
    if number is None:
        raise ValueError(f"{field} is {value!r}; {requirement}")
    known = concrete(number)
    if known is None:
        return number
    known = float(known)
    if not (math.isfinite(known) and known > 0):
        raise ValueError(f"{field} is {known:g}{' ' + unit if unit else ''}; {requirement}")
    return number if traced else known


def _as_number(value):
    """A real scalar (a Python/NumPy number or a 0-d numeric array), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return value
    if isinstance(value, (np.ndarray, jax.Array)) and value.shape == () and np.issubdtype(value.dtype, np.number):
        return value
    return None


WATER_IONIC_PRODUCT = 1e-8
"""K_w = [H⁺][OH⁻] at 25 °C in (mol/m³)² (1e-14 M²)."""


def _add_water_ions(ions: dict[str, float], pH) -> None:
    """Add H⁺ and OH⁻ of ``pH`` to ``ions`` (name → mol/m³), neutralized by the first anion or cation."""
    check_ph(pH)
    if "H+" in ions or "OH-" in ions:
        raise ValueError("the salts already contain H⁺ or OH⁻ (e.g. HCl); give either the acid as a salt or a pH")
    hydrogen = 10.0 ** (3.0 - pH)
    hydroxide = WATER_IONIC_PRODUCT / hydrogen
    excess = hydrogen - hydroxide
    concrete_excess = concrete(excess)
    acid = concrete_excess is None or concrete_excess >= 0  # traced: the acid side, as at the primal
    counter = [name for name in ions if (get_ion(name).charge < 0) == acid]
    if not counter:
        raise ValueError(f"no {'anion' if acid else 'cation'} among the salts to balance the pH's excess "
                         f"{'H⁺' if acid else 'OH⁻'}")
    ions[counter[0]] = ions[counter[0]] + abs(excess) / abs(get_ion(counter[0]).charge)
    ions["H+"], ions["OH-"] = hydrogen, hydroxide


def _read_only(values) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


def _concentration_array(values):
    """Read-only NumPy array of the values, or a JAX array when any of them is traced."""
    if any(isinstance(v, jax.core.Tracer) for v in values):
        return jnp.stack([jnp.asarray(v, dtype=jnp.float64) for v in values])
    return _read_only(values)


class Electrolyte:
    """An electroneutral bath of ions in a dielectric solvent.

    Args:
        concentrations: ion (name, alias or :class:`~pnp.ions.Ion`) → concentration in
            mol/m³ (1 mol/m³ = 1 mM). Every concentration must be positive; the order of
            the mapping fixes the species order everywhere downstream.
        temperature: K.
        relative_permittivity: εr of the solvent (dimensionless).
        electroneutrality_rtol: allowed |Σ zᵢcᵢ| relative to Σ |zᵢ|cᵢ.

    Example: ``Electrolyte({"K+": 100, "Cl-": 100})`` is 0.1 M KCl. An ion above 5 M, or a salt
    above its solubility, raises (:mod:`pnp.guards`).
    """

    __slots__ = (
        "_ions",
        "_concentrations",
        "_temperature",
        "_relative_permittivity",
        "_rtol",
        "_valences",
        "_diffusivities",
    )

    def __init__(
        self,
        concentrations: Mapping[str | Ion, float],
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
        electroneutrality_rtol: float = 1e-6,
    ):
        if not isinstance(concentrations, Mapping):
            raise ValueError(
                "concentrations must be a mapping ion -> mol/m³, e.g. {'K+': 100, 'Cl-': 100}, "
                f"got {type(concentrations).__name__}"
            )
        if not concentrations:
            raise ValueError(
                "concentrations is empty; give at least one cation and one anion in mol/m³, "
                "e.g. {'K+': 100, 'Cl-': 100}"
            )
        ions: dict[str, Ion] = {}
        keys: dict[str, object] = {}
        values = []
        for key, value in concentrations.items():
            ion = get_ion(key)
            if ion.name in ions:
                raise ValueError(
                    f"concentrations lists ion {ion.name!r} twice (as {keys[ion.name]!r} and "
                    f"{key!r}); give each ion once"
                )
            ions[ion.name], keys[ion.name] = ion, key
            values.append(
                _positive_finite(
                    value,
                    f"concentration of {ion.name!r}",
                    "mol/m³",
                    "concentrations must be positive (mol/m³). For an ion that is nearly "
                    "absent use a small positive value such as 1e-3 mol/m³",
                )
            )
        set_ = object.__setattr__
        set_(self, "_ions", tuple(ions.values()))
        set_(self, "_concentrations", _concentration_array(values))
        set_(self, "_valences", _read_only([ion.charge for ion in self._ions]))
        set_(self, "_diffusivities", _read_only([ion.diffusivity for ion in self._ions]))
        set_(self, "_temperature", _positive_finite(temperature, "temperature", "K"))
        set_(
            self,
            "_relative_permittivity",
            _positive_finite(relative_permittivity, "relative_permittivity"),
        )
        rtol = float(electroneutrality_rtol)
        if not (math.isfinite(rtol) and rtol >= 0):
            raise ValueError(
                f"electroneutrality_rtol is {electroneutrality_rtol!r}; it must be a finite "
                "number >= 0"
            )
        set_(self, "_rtol", rtol)
        self._check_electroneutral()
        check_concentrations(dict(zip(self.names, values)))

    def _check_electroneutral(self) -> None:
        z, c = self._valences, concrete(self._concentrations)
        if c is None:  # traced under jit: cannot be checked here
            return
        net = float(z @ c)
        if abs(net) <= self._rtol * float(np.abs(z) @ c):
            return
        message = (
            f"concentrations are not electroneutral: net charge sum(z_i c_i) = {net:+.6g} mol/m³ "
            f"(relative {net / float(np.abs(z) @ c):+.3g}, electroneutrality_rtol {self._rtol:g}). "
        )
        counter = [i for i, ion in enumerate(self._ions) if ion.charge * net < 0]
        if counter:
            i = counter[-1]
            needed = c[i] - net / z[i]
            message += (
                f"Set the concentration of {self._ions[i].name!r} to {needed:.10g} mol/m³ to make "
                "it neutral, or build the bath with Electrolyte.from_salts"
            )
        else:
            kind = "an anion" if net > 0 else "a cation"
            example = "Cl-" if net > 0 else "K+"
            message += (
                f"Add {kind} as counter-ion, e.g. {example!r} at {abs(net):.10g} mol/m³, or build "
                "the bath with Electrolyte.from_salts"
            )
        raise ValueError(message)

    @classmethod
    def from_salts(cls, salts: Mapping[str, float], pH: float | None = None, **kwargs) -> Electrolyte:
        """Bath from salt concentrations (mol/m³ of salt), e.g. ``{"LiCl": 30, "MgCl2": 500}``.

        Ions released by several salts are summed (that example gives Li+ 30, Cl- 1030,
        Mg2+ 500 mol/m³); species appear in order of first appearance. Known salts:
        :data:`SALTS`. Keyword arguments go to :class:`Electrolyte`.

        ``pH`` (0–14) adds H⁺ at 10^(3 − pH) mol/m³ and OH⁻ at K_w/[H⁺] (K_w = 1e-14 M², 25 °C)
        as the last two species, and keeps the bath neutral as a titration would: the excess
        |[H⁺] − [OH⁻]| is added to the first anion (acid side, as HCl) or the first cation (base
        side, as KOH) of the salts. Water's dissociation is not a reaction in the transport model:
        H⁺ and OH⁻ are independent trace species (valid where they carry little current).
        """
        if not salts:
            raise ValueError("salts is empty; give e.g. {'KCl': 100} (mol/m³ of salt)")
        ions: dict[str, float] = {}
        for salt, value in salts.items():
            if salt not in SALTS:
                raise ValueError(
                    f"unknown salt {salt!r}: known salts are {', '.join(SALTS)}; for other "
                    "compositions pass the ions directly, e.g. Electrolyte({'K+': 100, 'Cl-': 100})"
                )
            amount = _positive_finite(
                value,
                f"concentration of salt {salt!r}",
                "mol/m³",
                "salt concentrations must be positive (mol/m³); leave out a salt that is absent",
            )
            for ion, count in SALTS[salt].items():
                ions[ion] = ions.get(ion, 0.0) + count * amount
        if pH is not None:
            _add_water_ions(ions, pH)
        return cls(ions, **kwargs)

    @property
    def pH(self) -> float | None:
        """−log₁₀ of [H⁺] in mol/L, or None without H⁺."""
        if "H+" not in self.names:
            return None
        return 3.0 - math.log10(self.concentration("H+"))

    # ----------------------------------------------------------------- composition
    @property
    def ions(self) -> tuple[Ion, ...]:
        """Species in order."""
        return self._ions

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical species names in order."""
        return tuple(ion.name for ion in self._ions)

    @property
    def concentrations(self) -> np.ndarray:
        """(N,) bath concentrations, mol/m³ (read-only; a JAX array when traced)."""
        return self._concentrations

    @property
    def traced(self) -> bool:
        """Whether the concentrations are JAX tracers (differentiated or under jit)."""
        return isinstance(self._concentrations, jax.Array)

    def known_concentrations(self, what: str = "a bath concentration") -> np.ndarray:
        """The concentrations' values (the primal when differentiated); an error under jit."""
        from pnp.tracing import FROZEN_MESH_FIX

        return known(self._concentrations, what, FROZEN_MESH_FIX)

    @property
    def valences(self) -> np.ndarray:
        """(N,) valences z as float64 (read-only)."""
        return self._valences

    @property
    def diffusivities(self) -> np.ndarray:
        """(N,) bulk diffusivities, m²/s (read-only)."""
        return self._diffusivities

    @property
    def temperature(self) -> float:
        """Temperature, K."""
        return self._temperature

    @property
    def relative_permittivity(self) -> float:
        """Relative permittivity εr of the solvent."""
        return self._relative_permittivity

    def concentration(self, name: str | Ion) -> float:
        """Concentration (mol/m³) of one species, by name, alias or Ion (traced if traced)."""
        value = self._concentrations[self._index(name)]
        return value if self.traced else float(value)

    def _index(self, name: str | Ion) -> int:
        names = self.names
        if isinstance(name, str) and name in names:
            return names.index(name)
        canonical = get_ion(name).name
        if canonical not in names:
            raise ValueError(
                f"ion {canonical!r} is not in this electrolyte (species: {', '.join(names)})"
            )
        return names.index(canonical)

    # ----------------------------------------------------------------- derived quantities
    @property
    def ionic_strength(self) -> float:
        """½ Σ zᵢ² cᵢ, mol/m³."""
        return 0.5 * float(self._valences**2 @ self.known_concentrations("the ionic strength of a bath"))

    @property
    def debye_length(self) -> float:
        """Debye length sqrt(ε0 εr R T / (F² Σ zᵢ² cᵢ)), m.

        0.3042/√c[M] nm for a 1:1 salt at 298.15 K and εr = 78.5.
        """
        return math.sqrt(
            VACUUM_PERMITTIVITY * self._relative_permittivity * GAS_CONSTANT * self._temperature
            / (FARADAY**2 * 2.0 * self.ionic_strength)
        )

    @property
    def thermal_voltage(self) -> float:
        """kT/e, V."""
        return thermal_voltage(self._temperature)

    @property
    def conductivity(self) -> float:
        """Bulk PNP (Nernst–Einstein) conductivity F²/(RT) Σ zᵢ² Dᵢ cᵢ, S/m.

        No ion-pairing or relaxation corrections: 0.1 M KCl gives 1.498 S/m (measured 1.29).
        """
        return (
            FARADAY**2 / (GAS_CONSTANT * self._temperature)
            * float(self._valences**2 * self._diffusivities @ self.known_concentrations("a bath conductivity"))
        )

    # ----------------------------------------------------------------- new baths
    def with_concentrations(self, new: Mapping[str | Ion, float] | Sequence[float]) -> Electrolyte:
        """Same species, order and solvent with new concentrations (mol/m³), re-validated.

        ``new`` is either a sequence of N values in species order or a mapping that sets
        some species (by name, alias or Ion); species it leaves out keep their value.
        """
        values = dict(zip(self.names, list(self._concentrations)))
        if isinstance(new, Mapping):
            for key, value in new.items():
                values[self.names[self._index(key)]] = value
        else:
            new = list(new)
            if len(new) != len(self._ions):
                raise ValueError(
                    f"with_concentrations got {len(new)} concentrations for {len(self._ions)} "
                    f"species ({', '.join(self.names)}); give one value per species in this order"
                )
            values = dict(zip(self.names, new))
        return self._replace({ion: values[ion.name] for ion in self._ions})

    def scaled(self, factor: float) -> Electrolyte:
        """All concentrations multiplied by ``factor`` (> 0)."""
        factor = _positive_finite(factor, "scaled factor")
        return self._replace(dict(zip(self._ions, list(factor * self._concentrations))))

    def _replace(self, concentrations: Mapping[Ion, float]) -> Electrolyte:
        return Electrolyte(
            concentrations,
            temperature=self._temperature,
            relative_permittivity=self._relative_permittivity,
            electroneutrality_rtol=self._rtol,
        )

    # ----------------------------------------------------------------- dunder
    def __setattr__(self, name, value):
        raise AttributeError("Electrolyte is immutable; use with_concentrations() or scaled()")

    def _key(self):
        values = concrete(self._concentrations)
        return (
            self._ions,
            tuple(values.tolist()) if values is not None else id(self._concentrations),
            self._temperature,
            self._relative_permittivity,
        )

    def __eq__(self, other) -> bool:
        if not isinstance(other, Electrolyte):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        values = concrete(self._concentrations)
        composition = ", ".join(
            f"{name!r}: {c:.6g}" if values is not None else f"{name!r}: traced"
            for name, c in zip(self.names, self._concentrations if values is None else values)
        )
        return (
            f"Electrolyte({{{composition}}} mol/m^3, temperature={self._temperature:g} K, "
            f"relative_permittivity={self._relative_permittivity:g})"
        )
