"""41-point I–V curve of a charged conical pore at a chosen mesh size (issue 6 target).

The demo cone (tip 10 nm on the left, base 200 nm, length 2 µm, σ = −0.05 C/m², 100 mM KCl,
reservoirs) meshed to about ``--cells`` active cells (10⁵ for the GPU target "a 41-point I–V
of a conical pore with ~10⁵ cells in < 5 s after compilation"). The sweep ±1 V in 50 mV steps
runs twice with :func:`pnp.sweep` (sequential continuation); the first run compiles, the second
is timed. For each linear backend given (``--solvers``, default: what "auto" picks here) the
script prints a table row and writes JSON (default ``benchmarks/results/cone_iv.json``):
active cells, unknowns, Newton iterations, sweep time, time per bias point and per Newton
iteration, rectification r(1 V), peak host memory and, where JAX reports it, peak device memory.

Usage:
  python benchmarks/cone_iv.py                        # CPU: ~1e4 cells
  python benchmarks/cone_iv.py --cells 100000 --device gpu
  python benchmarks/cone_iv.py --solvers cyclic_reduction umfpack
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import jax
import numpy as np
from common import markdown_table, select_device, write_results

import pnp
from pnp.linalg import registry
from pnp.problem import build_problem

DEFAULT_JSON = Path(__file__).parent / "results" / "cone_iv.json"
VOLTAGES = np.round(np.linspace(-1.0, 1.0, 41), 10)


def cone_and_bath():
    return pnp.Cone(10e-9, 200e-9, 2e-6, -0.05), pnp.Electrolyte.from_salts({"KCl": 100.0})


def mesh_for(cells: int):
    """Mesh whose refinement gives about ``cells`` active cells (cells grow as refinement²)."""
    cone, bath = cone_and_bath()
    refinement = 1.0
    for _ in range(3):
        active = build_problem(cone, bath, mesh=pnp.Mesh(refinement=refinement)).grid.n_active
        refinement *= np.sqrt(cells / int(active))
    return pnp.Mesh(refinement=float(refinement))


def measure(mesh, solver: str) -> dict:
    cone, bath = cone_and_bath()
    options = pnp.NewtonOptions(linear_solver=solver)
    start = time.perf_counter()
    pnp.sweep(cone, bath, VOLTAGES, mesh=mesh, options=options)
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    iv = pnp.sweep(cone, bath, VOLTAGES, mesh=mesh, options=options)
    sweep_s = time.perf_counter() - start
    problem = iv.solutions[0].problem
    nz, nr = problem.grid.shape
    iterations = sum(s.info.newton_iterations for s in iv.solutions)
    record = {
        "solver": solver, "resolved_solver": registry.choose(solver, (nz, nr, 1 + len(bath.names))).name, "grid_shape": [nz, nr],
        "active_cells": int(problem.grid.n_active), "unknowns": nz * nr * (1 + len(bath.names)),
        "mesh_refinement": mesh.refinement, "points": len(VOLTAGES), "newton_iterations": int(iterations),
        "first_sweep_s": first_s, "sweep_s": sweep_s, "s_per_point": sweep_s / len(VOLTAGES),
        "s_per_newton_iteration": sweep_s / iterations, "rectification_1V": iv.rectification(1.0),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    stats = jax.devices()[0].memory_stats() or {}
    if "peak_bytes_in_use" in stats:
        record["device_peak_mib"] = stats["peak_bytes_in_use"] / 2**20
    return record


def table(records) -> str:
    head = ["solver", "grid", "active cells", "unknowns", "Newton its", "sweep s (41 pts)", "s/point",
            "ms/Newton it", "r(1 V)", "peak RSS MiB", "device peak MiB"]
    rows = [[f"{r['solver']} ({r['resolved_solver']})", "×".join(map(str, r["grid_shape"])), str(r["active_cells"]),
             str(r["unknowns"]), str(r["newton_iterations"]), f"{r['sweep_s']:.3g}", f"{r['s_per_point']:.3g}",
             f"{1e3 * r['s_per_newton_iteration']:.3g}", f"{r['rectification_1V']:.4f}", f"{r['peak_rss_mib']:.0f}",
             f"{r['device_peak_mib']:.0f}" if "device_peak_mib" in r else "n/a"] for r in records]
    return markdown_table(head, rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=10_000, help="target number of active cells")
    parser.add_argument("--solvers", nargs="+", default=["auto"], help="linear backends (pnp.linalg.methods())")
    parser.add_argument("--device", choices=("cpu", "gpu"), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    select_device(args.device)
    mesh = mesh_for(args.cells)
    records = []
    for solver in args.solvers:
        print(f"sweeping with {solver} …", file=sys.stderr, flush=True)
        records.append(measure(mesh, solver))
        print(table(records[-1:]), file=sys.stderr, flush=True)
    write_results(args.json, records, target_cells=args.cells)
    print(table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
