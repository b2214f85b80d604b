"""Linear solves of structured-stencil Jacobians: one matrix format, one backend per module.

:mod:`~pnp.linalg.band` (the :class:`BandMatrix` format and its :class:`Couplings`),
:mod:`~pnp.linalg.base` (the :class:`LinearSolver` interface), the backends
(:mod:`~pnp.linalg.thomas`, :mod:`~pnp.linalg.cyclic_reduction`, :mod:`~pnp.linalg.klu`,
:mod:`~pnp.linalg.umfpack`, :mod:`~pnp.linalg.superlu`) and :mod:`~pnp.linalg.registry`
(names and the "auto" rule).
This layer knows nothing of the solver or the physics above it.
"""

from .band import BandMatrix, Couplings, equilibrate
from .base import LinearSolver
from .cyclic_reduction import cyclic_reduction_solve
from .host_sparse import to_scipy
from .registry import AUTO, BACKENDS, choose, methods, register, solve
from .thomas import thomas_solve

__all__ = [
    "AUTO", "BACKENDS", "BandMatrix", "Couplings", "LinearSolver", "choose", "cyclic_reduction_solve",
    "equilibrate", "methods", "register", "solve", "thomas_solve", "to_scipy",
]
