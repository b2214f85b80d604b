"""KLU (SuiteSparse, through klujax) sparse direct solves inside jit on the CPU.

klujax binds KLU as an XLA FFI call: the solve is part of the compiled program (no Python
callback), so the program lands in JAX's persistent compilation cache, and ``vmap`` hands a
whole batch of same-pattern systems to one call. Each call does KLU's symbolic analysis
(BTF + AMD ordering), numeric factorization and solve; only the entries that the
:class:`~pnp.linalg.band.Couplings` allow are passed (COO, in the order of
:func:`~pnp.linalg.host_sparse.csr_structure`).

klujax is CPU-only. Importing it sets JAX's ``jax_platform_name`` to "cpu"; :func:`_klujax`
imports it lazily and puts the setting back, so ``import pnp`` never moves anything off an
accelerator.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from .band import BandMatrix
from .base import LinearSolver
from .host_sparse import csr_structure


@functools.cache
def _klujax():
    """The klujax module, imported without changing JAX's platform setting."""
    platform = jax.config.read("jax_platform_name")
    try:
        import klujax
    except ImportError as error:  # pragma: no cover - klujax is a dependency
        raise ImportError("the 'klu' linear solver needs klujax: pip install klujax") from error
    finally:
        jax.config.update("jax_platform_name", platform)
    return klujax


class KLU(LinearSolver):
    name = "klu"
    platforms = ("cpu",)

    def solve(self, matrix: BandMatrix, rhs):
        nz, nr, nc = matrix.shape
        gather, rows, cols, _ = csr_structure(nz, nr, matrix.couplings)
        data = matrix.values.reshape(-1)[jnp.asarray(gather)]
        x = _klujax().solve(jnp.asarray(rows, jnp.int32), jnp.asarray(cols, jnp.int32), data, rhs.reshape(-1))
        return x.reshape(rhs.shape)
