"""Ion-specific pore terms in closed form: steric and dielectric partitioning, hindered transport.

These are the pore-level terms of the Donnan–steric pore model with dielectric exclusion
(DSPM-DE; ``docs/reference/DSPMDE.md``), as functions of λ = r_ion / r_pore. They are
differentiable (``jnp``) in every argument, so gradients with respect to the pore radius and
the pore permittivity flow through a solve.

* steric partition coefficient Φ(λ) = (1 − λ)² in a cylinder, (1 − λ) in a slit
  (Ferry 1936; the fraction of the cross-section the ion's centre can reach);
* Born (dielectric) exclusion ΔW = z² e² / (8π ε₀ r_ion) · (1/ε_pore − 1/ε_bulk) per ion
  (J; × N_A for J/mol): the solvation energy lost in the lower permittivity of confined water;
* hindered diffusion K_d(λ) and convection K_c(λ) in a cylinder (Dechadilok & Deen,
  Ind. Eng. Chem. Res. 45, 6953 (2006)); the pore diffusivity is K_d D, the convective flux
  K_c c J_v (cylinders only: no slit correlation is implemented);
* dehydration (off by default; not part of DSPM-DE): the shell model of Zwolak, Lagerqvist & Di
  Ventra, Phys. Rev. Lett. 103, 128102 (2009) and Zwolak, Wilson & Di Ventra, J. Phys.: Condens.
  Matter 22, 454126 (2010), ΔG_dehyd = f(r_pore) E_shell (J/mol): the first hydration shell, the
  water between the bare radius r_b and the hydrated radius r_h about the ion on the pore's axis
  (cylinder) or mid-plane (slit), carries E_shell = −ΔG_hyd (1 − r_b/r_h), its Born share of the
  measured hydration energy ΔG_hyd (the field energy of a charge beyond radius r falls as 1/r; the
  water beyond r_h is the Born term's), and the pore wall strips the fraction f of it that lies
  outside the pore (:func:`shell_fraction_removed`): partial coordination, the ion keeps 1 − f of
  its first shell. Zwolak et al. count the shell's surface at one radius, whose slope is infinite
  where the pore meets it; counting the shell's volume between r_b and r_h makes f continuously
  differentiable in r_pore (f = 0 and f' = 0 for r_pore ≥ r_h), so gradients exist at every radius.
  Wall coordination χ (``wall_coordination``, 0 by default) is the share of the stripped shell's
  energy that the wall's own polar groups give back by standing in for the missing waters
  (carbonyl oxygens of a selectivity filter, carboxylates of a MOF window): ΔG = (1 − χ) f E_shell
  (Sahu, Di Ventra & Zwolak, Nano Lett. 17, 4719 (2017); Sahu & Zwolak, Rev. Mod. Phys. 91,
  021004 (2019)); χ = 1 compensates fully, and a per-ion χ makes the wall prefer one ion.

Together they give the ion's excess chemical potential inside the pore,
μ^ex / kT = −ln Φ + ΔW / kT (+ ΔG_dehyd / RT), which :class:`pnp.Membrane` applies in its pore
cells (:func:`pore_transport`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from .constants import AVOGADRO, ELEMENTARY_CHARGE, GAS_CONSTANT, VACUUM_PERMITTIVITY
from .tracing import concrete, is_traced

PORE_SHAPES = ("cylinder", "slit")
ION_RADII = ("stokes", "hydrated", "bare")  # the Ion attribute <name>_radius each choice reads
_KD_SWITCH = 0.95  # Dechadilok–Deen: polynomial below, asymptotic form above


def steric_partition(ratio, shape: str = "cylinder"):
    """Φ(λ): (1 − λ)² for a cylindrical pore, (1 − λ) for a slit; λ = r_ion / r_pore < 1."""
    _check_shape(shape)
    free = 1.0 - ratio
    return free**2 if shape == "cylinder" else free


def born_energy(valence, ion_radius, pore_permittivity, bulk_permittivity):
    """ΔW (J/mol) = N_A z² e² / (8π ε₀ r_ion) (1/ε_pore − 1/ε_bulk); r_ion in m."""
    per_ion = valence**2 * ELEMENTARY_CHARGE**2 / (8.0 * jnp.pi * VACUUM_PERMITTIVITY * ion_radius)
    return AVOGADRO * per_ion * (1.0 / pore_permittivity - 1.0 / bulk_permittivity)


def hindered_diffusion(ratio):
    """K_d(λ) = D_pore / D in a cylinder (Dechadilok & Deen 2006, Eq. 13; 0.984((1−λ)/λ)^{5/2}
    above λ = 0.95); 1 at λ = 0."""
    lam = jnp.clip(ratio, 1e-300, 1.0 - 1e-12)
    series = (1.0 + 9.0 / 8.0 * lam * jnp.log(lam) - 1.56034 * lam + 0.528155 * lam**2 + 1.91521 * lam**3
              - 2.81903 * lam**4 + 0.270788 * lam**5 + 1.10115 * lam**6 - 0.435933 * lam**7) / (1.0 - lam)**2
    tail = 0.984 * ((1.0 - lam) / lam) ** 2.5
    return jnp.where(ratio <= 0.0, 1.0, jnp.where(lam <= _KD_SWITCH, series, tail))


def hindered_convection(ratio):
    """K_c(λ) = (1 + 3.867λ − 1.907λ² − 0.834λ³) / (1 + 1.867λ − 0.741λ²) (Dechadilok & Deen 2006,
    Eq. 16); 1 at λ = 0."""
    lam = ratio
    return (1.0 + 3.867 * lam - 1.907 * lam**2 - 0.834 * lam**3) / (1.0 + 1.867 * lam - 0.741 * lam**2)


def shell_fraction_removed(inner_radius, outer_radius, pore_radius, shape: str = "cylinder"):
    """f: the volume fraction of the spherical shell inner_radius < ρ < outer_radius (m) about an ion
    on the axis of a cylinder of radius ``pore_radius`` (or the mid-plane of a slit of half-width
    ``pore_radius``) that lies beyond the wall; 0 when the pore is at least as wide as the shell.

    The part of a ball of radius R outside the pore is (4π/3)(R² − a²)^{3/2} (cylinder: the sphere
    with a bore of radius a removed) or (2π/3)(R − a)²(2R + a) (slit: two caps), zero for R ≤ a.
    """
    _check_shape(shape)
    a = pore_radius

    def beyond_wall(radius):  # the ball's volume beyond the wall, in units of 4π/3
        gap = jnp.maximum(radius - a, 0.0)
        if shape == "cylinder":
            return (gap * (radius + a)) ** 1.5
        return 0.5 * gap**2 * (2.0 * radius + a)

    return (beyond_wall(outer_radius) - beyond_wall(inner_radius)) / (outer_radius**3 - inner_radius**3)


def dehydration_energy(hydration_energy, bare_radius, hydrated_radius, pore_radius, shape: str = "cylinder"):
    """ΔG_dehyd (J/mol) = −ΔG_hyd (1 − r_b/r_h) f(r_pore): the share of the first hydration shell's
    energy that the pore strips (module docstring); ΔG_hyd in J/mol (negative), radii in m."""
    shell = -hydration_energy * (1.0 - bare_radius / hydrated_radius)
    return shell * shell_fraction_removed(bare_radius, hydrated_radius, pore_radius, shape)


@dataclasses.dataclass(frozen=True)
class PoreTransport:
    """Per-ion pore numbers, in the electrolyte's species order.

    Attributes:
      excess_potential: μ_i^ex inside the pore (J/mol): −RT ln Φ_i + ΔW_i (+ ΔG_dehyd,i).
      diffusion_hindrance: K_d,i (D_pore = K_d D).
      convection_hindrance: K_c,i (convective flux K_c c J_v).
      permittivity: ε_pore, the relative permittivity of the pore (Poisson and Born).
    """

    excess_potential: jnp.ndarray
    diffusion_hindrance: jnp.ndarray
    convection_hindrance: jnp.ndarray
    permittivity: object


def ion_radii(ions, choice) -> list[float]:
    """The radius (m) of each ion for the pore terms: ``choice`` is "stokes", "hydrated" or "bare"
    (the :class:`~pnp.Ion` attribute ``<choice>_radius``), or a mapping ion name → radius (m) that
    overrides it per ion (the rest use Stokes radii)."""
    given = _by_ion_name(choice) if isinstance(choice, Mapping) else None
    radii = []
    for ion in ions:
        if given is not None:
            value = given.get(ion.name, ion.stokes_radius)
            source = "ion_radius mapping" if ion.name in given else "stokes_radius"
        elif choice in ION_RADII:
            value, source = getattr(ion, f"{choice}_radius"), f"{choice}_radius"
        else:
            raise ValueError(f"ion_radius must be one of {ION_RADII} or a mapping ion → radius (m), got {choice!r}")
        if value is None:
            raise ValueError(f"ion {ion.name!r} has no {source}; give pnp.Ion(..., {source}=...) or "
                             f"ion_radius={{{ion.name!r}: radius_in_m}}")
        radii.append(value)
    return radii


def pore_transport(ions, temperature, bulk_permittivity, *, pore_radius=None, pore_permittivity=None,
                   shape="cylinder", ion_radius="stokes", steric=True, dielectric=True,
                   hindrance=True, dehydration=False, wall_coordination=0.0) -> PoreTransport:
    """The DSPM-DE pore terms of ``ions`` (a sequence of :class:`~pnp.Ion`) in a pore of radius
    (cylinder) or half-width (slit) ``pore_radius`` (m). Each term can be switched off
    (``steric``, ``dielectric``, ``hindrance`` — the last covers K_d and K_c); without a pore
    radius only the dielectric term can act, and without a ``pore_permittivity`` (default: the
    bulk one) it vanishes. ``dehydration`` adds the shell model (module docstring) from each ion's
    bare and hydrated radii and hydration energy, whatever ``ion_radius`` chooses for the others;
    ``wall_coordination`` χ in [0, 1] (one number, or a mapping ion name → χ, others 0) scales it by
    1 − χ.

    Raises:
      ValueError: an ion at least as large as the pore (λ ≥ 1: it cannot enter; the message
        names the ion and both radii), a non-positive pore permittivity, an unknown shape,
        hindrance in a slit, dehydration without a pore radius, an ion without the data the
        shell model needs, a pore narrower than a bare ion, or a wall coordination outside [0, 1]
        or without dehydration.
    """
    _check_shape(shape)
    sized = pore_radius is not None
    if dehydration and not sized:
        raise ValueError("dehydration needs a pore_radius (the shell model strips the water beyond the pore wall)")
    if sized and hindrance and shape != "cylinder":
        raise ValueError("the hindrance factors K_d, K_c are the Dechadilok–Deen cylinder correlations; "
                         "for a slit pass hindrance=False (or give a hindered diffusivity yourself)")
    eps_pore = bulk_permittivity if pore_permittivity is None else pore_permittivity
    known_eps = concrete(eps_pore)
    if known_eps is not None and not (np.isfinite(known_eps) and known_eps > 0):
        raise ValueError(f"pore_permittivity must be a positive relative permittivity, got {pore_permittivity!r}")
    radii = ion_radii(ions, ion_radius) if (sized or dielectric) else [1.0] * len(ions)
    known_pore = concrete(pore_radius) if sized else None
    if known_pore is not None and steric:
        for ion, radius in zip(ions, radii):
            if radius >= known_pore:
                raise ValueError(
                    f"ion {ion.name!r} (radius {radius * 1e9:.4g} nm) is as large as the pore (radius "
                    f"{float(known_pore) * 1e9:.4g} nm): λ = {radius / float(known_pore):.3g} ≥ 1, so it cannot "
                    "enter. Widen the pore, choose a smaller ion_radius, or switch off steric exclusion")
    n = len(ions)
    mu, ones = jnp.zeros(n), jnp.ones(n)
    kd = kc = ones
    if sized:
        ratio = jnp.asarray(radii) / pore_radius
        if steric:
            mu = mu - GAS_CONSTANT * temperature * jnp.log(steric_partition(ratio, shape))
        if hindrance:
            kd, kc = hindered_diffusion(ratio), hindered_convection(ratio)
    if dielectric:
        valence = jnp.asarray([float(ion.charge) for ion in ions])
        mu = mu + born_energy(valence, jnp.asarray(radii), eps_pore, bulk_permittivity)
    compensation = wall_compensation(ions, wall_coordination)
    if dehydration:
        cost = _dehydration(ions, pore_radius, known_pore, shape)
        mu = mu + (cost if compensation is None else compensation * cost)
    elif compensation is not None:
        raise ValueError("wall_coordination scales the dehydration cost; switch dehydration=True on (or leave "
                         "wall_coordination at 0)")
    return PoreTransport(excess_potential=mu, diffusion_hindrance=kd, convection_hindrance=kc,
                         permittivity=eps_pore)


def check_wall_coordination(wall_coordination) -> None:
    """Raise ValueError unless ``wall_coordination`` (one χ, or a mapping ion name → χ) lies in [0, 1]
    wherever its value is known (tracers under jit pass)."""
    items = _by_ion_name(wall_coordination).items() if isinstance(wall_coordination, Mapping) else [(None, wall_coordination)]
    for name, value in items:
        known = concrete(value)
        if known is not None and not (known.ndim == 0 and np.isfinite(known) and 0.0 <= known <= 1.0):
            which = "" if name is None else f"[{name!r}]"
            raise ValueError(f"wall_coordination{which} must be a number in [0, 1] (the share of the stripped "
                             f"shell's energy the wall gives back), got {value!r}")


def wall_compensation(ions, wall_coordination):
    """1 − χ_i per ion (the factor on its dehydration cost), or None when χ is a plain 0 for every
    ion; ``wall_coordination`` is one χ or a mapping ion name → χ (others 0), each in [0, 1]."""
    check_wall_coordination(wall_coordination)
    if isinstance(wall_coordination, Mapping):
        given = _by_ion_name(wall_coordination)
        unknown = set(given) - {ion.name for ion in ions}
        if unknown:
            raise ValueError(f"wall_coordination names {sorted(unknown)}, not ions of this electrolyte "
                             f"({', '.join(ion.name for ion in ions)})")
        values = [given.get(ion.name, 0.0) for ion in ions]
    else:
        values = [wall_coordination] * len(ions)
    if not is_traced(values) and all(float(value) == 0.0 for value in values):
        return None
    return 1.0 - jnp.stack([jnp.asarray(value, dtype=float) for value in values])


def _dehydration(ions, pore_radius, known_pore, shape):
    """ΔG_dehyd of each ion (J/mol), after checking that the shell model has its data."""
    fields = ("bare_radius", "hydrated_radius", "hydration_energy")
    data = []
    for ion in ions:
        missing = [field for field in fields if getattr(ion, field) is None]
        if missing:
            raise ValueError(f"dehydration needs the {', '.join(missing)} of ion {ion.name!r}; give "
                             f"pnp.Ion(..., {', '.join(f'{m}=...' for m in missing)}) or switch dehydration off")
        if known_pore is not None and ion.bare_radius >= known_pore:
            raise ValueError(f"ion {ion.name!r}: the pore (radius {float(known_pore) * 1e9:.4g} nm) is narrower than "
                             f"the bare ion (radius {ion.bare_radius * 1e9:.4g} nm); widen the pore")
        data.append([getattr(ion, field) for field in fields])
    bare, hydrated, energy = (jnp.asarray(column) for column in zip(*data))
    return dehydration_energy(energy, bare, hydrated, pore_radius, shape)


def _by_ion_name(mapping: Mapping) -> dict:
    """A per-ion mapping keyed by ion name (its keys may be names or :class:`~pnp.Ion` objects)."""
    return {key if isinstance(key, str) else key.name: value for key, value in mapping.items()}


def _check_shape(shape):
    if shape not in PORE_SHAPES:
        raise ValueError(f"pore shape must be one of {PORE_SHAPES}, got {shape!r}")
