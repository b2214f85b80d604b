"""Cost of the DSPM-DE pore terms and convection: time per Newton iteration, with and without.

The pore terms (steric, Born, hindrance; :mod:`pnp.pore`) only change parameter fields
(μ^ex, D, ε per cell), so they should cost nothing per iteration; convection is one more drive
(:class:`pnp.physics.Convection`, a cumulative sum per species). This script takes DSPMDE.md's
membrane (30 mM LiCl + 500 mM MgCl₂ with the ions of pnp.ions, 1 µm, r_p = 0.5 nm, ε_p = 40,
X = −50 mol/m³; the permeate search with DSPMDE.md's own ion data) and reports,
in the same run, the time of one jitted Newton step at the converged state (median of repeats,
after compilation) for: plain PNP (no pore terms, no flow), pore terms, pore terms + convection
(J_v = 1e-6 m/s), all terms with dehydration; the ratio to plain PNP; and the wall time of one
full ``pnp.nanofiltration`` (permeate search, after a first call that compiles).

**Design scan**: 256 membranes with every pore term on (16 pore radii 0.45–0.8 nm × 16 fixed
charges −100…+100 mol/m³, ε_p = 40, dehydration), 50 mV across feed | feed/2, solved by
:func:`pnp.batch.solve_designs` (groups of 64 by distance from the middle design) against the same
designs solved one by one with :func:`pnp.steady.solve_system`, each from its predecessor's state
in the order solve_designs takes them (by distance from the middle design; same frozen mesh) — designs/s for both, measured after a compiling first pass.

Usage:
  python benchmarks/pore_terms.py [--repeats 20] [--device gpu]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jax
import numpy as np
from common import argument_parser, markdown_table, select_device, write_results
from tapered_fluxes import step_time

import pnp
from pnp import quantity
from pnp.batch import design_distance, solve_designs
from pnp.problem import build_problem
from pnp.steady import check, solve_system
from pnp.validation_problems import dspmde_feed, dspmde_membrane

DEFAULT_JSON = Path(__file__).parent / "results" / "pore_terms.json"
FEED = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 500.0})  # DSPMDE.md's feed, ions of pnp.ions


def variants():
    """(name, geometry, volume flux in m/s) of the same membrane."""
    return [
        ("plain PNP", pnp.Membrane(1e-6, -50.0), 0.0),
        ("pore terms", dspmde_membrane(-50.0), 0.0),
        ("pore terms + convection", dspmde_membrane(-50.0), 1e-6),
        ("pore terms + dehydration + convection", scan_membrane(0.5e-9, -50.0), 1e-6),
    ]


def scan_membrane(pore_radius, fixed_charge):
    """A design of the scan: 1 µm, every pore term on (Stokes radii, ε_p = 40, dehydration)."""
    return pnp.Membrane(1e-6, fixed_charge, pore_radius=pore_radius, pore_permittivity=40.0, dehydration=True)


def measure_scan(radii: int = 16, charges: int = 16, group_size: int = 64) -> dict:
    feed = FEED
    right, voltage = feed.scaled(0.5), 0.05
    mesh = pnp.frozen_mesh(scan_membrane(0.6e-9, 0.0), feed, right=right)
    designs = [scan_membrane(a, x) for a in np.linspace(0.45e-9, 0.8e-9, radii)
               for x in np.linspace(-100.0, 100.0, charges)]
    problems = [build_problem(d, feed, voltage, mesh=mesh, right=right) for d in designs]
    origin = problems[len(problems) // 2]
    origin_state, result = solve_system(origin.system)
    check(result)
    parameters = [p.parameters for p in problems]

    def batched():
        return solve_designs(origin.grid, parameters, origin.parameters, origin_state, group_size=group_size,
                             model=origin.model)

    order = np.argsort(design_distance(parameters, origin.parameters), kind="stable")  # solve_designs' order

    def one_by_one():
        states, state = [None] * len(problems), origin_state
        for k in order:
            state, result = solve_system(problems[k].system, state)
            check(result)
            states[k] = state
        return states

    print(f"design scan: {len(problems)} designs, batched (compiling pass) …", file=sys.stderr, flush=True)
    batched()
    start = time.perf_counter()
    states = jax.block_until_ready(batched())
    batched_s = time.perf_counter() - start
    print("design scan: one by one (compiling pass) …", file=sys.stderr, flush=True)
    one_by_one()
    start = time.perf_counter()
    looped = jax.block_until_ready(one_by_one())
    loop_s = time.perf_counter() - start
    difference = max(float(np.max(np.abs(np.asarray(a.log_concentration) - np.asarray(b.log_concentration))))
                     for a, b in zip(states, looped))
    li, mg = feed.names.index("Li+"), feed.names.index("Mg2+")
    selectivity = [float(quantity.selectivity(quantity.fluxes(p, s), feed.concentrations, li, mg))
                   for p, s in zip(problems, states)]
    return {"variant": f"design scan, {len(problems)} designs (all terms)", "grid_shape": list(origin.grid.shape),
            "designs": len(problems), "batched_designs_per_s": len(problems) / batched_s,
            "loop_designs_per_s": len(problems) / loop_s, "speedup": loop_s / batched_s,
            "max_log_concentration_difference": difference,
            "selectivity_range": [min(selectivity), max(selectivity)]}


def measure(repeats: int) -> list[dict]:
    feed = FEED
    mesh = pnp.frozen_mesh(dspmde_membrane(-50.0), feed)
    records = []
    for name, membrane, flux in variants():
        print(f"{name} …", file=sys.stderr, flush=True)
        problem = build_problem(membrane, feed, mesh=mesh, volume_flux=flux, right=feed.scaled(0.5))
        state, result = solve_system(problem.system)
        info = check(result)
        records.append({"variant": name, "grid_shape": list(problem.grid.shape),
                        "newton_iterations": info.newton_iterations,
                        "s_per_iteration": step_time(problem.system, state, repeats)})
    base = records[0]["s_per_iteration"]
    for record in records:
        record["ratio_to_plain"] = record["s_per_iteration"] / base
    pnp.nanofiltration(dspmde_membrane(-50.0), dspmde_feed(), 1e-6)  # compiles
    start = time.perf_counter()
    result = pnp.nanofiltration(dspmde_membrane(-50.0), dspmde_feed(), 1e-6)
    records.append({"variant": "pnp.nanofiltration (permeate search)", "grid_shape": records[-1]["grid_shape"],
                    "newton_iterations": result.iterations, "wall_s": time.perf_counter() - start})
    records.append(measure_scan())
    return records


def table(records) -> str:
    head = ["variant", "grid", "ms per Newton iteration", "ratio to plain PNP", "iterations", "wall (s)"]
    rows = [[r["variant"], "×".join(map(str, r["grid_shape"])),
             f"{1e3 * r['s_per_iteration']:.3g}" if "s_per_iteration" in r else "",
             f"{r['ratio_to_plain']:.2f}" if "ratio_to_plain" in r else "", str(r["newton_iterations"]),
             f"{r['wall_s']:.2f}" if "wall_s" in r else ""] for r in records if "designs" not in r]
    scans = [r for r in records if "designs" in r]
    scan_head = ["scan", "grid", "batched designs/s", "one-by-one designs/s", "speedup", "max Δ ln c",
                 "S(Li/Mg) range"]
    scan_rows = [[r["variant"], "×".join(map(str, r["grid_shape"])), f"{r['batched_designs_per_s']:.3g}",
                  f"{r['loop_designs_per_s']:.3g}", f"{r['speedup']:.2f}", f"{r['max_log_concentration_difference']:.1e}",
                  "{:.3g} – {:.3g}".format(*r["selectivity_range"])] for r in scans]
    return markdown_table(head, rows) + "\n\n" + markdown_table(scan_head, scan_rows)


def main(argv=None) -> None:
    args = argument_parser(__doc__, DEFAULT_JSON, repeats=20).parse_args(argv)
    select_device(args.device)
    records = measure(args.repeats)
    write_results(args.json, records, device=str(jax.devices()[0]))
    print(table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
