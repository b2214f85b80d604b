"""Analytic validation cases run through the public API (``pnp validate``).

Cases (see the public VALIDATION.md):

* V1 Gouy–Chapman wall potential ψ0 (σ = −0.05 C/m², 10 mM KCl): −110.767 mV, 0.1 %;
* V2 Poisson–Boltzmann cylinder ψ(a) (a = 5 nm, σ = −0.01 C/m², 10 mM): −51.454 mV, 0.2 %;
* V3 long-channel conductance (a = 5 nm, L = 1 µm, σ = −0.02 C/m², 100 mM, baths at the
  pore ends, so entrance effects are included) against the exact integral, 2 %;
* V4 Donnan potential inside a 2 µm membrane (X = −1000 mM, 100 mM KCl) against
  :func:`pnp.analytic.donnan`, 0.1 %;
* V4 TMS membrane potential (X = −100 mM, 100 | 10 mM KCl) against 46.665 mV, 0.2 mV
  (100 µm membrane; the quick run uses 20 µm and 0.5 mV, where the solution layers add a
  ~0.2 mV concentration-polarization error);
* V5 uncharged cylinder (a = 5 nm, L = 20 nm, 1 M KCl) with access resistance: 42.24 nS, 3 %;
* V7 charge-mosaic membrane (:mod:`pnp.mosaic`, θ = 0.36, 400 µm, 30 mM LiCl + 0.5 M MgCl₂ |
  3 mM LiCl) Li⁺ flux against the equivalent circuit (Eq. 8 of source paper 2), 5 %.

``--quick`` runs V1, V4 Donnan and the 20 µm V4 TMS.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Result:
    case: str
    quantity: str
    unit: str
    expected: float  # in ``unit``
    got: float  # in ``unit``
    tolerance: float  # relative (fraction) or absolute (in ``unit``)
    absolute: bool
    seconds: float

    @property
    def relative_error(self) -> float:
        return abs(self.got / self.expected - 1.0) if self.expected != 0 else float("inf")

    @property
    def passed(self) -> bool:
        if not np.isfinite(self.got):
            return False
        if self.absolute:
            return abs(self.got - self.expected) <= self.tolerance
        return self.relative_error <= self.tolerance

    @property
    def tolerance_text(self) -> str:
        return f"{self.tolerance:g} {self.unit}" if self.absolute else f"{self.tolerance * 100:g} %"


@dataclasses.dataclass(frozen=True)
class Check:
    case: str
    quantity: str
    unit: str
    tolerance: float
    absolute: bool
    compute: Callable[[], tuple[float, float]]  # -> (expected, got) in ``unit``


def _kcl(c):
    import pnp

    return pnp.Electrolyte({"K+": c, "Cl-": c})


def _v1():
    import pnp

    sol = pnp.solve(pnp.ChargedWall(-0.05), _kcl(10.0), mesh=pnp.Mesh(refinement=2))
    return -110.767, float(sol.wall_potential()[2][0]) * 1e3


def _v2():
    import pnp

    sol = pnp.solve(pnp.Cylinder(5e-9, 100e-9, -0.01, reservoirs=None), _kcl(10.0), mesh=pnp.Mesh(refinement=2))
    z, _, phi = sol.wall_potential()
    return -51.454, float(phi[np.argmin(np.abs(z - 50e-9))]) * 1e3


def _v3():
    import pnp
    from pnp import analytic

    bath = _kcl(100.0)
    iv = pnp.sweep(pnp.Cylinder(5e-9, 1e-6, -0.02, reservoirs=None), bath, [-0.01, 0.01])
    expected = analytic.long_channel_conductance(5e-9, 1e-6, -0.02, bath.concentrations, bath.valences,
                                                 bath.diffusivities)
    return expected * 1e9, iv.conductance() * 1e9


def _v4_donnan():
    import pnp
    from pnp import analytic

    bath = _kcl(100.0)
    sol = pnp.solve(pnp.Membrane(2e-6, fixed_charge=-1000.0), bath)
    _, potential = analytic.donnan(-1000.0, bath.concentrations, bath.valences)
    return potential * 1e3, float(sol.potential[sol.potential.shape[0] // 2, 0]) * 1e3


def _v4_tms(thickness):
    def compute():
        import pnp

        sol = pnp.zero_current_voltage(pnp.Membrane(thickness, fixed_charge=-100.0), _kcl(100.0), _kcl(10.0))
        return 46.665, -sol.voltage * 1e3

    return compute


def _v5_cylinder():
    import pnp

    iv = pnp.sweep(pnp.Cylinder(5e-9, 20e-9, 0.0), _kcl(1000.0), [-1e-3, 1e-3])
    return 42.24, iv.conductance() * 1e9


def _v7():
    import pnp
    from pnp import analytic, mosaic

    theta, d, layer, sigma_plus, sigma_minus = 0.36, 400e-6, 100e-9, 0.025, 0.0079
    feed = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 500.0})
    receiving = pnp.Electrolyte.from_salts({"LiCl": 3.0, "MgCl2": 1e-4})
    sol = mosaic.open_circuit(mosaic.ideal_phase(d, layer, sigma_plus, "Li+", ("Cl-", "Mg2+")),
                              mosaic.ideal_phase(d, layer, sigma_minus, "Cl-", ("Li+", "Mg2+")),
                              theta, feed, receiving)
    alpha = feed.concentration("Cl-") / feed.concentration("Li+") - 1.0
    expected = analytic.cmm_lithium_flux(theta, sigma_plus, sigma_minus, d, 30.0, 3.0, alpha)
    per_hour = 3.6e6  # mol m⁻² s⁻¹ → mmol m⁻² h⁻¹
    return float(expected) * per_hour, sol.fluxes["Li+"] * per_hour


CHECKS = {
    "V1": Check("V1 Gouy-Chapman wall", "psi0", "mV", 1e-3, False, _v1),
    "V2": Check("V2 PB cylinder", "psi(a)", "mV", 2e-3, False, _v2),
    "V3": Check("V3 long channel", "G", "nS", 2e-2, False, _v3),
    "V4-Donnan": Check("V4 Donnan membrane", "phi_D", "mV", 1e-3, False, _v4_donnan),
    "V4-TMS": Check("V4 TMS 100 um", "E", "mV", 0.2, True, _v4_tms(100e-6)),
    "V4-TMS-quick": Check("V4 TMS 20 um", "E", "mV", 0.5, True, _v4_tms(20e-6)),
    "V5": Check("V5 Ohmic cylinder + access", "G", "nS", 3e-2, False, _v5_cylinder),
    "V7": Check("V7 charge-mosaic membrane", "J_Li", "mmol/m2/h", 5e-2, False, _v7),
}
FULL = ("V1", "V2", "V3", "V4-Donnan", "V4-TMS", "V5", "V7")
QUICK = ("V1", "V4-Donnan", "V4-TMS-quick")


def run_validation(quick: bool = False, *, progress: bool = True) -> list[Result]:
    """Run the validation cases (the quick subset if ``quick``); one :class:`Result` each.

    A case whose solve raises :class:`pnp.ConvergenceError` is reported as failed (NaN).
    """
    from .solver import ConvergenceError

    results = []
    for key in QUICK if quick else FULL:
        check = CHECKS[key]
        if progress:
            print(f"  running {check.case} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            expected, got = check.compute()
        except ConvergenceError as error:
            print(f"  {check.case}: did not converge: {error}", file=sys.stderr, flush=True)
            expected, got = np.nan, np.nan
        results.append(Result(check.case, check.quantity, check.unit, float(expected), float(got),
                              check.tolerance, check.absolute, time.perf_counter() - start))
    return results


def format_table(results: list[Result]) -> str:
    """Plain-text table: case, quantity, expected, got, relative error, tolerance, pass, time."""
    header = ("case", "quantity", "expected", "got", "rel. error", "tolerance", "pass", "time")
    rows = [header]
    for r in results:
        rows.append((r.case, f"{r.quantity} ({r.unit})", f"{r.expected:.6g}", f"{r.got:.6g}",
                     f"{r.relative_error:.2e}", r.tolerance_text, "yes" if r.passed else "NO", f"{r.seconds:.1f} s"))
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
