"""Across periods (issue 5): what a later run pays or recovers for earlier, paid ones.

Every test saves, approves and pays month after month on a growing data folder, as
finance would, on SQLite and on PostgreSQL; the pay is worked out by hand beside it.
"""
from decimal import Decimal as D
from pathlib import Path

import pytest

from compplan.engine import load_plan
from compplan.store import lifecycle

PLAN = """
plan: monthly
name: Monthly commission
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, missing: null,
          columns: {amount: money, status: text, cancel_date: date, invoice_paid: boolean}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%EXTRA}
"""
HEADER = "deal_id,rep_id,close_date,amount,status,cancel_date,invoice_paid\n"


class Book:
    """A plan and its data folder, month by month."""

    def __init__(self, tmp: Path, store, extra: str = "", plan: str = PLAN,
                 header: str = HEADER):
        self.store, self.dir = store, tmp
        (tmp / "data").mkdir()
        (tmp / "plan.yaml").write_text(plan.replace("EXTRA", extra))
        (tmp / "data" / "payees.csv").write_text("rep_id,name\nann,Ann\n")
        self.header, self.deals = header, {}
        self.compiled = load_plan(tmp / "plan.yaml")

    def deal(self, line: str) -> None:
        self.deals[line.split(",")[0]] = line

    def write(self, name: str, text: str) -> None:
        (self.dir / "data" / name).write_text(text)

    def pay(self, period: str) -> dict:
        """Save, approve and pay a period; what each component paid ann."""
        (self.dir / "data" / "deals.csv").write_text(
            self.header + "".join(d + "\n" for d in self.deals.values()))
        saved = lifecycle.save_run(self.store, self.compiled, self.dir / "data", period, "fin")
        lifecycle.approve(self.store, saved.run.id, "controller")
        lifecycle.mark_paid(self.store, saved.run.id, "payroll")
        ann = saved.result.payee("ann")
        assert sum(ln.amount for ln in ann.lines) == ann.total  # lines add up, always
        return {**{k: v for k, v in ann.components.items() if v}, "total": ann.total}


def test_a_changed_amount_in_a_paid_month_is_paid_next_month_once(store, tmp_path):
    book = Book(tmp_path, store)
    book.deal("D1,ann,2026-01-10,10000,open,,false")
    assert book.pay("2026-01") == {"commission": D("1000.00"), "total": D("1000.00")}
    book.deal("D1,ann,2026-01-10,12000,open,,false")  # January's deal corrected
    book.deal("D2,ann,2026-02-03,5000,open,,false")
    # February: 5,000 x 10% = 500; January recomputed 1,200 - paid 1,000 = +200
    assert book.pay("2026-02") == {"commission": D("500.00"), "adjustment": D("200.00"),
                                   "total": D("700.00")}
    # March: nothing new; January was paid 1,000 and adjusted by 200: no second 200
    assert book.pay("2026-03") == {"total": D("0.00")}


CLAWBACK = """
clawbacks:
  cancelled:
    from: deals
    when: status == "cancelled"
    share: 100% if days_between(close_date, cancel_date) <= 90 else 50%
"""


def test_a_deal_cancelled_two_periods_after_payment_is_clawed_back_once(store, tmp_path):
    book = Book(tmp_path, store, plan=PLAN + CLAWBACK)
    book.deal("D1,ann,2026-01-10,10000,open,,false")
    book.deal("D2,ann,2026-01-12,20000,open,,false")
    assert book.pay("2026-01")["total"] == D("3000.00")  # 1,000 + 2,000
    book.deal("D3,ann,2026-02-05,4000,open,,false")
    assert book.pay("2026-02")["total"] == D("400.00")
    # March: D1 cancelled 64 days after close (within 90: all of it back), D2 cancelled
    # 2026-05-01... not yet; D3 fine. 1,000 paid on D1 comes back.
    book.deal("D1,ann,2026-01-10,10000,cancelled,2026-03-15,false")
    assert book.pay("2026-03") == {"clawback": D("-1000.00"), "total": D("-1000.00")}
    # April: D2 cancelled 109 days after close: half of its 2,000 comes back; D1 not again
    book.deal("D2,ann,2026-01-12,20000,cancelled,2026-05-01,false")
    assert book.pay("2026-04") == {"clawback": D("-1000.00"), "total": D("-1000.00")}
    assert book.pay("2026-05") == {"total": D("0.00")}


