"""The whole benchmark suite in one command: core solver, throughput, DEVSIM peer → RESULTS.md.

Runs, one after the other in fresh processes (so one does not disturb the other's memory
figures), ``core_solver.py``, ``throughput.py``, ``cone_iv.py``, ``tapered_fluxes.py``, ``pore_terms.py``,
``flow_cost.py``, ``demo_time.py`` and ``devsim_peer.py`` (CPU only: DEVSIM and SciPy are the CPU
baselines), each writing its JSON under ``benchmarks/results/``, then
writes their tables with the date and device to ``benchmarks/RESULTS.md`` (or ``--out``).

Usage:
  python benchmarks/run_all.py                 # CPU, full sizes (about 30 min on 2 cores)
  python benchmarks/run_all.py --quick         # reduced sizes (about 10 min)
  python benchmarks/run_all.py --device gpu    # GPU: core, throughput and the cone I–V (1e5 cells) at large sizes
"""

from __future__ import annotations

import argparse
import datetime
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, arguments: list[str]) -> str:
    """Run a benchmark script; return its standard output (the Markdown table)."""
    command = [sys.executable, str(HERE / script), *arguments]
    print("$", " ".join(command), file=sys.stderr, flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        return f"`{script}` failed with exit code {done.returncode}; see its output above.\n"
    return done.stdout


def device_name(device: str | None) -> str:
    import jax
    from common import select_device

    select_device(device)
    first = jax.devices()[0]
    return f"{first.platform}: {getattr(first, 'device_kind', '')}, {len(jax.devices())} device(s)"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes")
    parser.add_argument("--device", choices=("cpu", "gpu"), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    device = ["--device", args.device] if args.device else []
    sections = []
    core = run("core_solver.py", (["--quick"] if args.quick else []) + device)
    sections.append(("Core solver: Newton and linear solves (`core_solver.py`)", core))
    size = ["--size", "large"] if args.device == "gpu" else []
    sections.append(("Throughput: batched designs, gradient/forward, batched sweeps (`throughput.py`)",
                     run("throughput.py", size + device)))
    cells = "100000" if args.device == "gpu" else "3000" if args.quick else "10000"
    sections.append(("41-point I–V of the demo cone (`cone_iv.py`)", run("cone_iv.py", ["--cells", cells] + device)))
    sections.append(("Tapered grids: cost of the tangential flux terms (`tapered_fluxes.py`)",
                     run("tapered_fluxes.py", ["--cells", "1000" if args.quick else "3000"] + device)))
    sections.append(("Pore terms and convection: cost per Newton iteration (`pore_terms.py`)",
                     run("pore_terms.py", ["--repeats", "5" if args.quick else "20"] + device)))
    sections.append(("Solvent flow: cost of the Stokes unknowns (`flow_cost.py`)",
                     run("flow_cost.py", ["--repeats", "3" if args.quick else "5"] + device)))
    sections.append(("First hour: `pnp demo` and its result file (`demo_time.py`)",
                     run("demo_time.py", ["--repeats", "1" if args.quick else "3"] + device)))
    if args.device != "gpu":
        peer = run("devsim_peer.py", ["--quick"] if args.quick else [])
        sections.append(("DEVSIM peer, same pore and physics (`devsim_peer.py`)", peer))
    header = (f"# Benchmark results\n\nDate: {datetime.date.today().isoformat()}  \n"
              f"Device: {device_name(args.device)}; host {platform.processor() or platform.machine()}, "
              f"{__import__('os').cpu_count()} CPU cores  \nCommand: `python benchmarks/run_all.py"
              f"{' --quick' if args.quick else ''}{' --device ' + args.device if args.device else ''}`\n")
    body = "\n".join(f"## {title}\n\n{text.strip()}\n" for title, text in sections)
    args.out.write_text(header + "\n" + body)
    print(f"written {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
