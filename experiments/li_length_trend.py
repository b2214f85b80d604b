"""Selectivity against membrane length (the review's channel-length trend, MISSION.md Fig. 7a) and the
thickness as a design variable.

A 1D pore membrane (pnp.Membrane with every pore term: steric and Born with Stokes radii,
hindrance, dehydration of the first hydration shell with wall coordination χ = 0.8) of pore radius
0.45 nm (just above Mg²⁺'s hydrated radius, 0.428 nm) and pore permittivity 45, between a feed of
30 mM LiCl + 100 mM MgCl₂ and the feed diluted 10×, at V = 50 mV. Assumed, not fitted.

1. **Length scan**: thickness L from 2 nm to 10 µm (each on its own fresh mesh) for fixed charges
   X = +50, 0 and −50 mol/m³: S(Li/Mg) = (J_Li/J_Mg)/(c_Li/c_Mg)_feed and J_Li (mol m⁻² h⁻¹). A thick
   membrane is a series resistance, J·L → constant; the script prints how J_Li·L and S converge
   (their change from L to 5L shrinks about as 1/L) and a mesh check (refinement 2) at three lengths.
2. **Length as a design variable** (pnp.design: MembraneDesign, MembraneTransform, optimize with
   optax Adam, exact gradients through pnp.solve): maximize S(Li/Mg) with J_Li ≥ J_min at
   X = +50 mol/m³ from L = 2 µm; J_min is the scan's J_Li at L = 100 nm, so where S rises with L the
   optimum is interior (where the floor binds) and the script checks it against the scan.

Usage: python experiments/li_length_trend.py [--quick] [--output results/]
Writes li_length_trend.png and li_length_trend.h5.
"""

from __future__ import annotations

import os
import sys
import time

import h5py
import jax.numpy as jnp
import numpy as np
import optax
from common import argument_parser, parse_arguments

import pnp
from pnp import design as D
from pnp.nanofiltration import SECONDS_PER_HOUR

FEED = pnp.Electrolyte.from_salts({"LiCl": 30.0, "MgCl2": 100.0})
DILUTION, VOLTAGE = 0.1, 0.05  # permeate/feed, V
PORE_RADIUS, PORE_PERMITTIVITY = 0.45e-9, 45.0  # m, relative
PORE_MODEL = pnp.Membrane(1e-6, 0.0, dehydration=True, wall_coordination=0.8)
CHARGES = (50.0, 0.0, -50.0)  # mol/m³
LENGTHS = (2e-9, 10e-6)  # m, the scan and the design range
DESIGN_CHARGE, FLOOR_LENGTH = 50.0, 100e-9  # the design's X; J_min = J_Li of the scan at this length


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def design(thickness, charge) -> D.MembraneDesign:
    return D.MembraneDesign(*map(jnp.asarray, (PORE_RADIUS, thickness, charge, PORE_PERMITTIVITY)))


def space(reference: D.MembraneDesign, mesh: pnp.Mesh = pnp.Mesh()) -> D.DesignSpace:
    return D.DesignSpace(FEED, FEED.scaled(DILUTION), VOLTAGE, reference, membrane=PORE_MODEL, mesh=mesh)


def selectivity_and_flux(thickness, charge, mesh=pnp.Mesh()):
    """S(Li/Mg) and J_Li (mol m⁻² h⁻¹) of one design on its own fresh mesh."""
    d = design(thickness, charge)
    s = space(d, mesh)
    state = s.solve(d)
    return (float(D.separation_factor(s, d, state, "Li+", "Mg2+")),
            SECONDS_PER_HOUR * float(D.ion_flux(s, d, state, "Li+")))


def length_scan(lengths):
    s, j = np.empty((len(CHARGES), len(lengths))), np.empty((len(CHARGES), len(lengths)))
    for a, charge in enumerate(CHARGES):
        for k, thickness in enumerate(lengths):
            s[a, k], j[a, k] = selectivity_and_flux(thickness, charge)
        say(f"X {charge:+.0f} mol/m³: S(Li/Mg) {s[a, 0]:.4g} at {lengths[0] * 1e9:.0f} nm → {s[a, -1]:.4g} at "
            f"{lengths[-1] * 1e6:.0f} µm; J_Li {j[a, 0]:.4g} → {j[a, -1]:.4g} mol m⁻² h⁻¹")
    return s, j


def thick_limit(lengths, s, j):
    """How S and J·L approach their thick-membrane limits: relative change from L to 5L at the
    three thickest points of a geometric scan (in units of its step)."""
    for a, charge in enumerate(CHARGES):
        jl = j[a] * lengths
        step = lengths[1] / lengths[0]
        k = int(round(np.log(5.0) / np.log(step)))
        rows = [f"L {lengths[i] * 1e9:7.0f} nm: ΔS/S {s[a, i + k] / s[a, i] - 1:+.2e}, "
                f"Δ(JL)/JL {jl[i + k] / jl[i] - 1:+.2e}" for i in range(len(lengths) - k - 3, len(lengths) - k)]
        say(f"  thick limit, X {charge:+.0f} (L → 5L): " + "; ".join(rows))