DRAW = """
payout:
  draw: {amount: 5000, recoverable: RECOVERABLE, periods: 6}
"""


@pytest.mark.parametrize("recoverable", [True, False])
def test_a_draw_paid_and_recovered_over_three_periods(store, tmp_path, recoverable):
    book = Book(tmp_path, store, plan=PLAN + DRAW.replace("RECOVERABLE", str(recoverable)))
    months = [("2026-01", 32000), ("2026-02", 60000), ("2026-03", 55000), ("2026-04", 54000)]
    paid = []
    for i, (month, amount) in enumerate(months, start=1):
        book.deal(f"D{i},ann,{month}-10,{amount},open,,false")
        paid.append(book.pay(month))
    # January: 3,200 earned, the draw tops it up by 1,800 to 5,000 either way
    assert paid[0] == {"commission": D("3200.00"), "draw": D("1800.00"), "total": D("5000.00")}
    if recoverable:
        # the 1,800 is recovered from pay above the draw: February 6,000 - 5,000 = 1,000
        # (800 left), March 5,500 - 5,000 = 500 (300 left), April the last 300 of 400
        assert [p["total"] for p in paid] == [D("5000.00"), D("5000.00"), D("5000.00"),
                                              D("5100.00")]
        assert [p.get("draw") for p in paid] == [D("1800.00"), D("-1000.00"), D("-500.00"),
                                                 D("-300.00")]
    else:
        # non-recoverable: never owed back
        assert [p["total"] for p in paid] == [D("5000.00"), D("6000.00"), D("5500.00"),
                                              D("5400.00")]


YTD_PLAN = """
plan: annual
name: Annual quota, paid quarterly
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  attainment: booked / quotas.amount
rates:
  tiers:
    basis: attainment
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 100%, rate: 5%}
      - {rate: 10%}
earnings:
  commission: {value: "tiered(tiers, booked)"}
payout:
  basis: year_to_date
"""


def test_a_year_to_date_plan_pays_earned_less_paid(store, tmp_path):
    book = Book(tmp_path, store, plan=YTD_PLAN, header="deal_id,rep_id,close_date,amount\n")
    book.write("quotas.csv", "rep_id,period,amount\nann,2026-Q1,100000\nann,2026-Q2,100000\n")
    book.deal("D1,ann,2026-02-10,80000")
    # Q1: 80,000 of a 100,000 quota, all at 5%: 4,000
    assert book.pay("2026-Q1") == {"commission": D("4000.00"), "total": D("4000.00")}
    book.deal("D2,ann,2026-05-10,150000")
    # Q2, the year so far: 230,000 of 200,000: 200,000 x 5% + 30,000 x 10% = 13,000,
    # less the 4,000 paid for Q1: 9,000
    assert book.pay("2026-Q2") == {"commission": D("13000.00"),
                                   "paid_earlier": D("-4000.00"), "total": D("9000.00")}


def test_a_held_part_is_paid_when_the_invoice_is(store, tmp_path):
    hold = "\n    hold: {share: 30%, until: invoice_paid}"
    book = Book(tmp_path, store, plan=PLAN.replace(
        "  commission: {each: sales, value: amount * 10%EXTRA}",
        "  commission:\n    each: sales\n    value: amount * 10%" + hold))
    book.deal("D1,ann,2026-01-10,10000,open,,false")
    # January: 1,000 earned, 30% (300) held until the invoice is paid: 700 paid
    assert book.pay("2026-01") == {"commission": D("1000.00"), "held": D("-300.00"),
                                   "total": D("700.00")}
    assert book.pay("2026-02") == {"total": D("0.00")}  # invoice still open
    book.deal("D1,ann,2026-01-10,10000,open,,true")
    assert book.pay("2026-03") == {"released": D("300.00"), "total": D("300.00")}
    assert book.pay("2026-04") == {"total": D("0.00")}  # released once


