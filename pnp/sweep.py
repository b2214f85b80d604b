"""Voltage sweeps (I–V curves) with continuation from 0 V in both directions.

The grid and parameters are built once; each bias point starts Newton from a secant
prediction x_k + (x_k − x_{k−1})·ΔV_{k+1}/ΔV_k through the two previous converged states
of its branch (falling back to the full continuation path if that fails), so a sweep
costs a few Newton iterations per point and compiles once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import jax
import numpy as np

from . import guards, quantity
from .conditions import Conditions
from .problem import build_problem
from .progress import Progress
from .solution import Solution
from .steady import check, solve_system
from .tracing import is_traced, plain


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
        return _stack([s.current for s in self.solutions])

    @property
    def flow_rates(self) -> np.ndarray:
        """Solvent volume flow rate at every voltage (m³/s; m²/s planar), positive along +z; a
        sweep with ``flow=True`` only."""
        return _stack([s.flow_rate for s in self.solutions])

    def fluxes(self, ion: str) -> np.ndarray:
        """Flux of ``ion`` at every voltage (mol/s; per m planar, per m² 1D), positive along +z."""
        return _stack([s.fluxes[ion] for s in self.solutions])

    def at(self, voltage: float) -> Solution:
        index = int(np.argmin(np.abs(self.voltages - voltage)))
        if not np.isclose(self.voltages[index], voltage, rtol=0, atol=1e-12):
            raise ValueError(f"voltage {voltage} V is not in the sweep {self.voltages}")
        return self.solutions[index]

    def conductance(self, voltage: float = 0.0) -> float:
        """Exact differential conductance dI/dV (S; S/m planar, S/m² 1D) at ``voltage`` (V), a
        voltage of the sweep (default 0 V): one tangent solve at that point, no finite difference."""
        return self.at(voltage).conductance

    def chord_conductance(self) -> float:
        """Chord slope (I(V₊) − I(V₋))/(V₊ − V₋) (S) between the two voltages nearest 0 on either
        side of it: an approximation of the slope at 0 V, close to :meth:`conductance` only for
        small V₊, V₋ (linear response, e.g. ±1 mV)."""
        return plain(quantity.chord_conductance(self.voltages, self.currents))

    def zero_current_offset(self) -> float | None:
        """|I(0 V)| / max |I| over the sweep: 0 for equal baths, finite under a concentration
        gradient (then the I–V is not odd-symmetric about 0 and ratios of currents mix in the
        diffusion current); None when the sweep has no 0 V point."""
        if not np.any(self.voltages == 0.0):
            return None
        scale = np.max(np.abs(self.currents))
        return float(np.abs(self.at(0.0).current) / scale) if scale > 0 else 0.0

    def plot(self, path=None, *, title: str | None = None):
        """The I–V figure (conductance at 0 V, rectification): a matplotlib Figure, or written to
        ``path`` as PNG (returns the path)."""
        from .plotting import iv_figure, save_figure

        figure = iv_figure(self, title=title)
        return figure if path is None else save_figure(figure, path)

    def plot_fields(self, voltage: float | None = None, path=None, *, title: str | None = None):
        """Fields at +V and −V side by side (V: ``voltage``, default the largest |V| swept with both
        signs), with a zoom on the channel's narrow end: a Figure, or written to ``path`` (PNG)."""
        from .plotting import fields_figure, opposite_voltages, save_figure

        figure = fields_figure(opposite_voltages(self, voltage), title=title)
        return figure if path is None else save_figure(figure, path)

    def table(self) -> dict:
        """Columns ``name [unit]`` → values: voltage, current, fluxes, Newton iterations (:mod:`pnp.tables`)."""
        from .tables import iv_table

        return iv_table(self)

    def to_csv(self, path) -> Path:
        """Write :meth:`table` as CSV (atomic); read back with :func:`pnp.tables.read_csv`."""
        from .tables import write_csv

        return write_csv(path, self.table(), comments=("pnp I–V curve; V = φ_left − φ_right, currents and "
                                                        "fluxes positive along +z (left bath → right bath)",))

    def rectification(self, voltage: float) -> float:
        """r = |I(+V)| / |I(−V)| (V > 0): the rectification ratio, meaningful when I(0) = 0 (equal
        baths; see :meth:`zero_current_offset`)."""
        if voltage <= 0:
            raise ValueError("rectification needs a positive voltage magnitude")
        return plain(quantity.rectification(self.at(voltage).current, self.at(-voltage).current))


def _stack(values):
    return jax.numpy.stack(values) if is_traced(values) else np.array(values)


def sweep(geometry, conditions, voltages: Sequence[float], *, progress: bool = False, done: Sequence[Solution] = (),
          on_solution=None, **changes) -> IVCurve:
    """Solve at every voltage (V), continuing from 0 V outward in both directions.

    ``conditions``: a :class:`~pnp.Conditions` or the left bath plus keyword fields (as for
    :func:`pnp.solve`; its voltage is ignored). ``progress=True`` prints one line per bias
    point to stderr (:mod:`pnp.progress`: duration, elapsed time, ETA), after a notice that
    the first point compiles the solver. Differentiable like :func:`pnp.solve` (e.g. ``rectification`` with
    respect to σ).

    ``done``: solutions already found at some of the voltages (e.g. read back from a result
    file to resume a run); they are returned as given, not solved again, and the continuation
    goes on from their states. ``on_solution(solution)`` is called after each newly solved
    voltage of the sweep (in solving order: 0 V, then upward, then downward), e.g. to save it.
    """
    voltages = np.unique(np.asarray(voltages, dtype=np.float64))
    if voltages.size == 0 or not np.all(np.isfinite(voltages)):
        raise ValueError("voltages must be a non-empty list of finite numbers (V)")
    guards.check_voltage(voltages, "voltages")  # before anything is built or compiled
    conditions = Conditions.of(conditions, 0.0, **changes)
    problem = build_problem(geometry, conditions)
    options = conditions.options
    finished = {float(s.voltage): s for s in done}
    wanted = set(voltages.tolist())
    to_solve = len(wanted | {0.0}) - len(finished.keys() & (wanted | {0.0}))
    tracker = Progress(to_solve, "bias point", enabled=progress)
    if to_solve:
        tracker.begin()

    def solve_at(voltage, guess):
        if float(voltage) in finished:
            return finished[float(voltage)]
        at = problem.at_voltage(voltage)
        state, result = solve_system(at.system, guess, options)
        solution = Solution(at, state, float(voltage), check(result), options)
        if solution.info is not None:
            current = solution.current
            shown = f"{current:+.4e}" if not is_traced(current) else "(traced)"
            tracker.step(f"V = {voltage:+.4f} V  I = {shown}  ({solution.info.newton_iterations} Newton iterations)")
        if on_solution is not None and float(voltage) in wanted:
            on_solution(solution)
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
                ratio = (v - v1) / (v1 - v0)
                guess = jax.tree_util.tree_map(lambda a, b: a + (a - b) * ratio, s1, s0)
            solution = solve_at(v, guess)
            results[float(v)] = solution
            history.append((float(v), solution.state))
    guards.warn_if_concentrated(*results.values())
    return IVCurve(tuple(results[float(v)] for v in voltages))
