"""Solvent flow on tapered (cone) grids: the non-orthogonal parts of :mod:`pnp.physics.stokes_skew`.

Checks (tolerances after mesh convergence; observed orders printed):

* manufactured solution on pnp's own 30° cone grid (no reservoirs, baths on the end planes):
  a recirculating flow from the stream function ψ = A B(ζ) r² (1 − ξ²)² (ξ = r/R(z), ζ the
  axial position from bath to bath, B a C³ bump: the flow is at rest near both bath planes and
  has no slip on the cone wall) and a pressure with axial and radial variation, uniform on the
  bath planes; the momentum sources it needs are added per face. Velocity and pressure converge
  at observed order ≥ 1.8 between refinements 1 and 2 (volume-weighted RMS errors). Without the
  non-orthogonal parts (``tapered=False``) the velocity error does not converge (order < 1);
* pressure-driven flow through a slender cone of 1.4° taper (validation case F4) matches the
  lubrication flow rate Q = Δp / ((8η/π) ∫ dz / R⁴) within 0.3 % at the default mesh; with
  ``-m slow``, Q converges at second order by itself (successive differences from refinement
  0.5 to 2) to within 1e-3 of lubrication, whose own error is O(tan² θ) ≈ 6e-4;
* equilibrium on the demo cone with charged wall and membrane faces has no flow:
  max |u| ≤ 1e-10 of the Smoluchowski velocity of a 1 V/µm field at ζ = kT/e;
* volume is conserved through every cross-section of the cone to 1e-10 relative, with reservoirs
  and at 1 V, and current as without flow; dQ/d(tip radius) equals central differences (1e-5).
  (The tapered Stokes Jacobian against ``jax.jacfwd``: ``tests/test_stokes.py``.)
* robustness (``-m slow``): the demo cone, wall and membrane faces charged to σ = −0.05 and
  −0.2 C/m², in 1 mM and 1 M KCl, converges with flow at −2 V and +2 V.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pnp
from pnp import analytic, validation_problems
from pnp.grid.mesh import FaceKind
from pnp.physics import residual
from pnp.physics.state import State
from pnp.physics.stokes import Stokes
from pnp.physics.term import register_term
from pnp.problem import build_problem
from pnp.solver.newton import NewtonOptions, newton_solve
from pnp.steady import couplings

KCL = pnp.Electrolyte({"K+": 100.0, "Cl-": 100.0})
CONE_30 = (5e-9, 5e-9 + 100e-9 * np.tan(np.radians(30.0)), 100e-9)  # tip, base, length (m)
MIN_ORDER = 1.8


@register_term
class ForcedStokes(Stokes):
    """Stokes flow with a prescribed force per face control volume (the manufactured sources)."""

    force_z: jax.Array | None = None
    force_r: jax.Array | None = None

    def _potential_forces(self, ctx):
        force_z, force_r = super()._potential_forces(ctx)
        return force_z + self.force_z, force_r + self.force_r


def bump(t):
    """256 t⁴ (1 − t)⁴ on [0, 1]: zero with three derivatives at both ends, 1 at the middle."""
    s = jnp.clip(t, 0.0, 1.0)
    return 256.0 * s**4 * (1.0 - s) ** 4


class Manufactured:
    """Velocity (from the stream function of the module docstring) and pressure, grid units."""

    def __init__(self, grid, tip, base, length, amplitude, pressure):
        self.tip, self.base, self.length = tip, base, length
        self.z_left, self.z_right = float(jnp.min(grid.vertex_z)), float(jnp.max(grid.vertex_z))
        self.amplitude, self.pressure_scale = amplitude, pressure

    def radius(self, z):
        return self.tip + (self.base - self.tip) * z / self.length

    def zeta(self, z):
        return (z - self.z_left) / (self.z_right - self.z_left)

    def stream(self, z, r):
        xi = r / self.radius(z)
        return self.amplitude * bump(self.zeta(z)) * r**2 * (1.0 - xi**2) ** 2

    def velocity(self, z, r):
        d_dz, d_dr = jax.grad(self.stream, argnums=(0, 1))(z, r)
        return jnp.stack([d_dr / r, -d_dz / r])

    def pressure(self, z, r):
        zeta = self.zeta(z)
        xi = r / self.radius(z)
        return self.pressure_scale * (1.0 - zeta + 0.5 * bump(zeta) * jnp.cos(jnp.pi * xi))

    def momentum_source(self, eta, z, r):
        """∇P − η ∇²u (axisymmetric vector Laplacian), the force per volume the flow needs."""
        def component(k):
            f = lambda zz, rr: self.velocity(zz, rr)[k]
            f_z = lambda zz, rr: jax.grad(f, 0)(zz, rr)
            f_r = lambda zz, rr: jax.grad(f, 1)(zz, rr)
            laplacian = jax.grad(f_z, 0)(z, r) + jax.grad(f_r, 1)(z, r) + f_r(z, r) / r
            return laplacian - (f(z, r) / r**2 if k == 1 else 0.0)
        grad_p = jax.grad(self.pressure, argnums=(0, 1))(z, r)
        return jnp.stack([grad_p[0] - eta * component(0), grad_p[1] - eta * component(1)])


def manufactured_problem(refinement, tapered=True):
    """(system, exact state, couplings) of the manufactured flow on the 30° cone."""
    tip, base, length = CONE_30
    geometry = pnp.Cone(tip, base, length, 0.0, reservoirs=None)
    problem = build_problem(geometry, KCL, 0.0, flow=True, mesh=pnp.Mesh(refinement=refinement))
    system, grid = problem.system, problem.grid
    stokes = next(t for t in system.model.terms if isinstance(t, Stokes))
    eta = stokes.viscosity
    exact = Manufactured(grid, tip / 1e-9, base / 1e-9, length / 1e-9, amplitude=1e-2, pressure=0.5 * eta)
    at = lambda f, z, r: jax.vmap(f)(z.ravel(), r.ravel())
    u_z = at(lambda z, r: exact.velocity(z, r)[0], grid.zface_z, grid.zface_r).reshape(grid.zface_z.shape)
    u_r = at(lambda z, r: exact.velocity(z, r)[1], grid.rface_z, grid.rface_r).reshape(grid.rface_z.shape)
    u_r = jnp.where(np.asarray(grid.rface_kind) == FaceKind.INTERIOR, u_r, 0.0)
    source_z = at(lambda z, r: exact.momentum_source(eta, z, r)[0], grid.zface_z, grid.zface_r)
    source_r = at(lambda z, r: exact.momentum_source(eta, z, r)[1], grid.rface_z, grid.rface_r)
    force_z = source_z.reshape(grid.zface_z.shape) * grid.zface_area * grid.zface_distance
    force_r = source_r.reshape(grid.rface_z.shape) * grid.rface_area * grid.rface_distance
    forced = ForcedStokes(eta, exact.pressure(exact.z_left, 0.0), exact.pressure(exact.z_right, 0.0),
                          tapered, force_z, force_r)
    model = system.model.replace(Stokes, forced)
    active = np.asarray(grid.active)
    pressure = jax.vmap(exact.pressure)(grid.cell_z.ravel(), grid.cell_r.ravel()).reshape(grid.shape)
    state = model.zero_state(grid.shape, 2)
    fields = dict(state)
    fields.update(velocity_z=jnp.where(active, u_z[:-1], 0.0), velocity_r=jnp.where(active, u_r[:, :-1], 0.0),
                  pressure=jnp.where(active, pressure, 0.0))
    sparsity = couplings(system.model.replace(Stokes, dataclasses.replace(stokes, tapered=tapered)), 2)  # the forces add none
    return system.replace(model=model), State(fields), sparsity


def flow_errors(refinement, tapered=True):
    """Volume-weighted RMS errors of ũ_z, ũ_r and P̃, relative to each exact field's largest value."""
    system, exact, sparsity = manufactured_problem(refinement, tapered)
    start = State({**dict(exact), "velocity_z": 0.0 * exact["velocity_z"], "velocity_r": 0.0 * exact["velocity_r"]})
    result = newton_solve(residual, start, system, NewtonOptions(), sparsity)
    assert bool(result.converged), f"Newton did not converge: {result.residual_history}"
    volume = jnp.where(np.asarray(system.grid.active), system.grid.volume, 0.0)
    rms = lambda e: float(jnp.sqrt(jnp.sum(volume * e**2) / jnp.sum(volume)))
    return {name: rms(result.state[name] - exact[name]) / float(jnp.abs(exact[name]).max())
            for name in ("velocity_z", "velocity_r", "pressure")}


