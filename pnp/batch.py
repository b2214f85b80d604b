"""Many steady solves at once: batched Newton over designs or voltages, sharded over devices.

``solve_batch`` runs one jitted, ``vmap``-ed Newton over a batch of :class:`Parameters`
(any fields may differ: charges, baths, voltage, diffusivities, …) on one grid. The batch is
split over ``devices`` with ``jax.shard_map``, so every device runs its own Newton loop on
its slice (no cross-device synchronisation per iteration). Compiled programs are cached by
grid shape, batch size and options, so repeated calls with the same shapes do not recompile.

``solve_designs`` batches many designs in groups of similar difficulty (distance from a
solved origin design), each group starting from the previous group's converged states.

``sweep_batched`` is the I–V sweep built on it: the voltages of each branch (0 → +V_max and
0 → −V_max) are dealt round-robin onto ``chains`` continuation chains; all chains advance
one step together (``lax.scan`` over steps, ``vmap`` over chains), each starting Newton
from the secant prediction through its own previous two converged states. A point that
does not converge in the batch is re-solved sequentially with the robust continuation
path of :func:`pnp.steady.solve_system`, so the result is the same as :func:`pnp.sweep`'s.

On the CPU a single device runs one batch member after another inside the sparse solver
(KLU handles the members of a ``vmap`` batch in a loop), so the batch is also cut into
``threads`` equal slices (default: one per CPU core this process may use), each run by the
same compiled program in its own host thread; the compiled programs release Python's lock
while they run, so the slices run at the same time (measured in ``benchmarks/throughput.py``);
within a slice the members go through in small chunks (:func:`_over_members`).
A program that calls jaxlib's LAPACK kernels (the dense-block backends ``thomas`` and
``cyclic_reduction``) runs its slices one after another instead: those kernels spread a batch over XLA's
intra-op thread pool (one thread a core) and block until it is done, so two such programs at
once can hold every pool thread while waiting for work queued behind them — a deadlock
(seen with ``cyclic_reduction`` on 2 cores: both slices waited forever, CPU idle). They use
the cores on their own.

Multi-host: call ``jax.distributed.initialize()`` in every process first (see the README);
``jax.devices()`` then spans all hosts and ``devices=jax.devices()`` shards over them, every
process passing the same full batch.
"""

from __future__ import annotations

import collections
import concurrent.futures
import functools
import os
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh as DeviceMesh
from jax.sharding import PartitionSpec

from .conditions import Conditions
from .physics.model import PNP, Model, System, residual
from .physics.skew import grid_terms
from .physics.parameters import Parameters
from .problem import build_problem
from .solution import Solution
from .solver.errors import ConvergenceError
from .solver.newton import NewtonOptions, NewtonResult, newton_solve
from .steady import SolveInfo, check, couplings, solve_system
from .sweep import IVCurve
from .tracing import is_traced

BATCH_AXIS = "batch"


def stack_parameters(designs: Sequence[Parameters]) -> Parameters:
    """One batched :class:`Parameters` (leading axis = design) from designs on the same grid."""
    if len(designs) == 0:
        raise ValueError("designs must contain at least one Parameters")
    shapes = {tuple(jnp.shape(leaf) for leaf in jax.tree_util.tree_leaves(d)) for d in designs}
    if len(shapes) != 1:
        raise ValueError("all designs must have the same field shapes (same grid and species)")
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *designs)


def batch_size(params: Parameters) -> int:
    """Length of the leading (design) axis of a batched :class:`Parameters`."""
    return int(jnp.shape(params.left_potential)[0])


