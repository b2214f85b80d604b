"""1D geometries: a charged wall facing a bath, and a fixed-charge membrane between baths.

Lengths in m, surface charge in C/m², fixed charge in mol/m³ of elementary charges
(negative for a cation-exchange membrane). Fluxes are per m² of cross-section.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from ..grid.shapes import line
from ..grid.spacing import graded_nodes
from ..physics.scales import Scales
from .base import DebyeLengths, Discretization, Mesh, Profile, evaluate_profile, max_abs_profile, require_positive, wall_face_charges


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

    def discretize(self, debye: DebyeLengths, mesh: Mesh, scales: Scales) -> Discretization:
        length = 30.0 * debye.longest if self.length is None else self.length
        require_positive("ChargedWall", length=length)
        h_min = debye.wall_cell(mesh, max_abs_profile(self.surface_charge, 0.0, 0.0)) / scales.length
        h_max = (mesh.max_cell or debye.shortest / 2.0) / scales.length
        nodes = graded_nodes(length / scales.length, h_min, max(h_max, h_min), ratio=mesh.growth,
                             refine_end=False, refinement=mesh.refinement)
        grid = line(nodes, left="wall", right="bath")
        zc, rc = wall_face_charges(grid, self.surface_charge, scales)
        return Discretization(grid, zc, rc, jnp.zeros(grid.shape), scales, scales.flux / scales.length**2, "mol/(s·m²)")


@dataclasses.dataclass(frozen=True)
class Membrane:
    """Homogeneous charged membrane of ``thickness`` with thin solution layers on both sides.

    The baths are imposed ``bath_layer`` away from each membrane face (default 10 Debye
    lengths of the most dilute bath), so each Donnan double layer is resolved on both its
    solution and membrane sides. ``fixed_charge`` may be a function of (z, r) in SI
    (z measured from the left bath; the membrane occupies [bath_layer, bath_layer + thickness]).
    """

    thickness: float
    fixed_charge: Profile
    bath_layer: float | None = None

    def __post_init__(self):
        require_positive("Membrane", thickness=self.thickness)
        if self.bath_layer is not None:
            require_positive("Membrane", bath_layer=self.bath_layer)

    def discretize(self, debye: DebyeLengths, mesh: Mesh, scales: Scales) -> Discretization:
        layer = 10.0 * debye.longest if self.bath_layer is None else self.bath_layer
        require_positive("Membrane", thickness=self.thickness, bath_layer=layer)
        fixed_max = float(np.max(np.abs(np.asarray(evaluate_profile(
            self.fixed_charge, np.linspace(layer, layer + self.thickness, 101), np.zeros(101), "fixed_charge")))))
        shortest = min(debye.shortest, debye.at(fixed_max)) if fixed_max > 0 else debye.shortest
        h_min = (mesh.wall_cell or shortest / 10.0) / scales.length  # Donnan layers: no surface charge
        h_layer = max(h_min, (mesh.max_cell or layer / 5.0) / scales.length)
        h_membrane = max(h_min, (mesh.max_cell or self.thickness / 50.0) / scales.length)
        ratio, ref = mesh.growth, mesh.refinement
        lay = graded_nodes(layer / scales.length, h_min, h_layer, ratio=ratio, refinement=ref)
        mem = graded_nodes(self.thickness / scales.length, h_min, h_membrane, ratio=ratio, refinement=ref)
        nodes = np.concatenate([lay, lay[-1] + mem[1:], lay[-1] + mem[-1] + lay[1:]])
        grid = line(nodes, left="bath", right="bath")
        z = grid.cell_z * scales.length
        start, end = layer, layer + self.thickness
        inside = (z > start) & (z < end)
        fixed = jnp.where(inside, evaluate_profile(self.fixed_charge, z, jnp.zeros_like(z), "fixed_charge"), 0.0)
        zc, rc = wall_face_charges(grid, 0.0, scales)
        return Discretization(grid, zc, rc, fixed / scales.concentration, scales,
                              scales.flux / scales.length**2, "mol/(s·m²)")
