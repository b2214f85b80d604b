"""The couplings (sparsity) of a residual, derived from the residual itself.

Evaluates the full nine-point band Jacobian of ``fn`` at a state with random values and
records which (dz, dr, b, a) entries are nonzero in any cell: the structural pattern that
:class:`pnp.linalg.Couplings` hands to the colored Jacobian and the sparse backends. With
random states (and random parameters, chosen by the caller) an entry vanishes only where the
residual's structure makes it vanish, so the pattern cannot go stale when a term changes.
"""

from __future__ import annotations

import jax
import numpy as np

from ..linalg.band import Couplings
from ..static import StaticArray
from .jacobian import band_jacobian
from .packing import pack, unpack


def derive_couplings(fn, y, args) -> Couplings:
    """Couplings of ``fn(·, args)`` from its nine-point band at ``y`` (closed under transposition)."""
    _, jacobian = jax.jit(lambda x, a: band_jacobian(lambda s: pack(fn(unpack(s, y), a)), x))(pack(y), args)
    values = np.asarray(jacobian.values)
    if not np.all(np.isfinite(values)):
        raise ValueError("the residual's Jacobian is not finite at the probe state, so its couplings (sparsity) "
                         "cannot be derived; make every term finite for small positive parameter values "
                         "(see pnp.physics.Model.probe)")
    return Couplings(StaticArray(np.any(values != 0, axis=(0, 1))))
