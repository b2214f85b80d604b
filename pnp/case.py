"""Case files: one simulation described in TOML, with the units written in the file.

A case file has these sections (lengths, concentrations, charges and voltages are text
with a unit — a bare number is rejected so that "10" cannot silently mean 10 m)::

    name = "cone_kcl"                    # optional; default: the file name without .toml
    description = "charged conical pore" # optional, free text

    [geometry]
    kind = "cone"                        # cylinder | cone | slit | membrane | wall
    tip_radius = "10 nm"
    base_radius = "200 nm"
    length = "2 um"
    surface_charge = "-0.05 C/m^2"       # or ionizable sites (charge regulation, pnp.SurfaceSites):
    # surface_charge = { density = "1 /nm^2", pK = 3.8, binding = { "Mg2+" = "10 L/mol" },
    #                    stern_capacitance = "0.2 F/m^2" }   # pK needs electrolyte.pH

    [reservoirs]                         # optional, channels only (cylinder, cone, slit)
    radius = "1 um"                      # optional (default 50 wider-mouth radii)
    length = "1 um"                      # optional (default: the radius)
    membrane_charge = "0 C/m^2"          # optional
    # enabled = false                    # baths directly at the pore ends instead

    [filling]                            # optional, channels only: a porous material inside
    thickness = "20 nm"                  #   (a MOF-filled tip): a pnp.Membrane's fields, placed
    fixed_charge = "-2 M"                #   from start (optional, default "0 nm": the left end)
    pore_radius = "0.405 nm"             #   pore terms as for kind = "membrane" below
    pore_permittivity = 30.0

    [electrolyte]                        # the left bath (tip side of a cone)
    salts = { KCl = "100 mM" }           # and/or ions: "K+" = "100 mM", "Cl-" = "100 mM"
    # temperature = "298.15 K"           # optional; relative_permittivity = 78.5 optional
    # pH = 7.0                           # optional: adds H+ and OH- (pnp.Electrolyte.from_salts)

    [right]                              # optional right bath, same form (same ions)
    salts = { KCl = "10 mM" }

    [ions]                               # optional per-ion properties (default: pnp.ions database)
    "K+" = { diffusivity = "1.96e-9 m^2/s" }   # m^2/s, cm^2/s or um^2/s; ions of the baths only

    [voltage]                            # V = φ_left − φ_right; one of:
    start = "-1 V"                       #   start, stop, step (stop included)
    stop = "1 V"
    step = "0.1 V"
    # values = ["-1 V", "0 V", "1 V"]    #   an explicit list
    # zero_current = true                #   the reversal (membrane) potential; needs [right]
    #                                    #   or a [flow] pressure (the streaming potential)

    [flow]                               # optional, cylinder and slit: solvent (Stokes) flow
    pressure = "1 bar"                   # p_left − p_right: Pa, kPa, MPa, bar, mbar, atm (default 0)
    viscosity = "0.8903 mPa s"           # optional: Pa s, mPa s, cP (default: water at 25 °C)
    # enabled = false                    # the same case without flow

    [mesh]                               # optional: refinement, growth (numbers),
    refinement = 0.5                     #   wall_cell, max_cell (lengths)

    [solver]                             # optional Newton options: max_iterations,
    max_iterations = 40                  #   linear_solver, step_tolerance, residual_tolerance, max_step

    [sweep]                              # optional: repeat the case over other inputs
    mode = "grid"                        #   "grid" (every combination, first key slowest; default)
    "electrolyte.salts.KCl" = ["1 mM", "10 mM", "100 mM"]   # or "zip" (equal-length lists,
    "geometry.surface_charge" = ["-0.01 C/m^2", "-0.05 C/m^2"] #   i-th values together)

Geometry fields by kind (all required unless marked optional):

* ``cylinder``: radius, length, surface_charge;
* ``cone``: tip_radius, base_radius, length, surface_charge (tip on the left, tip ≤ base);
* ``slit``: height (full), length, surface_charge (planar: results per metre of depth);
* ``membrane``: thickness, fixed_charge (e.g. "-100 mM", negative for cation exchange),
  bath_layer (optional) — 1D, results per m²; optional pore terms (:class:`pnp.Membrane`):
  pore_radius (e.g. "0.5 nm"), pore_permittivity (a plain number, e.g. 40.0), wall_coordination
  (a plain number in [0, 1], with dehydration), the switches
  steric, dielectric, hindrance, dehydration (true/false) and the choices pore_shape
  ("cylinder", "slit") and ion_radius ("stokes", "hydrated", "bare");
* ``wall``: surface_charge, length (optional) — 1D charged wall facing one bath; no
  ``[right]``, and the voltage (if given) must be 0.

``geometry.surface_charge`` of a channel or wall may instead be a table of ionizable sites
(:class:`pnp.SurfaceSites`): density (required), pK, binding (ion → association constant) and
stern_capacitance; a pK needs H⁺ in the baths (``pH`` in [electrolyte] and [right]).

``[filling]`` (channels only; :class:`pnp.Channel`'s ``filling``): thickness and fixed_charge
(required), start (optional, its distance from the channel's left end), and the optional pore
terms of a membrane (pore_radius, pore_permittivity, wall_coordination, the switches and
choices).

:meth:`Case.run` returns an :class:`~pnp.IVCurve` for a voltage list (even of one voltage)
and a :class:`~pnp.Solution` for ``zero_current = true`` (membrane potential
``-solution.voltage``).

Sweeps: each ``[sweep]`` key is a dotted path into the tables above (quote it, or write
``ions."K+".diffusivity = [...]``) with a list of values written as in that table. Any scalar
input may be swept: geometry and reservoir fields, salt and ion concentrations of either bath
(``"right.salts.KCl"``), ``electrolyte.temperature``, ``electrolyte.relative_permittivity``,
``"ions.K+.diffusivity"``, ``flow.pressure`` and ``flow.viscosity`` (with ``[flow]``), mesh and
solver fields; salts and ions must already be in the bath.
The ``[voltage]`` section stays the I–V (or zero-current search) run at every point. Every
point is validated when the case is loaded (errors name the point and its values); the case
without ``[sweep]`` must itself be valid. :meth:`Case.points` gives the points,
:meth:`Case.run` a :class:`~pnp.case_sweep.SweepResult`, and ``pnp run`` writes all points to
one HDF5 file (see :mod:`pnp.io`; ``--resume`` continues an interrupted run, ``--csv`` adds a
table with one row per point and voltage).

Every malformed entry raises :class:`ValueError` with one paragraph that names the TOML
field (e.g. ``geometry.tip_radius``) and says what to change.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import numbers
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .electrolyte import SALTS, Electrolyte, _add_water_ions
from .guards import check_voltage
from .geometry import ChargedWall, Cone, Cylinder, Membrane, Mesh, Reservoirs, Slit
from .ions import ION_DATABASE, Ion, get_ion
from .conditions import Conditions
from .linalg.registry import methods
from .pore import ION_RADII, PORE_SHAPES
from .sites import SurfaceSites
from .solver import NewtonOptions
from .units import parse_quantity

KINDS: dict[str, dict[str, str]] = {
    "cylinder": {"radius": "length", "length": "length", "surface_charge": "surface_charge"},
    "cone": {"tip_radius": "length", "base_radius": "length", "length": "length",
             "surface_charge": "surface_charge"},
    "slit": {"height": "length", "length": "length", "surface_charge": "surface_charge"},
    "membrane": {"thickness": "length", "fixed_charge": "fixed_charge", "bath_layer": "length",
                 "pore_radius": "length", "pore_permittivity": "dimensionless",
                 "wall_coordination": "dimensionless"},
    "wall": {"surface_charge": "surface_charge", "length": "length"},
}
"""Geometry kinds and their fields (name → dimension)."""

OPTIONAL_FIELDS = {"membrane": {"bath_layer", "pore_radius", "pore_permittivity", "wall_coordination"},
                   "wall": {"length"}}
FILLING_FIELDS = {"thickness": "length", "fixed_charge": "fixed_charge", "start": "length",
                  "pore_radius": "length", "pore_permittivity": "dimensionless", "wall_coordination": "dimensionless"}
"""Fields of ``[filling]`` (name → dimension); thickness and fixed_charge are required."""
MEMBRANE_SWITCHES = ("steric", "dielectric", "hindrance", "dehydration")
"""True/false keys of a membrane's pore terms (defaults: those of :class:`pnp.Membrane`)."""
MEMBRANE_CHOICES = {"pore_shape": PORE_SHAPES, "ion_radius": ION_RADII}
"""Text keys of a membrane's pore terms and their allowed values."""
CHANNEL_KINDS = ("cylinder", "cone", "slit")
SITE_FIELDS = {"density": "site_density", "pK": "dimensionless", "stern_capacitance": "capacitance"}
"""Fields of a ``geometry.surface_charge`` table (:class:`pnp.SurfaceSites`; and binding: ion → association)."""
_EXAMPLES = {
    "radius": '"5 nm"', "tip_radius": '"10 nm"', "base_radius": '"200 nm"', "length": '"1 um"',
    "height": '"10 nm"', "thickness": '"20 um"', "bath_layer": '"30 nm"',
    "surface_charge": '"-0.05 C/m^2"', "fixed_charge": '"-100 mM"', "wall_cell": '"0.1 nm"',
    "max_cell": '"50 nm"', "start": '"-1 V"', "stop": '"1 V"', "step": '"0.1 V"', "temperature": '"298.15 K"',
    "membrane_charge": '"0 C/m^2"',
}
_UNIT_EXAMPLES = {"length": '"5 nm"', "concentration": '"100 mM"', "fixed_charge": '"-100 mM"',
                  "surface_charge": '"-0.05 C/m^2"', "voltage": '"0.5 V"', "temperature": '"298.15 K"',
                  "diffusivity": '"1.96e-9 m^2/s"', "pressure": '"1 bar"', "viscosity": '"0.8903 mPa s"'}
