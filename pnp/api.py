"""Public entry points: solve one steady problem, find the zero-current voltage, freeze a mesh.

Every continuous input may be a JAX tracer: ``jax.grad``/``jax.jacfwd`` of any output of a
:class:`~pnp.Solution` with respect to radii, lengths, charges, bath concentrations, the
voltage, diffusivities, permittivity or μ^ex parameters give exact (implicit, adjoint)
derivatives, and the solves run under ``jax.jit`` too (with a frozen mesh where a traced value
would change the mesh: see :mod:`pnp.tracing`).
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from .conditions import Conditions
from .geometry.base import Mesh
from .guards import warn_if_concentrated
from .problem import build_problem, layout
from .quantity import zero_current_potential
from .solution import Solution
from .solver.errors import ConvergenceError
from .steady import check, solve_system
from .tracing import concrete, plain


def solve(geometry, conditions, voltage=None, *, guess=None, **changes) -> Solution:
    """Steady PNP solution of ``geometry`` under ``conditions``.

    Args:
      geometry: e.g. ``pnp.Cylinder(5e-9, 100e-9, -0.02)``, ``pnp.ChargedWall(-0.05)``,
        ``pnp.Membrane(10e-6, fixed_charge=-100.0)``.
      conditions: a :class:`~pnp.Conditions`, or the left bath (an Electrolyte) with the other
        fields as keywords: ``right``, ``mesh``, ``options``, ``excess_potential``,
        ``permittivity``, ``diffusivity``, ``terms``.
      voltage: V = φ_left − φ_right in volts (the right bath is grounded); overrides the
        conditions' voltage when given.
      guess: a neighbouring solution's ``state`` to start Newton from (continuation follows if
        Newton fails from it).

    Raises:
      ValueError: bad input (names the field), including values outside the plausible ranges of
        :mod:`pnp.guards`. ConvergenceError: Newton and continuation failed (names the parameter
        being ramped, how far it got, the residual history).

    Warns:
      pnp.guards.PhysicalLimitWarning: the solution exceeds 5 M somewhere (dilute model invalid).
    """
    conditions = Conditions.of(conditions, voltage, **changes)
    problem = build_problem(geometry, conditions)
    state, result = solve_system(problem.system, guess, conditions.options)
    solution = Solution(problem, state, conditions.voltage, check(result), conditions.options)
    warn_if_concentrated(solution)
    return solution


def zero_current_voltage(geometry, conditions, right=None, *, voltage_tolerance: float = 1e-9,
                         max_iterations: int = 30, **changes) -> Solution:
    """Solution at zero current (reversal / membrane potential), found as a root of I(V).

    Secant iteration on V with warm starts; stops when the voltage update is below
    ``voltage_tolerance`` (V). The membrane potential φ_right − φ_left is ``−solution.voltage``
    (differentiable: implicit in the root).

    Raises:
      ConvergenceError: when the root iteration does not converge.
    """
    if right is not None:
        changes["right"] = right
    conditions = Conditions.of(conditions, 0.0, **changes)
    problem = build_problem(geometry, conditions)
    left_total = concrete(jnp.sum(jnp.asarray(conditions.electrolyte.concentrations)))
    right_total = concrete(jnp.sum(jnp.asarray(conditions.right_bath.concentrations)))
    ratio = 0.0 if left_total is None or right_total is None else float(np.log(left_total / right_total))
    u1 = 0.5 * (ratio if ratio != 0 else 1.0)  # kT/e
    start, result = solve_system(problem.system, None, conditions.options)
    check(result)
    thermal = problem.scales.voltage
    root, state, found = zero_current_potential(problem, start, 0.0, u1, options=conditions.options,
                                                tolerance=voltage_tolerance / thermal,
                                                max_iterations=max_iterations)
    converged = concrete(found.converged)
    if converged is not None and not bool(converged):
        history = np.asarray(found.history) * np.array([thermal, 1.0])
        history = history[np.isfinite(history[:, 0])]
        raise ConvergenceError(
            f"the voltage (zero-current root) search did not converge in {max_iterations} secant steps; "
            f"(V, scaled current) history: {history.tolist()}",
            parameter="voltage (zero-current root)", reached=float(history[-1, 0]), history=history)
    at_root = problem.at_voltage(root * thermal)
    iterations = concrete(found.evaluations)
    info = None if iterations is None else dataclasses.replace(
        check(result), newton_calls=int(iterations), converged=True)
    solution = Solution(at_root, state, plain(root * thermal), info, conditions.options)
    warn_if_concentrated(solution)
    return solution


def frozen_mesh(geometry, conditions, **changes) -> Mesh:
    """The mesh of ``geometry`` under ``conditions``, frozen: a :class:`~pnp.Mesh` whose layout
    (node positions relative to the geometry's sizes, and the nondimensional scales) is fixed.

    Pass it as ``mesh=`` to solve geometries of the same kind with other (possibly traced)
    radii, lengths, charges or concentrations: they are mapped onto these nodes, so a solve
    under ``jax.jit`` or inside a design loop needs no new mesh and stays differentiable.
    """
    conditions = Conditions.of(conditions, **changes)
    return dataclasses.replace(conditions.mesh, layout=layout(geometry, conditions))
