"""Tip–base rectification of a PET cone whose tip is filled by a carboxylate MOF (the review's
PET/MIL-53-COOH channel, MISSION.md Fig. 7e–f): LiCl, NaCl, KCl at 0.1 M on both sides.

Every parameter below is assumed (none is fitted to the measured currents):

* PET cone (pnp.Cone): tip radius 10 nm (left), base radius 200 nm, length 2 µm (a shortened track-
  etched cone: the measured one is ~12 µm with a µm base), wall charge −0.05 C/m² (deprotonated
  carboxyls of etched PET at neutral pH), reservoirs on both sides (pnp.Reservoirs defaults).
* MOF in the tip (Channel(filling=pnp.Membrane(...))): the first 20 nm of the cone, pores of 8.1 Å
  diameter (pore_radius 0.405 nm), fixed charge X = −2 M of pore volume (the framework's
  deprotonated carboxylates), pore permittivity 30 (confined water, the review's ~30 in 2 nm pores),
  every pore term: steric and Born with Stokes radii, hindrance, dehydration of the first shell with
  wall coordination χ = 0.8 (none of Li⁺, Na⁺, K⁺, Cl⁻ is stripped: their hydrated radii are below
  0.405 nm).
* V = φ_left − φ_right from −1 to +1 V: V > 0 drives cations from the tip (MOF) to the base.

Prints I(±V), r = |I(+1 V)|/|I(−1 V)| per salt and for the unfilled PET cone in LiCl (control), the
order of the currents by cation, Cl⁻'s share of the current (its transference number),
and a mesh check (refinement 2) of LiCl at ±1 V.

Usage: python experiments/mof_tip_rectification.py [--quick] [--output results/]
Writes mof_tip_rectification.png and mof_tip_rectification.h5.
"""

from __future__ import annotations

import os
import sys
import time

import h5py
import numpy as np
from common import argument_parser, parse_arguments

import pnp

SALTS = ("LiCl", "NaCl", "KCl")
CONCENTRATION = 100.0  # mol/m³ on both sides
TIP, BASE, LENGTH, PET_CHARGE = 10e-9, 200e-9, 2e-6, -0.05  # m, m, m, C/m²
MOF = pnp.Membrane(20e-9, -2000.0, pore_radius=0.405e-9, pore_permittivity=30.0, dehydration=True,
                   wall_coordination=0.8)


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cone(filled: bool = True) -> pnp.Channel:
    return pnp.Cone(TIP, BASE, LENGTH, PET_CHARGE, filling=MOF if filled else None)


def sweep(salt: str, voltages, filled: bool = True, mesh: pnp.Mesh = pnp.Mesh()) -> pnp.IVCurve:
    electrolyte = pnp.Electrolyte.from_salts({salt: CONCENTRATION})
    begin = time.perf_counter()
    iv = pnp.sweep(cone(filled), electrolyte, voltages, mesh=mesh)
    say(f"{salt}{'' if filled else ' (unfilled PET cone)'}: I = "
        + ", ".join(f"{i * 1e9:+.4g} nA at {v:+.2f} V" for v, i in zip(iv.voltages, iv.currents))
        + f"; r(1 V) = {iv.rectification(1.0):.3f}; t(Cl⁻) at ±1 V: {iv.at(1.0).transference_numbers['Cl-']:.4f} / "
        f"{iv.at(-1.0).transference_numbers['Cl-']:.4f}; conservation {iv.at(1.0).conservation_error:.1e} "
        f"({time.perf_counter() - begin:.0f} s)")
    return iv


def figure(curves, control, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    for k, (salt, iv) in enumerate(curves.items()):
        ax.plot(iv.voltages, np.asarray(iv.currents) * 1e9, "o-", color=f"C{k}", label=f"{salt}, MOF-filled tip")
    ax.plot(control.voltages, np.asarray(control.currents) * 1e9, "--", color="0.5", label="LiCl, unfilled PET cone")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set(xlabel="V = φ_tip − φ_base (V)", ylabel="I (nA)",
           title="PET cone with a MOF tip (8.1 Å pores, X = −2 M), 0.1 M")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(output, "mof_tip_rectification.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    say(f"written {path}")


def main():
    parser = argument_parser(__doc__, "±1 V only, no mesh check")
    args = parse_arguments(parser)
    voltages = [-1.0, 0.0, 1.0] if args.quick else [-1.0, -0.5, 0.0, 0.5, 1.0]
    curves = {salt: sweep(salt, voltages) for salt in SALTS}
    control = sweep("LiCl", voltages, filled=False)
    forward = {salt: float(iv.currents[-1]) for salt, iv in curves.items()}
    order = " > ".join(sorted(forward, key=forward.get, reverse=True))
    say(f"forward currents (+1 V): {order}; r(1 V): "
        + ", ".join(f"{salt} {iv.rectification(1.0):.3f}" for salt, iv in curves.items())
        + f"; unfilled cone {control.rectification(1.0):.3f}")
    mesh_change = float("nan")
    if not args.quick:
        fine = sweep("LiCl", [-1.0, 0.0, 1.0], mesh=pnp.Mesh(refinement=2.0))
        coarse = curves["LiCl"]
        mesh_change = max(abs(float(fine.currents[k]) / float(coarse.currents[j]) - 1) for k, j in ((0, 0), (-1, -1)))
        say(f"mesh check, LiCl: refinement 2 changes I(±1 V) by at most {mesh_change:.2e} (relative)")
    path = os.path.join(args.output, "mof_tip_rectification.h5")
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs.update({"concentration_mol_m3": CONCENTRATION, "tip_radius_m": TIP, "base_radius_m": BASE,
                        "length_m": LENGTH, "pet_surface_charge_C_m2": PET_CHARGE, "mof_thickness_m": MOF.thickness,
                        "mof_fixed_charge_mol_m3": MOF.fixed_charge, "mof_pore_radius_m": MOF.pore_radius,
                        "mof_pore_permittivity": MOF.pore_permittivity, "mesh_change": mesh_change,
                        "pnp_version": pnp.__version__})
        f["voltage_V"] = voltages
        for salt, iv in curves.items():
            f[f"{salt}/current_A"] = np.asarray(iv.currents)
        f["LiCl_unfilled/current_A"] = np.asarray(control.currents)
    os.replace(path + ".tmp", path)
    figure(curves, control, args.output)


if __name__ == "__main__":
    main()
