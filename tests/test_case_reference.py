"""The case-file parameter reference (docs/case_reference.md) is generated from the schema and current."""

from pathlib import Path

from pnp import case, case_reference, guards
from pnp.units import format_quantity

PAGE = Path(__file__).resolve().parents[1] / "docs" / "case_reference.md"


def test_committed_page_is_the_generated_one():
    assert PAGE.read_text(encoding="utf-8") == case_reference.reference_markdown(), (
        "docs/case_reference.md is stale: run `python -m pnp.case_reference > docs/case_reference.md`")


def test_every_key_of_the_schema_is_described():
    keys = case_reference.keys()  # a key without a description raises KeyError here
    listed = {(k.section, k.name) for k in keys}
    assert {k.section for k in keys} >= set(case.SECTIONS)
    for fields in case.KINDS.values():
        assert {("geometry", name) for name in fields} <= listed
    assert {("geometry", f"surface_charge.{name}") for name in case.SITE_FIELDS} <= listed
    for section, fields in (("reservoirs", case._RESERVOIR_FIELDS), ("mesh", case._MESH_FIELDS),
                            ("solver", case._SOLVER_FIELDS), ("filling", case.FILLING_FIELDS)):
        assert {(section, name) for name in fields} <= listed
    assert all(k.description for k in keys)


def test_ranges_are_the_guards_limits():
    page = case_reference.reference_markdown()
    low, high = (format_quantity(x, "length") for x in guards.LENGTH_RANGE)
    assert f"| {low} – {high} |" in page
    assert f"≤ {guards.MAX_SURFACE_CHARGE:g} C/m^2" in page and f"≤ {guards.MAX_VOLTAGE:g} V" in page
