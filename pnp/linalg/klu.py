"""KLU (SuiteSparse, through klujax) sparse direct solves inside jit on the CPU.

klujax binds KLU as an XLA FFI call: the solve is part of the compiled program (no Python
callback), so the program lands in JAX's persistent compilation cache, and ``vmap`` hands a
whole batch of same-pattern systems to one call. Each call does KLU's symbolic analysis
(BTF + AMD ordering), numeric factorization and solve; only the entries that the
:class:`~pnp.linalg.band.Couplings` allow are passed (COO, in the order of
:func:`~pnp.linalg.host_sparse.csr_structure`).

KLU stops with an error when it finds no usable pivot, which inside jit would end the whole
program: on an exactly singular matrix, and on NaN entries (a Newton iterate gone non-finite,
met in the crowding test). A matrix with a non-finite entry or an all-zero row or column is
therefore swapped for the identity with a NaN right-hand side: the solve returns NaN, as the
dense block solvers do, and Newton treats it as a failed iteration (the continuation then
halves its step).

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
        n = nz * nr * nc
        gather, rows, cols, _ = csr_structure(nz, nr, matrix.couplings)
        data = matrix.values.reshape(-1)[jnp.asarray(gather)]
        magnitude = jnp.abs(data)
        empty = lambda index: jnp.any(jax.ops.segment_sum(magnitude, index, n) == 0)  # noqa: E731
        singular = ~jnp.all(jnp.isfinite(data)) | empty(rows) | empty(cols)  # KLU would halt (module docstring)
        data = jnp.where(singular, jnp.asarray(rows == cols, data.dtype), data)
        b = jnp.where(singular, jnp.nan, rhs.reshape(-1))
        x = _klujax().solve(jnp.asarray(rows, jnp.int32), jnp.asarray(cols, jnp.int32), data, b)
        return x.reshape(rhs.shape)