SECTIONS = ("geometry", "reservoirs", "filling", "electrolyte", "right", "ions", "voltage", "flow", "mesh",
            "solver", "sweep")
_OPTIONAL_SECTIONS = ("right", "reservoirs", "filling", "ions", "flow", "sweep")  # None when absent
_TOP_LEVEL = ("name", "description") + SECTIONS
_RESERVOIR_FIELDS = {"radius": "length", "length": "length", "membrane_charge": "surface_charge"}
FLOW_FIELDS = {"pressure": "pressure", "viscosity": "viscosity"}
"""Fields of ``[flow]`` (name → dimension), besides the switch ``enabled``."""
FLOW_KINDS = CHANNEL_KINDS
"""Geometry kinds that take ``[flow]`` (2D channels)."""
_MESH_FIELDS = {"refinement": "dimensionless", "growth": "dimensionless", "wall_cell": "length",
                "max_cell": "length"}
_SOLVER_FIELDS = ("max_iterations", "linear_solver", "step_tolerance", "residual_tolerance", "max_step")


@dataclasses.dataclass(frozen=True)
class Setup:
    """What a case builds: a geometry, its :class:`~pnp.Conditions` and what to solve (SI)."""

    geometry: object
    conditions: Conditions
    voltages: np.ndarray | None  # V, ascending; None for a zero-current case
    zero_current: bool

    @property
    def electrolyte(self) -> Electrolyte:
        """The left bath."""
        return self.conditions.electrolyte

    @property
    def right(self) -> Electrolyte | None:
        """The right bath as written (None: same as the left)."""
        return self.conditions.right

    @property
    def mesh(self) -> Mesh:
        return self.conditions.mesh

    @property
    def options(self) -> NewtonOptions:
        return self.conditions.options


