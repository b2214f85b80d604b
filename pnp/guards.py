"""Plausibility limits: the one home of what pnp refuses, or warns about, as physically implausible.

Their purpose is to catch unit slips — ``pnp.Cone(10, 200, 2000, -0.05)`` is a 2 km cone
(metres forgotten), which once built an 856 × 401-cell grid and ate 10 GB — and inputs where the
model means nothing, *before* a solve floods the terminal or the memory. Every limit below
carries its unit and its reason; each message names the field, the value with a readable
unit, the limit and the likely fix.

Errors (:class:`PhysicalLimitError`, a ValueError), raised by the constructors (so the Python
API and the case files, which build through them, both get them):

* lengths — radii, tip/base radius, slit height, channel/membrane length, thickness,
  reservoir sizes, bath layer — outside :data:`LENGTH_RANGE` (0.1 nm – 1 mm, m): below an
  atom's size the continuum model has no meaning; above 1 mm the object is no nanochannel,
  and such a value is nearly always a length given in nm or µm instead of m;
* |applied voltage| above :data:`MAX_VOLTAGE` (3 V): the model has no electrode reactions
  and no water splitting, which take over around 1–2 V in real cells, so PNP currents there
  describe nothing real;
* an ion above :data:`MAX_ION_CONCENTRATION` (5 M), or ions that together hold a salt above
  :data:`SOLUBILITY_MARGIN` × its solubility (:data:`SOLUBILITY`): such a bath cannot exist
  (the salt crystallizes), and the dilute-solution model is far outside its validity;
* |surface charge| above :data:`MAX_SURFACE_CHARGE` (0.5 C/m² ≈ 3 e/nm²): real surfaces carry
  0.001–0.3 C/m²; larger values are nearly always µC/cm² or mC/m² typed as C/m²;
* |membrane fixed charge| above :data:`MAX_FIXED_CHARGE` (5 M of elementary charges): ion-exchange
  membranes hold 0.5–4 mol of fixed charge per litre of pore water, and beyond 5 M the ideal
  (dilute) Donnan description fails as it does for the baths;
* a relative permittivity (a membrane's pore permittivity) outside :data:`PERMITTIVITY_RANGE`
  (1 – 200; a value ≤ 0 is always a ValueError): ε₀ε_r in F/m typed for ε_r is the usual slip;
* a wall-site density (:class:`pnp.SurfaceSites`) whose fully dissociated charge exceeds
  :data:`MAX_SURFACE_CHARGE`, or below :data:`MIN_SITE_DENSITY` (a density ≤ 0 is always a
  ValueError): sites per nm² typed as per m² is the usual slip;
* a bath pH outside :data:`PH_RANGE` (0 – 14) is always a ValueError: the water equilibrium that
  sets [OH⁻] = K_w/[H⁺] and the dilute model do not hold there.

These are errors, not warnings, because each is a value no experiment has — nearly always a
unit slip — and a warning scrolls away above a solve that may take the machine down.
Functions of position, σ(z, r) and X(z, r), are not checked (their values are known only on
the mesh); the post-solve warning covers what they do. Only concrete numbers are checked:
traced values (``jax.grad``, ``jax.jit``) are skipped, so design loops and derivatives are
never interrupted.

Error (:class:`MemoryBudgetError`, a ValueError), raised by :func:`pnp.problem.build_problem`
before the grid is built: the memory the solve would need, estimated from the mesh layout
(:func:`memory_estimate`), above the budget (default :data:`DEFAULT_MEMORY_BUDGET_GB`, 8 GB, on the
CPU; the device's memory on an accelerator). Not relaxed by :func:`relaxed`: it protects the machine.

Warning (:class:`PhysicalLimitWarning`, a UserWarning), after a solve: a concentration above
:data:`DILUTE_LIMIT` (5 M) anywhere. The inputs were plausible and the solution is the right
one *for the model*, but the model — point ions, no steric exclusion — has left its validity
there (counter-ions at a strongly charged wall pile up beyond close packing), so it warns.

Overrides (one mechanism each):

* physical limits: ``with pnp.guards.relaxed(): ...`` or the environment variable
  ``PNP_ALLOW_UNPHYSICAL=1`` — the limits then warn (PhysicalLimitWarning) instead of raising;
* memory: ``with pnp.guards.memory_budget(32): ...`` or ``PNP_MEMORY_BUDGET_GB=32`` (GB).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import warnings

import jax
import numpy as np

from .constants import ELEMENTARY_CHARGE
from .units import format_quantity

LENGTH_RANGE = (1e-10, 1e-3)
"""m: the plausible lengths of any geometry input (0.1 nm – 1 mm)."""

MAX_VOLTAGE = 3.0
"""V: the largest |applied voltage| (no electrode reactions or water splitting in the model)."""

MAX_ION_CONCENTRATION = 5000.0
"""mol/m³ (5 M): the largest bath concentration of any ion."""

SOLUBILITY: dict[str, float] = {
    "LiCl": 13900.0,
    "NaCl": 5400.0,
    "KCl": 4100.0,
    "HCl": 13800.0,  # HCl gas at 1 atm
    "CaCl2": 5800.0,
    "MgCl2": 5000.0,
    "Li2SO4": 2900.0,
    "Na2SO4": 1850.0,
    "K2SO4": 660.0,
    "MgSO4": 2800.0,
}
"""mol/m³: solubility in water at 25 °C of the salts of :data:`pnp.electrolyte.SALTS`, per volume of
saturated solution. From the mass fractions in CRC Handbook of Chemistry and Physics, "Aqueous
Solubility of Inorganic Compounds at Various Temperatures", and the densities of the saturated
solutions; good to about 5–10 %. For LiCl, HCl, CaCl2, MgCl2 and Li2SO4 the 5 M ion limit binds first."""

SOLUBILITY_MARGIN = 1.1
"""A salt is refused above this multiple of :data:`SOLUBILITY` (the table's accuracy, temperature)."""

MAX_SURFACE_CHARGE = 0.5
"""C/m² (≈ 3 elementary charges per nm²): the largest |surface charge|."""

MAX_FIXED_CHARGE = 5000.0
"""mol/m³ of elementary charges (5 M): the largest |fixed charge| of a membrane."""

PERMITTIVITY_RANGE = (1.0, 200.0)
"""Relative permittivity (dimensionless): vacuum 1 to beyond water's 78 (confined water 2–60)."""

MIN_SITE_DENSITY = 1e12
"""Sites per m² (one per µm²): below it a :class:`pnp.SurfaceSites` density is a per-nm² number typed as per m²."""

PH_RANGE = (0.0, 14.0)
"""The pH a bath may have (:meth:`pnp.Electrolyte.from_salts`)."""

DILUTE_LIMIT = 5000.0
"""mol/m³ (5 M): a solved concentration above it warns (the dilute-solution model has no ion size)."""

DEFAULT_MEMORY_BUDGET_GB = 8.0
"""GB: the default memory budget of one solve on the CPU (on an accelerator: its memory, when JAX reports
it); override with :func:`memory_budget` or PNP_MEMORY_BUDGET_GB."""

BYTES_PER_CELL = 3000.0
"""Bytes per grid cell and per (unknown per cell)² of a solve on the CPU (Jacobian colouring, band
Jacobian, sparse LU): measured peaks of the demo cone in KCl (3 unknowns per cell) were 1.6 GB at
28k cells and 2.6 GB at 70k cells; the 2 km cone (343k cells) reportedly took 10 GB."""

DENSE_BLOCK_COPIES = 4
"""Dense block solvers (thomas, cyclic_reduction; used for wide grids on accelerators) hold about this
many (nz, nr·nc, nr·nc) float64 block arrays: the three block diagonals and the reduced levels."""

_RELAXED = contextvars.ContextVar("pnp_guards_relaxed", default=False)
_BUDGET_GB = contextvars.ContextVar("pnp_memory_budget_gb", default=None)
_OVERRIDE = ("pnp.guards documents this limit; to run such a case anyway use `with pnp.guards.relaxed():` "
             "or set PNP_ALLOW_UNPHYSICAL=1")


class PhysicalLimitError(ValueError):
    """An input outside the plausible range of :mod:`pnp.guards` (usually a unit slip)."""


class MemoryBudgetError(ValueError):
    """The estimated memory of a solve exceeds the budget of :mod:`pnp.guards`."""


class PhysicalLimitWarning(UserWarning):
    """A relaxed limit was exceeded, or a solution left the validity of the dilute-solution model."""


# ---------------------------------------------------------------------- overrides
@contextlib.contextmanager
def relaxed():
    """Within the block, the physical limits warn (:class:`PhysicalLimitWarning`) instead of raising."""
    token = _RELAXED.set(True)
    try:
        yield
    finally:
        _RELAXED.reset(token)


def is_relaxed() -> bool:
    """Whether the physical limits only warn: inside :func:`relaxed`, or PNP_ALLOW_UNPHYSICAL=1."""
    return _RELAXED.get() or os.environ.get("PNP_ALLOW_UNPHYSICAL", "0").strip() not in ("", "0")


@contextlib.contextmanager
def memory_budget(gigabytes: float):
    """Within the block, solves may use up to ``gigabytes`` (GB, estimated) instead of the default."""
    token = _BUDGET_GB.set(_positive_gigabytes(gigabytes, "memory_budget"))
    try:
        yield
    finally:
        _BUDGET_GB.reset(token)


def memory_budget_gb() -> float:
    """The memory budget (GB): :func:`memory_budget`, else PNP_MEMORY_BUDGET_GB, else the default."""
    if _BUDGET_GB.get() is not None:
        return _BUDGET_GB.get()
    text = os.environ.get("PNP_MEMORY_BUDGET_GB")
    if text is not None:
        return _positive_gigabytes(text, "PNP_MEMORY_BUDGET_GB")
    if jax.default_backend() != "cpu":
        limit = (jax.devices()[0].memory_stats() or {}).get("bytes_limit")
        if limit:
            return limit / 1e9
    return DEFAULT_MEMORY_BUDGET_GB


def _positive_gigabytes(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} = {value!r} must be a positive number of gigabytes, e.g. 32")
    return number


def _refuse(message: str) -> None:
    """Raise :class:`PhysicalLimitError`, or only warn when the limits are relaxed."""
    if is_relaxed():
        warnings.warn(f"{message} (allowed: the pnp.guards limits are relaxed)", PhysicalLimitWarning, stacklevel=3)
    else:
        raise PhysicalLimitError(f"{message}{'' if message.endswith('?') else '.'} {_OVERRIDE}")


def _number(value) -> float | None:
    """The value of a concrete, finite real scalar; None for tracers, functions, arrays, None (an unset
    optional field) and non-numbers, which are left to the other checks."""
    if callable(value) or isinstance(value, (bool, jax.core.Tracer)):
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(array) if array.shape == () and np.isfinite(array) else None


def _beyond(value, limit: float) -> float | None:
    """The concrete number of ``value`` when its magnitude exceeds ``limit``; None otherwise (and for
    traced values and functions of position, which are not checked)."""
    number = _number(value)
    return number if number is not None and abs(number) > limit else None


# ---------------------------------------------------------------------- inputs
def check_lengths(owner: str, **lengths) -> None:
    """Each length (m) within :data:`LENGTH_RANGE`; ``owner`` names the object (e.g. "Cone"); None
    (unset) and traced lengths are skipped."""
    low, high = LENGTH_RANGE
    for name, value in lengths.items():
        number = _number(value)
        if number is None or number <= 0 or low <= number <= high:  # non-positive: require_positive's job
            continue
        nanometres = number * 1e-9  # the usual slip: a length in nm given as metres
        guess = (f": did you mean {number:g}e-9 ({format_quantity(nanometres, 'length')})?"
                 if low <= nanometres <= high else "")
        _refuse(f"{owner}.{name} = {format_quantity(number, 'length')} is outside {format_quantity(low, 'length')} "
                f"– {format_quantity(high, 'length')}; lengths are in metres{guess}")


def check_voltage(value, field: str = "voltage") -> None:
    """|V| ≤ :data:`MAX_VOLTAGE` (V) for a number or an array of voltages."""
    if isinstance(value, jax.core.Tracer):
        return
    try:
        numbers = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):  # not numbers: left to the other checks
        return
    numbers = numbers[np.isfinite(numbers)]
    if numbers.size == 0 or np.max(np.abs(numbers)) <= MAX_VOLTAGE:
        return
    number = float(numbers[np.argmax(np.abs(numbers))])
    _refuse(f"{field} = {number:g} V is beyond ±{MAX_VOLTAGE:g} V: the model has no electrode reactions and no "
            "water splitting, which take over around 1–2 V, so PNP results there describe nothing real; "
            f"voltages are in volts: did you mean {number:g}e-3 ({format_quantity(number * 1e-3, 'voltage')})?")


