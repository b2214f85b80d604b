"""The driving potentials of plain PNP: the electric potential and a position-dependent μ^ex.

ψ_i = z_i φ̃ + μ_i^ex(z, r)/kT. ``ExcessPotential`` reads μ^ex from the parameters (per
species and cell, zero in the baths): steric, dielectric or binding free energies given as
profiles at the SI API. State-dependent potentials of mean force are further
:class:`~pnp.physics.term.Drive` terms (one file each).
"""

from __future__ import annotations

import jax.numpy as jnp

from .term import Drive, register_term


@register_term
class Electric(Drive):
    """z_i φ̃ (bath faces: z_i times the bath potential)."""

    def potential(self, ctx):
        return ctx.params.valence[:, None, None] * ctx.state.potential[None]

    def bath_potential(self, ctx, side):
        bath = ctx.params.left_potential if side == "left" else ctx.params.right_potential
        return ctx.params.valence * bath


@register_term
class ExcessPotential(Drive):
    """μ_i^ex(z, r)/kT from ``Parameters.excess_potential`` (zero at the bath faces)."""

    def potential(self, ctx):
        return jnp.asarray(ctx.params.excess_potential)