@dataclasses.dataclass(frozen=True)
class Case:
    """A simulation case: the TOML tables as written (units kept as text), validated on creation.

    Build with :meth:`from_file`, :meth:`from_text` or :meth:`from_dict`; :meth:`build`
    gives the SI inputs, :meth:`run` solves, :meth:`to_toml_text` writes it back (round trip).
    """

    geometry: dict
    electrolyte: dict
    voltage: dict = dataclasses.field(default_factory=dict)
    right: dict | None = None
    reservoirs: dict | None = None
    filling: dict | None = None
    mesh: dict = dataclasses.field(default_factory=dict)
    solver: dict = dataclasses.field(default_factory=dict)
    name: str = "case"
    description: str = ""
    ions: dict | None = None
    flow: dict | None = None
    sweep: dict | None = None
    _setup: Setup | None = dataclasses.field(default=None, init=False, repr=False, compare=False)
    _points: tuple = dataclasses.field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9_.+-]+", self.name):
            raise ValueError(
                f"name = {self.name!r} is not usable as a file name; use letters, digits, '_', '-', '.' "
                "(output files are named after it)"
            )
        if not isinstance(self.description, str):
            raise ValueError(f"description must be text, got {self.description!r}")
        for section in SECTIONS:
            value = getattr(self, section)
            if value is None and section in _OPTIONAL_SECTIONS:
                continue
            if not isinstance(value, Mapping):
                raise ValueError(f"[{section}] must be a table, got {value!r}")
            object.__setattr__(self, section, copy.deepcopy(dict(value)))
        if self.sweep is not None:
            object.__setattr__(self, "sweep", _flat_keys(self.sweep))
        object.__setattr__(self, "_setup", _build(self))
        if self.sweep is not None:
            from .case_sweep import sweep_points

            object.__setattr__(self, "_points", sweep_points(self))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, data: Mapping, *, name: str | None = None) -> Case:
        """Case from parsed TOML tables; ``name`` is used when the data has no ``name``."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a case must be a table of sections, got {type(data).__name__}")
        unknown = [key for key in data if key not in _TOP_LEVEL]
        if unknown:
            raise ValueError(
                f"unknown top-level entry {unknown[0]!r} in the case file; a case has the sections "
                f"{', '.join('[' + s + ']' for s in SECTIONS)} and the optional keys name, description "
                "(check the spelling and that section headers are in square brackets)"
            )
        for section in ("geometry", "electrolyte"):
            if section not in data:
                raise ValueError(f"the case file has no [{section}] section; add it (see pnp.case for the format)")
        kind = data["geometry"].get("kind") if isinstance(data["geometry"], Mapping) else None
        if "voltage" not in data and kind != "wall":
            raise ValueError(
                "the case file has no [voltage] section; add one with values = [\"0 V\"], or start, "
                "stop, step, or zero_current = true"
            )
        kwargs = {key: data[key] for key in SECTIONS if key in data}
        for key in ("name", "description"):
            if key in data:
                kwargs[key] = data[key]
        if "name" not in data and name is not None:
            kwargs["name"] = re.sub(r"[^A-Za-z0-9_.+-]", "_", name) or "case"
        return cls(**kwargs)

    @classmethod
    def from_text(cls, text: str, *, name: str | None = None) -> Case:
        """Case from TOML text."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"the case file is not valid TOML: {error}; fix the syntax there "
                             "(text values need quotes, e.g. radius = \"5 nm\")") from None
        return cls.from_dict(data, name=name)

    @classmethod
    def from_file(cls, path: str | Path) -> Case:
        """Case from a ``.toml`` file; its default name is the file name without extension."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"case file {str(path)!r} not found; give the path of a .toml case file")
        try:
            return cls.from_text(path.read_text(encoding="utf-8"), name=path.stem)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    def replace(self, **sections) -> Case:
        """A new, re-validated case with whole sections (or name/description) replaced."""
        return dataclasses.replace(self, **sections)

    # ------------------------------------------------------------------ use
    def build(self) -> Setup:
        """SI inputs: geometry, electrolyte (left), right, voltages, zero_current, mesh, options
        (of the case as written, ``[sweep]`` ignored; see :meth:`points`)."""
        return self._setup

    def points(self) -> tuple:
        """The :class:`~pnp.case_sweep.SweepPoint` s of ``[sweep]`` (each a full case); () without it."""
        return self._points

    def run(self, *, progress: bool = False):
        """Solve the case: an :class:`~pnp.IVCurve`, or a :class:`~pnp.Solution` at zero current;
        with ``[sweep]`` a :class:`~pnp.case_sweep.SweepResult` holding one of those per point."""
        from .case_sweep import run_sweep, solve_case

        return run_sweep(self, progress=progress) if self.sweep is not None else solve_case(self, progress=progress)

    def summary(self) -> str:
        """One line describing the geometry and baths, as written in the file."""
        geometry = ", ".join(f"{k} {v}" for k, v in self.geometry.items() if k != "kind")
        baths = _describe_bath(self.electrolyte)
        if self.right is not None:
            baths += " | " + _describe_bath(self.right)
        return f"{self.geometry.get('kind')}: {geometry}; bath {baths}"

    def to_toml_text(self) -> str:
        """The case as TOML text; ``Case.from_text(case.to_toml_text()) == case``."""
        lines = [f"name = {_toml_value(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml_value(self.description)}")
        for section in SECTIONS:
            table = getattr(self, section)
            if table is None or (not table and section in ("mesh", "solver", "voltage")):
                continue
            lines += ["", f"[{section}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- TOML writing
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _flat_keys(table: Mapping, prefix: str = "") -> dict:
    """``[sweep]`` with nested tables (unquoted dotted keys) as one table of dotted keys."""
    flat = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flat_keys(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"cannot write {value!r} to TOML")


def _describe_bath(table: Mapping) -> str:
    parts = [f"{k} {v}" for k, v in (table.get("salts") or {}).items()]
    parts += [f"{k} {v}" for k, v in table.items() if k not in ("salts", "temperature", "relative_permittivity")]
    return ", ".join(parts)


# ---------------------------------------------------------------------- parsing
def _pore_options(table: Mapping, section: str) -> dict:
    """The switches and choices of a membrane's pore terms given in [``section``] (checked)."""
    options = {}
    for key in MEMBRANE_SWITCHES:
        if key in table:
            if not isinstance(table[key], bool):
                raise ValueError(f"{section}.{key} = {table[key]!r} must be true or false")
            options[key] = table[key]
    for key, allowed in MEMBRANE_CHOICES.items():
        if key in table:
            if table[key] not in allowed:
                raise ValueError(f"{section}.{key} = {table[key]!r} is unknown; use one of "
                                 f"{', '.join(repr(a) for a in allowed)}")
            options[key] = table[key]
    if options and "pore_radius" not in table and "pore_permittivity" not in table:
        raise ValueError(f"{section}.{next(iter(options))} only acts on pore terms; give {section}.pore_radius "
                         "(e.g. pore_radius = \"0.5 nm\"), or remove it")
    return options


