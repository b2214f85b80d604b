"""Every registered linear backend, and its transpose solve, against a dense solve (one test list).

The matrices are real Jacobians in band form: plain PNP on a 1D membrane grid and on a notched
2D axisymmetric grid, and the 2D grid with a state-dependent term (the crowding drive of
test_terms, whose couplings are wider). Each backend solves J x = b and Jᵀ x = b under jit;
the answers must equal ``numpy.linalg.solve`` on the assembled dense matrix to 1e-10.
A backend added to ``pnp.linalg.registry.BACKENDS`` is picked up here automatically.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pnp.linalg import BACKENDS, registry
from pnp.linalg.band import equilibrate
from pnp.linalg.host_sparse import csr_structure
from pnp.physics import PNP, residual
from pnp.solver import band_jacobian, pack, unpack
from pnp.steady import couplings

from helpers import ACTIVE_2D, NODES_1D, R_2D, Z_2D, build_grid
from test_terms import Crowding, random_system

CASES = {
    "1d": (lambda: build_grid(NODES_1D, [0.0, 1.0]), PNP),
    "2d": (lambda: build_grid(Z_2D, R_2D, ACTIVE_2D, coordinates="axisymmetric", top="wall"), PNP),
    "2d-crowding": (lambda: build_grid(Z_2D, R_2D, ACTIVE_2D, coordinates="axisymmetric", top="wall"),
                    PNP.add(Crowding(0.05))),
}


@pytest.fixture(scope="module", params=list(CASES))
def jacobian(request):
    make_grid, model = CASES[request.param]
    grid = make_grid()
    state, system = random_system(grid, seed=11, model=model)
    derived = couplings(model, 3)
    x = pack(state)
    _, band = jax.jit(lambda s: band_jacobian(lambda y: pack(residual(unpack(y, state), system)), s, derived))(x)
    rhs = np.random.default_rng(7).normal(size=x.shape)
    band, rhs = equilibrate(band, jnp.asarray(rhs))  # as Newton hands it to the backends
    nz, nr, nc = band.shape
    gather, rows, cols, _ = csr_structure(nz, nr, derived)
    dense = np.zeros((nz * nr * nc,) * 2)
    dense[rows, cols] = np.asarray(band.values).ravel()[gather]
    assert np.count_nonzero(np.asarray(band.values)) == np.count_nonzero(dense)  # the couplings hold every entry
    return band, np.asarray(rhs), dense


@pytest.mark.parametrize("transpose", [False, True], ids=["J", "J^T"])
@pytest.mark.parametrize("method", sorted(BACKENDS))
def test_backend_matches_dense_solve(jacobian, method, transpose):
    if method not in registry.available():  # on an accelerator: klu compiles for the CPU only
        pytest.skip(f"{method} does not run on {jax.default_backend()}")
    band, rhs, dense = jacobian
    x = jax.jit(lambda b, r: registry.solve(b, r, method, transpose=transpose))(band, jnp.asarray(rhs))
    expected = np.linalg.solve(dense.T if transpose else dense, rhs.reshape(-1)).reshape(rhs.shape)
    np.testing.assert_allclose(np.asarray(x), expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())


def test_auto_rule_picks_a_registered_backend():
    """"auto": on the CPU KLU for small systems, cyclic reduction for large ones of narrow blocks
    and UMFPACK for large ones of wide blocks; cyclic reduction on accelerators (module docstring)."""
    cpu = jax.default_backend() == "cpu"
    assert registry.choose("auto", (50, 3, 3)).name == ("klu" if cpu else "cyclic_reduction")
    assert registry.choose("auto", (50, 40, 3)).name == ("klu" if cpu else "cyclic_reduction")
    assert registry.choose("auto", (3000, 1, 3)).name == "cyclic_reduction"
    assert registry.choose("auto", (200, 40, 3)).name == ("umfpack" if cpu else "cyclic_reduction")


def test_batched_solves_equal_one_by_one(jacobian):
    """Under vmap every backend solves each member of a batch of same-pattern systems (KLU and
    the host backends hand the whole batch to one call)."""
    band, rhs, _ = jacobian
    scales = jnp.asarray([1.0, 0.5, 2.0])
    bands = jax.tree_util.tree_map(lambda v: v[None] * scales[:, None, None, None, None, None, None], band)
    rhss = jnp.asarray(rhs)[None] * jnp.asarray([1.0, -1.0, 3.0])[:, None, None, None]
    for method in registry.available():
        batched = jax.jit(jax.vmap(lambda b, r: registry.solve(b, r, method)))(bands, rhss)
        for k in range(3):
            single = registry.solve(jax.tree_util.tree_map(lambda v: v[k], bands), rhss[k], method)
            np.testing.assert_allclose(np.asarray(batched[k]), np.asarray(single), rtol=1e-12, atol=1e-12, err_msg=method)


def test_a_backend_on_a_platform_it_does_not_run_on_is_refused(monkeypatch):
    """KLU compiles for the CPU only: on an accelerator, naming it fails at once with the choices."""
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    with pytest.raises(ValueError, match=r"'klu' runs on cpu only, not on gpu; choose 'auto' or one of"):
        registry.choose("klu", (50, 40, 3))
    assert "klu" not in registry.available() and registry.choose("auto", (50, 40, 3)).name == "cyclic_reduction"


@pytest.mark.parametrize("broken", ["nan entry", "zero row"])
def test_a_broken_matrix_gives_nan_not_an_error(jacobian, broken):
    """A Jacobian with a NaN entry (a Newton iterate gone non-finite) or an all-zero row (exactly
    singular) makes every backend return a non-finite solution, which Newton takes as a failed
    iteration; none may raise, which under jit would end the whole solve (KLU halts on such
    pivots, and UMFPACK and SuperLU raise, unless their module catches it)."""
    band, rhs, _ = jacobian
    values = np.array(band.values)
    if broken == "nan entry":
        values[0, 0, 1, 1] = np.nan
    else:
        values[1, 0, ..., 0] = 0.0  # every entry of row (cell (1, 0), component 0)
    matrix = jax.tree_util.tree_map(lambda _: jnp.asarray(values), band)
    for method in registry.available():
        x = jax.jit(lambda b, r: registry.solve(b, r, method))(matrix, jnp.asarray(rhs))
        assert not np.all(np.isfinite(np.asarray(x))), method


@pytest.mark.parametrize("method", sorted(BACKENDS))
def test_zero_right_hand_side_gives_zero(jacobian, method, monkeypatch):
    """x = 0 for b = 0 on every backend (what Newton hands over for a batch member that has
    converged while the others go on); the host backends return it without factorizing."""
    if method not in registry.available():  # on an accelerator: klu compiles for the CPU only
        pytest.skip(f"{method} does not run on {jax.default_backend()}")
    band, rhs, _ = jacobian
    if getattr(BACKENDS[method], "host", False):
        module = __import__(type(BACKENDS[method]).__module__, fromlist=["_solve_csr"])
        monkeypatch.setattr(module, "_solve_csr", lambda *a: pytest.fail("factorized for a zero right-hand side"))
    x = jax.jit(lambda b, r: registry.solve(b, r, method))(band, jnp.zeros_like(jnp.asarray(rhs)))
    assert not np.any(np.asarray(x))
