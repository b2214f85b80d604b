"""Analytic and semi-analytic reference solutions for electrolytes at charged walls and in channels.

These are the trusted limits used by the tests, the experiments and ``pnp validate``
(see ``docs/reference/VALIDATION.md``). Only numpy and scipy are used (no JAX).

Units at every interface are SI: concentrations in mol/m^3, lengths in m, potentials in V,
surface charge in C/m^2, diffusivities in m^2/s, conductivities in S/m, temperature in K.
Multi-ion functions take ``concentrations`` and ``valences`` as equal-length sequences of the
bath (reservoir) composition, e.g. MgCl2 at c: ``concentrations=[c, 2 c]``, ``valences=[2, -1]``.
Functions that use Boltzmann equilibrium with a bath require the bath to be electroneutral,
sum_i z_i c_i = 0. Potentials are measured from the bath (psi = 0 far away / in the reservoir).

Notation: k Boltzmann, e elementary charge, N_A Avogadro, F = e N_A, R = k N_A,
eps = eps_r eps_0, phi = e psi / kT (dimensionless potential), lambda_D Debye length,
kappa = 1/lambda_D.
"""

from functools import lru_cache
from math import factorial

import numpy as np
from scipy import integrate, optimize, special

from pnp.constants import (
    AVOGADRO,
    DEFAULT_TEMPERATURE,
    ELEMENTARY_CHARGE,
    FARADAY,
    GAS_CONSTANT,
    VACUUM_PERMITTIVITY,
    WATER_RELATIVE_PERMITTIVITY,
    WATER_VISCOSITY,
    thermal_voltage,
)

__all__ = [
    "poiseuille_flow_rate",
    "slit_poiseuille_flow_rate",
    "dagan_flow_rate",
    "smoluchowski_velocity",
    "rice_whitehead_factor",
    "slit_electroosmosis_factor",
    "cylinder_zeta_potential",
    "slit_zeta_potential",
    "debye_length",
    "bulk_conductivity",
    "grahame_surface_charge",
    "grahame_surface_potential",
    "gouy_chapman_potential",
    "regulated_wall",
    "planar_pb_potential",
    "debye_huckel_slit_potential",
    "debye_huckel_cylinder_potential",
    "pb_cylinder_potential",
    "pb_slit_potential",
    "donnan",
    "tms_membrane_potential",
    "ghk_reversal_potential",
    "ghk_current_density",
    "long_channel_conductance",
    "ohmic_cylinder_conductance",
    "ohmic_cone_conductance",
    "cmm_lithium_flux",
    "cmm_optimal_fraction",
]

_NEUTRALITY_RTOL = 1e-6  # |sum z_i c_i| allowed relative to sum |z_i| c_i
_IVP_RTOL = 1e-12  # planar PB integration
_BVP_TOL = 1e-10  # confined PB, final solve
_BVP_CONTINUATION_TOL = 1e-6  # confined PB, intermediate continuation steps
_BVP_INITIAL_NODES = 201
_BVP_MAX_NODES = 1_000_000
_MAX_PHI = 600.0  # |z phi| beyond which exp() is close to overflow: surface charge absurdly large
# Taylor coefficients of q(y) = (e^y - 1 - y) / y^2 = sum_k y^k / (k + 2)!
_Q_SERIES = np.array([1.0 / factorial(k + 2) for k in range(12)])
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(8)


# ----------------------------------------------------------------------------- validation


def _positive(value, name):
    v = float(value)
    if not np.isfinite(v) or v <= 0.0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return v


def _finite(value, name):
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def _vector(values, name, n=None):
    v = np.atleast_1d(np.asarray(values, dtype=float))
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {v.shape}")
    if n is not None and v.size != n:
        raise ValueError(f"{name} has length {v.size}, expected {n} (one entry per ion)")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def _non_negative(values, name, n):
    v = _vector(values, name, n)
    if np.any(v < 0.0):
        raise ValueError(f"{name} must be non-negative, got {v}")
    return v


def _ions(concentrations, valences, *, neutral=True):
    """Validated (c, z) arrays; with ``neutral`` the bath must satisfy sum z_i c_i = 0."""
    c = _vector(concentrations, "concentrations")
    z = _vector(valences, "valences", c.size)
    if np.any(c <= 0.0):
        raise ValueError(f"concentrations must be positive (mol/m^3), got {c}")
    if not np.any(z != 0.0):
        raise ValueError("at least one ion must be charged (all valences are zero)")
    if neutral and abs(z @ c) > _NEUTRALITY_RTOL * (np.abs(z) @ c):
        raise ValueError(
            f"bath is not electroneutral: sum z_i c_i = {z @ c:g} mol/m^3 "
            f"(concentrations {c}, valences {z})"
        )
    return c, z


def _positions(x, lower, upper, name):
    """Position array checked to lie in [lower, upper]."""
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    if np.any(x < lower) or np.any(x > upper):
        raise ValueError(f"{name} must lie in [{lower:g}, {upper:g}] m, got values outside")
    return x


def _shaped(values, like):
    """Return a float for scalar ``like``, else an array of ``like``'s shape."""
    values = np.asarray(values, dtype=float).reshape(np.shape(like))
    return float(values) if values.ndim == 0 else values


# ------------------------------------------------------------------------- dimensionless PB


def _scales(c, z, T, eps_r):
    """(lambda_D [m], kT/e [V], eps kT/(e lambda_D) [C/m^2]): the natural length, potential and
    surface-charge units of Poisson-Boltzmann; s = sigma / (eps kT/(e lambda_D))."""
    eps = _positive(eps_r, "eps_r") * VACUUM_PERMITTIVITY
    vt = thermal_voltage(_positive(T, "temperature T"))
    lam = np.sqrt(eps * vt / (ELEMENTARY_CHARGE * AVOGADRO * ((z * z) @ c)))
    return lam, vt, eps * vt / lam


def _q(y):
    """q(y) = (e^y - 1 - y) / y^2 (-> 1/2 at y = 0), accurate for all y."""
    y = np.asarray(y, dtype=float)
    small = np.abs(y) < 0.1
    y_large = np.where(small, 1.0, y)
    with np.errstate(over="ignore"):
        direct = (np.expm1(y_large) - y_large) / y_large**2
    return np.where(small, np.polynomial.polynomial.polyval(np.where(small, y, 0.0), _Q_SERIES), direct)


