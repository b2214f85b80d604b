"""Case-file sweeps over any scalar input: the ``[sweep]`` points, running them, their tables.

A ``[sweep]`` section (format: :mod:`pnp.case`) gives lists of values for dotted paths into
the case tables, e.g. ``"electrolyte.salts.KCl" = ["1 mM", "10 mM"]``. ``mode = "grid"``
(default) runs every combination, the first key varying slowest; ``mode = "zip"`` runs the
i-th values of all lists together. Each point is a full :class:`~pnp.case.Case` (no
``[sweep]``) with the values substituted, validated when the case is loaded; its
``[voltage]`` section is the I–V (or zero-current search) solved at every point.

:func:`run_to_file` solves a case, with or without a sweep, and writes its HDF5 result after
every finished bias point and sweep point (:class:`pnp.io.ResultWriter`), so an interrupted
run keeps what it finished and ``resume=True`` continues it.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import numbers
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .case import (_MESH_FIELDS, _RESERVOIR_FIELDS, _SOLVER_FIELDS, CHANNEL_KINDS, FILLING_FIELDS, FLOW_FIELDS, KINDS,
                   SECTIONS, SITE_FIELDS, _toml_key)
from .interrupt import checkpoint
from .units import SI_UNITS, parse_quantity

MODES = ("grid", "zip")
MAX_POINTS = 10000
_BATH_OPTIONS = {"temperature": "temperature", "relative_permittivity": "dimensionless"}
_SOLVER_DIMENSIONS = {"max_iterations": None, "linear_solver": None}  # others: plain numbers


@dataclasses.dataclass(frozen=True)
class SweepPoint:
    """One point of a ``[sweep]``: its position, the swept values as written, its full case."""

    index: int
    values: dict  # dotted key → value as written in [sweep], e.g. {"electrolyte.salts.KCl": "10 mM"}
    case: object  # pnp.case.Case without [sweep]

    @property
    def label(self) -> str:
        """``key = value, …`` as written in the case file."""
        return ", ".join(f"{key} = {value}" for key, value in self.values.items())


# ---------------------------------------------------------------------- points
def sweepable(case) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Keys a ``[sweep]`` of ``case`` may use: dotted key → (path into the tables, dimension;
    None for solver counts and names)."""
    kind = case.geometry.get("kind")
    keys = {f"geometry.{field}": (("geometry", field), dim) for field, dim in KINDS.get(kind, {}).items()}
    if kind in CHANNEL_KINDS and (case.reservoirs or {}).get("enabled", True):
        keys.update({f"reservoirs.{f}": (("reservoirs", f), dim) for f, dim in _RESERVOIR_FIELDS.items()})
    sites = case.geometry.get("surface_charge")
    if isinstance(sites, Mapping):
        keys.update({f"geometry.surface_charge.{f}": (("geometry", "surface_charge", f), dim)
                     for f, dim in SITE_FIELDS.items()})
        keys.update({f"geometry.surface_charge.binding.{ion}": (("geometry", "surface_charge", "binding", ion),
                                                                 "association") for ion in sites.get("binding", {})})
    if kind in CHANNEL_KINDS and case.filling is not None:
        keys.update({f"filling.{f}": (("filling", f), dim) for f, dim in FILLING_FIELDS.items()})
    for section in ("electrolyte", "right"):
        table = getattr(case, section) or {}
        for salt in table.get("salts") or {}:
            keys[f"{section}.salts.{salt}"] = ((section, "salts", salt), "concentration")
        for ion in table:
            if ion not in ("salts", "pH") + tuple(_BATH_OPTIONS):
                keys[f"{section}.{ion}"] = ((section, ion), "concentration")
        if "pH" in table:
            keys[f"{section}.pH"] = ((section, "pH"), "dimensionless")
    keys.update({f"electrolyte.{key}": (("electrolyte", key), dim) for key, dim in _BATH_OPTIONS.items()})
    for ion in dict.fromkeys(case.build().electrolyte.names) | dict.fromkeys(case.ions or {}):
        keys[f"ions.{ion}.diffusivity"] = (("ions", ion, "diffusivity"), "diffusivity")
    if case.flow is not None:
        keys.update({f"flow.{key}": (("flow", key), dim) for key, dim in FLOW_FIELDS.items()})
    keys.update({f"mesh.{key}": (("mesh", key), dim) for key, dim in _MESH_FIELDS.items()})
    keys.update({f"solver.{key}": (("solver", key), _SOLVER_DIMENSIONS.get(key, "dimensionless"))
                 for key in _SOLVER_FIELDS})
    return keys


