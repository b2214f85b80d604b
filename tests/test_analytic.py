"""Tests of pnp.analytic: the numbers of docs/reference/VALIDATION.md (V1-V5) and independent
cross-checks (closed forms, conservation laws, limits).

Reference numbers are compared at the precision they are stated with: the computed value must
round to the stated digits (|value - reference| <= half a unit of the last stated digit).
"""

import numpy as np
import pytest
from scipy import integrate

from pnp import analytic as an
from pnp.constants import (
    AVOGADRO,
    BOLTZMANN,
    DEFAULT_TEMPERATURE,
    ELEMENTARY_CHARGE,
    FARADAY,
    GAS_CONSTANT,
    VACUUM_PERMITTIVITY,
    WATER_RELATIVE_PERMITTIVITY,
    WATER_VISCOSITY,
    thermal_voltage,
)

VT = thermal_voltage(DEFAULT_TEMPERATURE)
EPS = WATER_RELATIVE_PERMITTIVITY * VACUUM_PERMITTIVITY
KCL_D = [1.957e-9, 2.032e-9]  # D_K, D_Cl in m^2/s
MGCL2_D = [0.706e-9, 2.032e-9]  # D_Mg, D_Cl in m^2/s
MILLI, NANO = 1e-3, 1e-9

# bath compositions per unit concentration (mol/m^3): (concentrations, valences)
SALTS = {
    "1:1": ([1.0, 1.0], [1, -1]),
    "2:1": ([1.0, 2.0], [2, -1]),
    "1:2": ([2.0, 1.0], [1, -2]),
    "mixture": ([1.0, 1.0, 1.0, 1.0], [1, 2, -2, -1]),
}


def salt(name, c):
    concentrations, valences = SALTS[name]
    return np.array(concentrations) * c, np.array(valences, dtype=float)


def kcl(c):
    return salt("1:1", c)


def assert_rounds_to(value, reference):
    """``value`` (already in the unit of ``reference``) rounds to the decimal string ``reference``."""
    decimals = len(reference.split(".")[1]) if "." in reference else 0
    half_unit = 0.5 * 10.0**-decimals
    assert abs(value - float(reference)) <= half_unit * (1 + 1e-9), f"{value!r} does not round to {reference}"


def composite_gauss(edges, order=8):
    """Gauss-Legendre points and weights on every interval of ``edges``."""
    nodes, weights = np.polynomial.legendre.leggauss(order)
    left, right = edges[:-1, None], edges[1:, None]
    return (0.5 * (left + right) + 0.5 * (right - left) * nodes).ravel(), (0.5 * (right - left) * weights).ravel()


def wall_graded_edges(extent, lam, n=2000):
    """Interval edges on [0, extent], uniform plus geometric refinement towards the wall at extent."""
    wall = extent - np.geomspace(1e-6 * min(extent, lam), extent, n)
    return np.unique(np.clip(np.concatenate([np.linspace(0.0, extent, n), wall, [extent]]), 0.0, extent))


def charge_density(psi, concentrations, valences):
    """rho = F sum_i z_i c_i exp(-z_i e psi / kT) in C/m^3."""
    return FARADAY * np.tensordot(concentrations * valences, np.exp(-np.multiply.outer(valences, psi) / VT), axes=1)


# ------------------------------------------------------------------------------------ bulk


def test_debye_length_rule_of_thumb_and_ionic_strength():
    # VALIDATION.md conventions: 1:1 Debye length 0.3042 / sqrt(c [M]) nm
    for molar in (1e-4, 1e-2, 1.0):
        assert_rounds_to(an.debye_length(*kcl(1000.0 * molar)) * np.sqrt(molar) / NANO, "0.3042")
    # MgCl2 at c has ionic strength 3c, the same as a 1:1 salt at 3c
    assert an.debye_length(*salt("2:1", 10.0)) == pytest.approx(an.debye_length(*kcl(30.0)), rel=1e-14)
    # definition with constants written out
    lam = np.sqrt(EPS * BOLTZMANN * DEFAULT_TEMPERATURE / (ELEMENTARY_CHARGE**2 * AVOGADRO * 2 * 10.0))
    assert an.debye_length(*kcl(10.0)) == pytest.approx(lam, rel=1e-14)