def _pore_membrane(table: Mapping, section: str, values: Mapping, bath_layer=None) -> Membrane:
    """The :class:`Membrane` of [``section``]'s checked ``values`` and its pore switches and choices."""
    return Membrane(values["thickness"], values["fixed_charge"], bath_layer, pore_radius=values["pore_radius"],
                    pore_permittivity=values["pore_permittivity"],
                    wall_coordination=values["wall_coordination"] or 0.0, **_pore_options(table, section))


def _sites(table: Mapping) -> SurfaceSites:
    """:class:`SurfaceSites` from a ``geometry.surface_charge`` table (checked)."""
    section = "geometry.surface_charge"
    _check_keys(table, section, (*SITE_FIELDS, "binding"))
    values = {key: _quantity(table, section, key, dimension, required=key == "density",
                             example={"density": '"1 /nm^2"', "pK": "3.8", "stern_capacitance": '"0.2 F/m^2"'}[key])
              for key, dimension in SITE_FIELDS.items()}
    binding = table.get("binding", {})
    if not isinstance(binding, Mapping):
        raise ValueError(f"{section}.binding = {binding!r} must be a table of association constants, e.g. "
                         "binding = { \"Mg2+\" = \"10 L/mol\" }")
    values["binding"] = {ion: _parse(constant, "association", f"{section}.binding.{_toml_key(ion)}", '"10 L/mol"')
                         for ion, constant in binding.items()}
    try:
        return SurfaceSites(**values)
    except ValueError as error:
        raise ValueError(f"{section}: {error}; fix the fields of the surface_charge table") from None


