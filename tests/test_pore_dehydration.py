"""Dehydration (pnp.pore.dehydration_energy): the hydration-shell model against an independent
quadrature of its geometry, its smoothness in the pore radius, the partition coefficient it gives
a resolved membrane at equilibrium, and its errors.

The model (Zwolak et al. 2009/2010, pnp/pore.py): ΔG = −ΔG_hyd (1 − r_b/r_h) f(r_pore), with f the
fraction of the first shell (r_b < ρ < r_h) beyond the pore wall. Zwolak's own count is the
surface fraction s(ρ) of a sphere beyond the wall, √(1 − (a/ρ)²) in a cylinder and 1 − a/ρ in a
slit; f is its average over the shell's volume, so the closed form is checked against
∫ 4πρ² s(ρ) dρ / V_shell by quadrature (1e-6). Wall coordination χ scales the cost by 1 − χ.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pnp
from pnp import analytic
from pnp.constants import GAS_CONSTANT
from pnp.pore import dehydration_energy, pore_transport, shell_fraction_removed

RT = GAS_CONSTANT * 298.15
FEED = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 100.0})  # Li⁺, Cl⁻, Mg²⁺ from pnp.ions


def _quadrature_fraction(inner, outer, pore, shape):
    """The shell-volume average of the surface fraction beyond the wall (trapezoid, 200 001 points)."""
    rho = np.linspace(inner, outer, 200_001)
    gap = np.clip(pore / rho, 0.0, 1.0)
    surface = np.sqrt(1.0 - gap**2) if shape == "cylinder" else 1.0 - gap
    return np.trapezoid(rho**2 * surface, rho) / ((outer**3 - inner**3) / 3.0)


@pytest.mark.parametrize("shape", ["cylinder", "slit"])
@pytest.mark.parametrize("pore", [0.8e-10, 2.0e-10, 3.0e-10, 3.6e-10, 3.81e-10, 4.5e-10])
def test_shell_fraction_is_the_volume_average_of_the_surface_fraction(shape, pore):
    inner, outer = 0.76e-10, 3.82e-10  # Li⁺: Shannon bare and Nightingale hydrated radii
    exact = float(shell_fraction_removed(inner, outer, pore, shape))
    assert exact == pytest.approx(_quadrature_fraction(inner, outer, pore, shape), abs=1e-6)
    assert 0.0 <= exact < 1.0


@pytest.mark.parametrize("shape", ["cylinder", "slit"])
def test_dehydration_is_continuously_differentiable_in_the_pore_radius(shape):
    """f' from jax.grad matches central differences (1e-6 relative) below the hydrated radius and
    tends to 0 there (as √ or linearly), where f itself vanishes: no kink for gradient-based design."""
    li = pnp.get_ion("Li+")

    def energy(pore):
        return dehydration_energy(li.hydration_energy, li.bare_radius, li.hydrated_radius, pore, shape) / RT

    slope = jax.grad(energy)
    for pore in (1.5e-10, 3.0e-10, 3.7e-10, 3.819e-10):
        h = min(1e-15, 1e-4 * (li.hydrated_radius - pore))  # well inside the distance to the kink
        central = (float(energy(pore + h)) - float(energy(pore - h))) / (2 * h)
        assert float(slope(pore)) == pytest.approx(central, rel=1e-6)
    near, nearer, at, above = (float(slope(li.hydrated_radius + d)) for d in (-1e-14, -1e-16, 0.0, 1e-14))
    assert at == 0.0 and above == 0.0
    if shape == "cylinder":  # f' ∝ √(r_h − r_pore): continuous, without a jump at r_h
        assert nearer / near == pytest.approx(0.1, rel=1e-2)
    else:  # slit: f' ∝ (r_h − r_pore)
        assert nearer / near == pytest.approx(0.01, rel=1e-2)
    assert float(energy(li.hydrated_radius)) == 0.0


def test_dehydration_follows_the_hydration_energies():
    """At r_pore = 0.35 nm the cost orders as the hydration energies do, Mg²⁺ ≫ Li⁺ > Na⁺ > K⁺
    (the review's "more negative hydration energy → harder to enter"); none in a 0.45 nm pore,
    wider than every hydrated radius of the database ions used."""
    ions = [pnp.get_ion(name) for name in ("Mg2+", "Li+", "Na+", "K+")]
    cost = np.asarray(pore_transport(ions, 298.15, 78.4, pore_radius=0.35e-9, steric=False, dielectric=False,
                                     dehydration=True).excess_potential)
    assert np.all(np.diff(cost) < 0) and cost[-1] == 0.0 and cost[0] > 10 * cost[1]
    wide = pore_transport(ions, 298.15, 78.4, pore_radius=0.45e-9, steric=False, dielectric=False,
                          dehydration=True)
    np.testing.assert_array_equal(np.asarray(wide.excess_potential), 0.0)


@pytest.mark.parametrize("steric, dielectric", [(False, False), (True, True)], ids=["alone", "all terms"])
def test_dehydration_gives_its_partition_coefficient_at_equilibrium(steric, dielectric):
    """Equal baths, V = 0: mid-pore c_i = exp(−μ_i^ex/kT) c_i,bath exp(−z_i φ_D) with the Donnan
    potential of that partition (analytic.donnan), 1e-6 — the solver applies the shell cost as a
    potential of mean force inside the membrane only (the baths keep theirs)."""
    pore = 0.42e-9
    membrane = pnp.Membrane(1e-6, -50.0, pore_radius=pore, pore_permittivity=40.0, steric=steric,
                            dielectric=dielectric, dehydration=True)
    solution = pnp.solve(membrane, FEED)
    li, mg = pnp.get_ion("Li+"), pnp.get_ion("Mg2+")
    shell = np.asarray(dehydration_energy(np.array([li.hydration_energy, mg.hydration_energy]),
                                          np.array([li.bare_radius, mg.bare_radius]),
                                          np.array([li.hydrated_radius, mg.hydrated_radius]), pore)) / RT
    assert shell[0] == 0.0 and shell[1] > 4.0  # 0.42 nm strips Mg²⁺ (r_h 0.428 nm) but not Li⁺ (0.382 nm)
    excess = np.asarray(pore_transport(FEED.ions, 298.15, FEED.relative_permittivity, pore_radius=pore,
                                       pore_permittivity=40.0, steric=steric, dielectric=dielectric,
                                       dehydration=True).excess_potential) / RT
    if not steric:  # alone, the excess potential is the shell cost (Cl⁻, r_h 0.332 nm, keeps its shell)
        np.testing.assert_allclose(excess, [shell[0], 0.0, shell[1]], rtol=1e-12)
    inside, potential = analytic.donnan(-50.0, FEED.concentrations, FEED.valences, partition=np.exp(-excess))
    mid = solution.concentrations.shape[1] // 2
    np.testing.assert_allclose(solution.concentrations[:, mid, 0], inside, rtol=1e-6)
    assert solution.potential[mid, 0] == pytest.approx(potential, rel=1e-6)
    np.testing.assert_allclose(solution.concentrations[:, 0, 0], FEED.concentrations, rtol=1e-3)


def test_dehydration_errors_name_the_fix():
    ions = FEED.ions
    with pytest.raises(ValueError, match="dehydration needs a pore_radius"):
        pore_transport(ions, 298.15, 78.4, pore_permittivity=40.0, dehydration=True)
    bare = pnp.Ion("X+", 1, 1e-9, stokes_radius=2e-10)
    with pytest.raises(ValueError, match=r"bare_radius, hydrated_radius, hydration_energy of ion 'X\+'"):
        pore_transport([bare], 298.15, 78.4, pore_radius=0.5e-9, dehydration=True)
    with pytest.raises(ValueError, match=r"'K\+'.*narrower than the bare ion"):
        pore_transport([pnp.get_ion("K+")], 298.15, 78.4, pore_radius=0.13e-9, steric=False, dehydration=True)
    assert np.all(np.isfinite(np.asarray(jax.jacfwd(lambda a: pore_transport(
        ions, 298.15, 78.4, pore_radius=a, dehydration=True).excess_potential)(jnp.asarray(0.5e-9)))))


def test_wall_coordination_scales_each_ions_cost():
    """χ (one number, or per ion) multiplies each ion's shell cost by 1 − χ_i and leaves the other
    terms alone (1e-12); χ = 1 removes it."""
    ions = [pnp.get_ion(name) for name in ("Li+", "Mg2+", "Cl-")]
    def excess(**options):
        return np.asarray(pore_transport(ions, 298.15, 78.4, pore_radius=0.38e-9, pore_permittivity=40.0,
                                         dehydration=options.pop("dehydration", True), **options).excess_potential)
    cost = excess() - excess(dehydration=False)
    assert cost[0] > 0 and cost[1] > 0 and cost[2] == 0.0
    np.testing.assert_allclose(excess(wall_coordination=0.3) - excess(dehydration=False), 0.7 * cost,
                               rtol=1e-12, atol=1e-9)
    per_ion = excess(wall_coordination={"Li+": 1.0, "Mg2+": 0.25}) - excess(dehydration=False)
    np.testing.assert_allclose(per_ion, [0.0, 0.75 * cost[1], 0.0], rtol=1e-12, atol=1e-9)


def test_wall_coordination_gives_its_partition_and_derivative():
    """A 0.37 nm pore strips both Li⁺ (r_h 0.382 nm) and Mg²⁺ (0.428 nm); a wall that gives back 60 % of Li⁺'s shell energy:
    mid-pore concentrations = the Donnan partition of the compensated excess potentials (1e-6), and
    d c_mid / d χ_Li of every ion through pnp.solve = central differences (h = 1e-4, 1e-5 relative)."""
    pore = 0.37e-9
    mesh = pnp.frozen_mesh(pnp.Membrane(1e-6, -50.0, pore_radius=pore), FEED)

    def mid_pore(chi):
        membrane = pnp.Membrane(1e-6, -50.0, pore_radius=pore, pore_permittivity=40.0, dehydration=True,
                                wall_coordination={"Li+": chi})
        solution = pnp.solve(membrane, FEED, mesh=mesh)
        return solution.concentrations[:, solution.concentrations.shape[1] // 2, 0]

    excess = np.asarray(pore_transport(FEED.ions, 298.15, FEED.relative_permittivity, pore_radius=pore,
                                       pore_permittivity=40.0, dehydration=True,
                                       wall_coordination={"Li+": 0.6}).excess_potential) / RT
    inside, _ = analytic.donnan(-50.0, FEED.concentrations, FEED.valences, partition=np.exp(-excess))
    np.testing.assert_allclose(np.asarray(mid_pore(0.6)), inside, rtol=1e-6)
    exact = np.asarray(jax.jacfwd(mid_pore)(jnp.asarray(0.6)))
    central = (np.asarray(mid_pore(0.6 + 1e-4)) - np.asarray(mid_pore(0.6 - 1e-4))) / 2e-4
    np.testing.assert_allclose(exact, central, rtol=1e-5)  # measured within 4e-8
    # Li⁺ easier to enter weakens the Donnan potential: more Cl⁻ (d ln c/dχ = +2.4), less Mg²⁺ (−4.8)
    li, cl, mg = (FEED.ions.index(pnp.get_ion(name)) for name in ("Li+", "Cl-", "Mg2+"))
    assert exact[li] > 0 and exact[cl] > 0 and exact[mg] < 0


@pytest.mark.parametrize("options, message", [
    ({"wall_coordination": 1.5}, r"wall_coordination must be a number in \[0, 1\].*got 1\.5"),
    ({"wall_coordination": {"Mg2+": -0.1}}, r"wall_coordination\['Mg2\+'\] must be a number in \[0, 1\]"),
    ({"wall_coordination": float("nan")}, r"wall_coordination must be a number in \[0, 1\]"),
])
def test_wall_coordination_out_of_range_fails_when_the_membrane_is_built(options, message):
    with pytest.raises(ValueError, match=message):
        pnp.Membrane(1e-6, -50.0, pore_radius=0.4e-9, dehydration=True, **options)


def test_wall_coordination_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"wall_coordination scales the dehydration cost; switch dehydration=True"):
        pore_transport(FEED.ions, 298.15, 78.4, pore_radius=0.5e-9, wall_coordination=0.5)
    with pytest.raises(ValueError, match=r"wall_coordination names \['K\+'\], not ions of this electrolyte"):
        pore_transport(FEED.ions, 298.15, 78.4, pore_radius=0.5e-9, dehydration=True, wall_coordination={"K+": 0.5})


@pytest.mark.slow
def test_nanofiltration_gradients_through_dehydration_match_central_differences():
    """d S(Li/Mg) and d J_Li / d r_pore in a 0.42 nm pore that strips Mg²⁺ (all terms on, J_v = 1 µm/s)
    against Richardson-extrapolated central differences (≤ 1e-5 relative; plain central differences
    converge to it as h², measured 1.5e-5 → 3.6e-6 at h = 10 → 5 fm, 8 pm below Mg²⁺'s r_h)."""
    mesh = pnp.frozen_mesh(pnp.Membrane(1e-6, -50.0, pore_radius=0.42e-9), FEED, right=FEED.scaled(0.01))

    def outputs(pore):
        membrane = pnp.Membrane(1e-6, -50.0, pore_radius=pore, pore_permittivity=40.0, dehydration=True)
        result = pnp.nanofiltration(membrane, FEED, 1e-6, mesh=mesh)
        return jnp.stack([result.separation_factor("Li+", "Mg2+"), result.fluxes["Li+"]])

    exact = np.asarray(jax.jacfwd(outputs)(jnp.asarray(0.42e-9)))

    def central(h):
        return (np.asarray(outputs(0.42e-9 + h)) - np.asarray(outputs(0.42e-9 - h))) / (2 * h)

    richardson = (4.0 * central(5e-15) - central(1e-14)) / 3.0
    np.testing.assert_allclose(exact, richardson, rtol=1e-5)
    assert float(outputs(0.42e-9)[0]) > 10.0  # measured 23.2; 1.55 with dehydration off
