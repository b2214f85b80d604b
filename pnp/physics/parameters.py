"""Nondimensional physical parameters of one steady PNP problem (a JAX pytree).

Every field is an array leaf, so a solve is differentiable with respect to all of them
and ``vmap`` can batch over any of them. Cell fields have the grid shape (nz, nr);
per-species cell fields have shape (N, nz, nr).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp


@dataclasses.dataclass(frozen=True)
class Parameters:
    valence: jax.Array  # (N,) z_i
    diffusivity: jax.Array  # (N, nz, nr) D_i / D₀ (per cell: hindered diffusion)
    excess_potential: jax.Array  # (N, nz, nr) μ_i^ex / kT (0 in plain PNP; 0 in the baths)
    permittivity: jax.Array  # (nz, nr) relative permittivity ε_r
    fixed_charge: jax.Array  # (nz, nr) X / c₀ (signed, elementary charges per volume)
    zface_charge: jax.Array  # (nz+1, nr) σ̃ on wall faces normal to z
    rface_charge: jax.Array  # (nz, nr+1) σ̃ on wall faces normal to r
    left_concentration: jax.Array  # (N,) left bath c / c₀
    right_concentration: jax.Array  # (N,) right bath c / c₀
    left_potential: jax.Array  # () left bath φ / (kT/e)
    right_potential: jax.Array  # () right bath φ / (kT/e)
    poisson_coefficient: jax.Array  # () Γ
    convective_hindrance: jax.Array | None = None  # (N, nz, nr) K_c of convection (None: no flow term)

    def replace(self, **changes) -> "Parameters":
        return dataclasses.replace(self, **changes)


jax.tree_util.register_dataclass(
    Parameters,
    data_fields=[f.name for f in dataclasses.fields(Parameters)],
    meta_fields=[],
)


def at_equilibrium_start(params: Parameters) -> Parameters:
    """The trivially solvable problem: no charges or excess potentials, equal baths, V = 0.

    Its exact solution is a uniform bath (φ = 0, c = c_left) — the start of every
    continuation path.
    """
    zero = jnp.zeros((), params.left_potential.dtype)
    return params.replace(
        excess_potential=jnp.zeros_like(params.excess_potential),
        fixed_charge=jnp.zeros_like(params.fixed_charge),
        zface_charge=jnp.zeros_like(params.zface_charge),
        rface_charge=jnp.zeros_like(params.rface_charge),
        right_concentration=params.left_concentration,
        left_potential=zero,
        right_potential=zero,
    )
