"""Side by side with DEVSIM on the same pore, same physics, same sweep (issue 3 / issue 6).

Case (benchmarks/peers/README.md): 2D-axisymmetric cylindrical pore R = 5 nm, L = 100 nm with
200 nm × 200 nm reservoirs, σ = −0.1 C/m² on the pore wall and the membrane faces, KCl
10 mM with D₊ = D₋ = 2e-9 m²/s, ε_r = 80, kT/e = 25.693 mV; ±1 V in 0.05 V steps
(40 bias points). DEVSIM (peers/devsim_pore.py: SG finite volumes, Newton, UMFPACK) runs
in a subprocess at two mesh scales; pnp at two mesh refinements, in the same run.

Reported: unknowns, Newton iterations, time per bias point and per sweep (pnp: after
compilation, which is reported separately), I(+1 V) and I(−1 V), and the ratio of the
DEVSIM sweep time to ours. DEVSIM applies the voltage to the right contact, so its
V_top = −V in our convention (V = φ_left − φ_right); the pore is symmetric, so only the
sign of the current changes.

Needs DEVSIM: `apt-get install -y libopenblas0-pthread liblapack3 && pip install devsim`.
Usage: python benchmarks/devsim_peer.py [--quick] [--json benchmarks/results/devsim_peer.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np

import pnp
from pnp.constants import BOLTZMANN, ELEMENTARY_CHARGE

PEER_SCRIPT = os.path.join(os.path.dirname(__file__), "peers", "devsim_pore.py")
VOLTAGES = np.round(np.arange(-1.0, 1.0 + 1e-9, 0.05), 10)


def pnp_case():
    temperature = 0.025693 * ELEMENTARY_CHARGE / BOLTZMANN  # kT/e = 25.693 mV as in the peer
    bath = pnp.Electrolyte({pnp.Ion("K+", 1, 2e-9): 10.0, pnp.Ion("Cl-", -1, 2e-9): 10.0},
                           temperature=temperature, relative_permittivity=80.0)
    pore = pnp.Cylinder(5e-9, 100e-9, -0.1, reservoirs=pnp.Reservoirs(200e-9, 200e-9, membrane_charge=-0.1))
    return pore, bath


def run_pnp(refinement: float, voltages) -> dict:
    pore, bath = pnp_case()
    mesh = pnp.Mesh(refinement=refinement)
    start = time.perf_counter()
    pnp.sweep(pore, bath, [-0.05, 0.05], mesh=mesh)  # compiles the solver for this grid
    compile_and_warmup = time.perf_counter() - start
    start = time.perf_counter()
    iv = pnp.sweep(pore, bath, voltages, mesh=mesh)
    sweep_time = time.perf_counter() - start
    points = [s for s in iv.solutions if s.voltage != 0.0]
    grid = iv.solutions[0].problem.grid
    return {
        "code": "pnp", "mesh": f"refinement {refinement}", "cells": grid.n_active,
        "unknowns": grid.n_active * 3, "bias_points": len(points),
        "newton_iterations": int(sum(s.info.newton_iterations for s in points)),
        "sweep_s": sweep_time, "per_point_s": sweep_time / len(points),
        "compile_and_warmup_s": compile_and_warmup,
        "I_plus_1V_A": abs(iv.at(1.0).current) if 1.0 in iv.voltages else None,
        "I_minus_1V_A": abs(iv.at(-1.0).current) if -1.0 in iv.voltages else None,
    }


def run_devsim(scale: float, vmax: float, dv: float) -> dict:
    env = dict(os.environ, DEVSIM_MATH_LIBS="libopenblas.so.0:liblapack.so.3")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, PEER_SCRIPT, str(scale), "0.01", "-0.1", str(vmax), "5", str(dv)],
                         capture_output=True, text=True, env=env, check=True).stdout
    wall = time.perf_counter() - start
    nodes = int(re.search(r"nodes=(\d+)", out).group(1))
    summary = re.search(r"(\d+) bias points, total Newton its=(\d+), solve time=([\d.]+)s", out)
    currents = {float(v): abs(float(i)) for v, i in re.findall(r"V=([+-][\d.]+) I=([+-][\d.eE+-]+) A", out)}
    points, its, sweep = int(summary.group(1)), int(summary.group(2)), float(summary.group(3))
    return {
        "code": "DEVSIM", "mesh": f"scale {scale}", "cells": nodes, "unknowns": 3 * nodes, "bias_points": points,
        "newton_iterations": its, "sweep_s": sweep, "per_point_s": sweep / points, "process_wall_s": wall,
        "I_plus_1V_A": currents.get(-vmax), "I_minus_1V_A": currents.get(vmax),  # V_top = −V
    }


def table(rows) -> str:
    head = "| code | mesh | nodes/cells | unknowns | points | Newton its | s/point | s/sweep | I(+1 V) nA | I(−1 V) nA |"
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        fmt = lambda x: f"{x * 1e9:.4f}" if x else "–"
        lines.append(f"| {r['code']} | {r['mesh']} | {r['cells']} | {r['unknowns']} | {r['bias_points']} | "
                     f"{r['newton_iterations']} | {r['per_point_s']:.3f} | {r['sweep_s']:.2f} | "
                     f"{fmt(r['I_plus_1V_A'])} | {fmt(r['I_minus_1V_A'])} |")
    return "\n".join(lines)


def extrapolated(rows) -> float | None:
    """Richardson estimate of the mesh-converged I(+1 V) from a code's two meshes (h halves, order 2)."""
    if len(rows) < 2 or not all(r["I_plus_1V_A"] for r in rows[:2]):
        return None
    coarse, fine = sorted(rows[:2], key=lambda r: r["cells"])
    return fine["I_plus_1V_A"] + (fine["I_plus_1V_A"] - coarse["I_plus_1V_A"]) / 3.0


