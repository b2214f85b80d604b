"""Voltage sweeps (I–V curves) with continuation from 0 V in both directions.

The grid and parameters are built once; each bias point starts Newton from a secant
prediction x_k + (x_k − x_{k−1})·ΔV_{k+1}/ΔV_k through the two previous converged states
of its branch (falling back to the full continuation path if that fails), so a sweep
costs a few Newton iterations per point and compiles once.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Mapping, Sequence

import numpy as np

from .electrolyte import Electrolyte
from .geometry.base import Mesh, Profile
from .problem import build_problem
from .solution import Solution
from .solver.continuation import solve_steady
from .solver.newton import NewtonOptions


@dataclasses.dataclass(frozen=True)
class IVCurve:
    """Steady solutions at several voltages (ascending), with I–V observables in SI."""

    solutions: tuple[Solution, ...]

    @property
    def voltages(self) -> np.ndarray:
        """V = φ_left − φ_right (V), ascending."""
        return np.array([s.voltage for s in self.solutions])

    @property
    def currents(self) -> np.ndarray:
        """Current (A; A/m planar, A/m² 1D), positive along +z."""
        return np.array([s.current for s in self.solutions])

    def fluxes(self, ion: str) -> np.ndarray:
        """Flux of ``ion`` at every voltage (mol/s; per m planar, per m² 1D), positive along +z."""
        return np.array([s.fluxes[ion] for s in self.solutions])

    def at(self, voltage: float) -> Solution:
        index = int(np.argmin(np.abs(self.voltages - voltage)))
        if not np.isclose(self.voltages[index], voltage, rtol=0, atol=1e-12):
            raise ValueError(f"voltage {voltage} V is not in the sweep {self.voltages}")
        return self.solutions[index]

    def chord_conductance(self) -> np.ndarray:
        """I/V at every nonzero voltage (S); NaN at V = 0."""
        v = self.voltages
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v != 0, self.currents / v, np.nan)

    def conductance(self) -> float:
        """Slope dI/dV at 0 V (S) from the two voltages nearest 0 on either side of it."""
        v, i = self.voltages, self.currents
        below, above = v[v < 0], v[v > 0]
        if len(below) == 0 or len(above) == 0:
            raise ValueError("conductance at 0 V needs voltages on both sides of 0")
        lo, hi = int(np.flatnonzero(v == below.max())[0]), int(np.flatnonzero(v == above.min())[0])
        return float((i[hi] - i[lo]) / (v[hi] - v[lo]))

    def rectification(self, voltage: float) -> float:
        """r = |I(+V)| / |I(−V)| (V > 0)."""
        if voltage <= 0:
            raise ValueError("rectification needs a positive voltage magnitude")
        return abs(self.at(voltage).current) / abs(self.at(-voltage).current)


def sweep(
    geometry,
    electrolyte: Electrolyte,
    voltages: Sequence[float],
    *,
    right: Electrolyte | None = None,
    mesh: Mesh = Mesh(),
    options: NewtonOptions = NewtonOptions(),
    excess_potential: Mapping[str, Profile] | None = None,
    permittivity: Profile | None = None,
    progress: bool = False,
) -> IVCurve:
    """Solve at every voltage (V), continuing from 0 V outward in both directions.

    ``progress=True`` prints one line per bias point to stderr.
    """
    voltages = np.unique(np.asarray(voltages, dtype=np.float64))
    if voltages.size == 0 or not np.all(np.isfinite(voltages)):
        raise ValueError("voltages must be a non-empty list of finite numbers (V)")
    problem = build_problem(geometry, electrolyte, 0.0, right=right, mesh=mesh,
                            excess_potential=excess_potential, permittivity=permittivity)
    thermal = problem.scales.voltage

    def solve_at(voltage, guess):
        params = problem.parameters.replace(left_potential=problem.parameters.left_potential * 0 + voltage / thermal)
        start = time.perf_counter()
        state, info = solve_steady(problem.grid, params, guess=guess, options=options)
        solution = Solution(dataclasses.replace(problem, parameters=params), state, float(voltage), info)
        if progress:
            print(f"  V = {voltage:+.4f} V  I = {solution.current:+.4e}  "
                  f"({info.newton_iterations} Newton iterations, {time.perf_counter() - start:.2f} s)",
                  file=sys.stderr, flush=True)
        return solution

    origin = solve_at(0.0, None)
    results = {0.0: origin}
    for branch in (voltages[voltages > 0], voltages[voltages < 0][::-1]):
        history = [(0.0, origin.state)]
        for v in branch:
            (v1, s1) = history[-1]
            guess = s1
            if len(history) > 1:
                v0, s0 = history[-2]
                guess = s1 + (s1 - s0) * ((v - v1) / (v1 - v0))
            solution = solve_at(v, guess)
            results[float(v)] = solution
            history.append((float(v), solution.state))
    return IVCurve(tuple(results[float(v)] for v in voltages))
