"""Channels between two reservoirs: cylinder, cone (tip on the left), slit, any R(z).

One mapped, logically rectangular grid serves them all (see DESIGN §2):

* inside the channel, 0 ≤ z ≤ length, radial vertices are r = ξ_j R(z): the wall is the
  grid line ξ = 1 and the wall refinement (first cell ≤ λ_D/10 at the widest point)
  follows the whole, possibly tapered, wall;
* the reservoirs reuse the lines ξ_j R(mouth) for r < R(mouth) and add rows
  r = R + η (R_res − R) beyond it, so both blocks join conformingly at each mouth; those
  rows are inactive inside the channel;
* the bath is imposed on the far end of each reservoir; its outer cylindrical wall is
  closed (zero flux, zero field); the channel wall and the membrane faces are walls that
  may carry surface charge.

Axisymmetric channels report fluxes in mol/s; a slit is planar (``radius`` is the
half-height, the symmetry plane is closed) and reports mol/(s·m) per metre of depth for
the full slit. Without reservoirs (``reservoirs=None``) the baths sit on the pore ends —
the idealization used for long-channel limits.

The wall is a grid line but the cells of a tapered channel are not rectangles; fluxes
use the two-point approximation with normal distances, whose error grows with the
taper angle (shown by the mesh-convergence tests of the cone).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import jax.numpy as jnp
import numpy as np

from ..grid.mesh import grid_from_vertices
from ..grid.spacing import graded_nodes
from ..physics.scales import Scales
from .base import (DebyeLengths, Discretization, Mesh, Profile, max_abs_profile, require_positive,
                   wall_face_charges)

RESERVOIR_SIZE_IN_MOUTH_RADII = 50.0


@dataclasses.dataclass(frozen=True)
class Reservoirs:
    """Cylindrical reservoirs on both sides of the membrane (SI).

    Attributes:
      radius, length: reservoir size (m); default 50 mouth radii (at least 10 Debye
        lengths of the most dilute bath) on each side — see the reservoir-size test.
      membrane_charge: surface charge of the membrane faces (C/m²), constant or σ(z, r).
    """

    radius: float | None = None
    length: float | None = None
    membrane_charge: Profile = 0.0

    def size(self, mouth_radius: float, debye: DebyeLengths) -> tuple[float, float]:
        default = max(RESERVOIR_SIZE_IN_MOUTH_RADII * mouth_radius, 10.0 * debye.longest)
        radius = self.radius if self.radius is not None else default
        length = self.length if self.length is not None else radius
        require_positive("Reservoirs", radius=radius, length=length)
        if radius <= mouth_radius:
            raise ValueError(
                f"Reservoirs.radius ({radius:g} m) must exceed the channel mouth radius ({mouth_radius:g} m)"
            )
        return radius, length


@dataclasses.dataclass(frozen=True)
class Channel:
    """A channel of radius profile R(z), 0 ≤ z ≤ length, between two reservoirs.

    Attributes:
      radius_profile: R(z) in m for z in m (jax.numpy-traceable, > 0).
      length: channel length (m).
      surface_charge: wall charge σ (C/m²), constant or σ(z, r) (bipolar, charged tip …).
      reservoirs: :class:`Reservoirs`, or None for baths directly at the pore ends.
      planar: True for a slit (R is the half-height; planar coordinates).
    """

    radius_profile: Callable
    length: float
    surface_charge: Profile = 0.0
    reservoirs: Reservoirs | None = Reservoirs()
    planar: bool = False

    def __post_init__(self):
        require_positive(type(self).__name__, length=self.length)
        for where, value in (("left mouth", self.left_radius), ("right mouth", self.right_radius)):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{type(self).__name__}: radius at the {where} must be > 0 (m), got {value!r}")

    @property
    def left_radius(self) -> float:
        return float(self.radius_profile(0.0))

    @property
    def right_radius(self) -> float:
        return float(self.radius_profile(self.length))

    def discretize(self, debye: DebyeLengths, mesh: Mesh, scales: Scales) -> Discretization:
        L0 = scales.length
        z_probe = np.linspace(0.0, self.length, 201)
        radii = np.asarray(self.radius_profile(z_probe))
        if not np.all(radii > 0):
            raise ValueError(f"{type(self).__name__}: the radius must be > 0 along the whole channel")
        r_max = float(radii.max())
        sigma_max = max_abs_profile(self.surface_charge, z_probe, radii)
        if self.reservoirs is not None:
            sigma_max = max(sigma_max, max_abs_profile(self.reservoirs.membrane_charge, 0.0, self.left_radius),
                            max_abs_profile(self.reservoirs.membrane_charge, self.length, self.right_radius))
        h_wall = debye.wall_cell(mesh, sigma_max)
        ratio, ref = mesh.growth, mesh.refinement
        xi = graded_nodes(1.0, h_wall / r_max, 0.1, ratio=ratio, refine_start=False, refinement=ref)
        channel_max = mesh.max_cell or self.length / 40.0
        z_channel = graded_nodes(self.length / L0, h_wall / L0, max(channel_max, h_wall) / L0, ratio=ratio,
                                 refinement=ref)
        if self.reservoirs is None:
            z_nodes, eta = z_channel, np.zeros(0)
            res_radius = (self.left_radius, self.right_radius)
        else:
            left_size = self.reservoirs.size(self.left_radius, debye)
            right_size = self.reservoirs.size(self.right_radius, debye)
            res_radius = (left_size[0], right_size[0])
            z_left = graded_nodes(left_size[1] / L0, h_wall / L0, left_size[1] / 10.0 / L0, ratio=ratio,
                                  refine_start=False, refinement=ref)
            z_right = graded_nodes(right_size[1] / L0, h_wall / L0, right_size[1] / 10.0 / L0, ratio=ratio,
                                   refine_end=False, refinement=ref)
            z_nodes = np.concatenate([z_left - z_left[-1], z_channel[1:], z_channel[-1] + z_right[1:]])
            span = min(res_radius[0] - self.left_radius, res_radius[1] - self.right_radius)
            eta = graded_nodes(1.0, h_wall / span, 0.1, ratio=ratio, refine_end=False, refinement=ref)[1:]
        z_nodes = jnp.asarray(z_nodes)
        z_si = z_nodes * L0
        wall = jnp.asarray(self.radius_profile(jnp.clip(z_si, 0.0, self.length))) / L0
        outer = jnp.interp(z_si, jnp.array([0.0, self.length]), jnp.array(res_radius) / L0)
        vr = jnp.concatenate([xi[None, :] * wall[:, None],
                              wall[:, None] + eta[None, :] * (outer - wall)[:, None]], axis=1)
        vz = jnp.broadcast_to(z_nodes[:, None], vr.shape)
        n_xi = len(xi) - 1
        cell_mid = 0.5 * (np.asarray(z_nodes[1:]) + np.asarray(z_nodes[:-1])) * L0
        in_reservoir = (cell_mid < 0.0) | (cell_mid > self.length)
        active = np.ones((len(z_nodes) - 1, n_xi + len(eta)), bool)
        active[:, n_xi:] = in_reservoir[:, None]
        grid = grid_from_vertices(
            vz, vr, active, coordinates="planar" if self.planar else "axisymmetric",
            left="bath", right="bath", bottom="closed", top="wall" if self.reservoirs is None else "closed",
        )
        tol = 1e-6 * h_wall
        on_membrane = lambda z, r: (np.abs(z) < tol) | (np.abs(z - self.length) < tol)
        zc, rc = wall_face_charges(grid, self.surface_charge, scales, where=lambda z, r: ~on_membrane(z, r))
        if self.reservoirs is not None:
            mz, mr = wall_face_charges(grid, self.reservoirs.membrane_charge, scales, where=on_membrane)
            zc, rc = zc + mz, rc + mr
        flux_scale, unit = (2.0 * scales.flux / L0, "mol/(s·m)") if self.planar else (scales.flux, "mol/s")
        return Discretization(grid, zc, rc, jnp.zeros(grid.shape), scales, flux_scale, unit)


def Cylinder(radius: float, length: float, surface_charge: Profile = 0.0,
             reservoirs: Reservoirs | None = Reservoirs()) -> Channel:
    """Cylindrical channel of ``radius`` and ``length`` (m), wall charge σ (C/m²)."""
    require_positive("Cylinder", radius=radius)
    return Channel(lambda z: radius + 0.0 * jnp.asarray(z), length, surface_charge, reservoirs)


def Cone(tip_radius: float, base_radius: float, length: float, surface_charge: Profile = 0.0,
         reservoirs: Reservoirs | None = Reservoirs()) -> Channel:
    """Conical channel, tip (z = 0) on the left, base (z = length) on the right (m)."""
    require_positive("Cone", tip_radius=tip_radius, base_radius=base_radius)
    if tip_radius > base_radius:
        raise ValueError(
            f"Cone.tip_radius ({tip_radius:g} m) must not exceed base_radius ({base_radius:g} m); "
            "the tip is on the left by convention — swap them and reverse the voltage sign"
        )
    return Channel(lambda z: tip_radius + (base_radius - tip_radius) * jnp.asarray(z) / length,
                   length, surface_charge, reservoirs)


def Slit(height: float, length: float, surface_charge: Profile = 0.0,
         reservoirs: Reservoirs | None = Reservoirs()) -> Channel:
    """Planar slit of full ``height`` between two charged walls (per metre of depth)."""
    require_positive("Slit", height=height)
    return Channel(lambda z: 0.5 * height + 0.0 * jnp.asarray(z), length, surface_charge, reservoirs, planar=True)