def host_threads() -> int:
    """The CPU cores this process may use: the default number of batch slices on the CPU."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _split(threads: int | None, devices: tuple, size: int) -> tuple[int, int]:
    """(slices, padded size) of a batch of ``size``: how many slices run in parallel host threads
    (1 when sharded over devices or off the CPU, where one program already spans the hardware),
    and the size padded to a multiple of the devices or slices."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer (or None for one per CPU core), got {threads!r}")
    sharded = len(devices) > 1 or devices[0].platform != "cpu"
    slices = 1 if sharded else max(1, min(host_threads() if threads is None else threads, size))
    parts = max(len(devices), slices)
    return slices, -(-size // parts) * parts


_COMPILED: collections.OrderedDict = collections.OrderedDict()  # (jitted run, argument signature) → (executable, safe)
POOL_BLOCKING_KERNELS = "lapack_"  # custom-call targets that wait on XLA's intra-op pool (module docstring)


def _compiled(run, args):
    """``run`` compiled ahead of time for arguments shaped like ``args`` (kept for the 16 latest
    signatures), so that threads calling it at once do not each trace and compile it; and
    whether copies of it may run in parallel threads (it calls no :data:`POOL_BLOCKING_KERNELS`)."""
    leaves, treedef = jax.tree_util.tree_flatten(args)
    key = (run, treedef, tuple((np.shape(a), str(getattr(a, "dtype", type(a)))) for a in leaves))
    if key not in _COMPILED:
        program = run.lower(*args).compile()
        _COMPILED[key] = program, f'custom_call_target="{POOL_BLOCKING_KERNELS}' not in program.as_text()
        while len(_COMPILED) > 16:
            _COMPILED.popitem(last=False)
    _COMPILED.move_to_end(key)
    return _COMPILED[key]


def _run_sliced(run, args, batched: tuple[bool, ...], slices: int):
    """``run(*args)`` with the leading axis of the ``batched`` arguments cut into ``slices``
    equal parts, each run in its own thread (one after another where the program may not run
    in parallel, :func:`_compiled`); the parts of the result joined again. Traced arguments
    (``solve_batch`` inside a user's ``jax.jit``) run as one program."""
    if slices == 1 or is_traced(args):
        return run(*args)
    size = jax.tree_util.tree_leaves([a for a, b in zip(args, batched) if b])[0].shape[0]
    width = size // slices

    def part(k):
        return tuple(jax.tree_util.tree_map(lambda a: a[k * width:(k + 1) * width], a) if b else a
                     for a, b in zip(args, batched))

    program, parallel_safe = _compiled(run, part(0))
    run_part = lambda k: jax.block_until_ready(program(*part(k)))  # noqa: E731
    if parallel_safe:
        with concurrent.futures.ThreadPoolExecutor(slices) as pool:
            results = list(pool.map(run_part, range(slices)))
    else:
        results = [run_part(k) for k in range(slices)]
    return jax.tree_util.tree_map(lambda *parts: jnp.concatenate(parts), *results)


def _pad(tree, size: int):
    """Repeat the last batch member so the leading axis has ``size`` entries."""

    def pad(a):
        missing = size - a.shape[0]
        return a if missing == 0 else jnp.concatenate([a, jnp.repeat(a[-1:], missing, axis=0)])

    return jax.tree_util.tree_map(pad, tree)


CHUNK_UNKNOWNS = 4096  # on the CPU, vmap members together up to this many unknowns (members × nz·nr·nc)


def _over_members(one, in_axes: tuple, platform: str):
    """``one`` over the leading axis of the arguments whose ``in_axes`` entry is 0; its first
    argument is a state (one member's unknowns, batched or shared).

    Off the CPU: ``vmap`` of the whole batch (one wide program). On the CPU: ``lax.map`` over
    chunks of members, each chunk a ``vmap`` of at most :data:`CHUNK_UNKNOWNS` unknowns (at
    least one member). A whole batch in one ``vmap`` makes every intermediate of the
    Jacobian's colored JVPs B times larger than the caches, and members wait in one Newton
    loop for the slowest: per member it ran slower than one design alone (2 cores, one program:
    demo-like cone, 16 designs, 1.72 against 2.62 designs/s; in chunks of one member 3.05;
    64 designs of the 2D pore 173 → 258 and of the 1D membrane 748 → 831 designs/s in chunks;
    benchmarks/RESULTS.md).
    """
    vmapped = jax.vmap(one, in_axes=in_axes)
    if platform != "cpu":
        return vmapped

    def run(*args):
        mapped = [a for a, axis in zip(args, in_axes) if axis == 0]
        size = jax.tree_util.tree_leaves(mapped[0])[0].shape[0]
        leading = 1 if in_axes[0] == 0 else 0  # a batched state: skip its batch axis
        unknowns = sum(int(np.prod(leaf.shape[leading:])) for leaf in jax.tree_util.tree_leaves(args[0]))
        chunk = max(1, CHUNK_UNKNOWNS // unknowns)
        if chunk >= size:
            return vmapped(*args)

        def member(xs):
            it = iter(xs)
            return one(*(next(it) if axis == 0 else a for a, axis in zip(args, in_axes)))

        return jax.lax.map(member, tuple(mapped), batch_size=chunk)

    return run


@functools.lru_cache(maxsize=32)
def _batched_newton(options: NewtonOptions, couplings_, devices: tuple):
    """jit(shard_map(newton_solve over the members)) over a batch of (guess, params); cached per device set."""

    def one(guess, grid, params, model):
        return newton_solve(residual, guess, System(grid, params, model), options, couplings_,
                            limited=model.step_limited())

    run = _over_members(one, (0, None, 0, None), devices[0].platform)
    if len(devices) > 1:
        mesh = DeviceMesh(np.array(devices), (BATCH_AXIS,))
        batched, replicated = PartitionSpec(BATCH_AXIS), PartitionSpec()
        run = jax.shard_map(run, mesh=mesh, in_specs=(batched, replicated, batched, replicated), out_specs=batched,
                            check_vma=False)
    return jax.jit(run)


def solve_batch(grid, params: Parameters, guess, options: NewtonOptions = NewtonOptions(),
                devices: Sequence[jax.Device] | None = None, model: Model | None = None,
                threads: int | None = None) -> NewtonResult:
    """Newton for every design of the batched ``params`` (leading axis B) on one ``grid``.

    Args:
      grid: the shared grid (designs differ only in parameters).
      params: batched nondimensional parameters (see :func:`stack_parameters`).
      guess: a start state shared by all designs, or one per design (leading axis B), e.g. a
        converged neighbouring state; no continuation runs inside the batch.
      devices: split the batch over these devices (default: one device, the default one).
      model: the physics (default: plain PNP with the grid's tangential flux terms,
        :func:`pnp.physics.skew.grid_terms`; pass ``problem.model`` for a problem's own terms).
      threads: on a single CPU device, run the batch in this many slices in parallel host
        threads (default: one per CPU core, :func:`host_threads`; 1 runs it as one program).
        Programs with LAPACK kernels (``thomas``, ``cyclic_reduction``) run the slices one
        after another (see the module docstring).

    Returns the batched :class:`NewtonResult` (``converged`` tells which designs converged;
    check it, or use :func:`check_converged`).
    """
    model = PNP.add(*grid_terms(grid)) if model is None else model
    size = batch_size(params)
    single = jax.tree_util.tree_leaves(guess)[0].ndim == jax.tree_util.tree_leaves(model.zero_state(
        grid.shape, params.valence.shape[-1]))[0].ndim
    if single:
        guess = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (size,) + a.shape), guess)
    devices = tuple(devices) if devices is not None else (jax.devices()[0],)
    slices, padded = _split(threads, devices, size)
    run = _batched_newton(options, couplings(model, params.valence.shape[-1]), devices)
    result = _run_sliced(run, (_pad(guess, padded), grid, _pad(params, padded), model), (True, False, True, False),
                         slices)
    return jax.tree_util.tree_map(lambda a: a[:size], result)


