"""1D geometries: a charged wall facing a bath, and a fixed-charge membrane between baths.

Lengths in m, surface charge in C/m², fixed charge in mol/m³ of elementary charges
(negative for a cation-exchange membrane). Fluxes are per m² of cross-section.
Each geometry lays out its nodes relative to its own lengths (:class:`LineLayout`), so a
traced length or charge maps onto a fixed mesh differentiably.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from .. import guards
from ..grid.shapes import line
from ..grid.spacing import graded_nodes
from ..physics.scales import Scales
from ..pore import check_wall_coordination, pore_transport
from .base import (DebyeLengths, Discretization, Mesh, Profile, evaluate_profile, known_length, max_abs_profile,
                   require_positive, wall_face_charges)


@dataclasses.dataclass(frozen=True)
class LineLayout:
    """Nodes of a 1D geometry as fractions of its parts: ``parts`` is a tuple of (name, fractions)
    where each part spans the geometry's length ``name`` ("length", "bath_layer", "thickness")
    and the fractions run from 0 to 1 (without the shared first node after the first part)."""

    kind: type
    parts: tuple[tuple[str, np.ndarray], ...]
    lengths: dict  # the reference lengths (m) of the parts, used where the geometry leaves one unset
    scales: Scales

    @property
    def shape(self) -> tuple[int, int]:
        """(nz, 1): the grid's cells, known before it is built."""
        return sum(len(fractions) for _, fractions in self.parts) - 1, 1

    def nodes(self, geometry):
        """Node positions (units of ``scales.length``) for the geometry's lengths; traceable."""
        position, out = 0.0, []
        for name, fractions in self.parts:
            value = getattr(geometry, name)
            span = (self.lengths[name] if value is None else value) / self.scales.length
            out.append(position + span * jnp.asarray(fractions))
            position = position + span
        return jnp.concatenate(out)

    def discretize(self, geometry) -> Discretization:
        if not isinstance(geometry, self.kind):
            raise ValueError(f"this layout is for a {self.kind.__name__}, got {type(geometry).__name__}")
        return geometry.discretize_on(self)


def _parts(*pieces):
    """(name, fractions) parts; every part after the first drops its first node (shared)."""
    return tuple((name, nodes / nodes[-1] if k == 0 else (nodes / nodes[-1])[1:])
                 for k, (name, nodes) in enumerate(pieces))


@dataclasses.dataclass(frozen=True)
class ChargedWall:
    """Planar charged wall at x = 0 with the bath imposed at x = ``length``.

    ``length`` defaults to 30 Debye lengths (the EDL has decayed by e⁻³⁰ there).
    """

    surface_charge: Profile
    length: float | None = None

    def __post_init__(self):
        if self.length is not None:
            require_positive("ChargedWall", length=self.length)
        guards.check_lengths("ChargedWall", length=self.length)
        guards.check_surface_charge("ChargedWall", "surface_charge", self.surface_charge)

    def layout(self, debye: DebyeLengths, mesh: Mesh, scales: Scales) -> LineLayout:
        length = 30.0 * debye.longest if self.length is None else known_length(self.length, "ChargedWall", "length")
        require_positive("ChargedWall", length=length)
        h_min = debye.wall_cell(mesh, lambda: max_abs_profile(self.surface_charge, 0.0, 0.0,
                                                              "ChargedWall.surface_charge")) / scales.length
        h_max = (mesh.max_cell or debye.shortest / 2.0) / scales.length
        nodes = graded_nodes(length / scales.length, h_min, max(h_max, h_min), ratio=mesh.growth,
                             refine_end=False, refinement=mesh.refinement)
        return LineLayout(ChargedWall, _parts(("length", nodes)), {"length": length}, scales)

    def discretize_on(self, layout: LineLayout) -> Discretization:
        scales = layout.scales
        grid = line(layout.nodes(self), left="wall", right="bath")
        zc, rc = wall_face_charges(grid, self.surface_charge, scales)
        return Discretization(grid, zc, rc, jnp.zeros(grid.shape), scales, scales.flux / scales.length**2, "mol/(s·m²)")


