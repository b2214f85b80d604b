"""Channel design (pnp.design): geometry gradients, transforms, and the optax loop against a dense scan."""

import h5py
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import pnp
from pnp import design as D

from helpers import assert_gradient_matches_central_difference

FEED = pnp.Electrolyte.from_salts({"LiCl": 10.0, "MgCl2": 10.0})
PERMEATE = FEED.scaled(0.1)
MESH = pnp.Mesh(refinement=0.5)


def design(tip, base, length, charge):
    return D.ChannelDesign(*map(jnp.asarray, (tip, base, length, charge)))


@pytest.fixture(scope="module")
def cone_space():
    start = design(3e-9, 6e-9, 40e-9, 0.02)
    space = D.DesignSpace(FEED, PERMEATE, 0.05, start, reservoirs=None, mesh=MESH)
    return space, start, space.solve(start)


def test_design_problem_on_the_reference_layout_equals_build_problem(cone_space):
    """Mapping a design onto the reference layout reproduces the ordinary discretization of that design."""
    space, start, state = cone_space
    mapped = space.problem(start)
    direct = space.reference_problem
    for name in ("cell_z", "cell_r", "volume", "zface_area", "rface_area", "rface_distance"):
        np.testing.assert_allclose(np.asarray(getattr(mapped.grid, name)), np.asarray(getattr(direct.grid, name)),
                                   rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(mapped.parameters.rface_charge), np.asarray(direct.parameters.rface_charge),
                               rtol=1e-12)
    sol = pnp.solve(pnp.Cone(3e-9, 6e-9, 40e-9, 0.02, reservoirs=None), FEED, 0.05, right=PERMEATE, mesh=MESH)
    flux = float(D.ion_flux(space, start, state, "Li+"))
    assert flux == pytest.approx(sol.fluxes["Li+"], rel=1e-8)


def test_gradients_with_respect_to_radii_length_and_charge(cone_space):
    """d(S, J_Li)/d(tip, base, length, σ) through the mapped grid = central differences (1e-5)."""
    space, start, state = cone_space

    def as_params(d):  # reuse the Parameters-style checker on a ChannelDesign via .replace
        return DesignParams(d)

    for output in (lambda d: D.separation_factor(space, d, state, "Li+", "Mg2+"),
                   lambda d: D.ion_flux(space, d, state, "Li+") * 1e18):
        assert_gradient_matches_central_difference(lambda p: output(p.design), as_params(start),
                                                   ("tip_radius", "base_radius", "length", "surface_charge"))


class DesignParams:
    """Adapter: a ChannelDesign with Parameters' ``replace``/attribute interface (for the FD helper)."""

    def __init__(self, d):
        self.design = d

    def __getattr__(self, name):
        return getattr(self.__dict__["design"], name)

    def replace(self, **changes):
        return DesignParams(D.ChannelDesign(**{**{k: getattr(self.design, k) for k in
                                                  ("tip_radius", "base_radius", "length", "surface_charge")},
                                               **changes}))


jax.tree_util.register_pytree_node(DesignParams, lambda p: ((p.design,), None), lambda _, c: DesignParams(c[0]))


def test_transform_round_trip_and_bounds():
    transform = D.Transform(cone=True, max_charge=0.2)
    d = design(2e-9, 5e-9, 30e-9, -0.1)
    back = transform.design(transform.theta(d)).as_floats()
    for key, value in d.as_floats().items():
        assert back[key] == pytest.approx(value, rel=1e-12)
    wild = transform.design({"tip": jnp.asarray(-30.0), "gap": jnp.asarray(-30.0), "length": jnp.asarray(3.0),
                             "charge": jnp.asarray(50.0)}).as_floats()
    assert 0 < wild["tip_radius"] <= wild["base_radius"] and abs(wild["surface_charge"]) <= 0.2
    with pytest.raises(ValueError, match="max_charge"):
        transform.theta(design(2e-9, 5e-9, 30e-9, -0.3))


