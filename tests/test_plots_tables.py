"""One-line figures and tables: IVCurve.plot / plot_fields, Solution.plot, CSV round trip, and the
honest conductance and rectification numbers of pnp.report."""

import numpy as np
import pytest

import pnp
from pnp.report import ZERO_CURRENT_TOLERANCE, iv_numbers
from pnp.tables import read_csv

MEMBRANE = pnp.Membrane(2e-6, -100.0)
MESH = pnp.Mesh(refinement=0.5)


@pytest.fixture(scope="module")
def membrane_iv():
    """1D cation-exchange membrane between equal 100 mM KCl baths."""
    return pnp.sweep(MEMBRANE, pnp.Electrolyte.from_salts({"KCl": 100.0}), [-0.2, -1e-4, 0.0, 1e-4, 0.2], mesh=MESH)


def test_exact_conductance_matches_a_centred_difference(membrane_iv):
    """IVCurve.conductance(0) is the exact dI/dV: equal to the centred difference at ±0.1 mV to
    O(h²) (relative 1e-6), while the chord over ±0.2 V differs (the I–V is not linear there)."""
    exact = membrane_iv.conductance(0.0)
    centred = (membrane_iv.at(1e-4).current - membrane_iv.at(-1e-4).current) / 2e-4
    wide = (membrane_iv.at(0.2).current - membrane_iv.at(-0.2).current) / 0.4
    print(f"dI/dV exact {exact:.10e}, centred ±0.1 mV {centred:.10e}, chord ±0.2 V {wide:.6e} S/m²")
    assert exact == pytest.approx(centred, rel=1e-6)
    assert membrane_iv.chord_conductance() == pytest.approx(centred, rel=1e-6)  # nearest points: ±0.1 mV
    assert abs(wide / exact - 1) > 1e-3


def test_report_labels_a_chord_and_refuses_rectification_under_a_gradient():
    v = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    symmetric = np.array([-2.0, -0.9, 0.0, 1.1, 3.0])
    numbers = iv_numbers(v, symmetric)
    assert numbers["conductance"] == pytest.approx((1.1 + 0.9) / 1.0)
    assert numbers["conductance_method"].startswith("chord -0.5 V … +0.5 V")
    assert numbers["rectification"] == pytest.approx(1.5)
    exact = iv_numbers(v, symmetric, conductance=2.5)
    assert exact["conductance"] == 2.5 and exact["conductance_method"] == "exact dI/dV"
    gradient = symmetric + 0.5  # I(0) = 0.5 ≠ 0: unequal baths
    shifted = iv_numbers(v, gradient)
    assert "rectification" not in shifted and "I(0 V) ≠ 0" in shifted["rectification_note"]
    tiny = symmetric + 0.1 * ZERO_CURRENT_TOLERANCE  # numerical zero: still reported
    assert "rectification" in iv_numbers(v, tiny)
    no_zero = iv_numbers(np.array([-1.0, 1.0]), np.array([-1.0, 2.0]))
    assert "rectification" not in no_zero and "no 0 V point" in no_zero["rectification_note"]


def test_zero_current_offset(membrane_iv):
    assert membrane_iv.zero_current_offset() < 1e-10
    gradient = pnp.sweep(MEMBRANE, pnp.Electrolyte.from_salts({"KCl": 100.0}), [-0.1, 0.0, 0.1],
                         right=pnp.Electrolyte.from_salts({"KCl": 10.0}), mesh=MESH)
    assert gradient.zero_current_offset() > 0.01  # the diffusion current at 0 V
    assert pnp.sweep(MEMBRANE, pnp.Electrolyte.from_salts({"KCl": 100.0}), [-0.1, 0.1],
                     mesh=MESH).zero_current_offset() is None


def test_csv_round_trip(membrane_iv, tmp_path):
    path = membrane_iv.to_csv(tmp_path / "iv.csv")
    table = read_csv(path)
    np.testing.assert_array_equal(table["voltage [V]"], membrane_iv.voltages)
    np.testing.assert_array_equal(table["current [A/m^2]"], membrane_iv.currents)  # exact: 17 digits
    for ion in ("K+", "Cl-"):
        np.testing.assert_array_equal(table[f"flux {ion} [mol/(s·m²)]"], membrane_iv.fluxes(ion))
    assert path.read_text().startswith("# pnp I–V curve")


def test_one_line_figures(membrane_iv, tmp_path):
    import matplotlib.figure

    assert isinstance(membrane_iv.plot(), matplotlib.figure.Figure)
    assert isinstance(membrane_iv.solutions[0].plot(), matplotlib.figure.Figure)
    figure = membrane_iv.plot_fields()  # 1D: +0.2 V and −0.2 V profiles overlaid
    labels = [line.get_label() for line in figure.axes[1].get_lines()]
    assert "K+ (+0.2 V)" in labels and "K+ (-0.2 V)" in labels
    path = membrane_iv.plot(tmp_path / "iv.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fields_side_by_side_with_a_tip_zoom():
    """2D cone: +V and −V maps side by side plus the zoom on the tip, one colour scale per row."""
    cone = pnp.Cone(5e-9, 20e-9, 100e-9, -0.05)
    iv = pnp.sweep(cone, pnp.Electrolyte.from_salts({"KCl": 100.0}), [-0.2, 0.2], mesh=pnp.Mesh(refinement=0.35))
    figure = iv.plot_fields()
    panels = figure.axes[:4 * 4]  # 4 rows (φ, K+, Cl-, averages) × 4 columns, row-major; colour bars after
    titles = [ax.get_title() for ax in panels[:4]]
    assert titles == ["V = +0.2 V", "V = -0.2 V", "V = +0.2 V, narrow end", "V = -0.2 V, narrow end"]
    low, high = panels[2].get_ylim()
    assert high == pytest.approx(1.6 * 5e-9 * 1e9, rel=1e-9)  # the zoom reaches 1.6 tip radii (nm)
    for row in range(3):  # φ, c(K+), c(Cl-): one colour scale shared by the four panels of a row
        limits = {(ax.collections[0].norm.vmin, ax.collections[0].norm.vmax) for ax in panels[4 * row:4 * row + 4]}
        assert len(limits) == 1, limits
    potential = panels[0].collections[0].norm
    assert potential.vmin == -potential.vmax  # diverging map centred on 0 V


def test_readable_reprs():
    """Geometries and design results print their numbers, not function objects or state arrays."""
    import jax.numpy as jnp

    from pnp.design import ChannelDesign

    text = repr(pnp.Cone(10e-9, 200e-9, 2e-6, -0.05))
    assert text.startswith("Channel(radius 10 nm → 200 nm over 2 um, σ = -50 mC/m^2") and "lambda" not in text
    assert repr(ChannelDesign(*map(jnp.asarray, (1e-9, 2e-9, 30e-9, -0.1)))) == \
        "ChannelDesign(tip 1.000 nm, base 2.000 nm, L 30.0 nm, σ -0.1000 C/m²)"
