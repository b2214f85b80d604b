"""Charge-mosaic membranes: a cation- and an anion-selective phase in parallel, at open circuit.

Source paper 2 of ``docs/mission.md`` (Li extraction by diffusion dialysis): a Li⁺-conducting
ceramic (area fraction θ) and an anion-exchange polymer (1 − θ) span the same thickness between
a feed (I) and a receiving solution (II). With no external circuit, the two phases close a local
current loop: the cation phase carries Li⁺ from I to II and the anion phase carries Cl⁻ the same
way, so their currents cancel,

    θ i₊(V) + (1 − θ) i₋(V) = 0,                                          (open circuit)

where i± (A/m² of each phase) are the current densities of the two phases at the common
potential difference V = φ_I − φ_II between the baths (the loop potential). Each phase is a
1D :class:`~pnp.Membrane` solved by full PNP, with its own fixed charge and per-ion excess
potentials μ^ex (J/mol) for the exclusion that plain Donnan physics does not give (a ceramic
that passes Li⁺ but not Mg²⁺ or Cl⁻). Fluxes per m² of membrane are J_k = θ J_k⁺ + (1 − θ) J_k⁻.

In the ideal, membrane-limited limit this reduces to the equivalent circuit of the paper,
:func:`pnp.analytic.cmm_lithium_flux` (validation case V7); away from it (finite exclusion,
thin membranes against unstirred bath layers) the PNP result shows where the circuit fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import jax.numpy as jnp
import numpy as np

from . import quantity
from .conditions import Conditions
from .constants import DEFAULT_TEMPERATURE, FARADAY, GAS_CONSTANT
from .electrolyte import Electrolyte
from .geometry.base import Mesh, Profile
from .geometry.planar1d import Membrane
from .ions import Ion, get_ion
from .problem import build_problem
from .solution import Solution
from .solver.errors import ConvergenceError
from .solver.newton import NewtonOptions
from .solver.secant import secant
from .steady import SolveInfo, check, solve_system


@dataclasses.dataclass(frozen=True)
class MosaicPhase:
    """One phase of a charge-mosaic membrane: a 1D membrane and its per-ion excess potentials.

    ``excess_potential`` maps ion names to μ^ex (J/mol), a number or a function of (z, r) in SI
    (z from the left end of the solution layer, as for :class:`~pnp.Membrane`'s fixed charge).
    A number applies inside the membrane only (zero in the solution layers).
    """

    membrane: Membrane
    excess_potential: Mapping[str, Profile] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.membrane, Membrane):
            raise ValueError(f"MosaicPhase.membrane must be a pnp.Membrane, got {type(self.membrane).__name__}")

    def excess_profiles(self) -> dict[str, Profile]:
        """μ^ex per ion as functions of (z, r): constants are confined to the membrane."""
        if self.membrane.bath_layer is None:
            raise ValueError(
                "MosaicPhase.membrane needs an explicit bath_layer (m): it is the unstirred solution layer "
                "on each face, and the excess potentials are placed relative to it"
            )
        start = self.membrane.bath_layer
        end = start + self.membrane.thickness

        def inside_only(value):
            if callable(value):
                return value
            return lambda z, r: jnp.where((z > start) & (z < end), float(value), 0.0)

        return {name: inside_only(value) for name, value in self.excess_potential.items()}


def ideal_phase(thickness: float, bath_layer: float, conductivity: float, counter_ion: str | Ion,
                excluded: Sequence[str], *, exclusion: float = 40.0, temperature: float = DEFAULT_TEMPERATURE
                ) -> MosaicPhase:
    """A phase that conducts ``counter_ion`` alone, with conductivity ``conductivity`` (S/m).

    Its fixed charge holds the counter-ion at c = σ RT / (F² z² D) inside (an ideal phase
    conducts σ = F² z² D c / RT), i.e. X = −z c (mol/m³ of elementary charges); every ion in
    ``excluded`` gets μ^ex = ``exclusion`` · RT inside (40 RT lets in a fraction e⁻⁴⁰ ≈ 4e-18).
    """
    ion = get_ion(counter_ion)
    if not conductivity > 0:
        raise ValueError(f"conductivity must be positive (S/m), got {conductivity}")
    rt = GAS_CONSTANT * temperature
    inside = conductivity * rt / (FARADAY**2 * ion.charge**2 * ion.diffusivity)
    membrane = Membrane(thickness, fixed_charge=-ion.charge * inside, bath_layer=bath_layer)
    return MosaicPhase(membrane, {name: exclusion * rt for name in excluded})


@dataclasses.dataclass(frozen=True)
class MosaicSolution:
    """Open-circuit state of a charge-mosaic membrane (fluxes per m² of membrane, SI)."""

    cation_fraction: float  # θ, area fraction of the cation phase
    cation_phase: Solution
    anion_phase: Solution

    @property
    def voltage(self) -> float:
        """Loop potential V = φ_feed − φ_receiving at open circuit (V)."""
        return self.cation_phase.voltage

    @property
    def loop_current(self) -> float:
        """Current density of the local loop, θ i₊ = −(1 − θ) i₋ (A per m² of membrane)."""
        return self.cation_fraction * self.cation_phase.current

    @property
    def net_current(self) -> float:
        """θ i₊ + (1 − θ) i₋ (A/m²): zero up to the root tolerance."""
        theta = self.cation_fraction
        return theta * self.cation_phase.current + (1.0 - theta) * self.anion_phase.current

    @property
    def fluxes(self) -> dict[str, float]:
        """Ion fluxes feed → receiving, θ J⁺ + (1 − θ) J⁻ (mol m⁻² s⁻¹ of membrane)."""
        theta = self.cation_fraction
        plus, minus = self.cation_phase.fluxes, self.anion_phase.fluxes
        return {ion: theta * plus[ion] + (1.0 - theta) * minus[ion] for ion in plus}

    def separation_factor(self, ion: str, other: str) -> float:
        """S = (J_ion / J_other) / (c_ion / c_other) in the feed."""
        problem = self.cation_phase.problem
        fluxes = self.fluxes
        flux = np.array([fluxes[name] for name in problem.left.names])
        return float(quantity.selectivity(flux, problem.left.concentrations, problem.species(ion),
                                          problem.species(other)))


def open_circuit(
    cation_phase: MosaicPhase,
    anion_phase: MosaicPhase,
    cation_fraction: float,
    feed: Electrolyte,
    receiving: Electrolyte,
    *,
    mesh: Mesh = Mesh(),
    options: NewtonOptions = NewtonOptions(),
    voltage_tolerance: float = 1e-9,
    max_iterations: int = 30,
    start: MosaicSolution | None = None,
) -> MosaicSolution:
    """Solve both phases at the loop potential where θ i₊ + (1 − θ) i₋ = 0.

    Secant iteration on V (each evaluation solves both phases, warm-started from the previous
    evaluation or from ``start``, e.g. the solution at a neighbouring θ, with the continuation
    fallback of :func:`pnp.steady.solve_system`).

    Raises:
      ValueError: θ outside (0, 1), or a phase without an explicit bath layer.
      ConvergenceError: a phase did not converge, or the open-circuit root was not found.
    """
    theta = float(cation_fraction)
    if not 0.0 < theta < 1.0:
        raise ValueError(f"cation_fraction θ must lie strictly between 0 and 1, got {cation_fraction}")
    phases = (cation_phase, anion_phase)
    problems = [build_problem(phase.membrane, Conditions(feed, 0.0, right=receiving, mesh=mesh, options=options,
                                                         excess_potential=phase.excess_profiles()))
                for phase in phases]
    v0 = 0.0 if start is None else float(start.voltage)
    if start is None:
        guesses = []
        for problem in problems:
            state, result = solve_system(problem.system, None, options)
            check(result)
            guesses.append(state)
    else:
        guesses = [start.cation_phase.state, start.anion_phase.state]
    thermal = problems[0].scales.voltage
    systems, fractions = tuple(p.system for p in problems), (theta, 1.0 - theta)
    scales = tuple(p.discretization.flux_scale for p in problems)

    def net(u, states):
        """θ i₊ + (1 − θ) i₋ at the loop potential u (kT/e), up to the factor F."""
        parts = [quantity.charge_flux_near(system, u, state, options) for system, state in zip(systems, states)]
        total = sum(weight * scale * flux for weight, scale, (flux, _) in zip(fractions, scales, parts))
        return total, tuple(state for _, state in parts)

    found = secant(net, v0 / thermal, v0 / thermal + 0.5, tuple(guesses), tolerance=voltage_tolerance / thermal,
                   max_iterations=max_iterations, traced=False)
    if not bool(found.converged):
        history = np.asarray(found.history) * np.array([thermal, FARADAY])
        history = history[np.isfinite(history[:, 0])]
        raise ConvergenceError(
            f"the loop voltage (open circuit) search did not converge in {max_iterations} secant steps; "
            f"(V, net current density) history: {history.tolist()}",
            parameter="loop voltage (open circuit)", reached=float(history[-1, 0]), history=history)
    voltage = float(found.root) * thermal
    info = SolveInfo(newton_calls=int(found.evaluations), converged=True)
    plus, minus = (Solution(problem.at_voltage(voltage), state, voltage, info, options)
                   for problem, state in zip(problems, found.payload))
    return MosaicSolution(theta, plus, minus)

