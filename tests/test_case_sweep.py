"""Case-file sweeps ([sweep]) and per-ion parameters ([ions]): points, validation, numbers, CSV, HDF5."""

import dataclasses

import h5py
import numpy as np
import pytest

import pnp
from helpers import MEMBRANE_SECTIONS
from pnp import cli
from pnp.case import Case
from pnp.case_sweep import SweepResult, run_to_file
from pnp.io import load_result, read_result_file
from pnp.ions import get_ion
from pnp.tables import read_csv

# A 1D membrane on one grid shape (fixed charge and diffusivities do not change the mesh), so
# every point reuses one compiled solver.
MEMBRANE = """
name = "sweep_membrane"
""" + MEMBRANE_SECTIONS + """[voltage]
values = ["-0.1 V", "0 V", "0.1 V"]
[mesh]
refinement = 0.35
"""

GRID = MEMBRANE + """
[sweep]
"geometry.fixed_charge" = ["-50 mM", "-100 mM"]
ions."K+".diffusivity = ["1.5e-9 m^2/s", "2.5e-9 m^2/s"]
"""

ZIP = MEMBRANE + """
[sweep]
mode = "zip"
"geometry.fixed_charge" = ["-30 mM", "-80 mM"]
"ions.Cl-.diffusivity" = ["1.5e-9 m^2/s", "2.5e-9 m^2/s"]
"""


def _single(fixed_charge: str, ions: str) -> Case:
    """The case of one sweep point, written by hand."""
    return Case.from_text(MEMBRANE.replace('"-100 mM"', f'"{fixed_charge}"') + f"\n[ions]\n{ions}\n")


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=0)


@pytest.fixture(scope="module")
def grid_run():
    case = Case.from_text(GRID)
    return case, case.run()


def test_grid_points_and_labels():
    points = Case.from_text(GRID).points()
    assert [p.index for p in points] == [0, 1, 2, 3]
    assert points[1].values == {"geometry.fixed_charge": "-50 mM", "ions.K+.diffusivity": "2.5e-9 m^2/s"}
    assert points[2].label == "geometry.fixed_charge = -100 mM, ions.K+.diffusivity = 1.5e-9 m^2/s"
    assert points[3].case.sweep is None and points[3].case.ions == {"K+": {"diffusivity": "2.5e-9 m^2/s"}}
    assert points[0].case.build().geometry.fixed_charge == pytest.approx(-50.0)


def test_round_trip_keeps_sweep_and_ions():
    case = Case.from_text(GRID + '\n[ions]\n"Cl-" = { diffusivity = "2e-9 m^2/s" }\n')
    again = Case.from_text(case.to_toml_text())
    assert again == case and again.to_toml_text() == case.to_toml_text()
    assert '"ions.K+.diffusivity" = ["1.5e-9 m^2/s", "2.5e-9 m^2/s"]' in case.to_toml_text()
    assert case.points()[0].case.ions == {"Cl-": {"diffusivity": "2e-9 m^2/s"}, "K+": {"diffusivity": "1.5e-9 m^2/s"}}


def test_grid_sweep_equals_each_point_run_alone(grid_run):
    case, result = grid_run
    assert isinstance(result, SweepResult) and len(result.results) == 4
    expected = [("-50 mM", "1.5e-9"), ("-50 mM", "2.5e-9"), ("-100 mM", "1.5e-9"), ("-100 mM", "2.5e-9")]
    for (charge, diffusivity), iv in zip(expected, result.results):
        alone = _single(charge, f'"K+" = {{ diffusivity = "{diffusivity} m^2/s" }}').run()
        np.testing.assert_array_equal(iv.voltages, alone.voltages)
        _close(iv.currents, alone.currents)
        for ion in ("K+", "Cl-"):
            _close(iv.fluxes(ion), alone.fluxes(ion))
    assert not np.allclose(result.results[0].currents, result.results[1].currents, rtol=1e-3)


