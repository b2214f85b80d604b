"""Public entry point: solve one steady problem from SI inputs."""

from __future__ import annotations

from collections.abc import Mapping

from .electrolyte import Electrolyte
from .geometry.base import Mesh, Profile
from .problem import build_problem
from .solution import Solution
from .solver.continuation import solve_steady
from .solver.newton import NewtonOptions


def solve(
    geometry,
    electrolyte: Electrolyte,
    voltage: float = 0.0,
    *,
    right: Electrolyte | None = None,
    mesh: Mesh = Mesh(),
    options: NewtonOptions = NewtonOptions(),
    excess_potential: Mapping[str, Profile] | None = None,
    permittivity: Profile | None = None,
    guess=None,
) -> Solution:
    """Steady PNP solution of ``geometry`` between baths at applied ``voltage``.

    Args:
      geometry: e.g. ``pnp.Cylinder(5e-9, 100e-9, -0.02)``, ``pnp.ChargedWall(-0.05)``,
        ``pnp.Membrane(10e-6, fixed_charge=-100.0)``.
      electrolyte: left bath; ``right``: right bath (same ions; default equal).
      voltage: V = φ_left − φ_right in volts (the right bath is grounded).
      mesh, options: mesh controls and Newton options.
      excess_potential: per-ion μ^ex(z, r) in J/mol; permittivity: ε_r or ε_r(z, r).
      guess: nondimensional state to start Newton from (e.g. a neighbouring solution's).

    Raises:
      ValueError: bad input (names the field). ConvergenceError: Newton and continuation
        failed (names the parameter being ramped, how far it got, the residual history).
    """
    problem = build_problem(geometry, electrolyte, voltage, right=right, mesh=mesh,
                            excess_potential=excess_potential, permittivity=permittivity)
    state, info = solve_steady(problem.grid, problem.parameters, guess=guess, options=options)
    return Solution(problem, state, float(voltage), info)


def zero_current_voltage(
    geometry,
    electrolyte: Electrolyte,
    right: Electrolyte,
    *,
    mesh: Mesh = Mesh(),
    options: NewtonOptions = NewtonOptions(),
    excess_potential: Mapping[str, Profile] | None = None,
    permittivity: Profile | None = None,
    voltage_tolerance: float = 1e-9,
    max_iterations: int = 30,
) -> Solution:
    """Solution at zero current (reversal / membrane potential), found as a root of I(V).

    Secant iteration on V with warm starts; stops when the voltage update is below
    ``voltage_tolerance`` (V). The membrane potential φ_right − φ_left is ``−solution.voltage``.

    Raises:
      ConvergenceError: when the root iteration does not converge.
    """
    import numpy as np

    from .constants import thermal_voltage
    from .solver.secant import secant_root

    kwargs = dict(right=right, mesh=mesh, options=options, excess_potential=excess_potential,
                  permittivity=permittivity)

    def current_at(voltage, previous):
        guess = None if previous is None else previous.state
        solution = solve(geometry, electrolyte, voltage, guess=guess, **kwargs)
        return solution.current, solution

    ratio = float(np.log(np.sum(electrolyte.concentrations) / np.sum(right.concentrations)))
    v1 = 0.5 * thermal_voltage(electrolyte.temperature) * (ratio if ratio != 0 else 1.0)
    _, solution = secant_root(current_at, 0.0, v1, tolerance=voltage_tolerance, max_iterations=max_iterations,
                              parameter="voltage (zero-current root)")
    return solution