def check_surface_charge(owner: str, name: str, value) -> None:
    """|σ| ≤ :data:`MAX_SURFACE_CHARGE` (C/m²) for a constant σ (functions of position are not checked)."""
    number = _beyond(value, MAX_SURFACE_CHARGE)
    if number is not None:
        _refuse(f"{owner}.{name} = {number:g} C/m² is beyond ±{MAX_SURFACE_CHARGE:g} C/m² (3 elementary charges per "
                "nm²; real surfaces carry 0.001–0.3 C/m²); surface charge is in C/m²: if you meant "
                f"{number:g} µC/cm² give {number * 0.01:g}, if you meant {number:g} mC/m² give {number * 1e-3:g}")


def check_fixed_charge(owner: str, name: str, value) -> None:
    """|X| ≤ :data:`MAX_FIXED_CHARGE` (mol/m³) for a constant X (functions of position are not checked)."""
    number = _beyond(value, MAX_FIXED_CHARGE)
    if number is not None:
        _refuse(f"{owner}.{name} = {number:g} mol/m³ ({format_quantity(number, 'fixed_charge')}) is beyond "
                f"±{format_quantity(MAX_FIXED_CHARGE, 'fixed_charge')} (ion-exchange membranes hold 0.5–4 M per "
                "litre of pore water); fixed charge is in mol/m³ of elementary charges (1 mol/m³ = 1 mM, "
                "1 M = 1000 mol/m³)")


