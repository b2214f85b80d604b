"""Charge regulation and ion binding on wall sites: the wall charge in equilibrium with the solution.

Every charged wall face carries ionizable sites whose bare state S⁻ has charge −e; ``Parameters``'
wall-face charge σ̃_full (``zface_charge``, ``rface_charge``) is the charge if every site were bare,
−e Γ in scaled units. Each species j that binds forms the state S·j of charge z_j − 1 with the
association constant K_j (S⁻ + j ⇌ S·j; protonation S⁻ + H⁺ ⇌ SH is the case j = H⁺,
K_H = 1/K_a = 10^pK L/mol). Langmuir competition for one site gives the fractions

    θ_j = w_j / (1 + Σ_k w_k),   w_j = K_j c_j,0 = K_j c_j,K exp(−z_j b_f σ̃),

and the regulated charge σ̃ = σ̃_full (1 − Σ_j z_j θ_j). The concentration at the binding plane
c_j,0 is the wall cell's c_j,K carried by the Boltzmann factor across the potential step from the
cell centroid to the site plane: φ̃_0 − φ̃_K = b_f σ̃ with b_f = d_f/ε_r,K (the half cell, the same
step as :func:`pnp.quantity.wall_potential`) + ε₀/(C_S L₀) (a Stern layer of capacitance C_S).
The charge therefore solves, face by face, the scalar equation

    g(σ̃) = σ̃ − σ̃_full (1 − Σ_j z_j θ_j(σ̃)) = 0,

which is increasing (g' = 1 + |σ̃_full| b_f Var(z) ≥ 1 for σ̃_full ≤ 0), so its root is unique. It
is found by bracketed Newton iterations on values without derivatives, then one Newton step with
every input live: that step's derivatives are the implicit ones, −(∂g/∂p)/g' (exact at the root),
so Jacobians and gradients through the wall chemistry are exact. At equilibrium the solution is
Boltzmann-distributed, so the wall charge matches the closed form (Grahame + the isotherm,
:func:`pnp.analytic.regulated_wall`) up to the discretization of the double layer.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.mesh import FaceKind
from .electrostatics import WallCharge, wall_steps
from .faces import beside_faces
from .term import register_term, static_field

NEWTON_ITERATIONS = 60  # bracketed Newton/bisection steps of the face equation (bisection alone: 2⁻⁶⁰ of the bracket)


@register_term
class RegulatedSurfaceCharge(WallCharge):
    """Wall charge of sites that bind H⁺ and other ions (charge regulation, Langmuir binding, Stern).

    Attributes:
      log_affinity: (N,) ln(K_j c₀) of every species (unused where ``binds`` is False).
      stern: ε₀/(C_S L₀), the Stern layer's potential step per unit σ̃ (0: no Stern layer).
      binds: (N,) which species bind to the sites (structure).
    """

    log_affinity: jax.Array
    stern: jax.Array
    binds: tuple = static_field()

    def face_charges(self, ctx):
        """σ̃ solved on the wall faces only (their indices are structure), 0 on the others."""
        out = []
        kinds = (ctx.grid.zface_kind, ctx.grid.rface_kind)
        fulls = (ctx.params.zface_charge, ctx.params.rface_charge)
        for axis, kind, full, step in zip((0, 1), kinds, fulls, wall_steps(ctx.grid, ctx.params)):
            wall = np.nonzero(np.asarray(kind) == FaceKind.WALL)
            log_c = beside_faces(ctx.grid, ctx.state.log_concentration, axis)[(slice(None),) + wall]
            sigma = regulated_charge(full[wall], log_c, step[wall] + self.stern, ctx.params.valence,
                                     self.log_affinity, np.asarray(self.binds))
            out.append(jnp.zeros_like(full).at[wall].set(sigma))
        return tuple(out)


def _isotherm(sigma, full, log_c, step, valence, log_affinity, binds):
    """g(σ̃) and g'(σ̃) of the face equation (see the module docstring), elementwise over faces."""
    z, bound, affinity = valence[:, None], binds[:, None], log_affinity[:, None]  # (N, 1) against (N, faces)
    exponent = jnp.where(bound, affinity + log_c - z * step * sigma, -jnp.inf)
    normalizer = jnp.logaddexp(0.0, jax.scipy.special.logsumexp(exponent, axis=0))
    theta = jnp.exp(exponent - normalizer)  # fractions of the bound states
    mean_z = jnp.sum(z * theta, axis=0)
    variance = jnp.sum(z * z * theta, axis=0) - mean_z**2
    g = sigma - full * (1.0 - mean_z)
    slope = 1.0 - full * step * variance
    return g, slope


def regulated_charge(full, log_c, step, valence, log_affinity, binds):
    """σ̃ of every face: the root of g (module docstring) with exact (implicit) derivatives.

    ``full``: σ̃_full (faces,); ``log_c``: (N, faces) ln c̃ in the cell beside each face; ``step``:
    b_f (faces,); ``valence``, ``log_affinity``: (N,); ``binds``: (N,) bool (NumPy).
    """
    live = (full, log_c, step, valence, log_affinity)
    frozen = jax.tree_util.tree_map(jax.lax.stop_gradient, live)
    f, u, b, z, a = frozen
    z_bound = jnp.where(binds, z, 0.0)
    ends = (f * (1.0 - jnp.maximum(jnp.max(z_bound), 0.0)), f * (1.0 - jnp.minimum(jnp.min(z_bound), 0.0)))
    low, high = jnp.minimum(*ends), jnp.maximum(*ends)

    def step_once(_, bracket):
        sigma, low, high = bracket
        g, slope = _isotherm(sigma, f, u, b, z, a, binds)
        low, high = jnp.where(g < 0, sigma, low), jnp.where(g > 0, sigma, high)
        newton = sigma - g / jnp.where(slope > 0, slope, 1.0)
        inside = (newton > low) & (newton < high) & (slope > 0)
        return jnp.where(inside, newton, 0.5 * (low + high)), low, high

    root, _, _ = jax.lax.fori_loop(0, NEWTON_ITERATIONS, step_once, (0.5 * (low + high), low, high))
    g, slope = _isotherm(root, *live, binds)
    return root - g / jnp.where(slope > 0, slope, 1.0)  # slope ≥ 1 for sites of negative bare charge