def mesh_check(lengths):
    """S and J_Li at refinement 2 against the default mesh, at the thinnest, a middle and the thickest L."""
    worst = 0.0
    for thickness in (lengths[0], FLOOR_LENGTH, lengths[-1]):
        coarse = selectivity_and_flux(thickness, DESIGN_CHARGE)
        fine = selectivity_and_flux(thickness, DESIGN_CHARGE, pnp.Mesh(refinement=2.0))
        change = max(abs(f / c - 1) for f, c in zip(fine, coarse))
        worst = max(worst, change)
        say(f"  mesh check at L = {thickness * 1e9:g} nm, X {DESIGN_CHARGE:+g}: refinement 2 changes S and J_Li by "
            f"at most {change:.2e} (relative)")
    return worst


def optimize_length(min_flux, steps):
    start = design(2e-6, DESIGN_CHARGE)
    transform = D.MembraneTransform(pore_radius=PORE_RADIUS, thickness=LENGTHS, fixed_charge=DESIGN_CHARGE,
                                    pore_permittivity=PORE_PERMITTIVITY)
    loss = D.penalized("Li+", "Mg2+", min_flux / SECONDS_PER_HOUR)
    result = D.optimize(space(start), loss, start, transform, optax.adam(0.2), steps=steps, tolerance=1e-7)
    best = result.design
    s, j = selectivity_and_flux(float(best.thickness), DESIGN_CHARGE)
    return result, s, j


def figure(lengths, s, j, result, s_opt, j_opt, min_flux, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10.4, 4.0))
    for a, charge in enumerate(CHARGES):
        ax[0].semilogx(lengths * 1e9, s[a], "o-", ms=3, color=f"C{a}", label=f"X = {charge:+g} mol/m³")
        ax[1].loglog(lengths * 1e9, j[a], "o-", ms=3, color=f"C{a}", label=f"X = {charge:+g} mol/m³")
    L = float(result.design.thickness) * 1e9
    ax[0].semilogx([L], [s_opt], "*", color="C3", ms=14, label="optimum under the flux floor")
    ax[1].loglog([L], [j_opt], "*", color="C3", ms=14)
    ax[1].axhline(min_flux, ls=":", color="k", label="J_min")
    ax[0].set(xlabel="membrane thickness L (nm)", ylabel="S(Li/Mg)", yscale="log",
              title="30 mM LiCl + 100 mM MgCl₂ → feed/10, 50 mV, r_p 0.45 nm")
    ax[1].set(xlabel="membrane thickness L (nm)", ylabel="J_Li (mol m⁻² h⁻¹)")
    for axis in ax:
        axis.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(output, "li_length_trend.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    say(f"written {path}")


def main():
    parser = argument_parser(__doc__, "fewer lengths and design steps")
    args = parse_arguments(parser)
    begin = time.perf_counter()
    lengths = np.geomspace(*LENGTHS, 9 if args.quick else 17)
    s, j = length_scan(lengths)
    thick_limit(lengths, s, j)
    mesh_change = mesh_check(lengths)
    a = CHARGES.index(DESIGN_CHARGE)
    min_flux = float(np.exp(np.interp(np.log(FLOOR_LENGTH), np.log(lengths), np.log(j[a]))))
    say(f"length design at X {DESIGN_CHARGE:+g}: J_min {min_flux:.4g} mol m⁻² h⁻¹ (the scan's J_Li at "
        f"{FLOOR_LENGTH * 1e9:g} nm), start L = 2 µm")
    result, s_opt, j_opt = optimize_length(min_flux, 15 if args.quick else 40)
    L = float(result.design.thickness)
    # where the scan's J_Li crosses the floor (log-log interpolation; J_Li falls with L)
    crossing = float(np.exp(np.interp(np.log(min_flux), np.log(j[a][::-1]), np.log(lengths[::-1]))))
    interior = LENGTHS[0] * 1.01 < L < LENGTHS[1] / 1.01
    say(f"optimum after {len(result.history.rows) - 1} steps: L = {L * 1e9:.2f} nm "
        f"({'interior' if interior else 'at a bound'}; the scan's J_Li crosses J_min at {crossing * 1e9:.2f} nm), "
        f"S(Li/Mg) {s_opt:.4g}, J_Li {j_opt:.4g} mol m⁻² h⁻¹; total {time.perf_counter() - begin:.0f} s")
    path = os.path.join(args.output, "li_length_trend.h5")
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs.update({"feed": "30 mM LiCl + 100 mM MgCl2", "permeate_dilution": DILUTION, "voltage_V": VOLTAGE,
                        "pore_radius_m": PORE_RADIUS, "pore_permittivity": PORE_PERMITTIVITY,
                        "wall_coordination": PORE_MODEL.wall_coordination, "min_flux_mol_m2_h": min_flux,
                        "optimum_thickness_m": L, "floor_crossing_m": crossing, "optimum_S": s_opt,
                        "optimum_J_Li_mol_m2_h": j_opt, "mesh_change": mesh_change, "pnp_version": pnp.__version__})
        f["thickness_m"], f["fixed_charge_mol_m3"] = lengths, CHARGES
        f["S"], f["J_Li_mol_m2_h"] = s, j
        f["history/loss"] = result.history.column("loss")
        f["history/thickness_m"] = result.history.column("thickness")
    os.replace(path + ".tmp", path)
    figure(lengths, s, j, result, s_opt, j_opt, min_flux, args.output)


if __name__ == "__main__":
    main()
