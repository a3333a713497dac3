"""Regressions found in review: lookup tables, tier tables, and rates in credit rules.

Each test names what it fixes; each failed before its fix.
"""
from __future__ import annotations

import textwrap

import pytest

from compplan.lang import ast, check_source

PLAN = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD
    inputs:
      payees: {key: rep_id, columns: {region: text}}
      deals: {key: deal_id, payee: rep_id, date: close_date,
              columns: {amount: money, product: text, type: text}}
      quotas: {payee: rep_id, columns: {amount: money}}
    credits:
      bookings:
        from: deals
        value: amount
    measures:
      booked: sum(bookings)
      attainment: booked / quotas.amount
    rates:
    RATES
    earnings:
      commission:
        value: EARNING
    """)

LOOKUP = """\
  product_rates:
    keys: [product, type]
    rows:
      - [hw, new, 10%]
      - [hw, "*", 4%]
      - ['"sw"', new, 12%]
      - [North America, "*", 8%]
    default: 0
  region_bonus:
    keys: [region]
    rows:
      - [west, 500]
      - [east, 1000.50]
"""

TIERS = """\
  ae_tiers:
    basis: attainment
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 50%, rate: 0}
      - {from: 50%, to: 100%, rate: 8%}
      - {from: 100%, rate: 12%}
