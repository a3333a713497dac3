"""The plan diff by meaning: each kind of change a comp committee reviews, and the
changes that are no change (formatting, key order, comments, how a number is written)."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.diff.normal import normal
from compplan.diff.plans import diff_plans
from compplan.lang import check_source
from compplan.lang.parse import parse_expression
from compplan.errors import Pos

ROOT = Path(__file__).resolve().parents[2]
AE = (ROOT / "plans" / "ae.yaml").read_text()
CS = (ROOT / "plans" / "cs.yaml").read_text()


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the sample plan no longer holds {old!r}"
    return text.replace(old, new)


def changes(old: str, new: str) -> list[tuple]:
    d = diff_plans(check_source(old, "old.yaml"), check_source(new, "new.yaml"))
    assert d.ok, d.problems
    return [(c.section, c.label, c.kind, c.old, c.new) for c in d.changes]


# ---------------------------------------------------------------- expressions


def expr(text):
    return parse_expression(text, lambda offset: Pos("x", 1, offset + 1))


@pytest.mark.parametrize("a, b", [
    ("amount * 8%", "amount*0.08"),
    ("amount * 8%", "8% * amount"),
    ("(a + b) * 2", "2 * (b + a)"),
    ("x > 5", "5 < x"),
    ("x >= y", "y <= x"),
    ("a == \"hw\"", "\"hw\" == a"),
    ("type in [\"a\", \"b\"]", "type in ['b', 'a']"),
    ("50_000", "50000.00"),
    ("1000 if ok else 0  # a comment", "(1000) if (ok) else (0)"),
])
def test_written_differently_is_the_same_expression(a, b):
    assert normal(expr(a)) == normal(expr(b))


@pytest.mark.parametrize("a, b", [
    ("a - b", "b - a"),
    ("a / b", "b / a"),
    ("x > 5", "x < 5"),
    ("(a + b) + c", "a + (b + c)"),  # Decimal rounding: not re-associated
    ("ok and y / x > 1", "y / x > 1 and ok"),  # the left side guards the right
    ("amount * 8%", "amount * 8.01%"),
    ("sum(deals.amount where x)", "sum(deals.amount)"),
])
def test_different_meaning_is_a_different_expression(a, b):
    assert normal(expr(a)) != normal(expr(b))


# ---------------------------------------------------------------- the AE plan


def test_a_rate_change():
    new = edit(AE, "- {to: 150%, rate: 12%}", "- {to: 150%, rate: 14%}")
    assert changes(AE, new) == [("rates", "ae_tiers tier 3 rate", "changed", "12%", "14%")]


def test_an_added_top_tier():
    # the old top band (from 150%, 16%) now ends at 200%; a new band above pays 20%
    new = edit(AE, "      - {rate: 16%}", "      - {to: 200%, rate: 16%}\n      - {rate: 20%}")
    assert changes(AE, new) == [
        ("rates", "ae_tiers tier 4 to", "changed", "(open)", "200%"),
        ("rates", "ae_tiers tier 5", "added", None, "from 200% at 20%"),
    ]


def test_a_tier_inserted_in_the_middle_is_one_added_band_not_a_shifted_list():
    # 150% -> 175% at 14% goes in before the top band; the top band keeps its rate and
    # is now the fifth, starting at 175%
    new = edit(AE, "      - {rate: 16%}", "      - {to: 175%, rate: 14%}\n      - {rate: 16%}")
    assert changes(AE, new) == [
        ("rates", "ae_tiers tier 4", "added", None, "150% to 175% at 14%"),
        ("rates", "ae_tiers tier 5 (was tier 4) from", "changed", "150%", "175%"),
    ]


def test_a_removed_tier():
    new = edit(AE, "      - {to: 100%, rate: 8%}\n", "")
    # the 8% band is gone and the 12% band now starts where it started
    assert changes(AE, new) == [
        ("rates", "ae_tiers tier 2", "removed", "50% to 100% at 8%", None),
        ("rates", "ae_tiers tier 2 (was tier 3) from", "changed", "100%", "50%"),
    ]


def test_a_renamed_rule_is_a_rename_and_its_users_do_not_change():
    # the tier table and the measure get new names; commission's tiered(ae_tiers) and
    # attainment's booked / quotas.amount follow, and the scenarios' expectations too
    new = AE.replace("ae_tiers", "accelerators").replace("booked", "bookings_total")
    assert changes(AE, new) == [
        ("measures", "bookings_total", "renamed", "booked", "bookings_total"),
        ("rates", "accelerators", "renamed", "ae_tiers", "accelerators"),
    ]


def test_a_renamed_rule_that_also_changed_is_removed_and_added():
    new = edit(AE.replace("ae_tiers", "accel"), "- {to: 150%, rate: 12%}",
               "- {to: 150%, rate: 14%}")
    got = changes(AE, new)
    assert ("rates", "accel", "added") == got[0][:3]
    assert ("rates", "ae_tiers", "removed") == got[1][:3]
    assert got[2] == ("earnings", "commission value", "changed", "tiered(ae_tiers)",
                      "tiered(accel)")


def test_a_changed_gate():
    new = edit(AE, "when: kpis.csat >= 85 and attainment >= 100%",
               "when: kpis.csat >= 80 and attainment >= 100%")
    assert changes(AE, new) == [
        ("earnings", "csat_bonus when", "changed", "kpis.csat >= 85 and attainment >= 100%",
         "kpis.csat >= 80 and attainment >= 100%")]


def test_a_gate_added_and_a_cap_removed():
    new = edit(AE, "    value: tiered(ae_tiers)\n    cap: 250% * payee.target_incentive",
               "    when: attainment >= 50%\n    value: tiered(ae_tiers)")
    assert changes(AE, new) == [
        ("earnings", "commission when", "added", None, "attainment >= 50%"),
        ("earnings", "commission cap", "removed", "250% * payee.target_incentive", None),
    ]


def test_inputs_params_credits_settings_and_scenarios():
    new = edit(AE, "columns: {amount: money, product: text, type: text}",
               "columns: {amount: money, product: text, type: text, segment: text}")
    new = edit(new, "columns: {csat: number}, missing: null,",
               "columns: {csat: number}, missing: zero,")
    new = edit(new, "renewal_credit: 50%", "renewal_credit: 60%")
    new = edit(new, 'when: product != "services"', 'when: product != "services" and '
               'amount > 0')
    new = edit(new, "effective: {from: 2026-01-01, to: 2026-12-31}",
               "effective: {from: 2026-04-01, to: 2026-12-31}")
    new = edit(new, "version: 3", "version: 4")
    new = edit(new, "rounding: {to: 0.01, mode: half_up}", "rounding: {to: 1}")
    new = edit(new, "commission: 8400.00, csat_bonus: 0,", "commission: 8400, csat_bonus: 0.00,")
    new = edit(new, "ben: {attainment: 150%, commission: 5000.00, total: 5000.00}",
               "ben: {attainment: 150%, commission: 5000.00, total: 5500.00}")
    assert changes(AE, new) == [
        ("plan", "version", "changed", "3", "4"),
        ("plan", "effective from", "changed", "2026-01-01", "2026-04-01"),
        ("plan", "rounding to", "changed", "0.01", "1"),
        ("inputs", "deals column segment", "added", None, "text"),
        ("inputs", "kpis missing", "changed", "null", "zero"),
        ("params", "renewal_credit", "changed", "50%", "60%"),
        ("credits", "bookings when", "changed", 'product != "services"',
         'product != "services" and amount > 0'),
        # 8400 for 8400.00 is the same figure; 5,500 for 5,000 is not
        ("scenarios", "the cap at 250% of target incentive expect ben", "changed",
         "{attainment: 150%, commission: 5000.00, total: 5000.00}",
         "{attainment: 150%, commission: 5000.00, total: 5500.00}"),
    ]


def test_lookup_rows_by_key_not_by_order():
    rows = "      - ['\"enterprise\"', 2%]\n      - ['\"mid-market\"', 3%]\n"
    swapped = "      - ['\"mid-market\"', 3%]\n      - ['\"enterprise\"', 2%]\n"
    assert changes(CS, edit(CS, rows, swapped)) == []
    new = edit(CS, rows, "      - ['\"enterprise\"', 2.5%]\n      - ['\"smb\"', 5%]\n")
    assert changes(CS, new) == [
        ("rates", 'segment_rates row ["enterprise"]', "changed", "2%", "2.5%"),
        ("rates", 'segment_rates row ["mid-market"]', "removed", "3%", None),
        ("rates", 'segment_rates row ["smb"]', "added", None, "5%"),
    ]


def test_payout_draw_and_hold_added():
    new = AE + "payout:\n  draw: {amount: 2000, recoverable: true}\n"
    new = edit(new, "    cap: 250% * payee.target_incentive",
               "    hold: {share: 20%, periods: 1}\n    cap: 250% * payee.target_incentive")
    assert changes(AE, new) == [
        ("earnings", "commission hold", "added", None, "{share: 20%, periods: 1}"),
        ("payout", "payout draw", "added", None, "{amount: 2000, recoverable: true}"),
    ]


# ---------------------------------------------------------------- no change

ONE = """
# a plan written one way
plan: p
name: P
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money, type: text}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount, when: type != "services"}
measures:
  booked: sum(sales)
  attainment: booked / quotas.amount
