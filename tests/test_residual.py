"""PNP finite-volume residual (pnp.physics.residual) against an independent loop implementation
and exact discrete properties: Bernoulli function, uniform baths, Scharfetter–Gummel exactness
for Boltzmann equilibria and for constant-flux profiles, global conservation, wall charge.

Grids are nondimensional; Parameters are built by hand with random positive fields so that
every term (harmonic face means, excess potentials, fixed charge, bath values) matters.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pnp.grid import FaceKind
from pnp.physics import Parameters, bernoulli, space_charge, species_fluxes, wall_charge

from helpers import packed_residual, pnp_context

RESIDUAL = jax.jit(packed_residual)
BERNOULLI = jax.jit(bernoulli)
SPECIES_FLUXES = jax.jit(lambda state, grid, params: species_fluxes(pnp_context(state, grid, params)))
WALL_CHARGE = jax.jit(wall_charge)
GAMMA = 4.2  # Γ for c₀ = 10 mM, L₀ = 1 nm
VALENCE = np.array([1.0, -1.0, 2.0])

from helpers import ACTIVE_2D, NODES_1D, R_2D, VALENCE, Z_2D, build_grid


@pytest.fixture(scope="module")
def grid_1d():  # = line(NODES_1D): unit cross-section, baths at both ends
    return build_grid(NODES_1D, [0.0, 1.0])


@pytest.fixture(scope="module")
def grid_2d():
    return build_grid(Z_2D, R_2D, ACTIVE_2D, coordinates="axisymmetric", bottom="closed", top="wall")


@pytest.fixture(scope="module")
def wall_1d():  # = line(NODES_1D, left="wall")
    return build_grid(NODES_1D, [0.0, 1.0], left="wall", right="bath")


def make_params(grid, *, seed=0, uniform=False, c_left=(1.0, 1.4, 0.2), c_right=(0.5, 0.9, 0.2),
                v_left=0.7, v_right=-0.3, sigma=None):
    """Parameters with random fields (or the plain uniform problem with ``uniform``)."""
    rng = np.random.default_rng(seed)
    nz, nr = grid.shape
    n = len(VALENCE)
    if uniform:
        return Parameters(
            valence=jnp.asarray(VALENCE), diffusivity=jnp.ones((n, nz, nr)), excess_potential=jnp.zeros((n, nz, nr)),
            permittivity=jnp.full((nz, nr), 78.0, dtype=jnp.float64), fixed_charge=jnp.zeros((nz, nr)),
            zface_charge=jnp.zeros((nz + 1, nr)), rface_charge=jnp.zeros((nz, nr + 1)),
            left_concentration=jnp.asarray(c_left), right_concentration=jnp.asarray(c_left),
            left_potential=jnp.asarray(0.0), right_potential=jnp.asarray(0.0), poisson_coefficient=jnp.asarray(GAMMA),
        )
    zc = rng.normal(size=(nz + 1, nr)) if sigma is None else np.full((nz + 1, nr), sigma)
    rc = rng.normal(size=(nz, nr + 1)) if sigma is None else np.full((nz, nr + 1), sigma)
    return Parameters(
        valence=jnp.asarray(VALENCE),
        diffusivity=jnp.asarray(rng.uniform(0.3, 2.0, (n, nz, nr))),
        excess_potential=jnp.asarray(rng.normal(size=(n, nz, nr))),
        permittivity=jnp.asarray(rng.uniform(20.0, 80.0, (nz, nr))),
        fixed_charge=jnp.asarray(rng.normal(size=(nz, nr))),
        zface_charge=jnp.asarray(zc),
        rface_charge=jnp.asarray(rc),
        left_concentration=jnp.asarray(c_left),
        right_concentration=jnp.asarray(c_right),
        left_potential=jnp.asarray(v_left),
        right_potential=jnp.asarray(v_right),
        poisson_coefficient=jnp.asarray(GAMMA),
    )


def random_state(grid, seed=1):
    rng = np.random.default_rng(seed)
    nz, nr = grid.shape
    return np.concatenate([rng.normal(size=(nz, nr, 1)), rng.normal(scale=0.7, size=(nz, nr, len(VALENCE)))], axis=-1)


# ---------------------------------------------------------------------------------------------
# Independent reference: explicit loops over faces, textbook SG flux.


def b_exact(x):
    """x / (eˣ − 1) in plain floating point (x e^{−x} where eˣ would overflow)."""
    if x == 0:
        return 1.0
    return x / math.expm1(x) if x < 700 else x * math.exp(-x)


def harmonic(a, b):
    return 2 * a * b / (a + b)


def reference_parts(state, grid, p):
    """Loop implementation of the residual; returns (residual, bath fluxes, wall charge per cell).

    Bath fluxes: (field, species[N]) summed over left bath faces (into the domain, +z) and right
    bath faces (out of the domain, +z).
    """
    state = np.asarray(state)
    nz, nr, nc = state.shape
    n = nc - 1
    phi, conc = state[..., 0], np.exp(state[..., 1:])
    z = np.asarray(p.valence)
    eps, dif, mu = np.asarray(p.permittivity), np.asarray(p.diffusivity), np.asarray(p.excess_potential)
    active = np.asarray(grid.active)
    res = np.zeros_like(state)
    wall = np.zeros((nz, nr))
    baths = {"left": np.zeros(1 + n), "right": np.zeros(1 + n)}
    bath_c = {"left": np.asarray(p.left_concentration), "right": np.asarray(p.right_concentration)}
    bath_v = {"left": float(p.left_potential), "right": float(p.right_potential)}

    def couple(a, b, t):  # flux from cell a to cell b (+ direction), both active
        f = harmonic(eps[a], eps[b]) * t * (phi[a] - phi[b])
        res[a + (0,)] += f
        res[b + (0,)] -= f
        for k in range(n):
            dpsi = (z[k] * phi[b] + mu[k][b]) - (z[k] * phi[a] + mu[k][a])
            j = harmonic(dif[k][a], dif[k][b]) * t * (b_exact(dpsi) * conc[a + (k,)] - b_exact(-dpsi) * conc[b + (k,)])
            res[a + (k + 1,)] += j
            res[b + (k + 1,)] -= j

    def bath(cell, side, t):
        v, c = bath_v[side], bath_c[side]
        sign = -1.0 if side == "left" else 1.0  # left face: flux into the cell is +z
        f = eps[cell] * t * ((v - phi[cell]) if side == "left" else (phi[cell] - v))
        res[cell + (0,)] += sign * f
        baths[side][0] += f
        for k in range(n):
            psi_cell, psi_bath = z[k] * phi[cell] + mu[k][cell], z[k] * v
            if side == "left":
                dpsi = psi_cell - psi_bath
                j = dif[k][cell] * t * (b_exact(dpsi) * c[k] - b_exact(-dpsi) * conc[cell + (k,)])
            else:
                dpsi = psi_bath - psi_cell
                j = dif[k][cell] * t * (b_exact(dpsi) * conc[cell + (k,)] - b_exact(-dpsi) * c[k])
            res[cell + (k + 1,)] += sign * j
            baths[side][k + 1] += j

    families = (
        (np.asarray(grid.zface_kind), np.asarray(grid.zface_area), np.asarray(grid.zface_distance),
         np.asarray(p.zface_charge), 0),
        (np.asarray(grid.rface_kind), np.asarray(grid.rface_area), np.asarray(grid.rface_distance),
         np.asarray(p.rface_charge), 1),
    )
    for kind, area, dist, sigma, axis in families:
        for face in np.ndindex(kind.shape):
            lo = (face[0] - 1, face[1]) if axis == 0 else (face[0], face[1] - 1)
            hi = face
            lo_ok = lo[axis] >= 0 and active[lo]
            hi_ok = hi[axis] < (nz, nr)[axis] and active[hi]
            t = area[face] / dist[face]
            if kind[face] == FaceKind.INTERIOR:
                assert lo_ok and hi_ok
                couple(lo, hi, t)
            elif kind[face] == FaceKind.LEFT_BATH:
                assert axis == 0 and hi_ok
                bath(hi, "left", t)
            elif kind[face] == FaceKind.RIGHT_BATH:
                assert axis == 0 and lo_ok
                bath(lo, "right", t)
            elif kind[face] == FaceKind.WALL:
                assert lo_ok != hi_ok
                wall[lo if lo_ok else hi] += sigma[face] * area[face]
    volume = np.asarray(grid.volume)
    rho = conc @ z + np.asarray(p.fixed_charge)
    res[..., 0] -= float(p.poisson_coefficient) * volume * rho + wall
    res = np.where(active[..., None], res, state)
    return res, baths, wall


# ---------------------------------------------------------------------------------------------
# Bernoulli function


def test_bernoulli_values():
    xs = np.array([-50.0, -3.0, -1.0, -0.1, -2e-3, -1e-3, -5e-4, -1e-6, 1e-6, 5e-4, 1e-3, 2e-3, 0.1, 1.0, 3.0, 50.0])
    expected = np.array([b_exact(x) for x in xs])
    np.testing.assert_allclose(np.asarray(BERNOULLI(jnp.asarray(xs))), expected, rtol=2e-15)
    assert float(bernoulli(0.0)) == 1.0
    assert float(bernoulli(-800.0)) == pytest.approx(800.0, rel=1e-15)


def test_bernoulli_odd_part_identity():
    """B(x) − B(−x) = −x (it makes the SG flux exact at equilibrium)."""
    x = np.concatenate([np.linspace(-700.0, 700.0, 2001), np.geomspace(1e-8, 1e-2, 200),
                        -np.geomspace(1e-8, 1e-2, 200), [1e-3, -1e-3, np.nextafter(1e-3, 0), np.nextafter(-1e-3, 0)]])
    b = np.asarray(BERNOULLI(jnp.asarray(x))) - np.asarray(BERNOULLI(-jnp.asarray(x)))
    np.testing.assert_allclose(b, -x, rtol=1e-14, atol=1e-14)
    # and B(x) e^x = B(−x) (detailed balance) where e^x is finite
    y = np.linspace(-30.0, 30.0, 241)
    np.testing.assert_allclose(np.asarray(BERNOULLI(jnp.asarray(y))) * np.exp(y),
                               np.asarray(BERNOULLI(-jnp.asarray(y))), rtol=1e-13)


def test_bernoulli_continuous_at_the_series_switch():
    for edge in (1e-3, -1e-3):
        inside, outside = np.nextafter(edge, 0.0), edge
        b_in, b_out = float(BERNOULLI(inside)), float(BERNOULLI(outside))
        assert b_in == pytest.approx(b_exact(inside), rel=1e-15)
        assert b_out == pytest.approx(b_exact(outside), rel=1e-15)
        assert abs(b_in - b_out) < 1e-15
    grad = jax.jit(jax.vmap(jax.grad(bernoulli)))
    x = jnp.array([np.nextafter(1e-3, 0), 1e-3, np.nextafter(-1e-3, 0), -1e-3])
    g = np.asarray(grad(x))
    exact = np.array([(math.expm1(v) - v * math.exp(v)) / math.expm1(v) ** 2 for v in np.asarray(x)])
    np.testing.assert_allclose(g, exact, rtol=1e-9)


VALUE_AND_GRAD = jax.jit(jax.value_and_grad(bernoulli))


@pytest.mark.parametrize("x", [-800.0, -700.0, -1e-3, -1e-9, 0.0, 1e-9, 1e-3, 700.0, 800.0])
def test_bernoulli_finite_value_and_derivative(x):
    value, slope = VALUE_AND_GRAD(jnp.asarray(x))
    assert np.isfinite(float(value)) and np.isfinite(float(slope))
    assert float(value) >= 0.0
    if abs(x) <= 1e-3:
        assert float(slope) == pytest.approx(-0.5 + x / 6.0, abs=1e-9)  # B'(x) = −1/2 + x/6 + O(x³)
    if x <= -700.0:
        assert float(value) == pytest.approx(-x, rel=1e-15)  # B(x) ≈ −x for x → −∞
        assert float(slope) == pytest.approx(-1.0, rel=1e-12)
    if x >= 700.0:
        assert float(value) < 1e-290 and abs(float(slope)) < 1e-290


# ---------------------------------------------------------------------------------------------
# Residual against the reference


@pytest.mark.parametrize("name", ["grid_1d", "grid_2d", "wall_1d"])
def test_residual_matches_reference_at_random_states(request, name):
    grid = request.getfixturevalue(name)
    params = make_params(grid)
    for seed in (1, 2):
        state = random_state(grid, seed)
        got = np.asarray(RESIDUAL(jnp.asarray(state), grid, params))
        expected, _, _ = reference_parts(state, grid, params)
        scale = np.max(np.abs(expected), axis=(0, 1))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13 * scale.max())


@pytest.mark.parametrize("name", ["grid_1d", "grid_2d"])
def test_uniform_bath_has_zero_residual(request, name):
    grid = request.getfixturevalue(name)
    params = make_params(grid, uniform=True, c_left=(1.0, 3.0, 1.0))  # 1 − 3 + 2 = 0: electroneutral
    nz, nr = grid.shape
    state = np.zeros((nz, nr, 4))
    state[..., 1:] = np.log([1.0, 3.0, 1.0])
    state[~np.asarray(grid.active)] = 0.0
    np.testing.assert_allclose(np.asarray(RESIDUAL(jnp.asarray(state), grid, params)), 0.0, atol=1e-13)


@pytest.mark.parametrize("name", ["grid_1d", "grid_2d"])
def test_boltzmann_equilibrium_is_exact(request, name):
    """c_i = c_b exp(−z_i φ − μ_i): every SG flux vanishes for any φ, μ, ε, D, mesh.

    The baths sit at different potentials V_L, V_R with Boltzmann concentrations
    c_b exp(−z V); Poisson's residual is then just the discrete charge imbalance.
    """
    grid = request.getfixturevalue(name)
    c_b = np.array([1.0, 1.6, 0.3])
    v_left, v_right = 0.8, -1.3
    params = make_params(grid, c_left=c_b * np.exp(-VALENCE * v_left), c_right=c_b * np.exp(-VALENCE * v_right),
                         v_left=v_left, v_right=v_right, seed=3)
    rng = np.random.default_rng(7)
    nz, nr = grid.shape
    phi = rng.normal(scale=2.0, size=(nz, nr))
    mu = np.asarray(params.excess_potential)
    log_c = np.log(c_b)[:, None, None] - VALENCE[:, None, None] * phi[None] - mu
    state = np.concatenate([phi[..., None], np.moveaxis(log_c, 0, -1)], axis=-1)
    got = np.asarray(RESIDUAL(jnp.asarray(state), grid, params))
    active = np.asarray(grid.active)
    # scale of the one-way SG terms D (A/d) B c (the fluxes that cancel)
    gross = np.max(np.asarray(params.diffusivity)) * np.max(np.exp(log_c)) * 20.0 * np.max(
        np.asarray(grid.zface_area / grid.zface_distance))
    assert np.max(np.abs(got[active][:, 1:])) < 1e-13 * gross
    # the species fluxes themselves vanish on every face
    jz, jr = SPECIES_FLUXES(jnp.asarray(state), grid, params)
    assert np.max(np.abs(np.asarray(jz))) < 1e-13 * gross and np.max(np.abs(np.asarray(jr))) < 1e-13 * gross
    # Poisson: the discrete charge imbalance of the independent reference
    expected, _, _ = reference_parts(state, grid, params)
    np.testing.assert_allclose(got[..., 0], expected[..., 0], rtol=1e-12, atol=1e-12 * np.abs(expected[..., 0]).max())


def test_sg_exact_for_constant_flux_in_a_linear_potential(grid_1d):
    """Away from equilibrium too: with ψ = a x and the exact constant-flux profile
    c(x) = e^{−a x}[c₀ − (J/D)(e^{a x} − 1)/a], every cell balance is zero on a nonuniform mesh.
    """
    a, c0, j_over_d = 1.7, 2.0, -0.35  # flux against the drift: c stays positive
    length = NODES_1D[-1]

    def conc(x):
        return np.exp(-a * x) * (c0 - j_over_d * np.expm1(a * x) / a)

    x = np.asarray(grid_1d.cell_z)[:, 0]
    assert np.all(conc(np.linspace(0, length, 100)) > 0)
    params = Parameters(
        valence=jnp.array([1.0]), diffusivity=jnp.full((1, 7, 1), 1.3, dtype=jnp.float64),
        excess_potential=jnp.zeros((1, 7, 1)), permittivity=jnp.full((7, 1), 78.0, dtype=jnp.float64),
        fixed_charge=jnp.zeros((7, 1)), zface_charge=jnp.zeros((8, 1)), rface_charge=jnp.zeros((7, 2)),
        left_concentration=jnp.array([conc(0.0)]),
        right_concentration=jnp.array([conc(length)]), left_potential=jnp.asarray(0.0),
        right_potential=jnp.asarray(a * length), poisson_coefficient=jnp.asarray(GAMMA),
    )
    state = np.stack([a * x, np.log(conc(x))], axis=-1)[:, None, :]
    got = np.asarray(RESIDUAL(jnp.asarray(state), grid_1d, params))
    assert np.max(np.abs(got[..., 1])) < 1e-13
    jz, _ = SPECIES_FLUXES(jnp.asarray(state), grid_1d, params)
    np.testing.assert_allclose(np.asarray(jz)[0, :, 0], 1.3 * j_over_d, rtol=1e-12)


@pytest.mark.parametrize("name", ["grid_1d", "grid_2d", "wall_1d"])
def test_global_conservation(request, name):
    """Σ over cells of each balance = what crosses the domain boundary (interior fluxes cancel,
    walls carry no species flux; Poisson also loses the volume and wall charges)."""
    grid = request.getfixturevalue(name)
    params = make_params(grid, seed=4)
    state = random_state(grid, 5)
    got = np.asarray(RESIDUAL(jnp.asarray(state), grid, params))
    active = np.asarray(grid.active)
    _, baths, wall = reference_parts(state, grid, params)  # boundary terms only
    net_out = baths["right"] - baths["left"]
    rho = np.exp(state[..., 1:]) @ VALENCE + np.asarray(params.fixed_charge)
    net_out[0] -= GAMMA * np.sum(np.where(active, np.asarray(grid.volume) * rho, 0.0)) + wall.sum()
    totals = got[active].sum(axis=0)
    scale = np.max(np.abs(got[active]), axis=0)
    np.testing.assert_allclose(totals, net_out, rtol=1e-11, atol=1e-12 * scale.max())


def test_wall_charge_sums_to_sigma_times_wall_area(grid_2d):
    sigma = -0.37
    params = make_params(grid_2d, sigma=sigma)
    w = np.asarray(WALL_CHARGE(grid_2d, params.zface_charge, params.rface_charge))
    # wall faces of the notched cylinder, from the node arrays alone
    dz = np.diff(Z_2D)
    r_top, r_notch = R_2D[-1], R_2D[3]
    top = 2 * np.pi * r_top * (dz[0] + dz[1] + dz[4])  # top wall outside the notch
    notch_floor = 2 * np.pi * r_notch * (dz[2] + dz[3])
    notch_sides = 2 * np.pi * (r_top**2 - r_notch**2)  # two annuli
    dead_cell = 2 * np.pi * R_2D[1] * dz[4] + np.pi * R_2D[1] ** 2  # its top face and its left face
    area = top + notch_floor + notch_sides + dead_cell
    assert w.sum() == pytest.approx(sigma * area, rel=1e-13)
    # every charge sits in an active cell next to its face
    assert np.all(w[~ACTIVE_2D] == 0)
    assert w[1, 3] == pytest.approx(sigma * (2 * np.pi * r_top * dz[1] + np.pi * (r_top**2 - r_notch**2)), rel=1e-13)
    assert w[2, 2] == pytest.approx(sigma * 2 * np.pi * r_notch * dz[2], rel=1e-13)
    assert w[3, 0] == pytest.approx(sigma * np.pi * R_2D[1] ** 2, rel=1e-13)
    assert w[4, 1] == pytest.approx(sigma * 2 * np.pi * R_2D[1] * dz[4], rel=1e-13)
    assert w[0, 0] == 0.0 and w[4, 2] == 0.0


def test_wall_charge_ignores_non_wall_faces_and_weights_by_area(wall_1d, grid_2d):
    params = make_params(wall_1d, seed=8)  # σ̃ random on every face
    w = np.asarray(WALL_CHARGE(wall_1d, params.zface_charge, params.rface_charge))
    expected = np.zeros((7, 1))
    expected[0, 0] = float(params.zface_charge[0, 0]) * 1.0  # the only wall: x = 0, unit area
    np.testing.assert_allclose(w, expected, rtol=1e-14)
    params = make_params(grid_2d, seed=9)
    _, _, wall = reference_parts(random_state(grid_2d), grid_2d, params)
    np.testing.assert_allclose(np.asarray(WALL_CHARGE(grid_2d, params.zface_charge, params.rface_charge)), wall, rtol=1e-13, atol=1e-14)


def test_inactive_cells_identity_and_isolation(grid_2d):
    params = make_params(grid_2d, seed=10)
    state = random_state(grid_2d, 11)
    other = state.copy()
    other[~ACTIVE_2D] = np.random.default_rng(12).normal(scale=5.0, size=other[~ACTIVE_2D].shape)
    r1 = np.asarray(RESIDUAL(jnp.asarray(state), grid_2d, params))
    r2 = np.asarray(RESIDUAL(jnp.asarray(other), grid_2d, params))
    np.testing.assert_array_equal(r2[~ACTIVE_2D], other[~ACTIVE_2D])
    np.testing.assert_array_equal(r1[ACTIVE_2D], r2[ACTIVE_2D])


def test_space_charge(grid_2d):
    params = make_params(grid_2d, seed=13)
    state = random_state(grid_2d, 14)
    expected = np.exp(state[..., 1:]) @ VALENCE + np.asarray(params.fixed_charge)
    concentration = jnp.exp(pnp_context(state, grid_2d, params).state.log_concentration)
    np.testing.assert_allclose(np.asarray(space_charge(concentration, params)), expected, rtol=1e-13)


def test_residual_is_finite_at_extreme_fields(grid_1d):
    """Potential jumps of ±1000 kT/e between cells (B's argument far beyond ±700) stay finite
    (the Jacobian at such a state is checked in test_jacobian)."""
    params = make_params(grid_1d, seed=15)
    state = random_state(grid_1d, 16)
    state[:, 0, 0] = 1000.0 * (-1.0) ** np.arange(7)
    r = np.asarray(RESIDUAL(jnp.asarray(state), grid_1d, params))
    assert np.all(np.isfinite(r))
    expected, _, _ = reference_parts(state, grid_1d, params)
    np.testing.assert_allclose(r, expected, rtol=1e-12, atol=1e-13 * np.abs(expected).max())