@dataclasses.dataclass(frozen=True)
class Membrane:
    """Homogeneous charged membrane of ``thickness`` with thin solution layers on both sides.

    The baths are imposed ``bath_layer`` away from each membrane face (default 10 Debye
    lengths of the most dilute bath), so each Donnan double layer is resolved on both its
    solution and membrane sides. ``fixed_charge`` (mol/m³ of pore volume, signed) may be a
    function of (z, r) in SI (z measured from the left bath; the membrane occupies
    [bath_layer, bath_layer + thickness]).

    Pore terms (the Donnan–steric pore model with dielectric exclusion, :mod:`pnp.pore`): with a
    ``pore_radius`` (m; cylinder radius or slit half-width, ``pore_shape``) every ion meets, inside
    the membrane, the steric partition Φ(λ) (``steric``), the Born energy of the pore permittivity
    ``pore_permittivity`` against the bath's (``dielectric``; ε_pore is also Poisson's permittivity
    there) and the hindrance factors K_d, K_c (``hindrance``). ``ion_radius`` chooses the radius in
    λ = r_ion / r_pore and in the Born energy: "stokes" (default, as DSPM-DE), "hydrated", "bare",
    or a mapping ion name → radius in m (the others keep Stokes radii). ``dehydration`` (off by
    default, not part of DSPM-DE) adds the hydration-shell cost of :func:`pnp.pore.dehydration_energy`
    from each ion's bare and hydrated radii and hydration energy, scaled by 1 − χ for a
    ``wall_coordination`` χ in [0, 1] (one number or a mapping ion name → χ: the share of the
    stripped shell's energy the wall's polar groups give back). Without a pore radius the
    membrane is a homogeneous ion-exchange phase (plain TMS/PNP), and a ``pore_permittivity``
    alone adds the Born term only.
    """

    thickness: float
    fixed_charge: Profile
    bath_layer: float | None = None
    pore_radius: float | None = None
    pore_permittivity: float | None = None
    pore_shape: str = "cylinder"
    ion_radius: object = "stokes"
    steric: bool = True
    dielectric: bool = True
    hindrance: bool = True
    dehydration: bool = False
    wall_coordination: object = 0.0

    def __post_init__(self):
        require_positive("Membrane", thickness=self.thickness)
        if self.bath_layer is not None:
            require_positive("Membrane", bath_layer=self.bath_layer)
        if self.pore_radius is not None:
            require_positive("Membrane", pore_radius=self.pore_radius)
        guards.check_lengths("Membrane", thickness=self.thickness, bath_layer=self.bath_layer,
                             pore_radius=self.pore_radius)
        guards.check_fixed_charge("Membrane", "fixed_charge", self.fixed_charge)
        guards.check_permittivity("Membrane", "pore_permittivity", self.pore_permittivity)
        check_wall_coordination(self.wall_coordination)

    @property
    def has_pore_terms(self) -> bool:
        return self.pore_radius is not None or self.pore_permittivity is not None

    def pore_transport(self, electrolyte):
        """The pore terms for ``electrolyte``'s ions (:class:`pnp.pore.PoreTransport`), or None."""
        if not self.has_pore_terms:
            return None
        return pore_transport(electrolyte.ions, electrolyte.temperature, electrolyte.relative_permittivity,
                              pore_radius=self.pore_radius, pore_permittivity=self.pore_permittivity,
                              shape=self.pore_shape, ion_radius=self.ion_radius, steric=self.steric,
                              dielectric=self.dielectric, hindrance=self.hindrance, dehydration=self.dehydration,
                              wall_coordination=self.wall_coordination)

    def layout(self, debye: DebyeLengths, mesh: Mesh, scales: Scales) -> LineLayout:
        thickness = known_length(self.thickness, "Membrane", "thickness")
        layer = 10.0 * debye.longest if self.bath_layer is None else known_length(self.bath_layer, "Membrane",
                                                                                   "bath_layer")
        require_positive("Membrane", thickness=thickness, bath_layer=layer)
        if mesh.wall_cell is not None:
            h_min = mesh.wall_cell / scales.length
        else:  # Donnan layers: λ_D of the bath or of the fixed-charge counter-ions, whichever is shorter
            fixed_max = max_abs_profile(self.fixed_charge, np.linspace(layer, layer + thickness, 101), np.zeros(101),
                                        "Membrane.fixed_charge")
            shortest = min(debye.shortest, debye.at(fixed_max)) if fixed_max > 0 else debye.shortest
            h_min = shortest / 10.0 / scales.length
        h_layer = max(h_min, (mesh.max_cell or layer / 5.0) / scales.length)
        h_membrane = max(h_min, (mesh.max_cell or thickness / 50.0) / scales.length)
        ratio, ref = mesh.growth, mesh.refinement
        lay = graded_nodes(layer / scales.length, h_min, h_layer, ratio=ratio, refinement=ref)
        mem = graded_nodes(thickness / scales.length, h_min, h_membrane, ratio=ratio, refinement=ref)
        return LineLayout(Membrane, _parts(("bath_layer", lay), ("thickness", mem), ("bath_layer", lay)),
                          {"bath_layer": layer, "thickness": thickness}, scales)

    def discretize_on(self, layout: LineLayout) -> Discretization:
        scales = layout.scales
        grid = line(layout.nodes(self), left="bath", right="bath")
        layer = layout.lengths["bath_layer"] if self.bath_layer is None else self.bath_layer
        z = grid.cell_z * scales.length
        start, end = layer, layer + self.thickness
        inside = (z > start) & (z < end)
        fixed = jnp.where(inside, evaluate_profile(self.fixed_charge, z, jnp.zeros_like(z), "fixed_charge"), 0.0)
        zc, rc = wall_face_charges(grid, 0.0, scales)
        return Discretization(grid, zc, rc, fixed / scales.concentration, scales,
                              scales.flux / scales.length**2, "mol/(s·m²)", pore_cells=inside.astype(float))
