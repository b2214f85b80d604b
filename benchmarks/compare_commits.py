"""Two versions of pnp in one run: Newton cost and the DEVSIM sweep ratio, base commit vs working tree.

For the base commit (checked out into a temporary ``git worktree``) and for the working tree, a
fresh subprocess (``PYTHONPATH`` pointing at that version) measures with the public API only
(``pnp.sweep``, ``Solution.info``), after a compiling warm-up:

* the DEVSIM peer pore (benchmarks/peers/README.md; :func:`devsim_peer.run_pnp`) at mesh refinement
  0.5, ±1 V in 50 mV steps: sweep time, Newton iterations, time per point and per Newton
  iteration, I(±1 V);
* a 1D membrane (10 µm, X = −100 mol/m³, KCl 100 | 10 mol/m³), ±0.5 V in 25 mV steps, likewise;
* ``flow`` (only when asked: ``--cases peer,membrane,flow``): the stressed demo cone with solvent
  flow (σ = −0.2 C/m² on the walls and membrane faces, 1 mM KCl, mesh refinement 0.5, frozen) at
  +2 V from the uniform start, the whole continuation; compiled by the solve at 0 V on the same
  grid first: Newton iterations and calls, seconds, I and Q.

Then DEVSIM's sweep of the same pore (scale 1.0) once, so both versions' DEVSIM ratios come from
the same run. Prints a Markdown table (new/base ratios) and writes JSON.

Usage: python benchmarks/compare_commits.py --base REV [--cases peer,membrane,flow] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_VOLTAGES = np.round(np.arange(-1.0, 1.0 + 1e-9, 0.05), 10)
MEMBRANE_VOLTAGES = np.round(np.arange(-0.5, 0.5 + 1e-9, 0.025), 10)
CASES = ("peer", "membrane", "flow")
FIELDS = {"peer": ("newton_iterations", "sweep_s", "per_point_s", "s_per_newton_iteration", "I_plus_1V_A"),
          "membrane": ("newton_iterations", "sweep_s", "per_point_s", "s_per_newton_iteration", "I_plus_0.5V"),
          "flow": ("newton_iterations", "newton_calls", "solve_s", "s_per_newton_iteration", "current_A",
                   "flow_rate_m3_per_s")}
TITLES = {"peer": "peer pore, refinement 0.5", "membrane": "1D membrane",
          "flow": "demo cone with flow, σ = −0.2 C/m², 1 mM, +2 V"}


def measure(cases) -> dict:
    """The chosen cases with whatever ``pnp`` is importable (run in a subprocess per version)."""
    import pnp

    runs = {"peer": measure_peer, "membrane": measure_membrane, "flow": measure_flow}
    return {"pnp_file": pnp.__file__, **{case: runs[case]() for case in cases}}


def measure_peer() -> dict:
    from devsim_peer import run_pnp

    peer = run_pnp(0.5, PEER_VOLTAGES)
    return {**peer, "s_per_newton_iteration": peer["sweep_s"] / peer["newton_iterations"]}


def measure_membrane() -> dict:
    import pnp

    bath = pnp.Electrolyte({"K+": 100.0, "Cl-": 100.0})
    membrane = pnp.Membrane(10e-6, fixed_charge=-100.0)
    kwargs = dict(right=bath.scaled(0.1))
    pnp.sweep(membrane, bath, [-0.025, 0.025], **kwargs)  # compile
    start = time.perf_counter()
    iv = pnp.sweep(membrane, bath, MEMBRANE_VOLTAGES, **kwargs)
    seconds = time.perf_counter() - start
    points = [s for s in iv.solutions if s.voltage != 0.0]
    iterations = int(sum(s.info.newton_iterations for s in points))
    return {"cells": int(iv.solutions[0].problem.grid.n_active), "bias_points": len(points),
            "newton_iterations": iterations, "sweep_s": seconds, "per_point_s": seconds / len(points),
            "s_per_newton_iteration": seconds / iterations, "I_plus_0.5V": float(iv.at(0.5).current)}


def measure_flow() -> dict:
    import warnings

    import pnp

    cone = pnp.Cone(10e-9, 200e-9, 2e-6, -0.2, pnp.Reservoirs(membrane_charge=-0.2))
    kcl = pnp.Electrolyte.from_salts({"KCl": 1.0})
    mesh = pnp.frozen_mesh(cone, kcl, mesh=pnp.Mesh(refinement=0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the physical-limit warnings of this stressed case
        pnp.solve(cone, kcl, 0.0, flow=True, mesh=mesh)  # compiles the continuation on this grid
        start = time.perf_counter()
        solution = pnp.solve(cone, kcl, 2.0, flow=True, mesh=mesh)
        seconds = time.perf_counter() - start
    info = solution.info
    return {"cells": int(solution.problem.grid.n_active), "newton_iterations": info.newton_iterations,
            "newton_calls": info.newton_calls, "solve_s": seconds,
            "s_per_newton_iteration": seconds / info.newton_iterations, "current_A": float(solution.current),
            "flow_rate_m3_per_s": float(solution.flow_rate)}


def run_version(root: Path, cases) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = dict(os.environ, PYTHONPATH=f"{root}{os.pathsep}{HERE}")
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", str(out), "--cases",
                        ",".join(cases)], env=env, check=True, cwd=tmp)
        return json.loads(out.read_text())


def table(base: dict, new: dict, devsim: dict | None, base_rev: str) -> str:
    lines = ["| case | quantity | base " + base_rev + " | working tree | new / base |", "|---|---|---|---|---|"]
    for key in (key for key in CASES if key in new):
        for field in FIELDS[key]:
            a, b = base[key][field], new[key][field]
            lines.append(f"| {TITLES[key]} | {field} | {a:.6g} | {b:.6g} | {b / a:.4f} |")
    if devsim is not None and "peer" in new:
        for name, record in (("base " + base_rev, base), ("working tree", new)):
            lines.append(f"| DEVSIM scale 1.0 ({devsim['sweep_s']:.1f} s) | DEVSIM sweep / pnp sweep, {name} | | | "
                         f"{devsim['sweep_s'] / record['peer']['sweep_s']:.2f}× |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the base commit (default HEAD)")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "compare_commits.json")
    parser.add_argument("--cases", default="peer,membrane", help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--no-devsim", action="store_true", help="skip the DEVSIM baseline")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: one version, this process
    args = parser.parse_args(argv)
    cases = tuple(args.cases.split(","))
    if not set(cases) <= set(CASES):
        parser.error(f"--cases takes {', '.join(CASES)}, got {args.cases!r}")
    if args.measure is not None:
        args.measure.write_text(json.dumps(measure(cases)))
        return
    rev = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), rev], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            print(f"measuring base {rev} …", file=sys.stderr, flush=True)
            base = run_version(worktree, cases)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False)
    print("measuring the working tree …", file=sys.stderr, flush=True)
    new = run_version(ROOT, cases)
    devsim = None
    if not args.no_devsim and "peer" in cases:
        from devsim_peer import run_devsim

        try:
            devsim = run_devsim(1.0, 1.0, 0.05)
        except (subprocess.CalledProcessError, FileNotFoundError) as error:
            print(f"DEVSIM baseline unavailable ({error})", file=sys.stderr)
    print(table(base, new, devsim, rev))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"base": rev, "base_result": base, "new_result": new, "devsim": devsim}, indent=1))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
