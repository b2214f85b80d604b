"""The one registry of linear backends, and the rule behind ``linear_solver="auto"``.

Built in: ``thomas`` and ``cyclic_reduction`` (pure JAX, dense blocks of size nr·nc; any
device, jit/vmap/grad) and ``umfpack`` and ``superlu`` (sparse direct on the host CPU).
A new backend is a module with a :class:`~pnp.linalg.base.LinearSolver` subclass plus one
line in :data:`BUILTIN` (or a call of :func:`register` from user code).

The "auto" rule (measured in benchmarks/, see :func:`choose`):

* blocks of nr·nc ≤ 16 unknowns (1D, narrow 2D) → cyclic reduction, on every device;
* larger blocks on the CPU → UMFPACK;
* larger blocks on an accelerator → cyclic reduction (no sparse backend on the device yet).
"""

from __future__ import annotations

import jax

from .band import BandMatrix
from .base import LinearSolver
from .cyclic_reduction import CyclicReduction
from .superlu import SuperLU
from .thomas import BlockThomas
from .umfpack import Umfpack

AUTO = "auto"
SMALL_BLOCK = 16  # nr·nc at or below which dense block solvers beat the sparse ones on the CPU
BUILTIN: tuple[LinearSolver, ...] = (BlockThomas(), CyclicReduction(), Umfpack(), SuperLU())
BACKENDS: dict[str, LinearSolver] = {solver.name: solver for solver in BUILTIN}


def register(solver: LinearSolver) -> None:
    """Make ``solver`` available by its name (replaces a backend of the same name)."""
    if not isinstance(solver, LinearSolver):
        raise ValueError(f"register needs a pnp.linalg.LinearSolver, got {type(solver).__name__}")
    BACKENDS[solver.name] = solver


def methods() -> tuple[str, ...]:
    """Every name ``NewtonOptions(linear_solver=...)`` accepts."""
    return (AUTO,) + tuple(BACKENDS)


def choose(method: str, shape: tuple[int, int, int]) -> LinearSolver:
    """The backend named ``method``, or for ``"auto"`` the measured choice for a system of
    ``shape`` = (nz, nr, nc) on JAX's default device (rule in the module docstring)."""
    if method == AUTO:
        _, nr, nc = shape
        small = nr * nc <= SMALL_BLOCK
        method = "cyclic_reduction" if small or jax.default_backend() != "cpu" else "umfpack"
    if method not in BACKENDS:
        raise ValueError(f"unknown linear solver {method!r}; choose one of {methods()}")
    return BACKENDS[method]


def solve(matrix: BandMatrix, rhs, method: str = AUTO, transpose: bool = False):
    """x with J x = rhs (Jᵀ x = rhs with ``transpose``), rhs shaped (nz, nr, nc)."""
    backend = choose(method, matrix.shape)
    return backend.solve(matrix.T if transpose else matrix, rhs)
