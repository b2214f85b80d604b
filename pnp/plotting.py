"""Figures of results: I–V curves, 2D field maps around a channel, 1D profiles.

``*_figure`` functions return a matplotlib Figure (what ``IVCurve.plot()``,
``IVCurve.plot_fields()`` and ``Solution.plot()`` give); ``plot_*`` functions write one to a
PNG atomically (temporary file in the same folder, then rename) and return the path.
matplotlib runs with the non-interactive Agg backend.

Field maps share colour limits across the voltages shown side by side; the limits come from
the 0.5–99.5 percentiles of the values inside the drawn window (the colour bars extend
beyond them), so a few extreme wall cells do not wash out the channel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .io import atomic_output, current_unit

_CURRENT_DISPLAY = {"A": (1e9, "nA"), "A/m": (1.0, "A/m"), "A/m^2": (1.0, "A/m²")}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path) -> Path:
    """Write ``fig`` to ``path`` as PNG (atomic) and close it; returns the path."""
    plt = _pyplot()
    try:
        return atomic_output(path, lambda temporary: fig.savefig(temporary, format="png", dpi=130,
                                                                 bbox_inches="tight"), suffix=".png")
    finally:
        plt.close(fig)


def _length_unit(extent: float) -> tuple[float, str]:
    return (1e9, "nm") if extent < 2e-6 else (1e6, "µm")


def current_display(flux_unit: str) -> tuple[float, str]:
    """(factor, label) to show currents of a geometry (nA for channels, A/m² for 1D)."""
    return _CURRENT_DISPLAY[current_unit(flux_unit)]


def iv_figure(iv, *, title: str | None = None):
    """I–V curve (nA for channels) with the conductance at 0 V (the exact dI/dV when the sweep
    has 0 V, else the labelled chord) and the rectification at the largest ±V when I(0) = 0."""
    from .report import iv_numbers

    plt = _pyplot()
    v, flux_unit = iv.voltages, iv.solutions[0].flux_unit
    factor, unit = current_display(flux_unit)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.plot(v, iv.currents * factor, "o-", color="C0", ms=4)
    ax.set_xlabel("V = φ_left − φ_right (V)")
    ax.set_ylabel(f"current ({unit})")
    numbers = iv_numbers(v, np.asarray(iv.currents), iv.conductance(0.0) if np.any(v == 0.0) else None)
    notes = []
    if "conductance" in numbers:
        g = numbers["conductance"]
        label = "G(0)" if numbers["conductance_method"] == "exact dI/dV" else "chord G"
        notes.append(f"{label} = {g * 1e9:.4g} nS" if unit == "nA" else f"{label} = {g:.4g} {unit}/V")
    if "rectification" in numbers:
        notes.append(f"r({numbers['rectification_voltage']:g} V) = |I(+V)|/|I(−V)| = {numbers['rectification']:.3g}")
    if notes:
        ax.text(0.03, 0.97, "\n".join(notes), transform=ax.transAxes, va="top", ha="left",
                bbox=dict(boxstyle="round", fc="white", ec="0.8"))
    ax.set_title(title or "I–V curve")
    ax.grid(alpha=0.3)
    return fig


def plot_iv(iv, path, *, title: str | None = None) -> Path:
    """Write :func:`iv_figure` to ``path`` (PNG)."""
    return save_figure(iv_figure(iv, title=title), path)


def _wall_radii(solution):
    """(z0, z1, wall radius per column) of the channel columns (m), or None without a channel."""
    grid, length = solution.problem.grid, solution.problem.scales.length
    vz, vr = np.asarray(grid.vertex_z) * length, np.asarray(grid.vertex_r) * length
    active = np.asarray(grid.active)
    columns = np.flatnonzero(~active.all(axis=1))
    if not columns.size:
        return None
    first_inactive = np.argmax(~active[columns], axis=1)  # the wall is the vertex line below it
    return columns, vz[columns, 0], vz[columns + 1, 0], vr[columns, first_inactive]


def _channel_window(solution):
    """(z0, z1, r1) in m around the channel (all of a grid without reservoirs)."""
    grid, length = solution.problem.grid, solution.problem.scales.length
    vz, vr = np.asarray(grid.vertex_z) * length, np.asarray(grid.vertex_r) * length
    channel = _wall_radii(solution)
    if channel is None:
        return float(vz.min()), float(vz.max()), float(vr.max())
    _, left, right, wall = channel
    z0, z1 = float(left[0]), float(right[-1])
    span = z1 - z0
    return (max(float(vz.min()), z0 - 0.3 * span), min(float(vz.max()), z1 + 0.3 * span),
            min(float(vr.max()), 2.5 * float(wall.max())))


def _tip_window(solution):
    """(z0, z1, r1) in m around the narrowest end of the channel: its mouth and double layer,
    or None for a grid without a channel."""
    channel = _wall_radii(solution)
    if channel is None:
        return None
    _, left, right, wall = channel
    tip = float(wall.min())
    at_left = wall[0] <= wall[-1]
    mouth = float(left[0] if at_left else right[-1])
    inside, outside = 10 * tip, 4 * tip
    z0, z1 = (mouth - outside, mouth + inside) if at_left else (mouth - inside, mouth + outside)
    return max(z0, float(left[0]) - outside), min(z1, float(right[-1]) + outside), 1.6 * tip


def _in_window(solution, window):
    z0, z1, r1 = window
    z, r = solution.z, solution.r
    return (z >= z0) & (z <= z1) & (r <= r1)


def _limits(values, masks, scale: str):
    """Colour limits shared by several panels from the 0.5–99.5 percentiles inside their windows:
    ``scale`` "log" (positive values), "symmetric" (about 0) or "positive" (from 0)."""
    inside = np.concatenate([v[m & np.isfinite(v)] for v, m in zip(values, masks)])
    if not inside.size:
        inside = np.concatenate([v[np.isfinite(v)] for v in values])
    if scale == "log":
        inside = inside[inside > 0]
        lo, hi = np.percentile(inside, [0.5, 99.5])
        return max(lo, hi * 1e-8), hi
    limit = float(np.percentile(np.abs(inside), 99.5)) or 1.0
    return (0.0 if scale == "positive" else -limit), limit


def _fields_panels(solutions):
    """Rows (label, per-solution values, colour map, colour scale (:func:`_limits`), per-solution
    arrows or None) of the field maps; with solvent flow a last row of the speed |u| with arrows."""
    species = solutions[0].species
    rows = [("φ (mV)", [s.potential * 1e3 for s in solutions], "RdBu_r", "symmetric", None)]
    rows += [(f"c({ion}) (mol/m³)", [s.concentrations[k] for s in solutions], "viridis", "log", None)
             for k, ion in enumerate(species)]
    if solutions[0].has_flow:
        velocities = [s.velocity for s in solutions]
        rows.append(("|u| (m/s)", [np.hypot(*u) for u in velocities], "magma", "positive", velocities))
    return rows


def _velocity_arrows(ax, solution, velocity, window, zf, rf, count=(18, 6)):
    """Arrows of the solvent velocity (u_z, u_r) on about ``count`` (along z, across) cells
    inside ``window``, mirrored about the axis; their length is the speed (one scale per panel)."""
    inside = _in_window(solution, window) & np.isfinite(velocity[0])
    if not inside.any():
        return
    rows, columns = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    pick_z = np.unique(rows[np.linspace(0, rows.size - 1, count[0]).round().astype(int)])
    pick_r = np.unique(columns[np.linspace(0, columns.size - 1, count[1]).round().astype(int)])
    cells = np.ix_(pick_z, pick_r)
    shown = inside[cells]
    z, r = solution.z[cells][shown] * zf, solution.r[cells][shown] * rf
    u_z, u_r = velocity[0][cells][shown], velocity[1][cells][shown]
    for sign in (1.0, -1.0):
        ax.quiver(z, sign * r, u_z, sign * u_r, color="w", width=0.003, pivot="mid")


def fields_figure(solutions, *, title: str | None = None, zoom: bool = True):
    """Maps of φ and every c_i (mirrored about the axis) for one or more solutions side by side
    (e.g. +V and −V), each over the channel and its mouths and, for channels, zoomed on the
    narrow end (tip mouth and double layer); a last row with the cross-section averages.

    Colour limits are shared per row. 1D solutions are drawn as profiles (:func:`profile_figure`).
    ``zoom=False`` shows the whole grid instead of the channel window.
    """
    solutions = list(solutions)
    grid = solutions[0].problem.grid
    if grid.shape[1] == 1:
        return profile_figure(solutions, title=title)
    plt = _pyplot()
    from matplotlib.colors import LogNorm, Normalize

    length = solutions[0].problem.scales.length
    vz, vr = np.asarray(grid.vertex_z) * length, np.asarray(grid.vertex_r) * length
    main = _channel_window(solutions[0]) if zoom else (float(vz.min()), float(vz.max()), float(vr.max()))
    tip = _tip_window(solutions[0]) if zoom else None
    windows = [(s, main, f"V = {s.voltage:+.3g} V") for s in solutions]
    if tip is not None:
        windows += [(s, tip, f"V = {s.voltage:+.3g} V, narrow end") for s in solutions]
    rows = _fields_panels(solutions)
    n_cols = len(windows)
    widths = [2.0] * len(solutions) + [1.0] * (n_cols - len(solutions))
    fig, axes = plt.subplots(len(rows) + 1, n_cols, figsize=(3.4 * sum(widths) + 1.0, 2.3 * (len(rows) + 1)),
                             constrained_layout=True, squeeze=False, gridspec_kw={"width_ratios": widths})
    axisymmetric = grid.coordinates == "axisymmetric"
    for index, (row, (label, values, cmap, scale, arrows)) in enumerate(zip(axes, rows)):
        by_solution = {id(s): v for s, v in zip(solutions, values)}
        arrows_of = {id(s): a for s, a in zip(solutions, arrows)} if arrows is not None else None
        lo, hi = _limits([by_solution[id(s)] for s, _, _ in windows], [_in_window(s, w) for s, w, _ in windows],
                         scale)
        norm = LogNorm(lo, hi) if scale == "log" else Normalize(lo, hi)
        for ax, (solution, (z0, z1, r1), heading) in zip(row, windows):
            zf, zu = _length_unit(z1 - z0)
            rf, ru = _length_unit(r1)
            data = np.ma.masked_invalid(by_solution[id(solution)])
            ax.set_facecolor("0.85")  # the solid membrane (inactive cells)
            mesh = ax.pcolormesh(vz * zf, vr * rf, data, cmap=cmap, norm=norm, shading="flat", rasterized=True)
            ax.pcolormesh(vz * zf, -vr * rf, data, cmap=cmap, norm=norm, shading="flat", rasterized=True)
            if arrows_of is not None:
                _velocity_arrows(ax, solution, arrows_of[id(solution)], (z0, z1, r1), zf, rf)
            ax.axhline(0, color="k", lw=0.4, ls=":")
            ax.set_xlim(z0 * zf, z1 * zf)
            ax.set_ylim(-r1 * rf, r1 * rf)
            ax.set_ylabel(f"{'r' if axisymmetric else 'x'} ({ru})")
            ax.set_xlabel(f"z ({zu})")
            if index == 0:
                ax.set_title(heading, fontsize=9)
        fig.colorbar(mesh, ax=list(row), label=label, extend="both")
    _axial_row(axes[-1], solutions, main)
    fig.suptitle(title or "fields")
    return fig


def _axial_row(axes, solutions, window):
    """Cross-section averages along z (⟨c_i⟩ log scale, ⟨φ⟩ on a twin axis), one panel per solution."""
    z0, z1, _ = window
    zf, zu = _length_unit(z1 - z0)
    for ax, solution in zip(axes, solutions):
        zc, phi_mean, c_mean = solution.axial_profile()
        for k, ion in enumerate(solution.species):
            ax.semilogy(zc * zf, c_mean[k], label=f"⟨c({ion})⟩")
        ax.set_ylabel("cross-section average (mol/m³)", fontsize=8)
        ax.set_xlabel(f"z ({zu})")
        ax.set_xlim(z0 * zf, z1 * zf)
        twin = ax.twinx()
        twin.plot(zc * zf, phi_mean * 1e3, "k--", lw=1, label="⟨φ⟩")
        twin.set_ylabel("⟨φ⟩ (mV)")
        lines, other = ax.get_legend_handles_labels(), twin.get_legend_handles_labels()
        ax.legend(lines[0] + other[0], lines[1] + other[1], fontsize=7, loc="best")
    for ax in axes[len(solutions):]:
        ax.set_axis_off()


def plot_fields(solution, path, *, title: str | None = None, zoom: bool = True) -> Path:
    """Write :func:`fields_figure` of one solution (or a list of them) to ``path`` (PNG)."""
    solutions = solution if isinstance(solution, (list, tuple)) else [solution]
    return save_figure(fields_figure(solutions, title=title, zoom=zoom), path)


def profile_figure(solutions, *, title: str | None = None):
    """φ and c_i along a 1D geometry for one or more solutions (solid, dashed, …; the membrane
    region shaded where there is fixed charge)."""
    plt = _pyplot()
    solutions = list(solutions)
    z = solutions[0].z[:, 0]
    zf, zu = _length_unit(float(z.max() - z.min()))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 6.0), sharex=True, constrained_layout=True)
    styles = ("-", "--", ":", "-.")
    for n, solution in enumerate(solutions):
        style, tag = styles[n % len(styles)], (f" ({solution.voltage:+.3g} V)" if len(solutions) > 1 else "")
        top.plot(z * zf, solution.potential[:, 0] * 1e3, "k" + style, label=f"φ{tag}")
        for k, ion in enumerate(solution.species):
            bottom.semilogy(z * zf, solution.concentrations[k, :, 0], style, color=f"C{k}", label=f"{ion}{tag}")
    top.set_ylabel("φ (mV)")
    bottom.set_ylabel("concentration (mol/m³)")
    bottom.set_xlabel(f"z ({zu})")
    bottom.legend(fontsize=8)
    if len(solutions) > 1:
        top.legend(fontsize=8)
    first = solutions[0]
    fixed = np.asarray(first.problem.parameters.fixed_charge)[:, 0] != 0
    if fixed.any():
        vz = np.asarray(first.problem.grid.vertex_z)[:, 0] * first.problem.scales.length
        cells = np.flatnonzero(fixed)
        for ax in (top, bottom):
            ax.axvspan(vz[cells[0]] * zf, vz[cells[-1] + 1] * zf, color="0.9", zorder=0, label="_membrane")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    top.set_title(title or ", ".join(f"V = {s.voltage:+.4g} V" for s in solutions))
    return fig


def plot_profile_1d(solution, path, *, title: str | None = None) -> Path:
    """Write :func:`profile_figure` of one solution (or a list) to ``path`` (PNG)."""
    solutions = solution if isinstance(solution, (list, tuple)) else [solution]
    return save_figure(profile_figure(solutions, title=title), path)


def opposite_voltages(iv, voltage: float | None = None):
    """The solutions at +V and −V of a sweep (V: the given one, else the largest |V| present with
    both signs); just the last solution when the sweep has no such pair."""
    v = iv.voltages
    pairs = [abs(x) for x in v if x > 0 and np.any(np.isclose(v, -x, rtol=0, atol=1e-12))]
    if voltage is None and not pairs:
        return [iv.solutions[-1]]
    magnitude = abs(voltage) if voltage is not None else max(pairs)
    return [iv.at(magnitude), iv.at(-magnitude)]