def check_converged(result: NewtonResult, labels: Sequence | None = None) -> None:
    """Raise :class:`ConvergenceError` naming every design of a batch that did not converge."""
    converged = np.asarray(result.converged)
    failed = np.flatnonzero(~converged)
    if failed.size == 0:
        return
    last = np.asarray(result.residual_history)[failed, np.maximum(np.asarray(result.iterations)[failed] - 1, 0)]
    names = [labels[i] if labels is not None else int(i) for i in failed]
    raise ConvergenceError(
        f"{failed.size} of {converged.size} designs did not converge from the given guess: {names} "
        f"(last row-scaled residuals {np.array2string(last, precision=2)}). Start them from a closer "
        f"converged state, or solve them one by one with pnp.solve (which runs continuation).",
        parameter="batch member", reached=float(failed[0]), history=np.asarray(result.residual_history)[failed],
    )


def design_distance(designs: Sequence[Parameters], origin: Parameters) -> np.ndarray:
    """How far each design is from ``origin``: Σ over fields of ‖Δ‖∞ / (‖origin‖∞ or 1).

    A cheap proxy for difficulty: Newton from the origin's state needs more iterations (or
    fails) the farther the design is.
    """
    def distance(params):
        total = 0.0
        for a, b in zip(jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(origin)):
            scale = float(jnp.max(jnp.abs(b))) or 1.0
            total += float(jnp.max(jnp.abs(a - b))) / scale
        return total

    return np.array([distance(d) for d in designs])