def _positive(owner: str, name: str, value, what: str) -> float | None:
    """The concrete number of ``value`` (None when not checkable); ValueError unless it is > 0."""
    number = _number(value)
    if number is not None and number <= 0:
        raise ValueError(f"{owner}.{name} = {number:g} must be a positive {what}")
    return number


def check_permittivity(owner: str, name: str, value) -> None:
    """A relative permittivity: > 0 always (ValueError), and within :data:`PERMITTIVITY_RANGE`."""
    number = _positive(owner, name, value, "relative permittivity (dimensionless: bulk water 78.4, confined water 30–60)")
    if number is None:
        return
    low, high = PERMITTIVITY_RANGE
    if not low <= number <= high:
        _refuse(f"{owner}.{name} = {number:g} is outside {low:g} – {high:g}; it is the relative permittivity "
                "(dimensionless), not ε₀ε_r in F/m")


def check_site_density(owner: str, name: str, value) -> None:
    """Sites per m²: > 0 always (ValueError), e × density within :data:`MAX_SURFACE_CHARGE`, and at
    least :data:`MIN_SITE_DENSITY`."""
    number = _positive(owner, name, value, "number of sites per m² (1 site/nm² = 1e18 m⁻²)")
    if number is None:
        return
    if number * ELEMENTARY_CHARGE > MAX_SURFACE_CHARGE:
        _refuse(f"{owner}.{name} = {number:g} sites/m² would carry {number * ELEMENTARY_CHARGE:g} C/m², beyond "
                f"±{MAX_SURFACE_CHARGE:g} C/m² (real surfaces hold 0.1–5 sites/nm²); the density is in sites per m² "
                "(1 site/nm² = 1e18 m⁻²)")
    elif number < MIN_SITE_DENSITY:
        _refuse(f"{owner}.{name} = {number:g} sites/m² is below {MIN_SITE_DENSITY:g} m⁻² (one site per µm²); the "
                f"density is in sites per m²: did you mean {number:g} sites/nm², i.e. {number * 1e18:g}?")


