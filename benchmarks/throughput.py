"""Batched throughput, gradient/forward cost and batched I–V sweeps (issues 4 and 6).

Measured in one run, on whatever device JAX uses (``--device cpu|gpu``):

* **designs/s**: B designs (fixed charge or surface charge scaled 0.5…1.5, plus a voltage
  offset) solved by one batched Newton (:func:`pnp.batch.solve_batch`, jit + vmap) from a
  shared converged neighbour — on the CPU in one slice per core, in parallel threads (the
  default), and as one program (``threads=1``) — against the same B solves one by one (the
  same jitted ``newton_solve`` called B times): the baseline measured in the same run.
* **gradient / forward**: ``jax.value_and_grad`` of ``pnp.solve(...).current`` through the
  public API with respect to the wall (or fixed) charge, the voltage and the bath
  concentration (one adjoint solve), against the forward ``pnp.solve`` alone (same start,
  same Newton, both jitted on a frozen mesh).
* **sweep**: a 41-point ±1 V I–V curve by :func:`pnp.sweep` (sequential continuation) and by
  :func:`pnp.batch.sweep_batched` (continuation chains in one batch), after compilation.

Cases: 1D membrane (≈ 10³ cells), a 2D charged pore without reservoirs (≈ 10³ cells) and the
demo-like cone with reservoirs (≈ 10⁴ cells at ``--size large``). Prints a Markdown table and
writes JSON (default ``benchmarks/results/throughput.json``). Wall-clock: run on an idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from common import markdown_table, select_device, write_results

import pnp
from pnp.batch import check_converged, host_threads, solve_batch, stack_parameters, sweep_batched
from pnp.physics import residual
from pnp.problem import build_problem
from pnp.solver import newton_solve, pack
from pnp.steady import couplings

DEFAULT_JSON = Path(__file__).parent / "results" / "throughput.json"
KCL = pnp.Electrolyte.from_salts({"KCl": 10.0})


def cases(size: str):
    """name → (geometry of a charge, its charge, voltage, mesh, parameter field to vary)."""
    large = size == "large"
    return {
        "1d-membrane": (lambda q: pnp.Membrane(1e-6, fixed_charge=q), -50.0, 0.1, pnp.Mesh(), "fixed_charge"),
        "2d-pore": (lambda q: pnp.Cylinder(3e-9, 30e-9, q, reservoirs=None), -0.02, 0.1,
                    pnp.Mesh(refinement=1.0 if large else 0.5), "rface_charge"),
        "2d-cone": (lambda q: pnp.Cone(5e-9, 50e-9, 500e-9, q), -0.05, 0.1,
                    pnp.Mesh(refinement=1.0 if large else 0.35), "rface_charge"),
    }


def timed(fn, repeats: int = 3):
    """(median seconds of ``repeats`` calls after one warm-up, warm-up result)."""
    result = jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def designs(params, field: str, count: int):
    scales = np.linspace(0.5, 1.5, count)
    offsets = np.linspace(-0.5, 0.5, count)[::-1]  # kT/e
    return stack_parameters([params.replace(**{field: getattr(params, field) * s},
                                            left_potential=params.left_potential + dv)
                             for s, dv in zip(scales, offsets)])


def _threads_used(count: int) -> int:
    """The slices solve_batch runs in parallel threads by default (1 off the CPU)."""
    return min(host_threads(), count) if jax.devices()[0].platform == "cpu" else 1


def measure_batch(problem, guess, field: str, count: int) -> dict:
    grid = problem.grid
    batch = designs(problem.parameters, field, count)
    batched_s, result = timed(lambda: solve_batch(grid, batch, guess, model=problem.model).state)
    check_converged(solve_batch(grid, batch, guess, model=problem.model))
    one_program_s, _ = timed(lambda: solve_batch(grid, batch, guess, model=problem.model, threads=1).state)
    members = [jax.tree_util.tree_map(lambda a, k=k: a[k], batch) for k in range(count)]
    c = couplings(problem.model, len(problem.left.names))

    def one_by_one():
        return [newton_solve(residual, guess, problem.system.replace(parameters=m), couplings=c).state
                for m in members]

    loop_s, looped = timed(one_by_one, repeats=1)
    member = lambda tree, k: pack(jax.tree_util.tree_map(lambda a: a[k], tree))
    difference = max(float(jnp.max(jnp.abs(member(result, k) - pack(looped[k])))) for k in range(count))
    return {"designs": count, "batched_s": batched_s, "loop_s": loop_s, "threads": _threads_used(count),
            "batched_designs_per_s": count / batched_s, "loop_designs_per_s": count / loop_s,
            "one_program_designs_per_s": count / one_program_s,
            "speedup": loop_s / batched_s, "max_state_difference": difference}


def measure_gradient(geometry, charge, voltage, mesh, guess) -> dict:
    """value_and_grad of pnp.solve(...).current in (charge, voltage, concentration) over the forward solve."""
    frozen = pnp.frozen_mesh(geometry(charge), KCL, mesh=mesh)

    def current(x):
        bath = pnp.Electrolyte({"K+": x["c"], "Cl-": x["c"]})
        return pnp.solve(geometry(x["charge"]), bath, x["voltage"], mesh=frozen, guess=guess).current

    x = {"charge": charge, "voltage": voltage, "c": 10.0}
    forward = jax.jit(current)
    gradient = jax.jit(jax.value_and_grad(current))
    forward_s, _ = timed(lambda: forward(x))
    gradient_s, _ = timed(lambda: gradient(x))
    return {"forward_s": forward_s, "value_and_grad_s": gradient_s, "gradient_over_forward": gradient_s / forward_s}


def measure_sweep(geometry, mesh, chains: int) -> dict:
    voltages = np.round(np.linspace(-1.0, 1.0, 41), 10)
    pnp.sweep(geometry, KCL, [-0.05, 0.0, 0.05], mesh=mesh)  # compile
    sweep_batched(geometry, KCL, voltages, chains=chains, mesh=mesh)  # compile the chained batch
    start = time.perf_counter()
    sequential = pnp.sweep(geometry, KCL, voltages, mesh=mesh)
    sequential_s = time.perf_counter() - start
    start = time.perf_counter()
    batched = sweep_batched(geometry, KCL, voltages, chains=chains, mesh=mesh)
    batched_s = time.perf_counter() - start
    difference = float(np.max(np.abs(batched.currents - sequential.currents)) / np.max(np.abs(sequential.currents)))
    return {"points": len(voltages), "sequential_sweep_s": sequential_s, "batched_sweep_s": batched_s,
            "chains": chains, "speedup": sequential_s / batched_s, "max_relative_current_difference": difference,
            "sequential_newton_iterations": int(sum(s.info.newton_iterations for s in sequential.solutions))}


def run(size: str, count: int, chains: int) -> list[dict]:
    records = []
    for name, (make, charge, voltage, mesh, field) in cases(size).items():
        print(f"running {name} …", file=sys.stderr, flush=True)
        geometry = make(charge)
        near = pnp.solve(geometry, KCL, voltage - 0.025, mesh=mesh)  # a converged neighbour: the start
        problem = build_problem(geometry, KCL, voltage, mesh=mesh)
        guess = near.state
        record = {"case": name, "grid_shape": list(problem.grid.shape), "active_cells": int(problem.grid.n_active),
                  "unknowns": int(np.prod(problem.grid.shape)) * (1 + len(KCL.names)),
                  "device": str(jax.devices()[0].platform)}
        record["batch"] = measure_batch(problem, guess, field, count)
        record["gradient"] = measure_gradient(make, charge, voltage, mesh, guess)
        record["sweep"] = measure_sweep(geometry, mesh, chains)
        records.append(record)
        print(table([record]), file=sys.stderr, flush=True)
    return records


def table(records) -> str:
    head = ["case", "grid", "unknowns", "designs", "batched designs/s (threads)", "batched designs/s (one program)",
            "one-by-one designs/s", "batch speedup",
            "grad/forward", "41-pt sweep s (sequential)", "41-pt sweep s (batched chains)", "sweep speedup"]
    rows = []
    for r in records:
        b, g, s = r["batch"], r["gradient"], r["sweep"]
        rows.append([
            r["case"], "×".join(map(str, r["grid_shape"])), str(r["unknowns"]), str(b["designs"]),
            f"{b['batched_designs_per_s']:.3g} ({b['threads']})", f"{b['one_program_designs_per_s']:.3g}",
            f"{b['loop_designs_per_s']:.3g}", f"{b['speedup']:.2f}",
            f"{g['gradient_over_forward']:.2f}", f"{s['sequential_sweep_s']:.2f}", f"{s['batched_sweep_s']:.2f}",
            f"{s['speedup']:.2f}"])
    return markdown_table(head, rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "large"), default="small",
                        help="2D meshes: small ≈ 1e3 cells (CPU), large ≈ 1e4 (GPU)")
    parser.add_argument("--designs", type=int, default=64, help="batch size for designs/s")
    parser.add_argument("--chains", type=int, default=4, help="continuation chains per polarity (batched sweep)")
    parser.add_argument("--device", choices=("cpu", "gpu"), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    select_device(args.device)
    records = run(args.size, args.designs, args.chains)
    write_results(args.json, records, size=args.size)
    print(table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
