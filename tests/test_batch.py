"""Batched solves (pnp.batch): equal to one-by-one solves; sharded over simulated CPU devices."""

import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import pnp
from pnp.batch import check_converged, solve_batch, stack_parameters, sweep_batched, voltage_chains
from pnp.physics import System
from pnp.solver import ConvergenceError, NewtonOptions, pack
from pnp.steady import check, solve_system

KCL = pnp.Electrolyte.from_salts({"KCl": 10.0})
MEMBRANE = pnp.Membrane(1e-6, fixed_charge=-50.0)


def test_voltage_chains_deal_each_branch_round_robin():
    table = voltage_chains(np.array([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5]), 2)
    np.testing.assert_allclose(table, [[0.1, 0.3, 0.5], [0.2, 0.4, 0.4], [-0.1, -0.3, -0.3], [-0.2, -0.2, -0.2]])


def test_batched_sweep_equals_sequential_sweep():
    """Chained batched continuation reaches the same converged states as pnp.sweep (to Newton tolerance)."""
    voltages = np.linspace(-1.0, 1.0, 21)
    sequential = pnp.sweep(MEMBRANE, KCL, voltages, right=KCL.scaled(0.1))
    batched = sweep_batched(MEMBRANE, KCL, voltages, chains=3, right=KCL.scaled(0.1))
    np.testing.assert_array_equal(batched.voltages, sequential.voltages)
    np.testing.assert_allclose(batched.currents, sequential.currents, rtol=1e-8, atol=1e-12 * np.abs(sequential.currents).max())
    assert all(s.info.converged for s in batched.solutions)


def test_batched_sweep_in_a_charged_pore():
    pore = pnp.Cylinder(3e-9, 30e-9, -0.02, reservoirs=None)
    voltages = [-0.4, -0.2, 0.0, 0.2, 0.4]
    sequential = pnp.sweep(pore, KCL, voltages, right=KCL.scaled(0.5))
    batched = sweep_batched(pore, KCL, voltages, chains=2, right=KCL.scaled(0.5))
    np.testing.assert_allclose(batched.currents, sequential.currents, rtol=1e-8)


def solve_steady(grid, params, guess=None):
    """The packed converged state of one design by the full steady solve (continuation)."""
    state, result = solve_system(System(grid, params), guess)
    check(result)
    return np.asarray(pack(state))


def member(tree, k):
    return np.asarray(pack(jax.tree_util.tree_map(lambda a: a[k], tree)))


def _designs():
    sol = pnp.solve(MEMBRANE, KCL, 0.1)
    p0 = sol.problem.parameters
    designs = [p0.replace(fixed_charge=p0.fixed_charge * s, left_potential=p0.left_potential + dv)
               for s in (0.8, 1.0, 1.2, 1.5) for dv in (-2.0, 0.0, 2.0, 4.0)]
    return sol, designs


def test_solve_batch_equals_loop():
    """16 designs in one batched Newton equal 16 separate solve_steady calls to 1e-10."""
    sol, designs = _designs()
    result = solve_batch(sol.problem.grid, stack_parameters(designs), sol.state)
    check_converged(result)
    for k, params in enumerate(designs):
        state = solve_steady(sol.problem.grid, params, guess=sol.state)
        np.testing.assert_allclose(member(result.state, k), state, rtol=1e-10, atol=1e-10)


def test_threads_cut_the_batch_without_changing_its_result():
    """The 16 designs cut into 3 slices (padded to 18) run in parallel host threads equal the
    batch as one program to 1e-12, and so does the call under jax.jit (one program there); a thread
    count that is not a positive integer is refused."""
    sol, designs = _designs()
    batch = stack_parameters(designs)
    one = solve_batch(sol.problem.grid, batch, sol.state, threads=1)
    three = solve_batch(sol.problem.grid, batch, sol.state, threads=3)
    assert np.asarray(three.converged).shape == (16,) and bool(np.all(three.converged))
    np.testing.assert_allclose(np.asarray(pack(three.state)), np.asarray(pack(one.state)), rtol=1e-12, atol=1e-12)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="threads must be a positive integer"):
            solve_batch(sol.problem.grid, batch, sol.state, threads=bad)
    traced = jax.jit(lambda params: solve_batch(sol.problem.grid, params, sol.state, threads=3).state)(batch)
    np.testing.assert_allclose(np.asarray(pack(traced)), np.asarray(pack(one.state)), rtol=1e-12, atol=1e-12)


def test_unconverged_batch_member_raises_with_its_index():
    sol, designs = _designs()
    far = designs[0].replace(left_potential=designs[0].left_potential + 80.0)  # +2 V jump from 0.1 V
    result = solve_batch(sol.problem.grid, stack_parameters([designs[1], far]), sol.state,
                         NewtonOptions(max_iterations=3))
    assert bool(result.converged[0]) is False or bool(result.converged[1]) is False
    with pytest.raises(ConvergenceError, match=r"did not converge.*\['first', 'far'\]|did not converge.*\['far'\]"):
        check_converged(result, labels=["first", "far"])