def sweep_points(case) -> tuple[SweepPoint, ...]:
    """The points of ``case.sweep``, each built and validated as a full case."""
    table = dict(case.sweep)
    mode = table.pop("mode", "grid")
    if mode not in MODES:
        raise ValueError(f"sweep.mode = {mode!r} is unknown; use \"grid\" (every combination) or \"zip\" "
                         "(lists of equal length, their i-th values taken together)")
    if not table:
        raise ValueError("[sweep] lists no values; add e.g. \"electrolyte.salts.KCl\" = [\"1 mM\", \"10 mM\"] "
                         "or remove the [sweep] section")
    known = sweepable(case)
    for key, values in table.items():
        _check_sweep_entry(key, values, known)
    if mode == "zip":
        lengths = {key: len(values) for key, values in table.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"sweep.mode = \"zip\" needs lists of equal length, got "
                             f"{', '.join(f'{k}: {n}' for k, n in lengths.items())}; make them equal or use "
                             "mode = \"grid\" (every combination)")
        combos = list(zip(*table.values()))
    else:
        combos = list(itertools.product(*table.values()))
    if len(combos) > MAX_POINTS:
        raise ValueError(f"[sweep] gives {len(combos)} points (more than {MAX_POINTS}); use shorter lists")
    return tuple(_point(case, index, dict(zip(table, combo)), known) for index, combo in enumerate(combos))


def _check_sweep_entry(key: str, values, known: dict) -> None:
    field = f"sweep.{_toml_key(key)}"
    if key not in known:
        raise ValueError(
            f"{field}: {key!r} is not a sweepable input of this case; sweepable keys are {', '.join(known)} "
            "(dotted paths into the case tables, quoted; salts and ions must be in the bath; [voltage] is "
            "the I–V swept at every point)"
        )
    if not isinstance(values, list) or not values or any(isinstance(v, (list, dict)) for v in values):
        raise ValueError(f"{field} = {values!r} must be a non-empty list of values written as in the case "
                         f"tables, e.g. {_toml_key(key)} = [\"1 mM\", \"10 mM\"]")


def _point(case, index: int, values: dict, known: dict) -> SweepPoint:
    from .case import Case

    tables = {section: getattr(case, section) for section in SECTIONS if section != "sweep"}
    tables = {section: None if table is None else dict(table) for section, table in tables.items()}
    for key, value in values.items():
        path = known[key][0]
        node = tables
        for part in path[:-1]:
            node[part] = dict(node.get(part) or {})  # copies each level it changes
            node = node[part]
        node[path[-1]] = value
    point = SweepPoint(index, values, None)
    try:
        built = Case(**tables, name=case.name, description=case.description)
    except ValueError as error:
        raise ValueError(f"[sweep] point {index} ({point.label}): {error}") from None
    return dataclasses.replace(point, case=built)


# ---------------------------------------------------------------------- solving
def solve_case(case, *, progress: bool = False, done=(), on_solution=None):
    """Solve a case without ``[sweep]``: an :class:`~pnp.IVCurve`, or a :class:`~pnp.Solution`
    for ``zero_current = true``. ``done``/``on_solution``: as for :func:`pnp.sweep.sweep`
    (finished bias points to keep; a call per newly solved one)."""
    from .api import zero_current_voltage
    from .sweep import sweep

    s = case.build()
    if s.zero_current:
        return zero_current_voltage(s.geometry, s.conditions)
    return sweep(s.geometry, s.conditions, s.voltages, progress=progress, done=done, on_solution=on_solution)


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """Results of a ``[sweep]`` case: one :class:`~pnp.IVCurve` or :class:`~pnp.Solution` per point
    (a file from an interrupted run may hold only some points: see ``points``)."""

    case: object
    points: tuple[SweepPoint, ...]
    results: tuple

    def table(self) -> dict[str, np.ndarray]:
        """One row per (point, voltage): the swept values (SI) then :func:`pnp.tables.iv_table`'s columns."""
        from .sweep import IVCurve
        from .tables import iv_table, sweep_table

        return sweep_table([(swept_columns(self.case, point),
                             iv_table(result if isinstance(result, IVCurve) else IVCurve((result,))))
                            for point, result in zip(self.points, self.results)])

    def to_csv(self, path) -> Path:
        """Write :meth:`table` as CSV (atomic); read back with :func:`pnp.tables.read_csv`."""
        from .tables import write_csv

        return write_csv(path, self.table(), comments=(CSV_COMMENT,))


