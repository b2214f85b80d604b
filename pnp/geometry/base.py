"""What every geometry provides to the solver, and the mesh controls they share.

A geometry (SI lengths and charges) is discretized in two steps:

1. ``geometry.layout(debye, mesh, scales)`` fixes the mesh: the index structure and the
   node positions relative to the geometry's own sizes (NumPy; needs the values of the
   inputs the default mesh depends on — radii, lengths, the largest charge, the baths'
   Debye lengths);
2. ``layout.discretize(geometry)`` maps a geometry of the same kind onto those nodes with
   JAX operations: a :class:`Discretization` (a nondimensional :class:`~pnp.grid.Grid`,
   surface charge on its wall faces, fixed charge in its cells, and how scaled fluxes
   convert to SI), differentiable in every geometry input.

A layout made once (:func:`pnp.frozen_mesh`, ``Mesh.layout``) serves traced geometries under
``jax.jit``, as design loops need.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Union

import jax
import jax.numpy as jnp
import numpy as np

from ..constants import (BOLTZMANN, DEFAULT_TEMPERATURE, ELEMENTARY_CHARGE, VACUUM_PERMITTIVITY,
                         WATER_RELATIVE_PERMITTIVITY)
from ..grid.mesh import FaceKind, Grid
from ..physics.scales import Scales
from ..tracing import FROZEN_MESH_FIX, concrete, known

# A wall-charge or fixed-charge specification: a constant or a function of the SI
# position (z, r) in metres, vectorised over arrays (jax.numpy).
Profile = Union[float, Callable[[jax.Array, jax.Array], jax.Array]]


@dataclasses.dataclass(frozen=True)
class Mesh:
    """Mesh controls (SI).

    Attributes:
      wall_cell: first cell at charged walls and interfaces (m); default min(λ_D, ℓ_GC)/20 with
        λ_D of the most concentrated bath (and of the fixed-charge counter-ions in membranes)
        and ℓ_GC the Gouy–Chapman length of the largest |σ|.
      max_cell: largest cell (m); default set by each geometry.
      growth: ratio between neighbouring cells (> 1).
      refinement: divides every cell size (1, 2, 4 … for mesh-convergence studies).
      layout: a fixed layout (from :func:`pnp.frozen_mesh`) that geometries of its kind are
        mapped onto instead of meshing them afresh; the other controls are then unused.
    """

    wall_cell: float | None = None
    max_cell: float | None = None
    growth: float = 1.15
    refinement: float = 1.0
    layout: object = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self):
        for name in ("wall_cell", "max_cell"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"Mesh.{name} must be > 0 (m), got {value}")
        if not self.growth > 1:
            raise ValueError(f"Mesh.growth must be > 1, got {self.growth}")
        if not self.refinement > 0:
            raise ValueError(f"Mesh.refinement must be > 0, got {self.refinement}")


@dataclasses.dataclass(frozen=True)
class DebyeLengths:
    """Screening lengths (m) that set default mesh sizes.

    ``shortest``: λ_D of the most concentrated bath; ``longest``: of the most dilute
    bath; :meth:`at` gives λ_D at another ionic strength (e.g. a membrane's counter-ions);
    :meth:`gouy_chapman` the Gouy–Chapman length 2 ε kT / (|z|max e |σ|), which is shorter
    than λ_D near strongly charged walls.
    """

    shortest: float
    longest: float
    ionic_strength: float  # mol/m³ of the bath that has ``shortest``
    permittivity: float = WATER_RELATIVE_PERMITTIVITY  # relative
    temperature: float = DEFAULT_TEMPERATURE  # K
    max_valence: float = 1.0

    def at(self, ionic_strength: float) -> float:
        return self.shortest * float(np.sqrt(self.ionic_strength / ionic_strength))

    def gouy_chapman(self, surface_charge: float) -> float:
        if surface_charge == 0:
            return np.inf
        return (2.0 * VACUUM_PERMITTIVITY * self.permittivity * BOLTZMANN * self.temperature
                / (self.max_valence * ELEMENTARY_CHARGE * abs(surface_charge)))

    def wall_cell(self, mesh: "Mesh", max_surface_charge: Callable[[], float] = lambda: 0.0) -> float:
        """First cell at walls (m): ``mesh.wall_cell`` or min(λ_D, ℓ_GC)/20 (the largest |σ| is
        asked for only then: it may be traced, see :func:`max_abs_profile`)."""
        if mesh.wall_cell is not None:
            return mesh.wall_cell
        return min(self.shortest, self.gouy_chapman(max_surface_charge())) / 20.0


@dataclasses.dataclass(frozen=True)
class Discretization:
    """A geometry on a grid, nondimensionalized with ``scales``.

    ``flux_scale`` converts a scaled flux summed over grid faces into SI for what the
    geometry represents, in ``flux_unit`` (mol/s for an axisymmetric channel, mol/(s·m)
    per metre of depth for planar 2D, mol/(s·m²) for 1D).
    """

    grid: Grid
    zface_charge: jax.Array  # σ̃ on z faces
    rface_charge: jax.Array  # σ̃ on r faces
    fixed_charge: jax.Array  # X̃ per cell
    scales: Scales
    flux_scale: float
    flux_unit: str
    pore_cells: jax.Array | None = None  # (nz, nr) 1 in the cells where the geometry's pore terms act


def require_positive(owner: str, **values: float) -> None:
    """Fail fast on non-positive or non-finite lengths, naming the field (traced values are
    checked by their primal when known, and not at all under jit)."""
    for name, value in values.items():
        number = concrete(value)
        if number is None:
            continue
        if number.shape != () or not (np.isfinite(number) and number > 0):
            raise ValueError(f"{owner}.{name} must be a positive length in metres, got {value!r}")


def known_length(value, owner: str, name: str) -> float:
    """A length's value for meshing (see :func:`pnp.tracing.known`)."""
    return float(known(value, f"{owner}.{name}", FROZEN_MESH_FIX))


def evaluate_profile(profile: Profile, z, r, name: str):
    """A constant or callable profile evaluated at SI positions (z, r)."""
    if callable(profile):
        values = jnp.asarray(profile(z, r), dtype=jnp.float64)
        return jnp.broadcast_to(values, jnp.shape(z))
    value = jnp.asarray(profile, dtype=jnp.float64)
    if value.ndim != 0:
        raise ValueError(f"{name} must be a number or a function of (z, r), got an array of shape {value.shape}")
    return jnp.broadcast_to(value, jnp.shape(z))


def max_abs_profile(profile: Profile, z, r, name: str) -> float:
    """max |profile| over sample points (SI), for default mesh sizes (needs its values)."""
    values = evaluate_profile(profile, jnp.asarray(z), jnp.asarray(r), name)
    fix = f"Give the first cell explicitly, pnp.Mesh(wall_cell=...), or {FROZEN_MESH_FIX[0].lower()}{FROZEN_MESH_FIX[1:]}"
    return float(np.max(np.abs(known(values, name, fix))))


def wall_face_charges(grid: Grid, surface_charge: Profile, scales: Scales, where=None):
    """σ̃ on wall faces from an SI profile σ(z, r) evaluated at face midpoints.

    ``where`` (an object with boolean arrays ``.z`` and ``.r`` over the z and r faces)
    restricts the charge to part of the walls (default: all). Traceable in the grid's
    coordinates and in ``surface_charge``.
    """
    out = []
    faces = ((grid.zface_kind, grid.zface_z, grid.zface_r, None if where is None else where.z),
             (grid.rface_kind, grid.rface_z, grid.rface_r, None if where is None else where.r))
    for kind, fz, fr, part in faces:
        z, r = fz * scales.length, fr * scales.length
        sigma = evaluate_profile(surface_charge, z, r, "surface_charge") / scales.surface_charge
        mask = np.asarray(kind) == FaceKind.WALL
        if part is not None:
            mask = mask & np.asarray(part, bool)
        out.append(jnp.where(mask, sigma, 0.0))
    return tuple(out)
