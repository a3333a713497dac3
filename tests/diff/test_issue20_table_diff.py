"""Issue 20: a plan diff shows what changed in a curve (point by point, matched by x,
and its ends), a tier's own at_boundary, and units: whole."""
from pathlib import Path

from compplan.diff.plans import diff_plans
from compplan.lang import check_source

ROOT = Path(__file__).resolve().parents[2]
FIELD = (ROOT / "plans" / "field.yaml").read_text()
SDR = (ROOT / "plans" / "sdr.yaml").read_text()


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the sample plan no longer holds {old!r}"
    return text.replace(old, new)


def changes(old: str, new: str) -> list[tuple]:
    d = diff_plans(check_source(old, "old.yaml"), check_source(new, "new.yaml"))
    assert d.ok, d.problems
    return [(c.section, c.label, c.kind, c.old, c.new) for c in d.changes]


def test_issue20_curve_points_are_compared_by_their_x():
    new = edit(FIELD, "      - [kpi_gate, 80%]          # threshold\n",
               "      - [kpi_gate, 50%]\n      - [90%, 70%]\n")
    new = edit(new, "      - [kpi_ceiling, 120%]      # stretch", "      - [kpi_ceiling, 150%]")
    new = edit(new, "above: clamp ", "above: extend ")
    assert changes(FIELD, new) == [
        ("rates", "kpi_curve point at kpi_gate", "changed", "80%", "50%"),
        ("rates", "kpi_curve point at kpi_ceiling", "changed", "120%", "150%"),
        ("rates", "kpi_curve point at 90%", "added", None, "70%"),
        ("rates", "kpi_curve above", "changed", "clamp", "extend"),
    ]


def test_issue20_a_tiers_own_boundary_and_whole_units_are_changes():
    new = edit(SDR, "      - {rate: accelerated_rate}",
               "      - {rate: accelerated_rate, at_boundary: lower}")
    new = edit(new, "    units: whole\n", "")
    assert changes(SDR, new) == [
        ("rates", "meeting_rates units", "removed", "whole", None),
        ("rates", "meeting_rates tier 2 at_boundary", "changed", "(the table's)", "lower"),
    ]
