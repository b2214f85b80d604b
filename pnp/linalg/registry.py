"""The one registry of linear backends, and the rule behind ``linear_solver="auto"``.

Built in: ``thomas`` and ``cyclic_reduction`` (pure JAX, dense blocks of size nr·nc; any
device, jit/vmap/grad), ``klu`` (sparse direct inside jit, CPU only) and ``umfpack`` and
``superlu`` (sparse direct on the host CPU through a callback).
A new backend is a module with a :class:`~pnp.linalg.base.LinearSolver` subclass plus one
line in :data:`BUILTIN` (or a call of :func:`register` from user code).

The "auto" rule (measured in benchmarks/, see :func:`choose`):

* on the CPU, systems of up to 6000 unknowns (nz·nr·nc) → KLU, 1D or 2D. Per solve it is as
  fast as UMFPACK or faster there (3.0 against 4.3 ms at 1710 unknowns, 15.6 against 16.1 ms
  at 5025) and twice as fast as cyclic reduction in 1D (1.5 against 2.8 ms at 3438); with no
  host callback its programs compile faster and stay in JAX's persistent compilation cache,
  and a vmap batch is one call (2D pore of 720 unknowns: 216 against 81 designs/s batched;
  1D membrane of 579: 656 against 524) — 2 cores, benchmarks/;
* larger systems, blocks of nr·nc ≤ 16 unknowns (1D, narrow 2D) → cyclic reduction, on every
  device (13.5 ms against KLU's 15.9 at 3·10⁴ 1D unknowns);
* larger systems and blocks on the CPU → UMFPACK (KLU's factorization, without UMFPACK's dense
  frontal blocks, falls behind: 48 against 38 ms at 10⁴ unknowns, 1.9× slower at 3·10⁴);
* larger blocks on an accelerator → cyclic reduction (no sparse backend on the device yet).
"""

from __future__ import annotations

import jax

from .band import BandMatrix
from .base import LinearSolver
from .cyclic_reduction import CyclicReduction
from .klu import KLU
from .superlu import SuperLU
from .thomas import BlockThomas
from .umfpack import Umfpack

AUTO = "auto"
SMALL_BLOCK = 16  # nr·nc at or below which cyclic reduction beats UMFPACK on larger CPU systems
KLU_MAX_UNKNOWNS = 6000  # nz·nr·nc at or below which KLU is the fastest backend on the CPU
BUILTIN: tuple[LinearSolver, ...] = (BlockThomas(), CyclicReduction(), Umfpack(), SuperLU(), KLU())
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
    platform = jax.default_backend()
    if method == AUTO:
        nz, nr, nc = shape
        cpu = platform == "cpu"
        if cpu and nz * nr * nc <= KLU_MAX_UNKNOWNS:
            method = "klu"
        else:
            method = "cyclic_reduction" if nr * nc <= SMALL_BLOCK or not cpu else "umfpack"
    if method not in BACKENDS:
        raise ValueError(f"unknown linear solver {method!r}; choose one of {methods()}")
    backend = BACKENDS[method]
    if not backend.runs_on(platform):
        raise ValueError(f"linear solver {method!r} runs on {', '.join(backend.platforms)} only, not on "
                         f"{platform}; choose 'auto' or one of {available()}")
    return backend


def available() -> tuple[str, ...]:
    """The backends that run on JAX's default platform."""
    platform = jax.default_backend()
    return tuple(name for name, solver in BACKENDS.items() if solver.runs_on(platform))


def solve(matrix: BandMatrix, rhs, method: str = AUTO, transpose: bool = False):
    """x with J x = rhs (Jᵀ x = rhs with ``transpose``), rhs shaped (nz, nr, nc)."""
    backend = choose(method, matrix.shape)
    return backend.solve(matrix.T if transpose else matrix, rhs)