def test_v5_bulk_conductivity():
    assert_rounds_to(an.bulk_conductivity(*kcl(100.0), KCL_D), "1.498")
    # linear in c, and z^2-weighted: MgCl2 = 4 D_Mg c + D_Cl 2c
    kappa = an.bulk_conductivity(*salt("2:1", 50.0), MGCL2_D)
    expected = FARADAY**2 / (GAS_CONSTANT * DEFAULT_TEMPERATURE) * 50.0 * (4 * MGCL2_D[0] + 2 * MGCL2_D[1])
    assert kappa == pytest.approx(expected, rel=1e-14)


# ----------------------------------------------------------------------------- planar walls


def test_v1_gouy_chapman_wall():
    psi0 = an.grahame_surface_potential(-0.05, *kcl(10.0))
    assert_rounds_to(psi0 / MILLI, "-110.767")
    assert_rounds_to(np.exp(-psi0 / VT), "74.534")  # wall c+/c0
    x = np.array([3.042e-9, 1e-9])
    for psi in (an.gouy_chapman_potential(x, psi0, 10.0), an.planar_pb_potential(x, -0.05, *kcl(10.0))):
        assert_rounds_to(psi[0] / MILLI, "-30.853")
        assert_rounds_to(psi[1] / MILLI, "-66.606")


@pytest.mark.parametrize("sigma, c, expected", [(-0.01, 10.0, "-39.699"), (-0.05, 100.0, "-56.864")])
def test_v1_other_wall_potentials(sigma, c, expected):
    assert_rounds_to(an.grahame_surface_potential(sigma, *kcl(c)) / MILLI, expected)


def test_grahame_1to1_closed_form():
    sigma = np.array([-2.0, -0.05, -1e-6, 1e-6, 0.05, 2.0])
    for c in (1e-2, 10.0, 1e4):
        expected = 2 * VT * np.arcsinh(sigma / np.sqrt(8 * EPS * BOLTZMANN * DEFAULT_TEMPERATURE * AVOGADRO * c))
        np.testing.assert_allclose(an.grahame_surface_potential(sigma, *kcl(c)), expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(SALTS))
def test_grahame_round_trip(name):
    sigma = np.array([-2.0, -0.3, -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 0.3, 2.0])
    for c in (1e-2, 1.0, 1e4):
        ions = salt(name, c)
        psi0 = an.grahame_surface_potential(sigma, *ions)
        assert np.all(np.sign(psi0) == np.sign(sigma))
        np.testing.assert_allclose(an.grahame_surface_charge(psi0, *ions), sigma, rtol=1e-12, atol=0)
    # the textbook form sign(psi0) sqrt(2 eps kT N_A sum c_i (exp(-z_i e psi0/kT) - 1)) at large psi0
    c, z = salt(name, 10.0)
    psi0 = np.array([-0.2, 0.15])
    textbook = np.sign(psi0) * np.sqrt(
        2 * EPS * BOLTZMANN * DEFAULT_TEMPERATURE * AVOGADRO * (np.exp(-np.outer(psi0, z) / VT) - 1) @ c
    )
    np.testing.assert_allclose(an.grahame_surface_charge(psi0, c, z), textbook, rtol=1e-12)


@pytest.mark.parametrize("valence", [1, 2])
@pytest.mark.parametrize("sigma", [-0.3, -0.05, -1e-4, 1e-6, 0.02])
@pytest.mark.parametrize("c", [1e-2, 10.0, 1e4])
def test_planar_pb_matches_gouy_chapman(valence, sigma, c):
    ions = (np.array([c, c]), np.array([valence, -valence]))
    x = np.linspace(0.0, 20.0, 81) * an.debye_length(*ions)
    psi0 = an.grahame_surface_potential(sigma, *ions)
    expected = an.gouy_chapman_potential(x, psi0, c, valence=valence)
    np.testing.assert_allclose(an.planar_pb_potential(x, sigma, *ions), expected, rtol=1e-10, atol=0)


@pytest.mark.parametrize("name", ["2:1", "1:2", "mixture"])
@pytest.mark.parametrize("sigma", [-0.1, 0.02])
def test_planar_pb_gauss_law(name, sigma):
    """Total diffuse charge of the general-valence profile balances the wall: int rho dx = -sigma."""
    ions = salt(name, 10.0)
    lam = an.debye_length(*ions)
    x, w = composite_gauss(40 * lam - wall_graded_edges(40 * lam, lam)[::-1])
    psi = an.planar_pb_potential(x, sigma, *ions)
    assert np.all(np.sign(psi) == np.sign(sigma))
    assert w @ charge_density(psi, *ions) == pytest.approx(-sigma, rel=1e-8)


