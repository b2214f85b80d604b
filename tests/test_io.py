"""HDF5 results: save → load round trip, metadata, atomic writes; figures."""

import shutil

import h5py
import numpy as np
import pytest

import pnp
from helpers import MEMBRANE_SECTIONS, SMALL_CASE
from pnp import io as pnp_io
from pnp import plotting
from pnp.case import Case

SMALL = SMALL_CASE

MEMBRANE = """
name = "thin_membrane"
""" + MEMBRANE_SECTIONS + """[voltage]
zero_current = true
[mesh]
refinement = 0.5
"""


@pytest.fixture(scope="module")
def channel(tmp_path_factory):
    case = Case.from_text(SMALL)
    iv = case.run()
    path = pnp_io.save_result(tmp_path_factory.mktemp("io") / "small.h5", case, iv)
    return case, iv, path


@pytest.fixture(scope="module")
def membrane(tmp_path_factory):
    case = Case.from_text(MEMBRANE)
    solution = case.run()
    path = pnp_io.save_result(tmp_path_factory.mktemp("io") / "membrane.h5", case, solution)
    return case, solution, path


def test_iv_round_trip(channel):
    case, iv, path = channel
    loaded_case, loaded = pnp_io.load_result(path)
    assert loaded_case == case
    assert isinstance(loaded, pnp.IVCurve)
    np.testing.assert_array_equal(loaded.voltages, iv.voltages)
    np.testing.assert_allclose(loaded.currents, iv.currents, rtol=1e-12, atol=0)
    for ion in iv.solutions[0].species:
        np.testing.assert_allclose(loaded.fluxes(ion), iv.fluxes(ion), rtol=1e-12)
    for a, b in zip(iv.solutions, loaded.solutions):
        np.testing.assert_array_equal(a.potential, b.potential)
        np.testing.assert_array_equal(a.concentrations, b.concentrations)
        np.testing.assert_array_equal(a.z, b.z)
        assert b.info.newton_iterations == a.info.newton_iterations
        assert b.info.residual_history == a.info.residual_history
        assert b.conservation_error == pytest.approx(a.conservation_error, rel=1e-9, abs=1e-15)
    assert loaded.rectification(0.2) == pytest.approx(iv.rectification(0.2), rel=1e-12)
    assert loaded.chord_conductance() == pytest.approx(iv.chord_conductance(), rel=1e-12)


def test_file_contents_and_units(channel):
    case, iv, path = channel
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "pnp-result" and f.attrs["pnp_version"] == pnp.__version__
        assert f.attrs["kind"] == "iv" and f.attrs["current_unit"] == "A" and f.attrs["flux_unit"] == "mol/s"
        assert Case.from_text(f["case"][()].decode()) == case
        assert f["coordinates/vertex_z"].attrs["units"] == "m"
        assert f["fields/potential"].attrs["units"] == "V"
        assert f["fields/concentrations"].attrs["units"] == "mol/m^3"
        assert f["observables/currents"].attrs["units"] == "A"
        assert f["fields/concentrations"].shape == (3, 2) + iv.solutions[0].potential.shape
        np.testing.assert_array_equal(f["observables/currents"][()], iv.currents)
        np.testing.assert_array_equal(f["observables/fluxes/K+"][()], iv.fluxes("K+"))
        np.testing.assert_array_equal(f["coordinates/active"][()], np.asarray(iv.solutions[0].problem.grid.active))
        assert f["diagnostics/converged"][()].all()
        assert f["observables/conservation_error"][()].max() < 1e-8


def test_zero_current_solution_round_trip(membrane):
    case, solution, path = membrane
    assert 0.03 < -solution.voltage < 0.06  # a thin membrane: below the TMS 46.7 mV
    _, loaded = pnp_io.load_result(path)
    assert isinstance(loaded, pnp.Solution)
    assert loaded.voltage == solution.voltage
    assert loaded.current == pytest.approx(solution.current, rel=1e-12, abs=1e-300)
    np.testing.assert_array_equal(loaded.potential, solution.potential)
    with h5py.File(path, "r") as f:
        assert f.attrs["kind"] == "solution" and f.attrs["current_unit"] == "A/m^2"


def test_failed_save_leaves_nothing(channel, tmp_path, monkeypatch):
    case, iv, _ = channel
    target = tmp_path / "out.h5"
    target.write_bytes(b"previous result")

    def broken(_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pnp_io, "current_unit", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        pnp_io.save_result(target, case, iv)
    assert target.read_bytes() == b"previous result"  # untouched
    with pytest.raises(RuntimeError):
        pnp_io.save_result(tmp_path / "new.h5", case, iv)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5"]  # no temporary files left


def test_grid_mismatch_is_detected(channel, tmp_path):
    _, _, path = channel
    copy = tmp_path / "edited.h5"
    shutil.copy(path, copy)
    with h5py.File(copy, "r+") as f:
        f["coordinates/vertex_z"][1, 1] += 1e-9
    with pytest.raises(ValueError, match="grid rebuilt from the stored case does not match"):
        pnp_io.load_result(copy)


def test_not_a_result_file(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    with pytest.raises(ValueError, match="not a pnp result file"):
        pnp_io.read_result_file(path)
    with pytest.raises(FileNotFoundError):
        pnp_io.load_result(tmp_path / "missing.h5")


def _is_png(path):
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures(channel, membrane, tmp_path):
    _, iv, _ = channel
    _, solution, _ = membrane
    assert _is_png(plotting.plot_iv(iv, tmp_path / "iv.png"))
    assert _is_png(plotting.plot_fields(iv.solutions[-1], tmp_path / "fields.png"))
    assert _is_png(plotting.plot_profile_1d(solution, tmp_path / "profile.png"))
    assert _is_png(plotting.plot_fields(solution, tmp_path / "profile_via_fields.png"))  # 1D → profile
    _, _, averages = iv.solutions[1].axial_profile()
    assert np.all(np.isfinite(averages)) and averages.shape == (2, iv.solutions[1].potential.shape[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fields.png", "iv.png", "profile.png",
                                                           "profile_via_fields.png"]
