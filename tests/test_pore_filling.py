"""A porous filling inside a 2D channel (Channel(filling=pnp.Membrane(...))): the pore terms and the
fixed charge of a membrane, in part of a channel (a MOF-filled tip, say)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pnp
from pnp import analytic
from pnp.constants import GAS_CONSTANT
from pnp.pore import pore_transport

FEED = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 100.0})
RT = GAS_CONSTANT * 298.15
PORE = {"pore_radius": 0.45e-9, "pore_permittivity": 45.0, "dehydration": True, "wall_coordination": 0.8}


def test_filled_cone_tip_gives_the_donnan_steric_partition_at_equilibrium():
    """Equal baths, V = 0, uncharged walls: in the core of an 80 nm filling (X = −50 mol/m³, every pore
    term) at the tip of a cone with reservoirs, every cell holds exp(−μ_i^ex/kT) c_i e^{−z_i φ_D}
    with the Donnan potential of that partition (analytic.donnan), 1e-6; the baths keep c_bath.
    Equilibrium is exact on any mesh, so a coarse one serves (refinement 0.5, 134×38 cells, 45 in the
    core; the default mesh, 268×76, passes the same checks in 45 s against 15 s)."""
    cone = pnp.Cone(2e-9, 10e-9, 200e-9, 0.0, filling=pnp.Membrane(80e-9, -50.0, **PORE))
    solution = pnp.solve(cone, FEED, mesh=pnp.Mesh(refinement=0.5))
    excess = np.asarray(pore_transport(FEED.ions, 298.15, FEED.relative_permittivity, pore_radius=0.45e-9,
                                       pore_permittivity=45.0, dehydration=True,
                                       wall_coordination=0.8).excess_potential) / RT
    inside, potential = analytic.donnan(-50.0, FEED.concentrations, FEED.valences, partition=np.exp(-excess))
    cells = np.asarray(solution.problem.discretization.pore_cells) > 0
    z = np.asarray(solution.problem.grid.cell_z) * solution.problem.discretization.scales.length
    # ≥ 30 nm from both faces: 27 Debye lengths of the filling (1.1 nm: the pore terms leave an ionic
    # strength of 43 mM inside, at ε_p = 45), where the Donnan layers have decayed by e⁻²⁷
    core = cells & (np.abs(z - 40e-9) < 10e-9)
    assert core.sum() > 20
    for i in range(len(FEED.names)):
        np.testing.assert_allclose(np.asarray(solution.concentrations[i])[core], inside[i], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(solution.potential)[core], potential, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(solution.concentrations[:, 0, 0]), FEED.concentrations, rtol=1e-9)
    assert abs(solution.current) < 1e-20


@pytest.mark.slow
def test_filled_cylinder_is_the_membrane():
    """A cylinder (r = 2 nm, uncharged wall, baths at its ends) filled between 20 nm and 120 nm is the 1D
    membrane of thickness 100 nm with 20 nm bath layers (X = −50 mol/m³, every pore term, feed | feed/10,
    50 mV): fluxes per open area converge to the same values. Both schemes converge at first order here
    (the pore terms jump at the faces: measured differences 9.2e-3 → 4.5e-3 in J_Mg from refinement
    1 → 2); their first-order extrapolations 2 J(2) − J(1) agree within 1e-3 (measured ≤ 4e-4)."""
    right = FEED.scaled(0.1)
    layer, thickness, radius = 20e-9, 100e-9, 2e-9
    limits = []
    for geometry in (pnp.Membrane(thickness, -50.0, bath_layer=layer, **PORE),
                     pnp.Cylinder(radius, thickness + 2 * layer, 0.0, reservoirs=None,
                                  filling=pnp.Membrane(thickness, -50.0, **PORE), filling_start=layer)):
        area = 1.0 if isinstance(geometry, pnp.Membrane) else np.pi * radius**2
        fluxes = [np.array([pnp.solve(geometry, FEED, 0.05, right=right, mesh=pnp.Mesh(refinement=refinement))
                            .fluxes[ion] for ion in FEED.names]) / area for refinement in (1.0, 2.0)]
        limits.append(2 * fluxes[1] - fluxes[0])
        print(type(geometry).__name__, fluxes)
    print("extrapolated, relative difference", limits[1] / limits[0] - 1)
    np.testing.assert_allclose(limits[1], limits[0], rtol=1e-3)


def test_filling_gradients_in_its_pore_radius_and_charge():
    """dJ_Li/d(r_p, X) of a filled cylinder with every pore term = central differences (1e-5).
    The discrete flux is differentiated, so a coarse mesh serves (refinement 0.5: 1.5 s a solve
    against 5.1 s on the default one)."""
    def flux(radius, charge):
        filling = pnp.Membrane(30e-9, charge, pore_radius=radius, pore_permittivity=45.0, dehydration=True,
                               wall_coordination=0.8)
        channel = pnp.Cylinder(2e-9, 60e-9, -0.01, reservoirs=None, filling=filling, filling_start=15e-9)
        return pnp.solve(channel, FEED, 0.05, right=FEED.scaled(0.1), mesh=mesh).fluxes["Li+"] * 1e18

    mesh = pnp.frozen_mesh(pnp.Cylinder(2e-9, 60e-9, -0.01, reservoirs=None,
                                        filling=pnp.Membrane(30e-9, -50.0, **PORE), filling_start=15e-9),
                           FEED, right=FEED.scaled(0.1), mesh=pnp.Mesh(refinement=0.5))
    f = jax.jit(flux)
    exact = jax.grad(f, argnums=(0, 1))(jnp.asarray(0.45e-9), jnp.asarray(-50.0))
    for k, (value, step) in enumerate(((0.45e-9, 1e-14), (-50.0, 1e-3))):
        args = [jnp.asarray(0.45e-9), jnp.asarray(-50.0)]
        plus, minus = list(args), list(args)
        plus[k], minus[k] = value + step, value - step
        central = (f(*plus) - f(*minus)) / (2 * step)
        print(k, float(exact[k]), float(central))
        assert float(exact[k]) == pytest.approx(float(central), rel=1e-5)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"filling": pnp.Membrane(80e-9, -50.0), "filling_start": 30e-9}, ValueError,
     r"filling spans z = 3e-08 to 1.1e-07 m, beyond the channel \(0 to 1e-07 m\)"),
    ({"filling": pnp.Membrane(30e-9, -50.0, bath_layer=5e-9)}, ValueError, "leave Membrane.bath_layer unset"),
    ({"filling": pnp.Membrane(30e-9, -50.0), "filling_start": -1e-9}, ValueError, "filling_start must be ≥ 0"),
    ({"filling": 0.5e-9}, TypeError, "filling must be a pnp.Membrane"),
])
def test_filling_errors_name_the_fix(kwargs, error, message):
    with pytest.raises(error, match=message):
        pnp.Cylinder(2e-9, 100e-9, **kwargs)