# ------------------------------------------------------------------------ slits and cylinders


def test_v2_pb_cylinder():
    ions, a = kcl(10.0), 5e-9
    r = np.array([a, 0.0])
    weak = an.pb_cylinder_potential(r, a, -0.001, *ions) / MILLI
    assert_rounds_to(weak[0], "-6.907")
    assert_rounds_to(weak[1], "-3.830")
    weak_dh = an.debye_huckel_cylinder_potential(r, a, -0.001, *ions) / MILLI
    assert_rounds_to(weak_dh[0], "-6.951")
    assert_rounds_to(weak_dh[1], "-3.865")
    np.testing.assert_allclose(weak_dh, weak, rtol=0.01)  # "within 1 %"
    strong = an.pb_cylinder_potential(r, a, -0.01, *ions) / MILLI
    assert_rounds_to(strong[0], "-51.454")
    assert_rounds_to(strong[1], "-24.984")
    assert np.all(np.abs(an.debye_huckel_cylinder_potential(r, a, -0.01, *ions) / MILLI / strong - 1) > 0.3)  # DH fails


@pytest.mark.parametrize("geometry", ["cylinder", "slit"])
@pytest.mark.parametrize("name", ["1:1", "2:1"])
@pytest.mark.parametrize("a", [0.5e-9, 5e-9, 50e-9])
def test_pb_matches_debye_huckel_at_small_charge(geometry, name, a):
    """Nonlinear corrections are O(phi^2) for a symmetric salt, O(phi) otherwise (sum c z^3 != 0)."""
    ions, sigma = salt(name, 10.0), -1e-6
    pos = np.linspace(0.0, a, 11)
    if geometry == "cylinder":
        pb_model, dh_model = an.pb_cylinder_potential, an.debye_huckel_cylinder_potential
    else:
        pb_model, dh_model = an.pb_slit_potential, an.debye_huckel_slit_potential
    pb, dh = pb_model(pos, a, sigma, *ions), dh_model(pos, a, sigma, *ions)
    phi = np.max(np.abs(dh)) / VT
    np.testing.assert_allclose(pb, dh, rtol=phi**2 if name == "1:1" else phi, atol=1e-9 * np.max(np.abs(dh)))


@pytest.mark.parametrize("geometry", ["cylinder", "slit"])
@pytest.mark.parametrize("name, c, a, sigma", [
    ("1:1", 0.1, 5e-9, -0.02),  # strongly overlapped
    ("1:1", 1000.0, 20e-9, 0.3),  # thin double layer, strongly charged
    ("2:1", 10.0, 2e-9, -0.05),
    ("1:2", 10.0, 2e-9, -0.05),
    ("mixture", 100.0, 1e-9, 0.1),
])
def test_confined_pb_gauss_law_and_sign(geometry, name, c, a, sigma):
    """Diffuse charge balances the wall charge (cylinder: int rho 2 pi r dr = -2 pi a sigma;
    slit half: int_0^h rho dx = -sigma), and psi has the sign of sigma everywhere."""
    ions = salt(name, c)
    pos, w = composite_gauss(wall_graded_edges(a, an.debye_length(*ions)))
    if geometry == "cylinder":
        psi = an.pb_cylinder_potential(pos, a, sigma, *ions)
        total, expected = w @ (2 * np.pi * pos * charge_density(psi, *ions)), -2 * np.pi * a * sigma
    else:
        psi = an.pb_slit_potential(pos, a, sigma, *ions)
        total, expected = w @ charge_density(psi, *ions), -sigma
        np.testing.assert_array_equal(an.pb_slit_potential(-pos, a, sigma, *ions), psi)  # symmetric
    assert np.all(np.sign(psi) == np.sign(sigma))
    assert total == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("name", ["1:1", "2:1"])
def test_wide_slit_wall_matches_planar_wall(name):
    ions, sigma = salt(name, 10.0), -0.05
    lam = an.debye_length(*ions)
    h, d = 30 * lam, np.linspace(0.0, 5.0, 26) * lam
    planar = an.planar_pb_potential(d, sigma, *ions)
    np.testing.assert_allclose(an.pb_slit_potential(h - d, h, sigma, *ions), planar, rtol=1e-7)


