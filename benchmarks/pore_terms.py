"""Cost of the DSPM-DE pore terms and convection: time per Newton iteration, with and without.

The pore terms (steric, Born, hindrance; :mod:`pnp.pore`) only change parameter fields
(μ^ex, D, ε per cell), so they should cost nothing per iteration; convection is one more drive
(:class:`pnp.physics.Convection`, a cumulative sum per species). This script takes DSPMDE.md's
membrane (30 mM LiCl + 500 mM MgCl₂, 1 µm, r_p = 0.5 nm, ε_p = 40, X = −50 mol/m³) and reports,
in the same run, the time of one jitted Newton step at the converged state (median of repeats,
after compilation) for: plain PNP (no pore terms, no flow), pore terms, pore terms + convection
(J_v = 1e-6 m/s); the ratio to plain PNP; and the wall time of one full ``pnp.nanofiltration``
(permeate search, after a first call that compiles).

Usage:
  python benchmarks/pore_terms.py [--repeats 20] [--device gpu]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
from common import markdown_table, select_device, write_results
from tapered_fluxes import step_time

import pnp
from pnp.problem import build_problem
from pnp.steady import check, solve_system
from pnp.validation_problems import dspmde_feed, dspmde_membrane

DEFAULT_JSON = Path(__file__).parent / "results" / "pore_terms.json"


def variants():
    """(name, geometry, volume flux in m/s) of the same membrane."""
    return [
        ("plain PNP", pnp.Membrane(1e-6, -50.0), 0.0),
        ("pore terms", dspmde_membrane(-50.0), 0.0),
        ("pore terms + convection", dspmde_membrane(-50.0), 1e-6),
    ]


def measure(repeats: int) -> list[dict]:
    feed = dspmde_feed()
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
    pnp.nanofiltration(dspmde_membrane(-50.0), feed, 1e-6)  # compiles
    start = time.perf_counter()
    result = pnp.nanofiltration(dspmde_membrane(-50.0), feed, 1e-6)
    records.append({"variant": "pnp.nanofiltration (permeate search)", "grid_shape": records[-1]["grid_shape"],
                    "newton_iterations": result.iterations, "wall_s": time.perf_counter() - start})
    return records


def table(records) -> str:
    head = ["variant", "grid", "ms per Newton iteration", "ratio to plain PNP", "iterations", "wall (s)"]
    rows = [[r["variant"], "×".join(map(str, r["grid_shape"])),
             f"{1e3 * r['s_per_iteration']:.3g}" if "s_per_iteration" in r else "",
             f"{r['ratio_to_plain']:.2f}" if "ratio_to_plain" in r else "", str(r["newton_iterations"]),
             f"{r['wall_s']:.2f}" if "wall_s" in r else ""] for r in records]
    return markdown_table(head, rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--device", choices=("cpu", "gpu"), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    select_device(args.device)
    records = measure(args.repeats)
    write_results(args.json, records, device=str(jax.devices()[0]))
    print(table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
