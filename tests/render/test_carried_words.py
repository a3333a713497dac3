"""What later runs carry (clawbacks, draws and their recovery, prior-period
adjustments) said in words on the statement, and still adding up: saved, approved and
paid month by month, as finance would."""
from __future__ import annotations

from compplan.engine import load_plan
from compplan.render import publish
from compplan.render.locale import Fmt
from compplan.store import lifecycle, open_store

from .conftest import files_of, page_text
from .test_statements import _check_sums

PLAN = """
plan: monthly
name: Monthly commission with a draw
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, missing: null,
          columns: {amount: money, status: text, cancel_date: date}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
payout:
  draw: {amount: 5000, recoverable: true}
clawbacks:
  cancelled: {from: deals, when: status == "cancelled", share: 100%}
"""
HEADER = "deal_id,rep_id,close_date,amount,status,cancel_date\n"


def test_carried_lines_are_explained_in_words(tmp_path):
    (tmp_path / "plan.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,locale\nann,Ann,en\n")
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    compiled = load_plan(tmp_path / "plan.yaml")
    deals: dict[str, str] = {}
    runs = {}
    months = [
        ("2026-01", ["D1,ann,2026-01-10,32000,open,"]),
        # D1 cancelled: its 3,200.00 comes back; 6,000 - 3,200 = 2,800 is topped up to
        # the 5,000.00 draw (2,200.00, carried with January's 1,800.00: 4,000.00)
        ("2026-02", ["D2,ann,2026-02-10,60000,open,",
                     "D1,ann,2026-01-10,32000,cancelled,2026-02-15"]),
        # February's D2 corrected to 61,000: 100.00 more; 8,000 + 100 due, so 3,100
        # above the draw recovers part of the 4,000.00 balance (900.00 left)
        ("2026-03", ["D3,ann,2026-03-10,80000,open,", "D2,ann,2026-02-10,61000,open,"]),
    ]
    for month, lines in months:
        for ln in lines:
            deals[ln.split(",")[0]] = ln
        (data / "deals.csv").write_text(HEADER + "".join(d + "\n" for d in deals.values()))
        saved = lifecycle.save_run(store, compiled, data, month, "fin")
        runs[month] = saved.run.id
        if month != "2026-03":
            lifecycle.approve(store, saved.run.id, "controller")
            lifecycle.mark_paid(store, saved.run.id, "payroll")
    texts = {}
    for month, run_id in runs.items():
        report = publish.write_run(store, run_id, tmp_path / month, formats=("html",),
                                   curves=False)
        page = files_of(report, "ann")["html"].read_text(encoding="utf-8")
        _check_sums(page, Fmt("en", "USD"))
        texts[month] = page_text(page)
    assert "Draw: pay topped up by $1,800.00 to the guaranteed draw; recoverable draw: " \
           "carried as a balance" in texts["2026-01"]
    feb = texts["2026-02"]
    assert "Clawback: $3,200.00 taken back on a transaction paid earlier; cancelled: " \
           "deals:D1, paid in 2026-01 (run 1, line 1)" in feb
    assert "Draw: pay topped up by $2,200.00" in feb
    mar = texts["2026-03"]
    assert "Draw recovered: $3,100.00 taken from pay above the draw; recovering the draw " \
           "balance: 900.00 left" in mar
    assert "Adjustment for an earlier, paid period: $100.00; prior-period change to " \
           "2026-02 (run 2)" in mar
    assert "2026-01 | 1 | paid | 5,000.00" in mar and "2026-02 | 2 | paid | 5,000.00" in mar
    assert "Year to date | 15,000.00" in mar  # 5,000 a month: the draw, then recovery
    store.close()
