"""Figures (PNG) of results: I–V curves, 2D field maps around a channel, 1D profiles.

Every function writes atomically (temporary file in the same folder, then rename) and
returns the path. matplotlib runs with the non-interactive Agg backend.
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


def _save(fig, path) -> Path:
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


def plot_iv(iv, path, *, title: str | None = None) -> Path:
    """I–V curve (nA for channels) with conductance at 0 V and rectification at the largest ±V."""
    plt = _pyplot()
    v, flux_unit = iv.voltages, iv.solutions[0].flux_unit
    factor, unit = current_display(flux_unit)
    i = iv.currents * factor
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.plot(v, i, "o-", color="C0", ms=4)
    ax.set_xlabel("V = φ_left − φ_right (V)")
    ax.set_ylabel(f"current ({unit})")
    notes = []
    try:
        conductance = iv.conductance()
        notes.append(f"G(0) = {conductance * 1e9:.4g} nS" if unit == "nA" else
                     f"G(0) = {conductance:.4g} {unit}/V")
    except ValueError:
        pass
    vmax = float(np.max(np.abs(v)))
    if vmax > 0 and np.any(np.isclose(v, vmax)) and np.any(np.isclose(v, -vmax)):
        notes.append(f"r({vmax:g} V) = |I(+V)|/|I(−V)| = {iv.rectification(vmax):.3g}")
    if notes:
        ax.text(0.03, 0.97, "\n".join(notes), transform=ax.transAxes, va="top", ha="left",
                bbox=dict(boxstyle="round", fc="white", ec="0.8"))
    ax.set_title(title or "I–V curve")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _channel_window(solution):
    """(z0, z1, r1) in m around the channel (all of a grid without reservoirs)."""
    grid, length = solution.problem.grid, solution.problem.scales.length
    vz, vr = np.asarray(grid.vertex_z) * length, np.asarray(grid.vertex_r) * length
    active = np.asarray(grid.active)
    channel = ~active.all(axis=1)
    if not channel.any():
        return float(vz.min()), float(vz.max()), float(vr.max())
    columns = np.flatnonzero(channel)
    z0, z1 = float(vz[columns[0], 0]), float(vz[columns[-1] + 1, 0])
    first_inactive = np.argmax(~active[columns], axis=1)  # the wall is the vertex line below it
    wall = vr[columns, first_inactive].max()
    span = z1 - z0
    return (max(float(vz.min()), z0 - 0.3 * span), min(float(vz.max()), z1 + 0.3 * span),
            min(float(vr.max()), 2.5 * float(wall)))


def plot_fields(solution, path, *, title: str | None = None, zoom: bool = True) -> Path:
    """Maps of φ and every c_i (mirrored about the axis) and axial cross-section averages.

    1D solutions are drawn with :func:`plot_profile_1d`. ``zoom`` limits the maps to the
    channel and its mouths (the reservoirs are much larger than the pore).
    """
    grid = solution.problem.grid
    if grid.shape[1] == 1:
        return plot_profile_1d(solution, path, title=title)
    plt = _pyplot()
    from matplotlib.colors import LogNorm, Normalize

    length = solution.problem.scales.length
    vz, vr = np.asarray(grid.vertex_z) * length, np.asarray(grid.vertex_r) * length
    z0, z1, r1 = _channel_window(solution) if zoom else (vz.min(), vz.max(), vr.max())
    zf, zu = _length_unit(z1 - z0)
    rf, ru = _length_unit(r1)
    species = solution.species
    n_maps = 1 + len(species)
    fig, axes = plt.subplots(n_maps + 1, 1, figsize=(8.0, 2.4 * (n_maps + 1)), constrained_layout=True)
    fields = [("φ (mV)", solution.potential * 1e3, "RdBu_r", None)]
    fields += [(f"c({ion}) (mol/m³)", solution.concentrations[k], "viridis", "log") for k, ion in enumerate(species)]
    axisymmetric = grid.coordinates == "axisymmetric"
    for ax, (label, values, cmap, scale) in zip(axes, fields):
        data = np.ma.masked_invalid(values)
        finite = values[np.isfinite(values)]
        if scale == "log":
            norm = LogNorm(vmin=max(finite.min(), finite.max() * 1e-8), vmax=finite.max())
        elif finite.min() < 0 < finite.max():
            limit = float(np.abs(finite).max())
            norm = Normalize(-limit, limit)
        else:
            norm = None
        ax.set_facecolor("0.85")  # the solid membrane (inactive cells)
        mesh = ax.pcolormesh(vz * zf, vr * rf, data, cmap=cmap, norm=norm, shading="flat", rasterized=True)
        ax.pcolormesh(vz * zf, -vr * rf, data, cmap=cmap, norm=norm, shading="flat", rasterized=True)
        ax.axhline(0, color="k", lw=0.4, ls=":")
        ax.set_xlim(z0 * zf, z1 * zf)
        ax.set_ylim(-r1 * rf, r1 * rf)
        ax.set_ylabel(f"{'r' if axisymmetric else 'x'} ({ru})")
        fig.colorbar(mesh, ax=ax, label=label)
    axes[n_maps - 1].set_xlabel(f"z ({zu})")
    # axial profiles: cross-section averages over each column
    ax = axes[-1]
    zc, phi_mean, c_mean = solution.axial_profile()
    for k, ion in enumerate(species):
        ax.semilogy(zc * zf, c_mean[k], label=f"⟨c({ion})⟩")
    ax.set_ylabel("cross-section average (mol/m³)")
    ax.set_xlabel(f"z ({zu})")
    ax.set_xlim(z0 * zf, z1 * zf)
    twin = ax.twinx()
    twin.plot(zc * zf, phi_mean * 1e3, "k--", lw=1, label="⟨φ⟩")
    twin.set_ylabel("⟨φ⟩ (mV)")
    lines = ax.get_legend_handles_labels()
    other = twin.get_legend_handles_labels()
    ax.legend(lines[0] + other[0], lines[1] + other[1], fontsize=8, loc="best")
    axes[0].set_title(title or f"fields at V = {solution.voltage:+g} V")
    return _save(fig, path)


def plot_profile_1d(solution, path, *, title: str | None = None) -> Path:
    """φ and c_i along a 1D geometry (membrane region shaded where there is fixed charge)."""
    plt = _pyplot()
    z = solution.z[:, 0]
    zf, zu = _length_unit(float(z.max() - z.min()))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 6.0), sharex=True, constrained_layout=True)
    top.plot(z * zf, solution.potential[:, 0] * 1e3, "k-")
    top.set_ylabel("φ (mV)")
    for k, ion in enumerate(solution.species):
        bottom.semilogy(z * zf, solution.concentrations[k, :, 0], label=ion)
    bottom.set_ylabel("concentration (mol/m³)")
    bottom.set_xlabel(f"z ({zu})")
    bottom.legend(fontsize=8)
    fixed = np.asarray(solution.problem.parameters.fixed_charge)[:, 0] != 0
    if fixed.any():
        vz = np.asarray(solution.problem.grid.vertex_z)[:, 0] * solution.problem.scales.length
        cells = np.flatnonzero(fixed)
        for ax in (top, bottom):
            ax.axvspan(vz[cells[0]] * zf, vz[cells[-1] + 1] * zf, color="0.9", zorder=0, label="_membrane")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    top.set_title(title or f"profiles at V = {solution.voltage:+.4g} V")
    return _save(fig, path)
