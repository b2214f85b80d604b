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

A channel may be partly filled by a porous material (``filling``, a :class:`~pnp.Membrane`
placed inside it: a MOF or polymer plug in the tip, say): in the cells between ``filling_start``
and ``filling_start + filling.thickness`` (m from the channel's left end) the ions meet the
filling's fixed charge and pore terms (steric, Born, hindrance, dehydration; :mod:`pnp.pore`),
and the axial grid is refined at both of its faces, where the Donnan layers sit. The
filling's fluxes are per open area (no porosity factor), as a membrane's are.

The wall is a grid line but the cells of a tapered channel are not rectangles: every face
flux carries its tangential part besides the two-point part (:mod:`pnp.physics.skew`), so
tapered channels converge at second order to the right answer (tests/test_tapered_mms.py).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import jax.numpy as jnp
import numpy as np

from .. import guards
from ..grid.mesh import grid_from_vertices
from ..grid.spacing import graded_nodes
from ..physics.scales import Scales
from ..sites import SurfaceSites
from ..tracing import FROZEN_MESH_FIX, concrete, known
from ..units import format_quantity
from .base import (DebyeLengths, Discretization, Mesh, Profile, evaluate_profile, known_length, max_abs_profile,
                   require_positive, wall_face_charges)
from .planar1d import Membrane

RESERVOIR_SIZE_IN_MOUTH_RADII = 50.0


@dataclasses.dataclass(frozen=True)
class Reservoirs:
    """Cylindrical reservoirs on both sides of the membrane (SI).

    Attributes:
      radius, length: reservoir size (m), the same on both sides; default 50 radii of the
        wider mouth (at least 10 Debye lengths of the most dilute bath). Not 50 radii of each
        side's own mouth: the concentration-polarization zone outside a mouth spreads with the
        salt flux through the channel, which the wide end sets, not the tip; a cone's
        500 nm tip-side reservoir held the bath 14 % off at its boundary and its current 10 %
        low (1 mM, +1 V, see the reservoir-size tests).
      membrane_charge: surface charge of the membrane faces (C/m²), constant or σ(z, r).
    """

    radius: float | None = None
    length: float | None = None
    membrane_charge: Profile = 0.0

    def __post_init__(self):
        guards.check_lengths("Reservoirs", radius=self.radius, length=self.length)
        guards.check_surface_charge("Reservoirs", "membrane_charge", self.membrane_charge)

    def size(self, mouth_radius: float, debye: DebyeLengths) -> tuple[float, float]:
        """(radius, length) of each reservoir (m) of a channel whose wider mouth has ``mouth_radius``."""
        default = max(RESERVOIR_SIZE_IN_MOUTH_RADII * mouth_radius, 10.0 * debye.longest)
        radius = known_length(self.radius, "Reservoirs", "radius") if self.radius is not None else default
        length = known_length(self.length, "Reservoirs", "length") if self.length is not None else radius
        require_positive("Reservoirs", radius=radius, length=length)
        if radius <= mouth_radius:
            raise ValueError(
                f"Reservoirs.radius ({radius:g} m) must exceed the channel's wider mouth radius ({mouth_radius:g} m)"
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
      filling: a porous material inside the channel, as a :class:`~pnp.Membrane` (its thickness,
        fixed charge X(z, r) in mol/m³ of pore volume with z from the channel's left end, and pore
        terms; no bath layer), or None.
      filling_start: where the filling begins (m from the channel's left end, the tip of a cone).
    """

    radius_profile: Callable
    length: float
    surface_charge: Profile = 0.0
    reservoirs: Reservoirs | None = Reservoirs()
    planar: bool = False
    filling: Membrane | None = None
    filling_start: float = 0.0

    def __post_init__(self):
        require_positive(type(self).__name__, length=self.length)
        for where, value in (("left mouth", self.left_radius), ("right mouth", self.right_radius)):
            number = concrete(value)
            if number is not None and not (np.isfinite(number) and number > 0):
                raise ValueError(f"{type(self).__name__}: radius at the {where} must be > 0 (m), got {value!r}")
        name = type(self).__name__
        guards.check_lengths(name, length=self.length, left_radius=self.left_radius, right_radius=self.right_radius)
        guards.check_surface_charge(name, "surface_charge", self.surface_charge)
        if self.filling is not None:
            self._check_filling()

    def _check_filling(self) -> None:
        name = type(self).__name__
        if not isinstance(self.filling, Membrane):
            raise TypeError(f"{name}.filling must be a pnp.Membrane (the porous material: thickness, fixed charge, "
                            f"pore terms), got {type(self.filling).__name__}")
        if self.filling.bath_layer is not None:
            raise ValueError(f"{name}.filling: a filling has no bath layers (the channel's own solution meets it); "
                             "leave Membrane.bath_layer unset")
        start, thickness, length = (concrete(x) for x in (self.filling_start, self.filling.thickness, self.length))
        if start is not None and not (np.isfinite(start) and start >= 0):
            raise ValueError(f"{name}.filling_start must be ≥ 0 (m from the channel's left end), got {self.filling_start!r}")
        if None not in (start, thickness, length) and start + thickness > length * (1 + 1e-12):
            raise ValueError(f"{name}.filling spans z = {start:g} to {start + thickness:g} m, beyond the channel "
                             f"(0 to {length:g} m): shorten the filling's thickness or move filling_start")

    @property
    def has_pore_terms(self) -> bool:
        return self.filling is not None and self.filling.has_pore_terms

    def pore_transport(self, electrolyte):
        """The filling's pore terms for ``electrolyte``'s ions (:class:`pnp.pore.PoreTransport`), or None."""
        return None if self.filling is None else self.filling.pore_transport(electrolyte)

    def __repr__(self) -> str:
        """``Channel(radius 10 nm → 200 nm over 2 um, σ = -0.05 C/m^2, …)`` (no function objects)."""
        def shown(value, dimension):
            number = concrete(value)
            return "(traced)" if number is None else format_quantity(number, dimension)

        what = "half-height" if self.planar else "radius"
        left, right = shown(self.left_radius, "length"), shown(self.right_radius, "length")
        radii = left if left == right else f"{left} → {right}"
        charge = (repr(self.surface_charge) if isinstance(self.surface_charge, SurfaceSites)
                  else "σ(z, r) profile" if callable(self.surface_charge) else shown(self.surface_charge, "surface_charge"))
        filling = ("" if self.filling is None else
                   f", filling={self.filling!r} from z = {shown(self.filling_start, 'length')}")
        return (f"Channel({what} {radii} over {shown(self.length, 'length')}, σ = {charge}, "
                f"reservoirs={self.reservoirs!r}{', planar' if self.planar else ''}{filling})")

    @property
    def left_radius(self):
        """R(0) (m); traced when the geometry is."""
        return self.radius_profile(jnp.zeros(()))

    @property
    def right_radius(self):
        """R(length) (m); traced when the geometry is."""
        return self.radius_profile(jnp.asarray(self.length))

    @property
    def membrane_charge(self) -> Profile:
        return 0.0 if self.reservoirs is None else self.reservoirs.membrane_charge

    def layout(self, debye: DebyeLengths, mesh: Mesh, scales: Scales) -> "ChannelLayout":
        """The grid's index structure and normalized node positions for this channel (needs the
        values of the radii and the length, and of the charges unless ``mesh.wall_cell`` is given)."""
        L0 = scales.length
        name = type(self).__name__
        length = known_length(self.length, name, "length")
        z_probe = np.linspace(0.0, length, 201)
        radii = known(self.radius_profile(jnp.asarray(z_probe)),
                      f"{name} radius", FROZEN_MESH_FIX)
        if not np.all(radii > 0):
            raise ValueError(f"{name}: the radius must be > 0 along the whole channel")
        r_max = float(radii.max())
        left, right = float(radii[0]), float(radii[-1])

        def sigma_max():
            return max(max_abs_profile(self.surface_charge, z_probe, radii, f"{name}.surface_charge"),
                       max_abs_profile(self.membrane_charge, 0.0, left, "Reservoirs.membrane_charge"),
                       max_abs_profile(self.membrane_charge, length, right, "Reservoirs.membrane_charge"))

        h_wall = debye.wall_cell(mesh, sigma_max)
        ratio, ref = mesh.growth, mesh.refinement
        xi = graded_nodes(1.0, h_wall / r_max, 0.1, ratio=ratio, refine_start=False, refinement=ref)
        channel_max = mesh.max_cell or length / 40.0
        z_channel = self._axial_nodes(length, h_wall, channel_max, debye, mesh, L0)
        if self.reservoirs is None:
            return ChannelLayout(xi, np.zeros(0), np.zeros(1), z_channel / z_channel[-1], np.zeros(1),
                                 None, self.planar, scales)
        wider = max(left, right)
        outer, depth = self.reservoirs.size(wider, debye)  # radius and length, both sides
        z_left = graded_nodes(depth / L0, h_wall / L0, depth / 10.0 / L0, ratio=ratio, refine_start=False,
                              refinement=ref)
        z_right = graded_nodes(depth / L0, h_wall / L0, depth / 10.0 / L0, ratio=ratio, refine_end=False,
                               refinement=ref)
        eta = graded_nodes(1.0, h_wall / (outer - wider), 0.1, ratio=ratio, refine_end=False,
                           refinement=ref)[1:]
        return ChannelLayout(xi, eta, z_left - z_left[-1], z_channel / z_channel[-1], z_right,
                             (outer / L0, outer / L0), self.planar, scales)

    def _axial_nodes(self, length, h_wall, h_max, debye: DebyeLengths, mesh: Mesh, L0) -> np.ndarray:
        """Channel nodes from 0 to ``length`` (units of L0), graded toward both ends and toward both
        faces of the filling (first cell there: the wall cell or λ_D/20 at the filling's largest |X|)."""
        bounds, h_min = [0.0, length], h_wall
        if self.filling is not None:
            name = type(self).__name__
            start = known_length(self.filling_start, name, "filling_start")
            end = start + known_length(self.filling.thickness, name, "filling.thickness")
            bounds = sorted({0.0, length, start, min(end, length)})
            z = np.linspace(start, end, 101)
            fixed_max = max_abs_profile(self.filling.fixed_charge, z, np.zeros_like(z), f"{name}.filling.fixed_charge")
            if fixed_max > 0 and mesh.wall_cell is None:
                h_min = min(h_wall, debye.at(fixed_max) / 20.0)
        nodes = [np.zeros(1)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            segment = graded_nodes((b - a) / L0, h_min / L0, max(h_max, h_min) / L0, ratio=mesh.growth,
                                   refinement=mesh.refinement)
            nodes.append(a / L0 + segment[1:])
        return np.concatenate(nodes)


@dataclasses.dataclass(frozen=True)
class ChannelLayout:
    """Index structure and normalized node positions of a channel grid (NumPy, fixed).

    Vertices: axial nodes z_left (nm, ≤ 0), length·z_channel (z_channel from 0 to 1), then
    length + z_right (nm, ≥ 0); radial nodes ξ·R(z) inside the channel (ξ from 0 to 1) and,
    in the reservoirs, R(z) + η·(R_res − R(z)). The layout is fixed by a reference design;
    :meth:`discretize` maps any radius profile and length onto it with JAX operations, so
    a design's grid — and everything computed on it — is differentiable with respect to the
    radii, the length and the charges (used by :mod:`pnp.design`).

    Attributes:
      xi, eta: radial node fractions (channel; reservoir beyond the wall, without 0).
      z_left, z_channel, z_right: axial nodes (see above); z_left = z_right = [0] without reservoirs.
      reservoir_radius: (left, right) outer radii (nm), or None without reservoirs.
      planar: slit (planar coordinates) instead of an axisymmetric pore.
      scales: the nondimensionalization the nodes are in.
    """

    xi: np.ndarray
    eta: np.ndarray
    z_left: np.ndarray
    z_channel: np.ndarray
    z_right: np.ndarray
    reservoir_radius: tuple[float, float] | None
    planar: bool
    scales: Scales

    @property
    def shape(self) -> tuple[int, int]:
        """(nz, nr): the grid's cells, known before it is built."""
        return (len(self.z_left) + len(self.z_channel) + len(self.z_right) - 3, len(self.xi) - 1 + len(self.eta))

    @property
    def active(self) -> np.ndarray:
        """Fluid cells: all channel-radial cells; reservoir-radial cells only outside the membrane."""
        n_left, n_channel, n_right = len(self.z_left) - 1, len(self.z_channel) - 1, len(self.z_right) - 1
        in_reservoir = np.r_[np.ones(n_left, bool), np.zeros(n_channel, bool), np.ones(n_right, bool)]
        active = np.ones((n_left + n_channel + n_right, len(self.xi) - 1 + len(self.eta)), bool)
        active[:, len(self.xi) - 1:] = in_reservoir[:, None]
        return active

    def vertices(self, radius_profile: Callable, length, length_scale: float):
        """(vz, vr) vertex arrays (units of ``length_scale``, m) for R(z) (m → m) and ``length`` (m).

        Traceable in ``length`` and in whatever ``radius_profile`` closes over.
        """
        length = length / length_scale
        z_nodes = jnp.concatenate([jnp.asarray(self.z_left[:-1]), length * jnp.asarray(self.z_channel),
                                   length + jnp.asarray(self.z_right[1:])])
        wall = jnp.asarray(radius_profile(jnp.clip(z_nodes, 0.0, length) * length_scale)) / length_scale
        parts = [jnp.asarray(self.xi)[None, :] * wall[:, None]]
        if self.reservoir_radius is not None:
            t = jnp.clip(z_nodes / length, 0.0, 1.0)
            outer = (1.0 - t) * self.reservoir_radius[0] + t * self.reservoir_radius[1]
            parts.append(wall[:, None] + jnp.asarray(self.eta)[None, :] * (outer - wall)[:, None])
        vr = jnp.concatenate(parts, axis=1)
        return jnp.broadcast_to(z_nodes[:, None], vr.shape), vr

    def discretize(self, channel: "Channel") -> Discretization:
        """The discretization of ``channel`` (any R(z), length and charges) on these nodes; traceable."""
        if not isinstance(channel, Channel) or channel.planar != self.planar:
            raise ValueError(f"this layout is for {'slits' if self.planar else 'axisymmetric channels'}; "
                             f"got {type(channel).__name__}")
        if (channel.reservoirs is None) != (self.reservoir_radius is None):
            raise ValueError("the channel and the frozen layout disagree on reservoirs (one has them, one not); "
                             "freeze the mesh with the same reservoirs")
        scales = self.scales
        L0 = scales.length
        vz, vr = self.vertices(channel.radius_profile, channel.length, L0)
        grid = grid_from_vertices(
            vz, vr, self.active, coordinates="planar" if self.planar else "axisymmetric",
            left="bath", right="bath", bottom="closed", top="wall" if self.reservoir_radius is None else "closed",
        )
        zc, rc = wall_face_charges(grid, channel.surface_charge, scales, where=~self._membrane_faces(grid))
        if self.reservoir_radius is not None:
            mz, mr = wall_face_charges(grid, channel.membrane_charge, scales, where=self._membrane_faces(grid))
            zc, rc = zc + mz, rc + mr
        flux_scale, unit = (2.0 * scales.flux / L0, "mol/(s·m)") if self.planar else (scales.flux, "mol/s")
        fixed, cells = self._filling(channel, grid)
        return Discretization(grid, zc, rc, fixed, scales, flux_scale, unit, pore_cells=cells)

    def _filling(self, channel: "Channel", grid):
        """(X̃ per cell, pore cells): the filling's fixed charge and 1 in the channel cells whose centres
        lie inside it; (zeros, None) without a filling. Traceable in the filling's values."""
        if channel.filling is None:
            return jnp.zeros(grid.shape), None
        L0 = self.scales.length
        z, r = grid.cell_z * L0, grid.cell_r * L0
        in_channel = np.zeros(grid.shape, bool)  # the channel-radial columns (all active)
        in_channel[:, :len(self.xi) - 1] = True
        start = channel.filling_start
        inside = jnp.asarray(in_channel) & (z > start) & (z < start + channel.filling.thickness)
        charge = evaluate_profile(channel.filling.fixed_charge, z, r, "filling.fixed_charge")
        return jnp.where(inside, charge, 0.0) / self.scales.concentration, inside.astype(float)

    def _membrane_faces(self, grid) -> "MaskPair":
        """Wall faces on the membrane (z = 0 or z = length): z faces in the membrane-face columns."""
        n_left, n_channel = len(self.z_left) - 1, len(self.z_channel) - 1
        zmask = np.zeros(np.shape(grid.zface_kind), bool)
        if self.reservoir_radius is not None:
            zmask[[n_left, n_left + n_channel], :] = True
        return MaskPair(zmask, np.zeros(np.shape(grid.rface_kind), bool))


@dataclasses.dataclass(frozen=True)
class MaskPair:
    """Boolean masks over z faces and r faces (static)."""

    z: np.ndarray
    r: np.ndarray

    def __invert__(self) -> "MaskPair":
        return MaskPair(~self.z, ~self.r)


def Cylinder(radius: float, length: float, surface_charge: Profile = 0.0,
             reservoirs: Reservoirs | None = Reservoirs(), **filling) -> Channel:
    """Cylindrical channel of ``radius`` and ``length`` (m), wall charge σ (C/m²); ``filling=``,
    ``filling_start=`` as :class:`Channel`'s."""
    require_positive("Cylinder", radius=radius)
    guards.check_lengths("Cylinder", radius=radius, length=length)
    guards.check_surface_charge("Cylinder", "surface_charge", surface_charge)
    return Channel(lambda z: radius + 0.0 * jnp.asarray(z), length, surface_charge, reservoirs, **filling)


def Cone(tip_radius: float, base_radius: float, length: float, surface_charge: Profile = 0.0,
         reservoirs: Reservoirs | None = Reservoirs(), **filling) -> Channel:
    """Conical channel, tip (z = 0) on the left, base (z = length) on the right (m); ``filling=``
    (e.g. a MOF-filled tip), ``filling_start=`` as :class:`Channel`'s."""
    require_positive("Cone", tip_radius=tip_radius, base_radius=base_radius)
    guards.check_lengths("Cone", tip_radius=tip_radius, base_radius=base_radius, length=length)
    guards.check_surface_charge("Cone", "surface_charge", surface_charge)
    tip, base = concrete(tip_radius), concrete(base_radius)
    if tip is not None and base is not None and tip > base:
        raise ValueError(
            f"Cone.tip_radius ({tip_radius:g} m) must not exceed base_radius ({base_radius:g} m); "
            "the tip is on the left by convention — swap them and reverse the voltage sign"
        )
    return Channel(lambda z: tip_radius + (base_radius - tip_radius) * jnp.asarray(z) / length,
                   length, surface_charge, reservoirs, **filling)


def Slit(height: float, length: float, surface_charge: Profile = 0.0,
         reservoirs: Reservoirs | None = Reservoirs(), **filling) -> Channel:
    """Planar slit of full ``height`` between two charged walls (per metre of depth); ``filling=``,
    ``filling_start=`` as :class:`Channel`'s."""
    require_positive("Slit", height=height)
    guards.check_lengths("Slit", height=height, length=length)
    guards.check_surface_charge("Slit", "surface_charge", surface_charge)
    return Channel(lambda z: 0.5 * height + 0.0 * jnp.asarray(z), length, surface_charge, reservoirs, planar=True,
                   **filling)
