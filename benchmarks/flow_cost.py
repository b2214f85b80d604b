"""Cost of solvent flow: Newton steps and bias points with and without the Stokes unknowns.

The same problems, in the same run, solved as plain PNP and as PNP–Stokes (``flow=True``, which
adds three unknowns per cell: u_z, u_r, P; :mod:`pnp.physics.stokes`). Per case: grid, time per
Newton iteration (one jitted Newton step at the converged state, median of repeats, after
compilation), the ratio flow / no flow (the issue's target: ≤ 3), Newton iterations of a full solve
from the uniform start, the time of one bias point warm-started from the neighbouring voltage
(after compilation), the band Jacobian's stored entries (memory), and the current of each model
with the flow rate.

Usage:
  python benchmarks/flow_cost.py [--repeats 5] [--device gpu]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from common import argument_parser, markdown_table, select_device, write_results
from tapered_fluxes import step_time

import pnp
from pnp.problem import build_problem
from pnp.steady import check, couplings, solve_system

DEFAULT_JSON = Path(__file__).parent / "results" / "flow_cost.json"
KCL = pnp.Electrolyte.from_salts({"KCl": 100.0})


def cases():
    """(name, geometry, voltage, mesh): a charged pore with baths at its ends, one between reservoirs, and
    the demo cone (a tapered grid: the Stokes terms carry their non-orthogonal parts)."""
    return [
        ("pore 5×100 nm, σ = −0.05 C/m², no reservoirs", pnp.Cylinder(5e-9, 100e-9, -0.05, reservoirs=None), 0.2,
         pnp.Mesh()),
        ("pore 5×20 nm, σ = −0.05 C/m², reservoirs", pnp.Cylinder(5e-9, 20e-9, -0.05, pnp.Reservoirs(
            radius=50e-9, length=50e-9, membrane_charge=-0.05)), 0.2, pnp.Mesh(refinement=0.5)),
        ("demo cone 10→200 nm × 2 µm, σ = −0.05 C/m², reservoirs", pnp.Cone(10e-9, 200e-9, 2e-6, -0.05, pnp.Reservoirs(
            membrane_charge=-0.05)), 0.5, pnp.Mesh(refinement=0.5)),
    ]


def bias_point_time(geometry, voltage, mesh, flow: bool, guess) -> float:
    """Seconds of one warm-started pnp.solve at ``voltage`` (the second of two identical calls)."""
    solve = lambda: pnp.solve(geometry, KCL, voltage, flow=flow, mesh=mesh, guess=guess.state)
    solve()
    start = time.perf_counter()
    solve()
    return time.perf_counter() - start


def measure(name, geometry, voltage, mesh, repeats) -> dict:
    mesh = pnp.frozen_mesh(geometry, KCL, mesh=mesh)
    record = {"case": name, "voltage": voltage}
    for label, flow in (("plain", False), ("flow", True)):
        print(f"{name}: {label} …", file=sys.stderr, flush=True)
        problem = build_problem(geometry, KCL, voltage, mesh=mesh, flow=flow)
        record["grid_shape"] = list(problem.grid.shape)
        state, result = solve_system(problem.system)
        record[f"{label}_newton_iterations"] = check(result).newton_iterations
        record[f"{label}_s_per_iteration"] = step_time(problem.system, state, repeats)
        neighbour = pnp.solve(geometry, KCL, voltage - 0.05, flow=flow, mesh=mesh)
        record[f"{label}_s_per_bias_point"] = bias_point_time(geometry, voltage, mesh, flow, neighbour)
        solution = pnp.solve(geometry, KCL, voltage, flow=flow, mesh=mesh)
        record[f"{label}_current_A"] = float(solution.current)
        if flow:
            record["flow_rate_m3_per_s"] = float(solution.flow_rate)
        sparsity = couplings(problem.model, 2)
        record[f"{label}_jacobian_entries"] = int(np.asarray(sparsity.mask).sum()) * int(problem.grid.n_active)
    record["cost_ratio_iteration"] = record["flow_s_per_iteration"] / record["plain_s_per_iteration"]
    record["cost_ratio_bias_point"] = record["flow_s_per_bias_point"] / record["plain_s_per_bias_point"]
    return record


def table(records) -> str:
    head = ["case", "grid", "V", "ms/it plain", "ms/it flow", "ratio", "s/point plain", "s/point flow", "ratio",
            "Newton its (plain / flow)", "Jacobian entries (plain / flow)", "I plain (nA)", "I flow (nA)",
            "Q (m³/s)"]
    rows = [[r["case"], "×".join(map(str, r["grid_shape"])), f"{r['voltage']:g}",
             f"{1e3 * r['plain_s_per_iteration']:.3g}", f"{1e3 * r['flow_s_per_iteration']:.3g}",
             f"{r['cost_ratio_iteration']:.2f}", f"{r['plain_s_per_bias_point']:.3g}",
             f"{r['flow_s_per_bias_point']:.3g}", f"{r['cost_ratio_bias_point']:.2f}",
             f"{r['plain_newton_iterations']} / {r['flow_newton_iterations']}",
             f"{r['plain_jacobian_entries']:.3g} / {r['flow_jacobian_entries']:.3g}",
             f"{1e9 * r['plain_current_A']:.6g}", f"{1e9 * r['flow_current_A']:.6g}",
             f"{r['flow_rate_m3_per_s']:.4g}"] for r in records]
    return markdown_table(head, rows)


def main(argv=None) -> None:
    args = argument_parser(__doc__, DEFAULT_JSON, repeats=5).parse_args(argv)
    select_device(args.device)
    records = [measure(*case, args.repeats) for case in cases()]
    write_results(args.json, records)
    print(table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
