"""pnp: a differentiable JAX finite-volume Poisson–Nernst–Planck solver for nanochannels.

SI units at the API (m, mol/m³, C/m², V, A, mol/s); float64 throughout (enabled on import).
"""

import jax

jax.config.update("jax_enable_x64", True)

from .api import frozen_mesh, solve, zero_current_voltage  # noqa: E402
from .conditions import Conditions  # noqa: E402
from .sweep import IVCurve, sweep  # noqa: E402
from .electrolyte import Electrolyte  # noqa: E402
from .geometry import (  # noqa: E402
    Channel, ChargedWall, Cone, Cylinder, Membrane, Mesh, Reservoirs, Slit,
)
from .ions import Ion, get_ion  # noqa: E402
from .nanofiltration import Nanofiltration, nanofiltration  # noqa: E402
from .sites import SurfaceSites  # noqa: E402
from .solution import Solution  # noqa: E402
from .solver import ConvergenceError, NewtonOptions  # noqa: E402
from . import guards  # noqa: E402  (pnp.guards.relaxed(), the plausibility limits)

__version__ = "0.1.0"

__all__ = [
    "Channel", "ChargedWall", "Conditions", "Cone", "ConvergenceError", "Cylinder", "Electrolyte", "Ion",
    "IVCurve", "Membrane", "Mesh", "Nanofiltration", "NewtonOptions", "Reservoirs", "Slit", "Solution", "SurfaceSites", "frozen_mesh", "get_ion",
    "nanofiltration", "solve", "sweep", "zero_current_voltage",
]
