"""Charge-mosaic membrane for Li⁺ extraction by diffusion dialysis (source paper 2 of MISSION.md).

A Li⁺-conducting ceramic (area fraction θ; fixed charge −X₊, Mg²⁺ and Cl⁻ excluded by an
excess potential) and an anion-exchange polymer (1 − θ; +X₋, cations excluded) of thickness
d = 400 µm between a feed of 30 mM LiCl + x MgCl₂ and a 3 mM LiCl receiving solution, at open
circuit (pnp.mosaic). X± give the paper's phase conductivities σ₊ = 2.5e-4 S/cm and
σ₋ = 7.9e-5 S/cm. Four panels:

(a) Li⁺ flux vs θ: full PNP against the equivalent circuit (Eq. 8) and its optimum
    θ_opt = √σ₋/(√σ₊ + √σ₋);
(b) Li⁺ flux vs MgCl₂ in the feed (more Cl⁻ raises the anion phase's EMF by ln(α + 1)),
    normalised at 0.5 M, against the paper's measured 32, 52, 59 mmol m⁻² h⁻¹;
(c) where the circuit breaks down: thin membranes against 10 µm unstirred solution layers;
(d) finite selectivity: S(Li/Mg) vs the Mg²⁺ exclusion energy of the ceramic, and the energy
    that gives the paper's S = 62 at 0.5 M MgCl₂.

Usage: python experiments/charge_mosaic.py [--quick] [--output results/]
Writes charge_mosaic.png and charge_mosaic.h5 in the output folder.
"""

from __future__ import annotations

import os
import time

import h5py
import numpy as np
from scipy.optimize import brentq
from common import argument_parser, parse_arguments

import pnp
from pnp import analytic, mosaic
from pnp.validation_problems import (CMM_LAYER as LAYER, CMM_SIGMA_MINUS as SIGMA_MINUS,
                                     CMM_SIGMA_PLUS as SIGMA_PLUS, CMM_THICKNESS as THICKNESS, PER_HOUR,
                                     cmm_circuit_flux, cmm_feed as feed, cmm_phases as phases, cmm_receiving)

C_LI, C_RECEIVING = 30.0, 3.0  # mol/m³ (the V7 case of pnp.validation_problems)
PAPER_MGCL2 = np.array([0.0, 100.0, 500.0])  # mol/m³
PAPER_FLUX = np.array([32.0, 52.0, 59.0])  # mmol m⁻² h⁻¹ (48 h)
PAPER_SELECTIVITY = 62.0  # Li/Mg at 0.5 M MgCl₂
RECEIVING = cmm_receiving(C_RECEIVING)


def circuit(theta, mgcl2=500.0, thickness=THICKNESS):
    return cmm_circuit_flux(theta, thickness, feed=feed(mgcl2), receiving_lithium=C_RECEIVING)


def lithium_flux(theta, mgcl2=500.0, **phase_options):
    return mosaic.open_circuit(*phases(**phase_options), theta, feed(mgcl2), RECEIVING)


def run(quick):
    out = {}
    start = time.perf_counter()
    thetas = np.linspace(0.1, 0.9, 5 if quick else 9)
    sols, previous = [], None
    for theta in thetas:
        previous = mosaic.open_circuit(*phases(), theta, feed(500.0), RECEIVING, start=previous)
        sols.append(previous)
    out["theta"], out["theta_flux"] = thetas, np.array([s.fluxes["Li+"] for s in sols])
    out["theta_circuit"] = circuit(thetas)
    print("(a) θ:", " ".join(f"{t:.2f}: {j / c - 1:+.1e}" for t, j, c in zip(thetas, out["theta_flux"],
                                                                         out["theta_circuit"])),
          f"(relative error vs Eq. 8)  [{time.perf_counter() - start:.1f} s]", flush=True)

    theta_opt = analytic.cmm_optimal_fraction(SIGMA_PLUS, SIGMA_MINUS)
    out["mgcl2"] = PAPER_MGCL2
    out["mgcl2_flux"] = np.array([lithium_flux(theta_opt, x).fluxes["Li+"] for x in PAPER_MGCL2])
    out["mgcl2_circuit"] = np.array([circuit(theta_opt, x) for x in PAPER_MGCL2])
    print(f"(b) MgCl₂ {PAPER_MGCL2} mol/m³: J_Li {out['mgcl2_flux'] * PER_HOUR} mmol m⁻² h⁻¹ "
          f"(Eq. 8 {out['mgcl2_circuit'] * PER_HOUR})  [{time.perf_counter() - start:.1f} s]", flush=True)

    thicknesses = np.array([400e-6, 40e-6, 4e-6] if quick else [400e-6, 100e-6, 40e-6, 10e-6, 4e-6, 1e-6])
    out["thickness"] = thicknesses
    out["thickness_ratio"] = np.array([
        lithium_flux(theta_opt, thickness=d, layer=10e-6).fluxes["Li+"] / circuit(theta_opt, thickness=d)
        for d in thicknesses])
    print(f"(c) d {thicknesses * 1e6} µm with 10 µm unstirred layers: J_PNP / J_Eq8 = "
          f"{np.round(out['thickness_ratio'], 4)}  [{time.perf_counter() - start:.1f} s]", flush=True)

    energies = np.array([0.0, 2.0, 4.0, 6.0] if quick else [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0])
    out["mg_exclusion_RT"] = energies
    exclusion = [lithium_flux(theta_opt, mg_exclusion=e) for e in energies]
    out["mg_exclusion_selectivity"] = np.array([s.separation_factor("Li+", "Mg2+") for s in exclusion])
    out["mg_exclusion_flux"] = np.array([s.fluxes["Li+"] for s in exclusion])
    fit = brentq(lambda e: np.log(lithium_flux(theta_opt, mg_exclusion=e).separation_factor("Li+", "Mg2+")
                                  / PAPER_SELECTIVITY), 0.0, 6.0, xtol=1e-3)
    out["mg_exclusion_fit_RT"] = fit
    print(f"(d) S(Li/Mg) at μ^ex_Mg {energies} RT: {np.round(out['mg_exclusion_selectivity'], 1)}; "
          f"S = {PAPER_SELECTIVITY:g} at μ^ex_Mg = {fit:.3f} RT  [{time.perf_counter() - start:.1f} s]", flush=True)
    out["theta_opt"] = theta_opt
    return out


