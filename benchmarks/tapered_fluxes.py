"""Cost of consistent fluxes on tapered grids: Newton iterations with and without the skew terms.

On cone grids :func:`pnp.problem.build_problem` adds :class:`pnp.physics.skew.SkewDisplacement`
and :class:`~pnp.physics.skew.SkewTransport` (the tangential flux parts) to plain PNP. This
script solves the same problems in the same run with both models — "two-point" (plain PNP,
what pnp did before) and "consistent" (with the skew terms) — and reports, per case: grid,
time per Newton iteration (one jitted Newton step at the converged state, median of repeats,
after compilation), the ratio consistent / two-point, Newton iterations of a full solve from
the uniform start at the case's voltage, and the current of each model.

Usage:
  python benchmarks/tapered_fluxes.py [--cells 3000] [--repeats 10] [--device gpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import jax
import numpy as np
from common import markdown_table, select_device, write_results

import pnp
from pnp import quantity
from pnp.physics.model import PNP, residual
from pnp.problem import build_problem
from pnp.solver.newton import NewtonOptions, newton_step
from pnp.steady import check, couplings, solve_system

DEFAULT_JSON = Path(__file__).parent / "results" / "tapered_fluxes.json"
KCL = pnp.Electrolyte.from_salts({"KCl": 100.0})


def cases(cells: int):
    """(name, geometry, voltage, mesh): the 25° cone of the DEVSIM comparison and the demo cone."""
    from cone_iv import mesh_for

    return [
        ("cone 5→100 nm, 200 nm (25°), uncharged", pnp.Cone(5e-9, 100e-9, 200e-9, 0.0), 0.1, pnp.Mesh(refinement=1.0)),
        ("demo cone, σ = −0.05 C/m²", pnp.Cone(10e-9, 200e-9, 2e-6, -0.05), 1.0, mesh_for(cells)),
    ]


def step_time(system, state, repeats: int) -> float:
    """Median seconds of one Newton step (Jacobian, factorization, solve) after compilation."""
    sparsity = couplings(system.model, system.parameters.valence.shape[0])
    step = jax.jit(lambda y, s: newton_step(residual, y, s, NewtonOptions(), sparsity))
    jax.block_until_ready(step(state, system))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(step(state, system))
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(name, geometry, voltage, mesh, repeats) -> dict:
    consistent = build_problem(geometry, KCL, voltage, mesh=mesh)
    two_point = dataclasses.replace(consistent, model=PNP)
    record = {"case": name, "grid_shape": list(consistent.grid.shape), "active_cells": int(consistent.grid.n_active),
              "voltage": voltage, "skew_terms": len(consistent.model.terms) - len(PNP.terms)}
    for label, problem in (("two_point", two_point), ("consistent", consistent)):
        print(f"{name}: {label} …", file=sys.stderr, flush=True)
        state, result = solve_system(problem.system)
        info = check(result)
        record[f"{label}_newton_iterations"] = info.newton_iterations
        record[f"{label}_current_A"] = float(quantity.current(problem, state))
        record[f"{label}_s_per_iteration"] = step_time(problem.system, state, repeats)
    record["cost_ratio"] = record["consistent_s_per_iteration"] / record["two_point_s_per_iteration"]
    record["current_change"] = record["consistent_current_A"] / record["two_point_current_A"] - 1
    return record


def table(records) -> str:
    head = ["case", "grid", "V", "ms/it two-point", "ms/it consistent", "ratio", "Newton its (two-point / consistent)",
            "I two-point (nA)", "I consistent (nA)", "change"]
    rows = [[r["case"], "×".join(map(str, r["grid_shape"])), f"{r['voltage']:g}",
             f"{1e3 * r['two_point_s_per_iteration']:.3g}", f"{1e3 * r['consistent_s_per_iteration']:.3g}",
             f"{r['cost_ratio']:.2f}", f"{r['two_point_newton_iterations']} / {r['consistent_newton_iterations']}",
             f"{1e9 * r['two_point_current_A']:.6g}", f"{1e9 * r['consistent_current_A']:.6g}",
             f"{r['current_change']:+.2%}"] for r in records]
    return markdown_table(head, rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=3000, help="active cells of the demo cone")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--device", choices=("cpu", "gpu"), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    select_device(args.device)
    records = [measure(*case, args.repeats) for case in cases(args.cells)]
    write_results(args.json, records, demo_cells=args.cells)
    print(table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