@pytest.mark.parametrize("c, expected", [(0.1, "0.04786"), (10.0, "0.04962"), (100.0, "0.13165"), (1000.0, "1.1800")])
def test_v3_long_channel_conductance(c, expected):
    G = an.long_channel_conductance(5e-9, 1e-6, -0.02, *kcl(c), KCL_D)
    assert_rounds_to(G / NANO, expected)


def test_long_channel_conductance_uncharged_is_bulk():
    ions = salt("2:1", 10.0)
    kappa = an.bulk_conductivity(*ions, MGCL2_D)
    G = an.long_channel_conductance(5e-9, 1e-6, 0.0, *ions, MGCL2_D)
    assert G == pytest.approx(kappa * np.pi * (5e-9) ** 2 / 1e-6, rel=1e-12)
    G = an.long_channel_conductance(5e-9, 1e-6, 0.0, *ions, MGCL2_D, geometry="slit", depth=2e-6)
    assert G == pytest.approx(kappa * 2 * 5e-9 * 2e-6 / 1e-6, rel=1e-12)


def test_long_slit_conductance_surface_plateau():
    """Overlapped slit, counter-ions only (|sigma|/e per unit wall area, two walls):
    G -> (e / kT) D_+ |sigma| (2 depth) / L (surface conduction)."""
    sigma, h, L, depth = -0.05, 1e-9, 1e-6, 1e-6
    G = an.long_channel_conductance(h, L, sigma, *kcl(0.01), KCL_D, geometry="slit", depth=depth)
    plateau = FARADAY / (GAS_CONSTANT * DEFAULT_TEMPERATURE) * KCL_D[0] * abs(sigma) * 2 * depth / L
    assert G == pytest.approx(plateau, rel=1e-6)


@pytest.mark.parametrize("geometry, kappa_a", [("cylinder", 1.0), ("cylinder", 5.0), ("slit", 2.0)])
def test_long_channel_electrokinetics_debye_huckel_limit(geometry, kappa_a):
    """At a small charge the streaming conductance is −(Aε ζ f/(ηL)) with the Rice–Whitehead
    (cylinder) or Burgreen–Nakache (slit) factor f and the Debye–Hückel ζ, to O(ζ²) (ζ ≈ 0.004 kT/e here)."""
    ions = kcl(10.0)
    lam = an.debye_length(*ions)
    extent, sigma, length, depth = kappa_a * lam, -1e-5, 1e-6, (None if geometry == "cylinder" else 1e-6)
    result = an.long_channel_electrokinetics(extent, length, sigma, *ions, KCL_D, geometry=geometry, depth=depth)
    if geometry == "cylinder":
        zeta, factor = an.cylinder_zeta_potential(sigma, extent, lam), an.rice_whitehead_factor(kappa_a)
        area = np.pi * extent**2
    else:
        zeta, factor = an.slit_zeta_potential(sigma, extent, lam), an.slit_electroosmosis_factor(kappa_a)
        area = 2 * extent * depth
    assert result["zeta"] == pytest.approx(zeta, rel=1e-4)
    assert result["streaming_conductance"] == pytest.approx(-area * EPS * zeta * factor / (WATER_VISCOSITY * length),
                                                            rel=1e-4)
    assert result["streaming_potential_coefficient"] == pytest.approx(
        -result["streaming_conductance"] / result["conductance"], rel=1e-14)


def test_long_channel_electroosmotic_conductance_is_the_field_energy_integral():
    """G_eo = (ε²/(ηL)) ∫|∇ψ|² dA, computed by parts (ζσP + ∫ψρ_e dA), equals the direct
    quadrature of dψ/dr from the PB profile (Simpson, 20001 points) to 1e-6, at a high charge."""
    a, length, sigma = 5e-9, 1e-6, -0.1
    ions = kcl(10.0)
    r = np.linspace(0.0, a, 20001)
    slope = np.gradient(an.pb_cylinder_potential(r, a, sigma, *ions), r)
    direct = EPS**2 / (WATER_VISCOSITY * length) * integrate.simpson(slope**2 * 2 * np.pi * r, x=r)
    result = an.long_channel_electrokinetics(a, length, sigma, *ions, KCL_D)
    assert result["electroosmotic_conductance"] == pytest.approx(direct, rel=1e-6)
    assert result["conductance"] == pytest.approx(result["ohmic_conductance"] + direct, rel=1e-6)
    assert result["hydraulic_conductance"] == pytest.approx(np.pi * a**4 / (8 * WATER_VISCOSITY * length), rel=1e-14)


