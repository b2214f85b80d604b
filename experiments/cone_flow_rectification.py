"""Rectification of the charged conical nanochannel with and without solvent flow (PNP–Stokes).

The cone of ``cone_rectification.py`` (tip 10 nm on the left, base 200 nm, length 2 µm,
σ = −0.05 C/m², default reservoirs) in KCl, NaCl and LiCl at 100 mM (and 10 mM without
``--quick``), swept to ±1 V and ±2 V twice: ions only, and with the solvent's Stokes flow
(``flow=True``, no applied pressure). Electro-osmosis drags the solvent with the counter-ions
(K⁺, Na⁺, Li⁺ at this negative wall), along the field: tip → base at V > 0. The rectification
ratio r = |I(+V)|/|I(−V)|, its change by the flow, and whether the ordering of r between the salts
depends on the voltage once the flow is on (as COMSOL studies of conical pores report).

Usage: python experiments/cone_flow_rectification.py [--quick] [--output results/]
Writes cone_flow_rectification.png and .h5 in the output folder.
"""

from __future__ import annotations

import os
import time

import h5py
import numpy as np
from common import argument_parser, parse_arguments
from cone_rectification import CONE

import pnp

SALTS = ("KCl", "NaCl", "LiCl")
VOLTAGES = np.array([-2.0, -1.0, 1.0, 2.0])


def rectification(currents, voltage):
    """|I(+V)| / |I(−V)| from currents at VOLTAGES."""
    at = dict(zip(VOLTAGES.tolist(), currents))
    return abs(at[voltage] / at[-voltage])


def run(concentrations, mesh):
    """{(c, salt, flow): (currents (A), flow rates (m³/s) or None)} at VOLTAGES."""
    cone = pnp.Cone(**CONE)
    results = {}
    for c in concentrations:
        for salt in SALTS:
            for flow in (False, True):
                start = time.perf_counter()
                iv = pnp.sweep(cone, pnp.Electrolyte.from_salts({salt: c}), VOLTAGES, mesh=mesh, flow=flow)
                results[c, salt, flow] = (iv.currents, iv.flow_rates if flow else None)
                print(f"{c:g} mM {salt}, flow {'on ' if flow else 'off'}: r(1 V) = {rectification(iv.currents, 1.0):.3f}, "
                      f"r(2 V) = {rectification(iv.currents, 2.0):.3f}"
                      + (f", Q(±1 V) = {iv.flow_rates[2] * 1e18:.3g} / {iv.flow_rates[1] * 1e18:.3g} fL/s" if flow else "")
                      + f"  [{time.perf_counter() - start:.0f} s]", flush=True)
    return results


def table(concentrations, results):
    """Rows: c, salt, r(1 V) and r(2 V) without and with flow, and the flow's change of r."""
    rows = []
    for c in concentrations:
        for salt in SALTS:
            off, on = (results[c, salt, flow][0] for flow in (False, True))
            row = [c, salt]
            for v in (1.0, 2.0):
                r_off, r_on = rectification(off, v), rectification(on, v)
                row += [r_off, r_on, r_on / r_off - 1.0]
            rows.append(row)
    print(f"{'c (mM)':>7} {'salt':>5} {'r(1V) off':>10} {'on':>7} {'change':>8} {'r(2V) off':>10} {'on':>7} {'change':>8}")
    for c, salt, *numbers in rows:
        print(f"{c:7g} {salt:>5} " + " ".join(f"{x:>{w}.3f}" if k % 3 != 2 else f"{x * 100:>+7.1f}%"
                                             for k, (x, w) in enumerate(zip(numbers, (10, 7, 8, 10, 7, 8)))))
    for c in concentrations:
        for v in (1.0, 2.0):
            for flow in (False, True):
                order = sorted(SALTS, key=lambda s: -rectification(results[c, s, flow][0], v))
                print(f"{c:g} mM, {v:g} V, flow {'on ' if flow else 'off'}: r ordering {' > '.join(order)}")
    return rows


def plot(concentrations, results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(concentrations), figsize=(5 * len(concentrations), 4), squeeze=False)
    width = 0.2
    for ax, c in zip(axes[0], concentrations):
        for k, salt in enumerate(SALTS):
            for m, flow in enumerate((False, True)):
                ratios = [rectification(results[c, salt, flow][0], v) for v in (1.0, 2.0)]
                ax.bar(np.arange(2) + (2 * k + m - 2.5) * width / 2, ratios, width / 2,
                       color=f"C{k}", alpha=0.45 if not flow else 1.0,
                       label=f"{salt}, {'with' if flow else 'no'} flow")
        ax.axhline(1, color="gray", lw=0.5)
        ax.set_xticks(range(2), ["±1 V", "±2 V"])
        ax.set(ylabel="r = |I(+V)| / |I(−V)|", title=f"{c:g} mM")
        ax.legend(fontsize=7)
    fig.suptitle(f"Cone tip {CONE['tip_radius'] * 1e9:g} nm, base {CONE['base_radius'] * 1e9:g} nm, "
                 f"L = {CONE['length'] * 1e6:g} µm, σ = {CONE['surface_charge']} C/m²")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def save(concentrations, results, path, mesh):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs.update(pnp_version=pnp.__version__, mesh_refinement=mesh.refinement,
                       **{f"cone_{k}": v for k, v in CONE.items()})
        f["voltage_V"] = VOLTAGES
        for (c, salt, flow), (currents, flow_rates) in results.items():
            group = f.require_group(f"{c:g}mM/{salt}/{'flow' if flow else 'no_flow'}")
            group["current_A"] = currents
            if flow_rates is not None:
                group["flow_rate_m3_per_s"] = flow_rates
    os.replace(tmp, path)


def main():
    parser = argument_parser(__doc__, "100 mM only, coarse mesh")
    args = parse_arguments(parser)
    concentrations = [100.0] if args.quick else [10.0, 100.0]
    mesh = pnp.Mesh(refinement=0.35 if args.quick else 0.5)
    results = run(concentrations, mesh)
    table(concentrations, results)
    base = os.path.join(args.output, "cone_flow_rectification")
    plot(concentrations, results, base + ".png")
    save(concentrations, results, base + ".h5", mesh)
    print(f"wrote {base}.png and {base}.h5")


if __name__ == "__main__":
    main()