def test_impossible_design_fails_fast():
    with pytest.raises(ValueError, match="tip_radius"):
        D.DesignSpace(FEED, PERMEATE, 0.0, design(6e-9, 3e-9, 40e-9, 0.0))
    with pytest.raises(ValueError, match="length"):
        design(3e-9, 3e-9, -1.0, 0.0).check()


@pytest.mark.slow
def test_optimizer_is_monotone_and_reaches_the_dense_scan_optimum(tmp_path):
    """Maximize S(Li/Mg) of a cylinder (σ = +0.02 C/m²) over its radius with J_Li ≥ ½ J_Li(4 nm):
    the optax loop (Adam + monotone safeguard) from a poor start (7 nm) lands on the optimum of a
    dense radius scan of the same loss (45 radii, then 41 around the best: radius within 0.5 %,
    loss within 1e-4). The optimum sits where the flux constraint starts to bind."""
    reference = design(4e-9, 4e-9, 40e-9, 0.02)
    space = D.DesignSpace(FEED, PERMEATE, 0.05, reference, reservoirs=None, mesh=MESH)
    transform = D.Transform(cone=False, fixed_length=40e-9, fixed_charge=0.02)
    state = space.solve(reference)
    min_flux = 0.5 * float(D.ion_flux(space, reference, state, "Li+"))
    loss = D.penalized("Li+", "Mg2+", min_flux)

    def scan(radii):
        values, guess = [], None
        for r in radii[::-1]:
            d = design(r, r, 40e-9, 0.02)
            guess = space.solve(d, guess)
            values.append(float(loss(space, d, guess)))
        return np.array(values[::-1])

    coarse = np.linspace(1.5e-9, 7e-9, 45)
    k = int(np.argmin(scan(coarse)))
    assert 0 < k < len(coarse) - 1, "the scan optimum must be interior"
    fine = np.linspace(coarse[k - 1], coarse[k + 1], 41)  # resolution 0.2 % of the radius
    fine_losses = scan(fine)
    scan_best = fine[int(np.argmin(fine_losses))]

    path = tmp_path / "history.h5"
    result = D.optimize(space, loss, design(7e-9, 7e-9, 40e-9, 0.02), transform, optax.adam(0.1), steps=60,
                        relayout_factor=100.0, history_path=path, tolerance=1e-9)
    losses = result.history.column("loss")
    print("scan optimum", scan_best, "optimizer", result.design.as_floats()["tip_radius"], "losses", losses)
    assert np.all(np.diff(losses) <= 0)
    assert losses[-1] < losses[0] - 0.1
    assert result.design.as_floats()["tip_radius"] == pytest.approx(scan_best, rel=5e-3)
    assert result.loss <= fine_losses.min() + 1e-4
    with h5py.File(path) as f:
        np.testing.assert_allclose(f["loss"][:], losses)


def test_same_valence_selectivity_is_the_diffusivity_ratio():
    """Analytic limit: Li⁺ and Na⁺ (both z = 1) with proportional feed and permeate have proportional
    profiles in plain PNP, so S(Li/Na) = D_Li/D_Na exactly, whatever the charged cone (1e-8)."""
    feed = pnp.Electrolyte.from_salts({"LiCl": 30.0, "NaCl": 100.0})
    start = design(2e-9, 5e-9, 40e-9, 0.05)
    space = D.DesignSpace(feed, feed.scaled(0.1), 0.1, start, reservoirs=None, mesh=MESH)
    s = float(D.separation_factor(space, start, space.solve(start), "Li+", "Na+"))
    li, na = feed.names.index("Li+"), feed.names.index("Na+")
    assert s == pytest.approx(feed.diffusivities[li] / feed.diffusivities[na], rel=1e-8)


def test_pareto_front_keeps_exactly_the_non_dominated_designs():
    """(S, J): (3, 1) and (1, 3) and (2, 2) trade off; (1, 1) and (2, 1.5) are dominated; NaN and
    J ≤ 0 are left out; the front comes sorted by flux."""
    from pnp.design import pareto_front

    s = np.array([1.0, 3.0, 2.0, 1.0, 2.0, np.nan, 9.0])
    j = np.array([3.0, 1.0, 2.0, 1.0, 1.5, 5.0, 0.0])
    np.testing.assert_array_equal(pareto_front(s, j), [1, 2, 0])