def test_a_hold_keeps_back_part_of_what_is_paid_after_a_cap(store, tmp_path):
    hold = "\n    cap: 1500\n    hold: {share: 20%, until: invoice_paid}"
    book = Book(tmp_path, store, plan=PLAN.replace(
        "  commission: {each: sales, value: amount * 10%EXTRA}",
        "  commission:\n    each: sales\n    value: amount * 10%" + hold))
    book.deal("D1,ann,2026-01-10,10000,open,,false")
    book.deal("D2,ann,2026-01-20,20000,open,,false")
    # earned 1,000 + 2,000 = 3,000, capped at 1,500 (a -1,500 line): each deal is paid
    # half its commission; 20% of that is held: 1,000 x 1,500/3,000 x 20% = 100 and
    # 2,000 x 1,500/3,000 x 20% = 200: 300 held of the 1,500 paid
    assert book.pay("2026-01") == {"commission": D("1500.00"), "held": D("-300.00"),
                                   "total": D("1200.00")}
    book.deal("D1,ann,2026-01-10,10000,open,,true")
    assert book.pay("2026-02") == {"released": D("100.00"), "total": D("100.00")}


def test_issue16_item9_a_draw_balance_is_recovered_once_when_two_drafts_are_paid(
        store, tmp_path):
    book = Book(tmp_path, store, plan=PLAN + DRAW.replace("RECOVERABLE", "true"))
    book.deal("D1,ann,2026-01-10,32000,open,,false")
    # January: 3,200 earned, topped up by 1,800 to the 5,000 draw: a balance of 1,800
    assert book.pay("2026-01")["draw"] == D("1800.00")
    book.deal("D2,ann,2026-02-10,60000,open,,false")
    book.deal("D3,ann,2026-03-10,70000,open,,false")

    def save(period):
        (book.dir / "data" / "deals.csv").write_text(
            book.header + "".join(d + "\n" for d in book.deals.values()))
        return lifecycle.save_run(store, book.compiled, book.dir / "data", period, "fin")

    feb, mar = save("2026-02"), save("2026-03")
    [warning] = mar.result.warnings  # said when March is saved
    assert warning.message.startswith("2026-02 (run 2, draft) not approved yet")
    # both drafts see January's balance: February takes 6,000 - 5,000 = 1,000 of it and
    # March min(1,800, 7,000 - 5,000) = 1,800; paying both would recover 2,800 of 1,800
    assert feb.result.payee("ann").components["draw"] == D("-1000.00")
    assert mar.result.payee("ann").components["draw"] == D("-1800.00")
    with pytest.raises(lifecycle.LifecycleError, match="2026-02 is not approved yet"):
        lifecycle.approve(store, mar.run.id, "controller")
    lifecycle.approve(store, feb.run.id, "controller")
    lifecycle.mark_paid(store, feb.run.id, "payroll")
    # February's approval made March's draft stale: it is refused until run again
    with pytest.raises(lifecycle.LifecycleError, match="is stale"):
        lifecycle.approve(store, mar.run.id, "controller")
    again = save("2026-03")
    assert again.replaced == mar.run.id
    # March again: 800 left after February, taken from 7,000 - 5,000: 7,000 - 800 = 6,200
    ann = again.result.payee("ann")
    assert (ann.components["draw"], ann.total) == (D("-800.00"), D("6200.00"))
    lifecycle.approve(store, again.run.id, "controller")
    lifecycle.mark_paid(store, again.run.id, "payroll")


