"""Derived quantities of steady states — the one home of each (as jax-md's ``quantity.py``).

Everything here is a JAX function of a :class:`~pnp.problem.Problem` and a converged state
(or of quantities computed here), traceable and differentiable; :class:`~pnp.Solution`,
:class:`~pnp.IVCurve`, :mod:`pnp.outputs`, :mod:`pnp.mosaic`, :mod:`pnp.design` and the CLI
read them from here.

Fluxes through cross-sections: the z faces of column i (i = 0 … nz) form a surface that
separates the left bath from the right one; at steady state the species fluxes summed over
it are equal for every i (discrete conservation, up to the Newton residual). Outputs are
read at the **mid cross-section** (column (nz + 1) // 2). Current I = F Σ_i z_i J_i, positive
along +z (from the left bath to the right bath). Units: mol/s and A for axisymmetric
channels, per metre of depth for planar 2D, per m² for 1D (``problem.discretization.flux_unit``).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .constants import FARADAY
from .grid.mesh import FaceKind
from .physics.electrostatics import WallCharge, space_charge, wall_steps
from .physics.faces import beside_faces, harmonic_face_values
from .physics.model import System
from .physics.stokes import Stokes
from .physics.term import Context
from .physics.transport import species_flux_terms
from .solver.newton import NewtonOptions
from .solver.secant import secant
from .steady import solve_system
from .tracing import concrete, concrete_tree


def context(problem, state) -> Context:
    """The residual's context of ``state`` in ``problem`` (a Problem or its System: both carry
    ``grid``, ``parameters`` and ``model``)."""
    return Context(state, problem.grid, problem.parameters, problem.model)


def mid_column(grid) -> int:
    """Index of the mid cross-section among the (nz + 1) z-face columns of ``grid``."""
    return (grid.shape[0] + 1) // 2


def voltage(problem):
    """Applied voltage V = φ_left − φ_right (V) of the problem's parameters."""
    p = problem.parameters
    return (p.left_potential - p.right_potential) * problem.scales.voltage


@jax.jit
def scaled_cross_section_fluxes(system: System, state):
    """Scaled species fluxes through every z-face column, shape (N, nz + 1): the z-face fluxes of
    every term of the model (Scharfetter–Gummel, tangential corrections, …) summed over r.

    Compiled (once per grid shape and model): every observable of a solution reads it, and run
    one operation at a time on a tapered grid it took 80 ms a call; result files rewritten after
    every bias point called it for every point each time."""
    flux_z, _ = system.model.face_fluxes(state, system.grid, system.parameters)["log_concentration"]
    return flux_z.sum(axis=-1)


@jax.jit
def _gross_cross_section_fluxes(system: System, state):
    """Forward plus backward (one-way) Scharfetter–Gummel fluxes through every z-face column, (N, nz + 1)."""
    (forward, backward), _ = species_flux_terms(context(system, state))
    return (forward + backward).sum(axis=-1)


def cross_section_fluxes(problem, state):
    """Species fluxes through every z-face column, shape (N, nz + 1), in the problem's flux unit."""
    return scaled_cross_section_fluxes(problem.system, state) * problem.discretization.flux_scale


def fluxes(problem, state):
    """Species fluxes through the mid cross-section, (N,) (positive along +z)."""
    return cross_section_fluxes(problem, state)[:, mid_column(problem.grid)]


def current_profile(problem, state):
    """Electric current through every z-face column (nz + 1,), A (or A/m, A/m²)."""
    return FARADAY * jnp.einsum("i,in->n", problem.parameters.valence, cross_section_fluxes(problem, state))


def current(problem, state):
    """Electric current I = F Σ z_i J_i through the mid cross-section (A), positive along +z."""
    return FARADAY * jnp.dot(problem.parameters.valence, fluxes(problem, state))


def _stokes_term(problem) -> Stokes | None:
    return next((term for term in problem.model.terms if isinstance(term, Stokes)), None)


def has_flow(problem) -> bool:
    """Whether the problem's model solves the solvent flow (has a Stokes term)."""
    return _stokes_term(problem) is not None


