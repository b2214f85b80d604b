"""The case-file parameter reference, generated from the schema that :mod:`pnp.case` checks.

Every key a case file accepts is listed with its unit (the accepted spellings come from
:mod:`pnp.units`), its default and its allowed range (the plausibility limits of
:mod:`pnp.guards`). The keys and dimensions are read from :mod:`pnp.case` itself; this module
adds only the one-line descriptions, and ``tests/test_case_reference.py`` fails when a key has
none or when ``docs/case_reference.md`` is not the page :func:`reference_markdown` writes.

Regenerate the page with ``python -m pnp.case_reference > docs/case_reference.md``.
"""

from __future__ import annotations

import dataclasses

from . import case, case_sweep, guards, units
from .electrolyte import SALTS
from .constants import DEFAULT_TEMPERATURE, WATER_RELATIVE_PERMITTIVITY, WATER_VISCOSITY
from .geometry import Membrane
from .geometry.base import Mesh
from .ions import ION_DATABASE
from .linalg.registry import methods
from .solver.newton import NewtonOptions


@dataclasses.dataclass(frozen=True)
class Key:
    """One case-file key: ``section.name`` (TOML), its dimension, default, range and meaning."""

    section: str
    name: str
    dimension: str  # a pnp.units dimension, or "text", "bool", "integer", "list", "table"
    default: str
    limits: str
    description: str


_LENGTH = f"{units.format_quantity(guards.LENGTH_RANGE[0], 'length')} – " \
          f"{units.format_quantity(guards.LENGTH_RANGE[1], 'length')}"
_SIGMA = f"|σ| ≤ {guards.MAX_SURFACE_CHARGE:g} C/m^2"
_CONCENTRATION = (f"> 0, each ion ≤ {units.format_quantity(guards.MAX_ION_CONCENTRATION, 'concentration')}, "
                  "each salt below its solubility")
_RANGES = {"length": _LENGTH, "surface_charge": _SIGMA,
           "fixed_charge": f"|X| ≤ {units.format_quantity(guards.MAX_FIXED_CHARGE, 'fixed_charge')}",
           "concentration": _CONCENTRATION, "voltage": f"|V| ≤ {guards.MAX_VOLTAGE:g} V"}

