"""Block-tridiagonal algorithms and the band format (pnp.linalg) against dense NumPy linear algebra.

Every check assembles the dense matrix independently (NumPy loops) and compares the block
solvers' answers with ``numpy.linalg.solve``; derivatives are compared with the analytic
adjoint formulas of a linear solve and with central finite differences.
"""

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from helpers import dense_from_blocks
from pnp.linalg import BACKENDS, BandMatrix, Couplings, LinearSolver, cyclic_reduction_solve, registry, thomas_solve

METHODS = ["cyclic_reduction", "thomas"]  # the pure-JAX block algorithms (every backend: test_linear_backends)
SOLVERS = {"thomas": thomas_solve, "cyclic_reduction": cyclic_reduction_solve}
JITTED = {name: jax.jit(fun) for name, fun in SOLVERS.items()}


def random_system(n, m, k=None, seed=0, junk=True):
    """Random, well-conditioned block-tridiagonal system (blocks, rhs) in NumPy.

    Diagonal blocks are made dominant so that block LU without inter-block pivoting is
    stable, but every block is dense and nonsymmetric. With ``junk`` the unused blocks
    L_0 and U_{n−1} hold random values that must be ignored.
    """
    rng = np.random.default_rng(seed + 1000 * n + 17 * m)
    lower = rng.normal(size=(n, m, m))
    upper = rng.normal(size=(n, m, m))
    diag = rng.normal(size=(n, m, m)) + 4.0 * m * np.eye(m)
    if not junk:
        lower[0] = 0.0
        upper[-1] = 0.0
    rhs = rng.normal(size=(n, m) if k is None else (n, m, k))
    return lower, diag, upper, rhs


def dense_solve(lower, diag, upper, rhs):
    n, m = diag.shape[0], diag.shape[-1]
    rhs = np.asarray(rhs)
    flat = rhs.reshape(n * m, -1)
    return np.linalg.solve(dense_from_blocks(lower, diag, upper), flat).reshape(rhs.shape)