def solve_designs(grid, designs: Sequence[Parameters], origin: Parameters, origin_state,
                  options: NewtonOptions = NewtonOptions(), group_size: int = 16,
                  devices: Sequence[jax.Device] | None = None, model: Model | None = None,
                  threads: int | None = None) -> list:
    """Converged states of many designs, batched in groups of similar difficulty.

    Designs are ordered by :func:`design_distance` from ``origin`` (whose converged state is
    ``origin_state``) and solved ``group_size`` at a time with :func:`solve_batch`; each group
    starts from the converged state of the farthest member of the previous group (a
    continuation across designs), so every batch holds problems of similar difficulty and
    the while-loop of a batch is not held up by one hard member. A member that does not
    converge is solved alone by :func:`pnp.steady.solve_system` (continuation from its start).
    Returns the states in the order of ``designs``. ``devices`` and ``threads`` as for
    :func:`solve_batch`.

    Raises:
      ConvergenceError: a design that continuation cannot solve either (names its index).
    """
    if group_size < 1:
        raise ValueError(f"group_size must be a positive integer, got {group_size}")
    model = PNP.add(*grid_terms(grid)) if model is None else model
    order = np.argsort(design_distance(designs, origin), kind="stable")
    states = [None] * len(designs)
    start = origin_state
    for begin in range(0, len(order), group_size):
        group = order[begin:begin + group_size]
        result = solve_batch(grid, stack_parameters([designs[k] for k in group]), start, options, devices, model,
                             threads)
        for member, k in enumerate(group):
            if bool(result.converged[member]):
                states[k] = jax.tree_util.tree_map(lambda a: a[member], result.state)
                continue
            try:
                states[k], path_result = solve_system(System(grid, designs[k], model), start, options)
                check(path_result)
            except ConvergenceError as error:
                raise ConvergenceError(f"design {int(k)}: {error}", parameter=error.parameter,
                                       reached=error.reached, history=error.history) from error
        start = states[group[-1]]
    return states


def voltage_chains(voltages: np.ndarray, chains: int) -> np.ndarray:
    """Deal each branch (0 → +, 0 → −, by |V|) round-robin onto chains; shape (C, steps).

    A chain's voltages grow in magnitude; short chains repeat their last voltage (padding,
    solved again at no harm). Zero is not included (it is the common start).
    """
    rows = []
    for branch in (np.sort(voltages[voltages > 0]), -np.sort(-voltages[voltages < 0])):
        count = min(chains, branch.size)
        rows += [branch[k::count] for k in range(count)]
    if not rows:
        return np.zeros((0, 0))
    steps = max(len(r) for r in rows)
    return np.array([np.concatenate([r, np.repeat(r[-1], steps - len(r))]) for r in rows])