DESCRIPTIONS: dict[str, str] = {
    ".name": "result file names (NAME.h5, NAME_iv.png, …); letters, digits, _ - . +",
    ".description": "free text, stored with the result",
    "geometry.kind": f"one of {', '.join(case.KINDS)}",
    "geometry.radius": "cylinder radius",
    "geometry.tip_radius": "cone radius at the left end (the tip; tip ≤ base)",
    "geometry.base_radius": "cone radius at the right end",
    "geometry.length": "channel length (cylinder, cone, slit) or bath extent in front of the wall",
    "geometry.height": "slit height, wall to wall (planar: results per metre of depth)",
    "geometry.surface_charge": "wall charge σ (negative for a cation-selective wall), or a table of ionizable "
                               "sites (the surface_charge.* keys below: charge regulation)",
    "geometry.surface_charge.density": "sites per area of a regulated wall (pnp.SurfaceSites; 1 /nm^2 = 1e18 /m^2)",
    "geometry.surface_charge.pK": "−log₁₀ K_a (mol/L) of the sites' protonation; needs pH in the baths",
    "geometry.surface_charge.binding.<ion>": "association constant of S⁻ + ion ⇌ S·ion, e.g. binding = "
                                             "{ \"Mg2+\" = \"10 L/mol\" }",
    "geometry.surface_charge.stern_capacitance": "Stern layer between the sites and the diffuse layer",
    "geometry.thickness": "membrane thickness (1D; results per m²)",
    "geometry.fixed_charge": "membrane fixed charge X in mol/m³ of elementary charges (negative: cation exchange)",
    "geometry.bath_layer": "bath layer resolved on each side of the membrane",
    "geometry.pore_radius": "pore radius (cylinder) or half-width (slit): switches on the pore terms of pnp.Membrane",
    "geometry.pore_permittivity": "ε_r of the pore water (Born energy against the bath's, and Poisson's ε inside)",
    "geometry.steric": "steric partition Φ(λ), λ = r_ion/r_pore",
    "geometry.dielectric": "Born energy of the pore permittivity",
    "geometry.hindrance": "hindered diffusion K_d and convection K_c (Dechadilok–Deen)",
    "geometry.dehydration": "hydration-shell cost of a pore narrower than the hydrated ion (Zwolak et al.)",
    "geometry.wall_coordination": "χ: share of the stripped shell's energy the wall's groups give back (dehydration × (1 − χ))",
    "geometry.pore_shape": "pore geometry of the pore terms",
    "geometry.ion_radius": "the ion radius in λ and in the Born energy",
    "reservoirs.enabled": "false puts the baths directly at the pore ends (long-channel limits)",
    "reservoirs.radius": "reservoir radius, both sides (must exceed the wider mouth radius)",
    "reservoirs.length": "reservoir length on each side",
    "reservoirs.membrane_charge": "charge of the membrane faces around the pore mouths",
    "filling.thickness": "length of the porous filling along the channel",
    "filling.fixed_charge": "the filling's fixed charge X in mol/m³ of pore volume",
    "filling.start": "where the filling begins, from the channel's left end (the tip of a cone)",
    "filling.pore_radius": "the filling's pore radius: switches on its pore terms, as geometry.pore_radius",
    "filling.pore_permittivity": "ε_r of the filling's pore water, as geometry.pore_permittivity",
    "filling.wall_coordination": "χ of the filling's pore walls, as geometry.wall_coordination",
    "electrolyte.salts": f"salt concentrations, e.g. {{ KCl = \"100 mM\" }}; salts: {', '.join(SALTS)}",
    "electrolyte.<ion>": f"an ion's concentration, e.g. \"K+\" = \"100 mM\"; ions: {', '.join(ION_DATABASE)}",
    "electrolyte.temperature": "temperature of both baths",
    "electrolyte.pH": "adds H⁺ and OH⁻ (the excess balanced by the first anion or cation); give it in [right] too",
    "right.pH": "the right bath's pH, as electrolyte.pH",
    "electrolyte.relative_permittivity": "ε_r of the solvent (both baths)",
    "right.salts": "right bath, as electrolyte.salts (same ions as [electrolyte])",
    "right.<ion>": "right bath, as electrolyte.<ion>",
    "ions.<ion>.diffusivity": "diffusivity of an ion of the baths, e.g. \"K+\" = { diffusivity = \"1.96e-9 m^2/s\" } "
                              "(default: the pnp.ions database)",
    "sweep.mode": "\"grid\": every combination (first key slowest); \"zip\": the i-th values of equal-length lists",
    "sweep.<key>": "a list of values for a dotted key of the tables above, e.g. \"electrolyte.salts.KCl\" = "
                   "[\"1 mM\", \"10 mM\"]; the I–V of [voltage] runs at every point",
    "voltage.start": "first voltage V = φ_left − φ_right of a range",
    "voltage.stop": "last voltage of a range (included)",
    "voltage.step": "spacing of a range (must divide stop − start)",
    "voltage.values": "an explicit list of voltages, e.g. [\"-1 V\", \"0 V\", \"1 V\"]",
    "voltage.zero_current": "true: find the zero-current (membrane) voltage instead; needs [right]",
    "flow.enabled": "false: the case without flow (as without [flow])",
    "flow.pressure": "applied pressure p_left − p_right driving the solvent (Stokes flow with the ions; cylinder, cone, slit)",
    "flow.viscosity": "solvent viscosity η",
    "mesh.refinement": "divides every cell size (1, 2, 4 … for convergence studies)",
    "mesh.growth": "ratio of neighbouring cell sizes (> 1)",
    "mesh.wall_cell": "first cell at charged walls and interfaces",
    "mesh.max_cell": "largest cell",
    "solver.max_iterations": "Newton iterations per solve before giving up",
    "solver.linear_solver": "linear solver of each Newton step (see pnp.linalg.registry.methods())",
    "solver.step_tolerance": "convergence: largest scaled Newton step",
    "solver.residual_tolerance": "convergence: largest scaled residual",
    "solver.max_step": "largest scaled Newton step before damping",
}
"""One line per key, by ``section.key`` (``.key`` at the top level, ``<ion>`` for any ion name)."""