CSV_COMMENT = ("pnp sweep; one row per (sweep point, voltage); swept values in SI; V = φ_left − φ_right, "
               "currents and fluxes positive along +z (left bath → right bath)")


def run_sweep(case, *, progress: bool = False) -> SweepResult:
    """Solve every point of ``case.sweep`` (in memory; :func:`run_to_file` writes as it goes)."""
    points = case.points()
    return SweepResult(case, points, tuple(solve_case(p.case, progress=progress) for p in points))


def swept_columns(case, point: SweepPoint) -> dict[str, object]:
    """``key [unit]`` → the swept value of ``point`` in SI (text stays text, with no unit)."""
    known = sweepable(case)
    columns = {}
    for key, value in point.values.items():
        dimension = known[key][1]
        if dimension is not None:
            columns[f"{key} [{SI_UNITS[dimension]}]"] = parse_quantity(value, dimension, field=key)
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            columns[f"{key} [1]"] = float(value)
        else:
            columns[key] = str(value)
    return columns


def stored_sweep_table(case, stored: dict) -> dict[str, np.ndarray]:
    """The :meth:`SweepResult.table` of a sweep result file (``read_result_file``, fields not needed)."""
    from .tables import stored_iv_table, sweep_table

    points = case.points()
    return sweep_table([(swept_columns(case, points[index]), stored_iv_table(group))
                        for index, group in sorted(stored["points"].items())])


# ---------------------------------------------------------------------- running to a file
def _log(message: str, enabled: bool) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


def check_same_case(stored_text: str, case, path) -> None:
    """ValueError unless a result file's stored case text is ``case``'s (for resuming)."""
    text = case.to_toml_text()
    if stored_text == text:
        return
    changed = next((line for line in difflib.unified_diff(stored_text.splitlines(), text.splitlines(), lineterm="",
                                                          n=0) if line[:1] in "+-" and line[:3] not in ("---", "+++")),
                   "")
    raise ValueError(
        f"cannot resume {path}: it was written for a different case (the case changed since that run; first "
        f"difference: {changed.strip()!r}); write to a new output folder, or start over without --resume "
        "(the old file is replaced once the first new point is finished)"
    )


def run_to_file(case, path, *, resume: bool = False, progress: bool = True) -> tuple[Path, object]:
    """Solve ``case`` and write its result to ``path`` (HDF5, :mod:`pnp.io`) as it goes.

    The file is replaced atomically after every finished bias point and sweep point, so it
    always holds every finished point (root attribute ``complete`` false until the end).
    ``resume=True`` continues the file at ``path`` if there is one: its stored case must equal
    ``case`` (else ValueError), finished sweep points are kept, and a partly finished I–V goes
    on from its stored states (same numbers as an uninterrupted run). Without ``resume`` an
    existing file is left alone until the first new point replaces it.

    Returns (path, result): ``result`` is the :class:`~pnp.IVCurve` or :class:`~pnp.Solution`
    of a case without ``[sweep]`` (None for a sweep, or when the resumed file was complete:
    read those back with :func:`pnp.io.load_result`).
    """
    from .io import ResultWriter
    from .progress import Progress

    writer = ResultWriter(path, case, resume=resume)
    if resume and writer.resumed:
        _log(f"  resuming {writer.path}: {writer.describe()}", progress)
    if case.sweep is None:
        return writer.path, _run_one(writer, None, case, progress)
    points = case.points()
    bar = Progress(len(points), "sweep point", enabled=progress, done=writer.complete_count())
    bar.begin()
    for point in points:
        if writer.is_complete(point.index):
            continue
        _log(f"  point {point.index}: {point.label}", progress)
        _run_one(writer, point.index, point.case, progress)
        bar.step(point.label)
        checkpoint()
    return writer.path, None


def _run_one(writer, index: int | None, case, progress: bool):
    """Solve one case (``index``: its sweep point, None without a sweep), writing each bias point;
    returns its result (None when the file already had it complete)."""
    from .sweep import IVCurve

    if writer.is_complete(index):
        return None
    setup = case.build()
    done = writer.finished_solutions(index)
    finished = list(done)

    def on_solution(solution):
        finished.append(solution)
        curve = IVCurve(tuple(sorted(finished, key=lambda s: s.voltage)))
        writer.write(index, curve, complete=len(finished) == len(setup.voltages))
        checkpoint()

    result = solve_case(case, progress=progress, done=done, on_solution=on_solution)
    if not writer.is_complete(index):  # a zero-current search, or nothing left to solve
        writer.write(index, result, complete=True)
    return result