def test_stack_parameters_rejects_mixed_grids():
    a = pnp.solve(MEMBRANE, KCL).problem.parameters
    b = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), KCL, mesh=pnp.Mesh(refinement=2.0)).problem.parameters
    with pytest.raises(ValueError, match="same field shapes"):
        stack_parameters([a, b])


SHARDED = textwrap.dedent("""
    import jax, numpy as np
    import pnp
    from pnp.batch import solve_batch, stack_parameters, sweep_batched
    from pnp.solver import pack
    assert len(jax.devices()) == 4, jax.devices()
    kcl = pnp.Electrolyte.from_salts({"KCl": 10.0})
    membrane = pnp.Membrane(1e-6, fixed_charge=-50.0)
    sol = pnp.solve(membrane, kcl, 0.1)
    p0 = sol.problem.parameters
    designs = stack_parameters([p0.replace(fixed_charge=p0.fixed_charge * (0.5 + 0.1 * k)) for k in range(10)])
    one = solve_batch(sol.problem.grid, designs, sol.state)
    four = solve_batch(sol.problem.grid, designs, sol.state, devices=jax.devices())
    assert bool(np.all(four.converged)), four.converged
    print("designs max abs diff", float(np.max(np.abs(np.asarray(pack(one.state)) - np.asarray(pack(four.state))))))
    np.testing.assert_allclose(np.asarray(pack(four.state)), np.asarray(pack(one.state)), rtol=1e-12, atol=1e-12)
    volts = np.linspace(-1, 1, 11)
    a = sweep_batched(membrane, kcl, volts, chains=3, right=kcl.scaled(0.1))
    b = sweep_batched(membrane, kcl, volts, chains=3, right=kcl.scaled(0.1), devices=jax.devices())
    np.testing.assert_allclose(b.currents, a.currents, rtol=1e-12)
    print("sharded OK")
""")


def test_sharded_over_simulated_devices_equals_single_device():
    """The batch split over 4 simulated CPU devices (shard_map) gives the single-device results."""
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SHARDED], capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "sharded OK" in out.stdout


DENSE_BLOCKS_IN_THREADS = textwrap.dedent("""
    import numpy as np
    import pnp
    from pnp.batch import solve_batch, stack_parameters
    from pnp.solver import NewtonOptions, pack
    kcl = pnp.Electrolyte.from_salts({"KCl": 10.0})
    sol = pnp.solve(pnp.Membrane(1e-6, fixed_charge=-50.0), kcl, 0.1)
    p0 = sol.problem.parameters
    designs = stack_parameters([p0.replace(fixed_charge=p0.fixed_charge * (0.5 + k / 64)) for k in range(64)])
    options = NewtonOptions(linear_solver="cyclic_reduction")
    one = solve_batch(sol.problem.grid, designs, sol.state, options, threads=1)
    two = solve_batch(sol.problem.grid, designs, sol.state, options, threads=2)
    assert bool(np.all(two.converged)), two.converged
    np.testing.assert_allclose(np.asarray(pack(two.state)), np.asarray(pack(one.state)), rtol=1e-12, atol=1e-12)
    print("dense blocks OK")
""")


def test_dense_block_backend_with_threads_does_not_deadlock():
    """threads=2 with cyclic reduction (jaxlib's LAPACK kernels, which wait on XLA's intra-op
    pool) runs its two slices one after another and equals threads=1; before, the two slices deadlocked on 2
    cores (no progress, CPU idle). A subprocess with a time limit, so a deadlock fails the test."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    try:
        out = subprocess.run([sys.executable, "-c", DENSE_BLOCKS_IN_THREADS], capture_output=True, text=True,
                             env=env, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("solve_batch(threads=2) with cyclic_reduction made no progress in 300 s (deadlock)")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "dense blocks OK" in out.stdout


def test_solve_designs_groups_by_difficulty_and_equals_one_by_one():
    """24 designs (fixed charge ×0.3…×6 and ±0.5 V) in groups of 8 ordered by distance from the
    origin design: every state equals its own continuation solve (pnp.steady.solve_system) to 1e-10."""
    from pnp.batch import design_distance, solve_designs

    sol = pnp.solve(MEMBRANE, KCL, 0.0)
    p0 = sol.problem.parameters
    scales = np.geomspace(0.3, 6.0, 12)
    designs = [p0.replace(fixed_charge=p0.fixed_charge * s, left_potential=p0.left_potential + dv)
               for s in scales for dv in (-20.0, 20.0)]
    distance = design_distance(designs, p0)
    assert np.argmax(distance) in (22, 23) and distance.min() > 0
    states = solve_designs(sol.problem.grid, designs, p0, sol.state, group_size=8)
    for params, state in zip(designs, states):
        reference = solve_steady(sol.problem.grid, params)
        np.testing.assert_allclose(np.asarray(pack(state)), reference, rtol=1e-10, atol=1e-10)
