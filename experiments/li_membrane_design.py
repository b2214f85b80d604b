"""Design a Li⁺-selective membrane with the pore-level physics: pore radius, fixed charge and pore
permittivity (the material parameter) of a 1 µm membrane, every pore term on (steric with Stokes
radii, Born with ε_pore, hindrance, dehydration of the first hydration shell with a wall that gives
back a share χ = 0.8 of the stripped shell's energy: an oxygen-lined pore, Sahu, Di Ventra & Zwolak
2017; pnp.Membrane(wall_coordination=...)), for (a) voltage- and concentration-driven transport and
(b) nanofiltration, both through pnp.design (MembraneDesign, MembraneTransform, optimize).

Feed 30 mM LiCl + 500 mM MgCl₂ (brine-like; or 500 mM NaCl for Li/Na).

(a) Permeate side the feed diluted 10×, V = 50 mV.
  1. **Batched scan** (pnp.batch.solve_designs, one compiled Newton): pore radius 0.355–0.80 nm ×
     fixed charge −95…+95 mol/m³ × ε_pore 30 / 45 / 60: S(Li/X) = (J_Li/J_X)/(c_Li/c_X)_feed and
     J_Li (mol m⁻² h⁻¹), the Pareto front of S against J_Li. The range starts just above the Stokes
     radius of Mg²⁺ (0.347 nm, where λ = 1) and reaches below the hydrated radii of Mg²⁺ (0.428 nm)
     and Li⁺ (0.382 nm), so both ions shed part of their shell in the narrow pores: Mg²⁺'s cost
     grows by tens of kT within 0.05 nm, Li⁺'s sets a maximum of the Li⁺ flux near 0.40 nm.
  2. **Gradient-based design** from the best scanned design under the flux floor (pnp.design.optimize,
     optax Adam, exact gradients through pnp.solve): maximize ln S − 10³·max(0, ln(J_min/J_Li))²
     (pnp.design.penalized), J_min = 80 % of the largest Li flux of the scan. S rises as the pore
     narrows while Li⁺'s dehydration caps J_Li, so the floor binds on the narrow side of the flux
     maximum: the script reports whether the optimum is interior in the pore radius.
  3. **Mechanisms** at the optimum: S with each term switched off in turn, and S split into entry
     (partition) and transport stages (Solution.selectivity_split).
(b) Nanofiltration at J_v = 1 µm/s, the permeate solved for (pnp.nanofiltration, zero current).
  4. **Scan** of pore radius × fixed charge × ε_pore 30 / 60: S against the Li⁺ flux J_v c_Li,p.
  5. **Gradient-based design** (pnp.design.nanofiltration_space; gradients through the permeate
     search): the most Li⁺ in the permeate with S ≥ S_min (100 for Mg²⁺, 1 for Na⁺):
     maximize ln J_Li − 10³·max(0, ln(S_min/S))², from the best scanned design; at the optimum,
     S split into polarization, partition and transport stages and the real rejection.

Usage: python experiments/li_membrane_design.py [--quick] [--case Mg|Na] [--no-dehydration] [--output results/]
Writes li_membrane_design.png (fronts, S vs r_p under nanofiltration) and li_membrane_design_<case>.h5.
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
from pnp import quantity
from pnp.batch import solve_designs
from pnp.design import pareto_front
from pnp.nanofiltration import SECONDS_PER_HOUR
from pnp.problem import build_problem
from pnp.steady import check, solve_system

CASES = {"Mg": ({"LiCl": 30.0, "MgCl2": 500.0}, "Mg2+", 100.0), "Na": ({"LiCl": 30.0, "NaCl": 500.0}, "Na+", 1.0)}
THICKNESS, VOLTAGE, DILUTION, VOLUME_FLUX = 1e-6, 0.05, 0.1, 1e-6  # m, V, permeate/feed, m/s
RADII = (0.355e-9, 0.80e-9)  # m, the design range: from just above Mg²⁺'s Stokes radius (0.347 nm; λ < 1)
FLOOR = 0.8  # J_min as a fraction of the largest Li flux of the scan
WALL_COORDINATION = 0.8  # χ: share of the stripped shell's energy the wall's oxygens give back
MAX_CHARGE = 100.0  # mol/m³
PERMITTIVITIES = (30.0, 45.0, 60.0)  # the scan's; the optimizer moves ε_p continuously between 30 and 60
NF_PERMITTIVITIES = (30.0, 60.0)  # the nanofiltration scan's
PENALTY = 1e3  # weight of the squared log shortfall below a floor (a near-hard constraint)
TERMS = ("steric", "dielectric", "hindrance", "dehydration")
TRANSFORM = D.MembraneTransform(pore_radius=RADII, thickness=THICKNESS, fixed_charge=(-MAX_CHARGE, MAX_CHARGE),
                                pore_permittivity=(PERMITTIVITIES[0], PERMITTIVITIES[-1]))


DEHYDRATION = {"dehydration": True, "wall_coordination": WALL_COORDINATION}  # --no-dehydration: DSPM-DE only


def membrane(radius, charge, permittivity, **switches):
    options = {**DEHYDRATION, **switches}
    if not options["dehydration"]:
        options["wall_coordination"] = 0.0  # χ only scales the dehydration cost
    return pnp.Membrane(THICKNESS, charge, pore_radius=radius, pore_permittivity=permittivity, **options)


def design(radius, charge, permittivity):
    """The MembraneDesign at (r_p, X, ε_p), moved 0.1 % of each range inside it (scan points lie on its bounds)."""
    values = {"pore_radius": radius, "fixed_charge": charge, "pore_permittivity": permittivity}
    for name, (low, high) in TRANSFORM.ranges.items():
        values[name] = float(np.clip(values[name], low + 1e-3 * (high - low), high - 1e-3 * (high - low)))
    return D.MembraneDesign(*(jnp.asarray(v) for v in (values["pore_radius"], THICKNESS, values["fixed_charge"],
                                                       values["pore_permittivity"])))


def scan(feed, other, radii, charges):
    """S and J_Li (mol m⁻² h⁻¹) on ε × radius × charge, by batched Newton on one frozen mesh."""
    right = feed.scaled(DILUTION)
    mesh = pnp.frozen_mesh(membrane(0.6e-9, 0.0, 45.0), feed, right=right)
    grid = [(e, a, x) for e in PERMITTIVITIES for a in radii for x in charges]
    problems = [build_problem(membrane(a, x, e), feed, VOLTAGE, mesh=mesh, right=right) for e, a, x in grid]
    origin = problems[len(problems) // 2]
    origin_state, result = solve_system(origin.system)
    check(result)
    states = solve_designs(origin.grid, [p.parameters for p in problems], origin.parameters, origin_state,
                           group_size=64, model=origin.model)
    li, x = feed.names.index("Li+"), feed.names.index(other)
    flux = np.array([np.asarray(quantity.fluxes(p, s)) for p, s in zip(problems, states)])
    s = np.array([float(quantity.selectivity(f, feed.concentrations, li, x)) for f in flux])
    shape = (len(PERMITTIVITIES), len(radii), len(charges))
    return s.reshape(shape), SECONDS_PER_HOUR * flux[:, li].reshape(shape)


def nanofiltration_scan(space, other, radii, charges, say):
    """S and J_Li = J_v c_Li,p (mol m⁻² h⁻¹) on ε × radius × charge under nanofiltration, each search
    warm-started from the wider pore before it; NaN where no permeate is found."""
    s = np.full((len(NF_PERMITTIVITIES), len(radii), len(charges)), np.nan)
    j = np.full_like(s, np.nan)
    for e, permittivity in enumerate(NF_PERMITTIVITIES):
        for k, charge in enumerate(charges):
            guess = None
            for a, radius in enumerate(radii[::-1]):
                try:
                    guess = space.solve(design(radius, charge, permittivity), guess)
                except pnp.ConvergenceError as error:
                    say(f"  nanofiltration scan: r_p {radius * 1e9:.3f} nm, X {charge:+.0f}, ε_p {permittivity:g}: "
                        f"{' '.join(str(error).split())[:100]}")
                    guess = None
                    continue
                s[e, len(radii) - 1 - a, k] = float(guess.separation_factor("Li+", other))
                j[e, len(radii) - 1 - a, k] = float(guess.fluxes_per_hour["Li+"])
    return s, j


def best(loss_table, axes):
    """The (r_p, X, ε_p) of the scan point with the smallest finite loss; ``axes`` = (ε, radii, charges)."""
    loss_table = np.asarray(loss_table)
    e, a, x = np.unravel_index(np.nanargmin(loss_table), loss_table.shape)
    return axes[1][a], axes[2][x], axes[0][e]


def mechanisms(feed, other, mesh, radius, charge, permittivity):
    """S with all terms, with each term off in turn, and the stages of S, at one design."""
    right = feed.scaled(DILUTION)
    out = {}
    for off in (None,) + TERMS:
        switches = {} if off is None else {off: False}
        solution = pnp.solve(membrane(radius, charge, permittivity, **switches), feed, VOLTAGE, right=right,
                             mesh=mesh)
        split = solution.selectivity_split("Li+", other)
        out["all terms" if off is None else f"without {off}"] = split
    return out


def interior(value):
    """More than 1 % of the radius range from either bound."""
    return 1.01 * RADII[0] < value < 0.99 * RADII[1]


def run(case, quick, output):
    salts, other, min_selectivity = CASES[case]
    feed = pnp.Electrolyte.from_salts(salts)
    say = lambda line: print(f"[{case}] {line}", file=sys.stderr, flush=True)  # noqa: E731
    model = membrane(0.6e-9, 0.0, 45.0)  # the pore model; each design replaces r_p, L, X and ε_p
    radii = np.geomspace(*RADII, 10 if quick else 20)
    charges = np.linspace(-MAX_CHARGE * 0.95, MAX_CHARGE * 0.95, 7 if quick else 13)
    steps = 15 if quick else 40

    # (a) voltage- and concentration-driven
    begin = time.perf_counter()
    s, j = scan(feed, other, radii, charges)
    scan_s = time.perf_counter() - begin
    say(f"scan: {s.size} designs in {scan_s:.1f} s ({s.size / scan_s:.0f} designs/s, with compilation)")
    min_flux = FLOOR * np.nanmax(j)
    start = design(*best(D.trade_off(s, j, min_flux=min_flux, weight=PENALTY), (PERMITTIVITIES, radii, charges)))
    say(f"J_min = {min_flux:.4g} mol m⁻² h⁻¹; start at the best scanned design: {start.describe()}")
    space = D.DesignSpace(feed, feed.scaled(DILUTION), VOLTAGE, start, membrane=model)
    begin = time.perf_counter()
    result = D.optimize(space, D.penalized("Li+", other, min_flux / SECONDS_PER_HOUR, weight=PENALTY), start,
                        TRANSFORM, optax.adam(0.05), steps, history_path=os.path.join(output, f"li_membrane_{case}_history.h5"))
    optimum = result.design.as_floats()
    radius, charge, permittivity = optimum["pore_radius"], optimum["fixed_charge"], optimum["pore_permittivity"]
    split = mechanisms(feed, other, space.conditions.mesh, radius, charge, permittivity)
    j_best = SECONDS_PER_HOUR * float(result.space.solution(result.design, result.state).fluxes["Li+"])
    s_best = float(split["all terms"]["selectivity"])
    say(f"optimum after {len(result.history.rows) - 1} steps ({time.perf_counter() - begin:.0f} s): "
        f"{result.design.describe()}: S(Li/{other}) {s_best:.4g}, J_Li {j_best:.4g} mol m⁻² h⁻¹; "
        f"{'interior in r_p' if interior(radius) else 'r_p within 1 % of a bound of the design range'}")
    for label, stages in split.items():
        say(f"  {label:>22}: S {float(stages['selectivity']):10.4g}  partition {float(stages['partition']):10.4g}  "
            f"transport {float(stages['transport']):8.4g}")

    # (b) nanofiltration
    nf_space = D.nanofiltration_space(feed, VOLUME_FLUX, design(0.6e-9, 0.0, 45.0), membrane=model)
    nf_radii, nf_charges = np.geomspace(*RADII, 6 if quick else 12), np.linspace(-95.0, 95.0, 3 if quick else 5)
    begin = time.perf_counter()
    nf_s, nf_j = nanofiltration_scan(nf_space, other, nf_radii, nf_charges, say)
    say(f"nanofiltration scan: {nf_s.size} designs in {time.perf_counter() - begin:.0f} s "
        f"({np.isnan(nf_s).sum()} without a permeate)")
    nf_start = design(*best(D.trade_off(nf_s, nf_j, min_selectivity=min_selectivity, weight=PENALTY),
                            (NF_PERMITTIVITIES, nf_radii, nf_charges)))
    say(f"nanofiltration: maximize J_Li with S ≥ {min_selectivity:g}, from {nf_start.describe()}")
    begin = time.perf_counter()
    nf_result = D.optimize(nf_space, D.penalized("Li+", other, weight=PENALTY, min_selectivity=min_selectivity),
                           nf_start, TRANSFORM, optax.adam(0.05), steps,
                           history_path=os.path.join(output, f"li_membrane_{case}_nanofiltration_history.h5"))
    nf = nf_result.state  # the Nanofiltration of the optimum
    nf_split = nf.selectivity_split("Li+", other)
    nf_radius = nf_result.design.as_floats()["pore_radius"]
    say(f"nanofiltration optimum after {len(nf_result.history.rows) - 1} steps ({time.perf_counter() - begin:.0f} s): "
        f"{nf_result.design.describe()}: S(Li/{other}) {float(nf_split['selectivity']):.4g} (polarization "
        f"{float(nf_split['polarization']):.4g}, partition {float(nf_split['partition']):.4g}, transport "
        f"{float(nf_split['transport']):.4g}), J_Li {float(nf.fluxes_per_hour['Li+']):.4g} mol m⁻² h⁻¹ "
        f"(c_Li,p/c_Li,f {1 - float(nf.rejection['Li+']):.4g}), R_real({other}) {float(nf.real_rejection[other]):+.4f}; "
        f"{'interior in r_p' if interior(nf_radius) else 'r_p within 1 % of a bound of the design range'}")

    path = os.path.join(output, f"li_membrane_design_{case}.h5")
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs.update({"case": case, "feed": str(salts), "voltage_V": VOLTAGE, "permeate_dilution": DILUTION,
                        "thickness_m": THICKNESS, "wall_coordination": model.wall_coordination,
                        "min_flux_mol_m2_h": min_flux, "optimum_S": s_best, "optimum_J_Li_mol_m2_h": j_best,
                        "volume_flux_m_s": VOLUME_FLUX, "nanofiltration_min_selectivity": min_selectivity,
                        "nanofiltration_optimum_S": float(nf_split["selectivity"]),
                        "nanofiltration_optimum_J_Li_mol_m2_h": float(nf.fluxes_per_hour["Li+"]),
                        "pnp_version": pnp.__version__})
        f.attrs.update({f"optimum_{k}": v for k, v in optimum.items()})
        f.attrs.update({f"nanofiltration_optimum_{k}": v for k, v in nf_result.design.as_floats().items()})
        f["scan/radius_m"], f["scan/fixed_charge_mol_m3"] = radii, charges
        f["scan/pore_permittivity"], f["scan/S"], f["scan/J_Li_mol_m2_h"] = PERMITTIVITIES, s, j
        f["nanofiltration/radius_m"], f["nanofiltration/fixed_charge_mol_m3"] = nf_radii, nf_charges
        f["nanofiltration/pore_permittivity"], f["nanofiltration/S"] = NF_PERMITTIVITIES, nf_s
        f["nanofiltration/J_Li_mol_m2_h"] = nf_j
    os.replace(path + ".tmp", path)
    return {"case": case, "other": other, "s": s, "j": j, "min_flux": min_flux, "S": s_best, "J_Li": j_best,
            "nf_s": nf_s, "nf_j": nf_j, "nf_S": float(nf_split["selectivity"]),
            "nf_J_Li": float(nf.fluxes_per_hour["Li+"]), "min_selectivity": min_selectivity}


def figure(results, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def front(ax, s, j, star, color, label):
        s, j = s.ravel(), j.ravel()
        keep = pareto_front(s, j)
        ax.loglog(j[keep], s[keep], "-", color=color, label=f"Pareto front{label}")
        ax.loglog(*star, "*", color=color, ms=14, mec="k", label=f"gradient optimum{label}")

    fig, ax = plt.subplots(1, 1 + len(results), figsize=(5.2 * (1 + len(results)), 4.2))
    for k, r in enumerate(results):
        name = r["other"][:-1].rstrip("2")
        for e, permittivity in enumerate(PERMITTIVITIES):
            ax[k].loglog(r["j"][e].ravel(), r["s"][e].ravel(), ".", color=f"C{e}", alpha=0.35, ms=4,
                         label=f"scan, ε_p = {permittivity:g}")
        front(ax[k], r["s"], r["j"], ([r["J_Li"]], [r["S"]]), "k", "")
        ax[k].axvline(r["min_flux"], ls=":", color="k", label="J_min")
        ax[k].set(xlabel="J_Li (mol m⁻² h⁻¹)", ylabel=f"S(Li/{name})",
                  title=f"30 mM LiCl + 500 mM {name}Cl{'₂' if '2' in r['other'] else ''}, 50 mV")
        ax[k].legend(fontsize=7)
        ax[-1].loglog(r["nf_j"].ravel(), r["nf_s"].ravel(), ".", color=f"C{k}", alpha=0.4, ms=5,
                      label=f"scan, Li/{name}")
        front(ax[-1], r["nf_s"], r["nf_j"], ([r["nf_J_Li"]], [r["nf_S"]]), f"C{k}", f", Li/{name}")
        ax[-1].axhline(r["min_selectivity"], ls=":", color=f"C{k}", label=f"S_min, Li/{name}")
    ax[-1].set(xlabel="J_Li = J_v c_Li,permeate (mol m⁻² h⁻¹)", ylabel="separation factor",
               title="nanofiltration, J_v = 1 µm/s")
    ax[-1].legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(output, "li_membrane_design.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"written {path}", file=sys.stderr)


def main():
    parser = argument_parser(__doc__, "fewer scan points and steps")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="Mg and/or Na (default both)")
    parser.add_argument("--no-dehydration", action="store_true", help="the DSPM-DE terms only")
    args = parse_arguments(parser)
    DEHYDRATION["dehydration"] = not args.no_dehydration
    results = [run(case, args.quick, args.output) for case in args.case or ["Mg", "Na"]]
    figure(results, args.output)


if __name__ == "__main__":
    main()
