"""HDF5 results with metadata: what a case computed, readable without pnp, reloadable with it.

Layout of a result file (SI units; every dataset carries a ``units`` attribute)::

    /                      attrs: format = "pnp-result", format_version, pnp_version, kind
                           ("iv" or "solution"), name, created (UTC), coordinates
                           ("axisymmetric" | "planar"), flux_unit, current_unit, species
    /case                  the full case file as TOML text (string)
    /coordinates/          cell_z, cell_r (nz, nr), vertex_z, vertex_r (nz+1, nr+1) in m,
                           active (nz, nr) bool
    /species/              names (strings), valences
    /fields/               potential (nv, nz, nr) V, concentrations (nv, N, nz, nr) mol/m^3
                           (NaN in inactive cells); state/<field> (nv, …) the nondimensional
                           unknowns by name (potential φ e/kT, log_concentration ln(c/c_ref))
                           with the scales as attributes of state/ (format 1: one packed
                           (nv, nz, nr, 1+N) array, still read)
    /observables/          voltages (nv) V, currents (nv), fluxes/<ion> (nv),
                           current_profile (nv, nz+1), conservation_error (nv)
    /diagnostics/          newton_iterations, newton_calls, converged (nv),
                           residual_history (nv, k) NaN-padded, continuation_steps (JSON)

:func:`save_result` writes to a temporary file in the target folder and renames it into
place, so the output path never holds a half-written file. :func:`load_result` rebuilds
the problem from the stored case (checking that the grid matches the stored
coordinates) and wraps the stored states in :class:`~pnp.Solution` objects, so every
observable is available again and equal to the saved one.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path

import numpy as np

FORMAT = "pnp-result"
FORMAT_VERSION = 2

CURRENT_UNITS = {"mol/s": "A", "mol/(s·m)": "A/m", "mol/(s·m²)": "A/m^2"}


def current_unit(flux_unit: str) -> str:
    """Unit of the electric current that goes with a species ``flux_unit``."""
    return CURRENT_UNITS.get(flux_unit, "A")


def _solutions(result) -> tuple[str, tuple]:
    from .solution import Solution
    from .sweep import IVCurve

    if isinstance(result, IVCurve):
        return "iv", tuple(result.solutions)
    if isinstance(result, Solution):
        return "solution", (result,)
    raise ValueError(f"save_result needs a pnp.IVCurve or pnp.Solution, got {type(result).__name__}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_output(path: str | Path, write, *, suffix: str | None = None) -> Path:
    """Call ``write(temporary_path)``, then move the file to ``path``; nothing is left on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix or ".tmp")
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return path