def test_zip_sweep():
    case = Case.from_text(ZIP)
    assert [p.values["geometry.fixed_charge"] for p in case.points()] == ["-30 mM", "-80 mM"]
    result = case.run()
    alone = _single("-80 mM", '"Cl-" = { diffusivity = "2.5e-9 m^2/s" }').run()
    _close(result.results[1].currents, alone.currents)


def test_diffusivity_of_every_ion_scales_the_current():
    """Doubling every D leaves the steady fields unchanged and doubles all fluxes; the [ions]
    bath equals an Electrolyte built from pnp.Ion objects with the same diffusivities."""
    base = Case.from_text(MEMBRANE)
    d = {name: ion.diffusivity for name, ion in zip(base.build().electrolyte.names, base.build().electrolyte.ions)}
    doubled_text = "\n".join(f'"{n}" = {{ diffusivity = "{2 * v!r} m^2/s" }}' for n, v in d.items())
    doubled = Case.from_text(MEMBRANE + "\n[ions]\n" + doubled_text + "\n")
    iv, iv2 = base.run(), doubled.run()
    np.testing.assert_allclose(iv2.currents, 2 * iv.currents, rtol=1e-8)

    setup = doubled.build()
    ions = {dataclasses.replace(get_ion(n), diffusivity=2 * v): 100.0 for n, v in d.items()}
    left = pnp.Electrolyte(ions)
    np.testing.assert_array_equal(setup.electrolyte.diffusivities, left.diffusivities)
    direct = pnp.sweep(setup.geometry, pnp.Conditions(left, right=left.with_concentrations([10.0, 10.0]),
                                                      mesh=setup.mesh), setup.voltages)
    _close(direct.currents, iv2.currents)


BAD = [
    ('"geometry.radius" = ["5 nm"]', "geometry.radius", "sweepable keys are geometry.thickness"),
    ('"geometry.fixed_charge" = ["-50 mM", "5 nm"]', "geometry.fixed_charge = 5 nm", "unit of length"),
    ('"geometry.fixed_charge" = "-50 mM"', 'sweep."geometry.fixed_charge"', "non-empty list"),
    ('"geometry.thickness" = ["2 um", "-1 um"]', "geometry.thickness = -1 um", "must be positive"),
    ('"electrolyte.salts.NaCl" = ["1 mM"]', "electrolyte.salts.NaCl", "salts and ions must be in the bath"),
    ('mode = "zip"\n"geometry.thickness" = ["1 um"]\n"mesh.refinement" = [0.3, 0.4]', "geometry.thickness: 1",
     "equal length"),
    ('mode = "random"\n"mesh.refinement" = [0.3]', "sweep.mode", "grid"),
    ('"ions.K+.diffusivity" = ["1e-9 m"]', "ions.K+.diffusivity = 1e-9 m", "diffusivity"),
]


@pytest.mark.parametrize("sweep, key, hint", BAD, ids=[b[1] for b in BAD])
def test_bad_sweeps_name_the_key(sweep, key, hint):
    with pytest.raises(ValueError) as error:
        Case.from_text(MEMBRANE + "\n[sweep]\n" + sweep + "\n")
    assert key in str(error.value) and hint in str(error.value)


def test_bad_ions_section():
    with pytest.raises(ValueError, match=r'ions."Na\+": ion .Na\+. is not in the baths'):
        Case.from_text(MEMBRANE + '\n[ions]\n"Na+" = { diffusivity = "1e-9 m^2/s" }\n')
    with pytest.raises(ValueError, match=r'ions."K\+".diffusivity = 1e-09 has no unit'):
        Case.from_text(MEMBRANE + '\n[ions]\n"K+" = { diffusivity = 1e-9 }\n')
    with pytest.raises(ValueError, match=r'unknown field ions."K\+".radius'):
        Case.from_text(MEMBRANE + '\n[ions]\n"K+" = { radius = "1 nm" }\n')


