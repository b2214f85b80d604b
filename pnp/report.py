"""The numbers reported for an I–V curve (printed by the CLI, written on the I–V figure): the
conductance at 0 V and the rectification ratio, each with how it was obtained."""

from __future__ import annotations

import numpy as np

from . import quantity

ZERO_CURRENT_TOLERANCE = 1e-3
"""|I(0 V)| / max |I| up to which an I–V counts as passing through 0 (equal baths give ~1e-12)."""


def iv_numbers(voltages: np.ndarray, currents: np.ndarray, conductance: float | None = None) -> dict:
    """Conductance at 0 V and rectification at max |V| of an I–V, each with how it was obtained.

    ``conductance`` is the exact dI/dV at 0 V when the caller has it (``IVCurve.conductance``);
    otherwise the chord between the voltages nearest 0 on both sides is reported, labelled
    ``"chord …"`` in ``conductance_method``. The rectification |I(+V)|/|I(−V)| is reported only
    when the sweep has a 0 V point with |I(0)| ≤ ZERO_CURRENT_TOLERANCE·max|I|; otherwise
    ``rectification_note`` says why not.
    """
    out = {}
    if conductance is not None:
        out["conductance"], out["conductance_method"] = float(conductance), "exact dI/dV"
    elif np.any(voltages < 0) and np.any(voltages > 0):
        out["conductance"] = float(quantity.chord_conductance(voltages, currents))
        lo, hi = voltages[voltages < 0].max(), voltages[voltages > 0].min()
        out["conductance_method"] = f"chord {lo:+g} V … {hi:+g} V, not the exact dI/dV"
    vmax = float(np.max(np.abs(voltages)))
    plus, minus = np.isclose(voltages, vmax, atol=1e-12, rtol=0), np.isclose(voltages, -vmax, atol=1e-12, rtol=0)
    if not (vmax > 0 and plus.any() and minus.any()):
        return out
    zero, scale = voltages == 0.0, np.max(np.abs(currents))
    if not zero.any():
        out["rectification_note"] = "not reported: the sweep has no 0 V point to check that I(0) = 0"
    elif abs(currents[zero][0]) > ZERO_CURRENT_TOLERANCE * scale:
        out["rectification_note"] = (f"not reported: I(0 V) ≠ 0 ({abs(currents[zero][0]) / scale:.2g} of max |I|; "
                                     "unequal baths or an applied pressure), so |I(+V)|/|I(−V)| would mix the "
                                     "diffusion or streaming current in")
    else:
        out["rectification_voltage"] = vmax
        out["rectification"] = float(quantity.rectification(currents[plus][0], currents[minus][0]))
    return out