def _filling(case: Case, kind: str) -> dict:
    """``filling=``, ``filling_start=`` of a channel from [filling] (empty without one)."""
    if case.filling is None:
        return {}
    if kind not in CHANNEL_KINDS:
        raise ValueError(f"[filling] only applies to channels ({', '.join(CHANNEL_KINDS)}), not to geometry.kind = "
                         f"{kind!r}; remove the [filling] section (a membrane's pore terms go in [geometry])")
    _check_keys(case.filling, "filling", (*FILLING_FIELDS, *MEMBRANE_SWITCHES, *MEMBRANE_CHOICES))
    values = {key: _quantity(case.filling, "filling", key, dimension,
                             required=key in ("thickness", "fixed_charge"),
                             positive=dimension == "length" and key != "start",
                             example='"0 nm"' if key == "start" else _EXAMPLES.get(key))
              for key, dimension in FILLING_FIELDS.items()}
    if values["start"] is not None and values["start"] < 0:
        raise ValueError(f"filling.start = {case.filling['start']!r} must be ≥ 0: the distance of the filling from the "
                         "channel's left end (the tip of a cone)")
    try:
        membrane = _pore_membrane(case.filling, "filling", values)
    except ValueError as error:
        raise ValueError(f"[filling]: {error}; fix the fields of [filling]") from None
    return {"filling": membrane, "filling_start": values["start"] or 0.0}


def _check_keys(table: Mapping, section: str, allowed, what: str = "") -> None:
    for key in table:
        if key not in allowed:
            raise ValueError(
                f"unknown field {section}.{key}{what}; [{section}] accepts {', '.join(allowed) or 'no fields'} "
                "— check the spelling or remove it"
            )


def _quantity(table: Mapping, section: str, key: str, dimension: str, *, required=True, positive=False,
              example: str | None = None):
    field = f"{section}.{key}"
    if key not in table:
        if required:
            hint = f" = {example}" if example else ""
            raise ValueError(f"{field} is missing; add it to [{section}] (e.g. {key}{hint})")
        return None
    value = table[key]
    if dimension == "dimensionless" and isinstance(value, str):
        raise ValueError(f"{field} = {value!r} must be a plain number without quotes, e.g. {key} = 1.0")
    value_si = _parse(value, dimension, field, example or _UNIT_EXAMPLES.get(dimension))
    if not math.isfinite(value_si):
        raise ValueError(f"{field} = {table[key]!r} must be finite")
    if positive and not value_si > 0:
        raise ValueError(f"{field} = {table[key]!r} must be positive; give a value > 0"
                         + (f", e.g. {key} = {example}" if example else ""))
    return value_si


def _parse(value, dimension: str, field: str, example: str | None = None) -> float:
    """parse_quantity with a case-file message for bare numbers (which would be ambiguous)."""
    if dimension != "dimensionless" and isinstance(value, numbers.Real) and not isinstance(value, bool):
        key = field.rsplit(".", 1)[-1]
        hint = f", e.g. {key} = {example}" if example and not key.endswith("]") else (f", e.g. {example}" if example else "")
        raise ValueError(f"{field} = {value!r} has no unit; write it as text with its unit{hint} "
                         "(bare numbers are rejected so that SI and nm cannot be confused)")
    return parse_quantity(value, dimension, field=field)