# ----------------------------------------------------------------------------------- membranes


@pytest.mark.parametrize("X", [-1000.0, -100.0, -1e-3, 1e-3, 100.0, 1000.0])
def test_donnan_1to1_closed_form(X):
    c = 100.0
    inside, phi = an.donnan(X, *kcl(c))
    c_plus = np.sqrt(X**2 / 4 + c**2) - X / 2  # = sqrt(X^2/4 + c^2) + |X|/2 for X < 0
    np.testing.assert_allclose(inside, [c_plus, c**2 / c_plus], rtol=1e-12)
    assert phi == pytest.approx(-VT * np.log(c_plus / c), rel=1e-10)


@pytest.mark.parametrize("X", [-500.0, -1.0, 2.0, 300.0])
def test_donnan_2to1_salt(X):
    """MgCl2 (c, 2c): with t = exp(phi_D): 2c/t^2 - 2c t + X = 0, i.e. the cubic 2c t^3 - X t^2 - 2c = 0."""
    c = 10.0
    inside, phi = an.donnan(X, *salt("2:1", c))
    roots = np.roots([2 * c, -X, 0.0, -2 * c])
    t = roots[(np.abs(roots.imag) < 1e-12) & (roots.real > 0)].real
    assert t.size == 1
    assert phi == pytest.approx(VT * np.log(t[0]), rel=1e-10)
    assert inside @ [2, -1] + X == pytest.approx(0.0, abs=1e-10 * abs(X))


def test_donnan_without_fixed_charge_is_the_bath():
    inside, phi = an.donnan(0.0, *salt("mixture", 5.0))
    np.testing.assert_array_equal(inside, salt("mixture", 5.0)[0])
    assert phi == 0.0


@pytest.mark.parametrize("X, expected", [(0.0, "-1.112"), (-100.0, "46.665"), (-1000.0, "58.899")])
def test_v4_tms_membrane_potential(X, expected):
    assert_rounds_to(an.tms_membrane_potential(X, 100.0, 10.0, *KCL_D) / MILLI, expected)


@pytest.mark.parametrize("X", [-1000.0, -100.0, -5.0, 5.0, 100.0, 1000.0])
def test_tms_equals_donnan_plus_diffusion_potential(X):
    """E = phi_D(c1) + (diffusion potential inside) - phi_D(c2). Inside, c+ = c- - X and zero current
    D+(c' + c+ phi') = D-(c' - c- phi') give dphi/dc- = (kT/e)(D- - D+) / (D+ c+ + D- c-)."""
    c1, c2 = 100.0, 10.0
    d_plus, d_minus = KCL_D
    (_, anion1), phi1 = an.donnan(X, *kcl(c1))
    (_, anion2), phi2 = an.donnan(X, *kcl(c2))
    slope = lambda cm: VT * (d_minus - d_plus) / (d_plus * (cm - X) + d_minus * cm)
    diffusion = integrate.quad(slope, anion1, anion2, epsabs=0, epsrel=1e-12)[0]
    assert an.tms_membrane_potential(X, c1, c2, d_plus, d_minus) == pytest.approx(phi1 + diffusion - phi2, rel=1e-10)


def test_tms_limits_and_vectorisation():
    X = np.array([-1e6, -100.0, 0.0, 100.0, 1e6])
    E = an.tms_membrane_potential(X, 100.0, 10.0, *KCL_D)
    nernst = VT * np.log(10.0)
    assert E[0] == pytest.approx(nernst, rel=1e-4)  # ideally cation-selective
    assert E[-1] == pytest.approx(-nernst, rel=1e-4)  # ideally anion-selective
    assert E[2] == pytest.approx(VT * (KCL_D[0] - KCL_D[1]) / sum(KCL_D) * np.log(10.0), rel=1e-12)  # liquid junction
    # charge conjugation: reversing X and swapping D+ <-> D- reverses E
    np.testing.assert_allclose(an.tms_membrane_potential(-X, 100.0, 10.0, *KCL_D[::-1]), -E, rtol=1e-12)