def test_sweep_file_layout_and_load(grid_run, tmp_path):
    case, result = grid_run
    path, _ = run_to_file(case, tmp_path / "grid.h5", progress=False)
    stored = read_result_file(path, fields=False)
    assert stored["complete"] and stored["attrs"]["kind"] == "sweep" and sorted(stored["points"]) == [0, 1, 2, 3]
    assert stored["sweep"]["keys"] == ["geometry.fixed_charge", "ions.K+.diffusivity"]
    assert stored["sweep"]["units"] == ["mol/m^3", "m^2/s"]
    np.testing.assert_allclose(stored["sweep"]["values_si"][:, 0], [-50, -50, -100, -100])
    assert stored["sweep"]["values"][1] == {"geometry.fixed_charge": "-50 mM", "ions.K+.diffusivity": "2.5e-9 m^2/s"}
    with h5py.File(path) as f:
        assert f["points/0002"].attrs["geometry.fixed_charge"] == "-100 mM"
        assert f["points/0002/observables/currents"].attrs["units"] == "A/m^2"
    loaded_case, loaded = load_result(path)
    assert loaded_case == case and isinstance(loaded, SweepResult)
    for a, b in zip(result.results, loaded.results):
        _close(b.currents, a.currents)
        np.testing.assert_array_equal(b.solutions[0].potential, a.solutions[0].potential)


def test_cli_sweep_csv_round_trip(tmp_path, capsys):
    case_file = tmp_path / "zip.toml"
    case_file.write_text(ZIP)
    assert cli.main(["run", str(case_file), "--output", str(tmp_path / "out"), "--csv", "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "sweep_membrane [1] geometry.fixed_charge = -80 mM" in out
    stored = read_result_file(tmp_path / "out" / "sweep_membrane.h5", fields=False)
    table = read_csv(tmp_path / "out" / "sweep_membrane.csv")
    assert list(table)[:3] == ["geometry.fixed_charge [mol/m^3]", "ions.Cl-.diffusivity [m^2/s]", "voltage [V]"]
    currents = np.concatenate([stored["points"][i]["currents"] for i in (0, 1)])
    np.testing.assert_array_equal(table["current [A/m^2]"], currents)  # exact: 17 significant digits
    np.testing.assert_array_equal(table["geometry.fixed_charge [mol/m^3]"], [-30.0] * 3 + [-80.0] * 3)
    assert table["ions.Cl-.diffusivity [m^2/s]"][-1] == 2.5e-9
    # the in-memory table is the same as the one from the file
    memory = Case.from_text(ZIP).run().table()
    assert list(memory) == list(table)
    _close(memory["current [A/m^2]"], table["current [A/m^2]"])
    # pnp show summarizes every point of the sweep file, and draws each point's figures
    assert cli.main(["show", str(tmp_path / "out" / "sweep_membrane.h5"), "--plot", "--output",
                     str(tmp_path / "figures")]) == 0
    shown = capsys.readouterr().out
    assert "2 of 2 points finished" in shown and "sweep_membrane [1] geometry.fixed_charge = -80 mM" in shown
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        f"sweep_membrane_{i:04d}_{kind}.png" for i in (0, 1) for kind in ("fields", "iv")]


def test_cli_single_case_csv(tmp_path):
    case_file = tmp_path / "one.toml"
    case_file.write_text(MEMBRANE)
    assert cli.main(["run", str(case_file), "--output", str(tmp_path), "--csv", "--no-plots"]) == 0
    stored = read_result_file(tmp_path / "sweep_membrane.h5")
    assert stored["complete"]
    table = read_csv(tmp_path / "sweep_membrane.csv")
    np.testing.assert_array_equal(table["current [A/m^2]"], stored["currents"])
    np.testing.assert_array_equal(table["voltage [V]"], [-0.1, 0.0, 0.1])
