"""Regressions found in review: plan-level settings, splits, rollups, scenarios.

Each test names what it fixes; each failed before its fix.
"""
from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.lang import check_source

BASE = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD
    inputs:
      payees: {key: rep_id, manager: manager_id, columns: {region: text}}
      deals: {key: deal_id, payee: rep_id, date: close_date,
              columns: {amount: money, product: text}}
      deal_splits: {key: split_id, payee: rep_id, columns: {deal_id: text, share: ratio}}
      quotas: {payee: rep_id, columns: {amount: money}}
    credits:
      bookings:
        from: deals
        value: amount
    measures:
      booked: sum(bookings)
      attainment: booked / quotas.amount
    earnings:
      commission:
        value: booked * 8%
    """)


def problems(text: str):
    return check_source(text, "p").problems.sorted()


def errors(text: str):
    return [(p.message, p.hint) for p in problems(text) if p.severity == "error"]


def messages(text: str):
    return [p.message for p in problems(text) if p.severity == "error"]


def test_base_plan_is_clean():
    assert problems(BASE) == []


# ---------------------------------------------------------------- 8. splits and rollups

SPLIT = BASE.replace("    value: amount\n", "    value: amount\n    split: {from: deal_splits}\n", 1)


def test_a_split_table_with_payee_link_and_ratio_share_is_clean():
    assert problems(SPLIT) == []


def test_split_table_without_a_payee_column_is_a_check_error():
    """Regression: the engine crashed with KeyError: None on the split rows."""
    text = SPLIT.replace("deal_splits: {key: split_id, payee: rep_id, columns: {",
                         "deal_splits: {key: split_id, columns: {rep_id: text, ")
    (msg,) = messages(text)
    assert msg == ("split table 'deal_splits' has no 'payee:' column: nothing says who "
                   "gets each share")


def test_split_table_without_the_link_column_is_a_check_error():
    """Regression: the engine failed at run time; the checker said nothing."""
    text = SPLIT.replace("columns: {deal_id: text, share: ratio}", "columns: {share: ratio}")
    ((msg, hint),) = errors(text)
    assert msg == "split table 'deal_splits' has no column 'deal_id' to link its rows to 'deals'"
    assert "declare 'deal_id' under inputs.deal_splits.columns" in hint


def test_split_share_column_must_be_a_ratio():
    text = SPLIT.replace("share: ratio}", "share: money}")
    (p,) = problems(text)
    assert p.message == ("the share column 'share' of split table 'deal_splits' is declared "
                         "money, but a share is a ratio")
    assert p.code == "wrong-type"


def test_split_share_column_that_is_missing_gets_did_you_mean():
    text = SPLIT.replace("split: {from: deal_splits}", "split: {from: deal_splits, share: shar}")
    ((msg, hint),) = errors(text)
    assert msg == "split table 'deal_splits' has no column 'shar'"
    assert hint == "did you mean 'share'?"


@pytest.mark.parametrize("levels", ["0", "-1", "2.5", "everyone"])
def test_rollup_levels_must_be_one_or_more_or_all(levels):
    """Regression: `levels: 0` was accepted, and a bad word did not mention 'all'."""
    text = BASE.replace("    value: amount\n", f"    value: amount\n    rollup: {{levels: {levels}}}\n", 1)
    ((msg, hint),) = errors(text)
    assert msg == f"'{levels}' is not a valid value for credits.bookings.rollup.levels"
    assert "'all'" in hint and "1 or more" in hint


def test_rollup_without_managers_points_at_the_credit_with_the_rollup():
    """Regression: the error pointed at the 'credits:' line, not at the rollup."""
    text = BASE.replace("    value: amount\n", "    value: amount\n    rollup: {levels: all}\n",
                        1).replace("manager: manager_id, ", "")
    (p,) = problems(text)
    assert (p.line, p.col) == (text.splitlines().index("    rollup: {levels: all}") + 1, 5)
    assert p.message == ("credits 'bookings' roll up to managers, but the payees input has "
                         "no 'manager:' column")


# ---------------------------------------------------------------- 9. plan-level settings

def test_effective_from_after_to_is_an_error():
    text = BASE.replace("period: quarter\n",
                        "period: quarter\neffective: {from: 2026-12-31, to: 2026-01-01}\n")
    (p,) = problems(text)
    assert p.message == ("the plan's effective dates are reversed: it starts on 2026-12-31 "
                         "but ends on 2026-01-01")
    assert (p.line, p.col) == (4, 35)


@pytest.mark.parametrize("step", ["0", "-0.01"])
def test_rounding_to_must_be_more_than_zero(step):
    text = BASE.replace("currency: USD\n", f"currency: USD\nrounding: {{to: {step}}}\n")
    ((msg, hint),) = errors(text)
    assert msg == f"rounding.to must be more than 0, not '{step}'"
    assert "0.01 for cents" in hint


def test_rounding_per_is_gone_with_an_unknown_key_error_and_a_hint():
    text = BASE.replace("currency: USD\n", "currency: USD\nrounding: {to: 0.01, per: line}\n")
    (p,) = problems(text)
    assert p.code == "unknown-key"
    assert p.message == "unknown key 'per' in rounding"
    assert "remove 'per'" in p.hint


def test_weights_must_add_up_to_100_percent():
    text = BASE.replace("quotas: {payee: rep_id,",
                        "quotas: {payee: rep_id, weights: {1: 20%, 2: 25%, 3: 25%, 4: 20%},")
    (p,) = problems(text)
    assert p.message == "the weights of 'quotas' add up to 90%, not 100%"


def test_weights_that_add_up_are_clean():
    text = BASE.replace("quotas: {payee: rep_id,",
                        "quotas: {payee: rep_id, weights: {1: 20%, 2: 25%, 3: 25%, 4: 30%},")
    assert problems(text) == []


@pytest.mark.parametrize("key", ["0", "Q1", "1.5", "01"])
def test_weight_keys_are_period_numbers_from_1(key):
    text = BASE.replace("quotas: {payee: rep_id,",
                        f"quotas: {{payee: rep_id, weights: {{'{key}': 50%, 2: 50%}},")
    (p,) = problems(text)
    assert p.message == f"'{key}' is not a period number in inputs.quotas.weights"


def test_missing_null_validates_in_the_json_schema():
    """Regression: `missing: null` passed the checker but failed the published schema."""
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    missing = schema["$defs"]["Input"]["properties"]["missing"]
    allowed = missing.get("anyOf", [missing])
    assert {"type": "null"} in allowed
    assert any("null" in a.get("enum", ()) for a in allowed)  # the word, quoted
    assert problems(BASE.replace("quotas: {payee: rep_id,",
                                 "quotas: {payee: rep_id, missing: null,")) == []


# ---------------------------------------------------------------- 10. scenarios

SCENARIO = BASE + textwrap.dedent("""\
    scenarios:
      - name: one deal
        period: 2026-Q1
        data:
          deals:
            - {deal_id: D-1, rep_id: R1, close_date: 2026-01-20, amount: 10000, product: hw}
          quotas:
            - {rep_id: R1, amount: 50000}
        expect:
          R1: {booked: 10000, attainment: 20%, commission: 800, total: 800}
    """)


def test_a_good_scenario_is_clean():
    assert problems(SCENARIO) == []


@pytest.mark.parametrize("old,new,message,hint", [
    ("    deals:\n        - {", "    deal:\n        - {",
     "scenario data names unknown input 'deal'", "did you mean 'deals'?"),
    ("amount: 10000, product", "amont: 10000, product",
     "scenario data for 'deals' has unknown column 'amont'", "did you mean 'amount'?"),
    ("commission: 800,", "comission: 800,",
     "'comission' is not an earning, a measure or 'total'", "did you mean 'commission'?"),
    ("period: 2026-Q1", "period: 2026-03",
     "'2026-03' is a month, but the plan pays by quarter", "write a quarter, e.g. 2026-Q1"),
    ("period: 2026-Q1", "period: 2026-Q5",
     "'2026-Q5' is not a period; write one of 2026-03-15, 2026-W05, 2026-03a, 2026-03, "
     "2026-Q1, 2026-H1, 2026", "this plan pays by quarter: write e.g. 2026-Q1"),
])
def test_scenarios_are_checked(old, new, message, hint):
    """Regression: `compplan check` did not look inside scenarios at all."""
    text = SCENARIO.replace(old, new)
    assert text != SCENARIO
    ((msg, got_hint),) = errors(text)
    assert (msg, got_hint) == (message, hint)


def test_scenario_problem_points_at_the_misspelt_key():
    text = SCENARIO.replace("amount: 10000, product", "amont: 10000, product")
    (p,) = problems(text)
    line = text.splitlines()[p.line - 1]
    assert line[p.col - 1:].startswith("amont: 10000")


def test_period_parsing_is_shared_with_the_engine():
    from compplan import periods
    from compplan.engine import periods as engine_periods
    assert engine_periods.parse_period is periods.parse_period
    assert engine_periods.Period is periods.Period