MATCHED_ACCURACY = 0.2e-2  # the "matched accuracy": relative error in I(+1 V)


def mesh_errors(rows) -> dict[str, float]:
    """Each run's relative error in I(+1 V) against its own code's Richardson estimate."""
    errors = {}
    for code in ("pnp", "DEVSIM"):
        group = [r for r in rows if r["code"] == code]
        limit = extrapolated(group)
        for r in group if limit else ():
            errors[f"{code} {r['mesh']}"] = r["I_plus_1V_A"] / limit - 1
    return errors


def matched_accuracy(rows) -> str:
    """The sweep-time ratio at matched accuracy: for each code, its fastest run whose I(+1 V) is
    within MATCHED_ACCURACY of that code's own mesh-converged value; the two runs must also agree
    with each other within MATCHED_ACCURACY (otherwise the codes solve different problems)."""
    errors = mesh_errors(rows)
    chosen = {}
    for code in ("pnp", "DEVSIM"):
        good = [r for r in rows if r["code"] == code and abs(errors.get(f"{code} {r['mesh']}", 1.0)) <= MATCHED_ACCURACY]
        if not good:
            return f"matched accuracy: no {code} run is within {100 * MATCHED_ACCURACY:g} % of its mesh limit"
        chosen[code] = min(good, key=lambda r: r["sweep_s"])
    ours, theirs = chosen["pnp"], chosen["DEVSIM"]
    apart = ours["I_plus_1V_A"] / theirs["I_plus_1V_A"] - 1
    verdict = "agree" if abs(apart) <= MATCHED_ACCURACY else "DISAGREE: not a like-for-like pair"
    return (f"matched accuracy (each code's fastest run within {100 * MATCHED_ACCURACY:g} % of its own "
            f"mesh-converged I(+1 V)): pnp {ours['mesh']} ({100 * errors['pnp ' + ours['mesh']]:+.3f} %), "
            f"DEVSIM {theirs['mesh']} ({100 * errors['DEVSIM ' + theirs['mesh']]:+.3f} %); they {verdict} "
            f"({100 * apart:+.3f} %); DEVSIM sweep / pnp sweep = {theirs['sweep_s'] / ours['sweep_s']:.2f}×")


def comparison(rows) -> str:
    """Every pnp/DEVSIM pair: sweep-time ratio and current difference; each code's mesh error."""
    ours = [r for r in rows if r["code"] == "pnp"]
    theirs = [r for r in rows if r["code"] == "DEVSIM"]
    lines = ["| pnp mesh | DEVSIM mesh | DEVSIM sweep / pnp sweep | I(+1 V) pnp vs DEVSIM |", "|---|---|---|---|"]
    for a in ours:
        for b in theirs:
            if a["I_plus_1V_A"] and b["I_plus_1V_A"]:
                lines.append(f"| {a['mesh']} | {b['mesh']} | {b['sweep_s'] / a['sweep_s']:.2f}× | "
                             f"{100 * (a['I_plus_1V_A'] / b['I_plus_1V_A'] - 1):+.3f} % |")
    errors = mesh_errors(rows)
    for name, group in (("pnp", ours), ("DEVSIM", theirs)):
        limit = extrapolated(group)
        if limit:
            listed = ", ".join(f"{r['mesh']}: {100 * errors[name + ' ' + r['mesh']]:+.3f} %" for r in group)
            lines.append(f"\n{name}: Richardson-extrapolated I(+1 V) = {limit * 1e9:.4f} nA; mesh error {listed}")
    lines.append("\n" + matched_accuracy(rows))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="coarse meshes and ±1 V in 0.25 V steps")
    parser.add_argument("--json", default="benchmarks/results/devsim_peer.json")
    args = parser.parse_args()
    dv = 0.25 if args.quick else 0.05
    voltages = np.round(np.arange(-1.0, 1.0 + 1e-9, dv), 10)
    rows = []
    for refinement in ((0.5,) if args.quick else (0.5, 1.0)):
        rows.append(run_pnp(refinement, voltages))
        print(table(rows[-1:]), file=sys.stderr, flush=True)
    try:
        for scale in ((1.0,) if args.quick else (1.0, 0.5)):
            rows.append(run_devsim(scale, 1.0, dv))
            print(table(rows[-1:]), file=sys.stderr, flush=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        print(f"DEVSIM baseline unavailable ({error}); see the module docstring to install it.")
    print(table(rows))
    print()
    print(comparison(rows))
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    meta = {"date": datetime.date.today().isoformat(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "jax": __import__("jax").__version__, "pnp": pnp.__version__}
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=2)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
