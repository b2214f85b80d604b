"""The first-hour experience: wall time of ``pnp demo`` and of writing its result file.

Rows:

* ``pnp demo`` and ``pnp demo --quick``, each in a fresh process (imports, compilation, the
  21-point sweep, the result file rewritten after every point, figures, summary), without JAX's
  persistent compilation cache: what a new user waits for (the issue's target: ≤ 60 s);
* one rewrite of the demo's 21-point result file (``pnp.io.save_result``: every observable of
  every point), with the observables compiled (as ``pnp`` runs them) and, as the same-run
  baseline, evaluated one operation at a time (``jax.disable_jit``, as they ran before they were
  compiled). ``pnp run`` rewrites the file after every bias point, so this cost is paid once per
  point for all points so far.

Usage:
  python benchmarks/demo_time.py [--repeats 3] [--device cpu]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax
from common import argument_parser, markdown_table, select_device, write_results

DEFAULT_JSON = Path(__file__).parent / "results" / "demo_time.json"


def demo_seconds(quick: bool, device: str | None) -> float:
    """Wall seconds of ``pnp demo`` in a fresh process (no persistent compilation cache)."""
    env = {key: value for key, value in os.environ.items() if key != "JAX_COMPILATION_CACHE_DIR"}
    command = [sys.executable, "-m", "pnp.cli"] + (["--device", device] if device else []) + ["demo"]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run(command + (["--quick"] if quick else []) + ["--output", folder], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def write_seconds(repeats: int) -> tuple[float, float]:
    """(compiled, one operation at a time) median seconds of saving the demo's 21-point I–V."""
    from importlib import resources

    import pnp
    from pnp.case import Case
    from pnp.io import save_result

    case = Case.from_text((resources.files("pnp.cases") / "demo_cone.toml").read_text(encoding="utf-8"))
    setup = case.build()
    curve = pnp.sweep(setup.geometry, setup.conditions, setup.voltages)
    times = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, eager in (("compiled", False), ("eager", True)):
            samples = []
            for _ in range(repeats + 1):  # the first compiles
                fresh = pnp.IVCurve(tuple(pnp.Solution(s.problem, s.state, s.voltage, s.info, s.options)
                                          for s in curve.solutions))  # no cached observables
                start = time.perf_counter()
                if eager:
                    with jax.disable_jit():
                        save_result(Path(folder) / "demo.h5", case, fresh)
                else:
                    save_result(Path(folder) / "demo.h5", case, fresh)
                samples.append(time.perf_counter() - start)
            times[label] = sorted(samples[1:])[len(samples[1:]) // 2]
    return times["compiled"], times["eager"]


def main() -> None:
    parser = argument_parser(__doc__, DEFAULT_JSON, repeats=3)
    args = parser.parse_args()
    select_device(args.device)
    print("pnp demo …", file=sys.stderr, flush=True)
    full = demo_seconds(False, args.device)
    print("pnp demo --quick …", file=sys.stderr, flush=True)
    quick = demo_seconds(True, args.device)
    print("result file of the demo …", file=sys.stderr, flush=True)
    compiled, eager = write_seconds(args.repeats)
    record = {"demo_s": full, "demo_quick_s": quick, "write_compiled_s": compiled, "write_eager_s": eager,
              "write_speedup": eager / compiled}
    write_results(args.json, [record])
    print(markdown_table(
        ["`pnp demo` (s)", "`pnp demo --quick` (s)", "save 21 points, compiled (s)",
         "save 21 points, one op at a time (s)", "ratio"],
        [[f"{full:.1f}", f"{quick:.1f}", f"{compiled:.3f}", f"{eager:.2f}", f"{eager / compiled:.0f}×"]]))
    print("\nFresh processes, no persistent compilation cache; the save is the file rewrite `pnp run` does "
          "after every bias point (observables of every point so far).")


if __name__ == "__main__":
    main()
