"""Shared test fixtures: small grids, a dense view of block systems, a small case file."""

import numpy as np

from pnp.grid.mesh import grid_from_vertices

# 1D: 7 cells between two baths; 2D: 5 × 4 axisymmetric cells with a notch of inactive cells,
# a charged top wall and an inactive cell on the right bath. Three species, one divalent.
VALENCE = np.array([1.0, -1.0, 2.0])
NODES_1D = np.array([0.0, 0.1, 0.25, 0.5, 0.9, 1.4, 2.0, 2.8])
Z_2D = np.array([0.0, 0.3, 0.5, 0.9, 1.2, 1.6])
R_2D = np.array([0.0, 0.2, 0.5, 0.7, 1.0])
ACTIVE_2D = np.ones((5, 4), bool)
ACTIVE_2D[2:4, 3] = False
ACTIVE_2D[4, 0] = False


def build_grid(z_nodes, r_nodes, active=None, **kwargs):
    """Tensor-product grid like ``pnp.grid.line``/``rectangle`` (tested in test_grid), any boundaries."""
    vz, vr = np.meshgrid(z_nodes, r_nodes, indexing="ij")
    return grid_from_vertices(vz, vr, active, **kwargs)


def dense_from_blocks(lower, diag, upper):
    """Dense (n·m × n·m) matrix of a block-tridiagonal system (L_0, U_{n−1} ignored)."""
    lower, diag, upper = (np.asarray(a) for a in (lower, diag, upper))
    n, m = diag.shape[0], diag.shape[-1]
    a = np.zeros((n * m, n * m))
    for i in range(n):
        a[i * m:(i + 1) * m, i * m:(i + 1) * m] = diag[i]
        if i > 0:
            a[i * m:(i + 1) * m, (i - 1) * m:i * m] = lower[i]
        if i < n - 1:
            a[i * m:(i + 1) * m, (i + 1) * m:(i + 2) * m] = upper[i]
    return a


SMALL_CASE = """
name = "small"
[geometry]
kind = "cylinder"
radius = "5 nm"
length = "50 nm"
surface_charge = "-0.02 C/m^2"
[reservoirs]
radius = "100 nm"
length = "100 nm"
[electrolyte]
salts = { KCl = "10 mM" }
[voltage]
values = ["-0.2 V", "0 V", "0.2 V"]
[mesh]
refinement = 0.35
"""
"""A small charged-cylinder sweep (coarse mesh, three voltages) for CLI and I/O tests."""

MEMBRANE_SECTIONS = """
[geometry]
kind = "membrane"
thickness = "2 um"
fixed_charge = "-100 mM"
[electrolyte]
salts = { KCl = "100 mM" }
[right]
salts = { KCl = "10 mM" }
"""
"""Case-file sections of a 2 µm cation-exchange membrane (X = −100 mM) between 100 mM and 10 mM KCl."""


def assert_gradient_matches_central_difference(f, params, names, rel=1e-5, step=1e-5, seed=0):
    """jax.grad(f) along a random positive direction of each named Parameters field equals the
    central difference (f(p + h d) − f(p − h d)) / 2h, h = step · max|field|, to ``rel``.

    Run eagerly: the steady solve's path program is then compiled once and shared by the
    gradient and every difference quotient (under one jax.jit around value_and_grad each output
    compiled the whole path again: 182 → 164 s for the three modules that use this helper)."""
    import jax
    import jax.numpy as jnp
    import pytest

    # Every float leaf as a float64 array (not a weakly typed Python float), as the shifted
    # points below are: otherwise each shifted field is a new signature and jit compiles again.
    params = jax.tree_util.tree_map(
        lambda x: jnp.asarray(x, jnp.float64) if jnp.issubdtype(jnp.result_type(x), jnp.floating) else x,
        params)
    grads = jax.grad(f)(params)
    rng = np.random.default_rng(seed)
    for name in names:
        leaf = getattr(params, name)
        direction = jnp.asarray(rng.uniform(0.5, 1.5, size=np.shape(leaf)))
        h = step * (float(jnp.max(jnp.abs(leaf))) or 1.0)
        fd = (f(params.replace(**{name: leaf + h * direction}))
              - f(params.replace(**{name: leaf - h * direction}))) / (2 * h)
        ad = jnp.sum(getattr(grads, name) * direction)
        print(f"{name}: adjoint {float(ad):.10e}, central difference {float(fd):.10e}")
        assert float(ad) == pytest.approx(float(fd), rel=rel)


# ---------------------------------------------------------------------------------------------
# The packed (nz, nr, 1 + N) layout of the PNP unknowns, as the loop references in the tests use it


def to_state(packed):
    """pnp.physics.State from a packed array: [..., 0] potential, [..., 1:] log-concentrations."""
    import jax.numpy as jnp

    from pnp.physics import State

    packed = jnp.asarray(packed)
    return State(potential=packed[..., 0], log_concentration=jnp.moveaxis(packed[..., 1:], -1, 0))


def packed_residual(packed, grid, params):
    """The PNP residual (pnp.physics.residual) on packed arrays."""
    from pnp.physics import System, residual
    from pnp.solver import pack

    return pack(residual(to_state(packed), System(grid, params)))


def pnp_context(packed, grid, params):
    """What PNP terms see (pnp.physics.Context) for a packed state."""
    from pnp.physics import PNP, Context

    return Context(to_state(packed), grid, params, PNP)
