"""Issue 12: `compplan test --engine duckdb` runs scenarios of several periods too: each
period saved by the SQL engine in a throwaway store (as `run --save --engine duckdb`
saves it), what earlier periods carry added as the Python engine's runs add it. The
scenario of two periods runs on every engine installed here (issue 13: PostgreSQL and
Spark save each period as `run --save --engine postgres|spark` does; the `engine`
fixture, tests/engines.py)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from click.testing import CliRunner

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.cli.main import cli  # noqa: E402
from compplan.engine import load_plan  # noqa: E402
from compplan.store.scenarios import run_scenarios  # noqa: E402
from engines import run_tables  # noqa: E402

PLAN = """
plan: months
name: Monthly commission with a late change
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
earnings:
  commission: {each: sales, value: amount * 10%}
scenarios:
  - name: a January deal corrected in February
    data:
      payees:
        - {rep_id: ann, name: Ann}
    periods:
      - period: 2026-01
        data:
          deals:
            - {deal_id: D1, rep_id: ann, close_date: 2026-01-10, amount: 1000.00}
        expect:
          # 1,000.00 x 10% = 100.00
          ann: {commission: 100.00, total: 100.00}
      - period: 2026-02
        data:
          deals:
            - {deal_id: D1, rep_id: ann, close_date: 2026-01-10, amount: 1500.00}
            - {deal_id: D2, rep_id: ann, close_date: 2026-02-03, amount: 2000.00}
    expect:
      # February: D2 2,000.00 x 10% = 200.00; January's D1 is now 1,500.00, which pays
      # 150.00, 50.00 more than January paid: an adjustment of 50.00; 250.00 in all
      ann: {commission: 200.00, lines: {D2: 200.00}, total: 250.00}
"""


def _plan(tmp_path, text=PLAN):
    (tmp_path / "plan.yaml").write_text(text)
    return load_plan(tmp_path / "plan.yaml")


def test_a_scenario_of_two_periods_runs_on_either_engine(tmp_path, engine):
    run = None if engine == "python" else run_tables(engine)
    [outcome] = run_scenarios(_plan(tmp_path), run=run, engine=engine)
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    ann = outcome.result.payee("ann")
    # February's own line, then the adjustment January's change carries
    assert [(ln.number, ln.kind, ln.amount) for ln in ann.lines] == [
        (1, "credit", D("200.00")), (2, "adjustment", D("50.00"))]
    assert ann.total == D("250.00")


def test_compplan_test_engine_duckdb_names_a_wrong_expectation_by_period(tmp_path):
    _plan(tmp_path, PLAN.replace("lines: {D2: 200.00}", "lines: {D2: 210.00}"))
    r = CliRunner().invoke(cli, ["test", "--engine", "duckdb", str(tmp_path / "plan.yaml")])
    assert r.exit_code == 1, r.output
    assert "2026-02: payee ann line D2: expected 210.00, got 200.00" in r.output
    assert "0 passed, 1 failed" in r.output
