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
    from .solver.continuation import ConvergenceError

    kwargs = dict(right=right, mesh=mesh, options=options, excess_potential=excess_potential,
                  permittivity=permittivity)
    v0 = 0.0
    s0 = solve(geometry, electrolyte, v0, **kwargs)
    ratio = float(np.log(np.sum(electrolyte.concentrations) / np.sum(right.concentrations)))
    v1 = 0.5 * thermal_voltage(electrolyte.temperature) * (ratio if ratio != 0 else 1.0)
    s1 = solve(geometry, electrolyte, v1, guess=s0.state, **kwargs)
    history = []
    for _ in range(max_iterations):
        i0, i1 = s0.current, s1.current
        history.append((s1.voltage, i1))
        if i1 == i0:
            break
        v2 = v1 - i1 * (v1 - v0) / (i1 - i0)
        s0, s1 = s1, solve(geometry, electrolyte, v2, guess=s1.state, **kwargs)
        v0, v1 = v1, v2
        if abs(v1 - v0) < voltage_tolerance:
            return s1
    raise ConvergenceError(
        f"zero-current voltage search did not converge in {max_iterations} secant steps; "
        f"(V, I) history: {history}",
        parameter="voltage (zero-current root)", reached=float(v1), history=np.array(history),
    )
