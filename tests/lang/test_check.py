"""`compplan check` end to end: clean plans pass, and every problem is found in one pass."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.errors import format_text
from compplan.lang import check_file, check_source

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "plans" / "data" / "samples.yaml"  # which plan runs on which sample data
EXAMPLE_PLANS = sorted(p for p in (ROOT / "plans").glob("*.yaml") if p != MANIFEST)

CLEAN_PLAN = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD

    inputs:
      deals: {key: deal_id, payee: rep_id, columns: {amount: money}}

    earnings:
      commission:
        value: sum(deals.amount) * 8%
    """)

# Five mistakes of five different kinds, in five different places. A structural
# mistake (the misspelt 'capp') drops only its own earning, so the other four are
# still found behind it.
FIVE_MISTAKES = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD

    inputs:
      deals: {key: deal_id, payee: rep_id, columns: {amount: money, type: text}}
      quotas: {payee: rep_id, columns: {amount: money}}

    params:
      spiff: 500

    measures:
      booked: sum(deals.amount)
      attainment: booked / quotas.amount
      average_deal: booked / 0

    rates:
      ae_tiers:
        basis: attainment
        mode: marginal
        at_boundary: upper
        tiers:
          - {to: 50%, rate: 4%}
          - {from: 60%, to: 100%, rate: 8%}
          - {rate: 12%}

    earnings:
      commission:
        value: tiered(ae_tiers, booked)
      bonus:
        value: booked + 10%
      new_logo_spiff:
        when: count(deals where type == "new") > 0
        value: spif
      kicker:
        value: spiff
        capp: 1000
    """)


def _write(tmp_path: Path, text: str, name: str = "plan.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _check(*args: str):
    return CliRunner().invoke(cli, ["check", *args])


def test_the_example_plans_are_there_to_check():
    assert EXAMPLE_PLANS, "plans/*.yaml is empty: the clean-plan test below checks nothing"


def test_every_plan_the_samples_manifest_names_is_checked_here():
    if not MANIFEST.exists():
        pytest.skip("no plans/data/samples.yaml")
    import yaml
    named = {entry["plan"] for entry in yaml.safe_load(MANIFEST.read_text())["samples"]}
    assert named <= {p.name for p in EXAMPLE_PLANS}


@pytest.mark.parametrize("plan", EXAMPLE_PLANS, ids=lambda p: p.name)
def test_example_plan_checks_clean(plan, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = _check(f"plans/{plan.name}")
    assert result.exit_code == 0, result.output
    assert result.output == "1 plan checked: 0 errors\n"


@pytest.mark.parametrize("plan", EXAMPLE_PLANS, ids=lambda p: p.name)
def test_example_plan_leaves_nothing_unresolved_or_untyped(plan):
    """A clean plan gives the compiler a meaning for every name and a type for every value."""
    checked = check_file(plan)
    assert checked.ok and checked.exprs
    from compplan.lang import ast
    for path, node in checked.exprs.items():
        assert node in checked.types, path
        for ref in ast.refs(node):
            assert ref in checked.resolved, (path, ref.dotted)


def test_clean_plan_exits_0_and_says_so(tmp_path):
    result = _check(_write(tmp_path, CLEAN_PLAN))
    assert result.exit_code == 0
    assert result.output == "1 plan checked: 0 errors\n"


def test_clean_plan_in_json_is_an_empty_list(tmp_path):
    result = _check("--format", "json", _write(tmp_path, CLEAN_PLAN))
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_five_mistakes_are_all_reported_in_one_pass(tmp_path):
    path = _write(tmp_path, FIVE_MISTAKES)
    result = _check(path)
    assert result.exit_code == 1
    assert result.output.endswith("1 plan checked: 5 errors\n")
    found = [(p.line, p.code) for p in check_file(path).problems.sorted()]
    assert found == [
        (16, "division-by-zero"),  # average_deal: booked / 0
        (25, "tier-bounds"),       # nothing covers 50% to 60%
        (32, "unit-mismatch"),     # booked + 10%
        (35, "unknown-name"),      # spif
        (38, "unknown-key"),       # capp
    ]


def test_two_plans_are_counted_and_both_files_named(tmp_path):
    good = _write(tmp_path, CLEAN_PLAN, "good.yaml")
    bad = _write(tmp_path, CLEAN_PLAN.replace("* 8%", "* rate"), "bad.yaml")
    result = _check(good, bad)
    assert result.exit_code == 1
    assert f"{bad}:11:32: error: unknown name 'rate'" in result.output
    assert good + ":" not in result.output
    assert result.output.endswith("2 plans checked: 1 error\n")


def test_missing_file_is_reported_not_raised(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    result = _check(missing)
    assert result.exit_code == 1
    assert result.output.startswith(f"{missing}: error: cannot read the file")


def test_empty_file_is_an_error(tmp_path):
    result = _check(_write(tmp_path, "# nothing here yet\n"))
    assert result.exit_code == 1
    assert "error: the plan file is empty" in result.output


def test_a_plan_with_no_earnings_is_a_warning_and_still_exits_0(tmp_path):
    text = CLEAN_PLAN.split("\nearnings:")[0] + "\n"
    result = _check(_write(tmp_path, text))
    assert result.exit_code == 0
    assert "warning: the plan has no earnings: it pays nothing" in result.output
    assert result.output.endswith("1 plan checked: 0 errors, 1 warning\n")


def test_windows_line_endings_give_the_same_lines_and_columns():
    text = FIVE_MISTAKES
    unix = [(p.line, p.col, p.message) for p in check_source(text, "p").problems.sorted()]
    dos = [(p.line, p.col, p.message)
           for p in check_source(text.replace("\n", "\r\n"), "p").problems.sorted()]
    assert dos == unix


def test_windows_line_endings_inside_a_block_scalar():
    text = CLEAN_PLAN.replace("value: sum(deals.amount) * 8%",
                              "value: |\n      sum(deals.amount) * 8%\n        + bonus")
    for eol in ("\n", "\r\n"):
        (problem,) = check_source(text.replace("\n", eol), "p").problems.sorted()
        assert (problem.line, problem.col, problem.message) == (13, 11, "unknown name 'bonus'")


def test_byte_order_mark_is_not_part_of_the_first_key(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + CLEAN_PLAN.encode())
    assert check_file(path).ok


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(CLEAN_PLAN.replace("Demo plan", "Prime annuelle été").encode("latin-1"))
    (problem,) = check_file(path).problems.items
    assert problem.code == "encoding"
    assert "not UTF-8" in problem.message


def test_plan_data_that_is_not_a_mapping_is_one_clear_error():
    (problem,) = check_source("- plan: demo\n- name: x\n", "p").problems.items
    assert problem.code == "wrong-type"
    assert "must be a mapping" in problem.message


def test_misspelt_function_gets_did_you_mean():
    text = CLEAN_PLAN.replace("sum(deals.amount)", "summ(deals.amount)")
    (problem,) = check_source(text, "p").problems.items
    assert problem.message == "unknown function 'summ'"
    assert problem.hint == "did you mean 'sum'?"
    assert (problem.line, problem.col) == (11, 12)


def test_where_over_an_input_does_not_call_a_measure_a_credit_rule():
    """Regression: the hint for an unknown name in a measure's 'where' said 'credit rule'."""
    text = CLEAN_PLAN.replace("sum(deals.amount)", 'sum(deals.amount where region == "EU")')
    (problem,) = check_source(text, "p").problems.items
    assert problem.message == "unknown name 'region'"
    assert "credit rule" not in problem.hint
    assert problem.hint == ("if 'region' is a column of 'deals', declare it under "
                            "inputs.deals.columns")


