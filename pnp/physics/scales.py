"""Nondimensionalization: SI at the API, O(1) numbers inside the solver.

Lengths in units of ``length`` (1 nm), concentrations in units of ``concentration``
(the largest bath concentration), potentials in thermal voltages kT/e, diffusivities in
units of ``diffusivity`` (1e-9 m²/s). With A = L₀²Ã, d = L₀d̃, V = L₀³Ṽ, φ = (kT/e)φ̃,
c = c₀c̃, the cell balance of Poisson's equation

    Σ_f ε₀ε_r (A_f/d_f)(φ_K − φ_L) = F (Σ_i z_i c_i + X) V_K + σ A_wall

becomes Σ_f ε_r (Ã/d̃)(φ̃_K − φ̃_L) = Γ (Σ_i z_i c̃_i + X̃) Ṽ + σ̃ Ã_wall with
Γ = F c₀ L₀² / (ε₀ kT/e) and σ̃ = σ L₀ / (ε₀ kT/e). A scaled species flux J̃ converts to
mol/s as J = J̃ D₀ c₀ L₀ (axisymmetric: the whole channel; planar: per L₀ of depth;
1D: per L₀² of cross-section). Solvent flow (:mod:`pnp.physics.stokes`): velocities in D₀/L₀,
pressures in c₀RT, viscosity in L₀² c₀RT/D₀, volume fluxes in D₀ L₀ (m³/s, same depth convention).
"""

from __future__ import annotations

import dataclasses

from ..constants import FARADAY, GAS_CONSTANT, VACUUM_PERMITTIVITY, thermal_voltage


@dataclasses.dataclass(frozen=True)
class Scales:
    """Reference values (SI) used to nondimensionalize a problem."""

    length: float = 1e-9  # m
    concentration: float = 1.0  # mol/m³
    diffusivity: float = 1e-9  # m²/s
    temperature: float = 298.15  # K

    @property
    def voltage(self) -> float:
        """Thermal voltage kT/e (V)."""
        return thermal_voltage(self.temperature)

    @property
    def poisson_coefficient(self) -> float:
        """Γ = F c₀ L₀² / (ε₀ kT/e) (dimensionless)."""
        return FARADAY * self.concentration * self.length**2 / (VACUUM_PERMITTIVITY * self.voltage)

    @property
    def surface_charge(self) -> float:
        """σ that maps to σ̃ = 1: ε₀ (kT/e) / L₀ (C/m²)."""
        return VACUUM_PERMITTIVITY * self.voltage / self.length

    @property
    def flux(self) -> float:
        """mol/s per unit of scaled flux: D₀ c₀ L₀."""
        return self.diffusivity * self.concentration * self.length

    @property
    def current(self) -> float:
        """A per unit of scaled charge flux Σ z_i J̃_i: F D₀ c₀ L₀."""
        return FARADAY * self.flux

    @property
    def velocity(self) -> float:
        """m/s per unit of scaled velocity: D₀ / L₀."""
        return self.diffusivity / self.length

    @property
    def pressure(self) -> float:
        """Pa per unit of scaled pressure: c₀ R T (the ideal osmotic pressure of c₀)."""
        return self.concentration * GAS_CONSTANT * self.temperature

    @property
    def viscosity(self) -> float:
        """Pa·s per unit of scaled viscosity: L₀² c₀ R T / D₀."""
        return self.length**2 * self.pressure / self.diffusivity

    @property
    def volume_flux(self) -> float:
        """m³/s per unit of scaled volume flux ũ Ã: D₀ L₀."""
        return self.diffusivity * self.length
