"""Manufactured solutions on tapered (mapped, non-orthogonal) grids: observed order of accuracy.

A smooth exact solution is imposed on pnp's own cone grids (graded toward walls and mouths,
with and without reservoirs) by adding, as one extra term, the source it needs in every cell;
the discrete solution must converge to it at second order: observed order ≥ 1.8 between mesh
refinements 1 and 2 (volume-weighted L2 error over all active cells). The 30° cases run by
default, the others with `-m slow`. Two-point fluxes alone
converge to a wrong answer on these grids (they drop the tangential part of the gradient), so
these tests fail without the terms of :mod:`pnp.physics.skew` (checked by
``test_two_point_fluxes_alone_are_inconsistent``).

Exact solutions, in grid units (nm, kT/e), ζ = (z − z_left)/(z_right − z_left):

* potential φ = 1 − 2ζ + 2ζ(1 − ζ) h(z) cos(π r / r_max): the bath values on both bath planes,
  ∂φ/∂r = 0 on the axis and on the reservoirs' outer walls (closed faces), and a nonzero
  normal derivative on the walls, imposed there as the wall charge σ̃ = ε ∇φ·n_out; h = 1
  without reservoirs, else a C³ step S(z / L) from 0 at the tip to 1 at the base, so that φ
  does not depend on r in the left reservoir (narrower than r_max, the right one's radius);
* species (drift–diffusion) c_i = u_i e^{−z_i φ}, with Slotboom variables
  u_i = 1 + a_i S(t) + b_i B(t) cos(π ξ) in the channel: ρ the distance from the cone's apex,
  t = (ρ − ρ_mouth)/(ρ_base − ρ_mouth), ξ = r / R(z), S a C³ smooth step and B a C³ bump. ρ and
  ξ are the cone's own coordinates, so ∇u·n = 0 on the cone wall; u is constant on the bath
  planes and in the reservoirs, so the flux J_i = −D_i e^{−ψ_i} ∇u_i vanishes on every wall.

Sources: −∇·(ε∇φ) − Γ Σ z_i c_i and ∇·J_i at the cell centroids (derivatives by jax), times
the cell volume.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pnp
from pnp.grid.mesh import FaceKind
from pnp.grid.skew import unit_normals
from pnp.physics.electrostatics import Displacement, SurfaceCharge
from pnp.physics.model import PNP, Model, residual
from pnp.physics.skew import SkewDisplacement, SkewTransport
from pnp.physics.state import State
from pnp.physics.term import Term, register_term
from pnp.problem import build_problem
from pnp.solver.newton import NewtonOptions, newton_solve
from pnp.steady import couplings

KCL = pnp.Electrolyte.from_salts({"KCl": 100.0})
SLOTBOOM_STEP = (0.5, -0.3)  # a_i (K⁺, Cl⁻)
SLOTBOOM_BUMP = (0.3, 0.2)  # b_i
MIN_ORDER = 1.8


@register_term
class ManufacturedSource(Term):
    """The production that makes a manufactured solution exact: {field: per-cell production}."""

    potential: jax.Array
    log_concentration: jax.Array | None = None

    def sources(self, ctx):
        out = {"potential": -self.potential}
        if self.log_concentration is not None:
            out["log_concentration"] = -self.log_concentration
        return out


def cone(taper_degrees, tip=5e-9, length=100e-9):
    """(tip radius, base radius, length, reservoirs) of a cone without reservoirs (m)."""
    return tip, tip + length * np.tan(np.radians(taper_degrees)), length, None


DEMO = (10e-9, 200e-9, 2e-6, pnp.Reservoirs())  # demo_cone.toml's shape, with its default reservoirs
CASES = {"cone 5°": cone(5.0), "cone 15°": cone(15.0), "cone 30°": cone(30.0), "demo cone with reservoirs": DEMO}


def case_names(default_run=()):
    """The cases, those not in ``default_run`` marked slow (about a minute each on 2 cores)."""
    return [name if name in default_run else pytest.param(name, marks=pytest.mark.slow) for name in CASES]


class Exact:
    """The manufactured fields of the module docstring on one grid (grid units)."""

    def __init__(self, shape, grid):
        self.tip, self.base, self.length = (x / 1e-9 for x in shape[:3])
        self.z_left, self.z_right = float(jnp.min(grid.vertex_z)), float(jnp.max(grid.vertex_z))
        self.r_max = float(jnp.max(grid.vertex_r))
        apex = -self.tip * self.length / (self.base - self.tip)
        self.apex = apex
        self.rho_mouth = float(np.hypot(apex, self.tip))  # the tip mouth's rim: u = 1 up to here
        self.rho_base = self.length - apex  # the base plane's centre: u = 1 + a from here

    def potential(self, z, r):
        zeta = (z - self.z_left) / (self.z_right - self.z_left)
        radial = jnp.cos(jnp.pi * r / self.r_max)
        if self.z_left < 0.0:  # a left reservoir, narrower than r_max: no radial part up to the tip
            radial = radial * smooth_step(z / self.length)
        return 1.0 - 2.0 * zeta + 2.0 * zeta * (1.0 - zeta) * radial

    def slotboom(self, z, r, step, bump):
        rho = jnp.sqrt((z - self.apex) ** 2 + r**2)
        t = (rho - self.rho_mouth) / (self.rho_base - self.rho_mouth)
        t = jnp.where(z < 0.0, -1.0, jnp.where(z > self.length, 2.0, t))  # reservoirs: constant
        s = jnp.clip(t, 0.0, 1.0)
        smooth_bump = 256.0 * s**4 * (1.0 - s) ** 4
        inside = (z >= 0.0) & (z <= self.length)
        radius = jnp.where(inside, self.tip + (self.base - self.tip) * z / self.length, 1.0)
        return 1.0 + step * smooth_step(t) + bump * smooth_bump * jnp.cos(jnp.pi * r / radius)

    def log_concentration(self, z, r, valence, step, bump):
        return jnp.log(self.slotboom(z, r, step, bump)) - valence * self.potential(z, r)


def smooth_step(t):
    """0 for t ≤ 0, 1 for t ≥ 1, C³ in between: s⁴ (35 − 84 s + 70 s² − 20 s³)."""
    s = jnp.clip(t, 0.0, 1.0)
    return s**4 * (35.0 - 84.0 * s + 70.0 * s**2 - 20.0 * s**3)


def _divergence(flux):
    """∇·F of a vector field F(z, r) = (F_z, F_r) in axisymmetric coordinates, at a point."""
    def div(z, r):
        dfz_dz = jax.jacfwd(lambda zz: flux(zz, r)[0])(z)
        dfr_dr = jax.jacfwd(lambda rr: flux(z, rr)[1])(r)
        return dfz_dz + dfr_dr + flux(z, r)[1] / r
    return jax.vmap(div)


def _gradient(f):
    return lambda z, r: jnp.stack(jax.grad(f, argnums=(0, 1))(z, r))


def _wall_charges(grid, eps, potential):
    """σ̃ = ε ∇φ·n_out on wall faces (0 elsewhere) from the exact potential."""
    active = np.asarray(grid.active)
    normals = unit_normals(grid)
    out = []
    for axis, kind, mid_z, mid_r, normal in ((0, grid.zface_kind, grid.zface_z, grid.zface_r, normals[0]),
                                             (1, grid.rface_kind, grid.rface_z, grid.rface_r, normals[1])):
        before = np.concatenate([np.zeros_like(np.take(active, [0], axis=axis)), active], axis=axis)
        sign = np.where(before, 1.0, -1.0)  # the fluid is on the − side: n_out = +n
        grad = jax.vmap(_gradient(potential))(mid_z.ravel(), mid_r.ravel()).reshape(*mid_z.shape, 2)
        along = sign * (grad[..., 0] * normal[0] + grad[..., 1] * normal[1])
        out.append(jnp.where(np.asarray(kind) == FaceKind.WALL, eps * along, 0.0))
    return out


def manufactured_system(shape, refinement, with_species, consistent=True):
    """(system, exact state, couplings) of the manufactured problem on pnp's grid of the cone
    ``shape`` = (tip radius, base radius, length, reservoirs); ``consistent=False``: two-point
    fluxes only (no skew terms)."""
    geometry = pnp.Cone(*shape[:3], 0.0, reservoirs=shape[3])
    problem = build_problem(geometry, KCL, 0.0, mesh=pnp.Mesh(refinement=refinement))
    system, grid, params = problem.system, problem.grid, problem.system.parameters
    exact = Exact(shape, grid)
    eps = float(params.permittivity[0, 0])
    gamma = params.poisson_coefficient
    cz, cr = grid.cell_z.ravel(), grid.cell_r.ravel()
    cell = lambda a: a.reshape(grid.shape)
    valence, diffusivity = params.valence, params.diffusivity[:, 0, 0]
    species = range(valence.shape[0])
    log_c = [lambda z, r, i=i: exact.log_concentration(z, r, valence[i], SLOTBOOM_STEP[i], SLOTBOOM_BUMP[i])
             for i in species]
    laplacian = _divergence(lambda z, r: eps * _gradient(exact.potential)(z, r))
    source_phi = -laplacian(cz, cr)
    if with_species:
        charge = sum(valence[i] * jnp.exp(jax.vmap(log_c[i])(cz, cr)) for i in species)
        source_phi = source_phi - gamma * charge

        def flux(i):  # J = −D (∇c + c z ∇φ) = −D c ∇(log c + z φ)
            return lambda z, r: -diffusivity[i] * jnp.exp(log_c[i](z, r)) * _gradient(
                lambda zz, rr: log_c[i](zz, rr) + valence[i] * exact.potential(zz, rr))(z, r)

        source_c = jnp.stack([cell(_divergence(flux(i))(cz, cr)) * grid.volume for i in species])
        model = PNP.add(SkewDisplacement(), SkewTransport())
        source = ManufacturedSource(cell(source_phi) * grid.volume, source_c)
        log_c_left = jnp.stack([log_c[i](exact.z_left, 0.0) for i in species])
        log_c_right = jnp.stack([log_c[i](exact.z_right, 0.0) for i in species])
        params = params.replace(left_concentration=jnp.exp(log_c_left), right_concentration=jnp.exp(log_c_right))
    else:
        model = Model((Displacement(), SurfaceCharge()) + ((SkewDisplacement(),) if consistent else ()))
        source = ManufacturedSource(cell(source_phi) * grid.volume)
    zface_charge, rface_charge = _wall_charges(grid, eps, exact.potential)
    params = params.replace(zface_charge=zface_charge, rface_charge=rface_charge,
                            left_potential=exact.potential(exact.z_left, 0.0),
                            right_potential=exact.potential(exact.z_right, 0.0))
    active = np.asarray(grid.active)
    fields = {"potential": jnp.where(active, cell(jax.vmap(exact.potential)(cz, cr)), 0.0)}
    if with_species:
        fields["log_concentration"] = jnp.where(active, jnp.stack([cell(jax.vmap(f)(cz, cr)) for f in log_c]), 0.0)
    sparsity = couplings(model, valence.shape[0])
    return system.replace(parameters=params, model=model.add(source)), State(fields), sparsity


def l2_errors(shape, refinement, with_species, consistent=True):
    """Volume-weighted RMS error of each field of the discrete solution against the exact one."""
    system, exact, sparsity = manufactured_system(shape, refinement, with_species, consistent)
    result = newton_solve(residual, exact, system, NewtonOptions(), sparsity)
    assert bool(result.converged), f"Newton did not converge: {result.residual_history}"
    volume = jnp.where(np.asarray(system.grid.active), system.grid.volume, 0.0)
    rms = lambda e: float(jnp.sqrt(jnp.sum(volume * e**2) / jnp.sum(volume)))
    errors = {"potential": rms(result.state["potential"] - exact["potential"])}
    if with_species:
        for i, name in enumerate(("K+", "Cl-")):
            errors[name] = rms(result.state["log_concentration"][i] - exact["log_concentration"][i])
    return errors


def observed_orders(shape, with_species, refinements=(1.0, 2.0), consistent=True):
    errors = [l2_errors(shape, k, with_species, consistent) for k in refinements]
    orders = {name: np.log(errors[0][name] / errors[1][name]) / np.log(refinements[1] / refinements[0])
              for name in errors[0]}
    for name in errors[0]:
        print(f"  {name}: L2 errors {[f'{e[name]:.3e}' for e in errors]}, observed order {orders[name]:.2f}")
    return orders


@pytest.mark.parametrize("name", case_names(default_run=("cone 30°",)))
def test_poisson_converges_at_second_order_on_tapered_grids(name):
    print(f"\n{name}, Poisson with wall data:")
    orders = observed_orders(CASES[name], with_species=False)
    assert orders["potential"] >= MIN_ORDER


@pytest.mark.parametrize("name", case_names(default_run=("cone 30°",)))
def test_drift_diffusion_converges_at_second_order_on_tapered_grids(name):
    print(f"\n{name}, Poisson–Nernst–Planck (drift–diffusion):")
    orders = observed_orders(CASES[name], with_species=True)
    assert min(orders.values()) >= MIN_ORDER


def test_two_point_fluxes_alone_are_inconsistent():
    """The same Poisson test without the skew terms: the error stalls (observed order < 1),
    so the tests above detect the inconsistency they guard against."""
    print("\ncone 30°, Poisson, two-point fluxes only:")
    orders = observed_orders(CASES["cone 30°"], with_species=False, consistent=False)
    assert orders["potential"] < 1.0
