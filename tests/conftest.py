import gc
import os

import jax
import pytest

jax.config.update("jax_enable_x64", True)
# JAX's persistent compilation cache: modules recompile after _release_compiled_programs drops
# the in-memory programs, and a second run (or the slow stage after the default one) finds them
# on disk. Programs with host callbacks (the UMFPACK solves) are never written, so 2D cases still
# compile. Measured on 4 pore/gradient modules (36 tests, 2 cores): 229 s without, 197 s with an
# empty cache, 163 s with a warm one. PNP_TEST_CACHE=0 turns it off; PNP_TEST_CACHE_DIR moves it.
if os.environ.get("PNP_TEST_CACHE", "1") != "0":
    jax.config.update("jax_compilation_cache_dir", os.environ.get("PNP_TEST_CACHE_DIR", ".jax_cache"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


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