# ------------------------------------------------------------------------------------ GHK


def test_ghk_reversal_single_permeant_ion_is_nernst():
    left, right = [100.0, 10.0, 110.0], [10.0, 50.0, 60.0]  # K+, Na+, Cl-
    V = an.ghk_reversal_potential(left, right, [1, 1, -1], [1e-8, 0.0, 0.0])
    assert V == pytest.approx(VT * np.log(10.0 / 100.0), rel=1e-12)
    V = an.ghk_reversal_potential(left, right, [1, 1, -1], [0.0, 0.0, 1e-8])
    assert V == pytest.approx(-VT * np.log(60.0 / 110.0), rel=1e-12)


def test_ghk_current_vanishes_at_reversal():
    left, right, z, P = [100.0, 10.0, 110.0], [10.0, 50.0, 60.0], [1, 1, -1], [1e-8, 4e-10, 4.5e-9]
    V = an.ghk_reversal_potential(left, right, z, P)
    scale = FARADAY * 1e-8 * 100.0
    assert abs(an.ghk_current_density(V, left, right, z, P)) < 1e-12 * scale
    # divalent ion: zero current at its own Nernst potential kT/(z e) ln(c_right / c_left)
    assert abs(an.ghk_current_density(VT / 2 * np.log(3.0 / 0.5), [0.5], [3.0], [2], [1e-9])) < 1e-14 * FARADAY * 1e-9


def test_ghk_current_density_form_and_sign():
    P, cl, cr = 2e-9, 50.0, 5.0
    # V = 0: pure diffusion, positive (left to right) for a cation at higher concentration on the left
    assert an.ghk_current_density(0.0, [cl], [cr], [1], [P]) == pytest.approx(FARADAY * P * (cl - cr), rel=1e-14)
    V = np.array([-0.1, -1e-9, 1e-9, 0.05])
    for z in (1, -1, 2, -3):
        u = z * V / VT
        textbook = P * z**2 * FARADAY * V / VT * (cl - cr * np.exp(-u)) / (1 - np.exp(-u))
        np.testing.assert_allclose(an.ghk_current_density(V, [cl], [cr], [z], [P]), textbook, rtol=1e-6)
    # a positive voltage on the left drives cations to the right
    assert an.ghk_current_density(0.1, [10.0], [10.0], [1], [P]) > 0


# ---------------------------------------------------------------------------------- ohmic limits


def test_v5_ohmic_limits():
    kappa = an.bulk_conductivity(*kcl(1000.0), KCL_D)
    G_cyl = an.ohmic_cylinder_conductance(5e-9, 20e-9, kappa)
    G_cone = an.ohmic_cone_conductance(10e-9, 500e-9, 12e-6, kappa)
    assert_rounds_to(G_cyl / NANO, "42.24")
    assert_rounds_to(G_cone / NANO, "18.98")
    assert G_cyl / NANO == pytest.approx(42.24, rel=0.03)
    assert G_cone / NANO == pytest.approx(18.98, rel=0.02)
    # a cone of equal radii is a cylinder (access 1/(4 kappa a) per mouth = 1/(2 kappa a) in total)
    assert an.ohmic_cone_conductance(5e-9, 5e-9, 20e-9, kappa) == pytest.approx(G_cyl, rel=1e-14)


# ---------------------------------------------------------------------------------- charge mosaic

CMM = dict(sigma_plus=0.025, sigma_minus=0.0079, thickness=400e-6, c_feed=30.0, c_receiving=1.0, alpha=2.0)


def test_cmm_optimum_is_argmax_of_flux():
    theta = np.linspace(0.0, 1.0, 200_001)
    flux = an.cmm_lithium_flux(theta, **CMM)
    optimum = an.cmm_optimal_fraction(CMM["sigma_plus"], CMM["sigma_minus"])
    assert abs(theta[np.argmax(flux)] - optimum) <= 1e-5
    assert optimum < 0.5  # the more conductive phase takes the smaller fraction


def test_cmm_flux_is_emf_over_series_resistance():
    theta = 0.57
    emf = VT * (2 * np.log(CMM["c_feed"] / CMM["c_receiving"]) + np.log(CMM["alpha"] + 1))
    resistance = CMM["thickness"] / (theta * CMM["sigma_plus"]) + CMM["thickness"] / ((1 - theta) * CMM["sigma_minus"])
    expected = emf / resistance / FARADAY  # mol m^-2 s^-1
    assert an.cmm_lithium_flux(theta, **CMM) == pytest.approx(expected, rel=1e-13)
    assert an.cmm_lithium_flux(np.array([0.0, 1.0]), **CMM) == pytest.approx([0.0, 0.0])


