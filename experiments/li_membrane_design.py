"""Design a Li⁺-selective membrane with the pore-level physics: pore radius, fixed charge and pore
permittivity (the material parameter) of a 1 µm membrane, every pore term on (steric with Stokes
radii, Born with ε_pore, hindrance, dehydration of the first hydration shell with a wall that gives
back a share χ = 0.8 of the stripped shell's energy: an oxygen-lined pore, Sahu, Di Ventra & Zwolak
2017; pnp.Membrane(wall_coordination=...)).

Feed 30 mM LiCl + 500 mM MgCl₂ (brine-like; or 500 mM NaCl for Li/Na), permeate side the feed
diluted 10×, V = 50 mV (voltage- and concentration-driven transport), then nanofiltration of the
same feed at J_v = 1 µm/s.

1. **Batched scan** (pnp.batch.solve_designs, one compiled Newton): pore radius 0.355–0.80 nm ×
   fixed charge −95…+95 mol/m³ × ε_pore 30 / 45 / 60: S(Li/X) = (J_Li/J_X)/(c_Li/c_X)_feed and
   J_Li (mol m⁻² h⁻¹), the Pareto front of S against J_Li. The range starts just above the Stokes
   radius of Mg²⁺ (0.347 nm, where λ = 1) and reaches below the hydrated radii of Mg²⁺ (0.428 nm)
   and Li⁺ (0.382 nm), so both ions shed part of their shell in the narrow pores: Mg²⁺'s cost
   grows by tens of kT within 0.05 nm, Li⁺'s sets a maximum of the Li⁺ flux near 0.40 nm.
2. **Gradient-based design** from the best scanned design under the flux floor (optax Adam,
   exact gradients through pnp.solve, each step halved until the loss falls): maximize
   ln S − 10³·max(0, ln(J_min/J_Li))², J_min = 80 % of the largest Li flux of the scan. S rises as the
   pore narrows while Li⁺'s dehydration caps J_Li, so the floor binds on the narrow side of the flux
   maximum: the script reports whether the optimum is interior in the pore radius and ∂L/∂θ_r there.
3. **Mechanisms** at the optimum: S with each term switched off in turn, and S split into entry
   (partition) and transport stages (Solution.selectivity_split).
4. **Nanofiltration** at the optimum's charge and ε_pore over the design range of pore radii
   (pnp.nanofiltration): S, the real rejection of the other cation and the split.

Usage: python experiments/li_membrane_design.py [--quick] [--case Mg|Na] [--no-dehydration] [--output results/]
Writes li_membrane_design.png (fronts, S vs r_p under nanofiltration) and li_membrane_design_<case>.h5.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import h5py
import jax
import jax.numpy as jnp
import numpy as np
import optax

import pnp
from pnp import quantity
from pnp.batch import solve_designs
from pnp.design import pareto_front
from pnp.nanofiltration import SECONDS_PER_HOUR
from pnp.problem import build_problem
from pnp.steady import check, solve_system

CASES = {"Mg": ({"LiCl": 30.0, "MgCl2": 500.0}, "Mg2+"), "Na": ({"LiCl": 30.0, "NaCl": 500.0}, "Na+")}
THICKNESS, VOLTAGE, DILUTION, VOLUME_FLUX = 1e-6, 0.05, 0.1, 1e-6  # m, V, permeate/feed, m/s
RADII = (0.355e-9, 0.80e-9)  # m, the design range: from just above Mg²⁺'s Stokes radius (0.347 nm; λ < 1)
FLOOR = 0.8  # J_min as a fraction of the largest Li flux of the scan
WALL_COORDINATION = 0.8  # χ: share of the stripped shell's energy the wall's oxygens give back
MAX_CHARGE = 100.0  # mol/m³
PERMITTIVITIES = (30.0, 45.0, 60.0)  # the scan's; the optimizer moves ε_p continuously between 30 and 60
PENALTY = 1e3  # weight of the squared log shortfall of J_Li below J_min (a near-hard floor)
TERMS = ("steric", "dielectric", "hindrance", "dehydration")


DEHYDRATION = {"dehydration": True, "wall_coordination": WALL_COORDINATION}  # --no-dehydration: DSPM-DE only


def membrane(radius, charge, permittivity, **switches):
    options = {**DEHYDRATION, **switches}
    if not options["dehydration"]:
        options["wall_coordination"] = 0.0  # χ only scales the dehydration cost
    return pnp.Membrane(THICKNESS, charge, pore_radius=radius, pore_permittivity=permittivity, **options)


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
    return s.reshape(shape), SECONDS_PER_HOUR * flux[:, li].reshape(shape), mesh



def objective(feed, other, mesh, min_flux):
    """θ (unconstrained; r_p and ε_p through sigmoids onto the scan's ranges, X = X_max tanh θ) →
    (loss, state), loss = −ln S + PENALTY · max(0, ln(J_min/J_Li))² (the loss of pnp.design.penalized,
    whose DesignSpace is built for channels, written here for a membrane)."""
    right = feed.scaled(DILUTION)
    li, x = feed.names.index("Li+"), feed.names.index(other)

    def design(theta):
        return (RADII[0] + (RADII[1] - RADII[0]) * jax.nn.sigmoid(theta["radius"]),
                MAX_CHARGE * jnp.tanh(theta["charge"]),
                PERMITTIVITIES[0] + (PERMITTIVITIES[-1] - PERMITTIVITIES[0]) * jax.nn.sigmoid(theta["permittivity"]))

    def loss(theta, guess):
        solution = pnp.solve(membrane(*design(theta)), feed, VOLTAGE, right=right, mesh=mesh, guess=guess)
        flux = quantity.fluxes(solution.problem, solution.state)
        s = quantity.selectivity(flux, feed.concentrations, li, x)
        shortfall = jnp.maximum(0.0, jnp.log(min_flux / SECONDS_PER_HOUR) - jnp.log(jnp.abs(flux[li])))
        return -jnp.log(s) + PENALTY * shortfall**2, solution.state

    return design, jax.value_and_grad(loss, has_aux=True)


def optimize(value_and_grad, theta, steps, say):
    """Adam steps (optax; sign-like, so the stiff flux floor does not blow them up), each halved
    until the loss falls; stops when no halving helps or the loss stalls."""
    optimizer = optax.adam(0.05)
    opt_state = optimizer.init(theta)
    (value, state), grad = value_and_grad(theta, None)
    history = [float(value)]
    for step in range(steps):
        updates, opt_state = optimizer.update(grad, opt_state, theta)
        for halving in range(10):
            trial = jax.tree_util.tree_map(lambda t, u: t + u * 0.5**halving, theta, updates)
            try:
                (trial_value, trial_state), trial_grad = value_and_grad(trial, state)
            except (pnp.ConvergenceError, ValueError):  # a trial that cannot be solved: halve
                continue
            if float(trial_value) < float(value):
                break
        else:
            say(f"  step {step + 1}: no decrease after 10 halvings; stopping")
            break
        theta, value, state, grad = trial, trial_value, trial_state, trial_grad
        history.append(float(value))
        say(f"  step {step + 1}: loss {float(value):+.6f}  |∂L/∂θ| {_norm(grad):.2e}")
        if len(history) > 5 and history[-6] - history[-1] < 1e-5:
            break
    return theta, float(value), grad, history


def _norm(tree):
    return float(jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(tree))))


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


def nanofiltration_scan(feed, other, radii, charge, permittivity):
    rows = []
    for radius in radii:
        result = pnp.nanofiltration(membrane(radius, charge, permittivity), feed, VOLUME_FLUX)
        split = result.selectivity_split("Li+", other)
        rows.append({"radius": radius, "S": float(split["selectivity"]), "partition": float(split["partition"]),
                     "transport": float(split["transport"]), "J_Li": float(result.fluxes_per_hour["Li+"]),
                     "real_rejection": float(result.real_rejection[other])})
    return rows


def run(case, quick, output):
    salts, other = CASES[case]
    feed = pnp.Electrolyte.from_salts(salts)
    say = lambda line: print(f"[{case}] {line}", file=sys.stderr, flush=True)  # noqa: E731
    radii = np.geomspace(*RADII, 10 if quick else 20)
    charges = np.linspace(-MAX_CHARGE * 0.95, MAX_CHARGE * 0.95, 7 if quick else 13)
    begin = time.perf_counter()
    s, j, mesh = scan(feed, other, radii, charges)
    scan_s = time.perf_counter() - begin
    say(f"scan: {s.size} designs in {scan_s:.1f} s ({s.size / scan_s:.0f} designs/s, with compilation)")
    min_flux = FLOOR * np.nanmax(j)
    loss_table = -np.log(s) + PENALTY * np.maximum(0.0, np.log(min_flux / j)) ** 2
    e0, a0, x0 = np.unravel_index(np.nanargmin(loss_table), s.shape)
    say(f"J_min = {min_flux:.4g} mol m⁻² h⁻¹; best scanned: r_p {radii[a0] * 1e9:.3f} nm, X {charges[x0]:+.1f}, "
        f"ε_p {PERMITTIVITIES[e0]:g}: S {s[e0, a0, x0]:.4g}, J_Li {j[e0, a0, x0]:.4g}")

    design, value_and_grad = objective(feed, other, mesh, min_flux)
    def logit(value, low, high):
        fraction = np.clip((value - low) / (high - low), 1e-3, 1 - 1e-3)
        return jnp.asarray(np.log(fraction / (1 - fraction)))

    theta = {"radius": logit(radii[a0], *RADII), "charge": jnp.arctanh(charges[x0] / MAX_CHARGE),
             "permittivity": logit(PERMITTIVITIES[e0], PERMITTIVITIES[0], PERMITTIVITIES[-1])}
    begin = time.perf_counter()
    theta, loss, grad, history = optimize(value_and_grad, theta, 15 if quick else 40, say)
    radius, charge, permittivity = (float(v) for v in design(theta))
    split = mechanisms(feed, other, mesh, radius, charge, permittivity)
    best = split["all terms"]
    solution = pnp.solve(membrane(radius, charge, permittivity), feed, VOLTAGE, right=feed.scaled(DILUTION),
                         mesh=mesh)
    j_best = SECONDS_PER_HOUR * float(solution.fluxes["Li+"])
    interior = 1.01 * RADII[0] < radius < 0.99 * RADII[1]  # more than 1 % from either bound
    say(f"optimum after {len(history) - 1} steps ({time.perf_counter() - begin:.0f} s): r_p {radius * 1e9:.4f} nm, "
        f"X {charge:+.2f} mol/m³, ε_p {permittivity:.2f}: S(Li/{other}) {float(best['selectivity']):.4g}, "
        f"J_Li {j_best:.4g} mol m⁻² h⁻¹; ∂L/∂θ_r {float(grad['radius']):+.2e}; "
        f"{'interior in r_p' if interior else 'r_p within 1 % of a bound of the design range'}")
    for label, stages in split.items():
        say(f"  {label:>22}: S {float(stages['selectivity']):10.4g}  partition {float(stages['partition']):10.4g}  "
            f"transport {float(stages['transport']):8.4g}")

    nf_radii = np.geomspace(RADII[0], RADII[1], 6 if quick else 12)
    nf = nanofiltration_scan(feed, other, nf_radii, charge, permittivity)
    for row in nf:
        say(f"  nanofiltration r_p {row['radius'] * 1e9:.3f} nm: S {row['S']:.4g} (partition {row['partition']:.4g}, "
            f"transport {row['transport']:.4g}), J_Li {row['J_Li']:.4g} mol m⁻² h⁻¹, "
            f"R_real({other}) {row['real_rejection']:+.4f}")

    path = os.path.join(output, f"li_membrane_design_{case}.h5")
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs.update({"case": case, "feed": str(salts), "voltage_V": VOLTAGE, "permeate_dilution": DILUTION,
                        "thickness_m": THICKNESS, "wall_coordination": membrane(radius, charge, permittivity).wall_coordination,
                        "min_flux_mol_m2_h": min_flux, "optimum_radius_m": radius,
                        "optimum_fixed_charge_mol_m3": charge, "optimum_pore_permittivity": permittivity,
                        "optimum_S": float(best["selectivity"]), "optimum_J_Li_mol_m2_h": j_best,
                        "pnp_version": pnp.__version__})
        f["scan/radius_m"], f["scan/fixed_charge_mol_m3"] = radii, charges
        f["scan/pore_permittivity"], f["scan/S"], f["scan/J_Li_mol_m2_h"] = PERMITTIVITIES, s, j
        f["history/loss"] = history
        for key in nf[0]:
            f[f"nanofiltration/{key}"] = [row[key] for row in nf]
    os.replace(path + ".tmp", path)
    return {"case": case, "other": other, "s": s, "j": j, "min_flux": min_flux, "radius": radius, "S": best,
            "J_Li": j_best, "nf": nf}


def figure(results, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 1 + len(results), figsize=(5.2 * (1 + len(results)), 4.2))
    for k, r in enumerate(results):
        for e, permittivity in enumerate(PERMITTIVITIES):
            s, j = r["s"][e].ravel(), r["j"][e].ravel()
            ax[k].loglog(j, s, ".", color=f"C{e}", alpha=0.35, ms=4, label=f"scan, ε_p = {permittivity:g}")
        s, j = r["s"].ravel(), r["j"].ravel()
        front = pareto_front(s, j)
        ax[k].loglog(j[front], s[front], "-", color="k", label="Pareto front")
        ax[k].loglog([r["J_Li"]], [float(r["S"]["selectivity"])], "*", color="C3", ms=14, label="gradient optimum")
        ax[k].axvline(r["min_flux"], ls=":", color="k", label="J_min")
        ax[k].set(xlabel="J_Li (mol m⁻² h⁻¹)", ylabel=f"S(Li/{r['other'][:-1].rstrip('2')})",
                  title=f"30 mM LiCl + 500 mM {r['other'][:-1].rstrip('2')}Cl{'₂' if '2' in r['other'] else ''}, 50 mV")
        ax[k].legend(fontsize=7)
        nf = r["nf"]
        ax[-1].semilogy([row["radius"] * 1e9 for row in nf], [row["S"] for row in nf], "o-",
                        color=f"C{k}", label=f"S(Li/{r['other']})")
        ax[-1].semilogy([row["radius"] * 1e9 for row in nf], [row["partition"] for row in nf], "--", color=f"C{k}",
                        label=f"partition stage (Li/{r['other']})")
    ax[-1].set(xlabel="pore radius (nm)", ylabel="separation factor", title="nanofiltration, J_v = 1 µm/s")
    ax[-1].legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(output, "li_membrane_design.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"written {path}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer scan points and steps")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="Mg and/or Na (default both)")
    parser.add_argument("--output", default="results")
    parser.add_argument("--no-dehydration", action="store_true", help="the DSPM-DE terms only")
    args = parser.parse_args()
    DEHYDRATION["dehydration"] = not args.no_dehydration
    os.makedirs(args.output, exist_ok=True)
    results = [run(case, args.quick, args.output) for case in args.case or ["Mg", "Na"]]
    figure(results, args.output)


if __name__ == "__main__":
    main()
