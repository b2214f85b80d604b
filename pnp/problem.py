"""Assemble a nondimensional problem (grid + :class:`Parameters`) from SI inputs.

Convention: the applied voltage is V = φ(left bath) − φ(right bath); the right bath is
grounded. Scales: lengths in nm, concentrations in units of the largest bath
concentration, potentials in kT/e, diffusivities in 1e-9 m²/s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from .constants import GAS_CONSTANT
from .electrolyte import Electrolyte
from .geometry.base import DebyeLengths, Discretization, Mesh, Profile, evaluate_profile
from .grid.mesh import FaceKind
from .physics.parameters import Parameters
from .physics.scales import Scales


@dataclasses.dataclass(frozen=True)
class Problem:
    """A discretized steady PNP problem: what the solver needs, and how to read it in SI."""

    discretization: Discretization
    parameters: Parameters
    left: Electrolyte
    right: Electrolyte

    @property
    def grid(self):
        return self.discretization.grid

    @property
    def scales(self) -> Scales:
        return self.discretization.scales


def check_same_species(left: Electrolyte, right: Electrolyte) -> None:
    if left.names != right.names:
        raise ValueError(
            f"right bath must contain the same ions in the same order as the left bath: "
            f"left {left.names}, right {right.names}. Give a nearly absent ion a small positive concentration."
        )
    for field in ("temperature", "relative_permittivity"):
        if getattr(left, field) != getattr(right, field):
            raise ValueError(f"left and right baths must share {field}: {getattr(left, field)} vs {getattr(right, field)}")


def build_problem(
    geometry,
    electrolyte: Electrolyte,
    voltage: float = 0.0,
    *,
    right: Electrolyte | None = None,
    mesh: Mesh = Mesh(),
    excess_potential: Mapping[str, Profile] | None = None,
    permittivity: Profile | None = None,
) -> Problem:
    """Discretize ``geometry`` and nondimensionalize all inputs.

    Args:
      geometry: a geometry from :mod:`pnp.geometry` (anything with ``discretize``).
      electrolyte: left bath (defines the species).
      voltage: V = φ_left − φ_right (V).
      right: right bath (default: same as the left).
      mesh: mesh controls.
      excess_potential: optional per-ion potential of mean force μ_i^ex(z, r) in J/mol
        (0 in the baths), e.g. {"Li+": lambda z, r: ...}.
      permittivity: relative permittivity, constant or ε_r(z, r) (default: the electrolyte's).
    """
    right_bath = electrolyte if right is None else right
    check_same_species(electrolyte, right_bath)
    if not np.isfinite(voltage):
        raise ValueError(f"voltage must be finite (V), got {voltage!r}")
    c_ref = float(max(electrolyte.concentrations.max(), right_bath.concentrations.max()))
    scales = Scales(concentration=c_ref, temperature=electrolyte.temperature)
    disc = geometry.discretize(debye_lengths(electrolyte, right_bath), mesh, scales)
    grid = disc.grid
    _check_baths(grid, voltage, right_bath != electrolyte, type(geometry).__name__)
    nz, nr = grid.shape
    z_si, r_si = grid.cell_z * scales.length, grid.cell_r * scales.length
    n = len(electrolyte.names)
    mu = jnp.zeros((n, nz, nr))
    for name, profile in (excess_potential or {}).items():
        index = _species_index(electrolyte, name)
        mu = mu.at[index].set(evaluate_profile(profile, z_si, r_si, f"excess_potential[{name!r}]")
                              / (GAS_CONSTANT * scales.temperature))
    eps = evaluate_profile(electrolyte.relative_permittivity if permittivity is None else permittivity,
                           z_si, r_si, "permittivity")
    if not bool(jnp.all(eps > 0)):
        raise ValueError("permittivity must be > 0 everywhere")
    params = Parameters(
        valence=jnp.asarray(electrolyte.valences, dtype=jnp.float64),
        diffusivity=jnp.broadcast_to(jnp.asarray(electrolyte.diffusivities / scales.diffusivity)[:, None, None],
                                     (n, nz, nr)),
        excess_potential=mu,
        permittivity=eps,
        fixed_charge=disc.fixed_charge,
        zface_charge=disc.zface_charge,
        rface_charge=disc.rface_charge,
        left_concentration=jnp.asarray(electrolyte.concentrations / c_ref),
        right_concentration=jnp.asarray(right_bath.concentrations / c_ref),
        left_potential=jnp.asarray(voltage / scales.voltage, dtype=jnp.float64),
        right_potential=jnp.asarray(0.0, dtype=jnp.float64),
        poisson_coefficient=jnp.asarray(scales.poisson_coefficient),
    )
    return Problem(disc, params, electrolyte, right_bath)


def debye_lengths(left: Electrolyte, right: Electrolyte) -> DebyeLengths:
    """The two baths' Debye lengths and what mesh defaults need from them."""
    baths = sorted((left, right), key=lambda e: e.debye_length)
    return DebyeLengths(baths[0].debye_length, baths[1].debye_length, baths[0].ionic_strength,
                        left.relative_permittivity, left.temperature, float(np.abs(left.valences).max()))


def _check_baths(grid, voltage, separate_right_bath: bool, geometry_name) -> None:
    """A voltage or a second bath needs a bath on each side (a ChargedWall has one)."""
    kinds = np.asarray(grid.zface_kind)
    two_baths = bool(np.any(kinds == FaceKind.LEFT_BATH)) and bool(np.any(kinds == FaceKind.RIGHT_BATH))
    if not two_baths and (voltage != 0.0 or separate_right_bath):
        raise ValueError(
            f"{geometry_name} touches a single bath, so it takes no applied voltage (got {voltage} V) and no "
            "separate right bath; use a geometry between two baths (Membrane, Cylinder, Cone, Slit) for that"
        )


def _species_index(electrolyte: Electrolyte, name) -> int:
    try:
        return electrolyte.names.index(name if isinstance(name, str) else name.name)
    except ValueError:
        from .ions import get_ion

        canonical = get_ion(name).name
        if canonical in electrolyte.names:
            return electrolyte.names.index(canonical)
        raise ValueError(f"excess_potential names ion {name!r}, which is not in the electrolyte {electrolyte.names}") from None