_MESH_DEFAULTS = {"refinement": f"{Mesh.refinement:g}", "growth": f"{Mesh.growth:g}",
                  "wall_cell": "min(λ_D, ℓ_GC)/20", "max_cell": "set by the geometry"}
_RESERVOIR_DEFAULTS = {"radius": "50 wider-mouth radii (≥ 10 λ_D)", "length": "the reservoir radius",
                       "membrane_charge": "0 C/m^2"}


def keys() -> list[Key]:
    """Every key of the case-file schema (:mod:`pnp.case`), in the order of the sections."""
    out = [Key("", "name", "text", "the file name", "", DESCRIPTIONS[".name"]),
           Key("", "description", "text", '""', "", DESCRIPTIONS[".description"]),
           Key("geometry", "kind", "text", "required", ", ".join(case.KINDS), DESCRIPTIONS["geometry.kind"])]
    seen = set()
    for kind, fields in case.KINDS.items():
        for name, dimension in fields.items():
            if name in seen:
                continue
            seen.add(name)
            kinds = [k for k, f in case.KINDS.items() if name in f]
            optional = [k for k in kinds if name in case.OPTIONAL_FIELDS.get(k, ())]
            default = ("optional" if optional == kinds else
                       "required" + (f" (optional for {', '.join(optional)})" if optional else ""))
            out.append(Key("geometry", name, dimension, default, _RANGES.get(dimension, ""),
                           f"{DESCRIPTIONS['geometry.' + name]} [{', '.join(kinds)}]"))
    site_ranges = {"site_density": "> 0", "dimensionless": "finite", "capacitance": "> 0"}
    for name, dimension in case.SITE_FIELDS.items():
        out.append(Key("geometry", f"surface_charge.{name}", dimension, "required" if name == "density" else "none",
                       site_ranges[dimension], f"{DESCRIPTIONS['geometry.surface_charge.' + name]} [cylinder, cone, "
                       "slit, wall]"))
    out.append(Key("geometry", "surface_charge.binding.<ion>", "association", "none", "≥ 0",
                   f"{DESCRIPTIONS['geometry.surface_charge.binding.<ion>']} [cylinder, cone, slit, wall]"))
    out += _pore_switches("geometry", "membrane, with pore terms")
    out.append(Key("reservoirs", "enabled", "bool", "true", "", DESCRIPTIONS["reservoirs.enabled"]))
    for name, dimension in case._RESERVOIR_FIELDS.items():
        out.append(Key("reservoirs", name, dimension, _RESERVOIR_DEFAULTS[name], _RANGES.get(dimension, ""),
                       DESCRIPTIONS[f"reservoirs.{name}"]))
    for name, dimension in case.FILLING_FIELDS.items():
        default = {"thickness": "required", "fixed_charge": "required", "start": "0 nm"}.get(name, "optional")
        out.append(Key("filling", name, dimension, default, _RANGES.get(dimension, ""), DESCRIPTIONS[f"filling.{name}"]))
    out += _pore_switches("filling", "with pore terms")
    for section in ("electrolyte", "right"):
        out.append(Key(section, "salts", "table", "—", _CONCENTRATION, DESCRIPTIONS[f"{section}.salts"]))
        out.append(Key(section, "<ion>", "concentration", "—", _CONCENTRATION, DESCRIPTIONS[f"{section}.<ion>"]))
        out.append(Key(section, "pH", "dimensionless", "none (no H⁺, OH⁻)", "0 – 14", DESCRIPTIONS[f"{section}.pH"]))
        if section == "electrolyte":
            out.append(Key(section, "temperature", "temperature", f"{DEFAULT_TEMPERATURE:g} K", "> 0",
                           DESCRIPTIONS["electrolyte.temperature"]))
            out.append(Key(section, "relative_permittivity", "dimensionless", f"{WATER_RELATIVE_PERMITTIVITY:g}",
                           "> 0", DESCRIPTIONS["electrolyte.relative_permittivity"]))
    out.append(Key("ions", "<ion>.diffusivity", "diffusivity", "pnp.ions database", "> 0",
                   DESCRIPTIONS["ions.<ion>.diffusivity"]))
    for name in ("start", "stop", "step"):
        out.append(Key("voltage", name, "voltage", "—", "> 0" if name == "step" else _RANGES["voltage"],
                       DESCRIPTIONS[f"voltage.{name}"]))
    out.append(Key("voltage", "values", "list", "—", _RANGES["voltage"], DESCRIPTIONS["voltage.values"]))
    out.append(Key("voltage", "zero_current", "bool", "false", "", DESCRIPTIONS["voltage.zero_current"]))
    out.append(Key("flow", "enabled", "bool", "true", "", DESCRIPTIONS["flow.enabled"]))
    flow_defaults = {"pressure": "0 Pa", "viscosity": units.format_quantity(WATER_VISCOSITY, "viscosity")}
    for name, dimension in case.FLOW_FIELDS.items():
        out.append(Key("flow", name, dimension, flow_defaults[name], "> 0" if name == "viscosity" else "finite",
                       DESCRIPTIONS[f"flow.{name}"]))
    for name, dimension in case._MESH_FIELDS.items():
        out.append(Key("mesh", name, dimension, _MESH_DEFAULTS[name], "> 1" if name == "growth" else "> 0",
                       DESCRIPTIONS[f"mesh.{name}"]))
    defaults = NewtonOptions()
    for name in case._SOLVER_FIELDS:
        dimension = {"max_iterations": "integer", "linear_solver": "text"}.get(name, "dimensionless")
        out.append(Key("solver", name, dimension, f"{getattr(defaults, name)}",
                       {"max_iterations": "≥ 1", "linear_solver": ", ".join(methods())}.get(name, "> 0"),
                       DESCRIPTIONS[f"solver.{name}"]))
    out.append(Key("sweep", "mode", "text", "\"grid\"", " or ".join(f'"{m}"' for m in case_sweep.MODES),
                   DESCRIPTIONS["sweep.mode"]))
    out.append(Key("sweep", "<key>", "list", "—", f"≤ {case_sweep.MAX_POINTS} points; each value as in its table",
                   DESCRIPTIONS["sweep.<key>"]))
    return out