# ------------------------------------------------------------------------------------------
# Membrane designs: pore radius, thickness, fixed charge and pore permittivity of a 1D membrane
# with every pore term on (steric, Born, hindrance, dehydration with wall coordination χ = 0.8)

MEMBRANE_FEED = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 100.0})
PORE_MODEL = pnp.Membrane(1e-6, 0.0, dehydration=True, wall_coordination=0.8)


def membrane_design(radius, thickness, charge, permittivity):
    return D.MembraneDesign(*map(jnp.asarray, (radius, thickness, charge, permittivity)))


@pytest.fixture(scope="module")
def membrane_space():
    start = membrane_design(0.45e-9, 200e-9, 40.0, 45.0)
    space = D.DesignSpace(MEMBRANE_FEED, MEMBRANE_FEED.scaled(0.1), 0.05, start, membrane=PORE_MODEL)
    return space, start, space.solve(start)


def test_membrane_design_is_the_membrane_that_pnp_solve_solves(membrane_space):
    """The design on its frozen mesh gives pnp.solve's fluxes for the same pnp.Membrane (1e-8)."""
    space, start, state = membrane_space
    membrane = pnp.Membrane(200e-9, 40.0, pore_radius=0.45e-9, pore_permittivity=45.0, dehydration=True,
                            wall_coordination=0.8)
    sol = pnp.solve(membrane, MEMBRANE_FEED, 0.05, right=MEMBRANE_FEED.scaled(0.1))
    for ion in ("Li+", "Mg2+", "Cl-"):
        assert float(D.ion_flux(space, start, state, ion)) == pytest.approx(sol.fluxes[ion], rel=1e-8)


def test_membrane_gradients_in_radius_thickness_charge_and_permittivity(membrane_space):
    """d(S(Li/Mg), J_Li)/d(r_p, L, X, ε_p) with every pore term on = central differences (1e-5)."""
    space, start, state = membrane_space
    for output in (lambda d: D.separation_factor(space, d, state, "Li+", "Mg2+"),
                   lambda d: D.ion_flux(space, d, state, "Li+") * 1e4):
        assert_gradient_matches_central_difference(output, start, ("pore_radius", "thickness", "fixed_charge",
                                                                   "pore_permittivity"))


@pytest.fixture(scope="module")
def nanofiltration_space():
    start = membrane_design(0.45e-9, 200e-9, 40.0, 45.0)
    space = D.nanofiltration_space(MEMBRANE_FEED, 1e-6, start, membrane=PORE_MODEL)
    return space, start, space.solve(start)


def test_nanofiltration_design_is_pnp_nanofiltration_and_its_gradients_match(nanofiltration_space):
    """Under nanofiltration (J_v = 1 µm/s) the design's fluxes are pnp.nanofiltration's for the same
    pnp.Membrane (1e-8: both stop at the same permeate), a warm start at the
    answer takes no step, and d(S(Li/Mg), J_Li)/d(r_p, L, X, ε_p) with every pore term on, through the
    permeate search, match central differences (1e-5).

    J_Li's differences use a step of 1e-4 of each field: J_Li depends weakly on X (X ∂J/∂X / J ≈ 1e-3),
    so at 1e-5 the two values differ by 1.7e-8 of J_Li, no more than the permeate search's tolerance
    (1e-8) and the quotient is noise (measured: 2.0e-5 from the adjoint at step 1e-5, 1.0e-6 at 1e-4,
    2.1e-5 at 1e-3 where truncation takes over)."""
    space, start, result = nanofiltration_space
    membrane = pnp.Membrane(200e-9, 40.0, pore_radius=0.45e-9, pore_permittivity=45.0, dehydration=True,
                            wall_coordination=0.8)
    reference = pnp.nanofiltration(membrane, MEMBRANE_FEED, 1e-6)
    for ion in ("Li+", "Mg2+", "Cl-"):
        assert float(D.ion_flux(space, start, result, ion)) == pytest.approx(reference.fluxes[ion], rel=1e-8)
    assert float(D.separation_factor(space, start, result, "Li+", "Mg2+")) == pytest.approx(
        reference.separation_factor("Li+", "Mg2+"), rel=1e-8)
    assert space.solve(start, result).iterations == 0
    for output, step in ((lambda d: D.separation_factor(space, d, result, "Li+", "Mg2+"), 1e-5),
                         (lambda d: D.ion_flux(space, d, result, "Li+") * 1e4, 1e-4)):
        assert_gradient_matches_central_difference(output, start, ("pore_radius", "thickness", "fixed_charge",
                                                                   "pore_permittivity"), step=step)


