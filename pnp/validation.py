"""``pnp validate``: run a selection of the validation cases and print a table.

The cases themselves — setup, expected value, tolerance — live in
:mod:`pnp.validation_problems` (the tests run the same definitions). The full run:

* V1 Gouy–Chapman wall potential ψ0 (σ = −0.05 C/m², 10 mM KCl): −110.767 mV, 0.1 %;
* V2 Poisson–Boltzmann cylinder ψ(a) (a = 5 nm, σ = −0.01 C/m², 10 mM): −51.454 mV, 0.2 %;
* V3 long-channel conductance (a = 5 nm, L = 1 µm, σ = −0.02 C/m², 100 mM, baths at the
  pore ends, so entrance effects are included) against the exact integral, 2 %;
* V4 Donnan potential inside a 2 µm membrane (X = −1000 mM, 100 mM KCl), 0.1 %;
* V4 TMS membrane potential (X = −100 mM, 100 | 10 mM KCl) against 46.665 mV, 0.2 mV
  (100 µm membrane; the quick run uses 20 µm and 0.5 mV, where the solution layers add a
  ~0.2 mV concentration-polarization error);
* V5 uncharged cylinder (a = 5 nm, L = 20 nm, 1 M KCl) with access resistance: 42.24 nS, 3 %;
* V7 charge-mosaic membrane (θ = 0.36, 400 µm, 30 mM LiCl + 0.5 M MgCl₂ | 3 mM LiCl) Li⁺ flux
  against the equivalent circuit (Eq. 8 of source paper 2), 5 %;
* V8 DSPM-DE nanofiltration (DSPMDE.md case c): S(Li/Mg) within 1 %;
* V9 charge regulation: wall of acidic sites (pK 3.8, 1 site/nm²) in 10 mM KCl at pH 7, and with
  Mg²⁺ binding and a Stern layer; σ against Grahame + the site isotherm, 0.5 %;
* F1 Hagen–Poiseuille flow (a = 5 nm, L = 100 nm, 1 bar), 0.5 %; F2 a 20 nm pore between reservoirs
  against Dagan et al.'s Q = Δp/(8ηL/(πa⁴) + 3η/a³), 3 %; F3 electro-osmosis at κa = 5 against
  Rice–Whitehead (σ = −1e-4 C/m², Debye–Hückel), 0.5 %; F4 a slender cone (5 → 10 nm over 200 nm,
  baths at its ends) against lubrication theory Q = Δp/((8η/π)∫dz/R⁴), 0.5 %.

``--quick`` runs V1, V4 Donnan and the 20 µm V4 TMS.
"""

from __future__ import annotations

import dataclasses
import sys
import time

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


FULL = ("V1", "V2", "V3", "V4-Donnan", "V4-TMS", "V5", "V7", "V8", "V9-10mM-pH7", "V9-Mg-Stern", "F1", "F2", "F3", "F4")
QUICK = ("V1", "V4-Donnan", "V4-TMS-quick")


def run_validation(quick: bool = False, *, progress: bool = True) -> list[Result]:
    """Run the validation cases (the quick subset if ``quick``); one :class:`Result` each.

    A case whose solve raises :class:`pnp.ConvergenceError` is reported as failed (NaN).
    """
    from .solver import ConvergenceError
    from .validation_problems import catalogue

    results = []
    for key in QUICK if quick else FULL:
        case = catalogue()[key]
        if progress:
            print(f"  running {case.title} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            got, _ = case.run()
        except ConvergenceError as error:
            print(f"  {case.title}: did not converge: {error}", file=sys.stderr, flush=True)
            got = np.nan
        results.append(Result(case.title, case.quantity, case.unit, float(case.expected), float(got),
                              case.tolerance, case.absolute, time.perf_counter() - start))
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