def test_same_name_in_two_sections_is_not_also_reported_as_a_cycle():
    """Regression: an earning named like a measure it uses was also a 'circular definition'."""
    text = CLEAN_PLAN.replace(
        "earnings:\n  commission:\n    value: sum(deals.amount) * 8%",
        "measures:\n  commission: sum(deals.amount)\n\n"
        "earnings:\n  commission:\n    value: commission * 8%")
    codes = [p.code for p in check_source(text, "p").problems.items]
    assert codes == ["duplicate-name"]


def test_a_real_self_reference_is_still_a_cycle():
    text = CLEAN_PLAN.replace("sum(deals.amount) * 8%", "commission * 8%")
    (problem,) = check_source(text, "p").problems.items
    assert problem.message == "circular definition: commission -> commission"


def test_unknown_column_caret_sits_under_the_column_not_the_table():
    text = CLEAN_PLAN.replace("sum(deals.amount)", "sum(deals.amout)")
    (problem,) = check_source(text, "p").problems.items
    assert problem.message == "input 'deals' has no column 'amout'"
    line = text.splitlines()[problem.line - 1]
    assert line[problem.col - 1:].startswith("amout)")


def test_control_character_pasted_into_a_plan_is_pointed_at():
    """Regression: PyYAML's reader error came out at 1:1 with a two-line jargon message.

    Word's manual line break is U+000B; it arrives with text pasted from a document.
    """
    text = CLEAN_PLAN.replace("* 8%", "*\x0b8%")
    (problem,) = check_source(text, "p").problems.items
    assert (problem.line, problem.col) == (11, 31)
    assert problem.message == "the file contains a character that YAML does not allow (U+000B)"


def test_line_shown_is_the_line_named_even_after_a_unicode_line_separator():
    """Regression: U+2028 in a comment shifted PyYAML's and the display's line numbers."""
    text = CLEAN_PLAN.replace("name: Demo plan", 'name: "Demo\u2028plan"').replace("* 8%", "* rat")
    result = check_source(text, "p")
    (problem,) = result.problems.items
    assert problem.message == "unknown name 'rat'"
    shown = format_text([problem], {"p": text}).splitlines()
    assert shown[1] == "        value: sum(deals.amount) * rat"
    assert shown[2] == "    " + " " * (problem.col - 1) + "^"


def test_yaml_alias_bomb_is_reported_not_expanded():
    """Regression: nested aliases ("billion laughs") were converted again and again."""
    import time
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = CLEAN_PLAN + "\n".join(lines) + "\n"
    start = time.monotonic()
    (problem,) = check_source(text, "p").problems.items
    assert time.monotonic() - start < 10
    assert problem.message.startswith("the file expands to too many values (YAML aliases?)")
    assert problem.code == "too-large"
