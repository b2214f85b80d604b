"""I–V curves and rectification of a charged conical nanochannel in KCl, LiCl and NaCl.

Cone: tip 10 nm (left), base 200 nm, length 2 µm, σ = −0.05 C/m². Part 1: I–V curves at
100 mM from −1 to +1 V. Part 2: rectification ratio r = |I(+1 V)|/|I(−1 V)| vs
concentration: r > 1 (cations flowing tip → base enrich the channel) with a maximum at an
intermediate concentration; below it, concentration polarization at the permselective
tip inverts the rectification; at 1 M the double layer is too thin to matter.

Usage: python experiments/cone_rectification.py [--quick] [--output results/]
Writes cone_rectification.png and .h5 in the output folder.
"""

from __future__ import annotations

import os
import time

import h5py
import numpy as np
from common import argument_parser, parse_arguments

import pnp

SALTS = ("KCl", "LiCl", "NaCl")
CONE = dict(tip_radius=10e-9, base_radius=200e-9, length=2e-6, surface_charge=-0.05)


def run(voltages, concentrations, mesh):
    cone = pnp.Cone(**CONE)
    iv_curves, ratios = {}, {}
    for salt in SALTS:
        start = time.perf_counter()
        iv = pnp.sweep(cone, pnp.Electrolyte.from_salts({salt: 100.0}), voltages, mesh=mesh)
        iv_curves[salt] = iv.currents
        ratios[salt] = []
        for c in concentrations:
            ratios[salt].append(pnp.sweep(cone, pnp.Electrolyte.from_salts({salt: c}), [-1.0, 1.0],
                                          mesh=mesh).rectification(1.0))
        print(f"{salt}: r(1 V, 100 mM) = {iv.rectification(1.0):.3f}; r vs c = "
              + ", ".join(f"{c:g}: {r:.3f}" for c, r in zip(concentrations, ratios[salt]))
              + f"  [{time.perf_counter() - start:.0f} s]", flush=True)
    return iv_curves, {k: np.array(v) for k, v in ratios.items()}


def plot(voltages, iv_curves, concentrations, ratios, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for salt in SALTS:
        ax1.plot(voltages, iv_curves[salt] * 1e9, "o-", ms=3, label=salt)
        ax2.semilogx(concentrations, ratios[salt], "o-", label=salt)
    ax1.axhline(0, color="gray", lw=0.5)
    ax1.set(xlabel="V = φ(tip side) − φ(base side) (V)", ylabel="I (nA)", title="100 mM")
    ax2.axhline(1, color="gray", lw=0.5)
    ax2.set(xlabel="concentration (mol/m³ = mM)", ylabel="r = |I(+1 V)| / |I(−1 V)|",
            title="Rectification ratio")
    for ax in (ax1, ax2):
        ax.legend()
    fig.suptitle(f"Cone tip {CONE['tip_radius'] * 1e9:g} nm, base {CONE['base_radius'] * 1e9:g} nm, "
                 f"L = {CONE['length'] * 1e6:g} µm, σ = {CONE['surface_charge']} C/m²")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def save(voltages, iv_curves, concentrations, ratios, path, mesh):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs.update(pnp_version=pnp.__version__, mesh_refinement=mesh.refinement,
                       **{f"cone_{k}": v for k, v in CONE.items()})
        f["voltage_V"] = voltages
        f["concentration_mol_per_m3"] = concentrations
        for salt in SALTS:
            f[f"{salt}/current_A_at_100mM"] = iv_curves[salt]
            f[f"{salt}/rectification_at_1V"] = ratios[salt]
    os.replace(tmp, path)


def main():
    parser = argument_parser(__doc__, "fewer points, coarse mesh")
    args = parse_arguments(parser)
    voltages = np.linspace(-1, 1, 5 if args.quick else 21)
    concentrations = np.array([1.0, 10.0, 100.0, 1000.0]) if args.quick else np.logspace(0, 3, 7)
    mesh = pnp.Mesh(refinement=0.35 if args.quick else 0.5)
    iv_curves, ratios = run(voltages, concentrations, mesh)
    base = os.path.join(args.output, "cone_rectification")
    plot(voltages, iv_curves, concentrations, ratios, base + ".png")
    save(voltages, iv_curves, concentrations, ratios, base + ".h5", mesh)
    print(f"wrote {base}.png and {base}.h5")


if __name__ == "__main__":
    main()