def plot(out, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ((a, b), (c, d)) = plt.subplots(2, 2, figsize=(10, 8))
    fine = np.linspace(0.01, 0.99, 197)
    a.plot(fine, circuit(fine) * PER_HOUR, "k-", label="equivalent circuit (Eq. 8)")
    a.plot(out["theta"], out["theta_flux"] * PER_HOUR, "o", color="C0", label="PNP, two phases at open circuit")
    a.axvline(out["theta_opt"], color="gray", ls=":", label=f"θ_opt = √σ₋/(√σ₊+√σ₋) = {out['theta_opt']:.3f}")
    a.set(xlabel="cation-phase fraction θ", ylabel="Li⁺ flux (mmol m⁻² h⁻¹)",
          title="(a) 30 mM LiCl + 0.5 M MgCl₂ | 3 mM LiCl, d = 400 µm")
    a.legend(fontsize=8)

    norm = out["mgcl2_flux"][-1]
    b.plot(out["mgcl2"] / 1e3, out["mgcl2_flux"] / norm, "o-", label="PNP")
    b.plot(out["mgcl2"] / 1e3, out["mgcl2_circuit"] / out["mgcl2_circuit"][-1], "k--", label="Eq. 8")
    b.plot(PAPER_MGCL2 / 1e3, PAPER_FLUX / PAPER_FLUX[-1], "s", color="C3", label="measured (paper, 48 h)")
    b.set(xlabel="MgCl₂ in the feed (M)", ylabel="Li⁺ flux / flux at 0.5 M",
          title=f"(b) θ = θ_opt; PNP at 0.5 M: {norm * PER_HOUR:.0f} mmol m⁻² h⁻¹")
    b.legend(fontsize=8)

    c.semilogx(out["thickness"] * 1e6, out["thickness_ratio"], "o-")
    c.axhline(1.0, color="k", lw=0.8)
    c.set(xlabel="membrane thickness d (µm)", ylabel="J_Li (PNP) / J_Li (Eq. 8)", ylim=(0, 1.05),
          title="(c) 10 µm unstirred layers: the circuit fails for thin membranes")

    d.semilogy(out["mg_exclusion_RT"], out["mg_exclusion_selectivity"], "o-", label="PNP")
    d.axhline(PAPER_SELECTIVITY, color="C3", ls="--", label=f"paper: S = {PAPER_SELECTIVITY:g}")
    d.axvline(out["mg_exclusion_fit_RT"], color="gray", ls=":",
              label=f"μ^ex_Mg = {out['mg_exclusion_fit_RT']:.2f} RT")
    d.set(xlabel="Mg²⁺ exclusion energy in the ceramic μ^ex_Mg (RT)", ylabel="separation factor S(Li/Mg)",
          title="(d) finite selectivity of the Li⁺ phase")
    d.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def save(out, path):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs.update(pnp_version=pnp.__version__, thickness_m=THICKNESS, unstirred_layer_m=LAYER,
                       sigma_plus_S_per_m=SIGMA_PLUS, sigma_minus_S_per_m=SIGMA_MINUS,
                       c_li_feed_mol_per_m3=C_LI, c_li_receiving_mol_per_m3=C_RECEIVING,
                       flux_unit="mol m^-2 s^-1", exclusion_energy_unit="RT")
        for name, value in out.items():
            f[name] = value
    os.replace(tmp, path)


def main():
    parser = argument_parser(__doc__, "fewer points in every panel")
    args = parse_arguments(parser)
    out = run(args.quick)
    base = os.path.join(args.output, "charge_mosaic")
    plot(out, base + ".png")
    save(out, base + ".h5")
    print(f"wrote {base}.png and {base}.h5")


if __name__ == "__main__":
    main()
