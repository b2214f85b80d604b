"""The `pnp` command end to end (subprocesses): run, show, demo, validate, bad input."""

import subprocess
import sys

import numpy as np
import pytest

from helpers import SMALL_CASE
from pnp import cli
from pnp.io import load_result, read_result_file

SMALL = SMALL_CASE


def pnp_cli(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "pnp.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def _is_png(path):
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    case = folder / "small.toml"
    case.write_text(SMALL)
    result = pnp_cli("run", case, "--output", folder / "out")
    return folder, result


def test_run_writes_result_that_round_trips(small_run):
    folder, result = small_run
    assert result.returncode == 0, result.stderr
    out = folder / "out"
    assert sorted(p.name for p in out.iterdir()) == ["small.h5", "small_fields.png", "small_iv.png"]
    assert _is_png(out / "small_iv.png") and _is_png(out / "small_fields.png")
    assert "conductance at 0 V" in result.stdout and "small.h5" in result.stdout
    assert "V = +0.2000 V" in result.stderr  # progress lines of the sweep
    stored = read_result_file(out / "small.h5")
    case, iv = load_result(out / "small.h5")
    assert case.name == "small"
    np.testing.assert_array_equal(iv.voltages, [-0.2, 0.0, 0.2])
    np.testing.assert_allclose(iv.currents, stored["currents"], rtol=1e-12, atol=0)
    for k, solution in enumerate(iv.solutions):
        np.testing.assert_array_equal(solution.potential, stored["potential"][k])
        np.testing.assert_array_equal(solution.concentrations, stored["concentrations"][k])
        for ion in solution.species:
            assert solution.fluxes[ion] == pytest.approx(stored["fluxes"][ion][k], rel=1e-12)
    assert iv.currents[2] > 0 > iv.currents[0]


def test_show(small_run, tmp_path):
    folder, _ = small_run
    result = pnp_cli("show", folder / "out" / "small.h5", "--case")
    assert result.returncode == 0, result.stderr
    assert "conductance at 0 V" in result.stdout and 'kind = "cylinder"' in result.stdout
    assert cli.main(["show", str(folder / "out" / "small.h5"), "--plot", "--output", str(tmp_path)]) == 0
    assert _is_png(tmp_path / "small_iv.png") and _is_png(tmp_path / "small_fields.png")


def _mutate(old, new):
    assert old in SMALL
    return SMALL.replace(old, new)


BAD = [
    ("unit-less value", _mutate('radius = "5 nm"', "radius = 5e-9"), "geometry.radius"),
    ("unknown ion", _mutate('salts = { KCl = "10 mM" }', '"Xx+" = "10 mM"\n"Cl-" = "10 mM"'), 'electrolyte."Xx+"'),
    ("non-electroneutral bath", _mutate('salts = { KCl = "10 mM" }', '"K+" = "10 mM"\n"Cl-" = "5 mM"'),
     "electroneutral"),
    ("tip > base", _mutate('kind = "cylinder"\nradius = "5 nm"',
                           'kind = "cone"\ntip_radius = "50 nm"\nbase_radius = "20 nm"'), "geometry.tip_radius"),
    ("radius <= 0", _mutate('radius = "5 nm"', 'radius = "0 nm"'), "geometry.radius"),
    ("malformed TOML", _mutate('radius = "5 nm"', "radius = 5 nm"), "not valid TOML"),
    ("wrong unit", _mutate('length = "50 nm"', 'length = "50 mV"'), "geometry.length"),
]


@pytest.mark.parametrize("text, field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_exits_nonzero_without_output(tmp_path, text, field):
    case = tmp_path / "bad.toml"
    case.write_text(text)
    result = pnp_cli("run", case, "--output", tmp_path / "out")
    assert result.returncode == 2
    assert field in result.stderr and "bad.toml" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one paragraph
    assert not (tmp_path / "out").exists()


def test_missing_files(tmp_path):
    result = pnp_cli("run", tmp_path / "nothing.toml", "--output", tmp_path / "out")
    assert result.returncode == 2 and "nothing.toml" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
    result = pnp_cli("show", tmp_path / "nothing.h5")
    assert result.returncode == 2 and "nothing.h5" in result.stderr and "Traceback" not in result.stderr


def test_help_everywhere(capsys):
    for argv in (["--help"], ["demo", "--help"], ["run", "--help"], ["validate", "--help"], ["show", "--help"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 0
        assert "usage: pnp" in capsys.readouterr().out
    assert cli.main([]) == 2  # no command: help on stderr
    result = pnp_cli("run")  # missing argument: argparse error
    assert result.returncode == 2 and "CASE.toml" in result.stderr


def test_gpu_without_cuda_is_a_clear_error(tmp_path):
    probe = subprocess.run([sys.executable, "-c", "import jax; print(jax.default_backend())"], capture_output=True,
                           text=True, timeout=120)
    if probe.stdout.strip() == "gpu":
        pytest.skip("this machine has a GPU")
    case = tmp_path / "small.toml"
    case.write_text(SMALL)
    result = pnp_cli("--device", "gpu", "run", case, "--output", tmp_path / "out")
    assert result.returncode == 2 and "--device gpu" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_demo_quick(tmp_path):
    result = pnp_cli("demo", "--quick", "--output", tmp_path / "demo")
    assert result.returncode == 0, result.stderr
    for name in ("demo_cone_quick.h5", "demo_cone_quick_iv.png", "demo_cone_quick_fields.png"):
        assert (tmp_path / "demo" / name).is_file(), name  # its own names: never overwrites the full demo's
    assert "rectification |I(+1 V)|/|I(−1 V)|" in result.stdout
    assert "conductance at 0 V" in result.stdout and "(exact dI/dV)" in result.stdout
    stored = read_result_file(tmp_path / "demo" / "demo_cone_quick.h5")
    np.testing.assert_allclose(stored["voltages"], [-1, -0.5, 0, 0.5, 1])
    rectification = abs(stored["currents"][-1] / stored["currents"][0])
    assert rectification > 1.2  # negative wall, tip on the left: |I(+1 V)| > |I(−1 V)|


def test_validate_quick():
    result = pnp_cli("--device", "cpu", "validate", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "V1 Gouy-Chapman wall" in result.stdout and "V4 TMS 20 um" in result.stdout
    assert "all 3 validation cases passed" in result.stdout