def _build(case: Case) -> Setup:
    geometry_table = case.geometry
    kind = geometry_table.get("kind")
    if kind is None:
        raise ValueError(f"geometry.kind is missing; set it to one of {', '.join(KINDS)}")
    if kind not in KINDS:
        raise ValueError(f"geometry.kind = {kind!r} is unknown; use one of {', '.join(KINDS)}")
    fields = KINDS[kind]
    options = (*MEMBRANE_SWITCHES, *MEMBRANE_CHOICES) if kind == "membrane" else ()
    _check_keys(geometry_table, "geometry", ("kind",) + tuple(fields) + options, f" for kind = {kind!r}")
    values = {
        key: _sites(geometry_table[key]) if key == "surface_charge" and isinstance(geometry_table.get(key), Mapping)
        else _quantity(geometry_table, "geometry", key, dimension, required=key not in OPTIONAL_FIELDS.get(kind, ()),
                       positive=dimension == "length", example=_EXAMPLES.get(key))
        for key, dimension in fields.items()
    }
    if kind == "cone" and values["tip_radius"] > values["base_radius"]:
        raise ValueError(
            f"geometry.tip_radius = {geometry_table['tip_radius']!r} must not exceed geometry.base_radius = "
            f"{geometry_table['base_radius']!r}: the tip is on the left by convention; swap the two radii "
            "(and the bath sections and the sign of the voltages if the orientation matters)"
        )

    # reservoirs
    reservoirs = Reservoirs()
    if case.reservoirs is not None:
        table = case.reservoirs
        if kind not in CHANNEL_KINDS:
            raise ValueError(f"[reservoirs] only applies to channels ({', '.join(CHANNEL_KINDS)}), "
                             f"not to geometry.kind = {kind!r}; remove the [reservoirs] section")
        _check_keys(table, "reservoirs", ("enabled",) + tuple(_RESERVOIR_FIELDS))
        if not _enabled(table, "reservoirs"):
            if len(table) > 1:
                raise ValueError("reservoirs.enabled = false puts the baths at the pore ends; remove the other "
                                 "[reservoirs] fields or set enabled = true")
            reservoirs = None
        else:
            res = {key: _quantity(table, "reservoirs", key, dim, required=False, positive=dim == "length",
                                  example="'1 um'") for key, dim in _RESERVOIR_FIELDS.items()}
            mouth = {"cylinder": values.get("radius"), "cone": values.get("base_radius"),
                     "slit": 0.5 * values["height"] if kind == "slit" else None}[kind]
            if res["radius"] is not None and res["radius"] <= mouth:
                raise ValueError(f"reservoirs.radius = {table['radius']!r} must exceed the channel mouth "
                                 f"radius ({mouth:.6g} m); make the reservoirs wider")
            reservoirs = Reservoirs(res["radius"], res["length"],
                                    0.0 if res["membrane_charge"] is None else res["membrane_charge"])

    filling = _filling(case, kind)
    try:
        if kind == "cylinder":
            geometry = Cylinder(values["radius"], values["length"], values["surface_charge"], reservoirs, **filling)
        elif kind == "cone":
            geometry = Cone(values["tip_radius"], values["base_radius"], values["length"],
                            values["surface_charge"], reservoirs, **filling)
        elif kind == "slit":
            geometry = Slit(values["height"], values["length"], values["surface_charge"], reservoirs, **filling)
        elif kind == "membrane":
            geometry = _pore_membrane(geometry_table, "geometry", values, values["bath_layer"])
        else:
            geometry = ChargedWall(values["surface_charge"], values["length"])
    except ValueError as error:
        raise ValueError(f"[geometry] (kind = {kind!r}): {error}; fix the fields of [geometry]") from None

    # baths
    custom = _ion_overrides(case.ions)
    left = _electrolyte(case.electrolyte, "electrolyte", custom=custom)
    for name in custom:
        if name not in left.names:
            raise ValueError(f"ions.{_toml_key(name)}: ion {name!r} is not in the baths (species "
                             f"{', '.join(left.names)}); remove it from [ions]")
    right = None
    if case.right is not None:
        if kind == "wall":
            raise ValueError("[right] does not apply to geometry.kind = 'wall' (a wall faces one bath); "
                             "remove the [right] section")
        if ("pH" in case.electrolyte) != ("pH" in case.right):
            raise ValueError("give pH in both [electrolyte] and [right], or in neither (a pH adds H+ and OH-, and the "
                             "baths need the same ions)")
        right = _electrolyte(case.right, "right", like=left)
    if isinstance(values.get("surface_charge"), SurfaceSites):
        try:  # the sites meet the ions here: a pK without H⁺ or an unknown binding ion fails now
            values["surface_charge"].association_constants(left)
        except ValueError as error:
            raise ValueError(f"geometry.surface_charge (sites) with the ions of [electrolyte]: {error}; for a pK "
                             "add pH = 7.0 to [electrolyte] (and [right])") from None
    pores = {"geometry": geometry} if kind == "membrane" else {"filling": filling.get("filling")}
    for section, membrane in pores.items():
        if membrane is None:
            continue
        try:  # the pore terms meet the ions here: an ion as large as the pore fails now, not mid-run
            membrane.pore_transport(left)
        except ValueError as error:
            raise ValueError(f"[{section}] with the ions of [electrolyte]: {error}") from None

    # voltages
    flow = _flow(case.flow, kind)
    voltages, zero_current = _voltages(case.voltage, kind, right, pressure=flow.get("pressure", 0.0))

    # mesh and solver
    _check_keys(case.mesh, "mesh", tuple(_MESH_FIELDS))
    mesh_values = {key: _quantity(case.mesh, "mesh", key, dim, required=False, positive=True)
                   for key, dim in _MESH_FIELDS.items()}
    if mesh_values["growth"] is not None and not mesh_values["growth"] > 1:
        raise ValueError(f"mesh.growth = {case.mesh['growth']!r} must be > 1 (ratio of neighbouring cells), "
                         "e.g. growth = 1.15")
    mesh = Mesh(**{k: v for k, v in mesh_values.items() if v is not None})
    options = _options(case.solver)
    conditions = Conditions(left, right=right, mesh=mesh, options=options, **flow)
    return Setup(geometry, conditions, voltages, zero_current)


def _enabled(table: Mapping, section: str) -> bool:
    """The ``enabled`` switch of an optional section (true when not given)."""
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"{section}.enabled = {enabled!r} must be true or false")
    return enabled