def stokes(problem) -> Stokes:
    """The model's :class:`~pnp.physics.stokes.Stokes` term (ValueError when the solve had no flow)."""
    term = _stokes_term(problem)
    if term is None:
        raise ValueError("this solution has no solvent flow; solve with flow=True (and pressure=Δp in Pa) for it")
    return term


def scaled_flow_profile(system: System, state):
    """Scaled volume flux through every z-face column (nz + 1,): the Stokes term's face fluxes
    summed over r (× :func:`_volume_scale` in m³/s)."""
    q_z, _ = stokes(system).volume_fluxes(context(system, state))
    return q_z.sum(axis=-1)


def flow_profile(problem, state):
    """Volume flow rate through every z-face column (nz + 1,), m³/s (m²/s per metre of depth for
    planar channels), positive along +z; equal in every column (incompressibility)."""
    return scaled_flow_profile(problem.system, state) * _volume_scale(problem)


def _volume_scale(problem):
    """m³/s (m²/s planar) of a scaled volume flux summed over faces: D₀ L₀ × the flux scale's extent."""
    return problem.discretization.flux_scale / problem.scales.concentration


def _ampere(problem):
    """A (A/m planar, A/m² 1D) of a scaled charge flux Σ z_i J̃_i: F × the flux scale."""
    return FARADAY * problem.discretization.flux_scale


def flow_rate(problem, state):
    """Volume flow rate Q through the mid cross-section (m³/s; m²/s planar), positive along +z."""
    return flow_profile(problem, state)[mid_column(problem.grid)]


def convective_current(problem, state):
    """The part of the current that the solvent carries through the mid cross-section (A; A/m
    planar): F Σ_faces u_f A_f Σ_i z_i c̄_i,f with c̄ the mean of the two cells beside each face
    (the discrete ∫ ρ_e u dA, as in the body force of :mod:`pnp.physics.stokes`); the rest of
    :func:`current` is migration and diffusion. Electro-osmosis at V: its share of the current."""
    q_z, _ = stokes(problem).volume_fluxes(context(problem, state))
    mid = mid_column(problem.grid)
    c = jnp.exp(state.log_concentration)
    charge = jnp.einsum("i,inr->nr", problem.parameters.valence, 0.5 * (c[:, mid - 1:mid] + c[:, mid:mid + 1]))
    return jnp.sum(q_z[mid] * charge[0]) * _ampere(problem)


def velocity(problem, state):
    """Solvent velocity (u_z, u_r) at the cell centroids (m/s), shape (2, nz, nr): means of the
    velocities on the cell's two z faces and two r faces."""
    u_z, u_r = stokes(problem).face_velocities(context(problem, state))
    return jnp.stack([0.5 * (u_z[1:] + u_z[:-1]), 0.5 * (u_r[:, 1:] + u_r[:, :-1])]) * problem.scales.velocity


def pressure(problem, state):
    """Hydrostatic pressure p − p_right (Pa) per cell: the solved P plus the local ideal osmotic
    pressure RT Σ c_i (see :mod:`pnp.physics.stokes`), relative to the right bath."""
    stokes(problem)  # raises without flow
    osmotic = jnp.sum(jnp.exp(state.log_concentration), axis=0) - jnp.sum(problem.parameters.left_concentration)
    return (state.pressure + osmotic) * problem.scales.pressure


def transference_numbers(problem, state):
    """t_i = F z_i J_i / I through the mid cross-section, (N,) (Σ t_i = 1; undefined at I = 0)."""
    return FARADAY * problem.parameters.valence * fluxes(problem, state) / current(problem, state)


def selectivity(flux, feed, ion: int, other: int):
    """Separation factor S = (J_ion / J_other) / (c_ion / c_other) of the feed concentrations."""
    return (flux[ion] / flux[other]) / (feed[ion] / feed[other])


ELECTRONEUTRAL = 1e-4  # a cell is outside a double layer where its charge ratio is below this fraction of the layer's peak
NEUTRAL_FLOOR = 1e-9  # ... or below this absolute charge ratio (round-off of a neutral solution)


