"""The tangential (non-orthogonal) part of the displacement and species fluxes on tapered grids.

Two terms, added by :func:`pnp.problem.build_problem` whenever the grid has non-orthogonal
faces (cones, any varying R(z)); the geometry is in :mod:`pnp.grid.skew`:

* :class:`SkewDisplacement` adds −ε_f A β (φ₊ − φ₋) to every interior face's displacement flux,
  with vertex potentials reconstructed from the cells around them (walls: ∇φ·n_out = σ̃/ε;
  closed faces: 0; bath faces: the bath potential);
* :class:`SkewTransport` adds −D_f c_f A β (μ₊ − μ₋) to every species flux, with the species'
  electrochemical potential μ = ln c̃ + ψ (ψ the driving potential: z φ plus any excess
  chemical potential) at the vertices and c_f = exp of the mean ln c̃ of the face's two cells:
  J = −D c ∇μ. At Boltzmann equilibrium μ is one constant at every vertex, so the correction
  vanishes exactly, as the Scharfetter–Gummel part does. μ is linear in the unknowns (ln c̃, φ)
  and smooth across double layers, so the vertex reconstruction carries no exponentials of
  potential differences (a Slotboom form e^{ψ} overflows at tens of kT across a cell's
  neighbourhood: highly charged tips at volts). Walls and closed faces carry zero normal flux
  (∇μ·n = 0); bath vertices take the bath's μ.

Both keep local conservation (one flux per face) and positivity (log-concentration unknowns).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..grid.skew import LEFT, RIGHT, incident_faces, is_orthogonal, vertex_slots
from .faces import harmonic_face_values
from .term import Term, register_term

_EXP_LIMIT = 700.0  # exp overflows past 709: bounds c_f during Newton iterations


def _face_ends(vertex_values):
    """(value at the − end, value at the + end) of z faces and of r faces from vertex values."""
    return ((vertex_values[:, :-1], vertex_values[:, 1:]), (vertex_values[:-1], vertex_values[1:]))


def _bath_values(bath, left, right, fallback):
    return jnp.where(bath == LEFT, left, jnp.where(bath == RIGHT, right, fallback))


def vertex_values(geometry, cells, left, right):
    """Vertex values (nz+1, nr+1) of a cell field whose normal derivative is zero on walls and
    closed faces (no data term), with the bath values ``left``, ``right`` on the bath faces."""
    weights = geometry.cell_weights  # zero for inactive cells, whose values may be anything
    values = jnp.sum(jnp.where(weights != 0, weights * vertex_slots(cells), 0.0), axis=-1)
    return _bath_values(np.asarray(geometry.bath), left, right, values)


def _wall_permittivity(ctx):
    """ε of the active cell beside every wall/closed face incident to every vertex (else 1)."""
    active = np.asarray(ctx.grid.active)
    eps = jnp.where(active, ctx.params.permittivity, 0.0)
    before_z, after_z = jnp.pad(eps, ((1, 0), (0, 0))), jnp.pad(eps, ((0, 1), (0, 0)))
    before_r, after_r = jnp.pad(eps, ((0, 0), (1, 0))), jnp.pad(eps, ((0, 0), (0, 1)))
    beside = incident_faces(before_z + after_z, before_r + after_r, 1.0)  # one of the two is inactive (0)
    return jnp.where(beside > 0, beside, 1.0)


@register_term
class SkewDisplacement(Term):
    """−ε_f A β (φ₊ − φ₋): the tangential part of the displacement flux (see module docstring)."""

    def fluxes(self, ctx):
        geometry = ctx.skew_geometry
        params = ctx.params
        sigma = incident_faces(params.zface_charge, params.rface_charge)
        data = sigma / _wall_permittivity(ctx)  # ∇φ·n_out = σ̃/ε on walls (σ̃ = 0 on closed faces)
        phi = (jnp.sum(geometry.cell_weights * vertex_slots(ctx.state.potential), axis=-1)
               + jnp.sum(geometry.face_weights * data, axis=-1))
        phi = _bath_values(np.asarray(geometry.bath), params.left_potential, params.right_potential, phi)
        eps_z, eps_r = harmonic_face_values(params.permittivity)
        (lo_z, hi_z), (lo_r, hi_r) = _face_ends(phi)
        flux_z = -eps_z * geometry.zface_coefficient * (hi_z - lo_z)
        flux_r = -eps_r * geometry.rface_coefficient * (hi_r - lo_r)
        return {"potential": (flux_z, flux_r)}


@register_term
class SkewTransport(Term):
    """−D_f c_f A β (μ₊ − μ₋) per species: the tangential part of the species flux (module docstring)."""

    def fluxes(self, ctx):
        geometry = ctx.skew_geometry
        params = ctx.params
        psi_left, psi_right = ctx.bath_driving_potential("left"), ctx.bath_driving_potential("right")

        def one_species(log_c, psi, diffusivity, c_left, c_right, p_left, p_right):
            mu = vertex_values(geometry, log_c + psi, jnp.log(c_left) + p_left, jnp.log(c_right) + p_right)
            d_z, d_r = harmonic_face_values(diffusivity)
            (lo_z, hi_z), (lo_r, hi_r) = _face_ends(mu)
            c_z, c_r = (jnp.exp(jnp.clip(_face_mean(log_c, axis), -_EXP_LIMIT, _EXP_LIMIT)) for axis in (0, 1))
            return (-d_z * c_z * geometry.zface_coefficient * (hi_z - lo_z),
                    -d_r * c_r * geometry.rface_coefficient * (hi_r - lo_r))

        fluxes = jax.vmap(one_species)(ctx.state.log_concentration, ctx.driving_potential, params.diffusivity,
                                       params.left_concentration, params.right_concentration, psi_left, psi_right)
        return {"log_concentration": fluxes}


def _face_mean(values, axis):
    """Mean of the two cells beside every face of a family (edge faces: the edge cell)."""
    padded = jnp.concatenate([jnp.take(values, jnp.array([0]), axis=axis), values,
                              jnp.take(values, jnp.array([values.shape[axis] - 1]), axis=axis)], axis=axis)
    n = padded.shape[axis]
    return 0.5 * (jax.lax.slice_in_dim(padded, 0, n - 1, axis=axis) + jax.lax.slice_in_dim(padded, 1, n, axis=axis))


def grid_terms(grid) -> tuple[Term, ...]:
    """The tangential flux terms a grid needs: none on an orthogonal (tensor-product) grid,
    both on a tapered one or when that cannot be known now (traced vertices)."""
    return () if is_orthogonal(grid) else (SkewDisplacement(), SkewTransport())