def _field_ratio(phi, w, z):
    """r(phi) = |dphi/dxi| / |phi| of the planar first integral, with w_i = c_i z_i^2 / sum c z^2:

    (dphi/dxi)^2 = 2 sum_i c_i (e^{-z_i phi} - 1) / sum c z^2 = phi^2 * 2 sum_i w_i q(-z_i phi)
    (electroneutral bath, xi = x / lambda_D). r -> 1 as phi -> 0 (Debye-Hueckel).
    """
    phi = np.asarray(phi, dtype=float)
    return np.sqrt(2.0 * (_q(-phi[..., None] * z) @ w))


def _wall_potential(s, w, z):
    """Dimensionless wall potential phi0 solving the Grahame equation phi0 r(phi0) = s."""
    if s == 0.0:
        return 0.0
    sign = np.sign(s)
    target = np.arcsinh(abs(s))

    def residual(p):  # increasing in p >= 0; asinh keeps it close to linear at both ends
        return np.arcsinh(p * _field_ratio(sign * p, w, z)) - target

    hi = abs(s)
    while residual(hi) < 0.0:
        hi *= 2.0
        if hi * np.max(np.abs(z)) > _MAX_PHI:
            raise ValueError(f"surface charge too large: dimensionless sigma = {s:g}")
    return sign * optimize.brentq(residual, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)


# --------------------------------------------------------------------------- bulk quantities


def debye_length(concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY):
    """Debye screening length (m).

    lambda_D = sqrt(eps kT / (e^2 N_A sum_i z_i^2 c_i)),  c_i in mol/m^3, T in K.
    1:1 salt at 298.15 K, eps_r = 78.5: 0.3042 nm / sqrt(c [mol/L]).
    """
    c, z = _ions(concentrations, valences, neutral=False)
    return float(_scales(c, z, T, eps_r)[0])


def bulk_conductivity(concentrations, valences, diffusivities, T=DEFAULT_TEMPERATURE):
    """Bulk conductivity of the PNP (Nernst-Einstein, ideal) electrolyte (S/m).

    kappa = F^2 / (R T) sum_i z_i^2 D_i c_i,  c_i in mol/m^3, D_i in m^2/s.
    """
    c, z = _ions(concentrations, valences, neutral=False)
    D = _non_negative(diffusivities, "diffusivities", c.size)
    T = _positive(T, "temperature T")
    return float(FARADAY**2 / (GAS_CONSTANT * T) * ((z * z * D) @ c))


# ----------------------------------------------------------------------------- planar walls