def _flow(table: Mapping | None, kind: str) -> dict:
    """``[flow]``: the flow, pressure and viscosity keywords of :class:`~pnp.Conditions` ({} without it)."""
    if table is None:
        return {}
    if kind not in FLOW_KINDS:
        raise ValueError(f"[flow] does not apply to geometry.kind = {kind!r} (flow is solved in 2D channels only); "
                         f"use kind = {' or '.join(repr(k) for k in FLOW_KINDS)}, or remove the [flow] section")
    _check_keys(table, "flow", ("enabled",) + tuple(FLOW_FIELDS))
    if not _enabled(table, "flow"):
        return {}
    values = {key: _quantity(table, "flow", key, dimension, required=False, positive=key == "viscosity",
                             example=_UNIT_EXAMPLES[dimension]) for key, dimension in FLOW_FIELDS.items()}
    return {"flow": True, **{key: value for key, value in values.items() if value is not None}}


def _ion_overrides(table: Mapping | None) -> dict[str, Ion]:
    """``[ions]``: canonical ion name → its database :class:`~pnp.ions.Ion` with the fields given."""
    overrides: dict[str, Ion] = {}
    for key, fields in (table or {}).items():
        section = f"ions.{_toml_key(key)}"
        try:
            ion = get_ion(key)
        except ValueError:
            raise ValueError(f"{section}: unknown ion {key!r}; known ions are {', '.join(ION_DATABASE)}; "
                             "use the name of an ion of the baths") from None
        if not isinstance(fields, Mapping) or not fields:
            raise ValueError(f"{section} = {fields!r} must be a table of ion properties, e.g. "
                             f"{_toml_key(key)} = {{ diffusivity = \"1.96e-9 m^2/s\" }}")
        _check_keys(fields, section, ("diffusivity",))
        if ion.name in overrides:
            raise ValueError(f"{section}: ion {ion.name!r} is given twice in [ions] (directly or through an "
                             "alias); give it once")
        diffusivity = _quantity(fields, section, "diffusivity", "diffusivity", positive=True,
                                example='"1.96e-9 m^2/s"')
        overrides[ion.name] = dataclasses.replace(ion, diffusivity=diffusivity,
                                                  source=f"case file [ions]; database: {ion.source}")
    return overrides


def _electrolyte(table: Mapping, section: str, like: Electrolyte | None = None,
                 custom: Mapping[str, Ion] | None = None) -> Electrolyte:
    if not isinstance(table, Mapping) or not table:
        raise ValueError(f"[{section}] is empty; give salts = {{ KCl = \"100 mM\" }} or ions such as "
                         "\"K+\" = \"100 mM\", \"Cl-\" = \"100 mM\"")
    ions: dict[str, float] = {}
    options = {}
    for key, value in table.items():
        if key == "salts":
            if not isinstance(value, Mapping) or not value:
                raise ValueError(f"{section}.salts = {value!r} must be a table of salt concentrations, "
                                 "e.g. salts = { KCl = \"100 mM\" }")
            for salt, amount in value.items():
                field = f"{section}.salts.{salt}"
                if salt not in SALTS:
                    raise ValueError(f"{field}: unknown salt {salt!r}; known salts are {', '.join(SALTS)}; "
                                     f"for other compositions list the ions in [{section}], e.g. \"K+\" = \"100 mM\"")
                c = _parse(amount, "concentration", field, '"100 mM"')
                if not (math.isfinite(c) and c > 0):
                    raise ValueError(f"{field} = {amount!r} must be a positive concentration; leave out a salt "
                                     "that is absent")
                for ion, count in SALTS[salt].items():
                    ions[ion] = ions.get(ion, 0.0) + count * c
        elif key == "pH":
            options["pH"] = _quantity(table, section, key, "dimensionless", example="7.0")
        elif key in ("temperature", "relative_permittivity"):
            if section != "electrolyte":
                raise ValueError(f"{section}.{key}: temperature and relative_permittivity are shared by both "
                                 f"baths; set them in [electrolyte] only and remove {section}.{key}")
            dimension = "temperature" if key == "temperature" else "dimensionless"
            options[key] = _quantity(table, section, key, dimension, positive=True,
                                     example="'298.15 K'" if key == "temperature" else "78.5")
        else:
            field = f"{section}.{_toml_key(key)}"
            try:
                ion = get_ion(key).name
            except ValueError:
                raise ValueError(f"{field}: unknown ion {key!r}; known ions are {', '.join(ION_DATABASE)}; "
                                 f"fix the ion name in [{section}] (or give salts = {{ KCl = \"100 mM\" }})") from None
            c = _parse(value, "concentration", field, '"100 mM"')
            if not (math.isfinite(c) and c > 0):
                raise ValueError(f"{field} = {value!r} must be a positive concentration; for an ion that is "
                                 "nearly absent use a small value such as '1 uM'")
            if ion in ions:
                raise ValueError(f"{field}: ion {ion!r} is given twice in [{section}] (directly, through an alias "
                                 "or through salts); give it once")
            ions[ion] = c
    if not ions:
        raise ValueError(f"[{section}] has no ions; give salts = {{ KCl = \"100 mM\" }} or ions such as "
                         "\"K+\" = \"100 mM\"")
    if "pH" in options:
        try:
            _add_water_ions(ions, options.pop("pH"))
        except ValueError as error:
            raise ValueError(f"{section}.pH: {error}") from None
    if like is not None:
        options = {"temperature": like.temperature, "relative_permittivity": like.relative_permittivity}
    try:
        bath = Electrolyte({(custom or {}).get(name, name): c for name, c in ions.items()}, **options)
    except ValueError as error:
        message = str(error).replace("build the bath with Electrolyte.from_salts",
                                     "give the bath as salts = { KCl = \"100 mM\" }")
        raise ValueError(f"[{section}]: {message}; change the concentrations in [{section}]") from None
    if like is not None:
        if set(bath.names) != set(like.names):
            raise ValueError(
                f"[right] has the ions {', '.join(bath.names)} but [electrolyte] has {', '.join(like.names)}; "
                "both baths must list the same ions (give a nearly absent ion a small concentration, e.g. '1 uM')"
            )
        bath = like.with_concentrations(dict(zip(bath.names, bath.concentrations.tolist())))
    return bath


