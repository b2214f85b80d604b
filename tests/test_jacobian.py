"""Colored-JVP block Jacobian (pnp.solver.jacobian) and the Newton iteration that uses it.

The block-tridiagonal Jacobian is assembled into a dense matrix and compared with a dense
reference: an analytic Jacobian for a synthetic 9-point-stencil residual (every diagonal
neighbour coupled, so a 5-point coloring would fail), and ``jax.jacfwd`` (plus central
finite differences) of the PNP residual on small 1D and 2D grids with random states.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pnp.physics import Parameters, System, residual
from pnp.solver import NewtonOptions, band_jacobian, newton_solve, pack

from helpers import (ACTIVE_2D, NODES_1D, R_2D, VALENCE, Z_2D, build_grid, dense_from_blocks, packed_residual,
                     to_state)


def block_jacobian(fun, x):
    """(fun(x), (lower, diag, upper)) from the colored band Jacobian."""
    value, matrix = band_jacobian(fun, x)
    return value, matrix.blocks()

# ---------------------------------------------------------------------------------------------
# A synthetic residual with a full 9-point stencil and its analytic Jacobian

def nine_point_problem(nz, nr, nc, seed=0):
    """R[i,j,a] = Σ_{|dz|,|dr|≤1} Σ_b C[dz,dr,i,j,a,b] sin(x[i+dz, j+dr, b]) (out-of-range terms dropped)."""
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=(3, 3, nz, nr, nc, nc))

    def fun(x):
        padded = jnp.pad(jnp.sin(x), ((1, 1), (1, 1), (0, 0)))
        out = jnp.zeros_like(x)
        for dz, dr in itertools.product((-1, 0, 1), repeat=2):
            neighbour = padded[1 + dz:1 + dz + nz, 1 + dr:1 + dr + nr]
            out = out + jnp.einsum("ijab,ijb->ija", coef[dz + 1, dr + 1], neighbour)
        return out

    def jacobian(x):
        jac = np.zeros((nz, nr, nc, nz, nr, nc))
        for i, j, dz, dr in itertools.product(range(nz), range(nr), (-1, 0, 1), (-1, 0, 1)):
            k, l = i + dz, j + dr
            if 0 <= k < nz and 0 <= l < nr:
                jac[i, j, :, k, l, :] = coef[dz + 1, dr + 1, i, j] * np.cos(x[k, l])[None, :]
        return jac.reshape(nz * nr * nc, nz * nr * nc)

    return fun, jacobian

@pytest.mark.parametrize("nz, nr, nc", [(1, 1, 1), (2, 2, 2), (3, 3, 1), (4, 2, 2), (7, 1, 2), (6, 5, 2)])
def test_nine_point_stencil_recovered_exactly(nz, nr, nc):
    fun, jacobian = nine_point_problem(nz, nr, nc, seed=nz * 10 + nr)
    x = np.random.default_rng(1).normal(size=(nz, nr, nc))
    value, (lower, diag, upper) = jax.jit(lambda s: block_jacobian(fun, s))(jnp.asarray(x))
    m = nr * nc
    assert lower.shape == diag.shape == upper.shape == (nz, m, m)
    np.testing.assert_allclose(np.asarray(value), np.asarray(fun(jnp.asarray(x))), rtol=1e-14, atol=1e-14)
    expected = jacobian(x)
    assert np.count_nonzero(expected) > 0
    np.testing.assert_allclose(dense_from_blocks(lower, diag, upper), expected, rtol=1e-13, atol=1e-14)
    # nothing leaks into the unused corner blocks
    assert np.all(np.asarray(lower[0]) == 0) and np.all(np.asarray(upper[-1]) == 0)

def test_diagonal_neighbour_couplings_are_not_aliased():
    """Only the (i+1, j+1) neighbour is coupled: its entry lands in upper[i] at (j, j+1) and nowhere else."""
    nz, nr = 6, 5

    def fun(x):  # R[i, j] = x[i+1, j+1]²
        shifted = jnp.pad(x[1:, 1:], ((0, 1), (0, 1), (0, 0)))
        return shifted**2

    x = np.random.default_rng(2).normal(size=(nz, nr, 1))
    _, (lower, diag, upper) = jax.jit(lambda s: block_jacobian(fun, s))(jnp.asarray(x))
    assert np.all(np.asarray(lower) == 0) and np.all(np.asarray(diag) == 0)
    expected = np.zeros((nz, nr, nr))
    for i in range(nz - 1):
        for j in range(nr - 1):
            expected[i, j, j + 1] = 2 * x[i + 1, j + 1, 0]
    np.testing.assert_allclose(np.asarray(upper), expected, rtol=1e-15)

# ---------------------------------------------------------------------------------------------
# The PNP residual

@pytest.fixture(scope="module")
def problems():
    g1 = build_grid(NODES_1D, [0.0, 1.0])
    g2 = build_grid(Z_2D, R_2D, ACTIVE_2D, coordinates="axisymmetric", top="wall")
    return {"1d": (g1, random_params(g1, 0)), "2d": (g2, random_params(g2, 1))}

def random_params(grid, seed):
    rng = np.random.default_rng(seed)
    nz, nr = grid.shape
    n = len(VALENCE)
    return Parameters(
        valence=jnp.asarray(VALENCE),
        diffusivity=jnp.asarray(rng.uniform(0.3, 2.0, (n, nz, nr))),
        excess_potential=jnp.asarray(rng.normal(size=(n, nz, nr))),
        permittivity=jnp.asarray(rng.uniform(20.0, 80.0, (nz, nr))),
        fixed_charge=jnp.asarray(rng.normal(size=(nz, nr))),
        zface_charge=jnp.asarray(rng.normal(size=(nz + 1, nr))),
        rface_charge=jnp.asarray(rng.normal(size=(nz, nr + 1))),
        left_concentration=jnp.array([1.0, 1.4, 0.2]),
        right_concentration=jnp.array([0.5, 0.9, 0.2]),
        left_potential=jnp.asarray(0.7),
        right_potential=jnp.asarray(-0.3),
        poisson_coefficient=jnp.asarray(4.2),
    )

RESIDUAL = jax.jit(packed_residual)

@jax.jit
def pnp_jacobians(state, grid, params):
    """Block Jacobian and the dense reference (jax.jacfwd), in one compilation."""
    n = state.size
    dense = jax.jacfwd(packed_residual)(state, grid, params).reshape(n, n)
    return (block_jacobian(lambda s: packed_residual(s, grid, params), state), packed_residual(state, grid, params),
            dense)

@pytest.mark.parametrize("case", ["1d", "2d"])
def test_pnp_block_jacobian_matches_jacfwd(problems, case):
    grid, params = problems[case]
    nz, nr = grid.shape
    rng = np.random.default_rng(3)
    states = [np.concatenate([rng.normal(size=(nz, nr, 1)), rng.normal(scale=0.7, size=(nz, nr, 3))], axis=-1)
              for _ in range(2)]
    extreme = states[1].copy()  # potential jumps of ±1000 kT/e: Bernoulli arguments far beyond ±700
    extreme[..., 0] = 1000.0 * (-1.0) ** np.add.outer(np.arange(nz), np.arange(nr))
    for state in states + [extreme]:
        (value, blocks), ref_value, dense = pnp_jacobians(jnp.asarray(state), grid, params)
        dense = np.asarray(dense)
        assert np.all(np.isfinite(dense))
        np.testing.assert_allclose(np.asarray(value), np.asarray(ref_value), rtol=1e-14, atol=1e-14)
        got = dense_from_blocks(*blocks)
        scale = np.abs(dense).max()
        np.testing.assert_allclose(got, dense, rtol=1e-12, atol=1e-14 * scale)
        # the residual's sparsity really is block tridiagonal: nothing outside the band
        assert np.all(dense[got == 0] == 0)
        # inactive cells: identity rows
        flat_active = np.repeat(np.asarray(grid.active).reshape(-1), 4)
        np.testing.assert_array_equal(got[~flat_active], np.eye(got.shape[0])[~flat_active])

def test_pnp_jacobian_matches_finite_differences(problems):
    grid, params = problems["2d"]
    rng = np.random.default_rng(4)
    state = np.concatenate([rng.normal(size=(5, 4, 1)), rng.normal(scale=0.7, size=(5, 4, 3))], axis=-1)
    direction = rng.normal(size=state.shape)
    (_, blocks), _, _ = pnp_jacobians(jnp.asarray(state), grid, params)
    jv = dense_from_blocks(*blocks) @ direction.reshape(-1)
    h = 1e-6
    fd = (np.asarray(RESIDUAL(jnp.asarray(state + h * direction), grid, params))
          - np.asarray(RESIDUAL(jnp.asarray(state - h * direction), grid, params))) / (2 * h)
    np.testing.assert_allclose(jv, fd.reshape(-1), rtol=1e-6, atol=1e-7 * np.abs(jv).max())

# ---------------------------------------------------------------------------------------------
# Newton

C_BATH = np.array([1.0, 3.0, 1.0])  # K⁺-like, Cl⁻-like, Mg²⁺-like: 1 − 3 + 2 = 0

@pytest.fixture(scope="module")
def charged_wall():
    """A 1D charged wall (σ̃ = −300, about −0.07 C/m²) facing a bath, from a uniform start."""
    grid = build_grid(NODES_1D, [0.0, 1.0], left="wall", right="bath")
    n = len(VALENCE)
    params = Parameters(
        valence=jnp.asarray(VALENCE), diffusivity=jnp.ones((n, 7, 1)), excess_potential=jnp.zeros((n, 7, 1)),
        permittivity=jnp.full((7, 1), 78.0, dtype=jnp.float64), fixed_charge=jnp.zeros((7, 1)),
        zface_charge=jnp.zeros((8, 1)).at[0, 0].set(-300.0), rface_charge=jnp.zeros((7, 2)),
        left_concentration=jnp.asarray(C_BATH), right_concentration=jnp.asarray(C_BATH),
        left_potential=jnp.asarray(0.0), right_potential=jnp.asarray(0.0), poisson_coefficient=jnp.asarray(4.2),
    )
    start = np.zeros((7, 1, 4))
    start[..., 1:] = np.log(C_BATH)
    return grid, params, jnp.asarray(start)

def newton(start, grid, params, options=NewtonOptions()):
    """Plain PNP Newton from a packed start; the result's state packed again."""
    result = newton_solve(residual, to_state(start), System(grid, params), options)
    return result.replace(state=pack(result.state))