# Every length in {1, 2, 3, 5, 16, 17, 100} (cyclic reduction pads to 2^k − 1 rows: 1, 3, 7, 31,
# 127) and every block size 1 … 6, paired to keep the number of compilations down.
SHAPES = [(1, 4), (2, 3), (3, 2), (5, 6), (16, 1), (17, 5), (100, 2)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n, m", SHAPES)
def test_matches_dense_solve(method, n, m):
    lower, diag, upper, rhs = random_system(n, m)
    x = JITTED[method](lower, diag, upper, rhs)
    assert x.shape == rhs.shape and x.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(x), dense_solve(lower, diag, upper, rhs), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n, m, k", [(1, 4, 1), (3, 2, 3)])
def test_multiple_right_hand_sides(method, n, m, k):
    lower, diag, upper, rhs = random_system(n, m, k)
    x = JITTED[method](lower, diag, upper, rhs)
    assert x.shape == (n, m, k)
    np.testing.assert_allclose(np.asarray(x), dense_solve(lower, diag, upper, rhs), rtol=1e-11, atol=1e-12)
    # column by column equals the single-RHS solve
    for col in range(k):
        np.testing.assert_allclose(np.asarray(x[..., col]),
                                   dense_solve(lower, diag, upper, rhs[..., col]), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_unused_corner_blocks_are_ignored(method):
    lower, diag, upper, rhs = random_system(3, 2, junk=False)
    x_clean = JITTED[method](lower, diag, upper, rhs)
    lower[0] = 1e3 * np.arange(4).reshape(2, 2)
    upper[-1] = -7e2 * np.ones((2, 2))
    x_junk = JITTED[method](lower, diag, upper, rhs)
    np.testing.assert_allclose(np.asarray(x_junk), np.asarray(x_clean), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("method", ["thomas", "cyclic_reduction"])
def test_non_finite_values_in_unused_corner_blocks_are_ignored(method):
    """The module contract says L_0 and U_{n−1} are unused: their values, even NaN, must not matter."""
    lower, diag, upper, rhs = random_system(3, 2, junk=False)
    expected = dense_solve(lower, diag, upper, rhs)
    lower[0] = np.nan
    upper[-1] = np.inf
    np.testing.assert_allclose(np.asarray(JITTED[method](lower, diag, upper, rhs)), expected, rtol=1e-11,
                               atol=1e-12)


def test_pivoting_inside_blocks():
    """Diagonal blocks that need row exchanges (zero leading entry) are still solved."""
    lower, diag, upper, rhs = random_system(2, 3)
    diag = diag.copy()
    for i in range(2):
        diag[i] = np.array([[0.0, 9.0, 1.0], [9.0, 0.0, 1.0], [1.0, 1.0, 12.0]]) + 0.1 * diag[i] * (1 - np.eye(3))
    expected = dense_solve(lower, diag, upper, rhs)
    for method in METHODS:
        np.testing.assert_allclose(np.asarray(JITTED[method](lower, diag, upper, rhs)), expected, rtol=1e-11,
                                   atol=1e-12)


def random_band(nz, nr, nc, seed=0):
    """A random BandMatrix (entries outside the grid zero, diagonal blocks dominant)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(nz, nr, 3, 3, nc, nc))
    values[:, :, 1, 1] += 6.0 * nc * np.eye(nc)
    i, j = np.arange(nz)[:, None, None, None], np.arange(nr)[None, :, None, None]
    dz, dr = np.arange(-1, 2)[None, None, :, None], np.arange(-1, 2)[None, None, None, :]
    outside = (i + dz < 0) | (i + dz >= nz) | (j + dr < 0) | (j + dr >= nr)
    values[outside] = 0.0
    return BandMatrix(jnp.asarray(values), Couplings.full(nc))


def test_transpose_gives_transposed_matrix():
    band = random_band(5, 3, 2)
    t_lower, t_diag, t_upper = band.T.blocks()
    np.testing.assert_array_equal(dense_from_blocks(t_lower, t_diag, t_upper), dense_from_blocks(*band.blocks()).T)
    # the unused corner blocks of the transpose are zero
    assert np.all(np.asarray(t_lower[0]) == 0) and np.all(np.asarray(t_upper[-1]) == 0)


@pytest.mark.parametrize("method", METHODS)
def test_transposed_solve(method):
    band = random_band(3, 2, 2, seed=1)
    rhs = np.random.default_rng(2).normal(size=(3, 2, 2))
    x = jax.jit(lambda b, r: registry.solve(b, r, method, transpose=True))(band, rhs)
    expected = np.linalg.solve(dense_from_blocks(*band.blocks()).T, rhs.reshape(-1)).reshape(rhs.shape)
    np.testing.assert_allclose(np.asarray(x), expected, rtol=1e-11, atol=1e-12)


def test_matvec_matches_dense_product():
    band = random_band(5, 3, 2, seed=3)
    x = np.random.default_rng(4).normal(size=(5, 3, 2))
    y = band.matvec(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(y), (dense_from_blocks(*band.blocks()) @ x.reshape(-1)).reshape(x.shape),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_dispatch_by_name(method, monkeypatch):
    calls = []

    class Recorder(LinearSolver):
        name = method

        def solve(self, matrix, rhs):
            calls.append((matrix, rhs))
            return "sentinel"

    monkeypatch.setitem(BACKENDS, method, Recorder())
    matrix = types.SimpleNamespace(shape=(3, 2, 1))
    assert registry.solve(matrix, 4, method=method) == "sentinel"
    assert calls == [(matrix, 4)]


def test_default_method_is_a_known_solver():
    import inspect

    assert inspect.signature(registry.solve).parameters["method"].default in registry.methods()
    assert registry.choose("auto", (10, 4, 3)).name in BACKENDS


@pytest.mark.parametrize("bad", ["lu", "", "Thomas", None])
def test_unknown_method_raises(bad):
    with pytest.raises(ValueError, match="unknown linear solver"):
        registry.choose(bad, (3, 2, 1))


@pytest.mark.parametrize("method", METHODS)
def test_vmap_over_a_batch_equals_a_loop(method):
    systems = [random_system(3, 2, seed=s) for s in range(4)]
    batch = [np.stack(parts) for parts in zip(*systems)]
    x = jax.jit(jax.vmap(SOLVERS[method]))(*batch)
    assert x.shape == (4, 3, 2)
    for b, system in enumerate(systems):
        np.testing.assert_allclose(np.asarray(x[b]), dense_solve(*system), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_gradient_matches_adjoint_formula(method):
    """For f = wᵀ x with A x = b: ∂f/∂b = A⁻ᵀ w =: λ and ∂f/∂A = −λ xᵀ (on the stored blocks)."""
    n, m = 3, 2
    lower, diag, upper, rhs = random_system(n, m)
    lower[0] = upper[-1] = 0.0  # (any values would do; zero keeps the dense formula simple)
    w = np.random.default_rng(3).normal(size=(n, m))

    def f(lower, diag, upper, rhs):
        return jnp.sum(w * SOLVERS[method](lower, diag, upper, rhs))

    g_lower, g_diag, g_upper, g_rhs = jax.jit(jax.grad(f, argnums=(0, 1, 2, 3)))(lower, diag, upper, rhs)
    a = dense_from_blocks(lower, diag, upper)
    x = np.linalg.solve(a, rhs.reshape(-1))
    lam = np.linalg.solve(a.T, w.reshape(-1))
    np.testing.assert_allclose(np.asarray(g_rhs).reshape(-1), lam, rtol=1e-10, atol=1e-12)
    full = -np.outer(lam, x)  # ∂f/∂a_pq for every dense entry
    for i in range(n):
        rows = slice(i * m, (i + 1) * m)
        np.testing.assert_allclose(np.asarray(g_diag[i]), full[rows, rows], rtol=1e-10, atol=1e-12)
        if i > 0:
            np.testing.assert_allclose(np.asarray(g_lower[i]), full[rows, (i - 1) * m:i * m], rtol=1e-10,
                                       atol=1e-12)
        if i < n - 1:
            np.testing.assert_allclose(np.asarray(g_upper[i]), full[rows, (i + 1) * m:(i + 2) * m], rtol=1e-10,
                                       atol=1e-12)
    # the unused corner blocks do not influence the solution
    assert np.all(np.abs(np.asarray(g_lower[0])) < 1e-14) and np.all(np.abs(np.asarray(g_upper[-1])) < 1e-14)

    # and central finite differences of the dense solve, entry by entry
    def f_dense_from_blocks(lo, di, up, b):
        return float(w.reshape(-1) @ np.linalg.solve(dense_from_blocks(lo, di, up), b.reshape(-1)))

    h = 1e-6
    for which, index, grad in ((1, (2, 0, 1), g_diag), (0, (1, 1, 0), g_lower), (2, (1, 1, 1), g_upper),
                               (3, (2, 1), g_rhs)):
        plus = [a.copy() for a in (lower, diag, upper, rhs)]
        minus = [a.copy() for a in (lower, diag, upper, rhs)]
        plus[which][index] += h
        minus[which][index] -= h
        fd = (f_dense_from_blocks(*plus) - f_dense_from_blocks(*minus)) / (2 * h)
        assert float(grad[index]) == pytest.approx(fd, rel=1e-7, abs=1e-10)


def test_solvers_module_exports():
    assert {"thomas", "cyclic_reduction", "umfpack", "superlu"} <= set(BACKENDS)
    assert all(isinstance(solver, LinearSolver) and solver.name == name for name, solver in BACKENDS.items())
    import pnp.linalg

    assert pnp.linalg.solve is registry.solve and pnp.linalg.thomas_solve is thomas_solve