def observed_orders(tapered=True, refinements=(1.0, 2.0)):
    errors = [flow_errors(k, tapered) for k in refinements]
    orders = {name: np.log(errors[0][name] / errors[1][name]) / np.log(refinements[1] / refinements[0])
              for name in errors[0]}
    for name in errors[0]:
        print(f"  {name}: relative L2 errors {[f'{e[name]:.3e}' for e in errors]}, observed order {orders[name]:.2f}")
    return orders


# --- manufactured flow --------------------------------------------------------------------------

def test_manufactured_flow_converges_at_second_order_on_a_30_degree_cone():
    print("\ncone 30°, PNP–Stokes, manufactured recirculating flow:")
    orders = observed_orders()
    assert min(orders.values()) >= MIN_ORDER


@pytest.mark.slow
def test_two_point_momentum_alone_is_inconsistent():
    """The same flow without the non-orthogonal parts: the error stalls above 100 % (order < 1),
    so the test above detects what they fix."""
    print("\ncone 30°, PNP–Stokes, orthogonal scheme on the tapered grid:")
    orders = observed_orders(tapered=False)
    assert max(orders["velocity_z"], orders["velocity_r"]) < 1.0


# --- pressure-driven flow -----------------------------------------------------------------------

LUBRICATION = validation_problems.catalogue()["F4"]  # a 1.4° cone, 5 → 10 nm over 200 nm, baths at its ends


