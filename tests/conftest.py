import gc

import jax
import pytest

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
