"""Golden tests for `compplan check`: what a comp admin sees, byte for byte.

Each `golden/NAME.yaml` is a small plan with one class of mistake in it, and
`golden/NAME.expected` is exactly what `compplan check tests/lang/golden/NAME.yaml`
prints when run from the repository's top folder (stdout and stderr as seen on a
terminal). A `golden/NAME.json` beside a plan holds its `--format json` output.

When a message is improved on purpose, regenerate and review the diff by eye:

    COMPPLAN_UPDATE_GOLDEN=1 python -m pytest tests/lang/test_golden.py
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.lang import check_file

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("COMPPLAN_UPDATE_GOLDEN") == "1"

PLANS = sorted(GOLDEN.glob("*.yaml"))
JSON_PLANS = sorted(p.with_suffix(".yaml") for p in GOLDEN.glob("*.json"))

# The class of mistake each golden plan holds (the stable `code` of its problems).
# A golden plan that starts reporting a second class of problem is a cascade: the
# checker should have reported the mistake once, where it is.
CLASS_OF = {
    "yaml_syntax_error": "yaml-syntax",
    "unknown_key": "unknown-key",
    "missing_required_field": "missing-field",
    "wrong_field_type": "wrong-type",
    "expression_syntax_error": "syntax",
    "unknown_name": "unknown-name",
    "unit_mismatch": "unit-mismatch",
    "wrong_arity": "arity",
    "division_by_zero": "division-by-zero",
    "cycle": "cycle",
    "tiers_unsorted": "tier-bounds",
    "tiers_overlapping": "tier-bounds",
    "tiers_gapped": "tier-bounds",
    "duplicate_yaml_key": "duplicate-name",
    "duplicate_name_across_sections": "duplicate-name",
    "undeclared_column": "unknown-name",
    "undeclared_column_qualified": "unknown-column",
    "block_scalar": "unknown-column",
    "flow_mapping": "unknown-name",
    "unclosed_quote": "yaml-syntax",
    "missing_ordered": "unit-mismatch",
    "bare_number_compared": "bare-number",
    "bare_number_rate": "bare-number",  # warnings only: the check passes
    "tiers_bounded_last": "tier-bounds",
    "lookup_wildcard_first": "rate-table",
    "bad_plan_period": "bad-value",  # issue 16: not one more error per scenario
    # issue 14: words for people
    "labels_unknown_column": "unknown-column",
    "labels_display_mismatch": "wrong-type",
    "labels_bad_label": "bad-label",
    "labels_unlabelled": "unlabelled",  # warnings only: the check passes
    # issue 20: windows in time, twice-monthly periods
    "half_month_period": "bad-period",
    "window_misuse": "window",
    "frequency_misuse": "bad-value",
    # issue 20: curves, whole units, tier bounds from params, at_boundary per tier
    "curve_points_unsorted": "tier-bounds",
    "curve_missing_ends": "missing-field",
    "curve_used_as_tiers": "rate-arg",
    "curve_plain_number": "unit-mismatch",
    "units_whole_not_a_count": "unit-mismatch",
    "tier_bound_uses_a_measure": "scope",
    "tier_bound_reads_a_deal": "scope",
    "tier_boundary_on_first_tier": "rate-table",
    # issue 20: groups of payees (pools, group()) and subtotals within a period
    "pool_misuse": "pool",
    "group_own": "group-own",
    "group_arg": "group-arg",
    "subtotal_scope": "scope",
    "subtotal_by": "unknown-column",
}


def _display(plan: Path) -> str:
    """The path as an admin types it from the top folder: tests/lang/golden/NAME.yaml."""
    return plan.relative_to(ROOT).as_posix()


def _run(*args: str):
    return CliRunner().invoke(cli, ["check", *args])


@pytest.fixture(autouse=True)
def _at_repository_top(monkeypatch):
    monkeypatch.chdir(ROOT)


def _compare(expected_file: Path, actual: str) -> None:
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.is_file(), f"{expected_file.name} is missing; run with " \
        "COMPPLAN_UPDATE_GOLDEN=1 to create it, then review it"
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.stem)
def test_check_prints_exactly_the_golden_text(plan):
    result = _run(_display(plan))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    _compare(plan.with_suffix(".expected"), result.output)
    assert result.exit_code == (1 if check_file(_display(plan)).problems.errors else 0)


@pytest.mark.parametrize("plan", JSON_PLANS, ids=lambda p: p.stem)
def test_check_json_prints_exactly_the_golden_json(plan):
    result = _run("--format", "json", _display(plan))
    _compare(plan.with_suffix(".json"), result.output)
    assert result.exit_code == 1
    problems = json.loads(result.output)
    assert problems and all(p["file"] == _display(plan) for p in problems)


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.stem)
def test_each_golden_plan_holds_one_class_of_mistake(plan):
    checked = check_file(_display(plan))
    codes = {p.code for p in checked.problems.items}
    assert codes == {CLASS_OF[plan.stem]}


def test_every_class_of_mistake_has_its_golden_plan():
    assert {p.stem for p in PLANS} == set(CLASS_OF)
    assert JSON_PLANS, "at least one plan has a golden --format json output"


def test_every_expected_file_belongs_to_a_plan():
    for expected in [*GOLDEN.glob("*.expected"), *GOLDEN.glob("*.json")]:
        assert expected.with_suffix(".yaml").is_file(), f"{expected.name} has no plan"


def test_carets_sit_on_the_line_and_column_the_message_names():
    """The caret line is the source line's prefix, blanked, then '^' at LINE:COL."""
    for plan in PLANS:
        lines = plan.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
        source = plan.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.startswith(_display(plan) + ":") or not (
                    ": error: " in line or ": warning: " in line):
                continue
            where = line.split(": error: " if ": error: " in line else ": warning: ")[0] \
                .split(":")
            lno, col = int(where[1]), int(where[2])
            assert lines[i + 1] == "    " + source[lno - 1], plan.name
            assert lines[i + 2] == "    " + " " * (col - 1) + "^", plan.name
