"""HDF5 results with metadata: what a case computed, readable without pnp, reloadable with it.

Layout of a result file of one case (SI units; every dataset carries a ``units`` attribute)::

    /                      attrs: format = "pnp-result", format_version, pnp_version, kind
                           ("iv" or "solution"), name, created (UTC), coordinates
                           ("axisymmetric" | "planar"), flux_unit, current_unit, species,
                           complete (false while a run is going: the I–V holds the finished
                           voltages only; files before format 3 have no flag and are complete)
    /case                  the full case file as TOML text (string)
    /coordinates/          cell_z, cell_r (nz, nr), vertex_z, vertex_r (nz+1, nr+1) in m,
                           active (nz, nr) bool
    /species/              names (strings), valences
    /fields/               potential (nv, nz, nr) V, concentrations (nv, N, nz, nr) mol/m^3
                           (NaN in inactive cells); state/<field> (nv, …) the nondimensional
                           unknowns by name (potential φ e/kT, log_concentration ln(c/c_ref))
                           with the scales as attributes of state/ (format 1: one packed
                           (nv, nz, nr, 1+N) array, still read); with solvent flow
                           (``[flow]``) also velocity (nv, 2, nz, nr) m/s (u_z, u_r at the
                           cells) and pressure (nv, nz, nr) Pa (relative to the right bath)
    /observables/          voltages (nv) V, currents (nv), fluxes/<ion> (nv),
                           current_profile (nv, nz+1), conservation_error (nv); with flow
                           also flow_rates (nv) in the root's flow_unit (m^3/s, or m^2/s
                           per metre of depth for slits) and linear_response/ (attr
                           voltage: the 0 V point of an I–V, or the only solution): the
                           exact electrokinetic coefficients ∂Q/∂Δp, ∂Q/∂V, ∂I/∂Δp, ∂I/∂V,
                           −(∂I/∂Δp)/(∂I/∂V), the electro-osmotic mobility (scalars, units
                           attribute; :attr:`pnp.Solution.electrokinetic_coefficients`)
    /diagnostics/          newton_iterations, newton_calls, converged (nv),
                           residual_history (nv, k) NaN-padded, continuation_steps (JSON)

A case with a ``[sweep]`` (:mod:`pnp.case_sweep`) is one file of all its points::

    /                      attrs: format, format_version, pnp_version, name, created,
                           kind = "sweep", complete (all points finished), sweep_mode
                           ("grid" | "zip"), sweep_keys (dotted keys), point_count
    /case                  the full case file, [sweep] included
    /sweep/                keys (k), values (n, k) the swept values as written (text),
                           values_si (n, k) in SI (NaN for text; units: attribute
                           ``units``, one per key): the table of all n planned points
    /points/0000/ …        one group per finished or started point, in the layout above
                           (attrs, case = the point's own case, coordinates, species,
                           fields, observables, diagnostics), plus attrs index and the
                           swept values by key (e.g. "electrolyte.salts.KCl" = "10 mM")

:func:`save_result` writes to a temporary file in the target folder and renames it into
place, so the output path never holds a half-written file. :class:`ResultWriter` (used by
``pnp run``) does the same after every finished bias point and sweep point, copying the
other points from the previous file, so an interrupted run keeps all it finished. :func:`load_result` rebuilds
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
FORMAT_VERSION = 3  # 3: "complete" flag, sweep files

CURRENT_UNITS = {"mol/s": "A", "mol/(s·m)": "A/m", "mol/(s·m²)": "A/m^2"}
FLOW_UNITS = {"mol/s": "m^3/s", "mol/(s·m)": "m^2/s", "mol/(s·m²)": "m/s"}


def current_unit(flux_unit: str) -> str:
    """Unit of the electric current that goes with a species ``flux_unit``."""
    return CURRENT_UNITS.get(flux_unit, "A")


def flow_unit(flux_unit: str) -> str:
    """Unit of the volume flow rate that goes with a species ``flux_unit``."""
    return FLOW_UNITS.get(flux_unit, "m^3/s")


def linear_response_units(flux_unit: str) -> dict[str, str]:
    """Units of :attr:`pnp.Solution.electrokinetic_coefficients` by name, for a species ``flux_unit``."""
    def per(unit: str, by: str) -> str:  # "m^3/s" per "Pa" → "m^3/(s Pa)"
        numerator, _, denominator = unit.partition("/")
        return f"{numerator}/({denominator} {by})" if denominator else f"{unit}/{by}"

    flow, current = flow_unit(flux_unit), current_unit(flux_unit)
    return {"hydraulic_conductance": per(flow, "Pa"), "electroosmotic_conductance": per(flow, "V"),
            "streaming_conductance": per(current, "Pa"), "conductance": per(current, "V"),
            "streaming_potential_coefficient": "V/Pa", "electroosmotic_mobility": "m^2/(V s)"}


def linear_response(solutions) -> dict | None:
    """The exact linear response of a flow result that is stored and printed, as
    ``{"voltage": V, **electrokinetic_coefficients}`` (the form :func:`read_result_file` returns):
    at the 0 V point of an I–V, or at a result's only solution (e.g. the zero-current one); None
    without flow or without such a point."""
    if not solutions[0].has_flow:
        return None
    at = solutions[0] if len(solutions) == 1 else next((s for s in solutions if s.voltage == 0.0), None)
    return None if at is None else {"voltage": at.voltage, **at.electrokinetic_coefficients}


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


def _write_root_attrs(f, kind: str, name: str, complete: bool) -> None:
    from . import __version__

    f.attrs.update({"format": FORMAT, "format_version": FORMAT_VERSION, "pnp_version": __version__, "kind": kind,
                    "name": name, "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                    "complete": bool(complete)})


def _write_result(group, case, kind: str, solutions, *, complete: bool) -> None:
    """One case's result into an HDF5 ``group`` (the file root, or a sweep point's group)."""
    import h5py

    from . import __version__

    first = solutions[0]
    problem = first.problem
    grid, scales = problem.grid, problem.scales
    length = scales.length
    species = list(first.species)
    flux_unit = first.flux_unit
    group.attrs.update({
        "kind": kind, "name": case.name, "complete": bool(complete), "pnp_version": __version__,
        "coordinates": grid.coordinates,
        "flux_unit": flux_unit, "current_unit": current_unit(flux_unit),
        "species": np.array(species, dtype=h5py.string_dtype()),
    })
    if first.has_flow:
        group.attrs["flow_unit"] = flow_unit(flux_unit)
    group.create_dataset("case", data=case.to_toml_text())

    coords = group.create_group("coordinates")
    for name, value in (("cell_z", grid.cell_z), ("cell_r", grid.cell_r),
                        ("vertex_z", grid.vertex_z), ("vertex_r", grid.vertex_r)):
        coords.create_dataset(name, data=np.asarray(value) * length).attrs["units"] = "m"
    coords.create_dataset("active", data=np.asarray(grid.active)).attrs["units"] = "1"

    names = group.create_group("species")
    names.create_dataset("names", data=np.array(species, dtype=h5py.string_dtype()))
    names.create_dataset("valences", data=np.asarray(problem.left.valences)).attrs["units"] = "1"

    fields = group.create_group("fields")
    options = dict(compression="gzip", compression_opts=4)
    fields.create_dataset("potential", data=np.stack([s.potential for s in solutions]),
                          **options).attrs["units"] = "V"
    fields.create_dataset("concentrations", data=np.stack([s.concentrations for s in solutions]),
                          **options).attrs["units"] = "mol/m^3"
    if first.has_flow:
        fields.create_dataset("velocity", data=np.stack([s.velocity for s in solutions]),
                              **options).attrs["units"] = "m/s"
        fields.create_dataset("pressure", data=np.stack([s.pressure for s in solutions]),
                              **options).attrs["units"] = "Pa"
    state = fields.create_group("state")
    for name in first.state:
        state.create_dataset(name, data=np.stack([np.asarray(s.state[name]) for s in solutions]), **options)
    state.attrs.update({
        "units": "1", "description": "nondimensional unknowns by field: potential phi/(kT/e), "
                                     "log_concentration ln(c_i/c_ref)",
        "length_scale_m": length, "concentration_scale_mol_per_m3": scales.concentration,
        "voltage_scale_V": scales.voltage,
    })

    obs = group.create_group("observables")
    obs.create_dataset("voltages", data=np.array([s.voltage for s in solutions])).attrs["units"] = "V"
    current = current_unit(flux_unit)
    obs.create_dataset("currents", data=np.array([s.current for s in solutions])).attrs["units"] = current
    obs.create_dataset("current_profile", data=np.stack([s.current_profile for s in solutions]),
                       **options).attrs["units"] = current
    obs.create_dataset("conservation_error",
                       data=np.array([s.conservation_error for s in solutions])).attrs["units"] = "1"
    if first.has_flow:
        obs.create_dataset("flow_rates", data=np.array([s.flow_rate for s in solutions])).attrs["units"] = \
            flow_unit(flux_unit)
    response = linear_response(solutions)
    if response is not None:
        linear = obs.create_group("linear_response")
        linear.attrs["voltage"] = response["voltage"]
        for name, unit in linear_response_units(flux_unit).items():
            linear.create_dataset(name, data=response[name]).attrs["units"] = unit
    fluxes = obs.create_group("fluxes")
    fluxes.attrs["units"] = flux_unit
    for index, ion in enumerate(species):
        data = fluxes.create_dataset(ion, data=np.array([s.fluxes[ion] for s in solutions]))
        data.attrs.update({"units": flux_unit, "index": index})

    diag = group.create_group("diagnostics")
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


def _point_name(index: int) -> str:
    return f"{index:04d}"


def _write_sweep_head(f, case, *, complete: bool) -> None:
    """Root attrs, /case and the /sweep table of all planned points of a ``[sweep]`` case."""
    import h5py

    from .case_sweep import swept_columns

    points = case.points()
    keys = list(points[0].values)
    _write_root_attrs(f, "sweep", case.name, complete)
    f.attrs.update({"sweep_mode": case.sweep.get("mode", "grid"), "point_count": len(points),
                    "sweep_keys": np.array(keys, dtype=h5py.string_dtype())})
    f.create_dataset("case", data=case.to_toml_text())
    table = f.create_group("sweep")
    table.create_dataset("keys", data=np.array(keys, dtype=h5py.string_dtype()))
    table.create_dataset("values", data=np.array([[str(p.values[k]) for k in keys] for p in points],
                                                 dtype=h5py.string_dtype()))
    columns = [swept_columns(case, p) for p in points]
    names = list(columns[0])
    si = np.array([[v if isinstance(v, float) else np.nan for v in c.values()] for c in columns])
    units = [name.rsplit(" [", 1)[1][:-1] if name.endswith("]") else "" for name in names]
    data = table.create_dataset("values_si", data=si)
    data.attrs["units"] = np.array(units, dtype=h5py.string_dtype())


def _write_point(points_group, point, kind: str, solutions, *, complete: bool) -> None:
    group = points_group.create_group(_point_name(point.index))
    _write_result(group, point.case, kind, solutions, complete=complete)
    group.attrs["index"] = point.index
    group.attrs.update({key: value for key, value in point.values.items()})


def save_result(path: str | Path, case, result) -> Path:
    """Write ``result`` of ``case`` (a :class:`~pnp.case.Case`) to HDF5: an IVCurve or a Solution,
    or for a ``[sweep]`` case a :class:`~pnp.case_sweep.SweepResult`."""
    import h5py

    from .case_sweep import SweepResult

    def write(temporary):
        with h5py.File(temporary, "w") as f:
            if isinstance(result, SweepResult):
                _write_sweep_head(f, case, complete=len(result.points) == len(case.points()))
                group = f.create_group("points")
                for point, one in zip(result.points, result.results):
                    _write_point(group, point, *_solutions(one), complete=True)
            else:
                kind, solutions = _solutions(result)
                _write_root_attrs(f, kind, case.name, True)
                _write_result(f, case, kind, solutions, complete=True)

    return atomic_output(path, write, suffix=".h5.tmp")


class ResultWriter:
    """Writes the result file of one run point by point, each update atomic; continues a
    previous run's file with ``resume=True``.

    Points are keyed by their sweep index (None for a case without ``[sweep]``). Every
    :meth:`write` rebuilds the file in a temporary file, copying the other points from the
    previous file, and renames it into place. Without ``resume`` an existing file is left
    alone until the first :meth:`write` replaces it.
    """

    def __init__(self, path: str | Path, case, *, resume: bool = False):
        from .case_sweep import check_same_case

        self.path = Path(path)
        self.case = case
        self._points = case.points()
        self._stored: dict = {}  # index → complete, for the points in the file at self.path
        self.resumed = bool(resume and self.path.exists())
        if self.resumed:
            stored = read_result_file(self.path, fields=False)
            check_same_case(stored["case_text"], case, self.path)
            if self._points:
                self._stored = {index: bool(group["complete"]) for index, group in stored["points"].items()}
            else:
                self._stored = {None: bool(stored["complete"])}
            self._voltages = {index: len(group["voltages"]) for index, group in stored.get("points", {}).items()}

    def is_complete(self, index: int | None) -> bool:
        return self._stored.get(index, False)

    def complete_count(self) -> int:
        return sum(self._stored.values())

    def describe(self) -> str:
        """What the file held when resuming, in words."""
        if not self._points:
            return "finished" if self.is_complete(None) else "continuing its I–V from the finished voltages"
        partial = [i for i, complete in self._stored.items() if not complete]
        text = f"{self.complete_count()} of {len(self._points)} sweep points finished"
        return text + "".join(f"; point {i} continues from its {self._voltages[i]} finished voltages" for i in partial)

    def finished_solutions(self, index: int | None) -> list:
        """The stored solutions of a point (rebuilt as :class:`~pnp.Solution` s); [] if not stored."""
        import h5py

        if index not in self._stored:
            return []
        with h5py.File(self.path, "r") as f:
            stored = _read_group(f if index is None else f["points"][_point_name(index)], fields=True)
        return _rebuild(stored, self.path)[1]

    def write(self, index: int | None, result, *, complete: bool) -> Path:
        """Put ``result`` (IVCurve or Solution) of point ``index`` into the file, atomically."""
        import h5py

        kind, solutions = _solutions(result)
        stored = {**self._stored, index: complete}
        previous = self.path if self._stored else None

        def write(temporary):
            with h5py.File(temporary, "w") as f:
                if index is None:
                    _write_root_attrs(f, kind, self.case.name, complete)
                    _write_result(f, self.case, kind, solutions, complete=complete)
                    return
                _write_sweep_head(f, self.case, complete=sum(stored.values()) == len(self._points))
                group = f.create_group("points")
                if previous is not None:
                    with h5py.File(previous, "r") as old:
                        for name in old["points"]:
                            if name != _point_name(index):
                                old.copy(old["points"][name], group, name=name)
                _write_point(group, self._points[index], kind, solutions, complete=complete)

        atomic_output(self.path, write, suffix=".h5.tmp")
        self._stored = stored
        return self.path


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _attrs(node) -> dict:
    return {k: (_text(v) if isinstance(v, (bytes, str)) else v) for k, v in node.attrs.items()}


def read_result_file(path: str | Path, *, fields: bool = True) -> dict:
    """Stored metadata and observables (no solver work): a dict of plain numpy values.

    For one case: path, attrs, complete, case_text, species, voltages, currents, fluxes,
    conservation_error, coordinates, diagnostics and (``fields=True``) state, potential,
    concentrations. For a ``[sweep]`` file (``attrs["kind"] == "sweep"``): path, attrs,
    complete, case_text, sweep (mode, keys, values as written per point, values_si, units)
    and points: {index: the dict above, for each point in the file}.
    """
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
        if _text(f.attrs.get("kind", "")) != "sweep":
            return {"path": path, **_read_group(f, fields)}
        table = f["sweep"]
        keys = [_text(k) for k in table["keys"][()]]
        return {
            "path": path, "attrs": _attrs(f), "complete": bool(f.attrs["complete"]),
            "case_text": _text(f["case"][()]),
            "sweep": {"mode": _text(f.attrs["sweep_mode"]), "keys": keys,
                      "values": [dict(zip(keys, map(_text, row))) for row in table["values"][()]],
                      "values_si": table["values_si"][()],
                      "units": [_text(u) for u in table["values_si"].attrs["units"]]},
            "points": {int(name): _read_group(f["points"][name], fields) for name in f["points"]},
        }


def _read_group(group, fields: bool) -> dict:
    """One case's stored result (the file root, or a sweep point's group)."""
    species = [_text(s) for s in group["species/names"][()]]
    out = {
        "attrs": _attrs(group),
        "complete": bool(group.attrs.get("complete", True)),
        "case_text": _text(group["case"][()]),
        "species": species,
        "voltages": group["observables/voltages"][()],
        "currents": group["observables/currents"][()],
        "fluxes": {ion: group["observables/fluxes"][ion][()] for ion in species},
        "conservation_error": group["observables/conservation_error"][()],
        "coordinates": {k: group["coordinates"][k][()] for k in group["coordinates"]},
        "diagnostics": {
            "newton_iterations": group["diagnostics/newton_iterations"][()],
            "newton_calls": group["diagnostics/newton_calls"][()],
            "converged": group["diagnostics/converged"][()],
            "residual_history": group["diagnostics/residual_history"][()],
            "continuation_steps": [json.loads(_text(t)) for t in group["diagnostics/continuation_steps"][()]],
        },
    }
    if "flow_rates" in group["observables"]:
        out["flow_rates"] = group["observables/flow_rates"][()]
    if "linear_response" in group["observables"]:
        linear = group["observables/linear_response"]
        out["linear_response"] = {"voltage": float(linear.attrs["voltage"]),
                                  **{name: float(linear[name][()]) for name in linear}}
    if fields:
        out.update({"state": _read_state(group["fields/state"]), "potential": group["fields/potential"][()],
                    "concentrations": group["fields/concentrations"][()]})
        out.update({name: group["fields"][name][()] for name in ("velocity", "pressure") if name in group["fields"]})
    return out


def _read_state(node) -> dict:
    """{field: (nv, …) array}; format 1 stored one packed (nv, nz, nr, 1 + N) array."""
    import h5py

    if isinstance(node, h5py.Group):
        return {name: node[name][()] for name in node}
    packed = node[()]
    return {"potential": packed[..., 0], "log_concentration": np.moveaxis(packed[..., 1:], -1, 1)}


def load_result(path: str | Path):
    """(case, result) from a file written by :func:`save_result` or ``pnp run``.

    ``result`` is an :class:`~pnp.IVCurve` or a :class:`~pnp.Solution` (as saved; an I–V of
    an interrupted run holds its finished voltages), rebuilt from the stored case and states;
    its observables recompute to the stored values. For a ``[sweep]`` case it is a
    :class:`~pnp.case_sweep.SweepResult` of the points in the file.

    Raises:
      FileNotFoundError: no file. ValueError: not a pnp result, or the grid rebuilt from
        the stored case differs from the stored coordinates (e.g. a different pnp version
        meshes differently).
    """
    from .case import Case
    from .case_sweep import SweepResult

    stored = read_result_file(path)
    if stored["attrs"].get("kind") != "sweep":
        case, solutions = _rebuild(stored, path)
        return case, _as_result(stored, solutions)
    case = Case.from_text(stored["case_text"])
    points = case.points()
    indices = sorted(stored["points"])
    results = tuple(_as_result(stored["points"][i], _rebuild(stored["points"][i], path)[1]) for i in indices)
    return case, SweepResult(case, tuple(points[i] for i in indices), results)


def _as_result(stored: dict, solutions: list):
    from .sweep import IVCurve

    return solutions[0] if stored["attrs"].get("kind") == "solution" else IVCurve(tuple(solutions))


def _rebuild(stored: dict, path) -> tuple:
    """(case, [Solution]) from one stored case result (``_read_group`` with fields)."""
    import jax.numpy as jnp

    from . import __version__
    from .case import Case
    from .physics.state import State
    from .problem import build_problem
    from .solution import Solution
    from .steady import SolveInfo

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
    return case, solutions