# ------------------------------------------------------------------------------- input checks


@pytest.mark.parametrize("call", [
    lambda: an.debye_length([10.0, -10.0], [1, -1]),
    lambda: an.debye_length([10.0, 10.0], [1, -1, 2]),
    lambda: an.debye_length([10.0], [0]),
    lambda: an.grahame_surface_potential(-0.01, [10.0, 10.0], [2, -1]),  # not electroneutral
    lambda: an.gouy_chapman_potential(-1e-9, -0.05, 10.0),
    lambda: an.gouy_chapman_potential(1e-9, -0.05, 0.0),
    lambda: an.pb_cylinder_potential(1e-9, 0.0, -0.01, *kcl(10.0)),
    lambda: an.pb_cylinder_potential(6e-9, 5e-9, -0.01, *kcl(10.0)),
    lambda: an.pb_slit_potential(-6e-9, 5e-9, -0.01, *kcl(10.0)),
    lambda: an.debye_huckel_cylinder_potential(0.0, -5e-9, -0.01, *kcl(10.0)),
    lambda: an.long_channel_conductance(5e-9, 1e-6, -0.02, *kcl(10.0), KCL_D, geometry="slit"),
    lambda: an.long_channel_conductance(5e-9, 1e-6, -0.02, *kcl(10.0), KCL_D, geometry="cone"),
    lambda: an.long_channel_conductance(5e-9, 1e-6, -0.02, *kcl(10.0), KCL_D[:1]),
    lambda: an.long_channel_electrokinetics(5e-9, 1e-6, -0.02, *kcl(10.0), KCL_D, viscosity=0.0),
    lambda: an.long_channel_electrokinetics(5e-9, -1e-6, -0.02, *kcl(10.0), KCL_D),
    lambda: an.donnan(-10.0, [10.0, 0.0], [1, -1]),
    lambda: an.tms_membrane_potential(-10.0, 0.0, 10.0, *KCL_D),
    lambda: an.ghk_reversal_potential([1.0], [2.0], [2], [1e-9]),
    lambda: an.ghk_current_density(0.0, [1.0, 1.0], [2.0], [1, -1], [1e-9, 1e-9]),
    lambda: an.ohmic_cylinder_conductance(-5e-9, 20e-9, 1.0),
    lambda: an.ohmic_cone_conductance(10e-9, 500e-9, 12e-6, 0.0),
    lambda: an.cmm_lithium_flux(1.2, **CMM),
    lambda: an.cmm_optimal_fraction(0.0, 1.0),
])
def test_non_physical_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_scalar_in_scalar_out_and_shapes():
    assert isinstance(an.pb_cylinder_potential(0.0, 5e-9, -0.01, *kcl(10.0)), float)
    assert isinstance(an.grahame_surface_potential(-0.01, *kcl(10.0)), float)
    x = np.zeros((2, 3))
    assert an.planar_pb_potential(x, -0.01, *kcl(10.0)).shape == (2, 3)
    assert an.debye_huckel_slit_potential(x, 1e-9, -0.01, *kcl(10.0)).shape == (2, 3)


def test_cone_lubrication_flow_rate():
    """Q = Δp / ((8η/π) ∫ dz/R⁴): Hagen–Poiseuille at equal radii, and the closed-form integral
    against quadrature for a cone (1e-12)."""
    assert an.cone_lubrication_flow_rate(5e-9, 5e-9, 1e-7, 1e5) == pytest.approx(
        an.poiseuille_flow_rate(5e-9, 1e-7, 1e5), rel=1e-12)
    tip, base, length, eta = 5e-9, 20e-9, 1e-7, 1e-3
    integral, _ = integrate.quad(lambda z: (tip + (base - tip) * z / length) ** -4, 0.0, length, epsabs=0.0,
                                 epsrel=1e-13)
    assert an.cone_lubrication_flow_rate(tip, base, length, 1e5, eta) == pytest.approx(
        1e5 / (8 * eta / np.pi * integral), rel=1e-12)
