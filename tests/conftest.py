import gc
import os
from pathlib import Path

# How the tests run JAX, set in the environment before JAX starts, so the CLI subprocesses of
# test_cli, test_readme and test_resume run it the same way.
#
# 1. XLA's backend (LLVM) optimization level 0: the suite's time is mostly compiling (hundreds of
#    programs, each a Newton solve with its Jacobian), and level 0 compiles them faster while the
#    float semantics stay those of the default level (no fast math at either). Measured (2 cores):
#    test_design's cone-gradient test 57 -> 41 s, the slow tapered-cone convergence test
#    52 -> 40 s. A user's XLA_FLAGS that names the level wins.
if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()
# 2. JAX's persistent compilation cache: modules recompile after _release_compiled_programs drops
#    the in-memory programs, and a second run (or the slow stage after the default one) finds them
#    on disk. Programs with host callbacks (the UMFPACK solves) are never written. Measured on 4
#    pore/gradient modules (36 tests, 2 cores): 229 s without, 197 s with an empty cache, 163 s
#    with a warm one. PNP_TEST_CACHE=0 turns it off; PNP_TEST_CACHE_DIR moves it (default
#    .jax_cache/ in the repository). Each pytest-xdist worker has a folder of its own: JAX writes
#    entries without a lock (no eviction is set), so two workers writing one entry could tear it.
if os.environ.get("PNP_TEST_CACHE", "1") != "0":
    cache_root = Path(os.environ.get("PNP_TEST_CACHE_DIR", Path(__file__).resolve().parent.parent / ".jax_cache"))
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(cache_root.resolve() / os.environ.get("PYTEST_XDIST_WORKER", "main"))
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"

import jax  # noqa: E402  (after the environment above)
import pytest  # noqa: E402

jax.config.update("jax_enable_x64", True)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Drop JAX's compiled programs after each test module.

    The suite compiles hundreds of programs (one per grid shape and option set). On the CPU
    each keeps memory mappings alive until its cache entry is dropped; in one long pytest
    process they piled up past the kernel's map limit (vm.max_map_count = 65530) and LLVM
    failed with "Cannot allocate memory". Modules share no shapes worth keeping compiled.
    """
    yield
    jax.clear_caches()
    gc.collect()


# Modules whose tests are independent of each other and long: pytest-xdist hands out their tests
# one by one and first, instead of the whole file as one unit. The README's blocks are
# subprocesses of up to four minutes each (slow stage); as one unit they were 16 min of one
# worker, the longest unit of the suite.
SPLIT_MODULES = ("tests/test_readme.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not item.nodeid.startswith(SPLIT_MODULES))  # stable: the rest keep their order


@pytest.hookimpl(optionalhook=True)  # an xdist hook: pytest -p no:xdist still runs
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SplitLoadFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            return nodeid if nodeid.startswith(SPLIT_MODULES) else super()._split_scope(nodeid)

    return SplitLoadFileScheduling(config, log)
