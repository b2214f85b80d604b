"""The result of a steady solve: fields and observables in SI, and solver diagnostics."""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np

from . import observables
from .problem import Problem
from .solver.continuation import SolveInfo


@dataclasses.dataclass(frozen=True)
class Solution:
    """Converged steady state of a :class:`~pnp.problem.Problem`.

    Fields are (nz, nr) cell arrays (inactive cells hold NaN); observables are in SI
    (A, mol/s, V; per metre of depth for planar 2D and per m² for 1D — see ``flux_unit``).
    """

    problem: Problem
    state: object  # (nz, nr, 1 + N) nondimensional unknowns
    voltage: float  # V = φ_left − φ_right (V)
    info: SolveInfo

    @property
    def species(self) -> tuple[str, ...]:
        return self.problem.left.names

    @property
    def flux_unit(self) -> str:
        return self.problem.discretization.flux_unit

    @cached_property
    def _active(self) -> np.ndarray:
        return np.asarray(self.problem.grid.active)

    @property
    def z(self) -> np.ndarray:
        """Cell-centroid z (m)."""
        return np.asarray(self.problem.grid.cell_z) * self.problem.scales.length

    @property
    def r(self) -> np.ndarray:
        """Cell-centroid r (m) (the transverse coordinate in planar 2D)."""
        return np.asarray(self.problem.grid.cell_r) * self.problem.scales.length

    @cached_property
    def potential(self) -> np.ndarray:
        """φ (V) per cell."""
        phi = np.asarray(self.state[..., 0]) * self.problem.scales.voltage
        return np.where(self._active, phi, np.nan)

    @cached_property
    def concentrations(self) -> np.ndarray:
        """c_i (mol/m³) per cell, shape (N, nz, nr)."""
        c = np.exp(np.moveaxis(np.asarray(self.state[..., 1:]), -1, 0)) * self.problem.scales.concentration
        return np.where(self._active[None], c, np.nan)

    def concentration(self, ion: str) -> np.ndarray:
        return self.concentrations[self.species.index(ion)]

    @cached_property
    def flux_profile(self) -> np.ndarray:
        """Species fluxes through every z-face column (N, nz + 1), in ``flux_unit``."""
        return np.asarray(observables.cross_section_fluxes(self.problem, self.state))

    @property
    def fluxes(self) -> dict[str, float]:
        """Species flux through the middle cross-section, by ion, in ``flux_unit`` (+z)."""
        mid = self.flux_profile.shape[1] // 2
        return {name: float(v) for name, v in zip(self.species, self.flux_profile[:, mid])}

    @cached_property
    def current_profile(self) -> np.ndarray:
        """Current through every z-face column (A, or per m / per m²), positive along +z."""
        return np.asarray(observables.current_profile(self.problem, self.state))

    @property
    def current(self) -> float:
        """Current through the middle cross-section (A; A/m for planar, A/m² for 1D)."""
        return float(self.current_profile[len(self.current_profile) // 2])

    @property
    def conservation_error(self) -> float:
        return observables.conservation_error(self.problem, self.state)

    def wall_potential(self):
        """(z, r, φ) on wall faces (m, m, V), from the surface-charge boundary condition."""
        return observables.wall_potential(self.problem, self.state)

    @property
    def transference_numbers(self) -> dict[str, float]:
        """t_i = F z_i J_i / I through the middle cross-section (Σ t_i = 1; undefined at I = 0)."""
        from .constants import FARADAY

        if self.current == 0.0:
            raise ValueError("transference numbers are undefined at zero current")
        valence = dict(zip(self.species, np.asarray(self.problem.parameters.valence)))
        return {ion: FARADAY * valence[ion] * flux / self.current for ion, flux in self.fluxes.items()}

    def axial_profile(self):
        """Cross-section averages along z: (z (m), φ (V), c (N, nz) mol/m³), volume-weighted over active cells."""
        volume = np.where(self._active, np.asarray(self.problem.grid.volume), 0.0)
        weight = volume / volume.sum(axis=1, keepdims=True)
        z = (self.z * weight).sum(axis=1)
        phi = np.nansum(self.potential * weight, axis=1)
        conc = np.nansum(self.concentrations * weight[None], axis=2)
        return z, phi, conc
