"""Ionizable wall sites (SI): charge regulation by pH, Langmuir binding of ions, a Stern layer.

``SurfaceSites`` goes where a geometry takes its wall charge (``surface_charge=``): the wall
then carries ``density`` acidic sites whose charge follows the adjacent solution instead of a
fixed σ — ``pnp.ChargedWall(pnp.SurfaceSites(1e18, pK=3.8))`` in
``pnp.Electrolyte.from_salts({"KCl": 10}, pH=7)``. Chemistry (one site, competitive Langmuir):

* SH ⇌ S⁻ + H⁺ with K_a = 10^−pK mol/L (``pK``; H⁺ must be a species of the baths, e.g. through
  ``pH=`` of :meth:`pnp.Electrolyte.from_salts`);
* S⁻ + M ⇌ S·M with association constants K_M in m³/mol (``binding={"Mg2+": 0.1}``; the bound
  state has charge z_M − 1: a divalent ion reverses a site), the wall binding of counter-ions
  with ion-specific affinities (sulfonate: Mg²⁺ > K⁺ > Na⁺ > Li⁺);
* an optional Stern layer of capacitance C_S (F/m²) between the sites and the diffuse layer.

The regulated charge is σ = −e Γ (1 − Σ_j z_j θ_j) with θ_j the bound fractions at the site plane
(equations in :mod:`pnp.physics.regulation`, which solves them inside the residual). As a
profile (its ``__call__``) a ``SurfaceSites`` is the charge of fully dissociated sites, −e Γ:
that is what default wall cells are sized with, and what continuation ramps from zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from . import guards
from .constants import ELEMENTARY_CHARGE, VACUUM_PERMITTIVITY
from .physics.regulation import RegulatedSurfaceCharge
from .tracing import concrete

LITRE = 1e-3  # m³: pK and pH are defined in mol/L


@dataclasses.dataclass(frozen=True)
class SurfaceSites:
    """Acidic wall sites that bind H⁺ (``pK``) and other ions (``binding``).

    Attributes:
      density: sites per m² (1 site/nm² = 1e18 m⁻²; silica ≈ 4.6e18, carboxylated PET ≈ 1e18).
      pK: −log₁₀ of the acid dissociation constant in mol/L (None: the sites do not protonate).
      binding: ion → association constant K of S⁻ + ion ⇌ S·ion in m³/mol (1 m³/mol = 1000 L/mol).
      stern_capacitance: F/m² of a Stern layer between sites and diffuse layer (None: none;
        0.2–3 F/m² on oxides).
    """

    density: float
    pK: float | None = None
    binding: Mapping[str, float] = dataclasses.field(default_factory=dict)
    stern_capacitance: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "binding", dict(self.binding))
        guards.check_site_density("SurfaceSites", "density", self.density)
        if self.pK is not None:
            number = concrete(self.pK)
            if number is not None and not np.isfinite(number):
                raise ValueError(f"SurfaceSites.pK must be a finite number, got {self.pK!r}")
        for ion, constant in self.binding.items():
            number = concrete(constant)
            if number is not None and not (np.isfinite(number) and number >= 0):
                raise ValueError(f"SurfaceSites.binding[{ion!r}] = {constant!r}: an association constant must be "
                                 "≥ 0 and finite (m³/mol; 1 m³/mol = 1000 L/mol)")
        if self.stern_capacitance is not None:
            number = concrete(self.stern_capacitance)
            if number is not None and not (np.isfinite(number) and number > 0):
                raise ValueError(f"SurfaceSites.stern_capacitance = {self.stern_capacitance!r} must be > 0 (F/m²), "
                                 "or None for no Stern layer")
        if self.pK is None and not self.binding:
            raise ValueError("SurfaceSites binds nothing: give a pK (protonation) and/or binding={ion: K in m³/mol}; "
                             "for a fixed charge pass a number as surface_charge instead")

    @property
    def full_charge(self):
        """−e Γ (C/m²): the charge if every site were dissociated and free."""
        return -ELEMENTARY_CHARGE * self.density

    def __call__(self, z, r):
        """The profile of the fully dissociated charge (C/m²) at SI positions (z, r)."""
        return jnp.broadcast_to(jnp.asarray(self.full_charge, dtype=jnp.float64), jnp.shape(z))

    def association_constants(self, electrolyte) -> dict[str, object]:
        """Species name → K (m³/mol) of every binding species, H⁺ from ``pK``; unknown ions raise."""
        constants = {}
        if self.pK is not None:
            if "H+" not in electrolyte.names:
                raise ValueError("SurfaceSites has a pK, so H⁺ must be a species: build the baths with a pH, e.g. "
                                 "pnp.Electrolyte.from_salts({'KCl': 10}, pH=7)")
            constants["H+"] = LITRE * 10.0 ** jnp.asarray(self.pK, dtype=jnp.float64)
        from .problem import _species_index  # problem builds terms from sites: imported here, not at module level

        for ion, constant in self.binding.items():
            name = electrolyte.names[_species_index(electrolyte, ion, "SurfaceSites.binding")]
            if name in constants:
                raise ValueError(f"SurfaceSites gives H⁺ both a pK and a binding constant; give one ({ion!r})")
            constants[name] = constant
        return constants

    def term(self, electrolyte, scales) -> RegulatedSurfaceCharge:
        """The nondimensional wall-charge term for ``electrolyte``'s species and ``scales``."""
        constants = self.association_constants(electrolyte)
        log_affinity = jnp.stack([jnp.log(jnp.asarray(constants.get(name, 1.0), dtype=jnp.float64)
                                          * scales.concentration) for name in electrolyte.names])
        stern = (0.0 if self.stern_capacitance is None
                 else VACUUM_PERMITTIVITY / (jnp.asarray(self.stern_capacitance, dtype=jnp.float64) * scales.length))
        binds = tuple(bool(name in constants and _nonzero(constants[name])) for name in electrolyte.names)
        return RegulatedSurfaceCharge(log_affinity, jnp.asarray(stern, dtype=jnp.float64), binds)

    def __repr__(self) -> str:
        parts = [f"density={self.density:.4g} m⁻² ({self.density * 1e-18:.4g} nm⁻²)"]
        if self.pK is not None:
            parts.append(f"pK={self.pK:g}")
        if self.binding:
            parts.append("binding={" + ", ".join(f"{k!r}: {v:g} m³/mol" for k, v in self.binding.items()) + "}")
        if self.stern_capacitance is not None:
            parts.append(f"stern_capacitance={self.stern_capacitance:g} F/m²")
        return f"SurfaceSites({', '.join(parts)})"


def _nonzero(value) -> bool:
    """A binding constant of exactly 0 binds nothing (its log would be −∞); traced ones bind."""
    number = concrete(value)
    return number is None or float(number) != 0.0