def check_ph(value, field: str = "pH") -> None:
    """0 ≤ pH ≤ 14 (ValueError otherwise, not relaxed: [OH⁻] = K_w/[H⁺] is used to build the bath)."""
    number = _number(value)
    low, high = PH_RANGE
    if number is not None and not low <= number <= high:
        raise ValueError(f"{field} = {number:g} is outside {low:g} – {high:g}: the bath's H⁺ and OH⁻ follow from "
                         "the pH through water's ionic product, which the dilute model cannot carry beyond that")
    if number is None and not isinstance(value, jax.core.Tracer):
        raise ValueError(f"{field} must be a finite number between {low:g} and {high:g}, got {value!r}")


def check_concentrations(concentrations: dict) -> None:
    """Bath concentrations (ion name → mol/m³): each ≤ :data:`MAX_ION_CONCENTRATION`, and no salt of
    :data:`pnp.electrolyte.SALTS` beyond :data:`SOLUBILITY_MARGIN` × its :data:`SOLUBILITY` (judged by
    the ion product, so a salt's ions contributed by other salts count too)."""
    from .electrolyte import SALTS

    values = {ion: _number(c) for ion, c in concentrations.items()}
    for ion, c in values.items():
        if c is not None and c > MAX_ION_CONCENTRATION:
            _refuse(f"concentration of {ion!r} = {c:g} mol/m³ ({format_quantity(c, 'concentration')}) is above "
                    f"{format_quantity(MAX_ION_CONCENTRATION, 'concentration')}: few salts dissolve further and the "
                    "dilute-solution PNP model is far outside its validity; concentrations are in mol/m³ "
                    "(1 mol/m³ = 1 mM, 1 M = 1000 mol/m³)")
    for salt, ions in SALTS.items():
        if not all(values.get(ion) is not None for ion in ions):
            continue
        total = sum(ions.values())
        amount = math.prod((values[ion] / count) ** (count / total) for ion, count in ions.items())
        if amount > SOLUBILITY_MARGIN * SOLUBILITY[salt]:
            given = ", ".join(f"{ion} {values[ion]:g}" for ion in ions)
            solubility = format_quantity(SOLUBILITY[salt], "concentration")
            _refuse(f"the bath ({given} mol/m³) holds {format_quantity(amount, 'concentration')} {salt} (by the ion "
                    f"product), above its solubility in water, about {solubility} at 25 °C (CRC Handbook): the salt "
                    "would crystallize; concentrations are in mol/m³ (1 mol/m³ = 1 mM)")