def test_newton_converges_quadratically(charged_wall):
    grid, params, start = charged_wall
    result = newton(start, grid, params)
    k = int(result.iterations)
    history = np.asarray(result.residual_history)
    assert bool(result.converged) and 3 <= k < 40
    assert np.all(np.isfinite(history[:k])) and np.all(np.isnan(history[k:]))
    # quadratic convergence: log r_{k+1} / log r_k ≈ 2 once r is small (above the roundoff floor)
    tail = [(a, b) for a, b in zip(history[:k - 1], history[1:k]) if a < 1e-2 and b > 1e-14]
    assert len(tail) >= 2
    ratios = [np.log(b) / np.log(a) for a, b in tail]
    assert all(1.6 < r < 2.6 for r in ratios), (history[:k], ratios)
    # the converged state, checked independently: Boltzmann equilibrium with the bath, and
    # a vanishing residual
    state = np.asarray(result.state)
    phi, log_c = state[..., 0], state[..., 1:]
    np.testing.assert_allclose(log_c, np.log(C_BATH) - VALENCE * phi[..., None], atol=1e-10)
    assert phi[0, 0] < -1.0  # a strongly negative wall potential (several kT/e)
    assert np.all(np.diff(phi[:, 0]) > 0)
    r = np.asarray(RESIDUAL(result.state, grid, params))
    assert np.max(np.abs(r)) < 1e-8