def lubrication_error(refinement):
    got, solution = LUBRICATION.run(refinement)
    assert_volume_conserved(solution)
    return got / LUBRICATION.expected - 1.0


def assert_volume_conserved(solution):
    profile = np.asarray(solution.flow_profile)
    assert np.ptp(profile) <= 1e-10 * np.abs(profile).max()


def test_pressure_driven_flow_through_a_slender_cone_matches_lubrication():
    """Q = Δp / ((8η/π) ∫ dz/R⁴) within 0.3 % at the default mesh (measured +0.21 %)."""
    assert abs(lubrication_error(1.0)) <= 3e-3


@pytest.mark.slow
def test_lubrication_flow_rate_mesh_convergence():
    """Refinements 0.5, 1, 2: Q converges by itself at order ≥ 1.8 (its successive differences: the
    lubrication formula is not exact, so the error against it says nothing of the order), and the
    Richardson-extrapolated Q is within 1e-3 of lubrication (whose own error is ≈ 6e-4 here)."""
    errors = [lubrication_error(k) for k in (0.5, 1.0, 2.0)]
    order = np.log((errors[1] - errors[0]) / (errors[2] - errors[1])) / np.log(2.0)
    extrapolated = errors[2] + (errors[2] - errors[1]) / (2.0**order - 1.0)
    print(f"\nslender cone, Q/Q_lubrication − 1: {[f'{e:.2e}' for e in errors]}, observed order {order:.2f}, "
          f"extrapolated {extrapolated:.2e}")
    assert order >= MIN_ORDER and abs(extrapolated) <= 1e-3


# --- the demo cone ------------------------------------------------------------------------------