def grahame_surface_charge(
    surface_potential, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Grahame equation: surface charge (C/m^2) of a planar wall at potential psi0 (V).

    sigma = sign(psi0) sqrt(2 eps kT N_A sum_i c_i (exp(-z_i e psi0 / kT) - 1))

    for any valences (electroneutral bath of concentrations c_i in mol/m^3); it is evaluated as
    sum_i c_i (e^{-z_i phi0} - 1 + z_i phi0), identical for a neutral bath and free of cancellation
    at small psi0. 1:1 salt: sigma = sqrt(8 eps kT N_A c) sinh(e psi0 / 2kT). Vectorised over psi0.
    """
    c, z = _ions(concentrations, valences)
    _, vt, sigma_unit = _scales(c, z, T, eps_r)
    psi0 = np.asarray(surface_potential, dtype=float)
    if not np.all(np.isfinite(psi0)):
        raise ValueError("surface_potential must be finite")
    w = c * z * z / ((z * z) @ c)
    phi0 = psi0 / vt
    return _shaped(sigma_unit * phi0 * _field_ratio(phi0, w, z), psi0)


def grahame_surface_potential(
    surface_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Surface potential psi0 (V) of a planar wall with charge sigma (C/m^2): inverse of
    :func:`grahame_surface_charge`, sigma = sign(psi0) sqrt(2 eps kT N_A sum_i c_i (e^{-z_i e psi0/kT} - 1)).

    Solved by a bracketed root (Brent) on asinh of the dimensionless equation, so it is
    accurate to near machine precision from |sigma| ~ 1e-6 to several C/m^2. Vectorised over sigma.
    1:1 salt: psi0 = (2kT/e) asinh(sigma / sqrt(8 eps kT N_A c)).
    """
    c, z = _ions(concentrations, valences)
    _, vt, sigma_unit = _scales(c, z, T, eps_r)
    sigma = np.asarray(surface_charge, dtype=float)
    if not np.all(np.isfinite(sigma)):
        raise ValueError("surface_charge must be finite")
    w = c * z * z / ((z * z) @ c)
    phi0 = [_wall_potential(s, w, z) for s in (sigma / sigma_unit).ravel()]
    return _shaped(vt * np.array(phi0), sigma)


def regulated_wall(
    site_density, concentrations, valences, association, stern_capacitance=None, T=DEFAULT_TEMPERATURE,
    eps_r=WATER_RELATIVE_PERMITTIVITY,
):
    """Charge-regulated planar wall in equilibrium with a bath: (sigma [C/m^2], psi_d [V], psi_0 [V]).

    Sites of bare charge -e (density Gamma, 1/m^2) bind species j with association constants K_j
    (m^3/mol; 0 for species that do not bind; protonation of an acid of pK: K_H = 10^pK L/mol)
    at the site plane, where c_j,0 = c_j exp(-z_j e psi_0 / kT) (Boltzmann with the bath):

        theta_j = K_j c_j,0 / (1 + sum_k K_k c_k,0),  sigma = -e Gamma (1 - sum_j z_j theta_j);

    a Stern layer of capacitance C_S separates the sites from the diffuse layer, psi_0 = psi_d +
    sigma / C_S (None: psi_0 = psi_d), and the diffuse layer obeys Grahame's equation sigma =
    sigma_G(psi_d) (:func:`grahame_surface_charge`, any valences). Single acidic site, no Stern
    layer, no other binding: sigma = -e Gamma / (1 + 10^(pK - pH) exp(-e psi_0 / kT)) (Behrens and
    Grier 2001). The root in psi_d is unique (sigma_G increases and the site charge decreases with
    psi_d) and bracketed by the potentials of the extreme site charges.
    """
    c, z = _ions(concentrations, valences)
    K = _non_negative(association, "association", c.size)
    gamma = _positive(site_density, "site_density")
    vt = thermal_voltage(_positive(T, "temperature T"))
    stern = 0.0 if stern_capacitance is None else 1.0 / _positive(stern_capacitance, "stern_capacitance")
    binds = K > 0
    log_w0 = np.where(binds, np.log(np.where(binds, K * c, 1.0)), -np.inf)

    def sites(psi0):
        exponent = log_w0 - z * psi0 / vt
        theta = np.exp(exponent - np.logaddexp(0.0, special.logsumexp(exponent)))
        return -ELEMENTARY_CHARGE * gamma * (1.0 - z @ theta)

    def mismatch(psi_d):
        sigma = float(grahame_surface_charge(psi_d, c, z, T, eps_r))
        return sigma - sites(psi_d + sigma * stern)

    bound = z[binds] if binds.any() else np.zeros(1)
    extremes = -ELEMENTARY_CHARGE * gamma * (1.0 - np.array([min(bound.min(), 0.0), max(bound.max(), 0.0)]))
    low, high = (float(grahame_surface_potential(x, c, z, T, eps_r)) for x in (extremes.min(), extremes.max()))
    span = max(high - low, vt)
    psi_d = optimize.brentq(mismatch, low - 1e-9 * span, high + 1e-9 * span, xtol=1e-16, rtol=4 * np.finfo(float).eps)
    sigma = float(grahame_surface_charge(psi_d, c, z, T, eps_r))
    return sigma, psi_d, psi_d + sigma * stern


def gouy_chapman_potential(
    x, surface_potential, concentration, valence=1, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Gouy-Chapman potential (V) at distance x >= 0 (m) from a planar wall in a symmetric z:z salt.

    psi(x) = (4kT / (z e)) artanh[tanh(z e psi0 / 4kT) exp(-x / lambda_D)],
    lambda_D = sqrt(eps kT / (2 z^2 e^2 N_A c)); c (mol/m^3) is the salt concentration (each ion),
    psi0 (V) the wall potential, z = |valence|. Vectorised over x.
    """
    c = _positive(concentration, "concentration")
    z = abs(_finite(valence, "valence"))
    if z == 0.0:
        raise ValueError("valence must be non-zero")
    psi0 = _finite(surface_potential, "surface_potential")
    x = _positions(x, 0.0, np.inf, "x")
    lam, vt, _ = _scales(np.array([c, c]), np.array([z, -z]), T, eps_r)
    return _shaped(4.0 * vt / z * np.arctanh(np.tanh(z * psi0 / (4.0 * vt)) * np.exp(-x / lam)), x)


def planar_pb_potential(
    x, surface_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Nonlinear Poisson-Boltzmann potential (V) at distance x >= 0 (m) from a single planar wall of
    charge sigma (C/m^2) in a semi-infinite electrolyte of any valences.

    First integral: dpsi/dx = -sign(psi0) sqrt((2 kT N_A / eps) sum_i c_i (exp(-z_i e psi/kT) - 1)),
    psi0 from the Grahame equation. Integrated as d ln|phi| / dxi = -r(phi) (xi = x/lambda_D,
    r -> 1 far away; see ``_field_ratio``) with an explicit Runge-Kutta method (DOP853,
    rtol 1e-12), which keeps ~1e-10 relative accuracy even where psi is exponentially small.
    Reduces to :func:`gouy_chapman_potential` for a symmetric salt. Vectorised over x.
    """
    c, z = _ions(concentrations, valences)
    lam, vt, sigma_unit = _scales(c, z, T, eps_r)
    x = _positions(x, 0.0, np.inf, "x")
    w = c * z * z / ((z * z) @ c)
    phi0 = _wall_potential(_finite(surface_charge, "surface_charge") / sigma_unit, w, z)
    if phi0 == 0.0:
        return _shaped(np.zeros(x.shape), x)
    sign = np.sign(phi0)
    xi = x.ravel() / lam
    solution = integrate.solve_ivp(
        lambda _, u: -_field_ratio(sign * np.exp(u), w, z),
        (0.0, max(float(xi.max(initial=0.0)), 1.0)),
        [np.log(abs(phi0))],
        method="DOP853",
        rtol=_IVP_RTOL,
        atol=_IVP_RTOL,
        dense_output=True,
    )
    if not solution.success:
        raise RuntimeError(f"planar Poisson-Boltzmann integration failed: {solution.message}")
    return _shaped(sign * vt * np.exp(solution.sol(xi)[0]), x)


# ------------------------------------------------------------------------- slits and cylinders


def _debye_huckel_inputs(pos, extent, surface_charge, concentrations, valences, T, eps_r, symmetric):
    """Dimensionless (position, extent, s) and kT/e; positions in [-extent, extent] if ``symmetric``
    (slit, from the midplane) else in [0, extent] (cylinder radius)."""
    extent = _positive(extent, "half_height" if symmetric else "radius")
    pos = _positions(pos, -extent if symmetric else 0.0, extent, "x" if symmetric else "r")
    c, z = _ions(concentrations, valences)
    lam, vt, sigma_unit = _scales(c, z, T, eps_r)
    return pos / lam, extent / lam, _finite(surface_charge, "surface_charge") / sigma_unit, vt


def _hyperbolic_ratios(xi, H):
    """(cosh(xi) / sinh(H), sinh(xi) / sinh(H)) for 0 <= xi <= H without overflow."""
    scale = np.exp(xi - H) / (-np.expm1(-2.0 * H))
    decay = np.exp(-2.0 * xi)
    return scale * (1.0 + decay), scale * (1.0 - decay)


def debye_huckel_slit_potential(
    x, half_height, surface_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Linearised (Debye-Hueckel) potential (V) in a slit of half-height h (m), both walls with
    charge sigma (C/m^2), x (m) measured from the midplane (|x| <= h):

    psi(x) = sigma cosh(kappa x) / (eps kappa sinh(kappa h)),  kappa = 1/lambda_D.
    Valid for |psi| << kT/e. Vectorised over x.
    """
    xi, H, s, vt = _debye_huckel_inputs(x, half_height, surface_charge, concentrations, valences, T, eps_r, True)
    return _shaped(vt * s * _hyperbolic_ratios(np.abs(xi), H)[0], xi)


def debye_huckel_cylinder_potential(
    r, radius, surface_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Linearised (Debye-Hueckel) potential (V) in a cylinder of radius a (m) with wall charge
    sigma (C/m^2), at radius 0 <= r <= a (m):

    psi(r) = sigma I0(kappa r) / (eps kappa I1(kappa a)),  kappa = 1/lambda_D.
    Valid for |psi| << kT/e. Vectorised over r.
    """
    xi, A, s, vt = _debye_huckel_inputs(r, radius, surface_charge, concentrations, valences, T, eps_r, False)
    ratio = special.ive(0, xi) / special.ive(1, A) * np.exp(xi - A)
    return _shaped(vt * s * ratio, xi)


def _debye_huckel_profile(xi, extent, cylindrical):
    """Debye-Hueckel (phi, dphi/dxi) per unit dimensionless charge s, at 0 <= xi <= extent."""
    if cylindrical:
        scale = np.exp(xi - extent) / special.ive(1, extent)
        return special.ive(0, xi) * scale, special.ive(1, xi) * scale
    return _hyperbolic_ratios(xi, extent)


@lru_cache(maxsize=32)
def _confined_pb(extent, s, concentrations, valences, cylindrical):
    """Dimensionless nonlinear PB in a slit (midplane xi = 0) or cylinder (axis xi = 0), xi in
    Debye lengths, wall at xi = extent:

    phi'' + (k / xi) phi' = -sum_i c_i z_i exp(-z_i phi) / sum_i c_i z_i^2   (k = 1 cylinder, 0 slit)
    phi'(0) = 0, phi'(extent) = s = sigma e lambda_D / (eps kT);
    the source is evaluated as -sum_i c_i z_i expm1(-z_i phi) / sum c z^2 (same for a neutral bath).

    solve_bvp's tolerance is absolute for components below 1, so the problem is scaled to O(1)
    unknowns: t = xi / unit with unit = min(extent, 1), Y0 = phi / p with p = min(1, |phi_wall|
    of Debye-Hueckel), Y1 = (dphi/dt) / (unit |s|), which runs from 0 to +-1.
    scipy.integrate.solve_bvp (collocation, singular term for the cylinder) with continuation in s
    from the Debye-Hueckel regime (|phi_wall| <= 1), doubling s per step, each step restarted on
    the initial mesh; loose tolerance on the intermediate steps, tol 1e-10 on the final one.
    Returns (final mesh in xi, callable xi -> phi).
    """
    c = np.array(concentrations)
    z = np.array(valences)
    unit = min(extent, 1.0)
    linear_wall = _debye_huckel_profile(extent, extent, cylindrical)[0]  # phi_wall / s for DH
    p = min(1.0, abs(s) * linear_wall) or 1.0
    m = unit * abs(s) or 1.0
    weight = (z * z) @ c
    cz = unit**2 / m * c * z / weight
    cz2 = unit**2 * p / m * c * z * z / weight

    def rhs(_, y):
        return np.vstack([m / p * y[1], -cz @ np.expm1(-p * np.outer(z, y[0]))])

    def rhs_jacobian(_, y):
        jac = np.zeros((2, 2, y.shape[1]))
        jac[0, 1] = m / p
        jac[1, 0] = cz2 @ np.exp(-p * np.outer(z, y[0]))
        return jac

    def bc_jacobian(ya, yb):
        return np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])

    singular = np.array([[0.0, 0.0], [0.0, -1.0]]) if cylindrical else None
    step = np.sign(s) * min(abs(s), 1.0 / linear_wall)
    mesh = extent / unit * np.sin(np.linspace(0.0, 0.5 * np.pi, _BVP_INITIAL_NODES))  # clustered at the wall
    guess = step * np.vstack(_debye_huckel_profile(unit * mesh, extent, cylindrical)) * [[1.0 / p], [unit / m]]
    while True:
        final = step == s
        solution = integrate.solve_bvp(
            rhs,
            lambda ya, yb, target=unit * step / m: np.array([ya[1], yb[1] - target]),
            mesh,
            guess,
            S=singular,
            fun_jac=rhs_jacobian,
            bc_jac=bc_jacobian,
            tol=_BVP_TOL if final else _BVP_CONTINUATION_TOL,
            max_nodes=_BVP_MAX_NODES,
        )
        if not solution.success:
            raise RuntimeError(
                f"Poisson-Boltzmann BVP failed at dimensionless sigma {step:g} "
                f"(target {s:g}, extent {extent:g} Debye lengths): {solution.message}"
            )
        if final:
            return unit * solution.x, lambda xi: p * solution.sol(xi / unit)[0]
        guess = solution.sol(mesh)  # back to the initial mesh: refinements do not pile up
        step = np.sign(s) * min(abs(s), 2.0 * abs(step))


def _confined_inputs(extent, surface_charge, concentrations, valences, T, eps_r, cylindrical):
    """(mesh in xi, callable xi -> phi, lambda_D, kT/e, c, z) of the confined PB problem."""
    extent = _positive(extent, "radius" if cylindrical else "half_height")
    c, z = _ions(concentrations, valences)
    lam, vt, sigma_unit = _scales(c, z, T, eps_r)
    s = _finite(surface_charge, "surface_charge") / sigma_unit
    mesh, phi = _confined_pb(extent / lam, s, tuple(c), tuple(z), cylindrical)
    return mesh, phi, lam, vt, c, z


def pb_cylinder_potential(
    r, radius, surface_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Nonlinear Poisson-Boltzmann potential (V) at radius 0 <= r <= a (m) in an infinitely long
    cylinder of radius a with uniform wall charge sigma (C/m^2), in equilibrium with a bath
    (c_i mol/m^3, valences z_i; psi = 0 in the bath):

    (eps / r) d/dr (r dpsi/dr) = -F sum_i z_i c_i exp(-z_i e psi / kT),
    dpsi/dr(0) = 0,  eps dpsi/dr(a) = sigma  (Gauss: sigma < 0 gives psi < 0).

    Solved with scipy.integrate.solve_bvp (tol 1e-10, see ``_confined_pb``). Vectorised over r.
    """
    _, phi, lam, vt, _, _ = _confined_inputs(radius, surface_charge, concentrations, valences, T, eps_r, True)
    r = _positions(r, 0.0, float(radius), "r")
    return _shaped(vt * phi(r.ravel() / lam), r)


def pb_slit_potential(
    x, half_height, surface_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, eps_r=WATER_RELATIVE_PERMITTIVITY
):
    """Nonlinear Poisson-Boltzmann potential (V) in an infinite slit of half-height h (m), both
    walls with charge sigma (C/m^2), x (m) measured from the midplane (|x| <= h), in equilibrium
    with a bath (c_i mol/m^3, valences z_i; psi = 0 in the bath):

    eps d^2psi/dx^2 = -F sum_i z_i c_i exp(-z_i e psi / kT),  dpsi/dx(0) = 0,  eps dpsi/dx(h) = sigma.

    Solved with scipy.integrate.solve_bvp (tol 1e-10, see ``_confined_pb``). Vectorised over x.
    """
    _, phi, lam, vt, _, _ = _confined_inputs(half_height, surface_charge, concentrations, valences, T, eps_r, False)
    x = _positions(x, -float(half_height), float(half_height), "x")
    return _shaped(vt * phi(np.abs(x.ravel()) / lam), x)


def long_channel_conductance(
    radius,
    length,
    surface_charge,
    concentrations,
    valences,
    diffusivities,
    geometry="cylinder",
    T=DEFAULT_TEMPERATURE,
    eps_r=WATER_RELATIVE_PERMITTIVITY,
    depth=None,
):
    """Exact ohmic conductance (S) of a long uniform charged channel (no flow, no end effects).

    With the radial equilibrium PB profile psi(r) (:func:`pb_cylinder_potential` /
    :func:`pb_slit_potential`) and a small uniform axial field, each ion migrates with its
    Boltzmann density n_i = N_A c_i exp(-z_i e psi / kT):

    G = (e^2 / (kT L)) integral over the cross-section of sum_i D_i z_i^2 n_i dA
      = (F^2 / (R T L)) integral sum_i D_i z_i^2 c_i exp(-z_i e psi/kT) dA.

    geometry="cylinder": ``radius`` a (m), dA = 2 pi r dr over 0 <= r <= a.
    geometry="slit": ``radius`` is the half-height h (m) and ``depth`` (m, required) the slit width,
    dA = depth dx over -h <= x <= h. ``length`` L in m, D_i in m^2/s.
    The cross-section integral uses 8-point Gauss-Legendre on every interval of the BVP mesh.
    """
    if geometry not in ("cylinder", "slit"):
        raise ValueError(f"geometry must be 'cylinder' or 'slit', got {geometry!r}")
    cylindrical = geometry == "cylinder"
    if cylindrical and depth is not None:
        raise ValueError("depth is only meaningful for geometry='slit'")
    if not cylindrical:
        if depth is None:
            raise ValueError("geometry='slit' needs depth (slit width in m)")
        depth = _positive(depth, "depth")
    length = _positive(length, "length")
    mesh, phi, lam, _, c, z = _confined_inputs(radius, surface_charge, concentrations, valences, T, eps_r, cylindrical)
    D = _non_negative(diffusivities, "diffusivities", c.size)

    def mobile(xi):  # sum_i D_i z_i^2 c_i e^{-z_i phi}
        return np.tensordot(D * z * z * c, np.exp(-np.multiply.outer(z, phi(xi.ravel()).reshape(xi.shape))), axes=1)

    integral = _cross_section_integral(mobile, mesh, lam, cylindrical, depth)
    return float(FARADAY**2 / (GAS_CONSTANT * _positive(T, "temperature T") * length) * integral)


def _cross_section_integral(values, mesh, lam, cylindrical, depth):
    """∫ f dA (m² times f) over a cylinder's (2πr dr) or a slit's (depth dx, both halves) cross
    section, f = ``values``(ξ) given in Debye lengths ξ = r/λ_D; 8-point Gauss–Legendre on every
    interval of the BVP ``mesh``."""
    left, right = mesh[:-1, None], mesh[1:, None]
    xi = 0.5 * (left + right) + 0.5 * (right - left) * _GAUSS_NODES
    weights = 0.5 * (right - left) * _GAUSS_WEIGHTS
    if cylindrical:
        return 2.0 * np.pi * lam**2 * np.sum(weights * xi * values(xi))
    return 2.0 * lam * depth * np.sum(weights * values(xi))


# ----------------------------------------------------------------------------------- membranes


def donnan(fixed_charge, concentrations, valences, T=DEFAULT_TEMPERATURE, partition=None):
    """Donnan equilibrium of an ion-exchange phase with fixed charge X in contact with a bath.

    X (mol/m^3 of elementary charges, signed: negative for a cation-selective membrane).
    Solves electroneutrality inside, sum_i z_i k_i c_i exp(-z_i e phi_D / kT) + X = 0, for the Donnan
    potential phi_D (V, inside minus bath) by a bracketed root (Brent); any valences. ``partition``
    k_i (default 1) are non-electric partition coefficients, e.g. the DSPM-DE Φ_i exp(-ΔW_i/kT).
    Returns (inside concentrations k_i c_i exp(-z_i e phi_D / kT) in mol/m^3, phi_D in V).
    1:1 salt c: c_+- = sqrt(X^2/4 + c^2) -+ X/2 (i.e. +- |X|/2 for X < 0), phi_D = -(kT/e) ln(c_+/c).
    """
    X = _finite(fixed_charge, "fixed_charge")
    c, z = _ions(concentrations, valences)
    vt = thermal_voltage(_positive(T, "temperature T"))
    if partition is not None:
        c = c * _non_negative(partition, "partition", len(c))
    def residual(phi):  # strictly decreasing in phi
        return (z * c) @ np.exp(-z * phi) + X

    at_zero = residual(0.0)
    if at_zero == 0.0:
        return c.copy(), 0.0
    bound = at_zero / ((z * z) @ c)  # linearised root; the root has the sign of the residual at 0
    while np.sign(residual(bound)) == np.sign(at_zero):
        bound *= 2.0
        if abs(bound) * np.max(np.abs(z)) > _MAX_PHI:
            raise ValueError(f"no Donnan equilibrium found for fixed_charge {X:g} mol/m^3")
    phi = optimize.brentq(residual, min(0.0, bound), max(0.0, bound), xtol=1e-300, rtol=4 * np.finfo(float).eps)
    return c * np.exp(-z * phi), float(phi * vt)


def tms_membrane_potential(fixed_charge, c1, c2, D_plus, D_minus, T=DEFAULT_TEMPERATURE):
    """Teorell-Meyer-Sievers zero-current membrane potential E = phi_2 - phi_1 (V) of a 1:1 salt.

    Baths c1 | membrane (uniform fixed charge X, mol/m^3, signed) | c2, ideal Donnan interfaces,
    electroneutral Nernst-Planck interior, zero current. For X <= 0 (cation-selective), X~ = |X|:

    E = (kT/e) [ ln(c1 (X~ + R2) / (c2 (X~ + R1))) - U ln((R2 + U X~) / (R1 + U X~)) ],
    R_i = sqrt(X~^2 + 4 c_i^2), U = (D+ - D-) / (D+ + D-).

    For X > 0 the charge-conjugate problem (all charges reversed, D+ <-> D-) gives
    E = -(kT/e) [ ln(c1 (X~ + R2) / (c2 (X~ + R1))) + U ln((R2 - U X~) / (R1 - U X~)) ];
    both forms agree at X = 0 (liquid-junction potential (kT/e) U ln(c1/c2)).
    Vectorised (broadcast) over fixed_charge, c1 and c2.
    """
    X = np.asarray(fixed_charge, dtype=float)
    c1, c2 = np.asarray(c1, dtype=float), np.asarray(c2, dtype=float)
    if not np.all(np.isfinite(X)):
        raise ValueError("fixed_charge must be finite")
    if not (np.all(np.isfinite(c1)) and np.all(c1 > 0) and np.all(np.isfinite(c2)) and np.all(c2 > 0)):
        raise ValueError("bath concentrations c1, c2 must be positive (mol/m^3)")
    d_plus, d_minus = _positive(D_plus, "D_plus"), _positive(D_minus, "D_minus")
    vt = thermal_voltage(_positive(T, "temperature T"))
    sign = np.where(X > 0.0, -1.0, 1.0)  # +1: formula as written; -1: charge conjugate
    u = sign * (d_plus - d_minus) / (d_plus + d_minus)
    x = np.abs(X)
    r1, r2 = np.sqrt(x**2 + 4.0 * c1**2), np.sqrt(x**2 + 4.0 * c2**2)
    E = sign * vt * (np.log(c1 * (x + r2) / (c2 * (x + r1))) - u * np.log((r2 + u * x) / (r1 + u * x)))
    return float(E) if E.ndim == 0 else E


def _ghk_inputs(conc_left, conc_right, valences, permeabilities, T):
    left = _non_negative(conc_left, "conc_left", None)
    right = _non_negative(conc_right, "conc_right", left.size)
    z = _vector(valences, "valences", left.size)
    P = _non_negative(permeabilities, "permeabilities", left.size)
    if not np.any(P > 0.0):
        raise ValueError("at least one permeability must be positive (m/s)")
    return left, right, z, P, thermal_voltage(_positive(T, "temperature T"))


def ghk_reversal_potential(conc_left, conc_right, valences, permeabilities, T=DEFAULT_TEMPERATURE):
    """Goldman-Hodgkin-Katz zero-current (reversal) potential V = phi_left - phi_right (V) for
    monovalent ions (valences +1 or -1), permeabilities P_i in m/s, concentrations in mol/m^3:

    V = (kT/e) ln[(sum_cations P c_right + sum_anions P c_left) / (sum_cations P c_left + sum_anions P c_right)].

    "left" plays the role of the cell interior in the physiological convention. A single permeant
    ion gives its Nernst potential, V = (kT/(z e)) ln(c_right / c_left). Concentrations may be zero
    on one side as long as both sums are positive.
    """
    left, right, z, P, vt = _ghk_inputs(conc_left, conc_right, valences, permeabilities, T)
    if not np.all(np.abs(z) == 1.0):
        raise ValueError(f"the GHK voltage equation needs monovalent ions (valences +-1), got {z}")
    cation = z > 0
    numerator = P[cation] @ right[cation] + P[~cation] @ left[~cation]
    denominator = P[cation] @ left[cation] + P[~cation] @ right[~cation]
    if numerator <= 0.0 or denominator <= 0.0:
        raise ValueError("no finite reversal potential: a permeant-ion sum in the GHK equation is zero")
    return float(vt * np.log(numerator / denominator))


def _bernoulli(y):
    """B(y) = y / (e^y - 1), B(0) = 1."""
    y = np.asarray(y, dtype=float)
    nonzero = np.where(y == 0.0, 1.0, y)
    with np.errstate(over="ignore"):
        return np.where(y == 0.0, 1.0, nonzero / np.expm1(nonzero))


def ghk_current_density(V, conc_left, conc_right, valences, permeabilities, T=DEFAULT_TEMPERATURE):
    """Goldman-Hodgkin-Katz (constant-field) current density (A/m^2), positive from left to right,
    at membrane voltage V = phi_left - phi_right (V), for ions of any valence:

    I = sum_i P_i z_i^2 (F^2 V / (R T)) (c_i,left - c_i,right e^{-z_i u}) / (1 - e^{-z_i u}),  u = F V / (R T)
      = F sum_i P_i z_i [c_i,left B(-z_i u) - c_i,right B(z_i u)],  B(y) = y / (e^y - 1),

    (the Bernoulli form is regular at V = 0, where I = F sum_i P_i z_i (c_left - c_right)).
    P_i in m/s, concentrations in mol/m^3. Vectorised over V.
    """
    left, right, z, P, vt = _ghk_inputs(conc_left, conc_right, valences, permeabilities, T)
    V = np.asarray(V, dtype=float)
    if not np.all(np.isfinite(V)):
        raise ValueError("V must be finite")
    zu = (V.ravel() / vt)[:, None] * z
    current = FARADAY * ((left * _bernoulli(-zu) - right * _bernoulli(zu)) @ (P * z))
    return _shaped(current, V)


# ---------------------------------------------------------------------------------- ohmic limits


def ohmic_cylinder_conductance(radius, length, conductivity):
    """Conductance (S) of an uncharged cylinder (radius a, length L in m, bulk conductivity kappa in
    S/m) including the access resistance of both mouths (Hall): G = kappa / [L/(pi a^2) + 1/(2a)]."""
    a, L = _positive(radius, "radius"), _positive(length, "length")
    return _positive(conductivity, "conductivity") / (L / (np.pi * a**2) + 1.0 / (2.0 * a))


def ohmic_cone_conductance(tip_radius, base_radius, length, conductivity):
    """Conductance (S) of an uncharged truncated cone (radii r_t, r_b and length L in m, bulk
    conductivity kappa in S/m) with the access resistance of both mouths:

    G = 1 / [L / (kappa pi r_t r_b) + 1/(4 kappa r_t) + 1/(4 kappa r_b)].
    """
    rt, rb = _positive(tip_radius, "tip_radius"), _positive(base_radius, "base_radius")
    L, kappa = _positive(length, "length"), _positive(conductivity, "conductivity")
    return 1.0 / (L / (kappa * np.pi * rt * rb) + 1.0 / (4.0 * kappa * rt) + 1.0 / (4.0 * kappa * rb))


# ----------------------------------------------------------------------------- charge mosaic


def cmm_lithium_flux(theta, sigma_plus, sigma_minus, thickness, c_feed, c_receiving, alpha, T=DEFAULT_TEMPERATURE):
    """Li+ flux (mol m^-2 s^-1) through a charge-mosaic membrane, equivalent-circuit model
    (membrane-limited, ideal selectivity; source paper 2 of MISSION.md):

    J = RT/(F^2 d) * theta (1 - theta) sigma+ sigma- / (theta sigma+ + (1 - theta) sigma-)
        * [2 ln(c_I / c_II) + ln(alpha + 1)],

    i.e. the loop EMF (RT/F)[2 ln(c_I/c_II) + ln(alpha+1)] over F R_tot with R_tot the series
    resistance d/(theta sigma+) + d/((1-theta) sigma-) (per unit area). theta: volume fraction of
    the cation conductor (0..1, vectorised), sigma+- (S/m) the phase conductivities, d thickness (m),
    c_I, c_II Li+ concentrations (mol/m^3) in feed and receiving solutions, alpha >= 0 the excess Cl-
    ratio of the feed (c_Cl = (alpha + 1) c_Li).
    """
    theta = np.asarray(theta, dtype=float)
    if not np.all(np.isfinite(theta)) or np.any(theta < 0.0) or np.any(theta > 1.0):
        raise ValueError("theta (volume fraction) must lie in [0, 1]")
    sp, sm = _positive(sigma_plus, "sigma_plus"), _positive(sigma_minus, "sigma_minus")
    d = _positive(thickness, "thickness")
    c_I, c_II = _positive(c_feed, "c_feed"), _positive(c_receiving, "c_receiving")
    alpha = _finite(alpha, "alpha")
    if alpha < 0.0:
        raise ValueError(f"alpha must be non-negative, got {alpha}")
    T = _positive(T, "temperature T")
    conductance = theta * (1.0 - theta) * sp * sm / (theta * sp + (1.0 - theta) * sm)
    driving = 2.0 * np.log(c_I / c_II) + np.log1p(alpha)
    return _shaped(GAS_CONSTANT * T / (FARADAY**2 * d) * conductance * driving, theta)


def cmm_optimal_fraction(sigma_plus, sigma_minus):
    """Cation-conductor volume fraction maximising :func:`cmm_lithium_flux`:
    theta_opt = sqrt(sigma-) / (sqrt(sigma+) + sqrt(sigma-)) (conductivities in S/m)."""
    sp, sm = _positive(sigma_plus, "sigma_plus"), _positive(sigma_minus, "sigma_minus")
    return float(np.sqrt(sm) / (np.sqrt(sp) + np.sqrt(sm)))


# --- Solvent flow -------------------------------------------------------------------------------

def poiseuille_flow_rate(radius, length, pressure, viscosity=WATER_VISCOSITY):
    """Hagen–Poiseuille flow rate Q = π a⁴ Δp / (8 η L) (m³/s) of a long cylinder of radius a (m),
    length L (m), pressure drop Δp (Pa) and viscosity η (Pa·s)."""
    a, L, eta = _positive(radius, "radius"), _positive(length, "length"), _positive(viscosity, "viscosity")
    return np.pi * a**4 * _finite(pressure, "pressure") / (8.0 * eta * L)


def slit_poiseuille_flow_rate(height, length, pressure, viscosity=WATER_VISCOSITY):
    """Plane Poiseuille flow rate per metre of depth Q = H³ Δp / (12 η L) (m²/s) of a slit of full
    height H (m)."""
    h, L, eta = _positive(height, "height"), _positive(length, "length"), _positive(viscosity, "viscosity")
    return h**3 * _finite(pressure, "pressure") / (12.0 * eta * L)


def cone_lubrication_flow_rate(tip_radius, base_radius, length, pressure, viscosity=WATER_VISCOSITY):
    """Lubrication (slowly varying radius) flow rate Q = Δp / ((8η/π) ∫₀ᴸ dz / R(z)⁴) (m³/s) of a
    conical channel R(z) = R_t + (R_b − R_t) z/L, for which ∫ dz/R⁴ = L (R_t² + R_t R_b + R_b²) /
    (3 R_t³ R_b³) (Hagen–Poiseuille at R_t = R_b); its error is O(tan² θ) at a taper θ."""
    a, b = _positive(tip_radius, "tip_radius"), _positive(base_radius, "base_radius")
    L, eta = _positive(length, "length"), _positive(viscosity, "viscosity")
    integral = L * (a**2 + a * b + b**2) / (3.0 * a**3 * b**3)
    return _finite(pressure, "pressure") / (8.0 * eta / np.pi * integral)


def dagan_flow_rate(radius, length, pressure, viscosity=WATER_VISCOSITY):
    """Flow rate (m³/s) through a short cylindrical pore between two half-spaces (Dagan, Weinbaum &
    Pfeffer, J. Fluid Mech. 115, 505 (1982)): Q = Δp / (8ηL/(πa⁴) + 3η/a³), the Poiseuille
    resistance in series with the two ends' Sampson resistance 3η/a³ (exact at L = 0, about 1 %
    accurate for all L)."""
    a, L, eta = _positive(radius, "radius"), _positive(length, "length"), _positive(viscosity, "viscosity")
    return _finite(pressure, "pressure") / (8.0 * eta * L / (np.pi * a**4) + 3.0 * eta / a**3)


def smoluchowski_velocity(zeta, field, viscosity=WATER_VISCOSITY, eps_r=WATER_RELATIVE_PERMITTIVITY):
    """Helmholtz–Smoluchowski electro-osmotic velocity u = −ε ζ E / η (m/s) of thin double layers,
    for a zeta potential ζ (V) and a field E (V/m) along the wall."""
    eta = _positive(viscosity, "viscosity")
    return -VACUUM_PERMITTIVITY * _positive(eps_r, "eps_r") * _finite(zeta, "zeta") * _finite(field, "field") / eta


def rice_whitehead_factor(kappa_a):
    """f = 1 − 2 I₁(κa) / (κa I₀(κa)): the mean electro-osmotic velocity of a charged cylinder of
    radius a in the Debye–Hückel regime over the Smoluchowski value (Rice & Whitehead, J. Phys.
    Chem. 69, 4017 (1965)); → 1 as κa → ∞. Uses exponentially scaled Bessel functions."""
    x = _positive(kappa_a, "kappa_a")
    return 1.0 - 2.0 * special.i1e(x) / (x * special.i0e(x))


def slit_electroosmosis_factor(kappa_h):
    """f = 1 − tanh(κh) / (κh): the mean electro-osmotic velocity of a slit of half-height h in the
    Debye–Hückel regime over the Smoluchowski value (Burgreen & Nakache, J. Phys. Chem. 68, 1084
    (1964))."""
    x = _positive(kappa_h, "kappa_h")
    return 1.0 - np.tanh(x) / x


def long_channel_electrokinetics(
    radius,
    length,
    surface_charge,
    concentrations,
    valences,
    diffusivities,
    geometry="cylinder",
    viscosity=WATER_VISCOSITY,
    T=DEFAULT_TEMPERATURE,
    eps_r=WATER_RELATIVE_PERMITTIVITY,
    depth=None,
):
    """Linear electrokinetic coefficients of a long uniform charged channel (no end effects) with
    the nonlinear Poisson–Boltzmann cross-section ψ(r) (:func:`pb_cylinder_potential`,
    :func:`pb_slit_potential`); Q = L_h Δp + K V and I = K Δp + G V (Onsager), with
    V = φ_left − φ_right and Δp = p_left − p_right over the length L.

    Integrating the Stokes equation twice by parts over the cross-section A (ζ = ψ(wall)):

    * streaming conductance K = −(A ε / (η L)) (ζ − ⟨ψ⟩) (A/Pa = m³/(s·V)), ⟨ψ⟩ the mean of ψ
      over A (in the Debye–Hückel limit ζ − ⟨ψ⟩ = ζ f, the Rice–Whitehead factor);
    * conductance G = G_ohm + G_eo (S): :func:`long_channel_conductance` plus the current that
      electro-osmosis convects, G_eo = (ε² / (η L)) ∫ |∇ψ|² dA, evaluated as
      (ε / (η L)) (ζ σ P + ∫ ψ ρ_e dA) (P the wetted perimeter; Gauss's law and Poisson);
    * hydraulic conductance L_h = π a⁴ / (8 η L), or H³ depth / (12 η L) for a slit (m³/(s·Pa));
    * streaming potential coefficient V_s / Δp = −K / G (V/Pa) at zero current.

    Arguments as for :func:`long_channel_conductance`, plus the viscosity η (Pa·s). Returns a dict
    with the keys ``streaming_conductance``, ``conductance``, ``ohmic_conductance``,
    ``electroosmotic_conductance``, ``hydraulic_conductance``, ``streaming_potential_coefficient``
    and ``zeta`` (V). Slits: per ``depth`` (m) of width, as for :func:`long_channel_conductance`.
    """
    cylindrical = geometry == "cylinder"
    ohmic = long_channel_conductance(radius, length, surface_charge, concentrations, valences, diffusivities,
                                     geometry, T, eps_r, depth)  # checks every argument but the viscosity
    eta, length = _positive(viscosity, "viscosity"), float(length)
    mesh, phi, lam, vt, c, z = _confined_inputs(radius, surface_charge, concentrations, valences, T, eps_r, cylindrical)
    area = np.pi * radius**2 if cylindrical else 2.0 * radius * depth
    perimeter = 2.0 * np.pi * radius if cylindrical else 2.0 * depth
    eps = VACUUM_PERMITTIVITY * eps_r
    zeta = vt * float(phi(np.array([radius / lam]))[0])
    mean = vt * _cross_section_integral(lambda xi: phi(xi.ravel()).reshape(xi.shape), mesh, lam, cylindrical,
                                        depth) / area

    def psi_rho(xi):  # ψ ρ_e / (kT/e · F)
        potential = phi(xi.ravel()).reshape(xi.shape)
        return potential * np.tensordot(c * z, np.exp(-np.multiply.outer(z, potential)), axes=1)

    charge_term = vt * FARADAY * _cross_section_integral(psi_rho, mesh, lam, cylindrical, depth)
    streaming = -area * eps * (zeta - mean) / (eta * length)
    electroosmotic = eps * (zeta * float(surface_charge) * perimeter + charge_term) / (eta * length)
    hydraulic = (np.pi * radius**4 / 8.0 if cylindrical else (2.0 * radius) ** 3 * depth / 12.0) / (eta * length)
    conductance = ohmic + electroosmotic
    return {"streaming_conductance": streaming, "conductance": conductance, "ohmic_conductance": ohmic,
            "electroosmotic_conductance": electroosmotic, "hydraulic_conductance": hydraulic,
            "streaming_potential_coefficient": -streaming / conductance, "zeta": zeta}


def cylinder_zeta_potential(surface_charge, radius, debye_length, eps_r=WATER_RELATIVE_PERMITTIVITY):
    """Debye–Hückel wall potential ζ = σ λ_D I₀(κa) / (ε I₁(κa)) (V) of a cylinder of radius a (m)
    with wall charge σ (C/m²)."""
    x = _positive(radius, "radius") / _positive(debye_length, "debye_length")
    eps = VACUUM_PERMITTIVITY * _positive(eps_r, "eps_r")
    return _finite(surface_charge, "surface_charge") * debye_length / eps * special.i0e(x) / special.i1e(x)


def slit_zeta_potential(surface_charge, half_height, debye_length, eps_r=WATER_RELATIVE_PERMITTIVITY):
    """Debye–Hückel wall potential ζ = σ λ_D / (ε tanh(κh)) (V) of a slit of half-height h (m)."""
    x = _positive(half_height, "half_height") / _positive(debye_length, "debye_length")
    eps = VACUUM_PERMITTIVITY * _positive(eps_r, "eps_r")
    return _finite(surface_charge, "surface_charge") * debye_length / (eps * np.tanh(x))