def save_result(path: str | Path, case, result) -> Path:
    """Write ``result`` (an IVCurve or a Solution) of ``case`` (a :class:`~pnp.case.Case`) to HDF5."""
    import h5py

    from . import __version__

    kind, solutions = _solutions(result)
    first = solutions[0]
    problem = first.problem
    grid, scales = problem.grid, problem.scales
    length = scales.length
    species = list(first.species)
    flux_unit = first.flux_unit

    def write(temporary):
        with h5py.File(temporary, "w") as f:
            f.attrs.update({
                "format": FORMAT, "format_version": FORMAT_VERSION, "pnp_version": __version__, "kind": kind,
                "name": case.name, "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "coordinates": grid.coordinates, "flux_unit": flux_unit, "current_unit": current_unit(flux_unit),
                "species": np.array(species, dtype=h5py.string_dtype()),
            })
            f.create_dataset("case", data=case.to_toml_text())

            coords = f.create_group("coordinates")
            for name, value in (("cell_z", grid.cell_z), ("cell_r", grid.cell_r),
                                ("vertex_z", grid.vertex_z), ("vertex_r", grid.vertex_r)):
                coords.create_dataset(name, data=np.asarray(value) * length).attrs["units"] = "m"
            coords.create_dataset("active", data=np.asarray(grid.active)).attrs["units"] = "1"

            group = f.create_group("species")
            group.create_dataset("names", data=np.array(species, dtype=h5py.string_dtype()))
            group.create_dataset("valences", data=np.asarray(problem.left.valences)).attrs["units"] = "1"

            fields = f.create_group("fields")
            options = dict(compression="gzip", compression_opts=4)
            fields.create_dataset("potential", data=np.stack([s.potential for s in solutions]),
                                  **options).attrs["units"] = "V"
            fields.create_dataset("concentrations", data=np.stack([s.concentrations for s in solutions]),
                                  **options).attrs["units"] = "mol/m^3"
            state = fields.create_group("state")
            for name in first.state:
                state.create_dataset(name, data=np.stack([np.asarray(s.state[name]) for s in solutions]), **options)
            state.attrs.update({
                "units": "1", "description": "nondimensional unknowns by field: potential phi/(kT/e), "
                                             "log_concentration ln(c_i/c_ref)",
                "length_scale_m": length, "concentration_scale_mol_per_m3": scales.concentration,
                "voltage_scale_V": scales.voltage,
            })

            obs = f.create_group("observables")
            obs.create_dataset("voltages", data=np.array([s.voltage for s in solutions])).attrs["units"] = "V"
            current = current_unit(flux_unit)
            obs.create_dataset("currents", data=np.array([s.current for s in solutions])).attrs["units"] = current
            obs.create_dataset("current_profile", data=np.stack([s.current_profile for s in solutions]),
                               **options).attrs["units"] = current
            obs.create_dataset("conservation_error",
                               data=np.array([s.conservation_error for s in solutions])).attrs["units"] = "1"
            fluxes = obs.create_group("fluxes")
            fluxes.attrs["units"] = flux_unit
            for index, ion in enumerate(species):
                data = fluxes.create_dataset(ion, data=np.array([s.fluxes[ion] for s in solutions]))
                data.attrs.update({"units": flux_unit, "index": index})

            diag = f.create_group("diagnostics")
            infos = [s.info for s in solutions]
            diag.create_dataset("newton_iterations", data=np.array([i.newton_iterations for i in infos], np.int64))
            diag.create_dataset("newton_calls", data=np.array([i.newton_calls for i in infos], np.int64))
            diag.create_dataset("converged", data=np.array([bool(i.converged) for i in infos]))
            width = max([1] + [len(i.residual_history) for i in infos])
            history = np.full((len(infos), width), np.nan)
            for row, info in enumerate(infos):
                history[row, :len(info.residual_history)] = info.residual_history
            diag.create_dataset("residual_history", data=history).attrs["units"] = "1 (row-scaled residual)"
            diag.create_dataset("continuation_steps", data=np.array(
                [json.dumps({str(k): v for k, v in i.continuation_steps.items()}) for i in infos],
                dtype=h5py.string_dtype()))

    return atomic_output(path, write, suffix=".h5.tmp")


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def read_result_file(path: str | Path) -> dict:
    """Stored metadata and observables (no solver work): a dict of plain numpy values."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"result file {str(path)!r} not found")
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"{path} is not a readable HDF5 file ({error})") from None
    with f:
        if _text(f.attrs.get("format", "")) != FORMAT:
            raise ValueError(f"{path} is not a pnp result file (no format = {FORMAT!r} attribute)")
        version = int(f.attrs["format_version"])
        if version > FORMAT_VERSION:
            raise ValueError(f"{path} has result format version {version}; this pnp reads up to "
                             f"{FORMAT_VERSION} — upgrade pnp")
        species = [_text(s) for s in f["species/names"][()]]
        out = {
            "path": path,
            "attrs": {k: (_text(v) if isinstance(v, (bytes, str)) else v) for k, v in f.attrs.items()},
            "case_text": _text(f["case"][()]),
            "species": species,
            "voltages": f["observables/voltages"][()],
            "currents": f["observables/currents"][()],
            "fluxes": {ion: f["observables/fluxes"][ion][()] for ion in species},
            "conservation_error": f["observables/conservation_error"][()],
            "coordinates": {k: f["coordinates"][k][()] for k in f["coordinates"]},
            "state": _read_state(f["fields/state"]),
            "potential": f["fields/potential"][()],
            "concentrations": f["fields/concentrations"][()],
            "diagnostics": {
                "newton_iterations": f["diagnostics/newton_iterations"][()],
                "newton_calls": f["diagnostics/newton_calls"][()],
                "converged": f["diagnostics/converged"][()],
                "residual_history": f["diagnostics/residual_history"][()],
                "continuation_steps": [json.loads(_text(t)) for t in f["diagnostics/continuation_steps"][()]],
            },
        }
    return out


def _read_state(node) -> dict:
    """{field: (nv, …) array}; format 1 stored one packed (nv, nz, nr, 1 + N) array."""
    import h5py

    if isinstance(node, h5py.Group):
        return {name: node[name][()] for name in node}
    packed = node[()]
    return {"potential": packed[..., 0], "log_concentration": np.moveaxis(packed[..., 1:], -1, 1)}


def load_result(path: str | Path):
    """(case, result) from a file written by :func:`save_result`.

    ``result`` is an :class:`~pnp.IVCurve` or a :class:`~pnp.Solution` (as saved), rebuilt
    from the stored case and states; its observables recompute to the stored values.

    Raises:
      FileNotFoundError: no file. ValueError: not a pnp result, or the grid rebuilt from
        the stored case differs from the stored coordinates (e.g. a different pnp version
        meshes differently).
    """
    import jax.numpy as jnp

    from . import __version__
    from .case import Case
    from .physics.state import State
    from .problem import build_problem
    from .solution import Solution
    from .steady import SolveInfo
    from .sweep import IVCurve

    stored = read_result_file(path)
    case = Case.from_text(stored["case_text"])
    setup = case.build()
    problem = build_problem(setup.geometry, setup.conditions, 0.0)
    grid, scales = problem.grid, problem.scales
    coords = stored["coordinates"]
    written_by = stored["attrs"].get("pnp_version", "?")
    mismatch = None
    if tuple(np.asarray(grid.active).shape) != coords["active"].shape:
        mismatch = f"grid shape {grid.shape} vs stored {coords['active'].shape}"
    elif not np.array_equal(np.asarray(grid.active), coords["active"]):
        mismatch = "active-cell masks differ"
    else:
        for name in ("vertex_z", "vertex_r", "cell_z", "cell_r"):
            rebuilt = np.asarray(getattr(grid, name)) * scales.length
            if not np.allclose(rebuilt, coords[name], rtol=1e-10, atol=1e-12 * np.abs(coords[name]).max()):
                mismatch = f"{name} differs by up to {np.abs(rebuilt - coords[name]).max():.3g} m"
                break
    if mismatch is not None:
        raise ValueError(
            f"{path}: the grid rebuilt from the stored case does not match the stored coordinates ({mismatch}); "
            f"the file was written by pnp {written_by}, this is pnp {__version__}. The stored observables and "
            "fields are still readable with pnp.io.read_result_file or h5py"
        )
    if stored["species"] != list(problem.left.names):
        raise ValueError(f"{path}: stored species {stored['species']} differ from the case's {problem.left.names}")

    diag = stored["diagnostics"]
    solutions = []
    for k, voltage in enumerate(stored["voltages"]):
        history = diag["residual_history"][k]
        info = SolveInfo(
            newton_iterations=int(diag["newton_iterations"][k]), newton_calls=int(diag["newton_calls"][k]),
            continuation_steps=diag["continuation_steps"][k],
            residual_history=[float(v) for v in history[np.isfinite(history)]],
            converged=bool(diag["converged"][k]),
        )
        state = State({f.name: jnp.asarray(stored["state"][f.name][k]) for f in problem.model.fields})
        solutions.append(Solution(problem.at_voltage(float(voltage)), state, float(voltage), info, setup.options))
    if stored["attrs"].get("kind") == "solution":
        return case, solutions[0]
    return case, IVCurve(tuple(solutions))