rates:
  bands:
    basis: booked
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 50_000, rate: 5%}
      - {to: 100_000, rate: 6%}
      - {rate: 7%}
earnings:
  banded: {value: tiered(bands), when: attainment > 50%}
"""

OTHER = """
plan: p
currency: USD            # the same plan, written another way
period: quarter
name: "P"
rounding:
  mode: half_up          # the defaults, written out
  to: 0.01
inputs:
  quotas:
    columns:
      amount: money
    period: period
    payee: rep_id
  deals:
    columns: {type: text, amount: money}
    date: close_date
    key: deal_id
    payee: rep_id
    file: deals.csv
  payees: {columns: {name: text}, key: rep_id}
earnings:
  banded:
    when: 50.0% < attainment
    value: >-
      tiered(bands)
measures:
  attainment: (booked) / quotas.amount
  booked: sum(sales)
credits:
  sales:
    value: amount
    payee: rep_id        # the input's payee column: what leaving it out means
    when: '"services" != type'
    from: deals
rates:
  bands:
    tiers:
      - {rate: 5.0%, to: 50000}
      - {from: 50000, to: 100000.00, rate: 6%}   # a bound written out, not implied
      - {rate: 7%}
    at_boundary: upper
    mode: marginal
    basis: booked
"""


def test_reformatting_reordering_and_comments_are_no_change():
    assert changes(ONE, OTHER) == []
    r = CliRunner().invoke(cli, ["diff", str(ROOT / "plans" / "ae.yaml"),
                                 str(ROOT / "plans" / "ae.yaml")])
    assert r.exit_code == 0 and "no change in meaning" in r.output


def test_plans_that_do_not_check_report_their_errors_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit(AE, "value: tiered(ae_tiers)", "value: tiered(ae_tier)"))
    good = tmp_path / "good.yaml"
    good.write_text(AE)
    r = CliRunner().invoke(cli, ["diff", str(good), str(bad)])
    assert r.exit_code == 2
    line = AE[:AE.index("value: tiered(ae_tiers)")].count("\n") + 1
    assert f"{bad}:{line}:19: error:" in r.output
    assert "did you mean 'ae_tiers'?" in r.output
    r = CliRunner().invoke(cli, ["diff", str(good), str(tmp_path / "none.yaml")])
    assert r.exit_code == 2 and "cannot read the file" in r.output


def test_input_columns_removed_and_retyped():
    old = ONE.replace("columns: {amount: money, type: text}",
                      "columns: {amount: money, type: text, region: text, units: integer}")
    new = ONE.replace("columns: {amount: money, type: text}",
                      "columns: {amount: money, type: text, units: number}")
    assert changes(old, new) == [
        ("inputs", "deals column region", "removed", "text", None),
        ("inputs", "deals column units", "changed", "integer", "number"),
    ]


CLAWBACK = """
clawbacks:
  cancelled:
    from: deals
    when: type == "cancelled"
    share: 100%