def test_newton_reports_failure_without_raising(charged_wall):
    grid, params, start = charged_wall
    result = newton(start, grid, params, NewtonOptions(max_iterations=1, linear_solver="thomas"))
    assert not bool(result.converged)
    assert int(result.iterations) == 1
    assert np.all(np.isfinite(np.asarray(result.state)))
    assert np.isfinite(float(result.residual_history[0]))
    assert not np.allclose(np.asarray(result.state), np.asarray(start))  # the one step was taken


def _cone_problem():
    import pnp
    from pnp.problem import build_problem

    bath = pnp.Electrolyte.from_salts({"KCl": 10.0, "MgCl2": 5.0})
    cone = pnp.Cone(3e-9, 20e-9, 100e-9, -0.05,
                    reservoirs=pnp.Reservoirs(60e-9, 60e-9, membrane_charge=-0.02))
    problem = build_problem(cone, bath, 0.3, right=bath.scaled(0.3), mesh=pnp.Mesh(refinement=0.3))
    return problem.grid, problem.parameters


@pytest.mark.parametrize("case", ["1d", "2d", "cone"])
def test_pnp_jacobian_fits_the_five_point_pnp_pattern(problems, case):
    """The 5-coloring recovers the full 9-point band exactly, and the PNP Jacobian has no entry
    outside the sparse "pnp" pattern (tapered mapped grid, 3 ions, charged walls and membrane)."""
    from pnp.linalg import Couplings
    from pnp.linalg.host_sparse import csr_structure
    from pnp.physics import PNP
    from pnp.steady import couplings

    grid, params = _cone_problem() if case == "cone" else problems[case]
    nz, nr = grid.shape
    n = len(np.asarray(params.valence))
    rng = np.random.default_rng(5)
    state = jnp.asarray(np.concatenate([rng.normal(size=(nz, nr, 1)), rng.normal(scale=0.7, size=(nz, nr, n))], -1))
    derived = couplings(PNP, n)
    assert not derived.nine_point  # the two-point residual: the five-point coloring applies
    bands = jax.jit(lambda s: [band_jacobian(lambda x: packed_residual(x, grid, params), s, c)[1].values
                               for c in (Couplings.full(n + 1), derived)])
    nine, five = (np.asarray(b) for b in bands(state))
    np.testing.assert_allclose(five, nine, rtol=1e-13, atol=1e-13 * np.abs(nine).max())
    inside = np.zeros(nine.size, bool)
    inside[csr_structure(nz, nr, derived)[0]] = True
    assert np.abs(nine.ravel()[inside]).max() > 0
    assert np.all(nine.ravel()[~inside] == 0)


