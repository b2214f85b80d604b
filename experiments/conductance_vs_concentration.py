"""Conductance of a charged cylinder and slit vs KCl concentration: the surface-conduction plateau.

For each concentration the channel (with reservoirs) is solved at ±1 mV; the conductance
is the slope. Compared with the exact long-channel integral (pnp.analytic, V3; no
access resistance) and the bulk (uncharged) value. At low concentration the counter-ions
that screen the wall carry the current and the channel conductance levels off at
≈ 2πa μ|σ|/L (cylinder); below ~10 mM the bulk access resistance 2/(4κa) of the
reservoirs, which grows as 1/c, takes over the device conductance.

Usage: python experiments/conductance_vs_concentration.py [--quick] [--output results/]
Writes conductance_vs_concentration.png and .h5 in the output folder.
"""

from __future__ import annotations

import os
import time

import h5py
import numpy as np
from common import argument_parser, parse_arguments

import pnp
from pnp import analytic

RADIUS, HALF_HEIGHT, LENGTH, SIGMA = 5e-9, 5e-9, 1e-6, -0.02  # m, m, m, C/m²


def conductance(geometry, c, mesh):
    iv = pnp.sweep(geometry, pnp.Electrolyte({"K+": c, "Cl-": c}), [-1e-3, 1e-3], mesh=mesh)
    return iv.chord_conductance()  # ±1 mV: linear response


def run(concentrations, mesh):
    rows = []
    for c in concentrations:
        bath = pnp.Electrolyte({"K+": c, "Cl-": c})
        start = time.perf_counter()
        g_cyl = conductance(pnp.Cylinder(RADIUS, LENGTH, SIGMA), c, mesh)
        g_slit = conductance(pnp.Slit(2 * HALF_HEIGHT, LENGTH, SIGMA), c, mesh)  # per metre of depth
        exact_cyl = analytic.long_channel_conductance(RADIUS, LENGTH, SIGMA, bath.concentrations, bath.valences,
                                                      bath.diffusivities)
        exact_slit = analytic.long_channel_conductance(HALF_HEIGHT, LENGTH, SIGMA, bath.concentrations,
                                                       bath.valences, bath.diffusivities, geometry="slit", depth=1.0)
        rows.append((c, g_cyl, exact_cyl, bath.conductivity * np.pi * RADIUS**2 / LENGTH,
                     g_slit, exact_slit, bath.conductivity * 2 * HALF_HEIGHT / LENGTH))
        print(f"c = {c:9.3f} mol/m³: G_cyl = {g_cyl * 1e9:.5f} nS (long-channel {exact_cyl * 1e9:.5f}), "
              f"G_slit = {g_slit:.4e} S/m (long-channel {exact_slit:.4e})  [{time.perf_counter() - start:.1f} s]",
              flush=True)
    return np.array(rows)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = rows[:, 0]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (sim, exact, bulk), title, unit, factor in (
        (axes[0], (1, 2, 3), f"Cylinder a = {RADIUS * 1e9:g} nm", "G (nS)", 1e9),
        (axes[1], (4, 5, 6), f"Slit h = {2 * HALF_HEIGHT * 1e9:g} nm", "G (nS per µm depth)", 1e3),
    ):
        ax.loglog(c, rows[:, sim] * factor, "o-", label="PNP with reservoirs")
        ax.loglog(c, rows[:, exact] * factor, "k--", label="long channel, exact (no access)")
        ax.loglog(c, rows[:, bulk] * factor, ":", color="gray", label="bulk conductivity only")
        if sim == 1:  # cylinder: two bulk access resistances 1/(4κa) in series with the long channel
            kappa = np.array([pnp.Electrolyte({"K+": x, "Cl-": x}).conductivity for x in c])
            with_access = 1.0 / (1.0 / rows[:, exact] + 1.0 / (2.0 * kappa * RADIUS))
            ax.loglog(c, with_access * factor, "-.", color="C3", label="long channel + bulk access 1/(2κa)")
        ax.set(xlabel="KCl concentration (mol/m³ = mM)", ylabel=unit,
               title=f"{title}, L = {LENGTH * 1e6:g} µm, σ = {SIGMA} C/m²")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def save(rows, path, mesh):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs.update(pnp_version=pnp.__version__, radius_m=RADIUS, half_height_m=HALF_HEIGHT, length_m=LENGTH,
                       surface_charge_C_per_m2=SIGMA, mesh_refinement=mesh.refinement)
        names = ["concentration_mol_per_m3", "cylinder_S", "cylinder_long_channel_S", "cylinder_bulk_S",
                 "slit_S_per_m", "slit_long_channel_S_per_m", "slit_bulk_S_per_m"]
        for k, name in enumerate(names):
            f[name] = rows[:, k]
    os.replace(tmp, path)


def main():
    parser = argument_parser(__doc__, "4 concentrations, coarse mesh")
    args = parse_arguments(parser)
    concentrations = np.logspace(-1, 3, 4 if args.quick else 9)
    mesh = pnp.Mesh(refinement=0.35 if args.quick else 0.5)
    rows = run(concentrations, mesh)
    base = os.path.join(args.output, "conductance_vs_concentration")
    plot(rows, base + ".png")
    save(rows, base + ".h5", mesh)
    print(f"wrote {base}.png and {base}.h5")


if __name__ == "__main__":
    main()