"""


def test_tier_modes_clawbacks_floors_totals_and_currency():
    old = ONE + CLAWBACK
    new = (ONE.replace("    mode: marginal\n    at_boundary: upper",
                       "    mode: whole\n    at_boundary: lower")
           .replace("banded: {value: tiered(bands), when: attainment > 50%}",
                    "banded: {value: tiered(bands), when: attainment > 50%, floor: 100}")
           .replace("currency: USD", "currency: EUR")
           + CLAWBACK.replace("share: 100%", "share: 50%") + "total: {cap: 10000}\n")
    assert changes(old, new) == [
        ("plan", "currency", "changed", "USD", "EUR"),
        ("rates", "bands mode", "changed", "marginal", "whole"),
        ("rates", "bands at_boundary", "changed", "upper", "lower"),
        ("earnings", "banded floor", "added", None, "100"),
        ("clawbacks", "cancelled share", "changed", "100%", "50%"),
        ("total", "total cap", "added", None, "10000"),
    ]
    # rounding left out is the currency's minor unit: JPY rounds to 1, not 0.01
    jpy = ONE.replace("currency: USD", "currency: JPY")
    assert ("plan", "rounding to", "changed", "0.01", "1") in changes(ONE, jpy)


def test_issue14_a_label_changed_in_one_language_is_a_change():
    """A Label equals another by its English text, so a change to the Vietnamese words
    a rep reads went unseen; each language is compared on its own."""
    new = edit(AE, "vi: Thưởng CSAT,", "vi: Tiền thưởng CSAT,")
    new = edit(new, "label: {en: Commission, vi: Hoa hồng, pl: Prowizja, ms: Komisen}",
               "label: {en: Commission on deals, vi: Hoa hồng, pl: Prowizja}")
    assert changes(AE, new) == [
        ("earnings", "commission label en", "changed", "Commission", "Commission on deals"),
        ("earnings", "commission label ms", "removed", "Komisen", None),
        ("earnings", "csat_bonus label vi", "changed", "Thưởng CSAT", "Tiền thưởng CSAT"),
    ]
    assert changes(AE, AE) == []
