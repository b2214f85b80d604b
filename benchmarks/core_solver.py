"""Core-solver benchmark: Newton and linear-solve cost of the PNP solver, with SciPy as baseline.

For each problem size (1D charged membrane, 2D charged cylindrical pore with reservoirs;
about 1e3, 1e4 and 1e5 active cells) it measures, in a fresh subprocess:

* the full steady solve from the uniform start (Newton iterations, wall time) and the
  compile time of the solve (first ``pnp.steady.solve_system`` call minus a second one);
* the time of one jitted ``pnp.solver.newton_step``;
* the time of one jitted ``pnp.linalg.solve`` per backend, and of
  ``scipy.sparse.linalg.spsolve`` (default options) on the same Jacobian as the baseline;
* peak host memory (``ru_maxrss``) and, on GPU, JAX's peak device memory.

Usage::

    .venv/bin/python benchmarks/core_solver.py --quick          # sizes up to 1e4 cells only
    .venv/bin/python benchmarks/core_solver.py --device gpu     # all sizes on the GPU

It prints a Markdown table and writes JSON (``--json``, default
``benchmarks/results/core_solver.json``).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax
import numpy as np
import scipy
import scipy.sparse.linalg
from common import PLATFORMS, markdown_table, select_device

import pnp
from pnp.linalg import BACKENDS, registry, to_scipy
from pnp.physics import residual
from pnp.problem import build_problem
from pnp.solver import ConvergenceError, NewtonOptions, band_jacobian, newton_step, pack, unpack
from pnp.steady import check, couplings, solve_system, uniform_state

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "core_solver.json"
DENSE_METHODS = tuple(name for name, solver in BACKENDS.items() if solver.dense_blocks)
SPARSE_BACKENDS = tuple(name for name, solver in BACKENDS.items() if solver.host)  # run on any device
DENSE_LIMIT_BYTES = 2e9  # skip dense block solvers whose (lower, diag, upper) blocks exceed this
MIN_REPEATS, MAX_REPEATS, TIME_BUDGET = 3, 20, 0.5  # timed calls after warm-up; seconds per measurement

# case name → (dimension, mesh parameter): max_cell (m) in 1D, refinement in 2D.
CASES = {
    "1d-1e3": ("1D", 1e-8),
    "1d-1e4": ("1D", 1e-9),
    "1d-1e5": ("1D", 1e-10),
    "2d-1e3": ("2D", 0.35),
    "2d-1e4": ("2D", 1.1),
    "2d-1e5": ("2D", 3.55),
}
QUICK_CASES = ("1d-1e3", "1d-1e4", "2d-1e3", "2d-1e4")


def kcl(concentration: float) -> pnp.Electrolyte:
    return pnp.Electrolyte({"K+": concentration, "Cl-": concentration})


def build_case(name: str):
    """(label, problem, voltage) for a case of :data:`CASES`."""
    dimension, size = CASES[name]
    if dimension == "1D":
        label = f"membrane X=-100 mM, 10 µm, KCl 100|10 mM, max_cell {size:g} m"
        geometry, voltage = pnp.Membrane(10e-6, fixed_charge=-100.0), 0.1
        return label, build_problem(geometry, kcl(100.0), voltage, right=kcl(10.0),
                                    mesh=pnp.Mesh(max_cell=size)), voltage
    label = f"cylinder r=5 nm, L=100 nm, σ=-0.05 C/m², KCl 10 mM, refinement {size:g}"
    geometry = pnp.Cylinder(5e-9, 100e-9, -0.05, reservoirs=pnp.Reservoirs(200e-9, 200e-9))
    voltage = 0.2
    return label, build_problem(geometry, kcl(10.0), voltage, mesh=pnp.Mesh(refinement=size)), voltage


def median_time(fn):
    """(median wall time in s, result) of ``fn()``: one warm-up call (its result is returned),
    then at least MIN_REPEATS timed calls, more (up to MAX_REPEATS) while their total stays
    below TIME_BUDGET."""
    result = jax.block_until_ready(fn())
    times = []
    while len(times) < MIN_REPEATS or (sum(times) < TIME_BUDGET and len(times) < MAX_REPEATS):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def wall_time(fn):
    """(result, seconds) of one call of ``fn()``, waiting for JAX arrays."""
    start = time.perf_counter()
    result = jax.block_until_ready(fn())
    return result, time.perf_counter() - start


def dense_block_bytes(band_shape) -> float:
    """Memory of the three dense block arrays nz·(nr·nc)² float64 of the block solvers."""
    nz, nr, nc = band_shape[0], band_shape[1], band_shape[-1]
    return nz * (nr * nc) ** 2 * 8.0 * 3


def newton_linear_solver(band_shape) -> str:
    """What "auto" picks, or the first sparse backend if that is a dense block solver over
    the memory limit."""
    method = registry.choose("auto", (band_shape[0], band_shape[1], band_shape[-1])).name
    if method in DENSE_METHODS and dense_block_bytes(band_shape) > DENSE_LIMIT_BYTES:
        return SPARSE_BACKENDS[0]
    return method


def solved(system, options):
    state, result = solve_system(system, None, options)
    return state, check(result)


def measure_newton(system, options) -> dict:
    """Full steady solve twice (compile = first − second) and one jitted Newton step."""
    start = uniform_state(system)
    try:
        (state, info), first = wall_time(lambda: solved(system, options))
        _, second = wall_time(lambda: solved(system, options))
    except ConvergenceError as error:
        return {"converged": False, "error": str(error), "state": start}
    c = couplings(system.model, system.parameters.valence.shape[0])
    step = jax.jit(lambda y, s: newton_step(residual, y, s, options, c))
    return {
        "converged": True, "state": state,
        "newton_iterations": info.newton_iterations, "newton_calls": info.newton_calls,
        "solve_s": second, "compile_s": first - second,
        "newton_step_s": median_time(lambda: step(start, system))[0],
    }


def jacobian_band(state, system):
    """Band Jacobian of the PNP residual at ``state`` (jitted: eager tracing costs seconds)."""
    c = couplings(system.model, system.parameters.valence.shape[0])
    fun = jax.jit(lambda x, s: band_jacobian(lambda y: pack(residual(unpack(y, state), s)), x, c)[1])
    return fun(pack(state), system)


def measure_linear(band, rhs) -> dict:
    """Time per solve of each backend and of scipy spsolve on the same Jacobian and rhs."""
    matrix, b = to_scipy(band), np.asarray(rhs).ravel()
    baseline, x = median_time(lambda: scipy.sparse.linalg.spsolve(matrix, b))
    results = {"spsolve": linear_entry(baseline, baseline, matrix, x, b)}
    solve = jax.jit(registry.solve, static_argnames=("method", "transpose"))
    for method in registry.available():
        if method in DENSE_METHODS and dense_block_bytes(band.values.shape) > DENSE_LIMIT_BYTES:
            results[method] = "skipped (memory)"
            continue
        seconds, x = median_time(lambda: solve(band, rhs, method))
        results[method] = linear_entry(seconds, baseline, matrix, np.asarray(x).ravel(), b)
    for method in set(BACKENDS) - set(registry.available()):
        results[method] = f"not on {jax.default_backend()}"
    return results


def linear_entry(seconds, baseline, matrix, x, b) -> dict:
    """One linear-solve record: time, ratio to spsolve, relative residual ‖A x − b‖₂ / ‖b‖₂
    (a check that the backend really solved the system)."""
    residual_norm = float(np.linalg.norm(matrix @ x - b) / np.linalg.norm(b))
    return {"seconds": seconds, "ratio_to_spsolve": seconds / baseline, "relative_residual": residual_norm}


def memory_usage() -> dict:
    """Peak resident memory of this process (MiB) and JAX's peak device memory where reported."""
    usage = {"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    stats = jax.devices()[0].memory_stats()
    if stats is not None:
        usage["device_peak_mib"] = stats.get("peak_bytes_in_use", 0) / 2**20
        usage["device_limit_mib"] = stats.get("bytes_limit", 0) / 2**20
    return usage


def run_case(name: str) -> dict:
    """All measurements of one case (meant to run alone in a fresh process)."""
    label, problem, voltage = build_case(name)
    grid, system = problem.grid, problem.system
    packed0 = pack(uniform_state(system))
    band_shape = (*grid.shape, 3, 3, packed0.shape[-1], packed0.shape[-1])
    options = NewtonOptions(linear_solver=newton_linear_solver(band_shape))
    newton = measure_newton(system, options)
    state = newton.pop("state")
    band = jacobian_band(state, system)
    rhs = jax.numpy.asarray(np.random.default_rng(0).standard_normal(packed0.shape))
    device = jax.devices()[0]
    return {
        "case": name, "label": label, "dimension": CASES[name][0], "voltage_V": voltage,
        "grid_shape": list(grid.shape), "active_cells": grid.n_active, "unknowns": int(packed0.size),
        "device": f"{device.platform}: {device.device_kind}", "newton_linear_solver": options.linear_solver,
        **newton, "linear_solve": measure_linear(band, rhs), **memory_usage(),
    }


def run_in_subprocess(name: str, device: str | None) -> dict:
    """Run one case in a fresh interpreter (clean peak-memory figures); returns its record."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "case.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--one", name, "--json", str(out)]
        if device is not None:
            command += ["--device", device]
        done, seconds = wall_time(lambda: subprocess.run(command, capture_output=True, text=True))
        if done.returncode != 0:
            return {"case": name, "dimension": CASES[name][0], "error": done.stderr.strip()[-2000:]}
        return {**json.loads(out.read_text()), "case_wall_s": seconds}


def metadata(device_arg: str | None, records: list[dict]) -> dict:
    """Versions, device, CPU count and date (the device as the case subprocesses saw it)."""
    devices = sorted({r["device"] for r in records if "device" in r})
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "jax": jax.__version__, "jaxlib": importlib.metadata.version("jaxlib"), "scipy": scipy.__version__,
        "numpy": np.__version__, "python": sys.version.split()[0], "pnp": pnp.__version__,
        "cvxopt": package_version("cvxopt"), "spsolve_backend": spsolve_backend(),
        "device_requested": device_arg or "default", "devices": devices, "cpu_count": os.cpu_count(),
        "dense_limit_bytes": DENSE_LIMIT_BYTES,
    }


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def spsolve_backend() -> str:
    """What scipy.sparse.linalg.spsolve uses by default: UMFPACK if scikits.umfpack is
    installed, SuperLU (COLAMD ordering) otherwise."""
    return "UMFPACK (scikit-umfpack)" if package_version("scikit-umfpack") else "SuperLU (COLAMD)"


def milliseconds(entry) -> str:
    """A linear-solve entry as 'ms (×ratio)' for the table."""
    if isinstance(entry, str):
        return entry
    return f"{1e3 * entry['seconds']:.3g} (×{entry['ratio_to_spsolve']:.2g})"


def results_table(records: list[dict]) -> str:
    """The results as a Markdown table (times per call; linear solves with their ratio to spsolve)."""
    backends = list(BACKENDS)
    head = (["case", "dim", "grid", "active", "unknowns", "Newton its", "solve s", "compile s", "step ms"]
            + [f"{m} ms (×spsolve)" for m in backends] + ["spsolve ms", "peak RSS MiB", "device peak MiB"])
    rows = []
    for r in records:
        if "error" in r and "label" not in r:
            rows.append([r["case"], r["dimension"], "failed: see JSON"] + [""] * (len(head) - 3))
            continue
        newton = ([str(r["newton_iterations"]), f"{r['solve_s']:.3g}", f"{r['compile_s']:.3g}",
                   f"{1e3 * r['newton_step_s']:.3g}"] if r["converged"] else ["not converged", "", "", ""])
        linear = r["linear_solve"]
        row = ([r["case"], r["dimension"], "×".join(map(str, r["grid_shape"])), str(r["active_cells"]),
                str(r["unknowns"])] + newton + [milliseconds(linear[m]) for m in backends]
               + [f"{1e3 * linear['spsolve']['seconds']:.3g}", f"{r['peak_rss_mib']:.0f}",
                  f"{r['device_peak_mib']:.0f}" if "device_peak_mib" in r else "n/a"])
        rows.append(row)
    return markdown_table(head, rows)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced size set: only up to 1e4 cells")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results")
    parser.add_argument("--device", choices=sorted(PLATFORMS), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--one", choices=sorted(CASES), help=argparse.SUPPRESS)  # internal: one case, this process
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    select_device(args.device)
    if args.one is not None:
        args.json.write_text(json.dumps(run_case(args.one), indent=1))
        return
    records = []
    for name in QUICK_CASES if args.quick else CASES:
        print(f"running {name} …", file=sys.stderr, flush=True)
        records.append(run_in_subprocess(name, args.device))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"metadata": metadata(args.device, records), "cases": records}, indent=1))
    print(results_table(records))
    print(f"\nwritten {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
