"""Result tables as CSV, without pandas: one header row of ``name [unit]`` columns, one row per point.

Numbers are written with 17 significant digits, so :func:`read_csv` gives back exactly the
float64 values that :func:`write_csv` was given (a round trip loses nothing). Lines starting
with ``#`` before the header are comments (what the table is, where it came from).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np


def iv_table(iv) -> dict[str, np.ndarray]:
    """Columns of an :class:`~pnp.IVCurve`: voltage, current, each ion's flux, the volume flow
    rate (with solvent flow) and the Newton iterations per point, keyed ``name [unit]`` (units of
    the curve's geometry: A or A/m or A/m²)."""
    from .io import current_unit, flow_unit

    solutions = iv.solutions
    flux_unit = solutions[0].flux_unit
    table = {"voltage [V]": np.asarray(iv.voltages, dtype=float),
             f"current [{current_unit(flux_unit)}]": np.asarray(iv.currents, dtype=float)}
    for ion in solutions[0].species:
        table[f"flux {ion} [{flux_unit}]"] = np.asarray(iv.fluxes(ion), dtype=float)
    if solutions[0].has_flow:
        table[f"flow_rate [{flow_unit(flux_unit)}]"] = np.asarray(iv.flow_rates, dtype=float)
    if all(s.info is not None for s in solutions):
        table["newton_iterations [1]"] = np.array([s.info.newton_iterations for s in solutions], dtype=float)
    return table


def _cell(value) -> str:
    if isinstance(value, str):
        return value
    return format(float(value), ".17g")


def csv_text(table: Mapping[str, object], *, comments: tuple[str, ...] = ()) -> str:
    """CSV text of equal-length columns (numbers or strings), ``#`` comment lines first."""
    columns = {name: np.atleast_1d(np.asarray(values)) for name, values in table.items()}
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"table columns differ in length: { {k: len(v) for k, v in columns.items()} }")
    buffer = io.StringIO()
    for line in comments:
        buffer.write(f"# {line}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(columns))
    for row in zip(*columns.values()):
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def write_csv(path: str | Path, table: Mapping[str, object], *, comments: tuple[str, ...] = ()) -> Path:
    """Write ``table`` to ``path`` atomically (a temporary file renamed into place)."""
    from .io import atomic_output

    text = csv_text(table, comments=comments)
    return atomic_output(path, lambda temporary: Path(temporary).write_text(text, encoding="utf-8"),
                         suffix=".csv")


def read_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Columns of a CSV written by :func:`write_csv` (numbers as float64 arrays, else strings)."""
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines))
    if not rows:
        raise ValueError(f"{path}: no header row; not a table written by pnp")
    header, body = rows[0], rows[1:]
    table = {}
    for k, name in enumerate(header):
        values = [row[k] for row in body]
        try:
            table[name] = np.array([float(v) for v in values], dtype=np.float64)
        except ValueError:
            table[name] = np.array(values, dtype=object)
    return table


def stored_iv_table(stored: Mapping) -> dict[str, np.ndarray]:
    """:func:`iv_table`'s columns from a stored result (:func:`pnp.io.read_result_file`, or one
    point of a sweep file), without rebuilding solutions."""
    attrs = stored["attrs"]
    flux_unit = attrs.get("flux_unit", "")
    table = {"voltage [V]": np.asarray(stored["voltages"], dtype=float),
             f"current [{attrs.get('current_unit', 'A')}]": np.asarray(stored["currents"], dtype=float)}
    for ion in stored["species"]:
        table[f"flux {ion} [{flux_unit}]"] = np.asarray(stored["fluxes"][ion], dtype=float)
    if "flow_rates" in stored:
        table[f"flow_rate [{attrs['flow_unit']}]"] = np.asarray(stored["flow_rates"], dtype=float)
    table["newton_iterations [1]"] = np.asarray(stored["diagnostics"]["newton_iterations"], dtype=float)
    return table


def sweep_table(parts) -> dict[str, np.ndarray]:
    """Stack tables with leading columns: ``parts`` is a sequence of (leading, table) pairs,
    ``leading`` a mapping ``name [unit]`` → one value (e.g. the swept parameters of a point)
    repeated on every row of ``table``; all pairs must have the same columns."""
    parts = list(parts)
    if not parts:
        raise ValueError("sweep_table needs at least one (leading values, table) pair")
    names = list(parts[0][0]) + list(parts[0][1])
    columns: dict[str, list] = {name: [] for name in names}
    for leading, table in parts:
        if list(leading) + list(table) != names:
            raise ValueError(f"sweep_table: columns {list(leading) + list(table)} differ from {names}")
        rows = len(next(iter(table.values())))
        for name, value in leading.items():
            columns[name].extend([value] * rows)
        for name, values in table.items():
            columns[name].extend(np.atleast_1d(np.asarray(values)).tolist())
    return {name: np.asarray(values) for name, values in columns.items()}