def entrance_concentrations(problem, state):
    """The feed-side (left) entrance of a 1D membrane: (c_mouth, c_pore), mol/m³, (N,) each.

    Each cell has a charge ratio |Σ z_i c_i + X| / Σ |z_i| c_i; the entrance's two double layers
    (solution side and membrane side) are where it is large. A cell lies outside a layer when its
    ratio is below ``ELECTRONEUTRAL`` × that layer's peak ratio (or below ``NEUTRAL_FLOOR``):

    * c_mouth — the solution at the pore mouth (c_m of the review's real rejection): the last
      solution cell before the membrane outside the solution-side layer (the first cell of the
      grid where none is). It carries the concentration polarization of the bath layer: of an
      unstirred layer when ``bath_layer`` is one, else of the numerical bath layer the mesh puts
      before the membrane (10 Debye lengths of the most dilute bath by default).
    * c_pore — the pore solution just past the Donnan layer: the first membrane cell of the feed
      half outside the membrane-side layer; where none is (overlapping double layers), the most
      nearly neutral cell of the feed half.

    The cells are chosen on values (no derivative flows through the choice); the concentrations
    are differentiable, also under jax.jit and vmap — except for a membrane whose thickness or
    bath layer is traced under jit/vmap (its cells then have no values to choose by).

    Raises:
      ValueError: the problem is not a 1D membrane (its discretization has no pore cells), or its
        membrane cells are traced under jit/vmap.
    """
    inside = problem.discretization.pore_cells
    if inside is None or problem.grid.shape[1] != 1:
        raise ValueError("entrance concentrations are defined for 1D membranes (pnp.Membrane); got a "
                         f"{problem.grid.shape[0]}×{problem.grid.shape[1]} grid without membrane cells")
    inside = concrete(inside[:, 0])  # a traced thickness moves the membrane's cells: use its primal value
    if inside is None:
        raise ValueError("entrance concentrations choose cells by value, and this membrane's cells move with a "
                         "thickness or bath_layer traced under jax.jit/vmap; give those as numbers there "
                         "(jax.grad and jax.jacfwd outside jit work)")
    inside = inside > 0
    cells_c = jnp.exp(state.log_concentration)  # (N, nz, 1)
    ionic = jnp.einsum("i,i...->...", jnp.abs(problem.parameters.valence), cells_c)
    ratio = jax.lax.stop_gradient(jnp.abs(space_charge(cells_c, problem.parameters)) / ionic)[:, 0]
    c = cells_c[:, :, 0]
    cells = np.arange(inside.size)
    first, last = cells[inside][0], cells[inside][-1]
    solution_side = jnp.asarray(cells < first)
    feed_half = jnp.asarray(inside & (cells <= (first + last) // 2))

    def outside(side):
        peak = jnp.max(jnp.where(side, ratio, 0.0))
        return side & (ratio <= jnp.maximum(ELECTRONEUTRAL * peak, NEUTRAL_FLOOR))

    mouth_cell = jnp.max(jnp.where(outside(solution_side), cells, 0))
    plateau = outside(feed_half)
    pore_cell = jnp.where(jnp.any(plateau), jnp.argmax(plateau), jnp.argmin(jnp.where(feed_half, ratio, jnp.inf)))
    c_ref = problem.scales.concentration
    return c[:, mouth_cell] * c_ref, c[:, pore_cell] * c_ref


def selectivity_split(flux, feed, mouth, pore, ion: int, other: int) -> dict:
    """S = (J_ion/J_other)/(c_ion/c_other) of the feed, as the product of its three stages (each a
    ratio ion : other, > 1 favouring ``ion``):

    * "polarization" = (c_m,ion/c_f,ion)/(c_m,other/c_f,other), feed bath → pore mouth;
    * "partition" = (c_pore,ion/c_m,ion)/(c_pore,other/c_m,other), the entry (Donnan, steric,
      dielectric, dehydration);
    * "transport" = (J_ion/c_pore,ion)/(J_other/c_pore,other), across the pore and out of it
      (hindered diffusion, migration, convection and the exit).

    ``mouth`` and ``pore`` are :func:`entrance_concentrations`; "selectivity" is their product, S.
    Each stage is :func:`selectivity`'s ratio of ratios between consecutive stations.
    """
    return {"polarization": selectivity(mouth, feed, ion, other), "partition": selectivity(pore, mouth, ion, other),
            "transport": selectivity(flux, pore, ion, other), "selectivity": selectivity(flux, feed, ion, other)}


def rectification(current_plus, current_minus):
    """r = |I(+V)| / |I(−V)|."""
    return jnp.abs(current_plus) / jnp.abs(current_minus)


def chord_conductance(voltages, currents):
    """(I(V₊) − I(V₋)) / (V₊ − V₋) between the voltages nearest 0 on either side of it (S).

    An approximation of the slope at 0 V; :func:`conductance` gives the exact one.
    """
    v = np.asarray(voltages)
    below, above = v[v < 0], v[v > 0]
    if len(below) == 0 or len(above) == 0:
        raise ValueError("conductance at 0 V needs voltages on both sides of 0")
    lo, hi = int(np.flatnonzero(v == below.max())[0]), int(np.flatnonzero(v == above.min())[0])
    return (currents[hi] - currents[lo]) / (v[hi] - v[lo])


def conservation_error(problem, state) -> float:
    """max_i |I_i − I_mid| / max_i Σ_s F |z_s| (J⁺_s,i + J⁻_s,i): 0 for exact conservation.

    The denominator is the gross (one-way, forward plus backward) charge exchange through a
    cross-section, so the error stays meaningful at zero current (equilibrium, reversal
    potential), where the net fluxes themselves are round-off.
    """
    valence = np.asarray(problem.parameters.valence)[:, None]
    net = np.asarray(scaled_cross_section_fluxes(problem.system, state))
    gross = np.asarray(_gross_cross_section_fluxes(problem.system, state))
    profile = (valence * net).sum(axis=0)
    scale = (np.abs(valence) * gross).sum(axis=0).max()
    return float(np.max(np.abs(profile - profile[mid_column(problem.grid)])) / scale)


def wall_charges(problem, state):
    """σ̃ on (z faces, r faces) from the model's wall-charge term: the prescribed charge, or the
    regulated one of wall sites (:mod:`pnp.physics.regulation`) in this state."""
    return _scaled_wall_charges(problem.system, state)


@jax.jit  # the regulated charge is a root search: one program, not dozens of one-operation ones
def _scaled_wall_charges(system: System, state):
    term = next(t for t in system.model.terms if isinstance(t, WallCharge))
    return term.face_charges(context(system, state))


def _on_wall_faces(problem, per_axis):
    """(z, r, values) over the wall faces (z faces then r faces) of per-axis face arrays."""
    grid, out = problem.grid, []
    for kind, fz, fr, values in ((grid.zface_kind, grid.zface_z, grid.zface_r, per_axis[0]),
                                 (grid.rface_kind, grid.rface_z, grid.rface_r, per_axis[1])):
        mask = np.asarray(kind) == FaceKind.WALL
        out.append((np.asarray(fz)[mask], np.asarray(fr)[mask], values[mask]))
    length = problem.scales.length
    return (np.concatenate([o[0] for o in out]) * length, np.concatenate([o[1] for o in out]) * length,
            jnp.concatenate([o[2] for o in out]))


def wall_potential(problem, state):
    """Potential on every wall face from the surface-charge condition, φ_w = φ_K + σ d / (ε₀ ε_r).

    Returns (z, r, phi) arrays (m, m, V) over the wall faces (z faces then r faces).
    """
    steps = wall_steps(problem.grid, problem.parameters)
    values = [beside_faces(problem.grid, state.potential, axis) + sigma * step
              for axis, sigma, step in zip((0, 1), wall_charges(problem, state), steps)]
    z, r, phi = _on_wall_faces(problem, values)
    return z, r, phi * problem.scales.voltage


def surface_charge(problem, state):
    """Wall charge σ (C/m²) on every wall face: (z, r, sigma) over the wall faces (z then r faces)."""
    z, r, sigma = _on_wall_faces(problem, wall_charges(problem, state))
    return z, r, sigma * problem.scales.surface_charge


# ------------------------------------------------------------------------------------------
# Quantities that need more solves: the exact differential conductance and the zero-current
# voltage. Both work on the nondimensional System (a pytree) inside module-level jitted
# programs, so repeated calls reuse one compiled program per grid structure.

@jax.jit
def charge_flux(system: System, state):
    """Σ_i z_i J̃_i through the mid cross-section (scaled): the current up to F × flux scale."""
    return jnp.dot(system.parameters.valence, scaled_cross_section_fluxes(system, state)[:, mid_column(system.grid)])


def _at_potential(system: System, u) -> System:
    p = system.parameters
    return system.replace(parameters=p.replace(left_potential=p.right_potential + u))


def charge_flux_near(system: System, u, state, options, continuation=True):
    """(Σ z J̃ through the mid cross-section at left-bath potential u (kT/e), the state there), by
    Newton from the nearby ``state`` (with the continuation fallback unless ``continuation`` is
    False: then NaN if Newton fails from ``state``)."""
    at_u = _at_potential(system, u)
    solved, _ = solve_system(at_u, state, options, continuation=continuation)
    return charge_flux(at_u, solved), solved


def conductance(problem, guess, options: NewtonOptions = NewtonOptions()):
    """Exact differential conductance dI/dV (S; S/m planar, S/m² 1D) at the problem's voltage:
    the steady state from the nearby ``guess`` (e.g. the converged state itself), then one
    tangent solve (forward mode in the left-bath potential), no finite difference."""
    system = problem.system
    u = system.parameters.left_potential - system.parameters.right_potential
    _, slope = jax.jvp(lambda v: charge_flux_near(system, v, guess, options)[0], (u,), (jnp.ones_like(u),))
    return _ampere(problem) * slope / problem.scales.voltage


def scaled_axial_field_flux(system: System, state):
    """∫ E_z dA through the mid cross-section, scaled: the model's displacement flux through the mid
    column's z faces (two-point and, on tapered grids, tangential parts), each face's divided by
    its permittivity ε_r."""
    flux_z, _ = system.model.face_fluxes(state, system.grid, system.parameters)["potential"]
    eps_z, _ = harmonic_face_values(system.parameters.permittivity)
    mid = mid_column(system.grid)
    return jnp.sum(flux_z[mid] / eps_z[mid])


def _extent(problem):
    """SI factor of a sum over grid faces beyond L₀²: 1, or 2/L₀ for planar half-channels (per metre)."""
    return problem.discretization.flux_scale / problem.scales.flux


def axial_field_flux(problem, state):
    """∫ E_z dA through the mid cross-section (V·m; V per metre of depth planar), E = −∇φ: the
    mean axial field times the cross-section's area, positive along +z."""
    scales = problem.scales
    return scaled_axial_field_flux(problem.system, state) * scales.voltage * scales.length * _extent(problem)


def _at_drives(system: System, u, p) -> System:
    """``system`` at left-bath potential u (kT/e) and left-bath P̃ = p (scaled; flow only)."""
    at_u = _at_potential(system, u)
    term = stokes(system)
    return at_u.replace(model=at_u.model.replace(type(term), dataclasses.replace(term, left_pressure=p)))


def electrokinetic_coefficients(problem, guess, options: NewtonOptions = NewtonOptions()) -> dict:
    """The exact linear response of a flow solution at its (V, Δp): two tangent solves (forward
    mode in the left-bath potential and in the left-bath pressure), no finite difference.

    Q = L_h δΔp + K_eo δV and I = K_s δΔp + G δV about the state (Onsager: K_eo = K_s at
    equilibrium), with Q and I through the mid cross-section. Returns a dict (SI; per metre of
    depth for planar channels):

    * ``hydraulic_conductance`` L_h = ∂Q/∂Δp (m³ s⁻¹ Pa⁻¹);
    * ``electroosmotic_conductance`` K_eo = ∂Q/∂V (m³ s⁻¹ V⁻¹): electro-osmotic flow per volt;
    * ``streaming_conductance`` K_s = ∂I/∂Δp (A/Pa);
    * ``conductance`` G = ∂I/∂V (S), electro-osmotic conduction included;
    * ``streaming_potential_coefficient`` ∂V/∂Δp at zero current, −K_s/G (V/Pa): the linear
      streaming potential per applied pressure (the exact zero-current voltage is
      :func:`pnp.zero_current_voltage` with ``pressure``);
    * ``electroosmotic_mobility`` μ_eo = K_eo / (∂(∫E_z dA)/∂V) (m² V⁻¹ s⁻¹): mean velocity per mean
      axial field through the mid cross-section (:func:`axial_field_flux`), the apparent mobility a
      flow measurement sees. In a long uniform channel it is −εζf/η (Rice–Whitehead f;
      Smoluchowski −εζ/η at κa ≫ 1); the pressure that entrances or reservoirs build against the
      flow lowers it, by a share that falls as 1/L.

    ``guess``: a converged state of the problem (e.g. the solution's own); the steady state is
    Newton from it, with the continuation fallback.
    """
    system = problem.system
    u = system.parameters.left_potential - system.parameters.right_potential
    p = stokes(problem).left_pressure

    def response(u, p):
        at = _at_drives(system, u, p)
        solved, _ = solve_system(at, guess, options)
        return jnp.stack([scaled_flow_profile(at, solved)[mid_column(system.grid)], charge_flux(at, solved),
                          scaled_axial_field_flux(at, solved)])

    _, tangent = jax.linearize(response, u, p)  # one steady solve; each tangent is one linear solve
    one, zero = jnp.ones_like(u), jnp.zeros_like(u)
    by_voltage, by_pressure = tangent(one, zero), tangent(zero, jnp.ones_like(p))
    scales, volume, charge = problem.scales, _volume_scale(problem), _ampere(problem)
    return {"hydraulic_conductance": by_pressure[0] * volume / scales.pressure,
            "electroosmotic_conductance": by_voltage[0] * volume / scales.voltage,
            "streaming_conductance": by_pressure[1] * charge / scales.pressure,
            "conductance": by_voltage[1] * charge / scales.voltage,
            "streaming_potential_coefficient": -by_pressure[1] / by_voltage[1] * scales.voltage / scales.pressure,
            "electroosmotic_mobility": by_voltage[0] / by_voltage[2] * scales.diffusivity / scales.voltage}


def _zero_current_root(system, guess, u0, u1, options, tolerance, max_iterations, continuation, traced):
    return secant(lambda u, s: charge_flux_near(system, u, s, options, continuation), u0, u1, guess,
                  tolerance=tolerance, max_iterations=max_iterations, traced=traced)


_zero_current_root_on_device = jax.jit(functools.partial(_zero_current_root, traced=True),
                                       static_argnames=("options", "tolerance", "max_iterations", "continuation"))


def zero_current_potential(problem, guess, u0, u1, *, options: NewtonOptions = NewtonOptions(),
                           tolerance: float = 1e-10, max_iterations: int = 30, continuation: bool = True):
    """(u₀, state, secant result): the left-bath potential u₀ (kT/e) where the current vanishes.

    Secant iteration from u0, u1 (kT/e); every evaluation is a steady solve warm-started from
    the previous one (with the continuation fallback of :func:`pnp.steady.solve_system` when
    ``continuation``). With concrete inputs (also the primal values under ``jax.grad``) the
    iteration runs on the host over the compiled solves; under jit it is one device loop. u₀
    and the state carry implicit derivatives: du₀/dp = −(∂I/∂p)/(dI/dV) from I(u₀(p), p) = 0.
    NaN when the root was not found (check ``result.converged``).
    """
    system = problem.system
    inputs = jax.lax.stop_gradient((system, guess, jnp.asarray(u0, float), jnp.asarray(u1, float)))
    values = concrete_tree(inputs)
    if values is None:
        found = _zero_current_root_on_device(*inputs, options, tolerance, max_iterations, continuation)
    else:
        found = _zero_current_root(*values, options, tolerance, max_iterations, continuation, traced=False)
    root_state = jax.lax.stop_gradient(found.payload)

    def flux_at(u):
        return charge_flux_near(system, u, root_state, options)[0]

    root = jax.lax.custom_root(flux_at, jax.lax.stop_gradient(found.root), lambda _, x: x,
                               lambda g, y: y / g(jnp.ones_like(y)))
    _, state = charge_flux_near(system, root, root_state, options)
    return root, state, found
