"""Where the test suite's time goes: XLA compilations per program and per test module.

The default suite is compile-bound (issue 13: ≤ 5 minutes on 2 cores). This runs pytest on the
given tests with every XLA compilation logged (``jax_log_compiles``) in each pytest-xdist
worker, then prints the programs and the test modules that cost the most compile time, and
writes JSON. Tests run in subprocesses (the CLI, the README, resume, sharding) are not counted.
JAX's persistent compilation cache is off, so every program is compiled.

Usage:
  python benchmarks/compile_profile.py [pytest arguments, default: the default suite]
  python benchmarks/compile_profile.py tests/test_public_gradients.py -n 0
"""

from __future__ import annotations

import collections
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import markdown_table, write_results

DEFAULT_JSON = Path(__file__).parent / "results" / "compile_profile.json"
COMPILED = re.compile(r"Finished XLA compilation of (.+?) in ([0-9.eE+-]+) s")


# --- the pytest plugin (loaded in every worker with -p compile_profile) --------------------------

_programs: dict = collections.defaultdict(lambda: [0, 0.0])  # program → [compilations, seconds]
_modules: dict = collections.defaultdict(float)  # test module → seconds compiling
_current = {"module": "(collection)"}


class _CompileLog(logging.Handler):
    def emit(self, record):
        match = COMPILED.search(record.getMessage())
        if match:
            seconds = float(match.group(2))
            entry = _programs[match.group(1)]
            entry[0] += 1
            entry[1] += seconds
            _modules[_current["module"]] += seconds


def pytest_configure(config):
    import jax

    jax.config.update("jax_log_compiles", True)
    logger = logging.getLogger("jax._src.dispatch")
    logger.addHandler(_CompileLog())
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # counted here, not printed


def pytest_runtest_setup(item):
    _current["module"] = item.nodeid.split("::")[0]


def pytest_unconfigure(config):
    folder = os.environ.get("COMPILE_PROFILE_DIR")
    if folder:
        name = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}.json"
        Path(folder, name).write_text(json.dumps({"programs": _programs, "modules": _modules}))


# --- the runner -----------------------------------------------------------------------------------

def _merge(folder: Path) -> tuple[dict, dict]:
    programs: dict = collections.defaultdict(lambda: [0, 0.0])
    modules: dict = collections.defaultdict(float)
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text())
        for name, (count, seconds) in data["programs"].items():
            programs[name][0] += count
            programs[name][1] += seconds
        for name, seconds in data["modules"].items():
            modules[name] += seconds
    return programs, modules


def main(pytest_args: list[str]) -> None:
    here = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, COMPILE_PROFILE_DIR=folder, PNP_TEST_CACHE="0",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(here), os.environ.get("PYTHONPATH")])))
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "pytest", "-p", "compile_profile", "-q", *pytest_args],
                             cwd=here.parent, env=env)
        wall = time.perf_counter() - start
        programs, modules = _merge(Path(folder))
    total = sum(seconds for _, seconds in programs.values())
    count = sum(n for n, _ in programs.values())
    print(f"\npytest {' '.join(pytest_args) or '(default suite)'}: exit {run.returncode}, {wall:.0f} s wall; "
          f"{total:.0f} s compiling in {count} compilations (summed over workers)\n")
    top = sorted(programs.items(), key=lambda item: -item[1][1])[:25]
    print(markdown_table(["program", "compilations", "seconds", "share"],
                         [[name[:60], str(n), f"{s:.1f}", f"{100 * s / max(total, 1e-9):.0f} %"] for name, (n, s) in top]))
    print()
    print(markdown_table(["test module", "seconds compiling"],
                         [[name, f"{s:.1f}"] for name, s in sorted(modules.items(), key=lambda item: -item[1])[:25]]))
    write_results(DEFAULT_JSON, [{"program": name, "compilations": n, "seconds": s} for name, (n, s) in programs.items()],
                  pytest_args=pytest_args, wall_seconds=wall, compile_seconds=total, modules=modules,
                  exit_code=run.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