@functools.lru_cache(maxsize=32)
def _chain_scan(options: NewtonOptions, couplings_, devices: tuple):
    """Continuation along each chain (scan over steps), chains batched and sharded."""

    def one_chain(origin, system, chain_potentials):
        def step(carry, potential):
            (u0, s0), (u1, s1) = carry
            slope = jnp.where(u1 != u0, (potential - u1) / jnp.where(u1 != u0, u1 - u0, 1.0), 0.0)
            guess = jax.tree_util.tree_map(lambda a, b: a + (a - b) * slope, s1, s0)
            at = system.replace(parameters=system.parameters.replace(left_potential=potential))
            result = newton_solve(residual, guess, at, options, couplings_, limited=at.model.step_limited())
            ok = result.converged  # a failed point leaves the chain's history as it was
            advanced = ((u1, s1), (potential, result.state))
            carry = jax.tree_util.tree_map(lambda new, old: jnp.where(ok, new, old), advanced, carry)
            return carry, (result.state, result.converged, result.iterations)

        zero = jnp.zeros((), jax.tree_util.tree_leaves(origin)[0].dtype)
        _, out = jax.lax.scan(step, ((zero, origin), (zero, origin)), chain_potentials)
        return out

    run = _over_members(one_chain, (None, None, 0), devices[0].platform)
    if len(devices) > 1:
        mesh = DeviceMesh(np.array(devices), (BATCH_AXIS,))
        run = jax.shard_map(run, mesh=mesh, in_specs=(PartitionSpec(),) * 2 + (PartitionSpec(BATCH_AXIS),),
                            out_specs=PartitionSpec(BATCH_AXIS), check_vma=False)
    return jax.jit(run)


def sweep_batched(geometry, conditions, voltages: Sequence[float], *, chains: int = 4,
                  devices: Sequence[jax.Device] | None = None, threads: int | None = None,
                  **changes) -> IVCurve:
    """I–V sweep with ``chains`` continuation chains per polarity solved together (see module doc).

    Same inputs and result as :func:`pnp.sweep`; ``chains`` trades Newton iterations per point
    (larger voltage steps along a chain) for parallel width, which pays on accelerators.
    ``devices`` and ``threads`` split the chains as :func:`solve_batch` splits designs.
    """
    voltages = np.unique(np.asarray(voltages, dtype=np.float64))
    if voltages.size == 0 or not np.all(np.isfinite(voltages)):
        raise ValueError("voltages must be a non-empty list of finite numbers (V)")
    if int(chains) < 1:
        raise ValueError(f"chains must be a positive integer, got {chains}")
    conditions = Conditions.of(conditions, 0.0, **changes)
    options = conditions.options
    problem = build_problem(geometry, conditions)
    thermal = problem.scales.voltage
    origin_state, origin_result = solve_system(problem.system, None, options)
    origin_info = check(origin_result)

    def solution(voltage, state, info):
        return Solution(problem.at_voltage(voltage), state, float(voltage), info, options)

    results = {0.0: solution(0.0, origin_state, origin_info)}
    table = voltage_chains(voltages, int(chains))
    if table.size:
        devices = tuple(devices) if devices is not None else (jax.devices()[0],)
        slices, padded = _split(threads, devices, table.shape[0])
        table = np.concatenate([table, np.repeat(table[-1:], padded - table.shape[0], axis=0)])
        run = _chain_scan(options, couplings(problem.model, len(problem.left.names)), devices)
        states, converged, iterations = _run_sliced(run, (origin_state, problem.system, jnp.asarray(table / thermal)),
                                                    (False, False, True), slices)
        states = jax.tree_util.tree_map(np.asarray, states)
        converged, iterations = np.asarray(converged), np.asarray(iterations)
        for c, s in np.ndindex(table.shape):
            v = float(table[c, s])
            if v in results:
                continue
            state_at = lambda k: jax.tree_util.tree_map(lambda a: jnp.asarray(a[c, k]), states)
            if converged[c, s]:
                info = SolveInfo(newton_iterations=int(iterations[c, s]), newton_calls=1, converged=True)
                results[v] = solution(v, state_at(s), info)
            else:  # the robust path, from the nearest converged point of the same chain
                guess = state_at(s - 1) if s > 0 and converged[c, s - 1] else origin_state
                at = problem.at_voltage(v)
                state, path_result = solve_system(at.system, guess, options)
                results[v] = Solution(at, state, v, check(path_result), options)
    return IVCurve(tuple(results[float(v)] for v in voltages))
