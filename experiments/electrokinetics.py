"""Streaming current and potential vs concentration, and electro-osmotic pumping vs surface charge,
in a charged cylinder (PNP–Stokes), against the long-channel Poisson–Boltzmann theory.

The cylinder (a = 5 nm, L = 1 µm) has its baths at the pore ends. For each point:

* (b) streaming: the short-circuit current I_s at Δp = 1 bar, V = 0 (streaming conductance
  K = I_s/Δp), and the streaming potential V_s, the zero-current voltage at 1 bar
  (``pnp.zero_current_voltage(..., flow=True, pressure=1e5)``), for KCl from 1 mM to 1 M at
  σ = −0.02 C/m²;
* (c) electro-osmotic pumping: the flow rate at V = 10 mV, Δp = 0, over V (Q/V = K by Onsager),
  for σ from 0 to −0.2 C/m² at 10 mM and 100 mM.

Theory (``pnp.analytic.long_channel_electrokinetics``): with the nonlinear PB cross-section,
K = −(πa²ε/(ηL))(ζ − ⟨ψ⟩), G = G_ohm + (ε²/(ηL))∫|∇ψ|²dA and V_s/Δp = −K/G. The simulated
channel has entrances where the double layer forms, which lower K and G by about 1/L (about
3 % at L = 80a, see tests/test_stokes.py); V_s, their ratio, is closer.

Usage: python experiments/electrokinetics.py [--quick] [--output results/]
Writes electrokinetics.png and electrokinetics.h5 in the output folder.
"""

from __future__ import annotations

import os
import time

import h5py
import numpy as np
from common import argument_parser, parse_arguments

import pnp
from pnp import analytic

RADIUS, LENGTH = 5e-9, 1e-6  # m
SIGMA = -0.02  # C/m², streaming study
PRESSURE, VOLTAGE = 1e5, 0.01  # Pa, V


def theory(electrolyte, sigma):
    return analytic.long_channel_electrokinetics(RADIUS, LENGTH, sigma, electrolyte.concentrations,
                                                 electrolyte.valences, electrolyte.diffusivities)


def streaming(concentrations, mesh):
    """Rows: c (mM), K, K theory (A/Pa), V_s/Δp, theory (V/Pa)."""
    rows = []
    for c in concentrations:
        start = time.perf_counter()
        electrolyte = pnp.Electrolyte.from_salts({"KCl": c})
        pore = pnp.Cylinder(RADIUS, LENGTH, SIGMA, reservoirs=None)
        short = pnp.solve(pore, electrolyte, 0.0, flow=True, pressure=PRESSURE, mesh=mesh)
        opened = pnp.zero_current_voltage(pore, electrolyte, flow=True, pressure=PRESSURE, mesh=mesh)
        ref = theory(electrolyte, SIGMA)
        rows.append((c, short.current / PRESSURE, ref["streaming_conductance"], opened.voltage / PRESSURE,
                     ref["streaming_potential_coefficient"]))
        print(f"c = {c:8.2f} mM: I_s = {short.current * 1e12:+.4f} pA (theory {ref['streaming_conductance'] * PRESSURE * 1e12:+.4f}),"
              f" V_s = {opened.voltage * 1e3:+.4f} mV (theory {ref['streaming_potential_coefficient'] * PRESSURE * 1e3:+.4f})"
              f" at 1 bar  [{time.perf_counter() - start:.1f} s]", flush=True)
    return np.array(rows)


def pumping(concentrations, charges, mesh):
    """Rows: c (mM), σ (C/m²), Q/V, theory K (m³/(s·V))."""
    rows = []
    for c in concentrations:
        electrolyte = pnp.Electrolyte.from_salts({"KCl": c})
        for sigma in charges:
            start = time.perf_counter()
            pore = pnp.Cylinder(RADIUS, LENGTH, sigma, reservoirs=None)
            q = pnp.solve(pore, electrolyte, VOLTAGE, flow=True, mesh=mesh).flow_rate / VOLTAGE
            k = theory(electrolyte, sigma)["streaming_conductance"] if sigma else 0.0
            rows.append((c, sigma, q, k))
            print(f"c = {c:6.1f} mM, σ = {sigma:+.3f} C/m²: Q/V = {q:+.4e} m³/(s·V) (theory {k:+.4e})"
                  f"  [{time.perf_counter() - start:.1f} s]", flush=True)
    return np.array(rows)


def plot(stream, pump, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    c = stream[:, 0]
    axes[0].loglog(c, stream[:, 1] * 1e5 * 1e12, "o", label="PNP–Stokes")
    axes[0].loglog(c, stream[:, 2] * 1e5 * 1e12, "k--", label="long channel (PB)")
    axes[0].set(xlabel="KCl (mM)", ylabel="streaming current at 1 bar (pA)", title=f"(b) σ = {SIGMA} C/m²")
    axes[1].semilogx(c, -stream[:, 3] * 1e5 * 1e3, "o", label="PNP–Stokes")
    axes[1].semilogx(c, -stream[:, 4] * 1e5 * 1e3, "k--", label="long channel (PB)")
    axes[1].set(xlabel="KCl (mM)", ylabel="−V_s at 1 bar (mV)", title="(b) streaming potential")
    for k, conc in enumerate(np.unique(pump[:, 0])):
        rows = pump[pump[:, 0] == conc]
        axes[2].plot(-rows[:, 1], rows[:, 2] * 1e18, "o", color=f"C{k}", label=f"PNP–Stokes, {conc:g} mM")
        axes[2].plot(-rows[:, 1], rows[:, 3] * 1e18, "--", color=f"C{k}", label=f"long channel, {conc:g} mM")
    axes[2].set(xlabel="−σ (C/m²)", ylabel="Q/V (µm³/(s·V))", title="(c) electro-osmotic pumping")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"Charged cylinder a = {RADIUS * 1e9:g} nm, L = {LENGTH * 1e6:g} µm, baths at the pore ends")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def save(stream, pump, path, mesh):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs.update(pnp_version=pnp.__version__, radius_m=RADIUS, length_m=LENGTH, pressure_Pa=PRESSURE,
                       voltage_V=VOLTAGE, streaming_surface_charge_C_per_m2=SIGMA, mesh_refinement=mesh.refinement)
        for k, name in enumerate(["concentration_mol_per_m3", "streaming_conductance_A_per_Pa",
                                  "streaming_conductance_theory_A_per_Pa", "streaming_potential_V_per_Pa",
                                  "streaming_potential_theory_V_per_Pa"]):
            f[f"streaming/{name}"] = stream[:, k]
        for k, name in enumerate(["concentration_mol_per_m3", "surface_charge_C_per_m2", "flow_per_voltage_m3_per_s_V",
                                  "flow_per_voltage_theory_m3_per_s_V"]):
            f[f"pumping/{name}"] = pump[:, k]
    os.replace(tmp, path)


def main():
    parser = argument_parser(__doc__, "fewer points, coarse mesh")
    args = parse_arguments(parser)
    mesh = pnp.Mesh(refinement=0.5 if args.quick else 1.0)
    concentrations = np.logspace(0, 3, 4 if args.quick else 7)
    charges = (0.0, -0.05, -0.2) if args.quick else (0.0, -0.01, -0.02, -0.05, -0.1, -0.2)
    stream = streaming(concentrations, mesh)
    pump = pumping((10.0, 100.0), charges, mesh)
    base = os.path.join(args.output, "electrokinetics")
    plot(stream, pump, base + ".png")
    save(stream, pump, base + ".h5", mesh)
    print(f"wrote {base}.png and {base}.h5")


if __name__ == "__main__":
    main()