"""


def check(rates: str, earning: str, plan: str = PLAN):
    text = plan.replace("RATES\n", rates)
    return check_source(text.replace("EARNING", earning), "p")


def messages(rates: str, earning: str, plan: str = PLAN):
    return [p.message for p in check(rates, earning, plan).problems.sorted()]


# ---------------------------------------------------------------- 5. lookup tables

def test_lookup_key_cells_written_as_bare_words_are_texts():
    """Regression: `[hw, new, 10%]` said "unknown name 'hw'"; admins wrote '"hw"'."""
    checked = check(LOOKUP, "booked * lookup(product_rates, payee.region, \"new\")")
    assert checked.problems.sorted() == []
    cells = [checked.expr("rates", "product_rates", "rows", i, 0) for i in range(4)]
    assert [(type(n), n.value) for n in cells] == [
        (ast.String, "hw"), (ast.String, "hw"), (ast.String, "sw"),
        (ast.String, "North America")]
    star = checked.expr("rates", "product_rates", "rows", 1, 1)
    assert (type(star), star.value) == (ast.String, "*")  # the wildcard, YAML-quoted


def test_lookup_values_that_are_plain_numbers_stay_untyped_constants():
    """Regression: `booked + lookup(region_bonus, ...)` was 'money and a number do not mix'."""
    checked = check(LOOKUP, "booked + lookup(region_bonus, payee.region)")
    assert checked.problems.sorted() == []
    assert checked.type_of(checked.expr("earnings", "commission", "value")).kind == "money"


def test_lookup_value_type_comes_from_every_row_not_the_first():
    """Regression: only the first row's value decided the table's type."""
    rates = LOOKUP.replace("[east, 1000.50]", "[east, 5%]")
    assert messages(rates, "booked + lookup(region_bonus, payee.region)") == [
        "lookup values: percentages and plain numbers do not mix"]


def test_lookup_default_must_agree_with_the_rows():
    rates = LOOKUP.replace("[east, 1000.50]\n", "[east, 1000.50]\n    default: 5%\n")
    assert messages(rates, "booked + lookup(region_bonus, payee.region)") == [
        "the default of 'region_bonus' is a percentage, but its rows are plain numbers"]


def test_lookup_key_argument_must_be_comparable_with_the_key_cells():
    """Regression: `lookup(product_rates, 5, ...)` with text keys was accepted."""
    assert messages(LOOKUP, 'booked * lookup(product_rates, 5, "new")') == [
        "lookup(product_rates, ...): this key is an integer, but the table's 'product' "
        "keys are texts"]


# ---------------------------------------------------------------- 6. tier tables

def test_a_zero_rate_among_percentages_is_not_a_mix_of_units():
    """Regression: `rate: 0` in a table of percentages 'mixed percentages and amounts'."""
    checked = check(TIERS, "tiered(ae_tiers, booked) + booked * rate(ae_tiers)")
    assert checked.problems.sorted() == []
    assert checked.symbols.rates["ae_tiers"].kind == "ratio"


def test_a_bound_that_is_not_written_out_is_one_error():
    """Regression: `to: big * 2` gave three errors, one a false 'no upper bound'. Since
    issue 20 a bound may be an expression of params; an unknown name in it is one error."""
    rates = TIERS.replace("{from: 50%, to: 100%, rate: 8%}", "{from: 50%, to: quota * 2, rate: 8%}")
    assert messages(rates, "tiered(ae_tiers, booked)") == ["unknown name 'quota'"]


@pytest.mark.parametrize("bound", ["1.5", "50_000"])
def test_plain_number_bounds_on_a_ratio_basis_are_an_error(bound):
    """Regression: `to: 1.5` on attainment was read as 150%, `to: 50_000` as 5,000,000%."""
    rates = TIERS.replace("{from: 100%, rate: 12%}", f"{{from: 100%, to: {bound}, rate: 12%}}")
    problems = check(rates, "tiered(ae_tiers, booked)").problems.sorted()
    assert [p.message for p in problems] == [
        f"tier bound {bound} is a plain number, but the basis 'attainment' is a ratio"]
    assert "100%" in problems[0].hint


def test_zero_bound_on_a_ratio_basis_is_fine():
    assert messages(TIERS.replace("{to: 50%, rate: 0}", "{from: 0, to: 50%, rate: 0}"),
                    "tiered(ae_tiers, booked)") == []


def test_rate_with_a_plain_number_basis_on_a_ratio_table_is_an_error():
    assert messages(TIERS, "booked * rate(ae_tiers, 100)") == [
        "rate(ae_tiers)'s basis 'attainment' is a ratio; this is a plain number"]
    assert messages(TIERS, "booked * rate(ae_tiers, 100%)") == []


# ---------------------------------------------------------------- 7. rates in credit rules

@pytest.mark.parametrize("value", ["amount * rate(ae_tiers)", "tiered(ae_tiers, amount)"])
def test_rate_on_a_measure_basis_in_a_credit_rule_is_a_scope_error(value):
    """Regression: credits are worked out before measures, so this failed at run time."""
    plan = PLAN.replace("    value: amount\n", f"    value: {value}\n", 1)
    (p,) = check(TIERS, "booked * 8%", plan).problems.sorted()
    assert p.code == "scope"
    assert p.message.endswith("cannot be used in a credit rule: its basis 'attainment' uses "
                              "measure 'attainment', and credits are worked out before "
                              "measures and earnings")


def test_rate_with_its_basis_given_is_fine_in_a_credit_rule():
    plan = PLAN.replace("    value: amount\n", "    value: amount * rate(ae_tiers, 80%)\n", 1)
    assert messages(TIERS, "booked * 8%", plan) == []


# ---------------------------------------------------------------- 11. per-credit order

def test_per_credit_marginal_tiers_on_credits_without_a_date_warn():
    """Regression: credits of an input without 'date:' ran along the tiers in id order,
    silently."""
    plan = PLAN.replace("date: close_date,\n          columns: {amount: money,",
                        "columns: {close_date: date, amount: money,")
    plan = plan.replace("  commission:\n", "  commission:\n    each: bookings\n")
    checked = check(TIERS, "tiered(ae_tiers)", plan)
    (p,) = checked.problems.sorted()
    assert p.severity == "warning" and checked.ok
    assert p.message == ("'commission' pays each credit of 'bookings' along the marginal "
                         "tiers of 'ae_tiers' in the order the credits were made, but "
                         "'deals' has no 'date:' column: credits are ordered by id only")


def test_per_credit_tiers_on_a_basis_over_undated_credits_warn():
    plan = PLAN.replace("\n  quotas: {", "\n  calls: {key: call_id, payee: rep_id, "
                        "columns: {minutes: integer}}\n  quotas: {")
    plan = plan.replace("  booked: sum(bookings)\n", "  booked: sum(bookings)\n"
                        "  call_minutes: sum(calls.minutes)\n")
    plan = plan.replace("  commission:\n", "  commission:\n    each: bookings\n")
    rates = ("  ae_tiers:\n    basis: call_minutes\n    mode: marginal\n"
             "    at_boundary: upper\n    tiers:\n      - {to: 100, rate: 4%}\n"
             "      - {rate: 8%}\n")
    problems = check(rates, "tiered(ae_tiers)", plan).problems.sorted()
    assert [p.message.split(": credits")[0].split("but ")[-1] for p in problems] == [
        "'calls' has no 'date:' column"]


def test_per_credit_tiers_with_dated_credits_do_not_warn():
    plan = PLAN.replace("  commission:\n", "  commission:\n    each: bookings\n")
    assert check(TIERS, "tiered(ae_tiers)", plan).problems.sorted() == []
