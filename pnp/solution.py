"""The result of a steady solve: fields and observables in SI, and solver diagnostics.

Observables come from :mod:`pnp.quantity`. When the inputs were plain numbers they are NumPy
values (floats for scalars); when the solve was differentiated or traced (``jax.grad``,
``jax.jit`` through :func:`pnp.solve`) they are JAX arrays carrying the derivatives.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import jax.numpy as jnp
import numpy as np

from . import quantity
from .physics.state import State
from .problem import Problem
from .solver.newton import NewtonOptions
from .steady import SolveInfo
from .tracing import is_traced
from .tracing import plain as _out


@dataclasses.dataclass(frozen=True)
class Solution:
    """Converged steady state of a :class:`~pnp.problem.Problem`.

    Fields are (nz, nr) cell arrays (inactive cells hold NaN); observables are in SI
    (A, mol/s, V; per metre of depth for planar 2D and per m² for 1D — see ``flux_unit``).
    ``info`` holds the solver diagnostics (None when the solve ran under jit).
    """

    problem: Problem
    state: State  # nondimensional unknowns (named fields)
    voltage: float  # V = φ_left − φ_right (V)
    info: SolveInfo | None
    options: NewtonOptions = NewtonOptions()

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
        return _out(self.problem.grid.cell_z * self.problem.scales.length)

    @property
    def r(self) -> np.ndarray:
        """Cell-centroid r (m) (the transverse coordinate in planar 2D)."""
        return _out(self.problem.grid.cell_r * self.problem.scales.length)

    @cached_property
    def potential(self) -> np.ndarray:
        """φ (V) per cell."""
        return _out(jnp.where(self._active, self.state.potential * self.problem.scales.voltage, jnp.nan))

    @cached_property
    def concentrations(self) -> np.ndarray:
        """c_i (mol/m³) per cell, shape (N, nz, nr)."""
        c = jnp.exp(self.state.log_concentration) * self.problem.scales.concentration
        return _out(jnp.where(self._active[None], c, jnp.nan))

    def concentration(self, ion: str) -> np.ndarray:
        return self.concentrations[self.problem.species(ion)]

    @cached_property
    def flux_profile(self) -> np.ndarray:
        """Species fluxes through every z-face column (N, nz + 1), in ``flux_unit``."""
        return _out(quantity.cross_section_fluxes(self.problem, self.state))

    @property
    def fluxes(self) -> dict[str, float]:
        """Species flux through the mid cross-section, by ion, in ``flux_unit`` (+z)."""
        values = _out(quantity.fluxes(self.problem, self.state))
        return {name: _out(v) for name, v in zip(self.species, values)}

    @cached_property
    def current_profile(self) -> np.ndarray:
        """Current through every z-face column (A, or per m / per m²), positive along +z."""
        return _out(quantity.current_profile(self.problem, self.state))

    @property
    def current(self) -> float:
        """Current through the mid cross-section (A; A/m for planar, A/m² for 1D)."""
        return _out(quantity.current(self.problem, self.state))

    @property
    def has_flow(self) -> bool:
        """Whether the solve included solvent flow (``flow=True``)."""
        return quantity.has_flow(self.problem)

    @property
    def flow_rate(self) -> float:
        """Solvent volume flow rate through the mid cross-section (m³/s; m²/s per metre of depth for
        planar channels), positive along +z; needs a solve with ``flow=True``."""
        return _out(quantity.flow_rate(self.problem, self.state))

    @cached_property
    def flow_profile(self) -> np.ndarray:
        """Volume flow rate through every z-face column (m³/s or m²/s); equal in all of them."""
        return _out(quantity.flow_profile(self.problem, self.state))

    @property
    def convective_current(self) -> float:
        """The current the solvent flow carries through the mid cross-section, F Σ z_i c_i u over
        it (A; A/m planar): electro-osmotic or streaming; ``current`` minus it is conduction."""
        return _out(quantity.convective_current(self.problem, self.state))

    @cached_property
    def velocity(self) -> np.ndarray:
        """Solvent velocity (u_z, u_r) per cell (m/s), shape (2, nz, nr); NaN in inactive cells."""
        return _out(jnp.where(self._active[None], quantity.velocity(self.problem, self.state), jnp.nan))

    @cached_property
    def pressure(self) -> np.ndarray:
        """Hydrostatic pressure relative to the right bath (Pa) per cell; NaN in inactive cells."""
        return _out(jnp.where(self._active, quantity.pressure(self.problem, self.state), jnp.nan))

    @cached_property
    def conductance(self) -> float:
        """Exact differential conductance dI/dV at this voltage (S; S/m planar, S/m² 1D): one
        tangent solve, no finite difference (computed once per solution: the I–V figure and the
        printed summary both read it)."""
        return _out(quantity.conductance(self.problem, self.state, self.options))

    @cached_property
    def electrokinetic_coefficients(self) -> dict[str, float]:
        """The exact linear response about this solution (needs ``flow=True``): hydraulic
        conductance ∂Q/∂Δp (m³ s⁻¹ Pa⁻¹), electro-osmotic conductance ∂Q/∂V (m³ s⁻¹ V⁻¹),
        streaming conductance ∂I/∂Δp (A/Pa), conductance ∂I/∂V (S), the streaming potential per
        pressure −(∂I/∂Δp)/(∂I/∂V) (V/Pa) and the electro-osmotic mobility (m² V⁻¹ s⁻¹); per metre
        of depth for planar channels. Two tangent solves, computed once
        (:func:`pnp.quantity.electrokinetic_coefficients`)."""
        return {name: _out(value) for name, value in
                quantity.electrokinetic_coefficients(self.problem, self.state, self.options).items()}

    @property
    def electroosmotic_mobility(self) -> float:
        """Apparent electro-osmotic mobility μ_eo = ∂ū/∂Ē (m² V⁻¹ s⁻¹) through the mid cross-section:
        mean solvent velocity per mean axial field, positive when the flow follows the field (a
        negative wall). −εζf/η in a long uniform channel (Rice–Whitehead); back pressure from
        entrances or reservoirs lowers it. From :attr:`electrokinetic_coefficients`."""
        return self.electrokinetic_coefficients["electroosmotic_mobility"]

    @property
    def conservation_error(self) -> float:
        return quantity.conservation_error(self.problem, self.state)

    def wall_potential(self):
        """(z, r, φ) on wall faces (m, m, V), from the surface-charge boundary condition."""
        z, r, phi = quantity.wall_potential(self.problem, self.state)
        return z, r, _out(phi)

    def surface_charge(self):
        """(z, r, σ) on wall faces (m, m, C/m²): the prescribed charge, or the regulated charge of
        :class:`pnp.SurfaceSites` in this solution."""
        z, r, sigma = quantity.surface_charge(self.problem, self.state)
        return z, r, _out(sigma)

    def selectivity_split(self, ion: str, other: str) -> dict:
        """S = (J_ion/J_other)/(c_ion/c_other) of the left (feed) bath through a 1D membrane, and its
        stages "polarization", "partition" (entry) and "transport" (inside and exit), whose product
        it is (:func:`pnp.quantity.selectivity_split`)."""
        mouth, pore = quantity.entrance_concentrations(self.problem, self.state)
        split = quantity.selectivity_split(quantity.fluxes(self.problem, self.state), self.problem.left.concentrations,
                                           mouth, pore, self.problem.species(ion), self.problem.species(other))
        return {stage: _out(value) for stage, value in split.items()}

    @property
    def transference_numbers(self) -> dict[str, float]:
        """t_i = F z_i J_i / I through the mid cross-section (Σ t_i = 1; undefined at I = 0)."""
        current = self.current
        if not is_traced(current) and current == 0.0:
            raise ValueError("transference numbers are undefined at zero current")
        values = _out(quantity.transference_numbers(self.problem, self.state))
        return {ion: _out(t) for ion, t in zip(self.species, values)}

    def plot(self, path=None, *, title: str | None = None, zoom: bool = True):
        """Maps of φ and c_i (2D, with a zoom on the channel's narrow end) or profiles (1D): a
        matplotlib Figure, or written to ``path`` as PNG (returns the path). Fields at +V and −V
        side by side: :meth:`pnp.IVCurve.plot_fields`."""
        from .plotting import fields_figure, save_figure

        figure = fields_figure([self], title=title, zoom=zoom)
        return figure if path is None else save_figure(figure, path)

    def axial_profile(self):
        """Cross-section averages along z: (z (m), φ (V), c (N, nz) mol/m³), volume-weighted over active cells."""
        volume = np.where(self._active, np.asarray(self.problem.grid.volume), 0.0)
        weight = volume / volume.sum(axis=1, keepdims=True)
        z = (self.z * weight).sum(axis=1)
        phi = np.nansum(self.potential * weight, axis=1)
        conc = np.nansum(self.concentrations * weight[None], axis=2)
        return z, phi, conc
