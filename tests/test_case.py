"""Case files: parsing with units, round trip to TOML, and one-paragraph errors naming the field."""

from pathlib import Path

import numpy as np
import pytest

import pnp
from pnp.case import Case

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "experiments" / "cases").glob("*.toml")) + [ROOT / "pnp" / "cases" / "demo_cone.toml"]

BASE = """
name = "small"
[geometry]
kind = "cylinder"
radius = "5 nm"
length = "50 nm"
surface_charge = "-0.02 C/m^2"
[electrolyte]
salts = { KCl = "10 mM" }
[voltage]
values = ["-0.2 V", "0 V", "0.2 V"]
[mesh]
refinement = 0.35
"""


def test_examples_exist():
    names = {p.stem for p in EXAMPLES}
    assert {"charged_cylinder_sweep", "cone_sweep", "membrane_gradient", "demo_cone"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_cases_parse_and_round_trip(path):
    case = Case.from_file(path)
    assert case.name == path.stem
    again = Case.from_text(case.to_toml_text())
    assert again == case
    assert again.to_toml_text() == case.to_toml_text()
    setup = case.build()
    assert isinstance(setup.mesh, pnp.Mesh) and isinstance(setup.options, pnp.NewtonOptions)
    assert setup.zero_current == (setup.voltages is None)


def test_demo_case_values():
    setup = Case.from_file(ROOT / "pnp" / "cases" / "demo_cone.toml").build()
    g = setup.geometry
    assert g.left_radius == pytest.approx(10e-9) and g.right_radius == pytest.approx(200e-9)
    assert g.length == pytest.approx(2e-6) and g.surface_charge == pytest.approx(-0.05)
    np.testing.assert_allclose(setup.voltages, np.linspace(-1, 1, 21), atol=1e-12)
    assert 0.0 in setup.voltages  # exactly zero, from start/stop/step
    assert setup.electrolyte.names == ("K+", "Cl-")
    np.testing.assert_allclose(setup.electrolyte.concentrations, [100.0, 100.0])
    assert setup.mesh.refinement == 0.5


def test_units_are_converted_to_si():
    text = BASE.replace('"5 nm"', '"50 angstrom"').replace('"-0.02 C/m^2"', '"-2 uC/cm^2"')
    text = text.replace('salts = { KCl = "10 mM" }', '"K+" = "0.01 M"\nCl = "10 mol/m^3"\ntemperature = "25 C"')
    text += '\nwall_cell = "0.05 nm"\n[solver]\nmax_iterations = 30\nlinear_solver = "thomas"\n'
    setup = Case.from_text(text).build()
    assert setup.geometry.left_radius == pytest.approx(5e-9)
    assert setup.geometry.surface_charge == pytest.approx(-0.02)
    assert setup.electrolyte.names == ("K+", "Cl-")
    assert setup.electrolyte.temperature == pytest.approx(298.15)
    assert setup.mesh.wall_cell == pytest.approx(5e-11)
    assert setup.options.max_iterations == 30 and setup.options.linear_solver == "thomas"


def test_voltage_range_and_right_bath_order():
    text = BASE.replace('values = ["-0.2 V", "0 V", "0.2 V"]', 'start = "-300 mV"\nstop = "0.3 V"\nstep = "100 mV"')
    text += '[right]\n"Cl-" = "1 mM"\n"K+" = "1 mM"\n'
    setup = Case.from_text(text).build()
    np.testing.assert_allclose(setup.voltages, [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3], atol=1e-12)
    assert setup.right.names == setup.electrolyte.names == ("K+", "Cl-")
    np.testing.assert_allclose(setup.right.concentrations, [1.0, 1.0])


def test_reservoir_options_and_other_kinds():
    case = Case.from_text(BASE + '[reservoirs]\nenabled = false\n')
    assert case.build().geometry.reservoirs is None
    case = Case.from_text(BASE + '[reservoirs]\nradius = "100 nm"\nmembrane_charge = "-0.01 C/m^2"\n')
    reservoirs = case.build().geometry.reservoirs
    assert reservoirs.radius == pytest.approx(100e-9) and reservoirs.length is None
    assert reservoirs.membrane_charge == pytest.approx(-0.01)
    slit = BASE.replace('radius = "5 nm"', 'height = "10 nm"').replace('"cylinder"', '"slit"')
    assert Case.from_text(slit).build().geometry.planar
    wall = Case.from_text('[geometry]\nkind = "wall"\nsurface_charge = "-0.05 C/m^2"\n'
                          '[electrolyte]\nsalts = { NaCl = "10 mM" }\n')
    setup = wall.build()
    assert isinstance(setup.geometry, pnp.ChargedWall) and list(setup.voltages) == [0.0]
    assert Case.from_text(wall.to_toml_text()) == wall


def test_zero_current_case():
    case = Case.from_file(ROOT / "experiments" / "cases" / "membrane_gradient.toml")
    setup = case.build()
    assert setup.zero_current and setup.voltages is None
    assert isinstance(setup.geometry, pnp.Membrane)
    assert setup.geometry.fixed_charge == pytest.approx(-100.0)
    np.testing.assert_allclose(setup.right.concentrations, [10.0, 10.0])


def test_replace_revalidates():
    case = Case.from_text(BASE)
    quick = case.replace(voltage={"values": ["0 V", "1 V"]}, mesh={"refinement": 0.5})
    assert list(quick.build().voltages) == [0.0, 1.0] and quick.build().mesh.refinement == 0.5
    with pytest.raises(ValueError, match="voltage.values"):
        case.replace(voltage={"values": [1.0]})


def _mutate(old, new):
    assert old in BASE
    return BASE.replace(old, new)


BAD = [
    ("unit-less value", _mutate('radius = "5 nm"', "radius = 5e-9"), r"geometry\.radius .*no unit"),
    ("wrong unit", _mutate('length = "50 nm"', 'length = "50 mM"'), r"geometry\.length .*concentration"),
    ("unknown unit", _mutate('length = "50 nm"', 'length = "50 furlong"'), r"unknown unit .*geometry\.length"),
    ("unknown ion", _mutate('salts = { KCl = "10 mM" }', '"Xx+" = "10 mM"\n"Cl-" = "10 mM"'),
     r'electrolyte\."Xx\+": unknown ion'),
    ("unknown salt", _mutate("KCl", "KBr"), r"electrolyte\.salts\.KBr: unknown salt"),
    ("non-electroneutral", _mutate('salts = { KCl = "10 mM" }', '"K+" = "10 mM"\n"Cl-" = "5 mM"'),
     r"\[electrolyte\]: concentrations are not electroneutral.*'Cl-'"),
    ("negative concentration", _mutate('"10 mM"', '"-10 mM"'), r"electrolyte\.salts\.KCl .*positive"),
    ("tip > base", _mutate('kind = "cylinder"\nradius = "5 nm"',
                           'kind = "cone"\ntip_radius = "50 nm"\nbase_radius = "20 nm"'),
     r"geometry\.tip_radius .*must not exceed geometry\.base_radius"),
    ("radius = 0", _mutate('radius = "5 nm"', 'radius = "0 nm"'), r"geometry\.radius .*positive"),
    ("radius < 0", _mutate('radius = "5 nm"', 'radius = "-5 nm"'), r"geometry\.radius .*positive"),
    ("unknown kind", _mutate('"cylinder"', '"tube"'), r"geometry\.kind = 'tube' is unknown"),
    ("missing kind", _mutate('kind = "cylinder"\n', ""), r"geometry\.kind is missing"),
    ("missing field", _mutate('length = "50 nm"\n', ""), r"geometry\.length is missing"),
    ("misspelt field", _mutate('radius = "5 nm"', 'raduis = "5 nm"'), r"unknown field geometry\.raduis"),
    ("missing section", _mutate('[voltage]\nvalues = ["-0.2 V", "0 V", "0.2 V"]\n', ""), r"no \[voltage\] section"),
    ("missing electrolyte", _mutate('[electrolyte]\nsalts = { KCl = "10 mM" }\n', ""), r"no \[electrolyte\] section"),
    ("unknown section", BASE + "[outputs]\nfolder = 'x'\n", r"unknown top-level entry 'outputs'"),
    ("voltage step", _mutate('values = ["-0.2 V", "0 V", "0.2 V"]', 'start = "-1 V"\nstop = "1 V"\nstep = "0.3 V"'),
     r"voltage\.step .*whole steps"),
    ("voltage unit-less", _mutate('"-0.2 V"', "-0.2"), r"voltage\.values\[0\] .*no unit"),
    ("values and range", _mutate('values = ["-0.2 V", "0 V", "0.2 V"]', 'values = ["0 V"]\nstart = "0 V"'),
     r"both values and start"),
    ("zero current without right", _mutate('values = ["-0.2 V", "0 V", "0.2 V"]', "zero_current = true"),
     r"voltage\.zero_current .*\[right\]"),
    ("right bath other ions", BASE + '[right]\nsalts = { NaCl = "10 mM" }\n', r"\[right\] has the ions Na\+, Cl-"),
    ("mesh growth", _mutate("refinement = 0.35", "growth = 0.9"), r"mesh\.growth .*> 1"),
    ("mesh quoted number", _mutate("refinement = 0.35", 'refinement = "0.35"'), r"mesh\.refinement .*plain number"),
    ("solver method", BASE + '[solver]\nlinear_solver = "magic"\n', r"solver\.linear_solver = 'magic' is unknown"),
    ("reservoir too narrow", BASE + '[reservoirs]\nradius = "4 nm"\n', r"reservoirs\.radius .*exceed"),
    ("malformed TOML", _mutate('radius = "5 nm"', "radius = 5 nm"), r"not valid TOML.*line"),
    ("flow pressure unit-less", BASE + "[flow]\npressure = 1e5\n", r"flow\.pressure .*no unit"),
    ("flow pressure wrong unit", BASE + '[flow]\npressure = "1 nm"\n', r"flow\.pressure .*is a pressure"),
    ("flow viscosity zero", BASE + '[flow]\nviscosity = "0 cP"\n', r"flow\.viscosity .*positive"),
    ("flow misspelt", BASE + '[flow]\npresure = "1 bar"\n', r"unknown field flow\.presure"),
    ("flow switch", BASE + "[flow]\nenabled = 1\n", r"flow\.enabled .*true or false"),
    ("flow in a membrane", _mutate('kind = "cylinder"\nradius = "5 nm"\nlength = "50 nm"\nsurface_charge = "-0.02 C/m^2"',
                                   'kind = "membrane"\nthickness = "1 um"\nfixed_charge = "-10 mM"') + "[flow]\n",
     r"\[flow\] does not apply to geometry\.kind = 'membrane' .*2D channels"),
]


@pytest.mark.parametrize("text, pattern", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_field(text, pattern):
    with pytest.raises(ValueError, match=pattern) as info:
        Case.from_text(text)
    message = str(info.value)
    assert "\n" not in message  # one paragraph


def test_flow_section_sets_the_conditions():
    """``[flow]`` turns on Stokes flow with the pressure and viscosity in SI; ``enabled = false``
    (or no section) leaves it off; the pressure can be swept; the case round-trips."""
    case = Case.from_text(BASE + '[flow]\npressure = "1 bar"\nviscosity = "1 cP"\n')
    conditions = case.build().conditions
    assert (conditions.flow, conditions.pressure, conditions.viscosity) == (True, 1e5, 1e-3)
    assert Case.from_text(case.to_toml_text()) == case
    assert Case.from_text(BASE + "[flow]\n").build().conditions.flow  # Δp = 0: electro-osmosis only
    assert not Case.from_text(BASE + "[flow]\nenabled = false\n").build().conditions.flow
    assert not Case.from_text(BASE).build().conditions.flow
    swept = Case.from_text(case.to_toml_text() + '[sweep]\n"flow.pressure" = ["0 bar", "50 kPa"]\n')
    assert [p.case.build().conditions.pressure for p in swept.points()] == [0.0, 5e4]


def test_from_file_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD[0][1])
    with pytest.raises(ValueError, match=r"bad\.toml: geometry\.radius"):
        Case.from_file(path)
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        Case.from_file(tmp_path / "missing.toml")


PORE = """
[geometry]
kind = "membrane"
thickness = "1 um"
fixed_charge = "-50 mM"
pore_radius = "0.45 nm"
pore_permittivity = 40.0
dehydration = true
wall_coordination = 0.5
ion_radius = "hydrated"
[electrolyte]
salts = { LiCl = "30 mM", MgCl2 = "100 mM" }
[voltage]
values = ["0 V"]
"""


def test_membrane_pore_terms_from_a_case_file():
    """The pore keys build exactly the pnp.Membrane of the same arguments (the rest at its defaults)."""
    case = Case.from_text(PORE)
    geometry = case.build().geometry
    assert geometry.pore_radius == pytest.approx(0.45e-9, rel=1e-12)  # "0.45 nm" parsed: 4.5000000000000005e-10
    assert geometry == pnp.Membrane(1e-6, -50.0, pore_radius=geometry.pore_radius, pore_permittivity=40.0,
                                    dehydration=True, wall_coordination=0.5, ion_radius="hydrated")
    assert Case.from_text(case.to_toml_text()) == case
    radii = [point.case.build().geometry.pore_radius for point in Case.from_text(
        PORE + '[sweep]\n"geometry.pore_radius" = ["0.45 nm", "0.5 nm"]\n').points()]
    assert radii == pytest.approx([0.45e-9, 0.5e-9])


@pytest.mark.parametrize("old, new, message", [
    ("dehydration = true", 'dehydration = "yes"', r"geometry\.dehydration = 'yes' must be true or false"),
    ('ion_radius = "hydrated"', 'ion_radius = "ionic"', r"geometry\.ion_radius = 'ionic' is unknown; use one of "
                                                         r"'stokes', 'hydrated', 'bare'"),
    ("pore_permittivity = 40.0", 'pore_permittivity = "40"', r"geometry\.pore_permittivity .*plain number"),
    ("pore_permittivity = 40.0", "pore_permittivity = -4.0", r"pore_permittivity"),
    ("wall_coordination = 0.5", "wall_coordination = 1.5", r"\[geometry\].*wall_coordination must be a number in \[0, 1\]"),
    ('pore_radius = "0.45 nm"\npore_permittivity = 40.0\n', "",
     r"geometry\.dehydration only acts on pore terms; give geometry\.pore_radius"),
    ('ion_radius = "hydrated"', 'pore_shape = "slit"', r"\[geometry\].*K_d, K_c are the Dechadilok–Deen cylinder"),
    ('pore_radius = "0.45 nm"', 'pore_radius = "0.2 nm"', r"\[geometry\].*ion 'Li\+' .* as large as the pore"),
    ('kind = "membrane"\nthickness = "1 um"\nfixed_charge = "-50 mM"',
     'kind = "cylinder"\nradius = "5 nm"\nlength = "50 nm"\nsurface_charge = "-0.02 C/m^2"',
     r"unknown field geometry\.pore_radius for kind = 'cylinder'"),
])
def test_bad_pore_keys_name_the_field(old, new, message):
    assert old in PORE
    with pytest.raises(ValueError, match=message):
        Case.from_text(PORE.replace(old, new)).build()


FILLED = (ROOT / "experiments" / "cases" / "mof_tip_cone.toml").read_text(encoding="utf-8")


def test_filling_section_builds_the_channel_filling():
    """[filling] builds the cone with the pnp.Membrane filling of the same arguments (the rest at its
    defaults); it round-trips and sweeps."""
    case = Case.from_text(FILLED)
    geometry = case.build().geometry
    mof = pnp.Membrane(20e-9, -2000.0, pore_radius=geometry.filling.pore_radius, pore_permittivity=30.0,
                       dehydration=True, wall_coordination=0.8)
    assert geometry.filling.pore_radius == pytest.approx(0.405e-9, rel=1e-12)
    assert geometry.filling == mof and geometry.filling_start == 0.0
    assert (geometry.length, geometry.surface_charge) == pytest.approx((2e-6, -0.05))
    assert float(geometry.radius_profile(0.0)) == pytest.approx(10e-9)
    assert Case.from_text(case.to_toml_text()) == case
    moved = Case.from_text(FILLED.replace('thickness = "20 nm"', 'thickness = "20 nm"\nstart = "100 nm"'))
    assert moved.build().geometry.filling_start == pytest.approx(100e-9)
    points = Case.from_text(FILLED + '[sweep]\n"filling.fixed_charge" = ["-1 M", "-2 M"]\n').points()
    assert [p.case.build().geometry.filling.fixed_charge for p in points] == pytest.approx([-1000.0, -2000.0])


@pytest.mark.parametrize("old, new, message", [
    ('thickness = "20 nm"', 'thickness = "3 um"', r"filling spans z = 0 to 3e-06 m, beyond the channel"),
    ('thickness = "20 nm"', 'thickness = "20 nm"\nstart = "-5 nm"', r"filling\.start = '-5 nm' must be ≥ 0"),
    ('fixed_charge = "-2 M"\n', "", r"filling\.fixed_charge is missing"),
    ("dehydration = true", 'dehydration = "yes"', r"filling\.dehydration = 'yes' must be true or false"),
    ("dehydration = true", "porosity = 0.4", r"unknown field filling\.porosity"),
    ('pore_radius = "0.405 nm"', 'pore_radius = "0.2 nm"', r"\[filling\] with the ions of \[electrolyte\].*as large as"),
    ('kind = "cone"\ntip_radius = "10 nm"\nbase_radius = "200 nm"\nlength = "2 um"\nsurface_charge = "-0.05 C/m^2"',
     'kind = "membrane"\nthickness = "1 um"\nfixed_charge = "-50 mM"', r"\[filling\] only applies to channels"),
])
def test_bad_filling_keys_name_the_field(old, new, message):
    assert old in FILLED
    with pytest.raises(ValueError, match=message):
        Case.from_text(FILLED.replace(old, new)).build()


REGULATED = """
name = "regulated_cylinder"
[geometry]
kind = "cylinder"
radius = "5 nm"
length = "50 nm"
surface_charge = { density = "1 /nm^2", pK = 3.8, binding = { "Mg2+" = "10 L/mol" }, stern_capacitance = "0.2 F/m^2" }
[electrolyte]
salts = { KCl = "10 mM", MgCl2 = "1 mM" }
pH = 7.0
[right]
salts = { KCl = "1 mM", MgCl2 = "0.1 mM" }
pH = 7.0
[voltage]
values = ["0 V"]
"""


def test_surface_sites_and_ph_from_a_case_file():
    """A surface_charge table builds pnp.SurfaceSites (SI: 1 /nm^2 = 1e18 m⁻², 10 L/mol = 0.01 m³/mol), pH
    adds H⁺ and OH⁻ as pnp.Electrolyte.from_salts(pH=...) does; both round-trip and sweep."""
    case = Case.from_text(REGULATED)
    setup = case.build()
    sites = setup.geometry.surface_charge
    assert sites == pnp.SurfaceSites(sites.density, pK=3.8, binding={"Mg2+": sites.binding["Mg2+"]},
                                     stern_capacitance=0.2)
    assert (sites.density, sites.binding["Mg2+"]) == pytest.approx((1e18, 0.01), rel=1e-12)
    expected = pnp.Electrolyte.from_salts({"KCl": 10.0, "MgCl2": 1.0}, pH=7.0)
    assert setup.electrolyte.names == expected.names
    np.testing.assert_allclose(setup.electrolyte.concentrations, expected.concentrations, rtol=1e-12)
    assert setup.right.pH == pytest.approx(7.0)
    assert Case.from_text(case.to_toml_text()) == case
    points = Case.from_text(REGULATED + '[sweep]\nmode = "zip"\n"electrolyte.pH" = [5.5, 10.0]\n'
                            '"right.pH" = [5.5, 10.0]\n"geometry.surface_charge.pK" = [3.8, 4.5]\n').points()
    built = [p.case.build() for p in points]
    assert [b.electrolyte.pH for b in built] == pytest.approx([5.5, 10.0])
    assert [b.geometry.surface_charge.pK for b in built] == [3.8, 4.5]


@pytest.mark.parametrize("old, new, message", [
    ("pH = 7.0\n[right]", "[right]", r"give pH in both \[electrolyte\] and \[right\], or in neither"),
    ("pH = 7.0\n[right]", "pH = 15.0\n[right]", r"electrolyte\.pH: pH = 15 is outside 0 – 14"),
    ('density = "1 /nm^2", ', "", r"geometry\.surface_charge\.density is missing"),
    ('density = "1 /nm^2"', "density = 1e18", r"geometry\.surface_charge\.density = 1e\+18 has no unit"),
    ('"Mg2+" = "10 L/mol"', '"Ca2+" = "10 L/mol"', r"surface_charge \(sites\) with the ions of \[electrolyte\]"),
    ("pK = 3.8", "pKa = 3.8", r"unknown field geometry\.surface_charge\.pKa"),
    ('stern_capacitance = "0.2 F/m^2"', 'stern_capacitance = "-0.2 F/m^2"', r"stern_capacitance .*must be > 0"),
])
def test_bad_site_keys_name_the_field(old, new, message):
    assert old in REGULATED
    with pytest.raises(ValueError, match=message):
        Case.from_text(REGULATED.replace(old, new)).build()


def test_a_pk_without_ph_says_to_add_it():
    text = REGULATED.replace("pH = 7.0\n", "")
    with pytest.raises(ValueError, match=r"H⁺ must be a species.*add pH = 7.0 to \[electrolyte\]"):
        Case.from_text(text).build()
