"""Convection by a uniform volume flux through a 1D geometry, exponentially fitted with the drift.

With a volume flux J_v along +z (solvent velocity per unit cross-section, uniform in 1D by
incompressibility) and the hindrance K_c,i of each ion (1 in free solution), the extended
Nernst–Planck flux is

    J_i = −D_i (dc_i/dz + c_i dψ_i/dz) + K_c,i c_i J_v = −D_i (dc_i/dz + c_i dψ_i^tot/dz),

with the convective potential ψ_i^conv = −∫ K_c,i J_v / D_i dz added to the driving potential
ψ_i. As a :class:`~pnp.physics.term.Drive`, convection therefore sits inside the
Scharfetter–Gummel flux (drift and convection fitted together): positivity is kept, the flux
is exact for a uniform concentration (each face's increment is δ_f = −K_c,f J_v d_f / D_f
with the face's own Scharfetter–Gummel diffusivity and distance), and with J_v = 0 the
equilibrium property is untouched. Face K_c are harmonic means, like the face diffusivities.
"""

from __future__ import annotations

import jax.numpy as jnp

from .faces import species_face_values
from .term import Drive, register_term


@register_term
class Convection(Drive):
    """ψ_i^conv (kT units) of a volume flux ``velocity`` = J_v L₀ / D₀ along +z (scaled; 0 at rest).

    The ion hindrance K_c,i per cell is ``Parameters.convective_hindrance`` (ones when absent).
    The potential is 0 at the left bath face and accumulates to the right; only its
    differences enter the fluxes. On a 2D grid it is plug flow along z in every column of cells,
    which is what a 1D geometry means; a 2D velocity field needs Stokes flow.
    """

    velocity: float

    def face_increments(self, ctx):
        """δ_f = −K_c,f v d_f / D_f on every z face, (N, nz+1, 1)."""
        grid, params = ctx.grid, ctx.params
        hindrance = params.convective_hindrance
        if hindrance is None:
            hindrance = jnp.ones_like(params.diffusivity)
        return (-species_face_values(hindrance)[0] * self.velocity * grid.zface_distance[None]
                / species_face_values(params.diffusivity)[0])

    def potential(self, ctx):
        steps = self.face_increments(ctx)
        return jnp.cumsum(steps, axis=1)[:, :-1]

    def bath_potential(self, ctx, side):
        if side == "left":
            return jnp.zeros_like(ctx.params.valence)
        return jnp.sum(self.face_increments(ctx), axis=(1, 2))

    def at_rest(self):
        return Convection(0.0)