def test_issue16_item9_no_period_is_approved_after_a_later_one(store, tmp_path):
    book = Book(tmp_path, store, plan=PLAN + DRAW.replace("RECOVERABLE", "true"))
    book.deal("D1,ann,2026-01-10,32000,open,,false")
    book.pay("2026-01")
    book.pay("2026-03")  # February skipped
    book.deal("D2,ann,2026-02-10,60000,open,,false")
    (book.dir / "data" / "deals.csv").write_text(
        book.header + "".join(d + "\n" for d in book.deals.values()))
    feb = lifecycle.save_run(store, book.compiled, book.dir / "data", "2026-02", "fin")
    # March recovered from January's balance without February: February would do so again
    with pytest.raises(lifecycle.LifecycleError, match="2026-03 is already paid"):
        lifecycle.approve(store, feb.run.id, "controller")



def test_issue16_item9_no_period_is_reopened_under_a_later_approved_one(store, tmp_path):
    book = Book(tmp_path, store, plan=PLAN + DRAW.replace("RECOVERABLE", "true"))
    book.deal("D1,ann,2026-01-10,32000,open,,false")
    (book.dir / "data" / "deals.csv").write_text(book.header + book.deals["D1"] + "\n")
    jan = lifecycle.save_run(store, book.compiled, book.dir / "data", "2026-01", "fin")
    lifecycle.approve(store, jan.run.id, "controller")
    feb = lifecycle.save_run(store, book.compiled, book.dir / "data", "2026-02", "fin")
    lifecycle.approve(store, feb.run.id, "controller")
    # February recovered from January's balance as approved: January may not change now
    with pytest.raises(lifecycle.LifecycleError, match="2026-02 is already approved .* "
                       "worked out on 2026-01 as approved.*reopen run 2 first"):
        lifecycle.reopen(store, jan.run.id, "controller", "a late deal")
    lifecycle.reopen(store, feb.run.id, "controller", "a late deal")
    lifecycle.reopen(store, jan.run.id, "controller", "a late deal")  # now it may


def test_issue16_item3_a_draw_is_paid_from_the_payees_start(store, tmp_path):
    plan = (PLAN.replace("payees: {key: rep_id, columns: {name: text}}",
                         "payees: {key: rep_id, start: hired, columns: {name: text, "
                         "hired: date}}")
            + DRAW.replace("RECOVERABLE", "false").replace("periods: 6", "periods: 2"))
    book = Book(tmp_path, store, plan=plan)
    book.write("payees.csv", "rep_id,name,hired\nann,Ann,2026-03-02\n")
    # hired 2 March: February pays no draw (it paid 5,000 before); March and April,
    # her two draw months, pay 5,000 each; May none
    assert [book.pay(m)["total"] for m in ("2026-02", "2026-03", "2026-04", "2026-05")] == \
        [D("0.00"), D("5000.00"), D("5000.00"), D("0.00")]


def test_issue16_carried_lines_have_a_rule_position(store, tmp_path):
    book = Book(tmp_path, store, plan=PLAN + CLAWBACK + DRAW.replace("RECOVERABLE", "true"))
    book.deal("D1,ann,2026-01-10,10000,open,,false")
    book.pay("2026-01")  # 1,000 earned, a draw line of 4,000
    book.deal("D1,ann,2026-01-10,10000,cancelled,2026-02-01,false")
    (book.dir / "data" / "deals.csv").write_text(
        book.header + "".join(d + "\n" for d in book.deals.values()))
    saved = lifecycle.save_run(store, book.compiled, book.dir / "data", "2026-02", "fin")
    rules = {ln.component: ln.rule.rsplit("/", 1)[-1] for ln in saved.result.payee("ann").lines}
    # the clawback's key (line 16, `cancelled:`) and the draw's (line 22, `draw:`)
    assert rules == {"clawback": "plan.yaml:16:3", "draw": "plan.yaml:22:3"}