def _pore_switches(section: str, scope: str) -> list[Key]:
    """The switches and choices of the pore terms (:class:`Membrane`'s defaults) as keys of ``section``."""
    defaults = {f.name: f.default for f in dataclasses.fields(Membrane)}
    keys = [Key(section, name, "bool", str(defaults[name]).lower(), "", f"{DESCRIPTIONS['geometry.' + name]} [{scope}]")
            for name in case.MEMBRANE_SWITCHES]
    return keys + [Key(section, name, "text", f'"{defaults[name]}"', ", ".join(f'"{a}"' for a in allowed),
                       f"{DESCRIPTIONS['geometry.' + name]} [{scope}]") for name, allowed in case.MEMBRANE_CHOICES.items()]


def _unit_column(dimension: str) -> str:
    if dimension == "dimensionless":
        return "plain number"
    if dimension in units.DIMENSIONS:
        return ", ".join(units.accepted_units(dimension))
    return dimension


def reference_markdown() -> str:
    """The parameter reference page (Markdown): one table per section."""
    lines = ["# Case-file parameter reference", "",
             "Generated from the schema in `pnp/case.py` by `python -m pnp.case_reference > docs/case_reference.md`; "
             "do not edit by hand. Quantities with a unit are TOML strings with the unit written out "
             "(`radius = \"5 nm\"`); a bare number is rejected. The ranges are the plausibility limits of "
             "`pnp/guards.py` (override: `PNP_ALLOW_UNPHYSICAL=1`). The format itself, with an example, is the "
             "docstring of `pnp/case.py`; examples are in `experiments/cases/`.", ""]
    current = None
    for key in keys():
        if key.section != current:
            current = key.section
            lines += ["", f"## {'[' + current + ']' if current else 'top level'}", "",
                      "| key | unit | default | range | meaning |", "|---|---|---|---|---|"]
        cells = (f"`{key.name}`", _unit_column(key.dimension), key.default, key.limits, key.description)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
