"""Adding physics is one term in one file (issue: one solver core for more physics).

A toy state-dependent potential of mean force — lattice (Bikerman) crowding,
μ_i/kT = −ln[(1 − v Σ_k c̃_k) / (1 − v Σ_k c̃_k,bath)] — is written below as one registered
:class:`~pnp.physics.Drive` and used with no edit anywhere else:

* its assembled Jacobian (colored JVPs with the couplings derived from the residual) equals
  ``jax.jacfwd`` on 1D and 2D grids, and the derived couplings include the cross-species
  neighbour couplings plain PNP does not have;
* ``pnp.solve(..., terms=(Crowding(v),))`` reproduces the modified Grahame equation of the
  Bikerman model (Kilic, Bazant & Ajdari, PRE 75, 021502 (2007)):
  σ = sgn(ψ₀) √(2 ε · (2 c₀ kT/ν) ln(1 + 2ν sinh²(eψ₀/2kT))), ν = v Σ c̃_bath,
  which reduces to Gouy–Chapman as ν → 0;
* ``jax.grad`` through ``pnp.solve`` reaches the term's parameter (implicit derivatives).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

import pnp
from pnp.constants import AVOGADRO, BOLTZMANN, ELEMENTARY_CHARGE, VACUUM_PERMITTIVITY
from pnp.linalg.host_sparse import csr_structure
from pnp.physics import PNP, Drive, System, register_term, residual
from pnp.solver import band_jacobian, pack, unpack
from pnp.steady import couplings

from helpers import ACTIVE_2D, NODES_1D, R_2D, Z_2D, build_grid


@register_term
class Crowding(Drive):
    """μ_i/kT = −ln[(1 − v Σ c̃) / (1 − v Σ c̃_bath)] for every species (v: volume per ion × c₀)."""

    volume: float

    def potential(self, ctx):
        bath = ctx.params.left_concentration.sum()
        packing = self.volume * ctx.concentration.sum(axis=0)
        return jnp.broadcast_to(-jnp.log1p(-packing) + jnp.log1p(-self.volume * bath), ctx.concentration.shape)

    def at_rest(self):
        return Crowding(0.0)


MODEL = PNP.add(Crowding(0.05))


def random_system(grid, seed, model=MODEL):
    """(random state, system on ``grid`` with random positive parameters), three species."""
    _, probe = model.probe(3, seed=seed)
    nz, nr = grid.shape
    rng = np.random.default_rng(seed)
    uniform = lambda *shape: jnp.asarray(rng.uniform(0.5, 1.5, shape))
    params = probe.parameters.replace(
        diffusivity=uniform(3, nz, nr), excess_potential=uniform(3, nz, nr), permittivity=uniform(nz, nr),
        fixed_charge=uniform(nz, nr), zface_charge=uniform(nz + 1, nr), rface_charge=uniform(nz, nr + 1),
        left_concentration=uniform(3), right_concentration=uniform(3))
    state = jax.tree_util.tree_map(lambda leaf: jnp.asarray(rng.normal(scale=0.5, size=leaf.shape)),
                                   model.zero_state(grid.shape, 3))
    return state, System(grid, params, model)


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_toy_term_jacobian_matches_jacfwd(case):
    grid = (build_grid(NODES_1D, [0.0, 1.0]) if case == "1d"
            else build_grid(Z_2D, R_2D, ACTIVE_2D, coordinates="axisymmetric", top="wall"))
    state, system = random_system(grid, seed=3)
    derived = couplings(MODEL, 3)

    @jax.jit
    def jacobians(x):
        fun = lambda s: pack(residual(unpack(s, state), system))
        n = x.size
        return band_jacobian(fun, x, derived)[1], jax.jacfwd(fun)(x).reshape(n, n)

    x = pack(state)
    band, dense = jacobians(x)
    nz, nr = grid.shape
    gather, rows, cols, _ = csr_structure(nz, nr, derived)
    assembled = np.zeros_like(np.asarray(dense))
    assembled[rows, cols] = np.asarray(band.values).ravel()[gather]
    np.testing.assert_allclose(assembled, np.asarray(dense), rtol=1e-12, atol=1e-13 * np.abs(dense).max())
    assert np.count_nonzero(np.asarray(dense)) > 0


def test_derived_couplings_follow_the_residual():
    """Crowding couples every species to every other species' neighbours; plain PNP couples a species
    only to itself and the potential there. Nobody wrote either pattern down."""
    plain, crowded = couplings(PNP, 3), couplings(MODEL, 3)
    mask_plain, mask_crowded = np.asarray(plain.mask), np.asarray(crowded.mask)
    assert not mask_plain[0, 1, 1, 2] and mask_crowded[0, 1, 1, 2]  # ∂R[c₂]/∂u₁ of the neighbour at dz = −1
    assert np.all(mask_crowded >= mask_plain)
    assert not plain.nine_point and not crowded.nine_point


def bikerman_wall_potential(sigma, c0, nu, temperature=298.15, eps_r=78.5):
    """ψ₀ (V) of the Bikerman model for a 1:1 salt (modified Grahame equation)."""
    kt = BOLTZMANN * temperature
    n0 = c0 * AVOGADRO
    eps = VACUUM_PERMITTIVITY * eps_r
    e = ELEMENTARY_CHARGE

    def grahame(psi):
        return np.sign(psi) * np.sqrt(2 * eps * (2 * n0 * kt / nu) * np.log1p(2 * nu * np.sinh(e * psi / (2 * kt))**2))

    return brentq(lambda psi: grahame(psi) - sigma, -1.0, 1.0, xtol=1e-15)


KCL = pnp.Electrolyte({"K+": 100.0, "Cl-": 100.0})


@pytest.mark.parametrize("nu", [0.05, 0.3])
def test_crowding_term_reproduces_the_modified_grahame_equation(nu):
    """σ = −0.2 C/m² in 100 mM KCl: ψ₀ of the lattice model within 0.1 % (mesh refinement 2),
    against −135.5 mV of plain Gouy–Chapman at this charge."""
    volume = nu / 2.0  # ν = v Σ c̃_bath, Σ c̃_bath = 2 (c₀ = 100 mM is the concentration scale)
    sol = pnp.solve(pnp.ChargedWall(-0.2), KCL, terms=(Crowding(volume),), mesh=pnp.Mesh(refinement=2))
    psi0 = float(sol.wall_potential()[2][0])
    expected = bikerman_wall_potential(-0.2, 100.0, nu)
    print(f"ν = {nu}: ψ₀ = {psi0 * 1e3:.4f} mV, Bikerman {expected * 1e3:.4f} mV")
    assert psi0 == pytest.approx(expected, rel=1e-3)
    packing = volume * np.nansum(sol.concentrations, axis=0) / 100.0
    assert np.nanmax(packing) < 1.0  # crowding caps the counter-ion concentration at the wall


def test_gradient_through_solve_reaches_the_term_parameter():
    """d ψ₀ / d v through pnp.solve (implicit derivative of the model's leaf) = central difference."""
    mesh = pnp.Mesh(refinement=0.5)

    def wall(volume):
        return pnp.solve(pnp.ChargedWall(-0.2), KCL, terms=(Crowding(volume),), mesh=mesh).wall_potential()[2][0]

    v, h = 0.1, 1e-5
    grad = float(jax.grad(wall)(v))
    fd = (float(wall(v + h)) - float(wall(v - h))) / (2 * h)
    print(f"dψ₀/dv: adjoint {grad:.10e}, central difference {fd:.10e}")
    assert grad == pytest.approx(fd, rel=1e-5)
