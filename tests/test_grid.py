"""Structured grids (pnp.grid) and channel discretizations (pnp.geometry … .discretize).

Metrics are compared with closed-form geometry: cell volumes, centroids and face areas of
rectangles, annuli, cylinders and cone frusta (Pappus' theorem is exact for straight-sided
quads, so the discrete totals equal the exact solids to roundoff), and face kinds with the
layout each geometry promises. Lengths are nondimensional (1 = 1 nm).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pnp.geometry import Cone, Cylinder, DebyeLengths, Mesh, Reservoirs, Slit
from pnp.grid import FaceKind, graded_nodes, grid_from_vertices, line, rectangle
from pnp.physics.scales import Scales

NM = 1e-9
LAMBDA = 3.0  # nm, Debye length used for the channel meshes
DEBYE = DebyeLengths(shortest=LAMBDA * NM, longest=LAMBDA * NM, ionic_strength=10.0)
SCALES = Scales(concentration=10.0)
MESH = Mesh(max_cell=2 * NM, growth=1.3)  # coarse, default wall cell (λ_D/20)
SIGMA = -0.001  # C/m²: weak, so the Gouy–Chapman length (≈ 36 nm) does not set the wall cell
R, L = 5.0, 20.0  # cylinder radius and channel length (nm)
TIP, BASE = 2.0, 5.0  # cone radii (nm)
RES_R, RES_L = 20.0, 15.0  # reservoir radius and length (nm)
RESERVOIRS = Reservoirs(radius=RES_R * NM, length=RES_L * NM, membrane_charge=SIGMA)


def total(values, mask):
    return float(np.sum(np.where(mask, np.asarray(values), 0.0)))


def kinds(grid):
    return np.asarray(grid.zface_kind), np.asarray(grid.rface_kind)


# ---------------------------------------------------------------------------------------------
# line and rectangle


NODES = np.array([0.0, 0.1, 0.3, 0.7, 1.5, 2.0, 3.5, 3.6])  # 7 cells, as in test_residual


def test_line_metrics():
    g = line(NODES)
    h = np.diff(NODES)
    mid = 0.5 * (NODES[1:] + NODES[:-1])
    assert g.shape == (7, 1) and g.coordinates == "planar" and g.n_active == 7
    np.testing.assert_allclose(np.asarray(g.volume)[:, 0], h, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(g.cell_z)[:, 0], mid, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(g.zface_area), 1.0, rtol=1e-14)
    expected_d = np.concatenate([[h[0] / 2], np.diff(mid), [h[-1] / 2]])
    np.testing.assert_allclose(np.asarray(g.zface_distance)[:, 0], expected_d, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.zface_z)[:, 0], NODES, rtol=1e-14)
    zk, rk = kinds(g)
    assert list(zk[:, 0]) == [FaceKind.LEFT_BATH] + [FaceKind.INTERIOR] * 6 + [FaceKind.RIGHT_BATH]
    assert np.all(rk == FaceKind.CLOSED)


def test_line_boundary_kinds():
    zk, _ = kinds(line(NODES, left="wall", right="bath"))
    assert zk[0, 0] == FaceKind.WALL and zk[-1, 0] == FaceKind.RIGHT_BATH
    zk, _ = kinds(line(NODES, left="closed", right="wall"))
    assert zk[0, 0] == FaceKind.CLOSED and zk[-1, 0] == FaceKind.WALL


# 22 × 12 cells: the same shape as the bare channel grids below, so JAX compiles the metric
# computations once (eager ops are compiled per shape).
Z_NODES = np.concatenate([[0.0], np.cumsum(np.linspace(0.05, 0.25, 22))])  # length 3.3
R_NODES = np.concatenate([[0.0], np.cumsum(np.linspace(1.0, 2.0, 12))]) / 18.0  # 0 … 1
Z_LEN = float(Z_NODES[-1])
NZ, NR = 22, 12


def test_planar_rectangle_metrics():
    g = rectangle(Z_NODES, R_NODES, coordinates="planar")
    dz, dr = np.diff(Z_NODES), np.diff(R_NODES)
    assert g.shape == (NZ, NR)
    np.testing.assert_allclose(np.asarray(g.volume), np.outer(dz, dr), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.zface_area), np.broadcast_to(dr, (NZ + 1, NR)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.rface_area), np.broadcast_to(dz[:, None], (NZ, NR + 1)), rtol=1e-12)
    rc = 0.5 * (R_NODES[1:] + R_NODES[:-1])
    zc = 0.5 * (Z_NODES[1:] + Z_NODES[:-1])
    np.testing.assert_allclose(np.asarray(g.cell_r), np.broadcast_to(rc, (NZ, NR)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.cell_z), np.broadcast_to(zc[:, None], (NZ, NR)), rtol=1e-12)
    expected_dr = np.concatenate([[rc[0]], np.diff(rc), [R_NODES[-1] - rc[-1]]])
    np.testing.assert_allclose(np.asarray(g.rface_distance), np.broadcast_to(expected_dr, (NZ, NR + 1)),
                               rtol=1e-12)
    expected_dz = np.concatenate([[zc[0]], np.diff(zc), [Z_LEN - zc[-1]]])
    np.testing.assert_allclose(np.asarray(g.zface_distance), np.broadcast_to(expected_dz[:, None], (NZ + 1, NR)),
                               rtol=1e-12)
    assert total(g.volume, True) == pytest.approx(Z_LEN * 1.0, rel=1e-14)


def test_axisymmetric_rectangle_metrics():
    g = rectangle(Z_NODES, R_NODES, coordinates="axisymmetric")
    dz = np.diff(Z_NODES)
    r1, r2 = R_NODES[:-1], R_NODES[1:]
    annulus = np.pi * (r2**2 - r1**2)
    np.testing.assert_allclose(np.asarray(g.volume), np.outer(dz, annulus), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.zface_area), np.broadcast_to(annulus, (NZ + 1, NR)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.rface_area), 2 * np.pi * np.outer(dz, R_NODES), rtol=1e-12,
                               atol=1e-15)
    # area centroid of the (z, r) rectangle (Pappus uses it), not the volume centroid
    np.testing.assert_allclose(np.asarray(g.cell_r)[0], 0.5 * (r1 + r2), rtol=1e-12)
    assert total(g.volume, True) == pytest.approx(np.pi * 1.0**2 * Z_LEN, rel=1e-13)
    zk, rk = kinds(g)  # defaults: baths at the ends, axis closed, top wall
    assert np.all(zk[0] == FaceKind.LEFT_BATH) and np.all(zk[-1] == FaceKind.RIGHT_BATH)
    assert np.all(zk[1:-1] == FaceKind.INTERIOR)
    assert np.all(rk[:, 0] == FaceKind.CLOSED) and np.all(rk[:, -1] == FaceKind.WALL)
    assert np.all(rk[:, 1:-1] == FaceKind.INTERIOR)
    assert float(g.rface_area[0, 0]) == 0.0  # the axis has no area


def test_rectangle_with_inactive_cells():
    active = np.ones((NZ, NR), bool)
    active[5:9, 10:] = False  # a notch cut into the top of the domain (rows 5–8, columns 10–11)
    active[21, 0] = False  # an inactive cell on the right bath
    g = rectangle(Z_NODES, R_NODES, coordinates="axisymmetric", active=active)
    zk, rk = kinds(g)
    assert g.n_active == NZ * NR - 9
    assert np.all(rk[5:9, 10] == FaceKind.WALL)  # active below, inactive above
    assert np.all(rk[5:9, 11:] == FaceKind.CLOSED)  # between inactive cells, and their top
    assert np.all(rk[:5, 12] == FaceKind.WALL) and np.all(rk[9:, 12] == FaceKind.WALL)  # top wall elsewhere
    assert np.all(zk[5, 10:] == FaceKind.WALL) and np.all(zk[9, 10:] == FaceKind.WALL)  # notch sides
    assert np.all(zk[6:9, 10:] == FaceKind.CLOSED)  # between two inactive cells
    assert zk[22, 0] == FaceKind.CLOSED and np.all(zk[22, 1:] == FaceKind.RIGHT_BATH)  # no bath on inactive
    assert zk[21, 0] == FaceKind.WALL and rk[21, 1] == FaceKind.WALL and rk[21, 0] == FaceKind.CLOSED
    interior = np.ones_like(zk, bool)
    interior[[0, 22]] = False
    interior[5:10, 10:] = False
    interior[21:, 0] = False
    assert np.all((zk == FaceKind.INTERIOR) == interior)
    # wall distances are centroid-to-face on the active side
    cell_r, cell_z = np.asarray(g.cell_r), np.asarray(g.cell_z)
    assert float(g.rface_distance[6, 10]) == pytest.approx(R_NODES[10] - cell_r[6, 9], rel=1e-13)
    assert float(g.zface_distance[5, 11]) == pytest.approx(Z_NODES[5] - cell_z[4, 11], rel=1e-13)
    assert float(g.zface_distance[9, 10]) == pytest.approx(cell_z[9, 10] - Z_NODES[9], rel=1e-13)
    assert float(g.zface_distance[21, 0]) == pytest.approx(Z_NODES[21] - cell_z[20, 0], rel=1e-13)
    assert float(g.rface_distance[21, 1]) == pytest.approx(cell_r[21, 1] - R_NODES[1], rel=1e-13)


def test_grid_is_differentiable_in_the_vertices():
    """d(total volume)/dR = 2πRL and d(lateral area)/dR = 2πL for a stretched cylinder."""

    def measures(radius):
        vz, vr = jnp.meshgrid(jnp.asarray(Z_NODES), radius * jnp.asarray(R_NODES), indexing="ij")
        g = grid_from_vertices(vz, vr, coordinates="axisymmetric", top="wall")
        return jnp.stack([jnp.sum(g.volume), jnp.sum(g.rface_area[:, -1])])

    jac = jax.jit(jax.jacfwd(measures))(2.0)
    np.testing.assert_allclose(np.asarray(jac), [2 * np.pi * 2.0 * Z_LEN, 2 * np.pi * Z_LEN], rtol=1e-12)


def test_grid_is_a_pytree_with_static_structure():
    g = rectangle(Z_NODES, R_NODES)
    leaves, treedef = jax.tree_util.tree_flatten(g)
    assert all(isinstance(leaf, jax.Array) for leaf in leaves)  # masks and kinds are static metadata
    g2 = jax.tree_util.tree_unflatten(treedef, [2 * leaf for leaf in leaves])
    assert g2.active == g.active and g2.coordinates == g.coordinates and g2.zface_kind == g.zface_kind
    np.testing.assert_allclose(np.asarray(g2.volume), 2 * np.asarray(g.volume))
    assert hash(rectangle(Z_NODES, R_NODES).zface_kind) == hash(g.zface_kind)


@pytest.mark.parametrize(
    "build",
    [
        lambda: line([0.0]),
        lambda: line([0.0, 1.0, 1.0]),
        lambda: line([0.0, 2.0, 1.0]),
        lambda: rectangle(Z_NODES, R_NODES[::-1]),
        lambda: rectangle(Z_NODES, R_NODES - 0.5, coordinates="axisymmetric"),
        lambda: rectangle(Z_NODES, R_NODES, coordinates="spherical"),
        lambda: rectangle(Z_NODES, R_NODES, top="bath"),
        lambda: rectangle(Z_NODES, R_NODES, left="open"),
        lambda: rectangle(Z_NODES, R_NODES, active=np.ones((NZ, NR - 1), bool)),
        lambda: grid_from_vertices(np.zeros((1, 3)), np.zeros((1, 3))),
        lambda: grid_from_vertices(np.zeros((3, 3)), np.zeros((3, 2))),
    ],
)
def test_bad_grid_inputs_raise(build):
    with pytest.raises(ValueError):
        build()


# ---------------------------------------------------------------------------------------------
# graded_nodes


@pytest.mark.parametrize("length, h_min, h_max, ratio", [(1.0, 1e-3, 0.1, 1.1), (100.0, 0.01, 5.0, 1.15),
                                                          (30.0, 0.05, 0.5, 1.3)])
def test_graded_nodes_properties(length, h_min, h_max, ratio):
    x = graded_nodes(length, h_min, h_max, ratio=ratio)
    h = np.diff(x)
    assert x[0] == 0.0 and x[-1] == length
    assert np.all(h > 0)
    for first in (h[0], h[-1]):  # both ends refined
        assert h_min * 0.95 <= first <= h_min * (1 + 0.6 * (ratio - 1))
    # h(d) = min(h_max, h0 + a·d), a = ln(ratio), h0 = h_min·a/(ratio − 1): neighbours grow by
    # exactly `ratio` (up to the rounding of the cell count to an integer)
    growth = h[1:] / h[:-1]
    bound = ratio * 1.01
    assert np.all(growth <= bound) and np.all(1 / growth <= bound)
    assert h.max() <= h_max * 1.01
    # cell count = ∫ dx / h(x)
    a = np.log(ratio)
    h0 = h_min * a / (ratio - 1)
    d_sat = (h_max - h0) / a
    if 2 * d_sat < length:
        expected = 2 * np.log(h_max / h0) / a + (length - 2 * d_sat) / h_max
        assert len(h) == pytest.approx(expected, rel=0.05, abs=2)


def test_graded_nodes_one_sided_and_uniform():
    x = graded_nodes(10.0, 0.01, 1.0, ratio=1.2, refine_start=False)
    h = np.diff(x)
    assert h[-1] == pytest.approx(0.01, rel=0.1) and h[0] > 0.5  # refined at the end only
    assert np.all(np.diff(h) <= 1e-12)  # monotonically shrinking toward the end
    x = graded_nodes(10.0, 0.01, 1.0, refine_start=False, refine_end=False)
    np.testing.assert_allclose(np.diff(x), 1.0, rtol=1e-9)
    x = graded_nodes(1.0, 0.5, 1.0, refine_start=False, refine_end=False, min_cells=7)
    np.testing.assert_allclose(np.diff(x), 1.0 / 7, rtol=1e-9)


def test_graded_nodes_unrefined_gives_h_max_cells():
    """Docstring: 'refine_start, refine_end: which ends are refined (neither: uniform h_max cells)'."""
    x = graded_nodes(0.5, 0.001, 0.1, refine_start=False, refine_end=False)
    np.testing.assert_allclose(np.diff(x), 0.1, rtol=1e-9)


def test_graded_nodes_refinement_halves_cells():
    coarse = graded_nodes(20.0, 0.05, 1.0, ratio=1.2)
    fine = graded_nodes(20.0, 0.05, 1.0, ratio=1.2, refinement=2)
    assert abs(len(fine) - 1 - 2 * (len(coarse) - 1)) <= 2
    assert np.diff(fine)[0] == pytest.approx(np.diff(coarse)[0] / 2, rel=0.1)
    # the fine family interleaves the coarse one: every second fine node ≈ a coarse node
    if len(fine) - 1 == 2 * (len(coarse) - 1):
        np.testing.assert_allclose(fine[::2], coarse, atol=0.02 * np.diff(coarse).min())


def test_graded_nodes_first_cell_for_long_intervals():
    """A 100 µm membrane with 0.05 nm wall cells (length/h_min = 2e6) keeps the promised grading."""
    x = graded_nodes(1e5, 0.05, 2000.0, ratio=1.15)
    h = np.diff(x)
    assert h[0] <= 1.1 * 0.05 and h[-1] <= 1.1 * 0.05
    assert np.max(h[1:] / h[:-1]) <= 1.15 * 1.01


@pytest.mark.parametrize("args", [(0.0, 0.1, 1.0), (-1.0, 0.1, 1.0), (1.0, 0.0, 1.0), (1.0, 0.2, 0.1),
                                  (1.0, 0.1, 1.0, 1.0), (1.0, 0.1, 1.0, 0.9)])
def test_graded_nodes_bad_inputs(args):
    kwargs = {"ratio": args[3]} if len(args) > 3 else {}
    with pytest.raises(ValueError):
        graded_nodes(*args[:3], **kwargs)
    with pytest.raises(ValueError):
        graded_nodes(1.0, 0.01, 0.1, refinement=0.0)


# ---------------------------------------------------------------------------------------------
# channels (two grid shapes in all: without and with reservoirs)


def discretize(geometry):
    """The geometry on a fresh mesh: its layout for DEBYE, MESH, SCALES, then the mapping onto it."""
    return geometry.layout(DEBYE, MESH, SCALES).discretize(geometry)


@pytest.fixture(scope="module")
def bare():
    """Cylinder, cone and slit without reservoirs (same mesh controls → same grid shape)."""
    return {
        "cylinder": discretize(Cylinder(R * NM, L * NM, SIGMA, reservoirs=None)),
        "cone": discretize(Cone(TIP * NM, BASE * NM, L * NM, SIGMA, reservoirs=None)),
        "slit": discretize(Slit(2 * R * NM, L * NM, SIGMA, reservoirs=None)),
    }


@pytest.fixture(scope="module")
def with_reservoirs():
    return {
        "cylinder": discretize(Cylinder(R * NM, L * NM, SIGMA, reservoirs=RESERVOIRS)),
        "cone": discretize(Cone(TIP * NM, BASE * NM, L * NM, SIGMA, reservoirs=RESERVOIRS)),
    }


def frustum_volume(r1, r2, length):
    return np.pi * length * (r1**2 + r1 * r2 + r2**2) / 3.0


def frustum_lateral_area(r1, r2, length):
    return np.pi * (r1 + r2) * np.hypot(length, r2 - r1)


def wall_area(grid):
    zk, rk = kinds(grid)
    return total(grid.zface_area, zk == FaceKind.WALL) + total(grid.rface_area, rk == FaceKind.WALL)


def test_bare_channel_volumes_and_areas(bare):
    g = bare["cylinder"].grid
    assert g.coordinates == "axisymmetric" and g.n_active == g.shape[0] * g.shape[1]
    assert total(g.volume, True) == pytest.approx(np.pi * R**2 * L, rel=1e-12)
    assert wall_area(g) == pytest.approx(2 * np.pi * R * L, rel=1e-12)
    zk, _ = kinds(g)
    assert total(g.zface_area, zk == FaceKind.LEFT_BATH) == pytest.approx(np.pi * R**2, rel=1e-12)

    g = bare["cone"].grid
    assert total(g.volume, True) == pytest.approx(frustum_volume(TIP, BASE, L), rel=1e-12)
    assert wall_area(g) == pytest.approx(frustum_lateral_area(TIP, BASE, L), rel=1e-12)
    zk, _ = kinds(g)
    assert total(g.zface_area, zk == FaceKind.LEFT_BATH) == pytest.approx(np.pi * TIP**2, rel=1e-12)
    assert total(g.zface_area, zk == FaceKind.RIGHT_BATH) == pytest.approx(np.pi * BASE**2, rel=1e-12)

    g = bare["slit"].grid  # half of the slit (symmetry plane closed), unit depth
    assert g.coordinates == "planar"
    assert total(g.volume, True) == pytest.approx(R * L, rel=1e-12)
    assert wall_area(g) == pytest.approx(L, rel=1e-12)


@pytest.mark.parametrize("name", ["cylinder", "cone", "slit"])
def test_bare_channel_face_kinds(bare, name):
    g = bare[name].grid
    zk, rk = kinds(g)
    assert np.all(zk[0] == FaceKind.LEFT_BATH) and np.all(zk[-1] == FaceKind.RIGHT_BATH)
    assert np.all(zk[1:-1] == FaceKind.INTERIOR)
    assert np.all(rk[:, 0] == FaceKind.CLOSED)  # axis / symmetry plane
    assert np.all(rk[:, -1] == FaceKind.WALL)  # channel wall
    assert np.all(rk[:, 1:-1] == FaceKind.INTERIOR)


def test_cone_wall_is_a_grid_line(bare):
    g = bare["cone"].grid
    vz, vr = np.asarray(g.vertex_z), np.asarray(g.vertex_r)
    np.testing.assert_allclose(vr[:, -1], TIP + (BASE - TIP) * vz[:, -1] / L, rtol=1e-12)
    np.testing.assert_allclose(vr[:, 0], 0.0, atol=0)
    # every radial line is the same fraction ξ_j of the local radius
    xi = vr / vr[:, -1:]
    np.testing.assert_allclose(xi, np.broadcast_to(xi[0], xi.shape), rtol=1e-12, atol=1e-15)


def test_reservoir_channel_volume_and_wall_areas(with_reservoirs):
    reservoirs = 2 * np.pi * RES_R**2 * RES_L
    for name, (r1, r2) in (("cylinder", (R, R)), ("cone", (TIP, BASE))):
        g = with_reservoirs[name].grid
        active = np.asarray(g.active)
        assert total(g.volume, active) == pytest.approx(frustum_volume(r1, r2, L) + reservoirs, rel=1e-12)
        zk, rk = kinds(g)
        # channel wall (r faces) and membrane faces (z faces)
        assert total(g.rface_area, rk == FaceKind.WALL) == pytest.approx(frustum_lateral_area(r1, r2, L), rel=1e-12)
        membrane = np.pi * (RES_R**2 - r1**2) + np.pi * (RES_R**2 - r2**2)
        assert total(g.zface_area, zk == FaceKind.WALL) == pytest.approx(membrane, rel=1e-12)
        assert total(g.zface_area, zk == FaceKind.LEFT_BATH) == pytest.approx(np.pi * RES_R**2, rel=1e-12)
        assert total(g.zface_area, zk == FaceKind.RIGHT_BATH) == pytest.approx(np.pi * RES_R**2, rel=1e-12)


@pytest.mark.parametrize("name", ["cylinder", "cone"])
def test_reservoir_channel_layout(with_reservoirs, name):
    g = with_reservoirs[name].grid
    active = np.asarray(g.active)
    zk, rk = kinds(g)
    vz, vr = np.asarray(g.vertex_z), np.asarray(g.vertex_r)
    cz = 0.5 * (vz[1:, 0] + vz[:-1, 0])
    channel_rows = (cz > 0) & (cz < L)
    n_xi = int(active[channel_rows][0].sum())
    assert np.all(active[~channel_rows])  # reservoirs: every cell
    assert np.all(active[channel_rows, :n_xi]) and not np.any(active[channel_rows, n_xi:])
    profile = (lambda z: TIP + (BASE - TIP) * np.clip(z, 0, L) / L) if name == "cone" else (lambda z: R + 0 * z)
    np.testing.assert_allclose(vr[:, n_xi], profile(vz[:, n_xi]), rtol=1e-12)  # the wall line
    cell_z, cell_r = np.asarray(g.cell_z), np.asarray(g.cell_r)
    assert np.all(cell_r[channel_rows, n_xi:] > profile(cell_z[channel_rows, n_xi:]))  # inactive: beyond R
    assert np.all(cell_r[channel_rows, :n_xi] < profile(cell_z[channel_rows, :n_xi]))
    assert vz[0, 0] == pytest.approx(-RES_L) and vz[-1, 0] == pytest.approx(L + RES_L)
    assert np.all(np.abs(vr[:, -1][(vz[:, 0] < 0) | (vz[:, 0] > L)] - RES_R) < 1e-12)

    assert np.all(rk[:, 0] == FaceKind.CLOSED)  # axis
    assert np.all(rk[~channel_rows, -1] == FaceKind.CLOSED)  # outer reservoir wall
    assert np.all(rk[channel_rows, -1] == FaceKind.CLOSED)  # beyond inactive cells
    assert np.all(rk[channel_rows, n_xi] == FaceKind.WALL)  # channel wall
    assert np.all(rk[channel_rows, n_xi + 1:-1] == FaceKind.CLOSED)  # between inactive cells
    assert np.all(zk[0] == FaceKind.LEFT_BATH) and np.all(zk[-1] == FaceKind.RIGHT_BATH)
    # membrane faces: z faces at the mouths, outside the channel radius
    mouths = [int(np.argmin(np.abs(vz[:, 0] - z))) for z in (0.0, L)]
    for k in mouths:
        assert abs(vz[k, 0] - (0.0 if k == mouths[0] else L)) < 1e-12
        assert np.all(zk[k, n_xi:] == FaceKind.WALL) and np.all(zk[k, :n_xi] == FaceKind.INTERIOR)
    wall_z = np.zeros_like(zk, bool)
    wall_z[mouths, n_xi:] = True
    assert np.array_equal(zk == FaceKind.WALL, wall_z)
    # the surface charge sits on exactly these wall faces
    disc = with_reservoirs[name]
    sigma_scaled = SIGMA / SCALES.surface_charge
    np.testing.assert_allclose(np.asarray(disc.zface_charge), np.where(wall_z, sigma_scaled, 0.0), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(disc.rface_charge), np.where(rk == FaceKind.WALL, sigma_scaled, 0.0),
                               rtol=1e-12)


def test_transmissibilities_positive_and_finite(with_reservoirs):
    g = with_reservoirs["cone"].grid
    zk, rk = kinds(g)
    for area, dist, kind in ((g.zface_area, g.zface_distance, zk), (g.rface_area, g.rface_distance, rk)):
        carrying = (kind != FaceKind.CLOSED) & (kind != FaceKind.WALL)
        area, dist = np.asarray(area)[carrying], np.asarray(dist)[carrying]
        assert np.all(dist > 0) and np.all(area > 0) and np.all(np.isfinite(area / dist))


def test_first_wall_cell_resolves_the_debye_length_along_the_cone(with_reservoirs, bare):
    for g in (with_reservoirs["cone"].grid, bare["cone"].grid):
        active = np.asarray(g.active)
        vz, vr = np.asarray(g.vertex_z), np.asarray(g.vertex_r)
        in_channel = (vz[:, 0] >= -1e-12) & (vz[:, 0] <= L + 1e-12)
        n_xi = int(active[(vz[1:, 0] + vz[:-1, 0] > 0) & (vz[1:, 0] + vz[:-1, 0] < 2 * L)][0].sum())
        wall_cell = vr[in_channel, n_xi] - vr[in_channel, n_xi - 1]
        assert in_channel.sum() > 10
        assert np.all(wall_cell <= LAMBDA / 10)
        # and along z at each mouth (the membrane-side and channel-side first cells)
        h = np.diff(vz[:, 0])
        for k in np.flatnonzero(np.isclose(vz[:, 0], 0.0) | np.isclose(vz[:, 0], L)):
            near = [h[j] for j in (k - 1, k) if 0 <= j < len(h)]
            assert max(near) <= LAMBDA / 10


@pytest.mark.parametrize(
    "build",
    [
        lambda: Cylinder(-1e-9, 1e-8),
        lambda: Cylinder(1e-9, 0.0),
        lambda: Cone(5e-9, 2e-9, 1e-8),
        lambda: Cone(0.0, 2e-9, 1e-8),
        lambda: Slit(0.0, 1e-8),
        lambda: discretize(Cylinder(5e-9, 2e-8, reservoirs=Reservoirs(radius=4e-9))),
        lambda: Mesh(growth=1.0),
        lambda: Mesh(wall_cell=-1e-10),
        lambda: Mesh(refinement=0),
    ],
)
def test_bad_geometry_inputs_raise(build):
    with pytest.raises(ValueError):
        build()
