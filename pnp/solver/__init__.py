"""Problem-agnostic nonlinear solvers: Newton, continuation paths, implicit derivatives, secant.

Every solver takes the residual as an argument (``fn(y, args)`` on a pytree of cell fields, as
optimistix's ``root_find(fn, solver, y0, args)``); none imports a physics module.
"""

from .continuation import END, Leg, PathResult, follow_path, interpolate
from .errors import ConvergenceError
from .implicit import implicit_root, tangent_solver
from .jacobian import band_jacobian
from .newton import NewtonOptions, NewtonResult, newton_solve, newton_step
from .packing import pack, unpack
from .secant import SecantResult, secant
from .stencil import derive_couplings

__all__ = [
    "END", "ConvergenceError", "Leg", "NewtonOptions", "NewtonResult", "PathResult", "SecantResult",
    "band_jacobian", "derive_couplings", "follow_path", "implicit_root", "interpolate", "newton_solve",
    "newton_step", "pack", "secant", "tangent_solver", "unpack",
]