# ---------------------------------------------------------------------- memory
def memory_estimate(shape: tuple[int, int], n_components: int, linear_solver: str = "auto") -> float:
    """Estimated peak memory (bytes) of a solve on a grid of ``shape`` = (nz, nr) cells with
    ``n_components`` unknowns per cell: :data:`BYTES_PER_CELL` per cell and component², plus the
    block arrays of a dense block solver when ``linear_solver`` resolves to one
    (:data:`DENSE_BLOCK_COPIES`)."""
    from .linalg.registry import choose

    nz, nr = shape
    estimate = nz * nr * n_components**2 * BYTES_PER_CELL
    if choose(linear_solver, (nz, nr, n_components)).dense_blocks:
        estimate += DENSE_BLOCK_COPIES * nz * (nr * n_components) ** 2 * 8.0
    return estimate


def check_memory(shape: tuple[int, int], n_components: int, linear_solver: str = "auto",
                 what: str = "the mesh") -> None:
    """:class:`MemoryBudgetError` when :func:`memory_estimate` exceeds :func:`memory_budget_gb`."""
    estimate, budget = memory_estimate(shape, n_components, linear_solver) / 1e9, memory_budget_gb()
    if estimate <= budget:
        return
    nz, nr = shape
    raise MemoryBudgetError(
        f"{what} would have {nz} × {nr} = {nz * nr:,} cells × {n_components} unknowns and need about "
        f"{estimate:.3g} GB (estimate), above the memory budget of {budget:g} GB. Check the geometry's units "
        "(lengths in metres) and Mesh(refinement=...); to allow it, set PNP_MEMORY_BUDGET_GB="
        f"{math.ceil(estimate * 1.2)} or use `with pnp.guards.memory_budget({math.ceil(estimate * 1.2)}):`")


# ---------------------------------------------------------------------- results
def warn_if_concentrated(*solutions) -> None:
    """:class:`PhysicalLimitWarning` when any of the (untraced) solutions exceeds :data:`DILUTE_LIMIT`."""
    from .tracing import is_traced

    peak = None
    for solution in solutions:
        if is_traced(solution.state) or is_traced(solution.voltage):
            continue
        c = np.nan_to_num(np.asarray(solution.concentrations), nan=-np.inf)
        index = np.unravel_index(np.argmax(c), c.shape)
        if peak is None or c[index] > peak[0]:
            peak = (float(c[index]), solution, index)
    if peak is None or peak[0] <= DILUTE_LIMIT:
        return
    value, solution, (ion, i, j) = peak
    z, r = np.asarray(solution.z)[i, j], np.asarray(solution.r)[i, j]
    warnings.warn(
        f"the solution reaches {format_quantity(value, 'concentration')} of {solution.species[ion]} (at z = "
        f"{format_quantity(z, 'length')}, r = {format_quantity(r, 'length')}, V = {float(solution.voltage):g} V), "
        f"above {format_quantity(DILUTE_LIMIT, 'concentration')}: the dilute-solution PNP model is outside its "
        "validity there (point ions, no steric exclusion: real counter-ions saturate at a few M), so near-wall "
        "concentrations, potentials and surface conduction are overestimated; lower |surface charge| or "
        "treat these results as qualitative", PhysicalLimitWarning, stacklevel=3)