def test_newton_norms_are_per_field_scaled(charged_wall):
    """``scale`` divides each field's step and residual components: with scale s on the
    log-concentrations the first residual norm is max(‖r_φ‖∞, ‖r_u‖∞ / s) of the row-equilibrated
    residual and the first step norm max(‖δφ‖∞, ‖δu‖∞ / s); both runs still converge."""
    from pnp.linalg.band import equilibrate
    from pnp.physics import State
    from pnp.solver import newton_step

    grid, params, start = charged_wall
    system = System(grid, params)
    plain = newton_solve(residual, to_state(start), system, NewtonOptions())
    scale = State(potential=1.0, log_concentration=1e3)
    scaled = newton_solve(residual, to_state(start), system, NewtonOptions(), scale=scale)
    value, band = band_jacobian(lambda x: packed_residual(x, grid, params), start)
    _, rhs = equilibrate(band, -value)
    rhs = np.abs(np.asarray(rhs))
    expected = max(rhs[..., 0].max(), rhs[..., 1:].max() / 1e3)
    assert float(scaled.residual_history[0]) == pytest.approx(expected, rel=1e-12)
    assert float(plain.residual_history[0]) == pytest.approx(rhs.max(), rel=1e-12)
    delta, _ = newton_step(residual, to_state(start), system, NewtonOptions())
    step = max(float(np.abs(delta.potential).max()), float(np.abs(delta.log_concentration).max()) / 1e3)
    assert float(scaled.step_history[0]) == pytest.approx(step, rel=1e-12)
    assert bool(plain.converged) and bool(scaled.converged)


def _linear_follower(y, args):
    """a = 1, and b = args · a: b enters linearly and follows a."""
    return y.replace(a=y.a - 1.0, b=y.b - args * y.a)


def _no_root(y, args):
    """e^u + 1 = 0 has no root: Newton drives u down without end, its update growing as e^−u."""
    return y.replace(u=jnp.exp(y.u) + args)


def test_newton_step_limit_is_measured_on_the_limited_fields_only():
    """``limited`` excludes a field from the step limit (max_step = 4): b's first update, 1000, no
    longer damps the whole step, so Newton converges in two iterations; measured on every field
    the damped steps creep (4/1000 of the way each) and 40 iterations are not enough."""
    from pnp.physics import State

    start = State(a=jnp.zeros((3, 2)), b=jnp.zeros((3, 2)))
    creeping = newton_solve(_linear_follower, start, 1000.0, NewtonOptions())
    following = newton_solve(_linear_follower, start, 1000.0, NewtonOptions(), limited=State(a=True, b=False))
    assert not bool(creeping.converged) and int(creeping.iterations) == NewtonOptions().max_iterations
    assert bool(following.converged) and int(following.iterations) == 2
    np.testing.assert_allclose(np.asarray(following.state.b), 1000.0, rtol=1e-12)


def test_newton_stops_when_its_damped_update_grows_geometrically():
    """No root (e^u + 1 = 0): each damped step lowers u by max_step = 4, so the update grows by
    e⁴ ≈ 55 an iteration; Newton gives up after three tenfold growths instead of spending all
    40 iterations, with a finite state and the history of what it did."""
    from pnp.physics import State

    result = newton_solve(_no_root, State(u=jnp.zeros((2, 2))), 1.0, NewtonOptions())
    steps = np.asarray(result.step_history)[:int(result.iterations)]
    assert not bool(result.converged)
    assert int(result.iterations) <= 6
    assert np.all(steps[-3:] / steps[-4:-1] > 10.0)
    assert np.all(np.isfinite(np.asarray(result.state.u)))
