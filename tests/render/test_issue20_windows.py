"""Windows in time on a statement and in `explain` (issue 20 item 5): a measure read
over other days than the period's says which days; a line's formula names its window.
A half-month run's statement names its period (2026-03b)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from compplan.engine.ir import compile_plan
from compplan.lang import check_file
from compplan.render import explain, publish, rows, stored
from compplan.render.statement import build
from compplan.store import lifecycle, open_store

from .conftest import files_of, golden, page_text

PLAN = """\
plan: partner
name: Partner tiers by trailing twelve months
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  t12:
    value: trailing(sum(sales), 12 months)
    label: Sales, last 12 months
  last_february: last_year(sum(sales))
earnings:
  commission: {value: booked * 10%}
  growth_kicker:
    when: last_february > 0
    value: (booked - last_year(sum(sales))) * 2%
"""

DEALS = """\
deal_id,rep_id,close_date,amount
D0,ann,2025-02-10,5000
D1,ann,2025-03-01,1000
D2,ann,2025-12-31,2000
D4,ann,2026-02-28,6000
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(store, run id, compiled) of February 2026, saved as a draft."""
    top = tmp_path_factory.mktemp("windows")
    (top / "plan.yaml").write_text(PLAN)
    data = top / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    (data / "deals.csv").write_text(DEALS)
    store = open_store(f"sqlite:///{top / 'compplan.db'}")
    compiled = compile_plan(check_file(top / "plan.yaml", display_name="plan.yaml"))
    here = os.getcwd()
    os.chdir(top)  # the plan is saved under the name its rules carry
    try:
        saved = lifecycle.save_run(store, compiled, data, "2026-02", "tester")
    finally:
        os.chdir(here)
    yield store, saved.run.id, top
    store.close()


def _statement(store, run_id):
    with store.session() as s, tempfile.TemporaryDirectory() as tmp:
        sr = stored.open_run(s, run_id)
        tables, _ = rows.load(sr.compiled, rows.write_dataset(s, sr.run.dataset_id, Path(tmp)))
        st = build(stored.payee_result(s, run_id, "ann"), sr.compiled, sr.header, "en", None,
                   rows.own_rows(sr.compiled, tables, "ann"))
        return st, explain.render_text(explain.tree(st, sr.compiled, tables), width=160)


def test_issue20_explain_names_the_days_of_each_window(run):
    store, run_id, _ = run
    st, text = _statement(store, run_id)
    golden("explain_issue20_windows.txt", text)
    # booked 6,000; T12 = 2025-03-01..2026-02-28: 1,000 + 2,000 + 6,000 = 9,000;
    # February 2025: 5,000; kicker (6,000 - 5,000) x 2% = 20.00
    assert "t12 = 9,000.00 (2025-03-01 to 2026-02-28)" in text
    assert "last_february = 5,000.00 (2025-02-01 to 2025-02-28)" in text
    assert "(6,000.00 - last year (2025-02-01 to 2025-02-28) 5,000.00) x 2% = 20.00" in text
    assert [m.window for m in st.measures if m.name == "booked"] == [None]


def test_issue20_statement_pages_give_a_window_measures_days(run, tmp_path):
    store, run_id, _ = run
    report = publish.write_run(store, run_id, tmp_path, formats=("html", "json"))
    files = files_of(report, "ann")
    text = page_text(files["html"].read_text(encoding="utf-8"))
    assert "Sales, last 12 months (Mar 1, 2025 – Feb 28, 2026) | 9,000.00" in text
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert data["measure_windows"] == {"t12": ["2025-03-01", "2026-02-28"],
                                       "last_february": ["2025-02-01", "2025-02-28"]}


HALF = """\
plan: payroll
name: Paid on the 15th and at month end
period: half_month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  month_so_far: mtd(sum(sales))
earnings:
  commission: {value: booked * 10%}
"""


def test_issue20_a_half_month_statement(tmp_path):
    (tmp_path / "payroll.yaml").write_text(HALF)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-03-15,1000\nD2,ann,2026-03-16,2500\n")
    store = open_store(f"sqlite:///{tmp_path / 'compplan.db'}")
    compiled = compile_plan(check_file(tmp_path / "payroll.yaml", display_name="payroll.yaml"))
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        first = lifecycle.save_run(store, compiled, data, "2026-03a", "tester")
        lifecycle.approve(store, first.run.id, "controller")
        second = lifecycle.save_run(store, compiled, data, "2026-03b", "tester")
    finally:
        os.chdir(here)
    report = publish.write_run(store, second.run.id, tmp_path / "out", formats=("html",))
    text = page_text(files_of(report, "ann")["html"].read_text(encoding="utf-8"))
    store.close()
    # the 16th is the second half's: 2,500 x 10% = 250.00; the month so far, March 1
    # to 31: 1,000 + 2,500
    assert "Period | 2026-03b (Mar 16, 2026 – Mar 31, 2026)" in text
    assert "1 | 2,500.00 × 10% = 250.00 | 250.00" in text
    assert "Month so far (Mar 1, 2026 – Mar 31, 2026) | 3,500.00" in text
    # the year so far lists the half months in order: D1 on the 15th paid 100.00 in 03a
    assert "2026-03a | 1 | approved | 100.00\n2026-03b | 2 | draft | 250.00\n" \
        "Year to date | 350.00" in text