DEMO_CONE = pnp.Cone(10e-9, 200e-9, 2e-6, -0.05, pnp.Reservoirs(membrane_charge=-0.05))


def test_no_spurious_flow_in_the_charged_demo_cone_at_equilibrium():
    """V = 0, Δp = 0, equal baths, charged cone wall and membrane faces: |u| ≤ 1e-10 of the
    Smoluchowski velocity of 1 V/µm at ζ = kT/e (the body force and the pressure's tangential
    parts vanish exactly for uniform μ_i and P)."""
    solution = pnp.solve(DEMO_CONE, KCL, flow=True, mesh=pnp.Mesh(refinement=0.5))
    reference = abs(analytic.smoluchowski_velocity(0.0256926, 1e6))
    print(f"\ndemo cone at equilibrium: max |u| = {np.nanmax(np.abs(solution.velocity)) / reference:.2e} of the reference")
    assert np.nanmax(np.abs(solution.velocity)) <= 1e-10 * reference
    assert np.nanmax(solution.concentration("K+")) > 150.0  # the double layers are there


def test_electroosmosis_in_the_demo_cone_conserves_volume_and_current():
    """At 1 V: Q equal through every cross-section (1e-10), current conserved as without flow, and
    the counter-ions (K⁺, negative wall) drag the solvent along the field (tip → base)."""
    solution = pnp.solve(DEMO_CONE, KCL, 1.0, flow=True, mesh=pnp.Mesh(refinement=0.5))
    assert_volume_conserved(solution)
    assert solution.conservation_error < 1e-8
    assert solution.flow_rate > 0.0 and solution.current > 0.0


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pnp.guards.PhysicalLimitWarning")  # σ = −0.2: the wall concentration passes 5 M
@pytest.mark.parametrize("c, sigma", [(1.0, -0.2), (1000.0, -0.2), (1.0, -0.05), (1000.0, -0.05)])
def test_flow_in_the_demo_cone_converges_at_2_volts(c, sigma):
    """Robustness (issue: the demo cone with flow at ±2 V, 1 mM–1 M, σ down to −0.2 C/m²): the
    cone with its wall and membrane faces charged converges from 0 V to −2 V and +2 V in KCl (coarse
    mesh: robustness, not accuracy); Q is equal through every cross-section, current is
    conserved, and the counter-ions drag the solvent along the field, tip → base at +2 V."""
    cone = pnp.Cone(10e-9, 200e-9, 2e-6, sigma, pnp.Reservoirs(membrane_charge=sigma))
    iv = pnp.sweep(cone, pnp.Electrolyte.from_salts({"KCl": c}), [-2.0, 2.0], flow=True, mesh=pnp.Mesh(refinement=0.35))
    for solution in iv.solutions:
        assert_volume_conserved(solution)
        assert solution.conservation_error < 1e-8
        assert np.nanmin(solution.concentrations) > 0
    assert iv.flow_rates[0] < 0 < iv.flow_rates[1]
    assert iv.currents[0] < 0 < iv.currents[1]


def test_flow_rate_gradient_through_a_cone_matches_central_difference():
    """dQ/d(tip radius) of electro-osmosis plus pressure-driven flow through a charged cone, on a
    frozen mesh: the geometry enters the non-orthogonal parts too; central differences, 1e-5."""
    geometry = lambda tip: pnp.Cone(tip, 20e-9, 60e-9, -0.02, reservoirs=None)
    mesh = pnp.frozen_mesh(geometry(5e-9), KCL, mesh=pnp.Mesh(refinement=0.5))
    flow = lambda tip: pnp.solve(geometry(tip), KCL, 0.05, flow=True, pressure=1e4, mesh=mesh).flow_rate
    tip, step = 5e-9, 1e-13
    gradient = float(jax.grad(flow)(tip))
    difference = (flow(tip + step) - flow(tip - step)) / (2 * step)
    assert gradient == pytest.approx(difference, rel=1e-5)
    assert gradient > 0  # a wider tip, less resistance
