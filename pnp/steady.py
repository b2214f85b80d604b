"""Steady solves of PNP problems: the continuation path, implicit derivatives, diagnostics.

One jitted program per grid structure finds the root on the device
(:func:`pnp.solver.follow_path`), along the path

1. from ``guess`` (a neighbouring solution), if one is given — one Newton attempt; on success
   that is the answer;
2. otherwise (or if it failed) one Newton attempt at the target at V = 0 from a uniform bath;
3. if that failed, continuation from the trivial problem (no charges or excess potentials,
   equal baths, every extra term at rest: its exact solution is the uniform bath) to the
   target at V = 0;
4. continuation in the applied voltage, when there is one.

The converged state gets implicit derivatives (:func:`pnp.solver.implicit_root`), so every
output built on it is differentiable with respect to everything the residual reads (grid,
hence geometry; charges; baths; voltage; D; ε; μ^ex; term parameters), under jit and vmap.
Outside jit a failed solve raises :class:`~pnp.solver.ConvergenceError` naming the leg and how
far it got; under jit the state is NaN instead (never a finite wrong answer).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .linalg.band import Couplings
from .physics.model import Model, System, residual
from .physics.parameters import at_equilibrium_start
from .physics.state import State
from .solver.continuation import END, Leg, PathResult, follow_path
from .solver.errors import ConvergenceError
from .solver.implicit import implicit_root
from .solver.newton import NewtonOptions
from .solver.stencil import derive_couplings
from .tracing import concrete, concrete_tree, is_traced

LEGS = (
    "warm start from the given guess",
    "direct Newton from a uniform bath",
    "charges and bath concentrations (σ, X, μ^ex, right bath)",
    "applied voltage",
)
CONTINUATION_LEGS = (2, 3)  # the legs reported in SolveInfo.continuation_steps
MIN_STEP = 1e-4  # smallest continuation step before a leg gives up


@dataclasses.dataclass
class SolveInfo:
    """Diagnostics of a steady solve."""

    newton_iterations: int = 0  # total over all Newton calls
    newton_calls: int = 0
    continuation_steps: dict = dataclasses.field(default_factory=dict)  # leg → accepted steps
    residual_history: list = dataclasses.field(default_factory=list)  # last successful call
    converged: bool = False

    @classmethod
    def from_path(cls, result: PathResult) -> "SolveInfo | None":
        """The diagnostics of a path result (None when they are traced, under jit)."""
        values = concrete_tree(result) if is_traced(result) else result  # under jax.grad: the primal values
        if values is None:  # under jit
            return None
        values = jax.device_get(values)  # one transfer for all the diagnostics
        steps = values.steps
        return cls(
            newton_iterations=int(values.newton_iterations), newton_calls=int(values.newton_calls),
            continuation_steps={LEGS[k]: int(steps[k]) for k in CONTINUATION_LEGS if steps[k] > 0},
            residual_history=[float(v) for v in values.history[:int(values.history_length)]],
            converged=bool(values.converged),
        )


@jax.jit  # one small program per grid shape, not a dozen one-operation ones
def uniform_state(system: System) -> State:
    """φ = 0, log-concentrations linear in z between the two baths, other fields 0 (inactive cells 0)."""
    grid, params = system.grid, system.parameters
    z = grid.cell_z
    t = (z - jnp.min(z)) / jnp.maximum(jnp.max(z) - jnp.min(z), 1e-300)
    log_c = (1.0 - t)[None] * jnp.log(params.left_concentration)[:, None, None] + t[None] * jnp.log(
        params.right_concentration)[:, None, None]
    state = system.model.zero_state(grid.shape, params.valence.shape[0]).replace(log_concentration=log_c)
    active = np.asarray(grid.active)
    return jax.tree_util.tree_map(lambda a: jnp.where(active, a, 0.0), state)


def couplings(model: Model, n_species: int) -> Couplings:
    """The sparsity of ``model``'s Jacobian, derived from its residual on :meth:`Model.probe`
    (computed once per model structure and species count)."""
    return _couplings(jax.tree_util.tree_structure(model),
                      tuple(np.shape(leaf) for leaf in jax.tree_util.tree_leaves(model)), n_species)


@functools.lru_cache(maxsize=64)
def _couplings(structure, leaf_shapes, n_species: int) -> Couplings:
    with jax.ensure_compile_time_eval():  # concrete even when first asked for inside a jit trace
        model = jax.tree_util.tree_unflatten(structure, [np.ones(shape) for shape in leaf_shapes])
        state, system = model.probe(n_species)
        return derive_couplings(residual, state, system)


def path(system: System, guess: State, use_guess, continuation: bool = True) -> list[Leg]:
    """The legs of the module docstring for ``system`` (``use_guess`` may be traced)."""
    start = Leg(system, system, restart=guess, enabled=use_guess, single_attempt=True, on_success=END)
    if not continuation:
        return [start]
    params = system.parameters
    has_voltage = params.left_potential != params.right_potential
    zero = jnp.zeros_like(params.left_potential)
    at_rest = system.replace(parameters=params.replace(
        left_potential=jnp.where(has_voltage, zero, params.left_potential),
        right_potential=jnp.where(has_voltage, zero, params.right_potential)))
    trivial = System(system.grid, at_equilibrium_start(params), system.model.at_rest())
    return [
        start,
        Leg(at_rest, at_rest, restart=uniform_state(system), single_attempt=True, on_success=3),
        Leg(trivial, at_rest, restart=uniform_state(trivial)),
        Leg(at_rest, system, enabled=has_voltage),
    ]


@functools.partial(jax.jit, static_argnames=("options", "couplings_", "continuation"))
def _find_root(system, guess, use_guess, options, couplings_, continuation) -> PathResult:
    """The continuation path to the root; nothing here is differentiated (see solve_system)."""
    legs = path(system, guess, use_guess, continuation)
    return follow_path(residual, legs, guess, options=options, couplings=couplings_,
                       limited=system.model.step_limited(), min_step=MIN_STEP)


@functools.partial(jax.jit, static_argnames=("couplings_", "linear_solver"))
def _with_derivatives(system, root, converged, couplings_, linear_solver) -> State:
    """``root`` with its implicit derivatives in ``system`` attached; NaN where not converged."""
    state = implicit_root(residual, system, root, couplings=couplings_, linear_solver=linear_solver)
    return jax.tree_util.tree_map(lambda a: jnp.where(converged, a, jnp.nan), state)


def solve_system(system: System, guess: State | None = None, options: NewtonOptions = NewtonOptions(), *,
                 continuation: bool = True) -> tuple[State, PathResult]:
    """Steady state of ``system`` and the path diagnostics; traceable (see the module docstring).

    ``continuation=False`` tries Newton from ``guess`` only (NaN state if that fails).
    """
    if guess is None:
        if not continuation:
            raise ValueError("solve_system without continuation needs a guess (a converged nearby state)")
        start, use_guess = uniform_state(system), False
    else:
        start, use_guess = guess, True
    c = couplings(system.model, system.parameters.valence.shape[0])
    # Two programs: the path (costly to compile) sees no derivatives, so under jax.grad or jvp it
    # runs as the very program a plain solve compiled (tangents that are all zero skip
    # differentiation); only the light second program is differentiated.
    fixed, start = jax.lax.stop_gradient((system, start))
    result = _find_root(fixed, start, jnp.asarray(use_guess), options, c, continuation)
    return _with_derivatives(system, result.state, result.converged, c, options.linear_solver), result


def check(result: PathResult, *, continuation: bool = True) -> SolveInfo | None:
    """SolveInfo of a path result; raises :class:`ConvergenceError` when it failed (outside jit)."""
    info = SolveInfo.from_path(result)
    if info is None or info.converged:
        return info
    leg = int(concrete(result.failed_leg))
    reached = float(concrete(result.reached))
    history = np.asarray(concrete(result.failed_history))[:int(concrete(result.failed_history_length))]
    if not continuation or leg == 0:
        raise ConvergenceError(
            f"Newton did not converge from the given guess. Residual history: {np.array2string(history, precision=2)}. "
            "Start from a closer converged state.", parameter=LEGS[0], reached=0.0, history=history)
    parameter = LEGS[leg]
    raise ConvergenceError(
        f"Newton did not converge while ramping the {parameter}: it reached "
        f"{100 * reached:.3g}% of the way (continuation step fell below {MIN_STEP:g}). "
        f"Residual history of the last attempt: {np.array2string(history, precision=2)}. "
        "Try a finer mesh near charged walls, a smaller voltage step, or larger max_iterations.",
        parameter=parameter, reached=reached, history=history,
    )