def test_penalized_with_a_selectivity_floor_maximizes_the_flux(nanofiltration_space):
    """penalized(min_selectivity=S_min) is −ln J_Li above the floor and adds weight·ln²(S_min/S) below it;
    exactly one floor is accepted."""
    space, start, result = nanofiltration_space
    s = float(D.separation_factor(space, start, result, "Li+", "Mg2+"))
    j = float(D.ion_flux(space, start, result, "Li+"))
    above = D.penalized("Li+", "Mg2+", min_selectivity=0.5 * s)(space, start, result)
    below = D.penalized("Li+", "Mg2+", weight=3.0, min_selectivity=2.0 * s)(space, start, result)
    assert float(above) == pytest.approx(-np.log(j), rel=1e-12)
    assert float(below) == pytest.approx(-np.log(j) + 3.0 * np.log(2.0) ** 2, rel=1e-12)
    with pytest.raises(ValueError, match="exactly one floor"):
        D.penalized("Li+", "Mg2+", 1e-3, min_selectivity=2.0)
    with pytest.raises(ValueError, match="positive number"):
        D.penalized("Li+", "Mg2+", min_selectivity=-2.0)


def test_nanofiltration_converges_where_the_fixed_point_overshoots(nanofiltration_space):
    """X = +95 mol/m³ and ε_p = 30 reject Mg²⁺ 10⁴×: the undamped fixed point c_p ← J/J_v cycled
    (residual 1 → 2.4e3 → … for 50 steps) and the Newton search stalled at 7e-10 under a 1e-10
    tolerance; the damped search converges, to a permeate that carries the fluxes (c_p = J/J_v, 1e-7)."""
    space, _, _ = nanofiltration_space
    result = space.nanofiltration(membrane_design(0.6e-9, 200e-9, 95.0, 30.0))
    fluxes = result.solution.fluxes
    for ion, c in zip(result.species, result.permeate.concentrations):
        assert float(fluxes[ion]) / 1e-6 == pytest.approx(float(c), rel=1e-7)
    assert float(result.rejection["Mg2+"]) > 0.99


def test_nanofiltration_fixed_point_step_keeps_the_permeate_a_bath():
    """Warm-started from the 0.418 nm pore, the 0.355 nm pore (30 mM LiCl + 500 mM MgCl₂, X = −95 mol/m³,
    ε_p = 30, 1 µm) needs fixed-point steps whose full length gave a negative Mg²⁺ permeate (c_Mg
    set by electroneutrality: −0.095 mol/m³, a ValueError out of the search); shortened to a valid
    bath, the search converges to a permeate that carries the fluxes: c_p = J/J_v to 1e-7 for Li⁺ and
    Cl⁻, and for Mg²⁺ (the ion electroneutrality sets, rejected ~10¹⁰×) within what the 1e-8 current
    tolerance resolves, 2e-8 Σ|z_i| c_i,p in absolute terms."""
    feed = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 500.0})
    space = D.nanofiltration_space(feed, 1e-6, membrane_design(0.6e-9, 1e-6, 0.0, 45.0), membrane=PORE_MODEL)
    wider = space.solve(membrane_design(4.176386467199631e-10, 1e-6, -95.0, 30.0))
    result = space.solve(membrane_design(3.55445e-10, 1e-6, -95.0, 30.0), wider)
    fluxes, permeate = result.solution.fluxes, dict(zip(result.species, map(float, result.permeate.concentrations)))
    for ion in ("Li+", "Cl-"):
        assert float(fluxes[ion]) / 1e-6 == pytest.approx(permeate[ion], rel=1e-7)
    resolution = 2e-8 * sum(abs(z) * c for z, c in zip(feed.valences, permeate.values()))
    assert abs(float(fluxes["Mg2+"]) / 1e-6 - permeate["Mg2+"]) <= resolution
    assert float(result.separation_factor("Li+", "Mg2+")) > 1e6