def _voltages(table: Mapping, kind: str, right, pressure: float) -> tuple[np.ndarray | None, bool]:
    """``[voltage]``: (the voltages in V, or None, and whether to find the zero-current voltage,
    which needs something to drive a current at 0 V: a [right] bath or an applied ``pressure``)."""
    if not isinstance(table, Mapping):
        raise ValueError(f"[voltage] must be a table, got {table!r}")
    if kind == "wall":
        _check_keys(table, "voltage", ("values",), " for kind = 'wall'")
        values = _voltage_list(table) if table else np.zeros(1)
        if np.any(values != 0):
            raise ValueError("voltage.values: a charged wall faces one bath, so an applied voltage means nothing; "
                             "use values = [\"0 V\"] or leave out [voltage]")
        return values, False
    _check_keys(table, "voltage", ("values", "start", "stop", "step", "zero_current"))
    zero_current = table.get("zero_current", False)
    if not isinstance(zero_current, bool):
        raise ValueError(f"voltage.zero_current = {zero_current!r} must be true or false")
    if zero_current:
        if len(table) > 1:
            raise ValueError("voltage.zero_current = true finds the voltage itself; remove the other [voltage] fields")
        if right is None and pressure == 0.0:
            raise ValueError("voltage.zero_current = true needs a [right] bath that differs from [electrolyte] "
                             "or a [flow] pressure (with equal baths and no pressure the zero-current voltage "
                             "is 0); add a [right] section or [flow] pressure = \"1 bar\"")
        return None, True
    has_range = any(key in table for key in ("start", "stop", "step"))
    if has_range and "values" in table:
        raise ValueError("[voltage] gives both values and start/stop/step; keep one of them")
    if has_range:
        start = _quantity(table, "voltage", "start", "voltage", example="'-1 V'")
        stop = _quantity(table, "voltage", "stop", "voltage", example="'1 V'")
        step = _quantity(table, "voltage", "step", "voltage", example="'0.1 V'")
        if not step > 0:
            raise ValueError(f"voltage.step = {table['step']!r} must be positive")
        if stop < start:
            raise ValueError(f"voltage.stop = {table['stop']!r} is below voltage.start = {table['start']!r}; "
                             "swap them")
        count = (stop - start) / step
        n = round(count)
        if abs(count - n) > 1e-6 * max(1.0, count):
            raise ValueError(f"voltage.step = {table['step']!r} does not divide stop − start = {stop - start:g} V "
                             "into whole steps; change the step or the end points")
        if n > 10000:
            raise ValueError(f"[voltage] start/stop/step gives {n + 1} voltages; use a larger voltage.step")
        values = np.unique(np.round(start + step * np.arange(n + 1), 12)) + 0.0
        check_voltage(values, "voltage.start/stop")
        return values, False
    if "values" not in table:
        raise ValueError("[voltage] needs values = [\"-1 V\", \"0 V\", \"1 V\"], or start, stop and step, "
                         "or zero_current = true")
    return _voltage_list(table), False


def _voltage_list(table: Mapping) -> np.ndarray:
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise ValueError(f"voltage.values = {values!r} must be a non-empty list such as [\"-1 V\", \"0 V\", \"1 V\"]")
    parsed = [_parse(v, "voltage", f"voltage.values[{i}]", '"0.5 V"') for i, v in enumerate(values)]
    for i, v in enumerate(parsed):
        if not math.isfinite(v):
            raise ValueError(f"voltage.values[{i}] = {values[i]!r} must be finite")
    check_voltage(parsed, "voltage.values")
    return np.unique(np.asarray(parsed, dtype=np.float64)) + 0.0


def _options(table: Mapping) -> NewtonOptions:
    _check_keys(table, "solver", _SOLVER_FIELDS)
    kwargs = {}
    for key, value in table.items():
        field = f"solver.{key}"
        if key == "max_iterations":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field} = {value!r} must be a whole number ≥ 1, e.g. max_iterations = 40")
            kwargs[key] = value
        elif key == "linear_solver":
            if value not in methods():
                raise ValueError(f"{field} = {value!r} is unknown; use one of {', '.join(methods())}")
            kwargs[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
                raise ValueError(f"{field} = {value!r} must be a positive number without quotes or units")
            kwargs[key] = float(value)
    return NewtonOptions(**kwargs)