def test_membrane_transform_round_trip_bounds_and_errors():
    transform = D.MembraneTransform(thickness=(10e-9, 10e-6))
    start = membrane_design(0.45e-9, 200e-9, -40.0, 45.0)
    assert set(transform.ranges) == {"pore_radius", "thickness", "fixed_charge", "pore_permittivity"}
    back = transform.design(transform.theta(start)).as_floats()
    for key, value in start.as_floats().items():
        assert back[key] == pytest.approx(value, rel=1e-12)
    wild = transform.design({k: jnp.asarray(v) for k, v in
                             {"pore_radius": -40.0, "thickness": 40.0, "fixed_charge": 1e3, "pore_permittivity": -1e3}.items()})
    d = wild.as_floats()
    assert 0.3e-9 <= d["pore_radius"] and d["thickness"] <= 10e-6 and d["fixed_charge"] <= 100.0
    assert d["pore_permittivity"] >= 30.0
    fixed = D.MembraneTransform(pore_radius=0.5e-9, fixed_charge=(-50.0, 50.0), pore_permittivity=40.0)
    assert set(fixed.theta(start)) == {"fixed_charge"}
    assert fixed.design(fixed.theta(start)).as_floats()["pore_radius"] == 0.5e-9
    with pytest.raises(ValueError, match="outside the open range"):
        fixed.theta(membrane_design(0.45e-9, 200e-9, -60.0, 45.0))
    with pytest.raises(ValueError, match="low < high"):
        D.MembraneTransform(pore_radius=(2e-9, 1e-9))
    with pytest.raises(ValueError, match="> 0"):
        D.MembraneTransform(thickness=-1e-6)


def test_membrane_design_space_errors():
    start = membrane_design(0.45e-9, 200e-9, -40.0, 45.0)
    with pytest.raises(ValueError, match="reservoirs belong to channel designs"):
        D.DesignSpace(MEMBRANE_FEED, MEMBRANE_FEED, 0.0, start, reservoirs=pnp.Reservoirs())
    with pytest.raises(ValueError, match="pore model of membrane designs"):
        D.DesignSpace(FEED, PERMEATE, 0.0, design(3e-9, 6e-9, 40e-9, 0.0), membrane=PORE_MODEL)
    with pytest.raises(ValueError, match="needs membrane designs"):
        D.DesignSpace(FEED, PERMEATE, 0.0, design(3e-9, 6e-9, 40e-9, 0.0), volume_flux=1e-6)
    with pytest.raises(ValueError, match="positive volume flux J_v in m/s"):
        D.nanofiltration_space(MEMBRANE_FEED, -1e-6, start)
    with pytest.raises(ValueError, match="set volume_flux"):
        D.DesignSpace(MEMBRANE_FEED, MEMBRANE_FEED, 0.0, start).nanofiltration(start)
    with pytest.raises(ValueError, match="guess must be a Nanofiltration result"):
        pnp.nanofiltration(PORE_MODEL, MEMBRANE_FEED, 1e-6, guess=start)
    with pytest.raises(ValueError, match="pore_radius must be a positive number in metres"):
        membrane_design(-0.45e-9, 200e-9, -40.0, 45.0).check()
    space = D.DesignSpace(MEMBRANE_FEED, MEMBRANE_FEED, 0.0, start)
    with pytest.raises(TypeError, match="designs MembraneDesigns, got a ChannelDesign"):
        space.problem(design(3e-9, 6e-9, 40e-9, 0.0))
