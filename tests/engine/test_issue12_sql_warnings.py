"""Issue 12: the duckdb engine warns of what the Python engine warns of, in its words.

A run must not be quieter than the check before it (issue 16): a refund, an amount in
the wrong unit, a transactions file with a header only, a KPI cell left empty, a deal
whose value is missing. With DuckDB reading the files itself, the row numbers come from
DuckDB's read in file order; a file with an empty line (which DuckDB skips without
counting) is read by the Python reader instead, so FILE:ROW stays the file's.

Issue 13: on every SQL engine installed here (`sql_engine`: duckdb, postgres, spark;
PostgreSQL's run reads the folder as DuckDB does, Spark reads the deals itself).
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.data import load_folder  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from engines import run_folder as folder_run, run_tables  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AE = load_plan(ROOT / "plans" / "ae.yaml")
Q1 = parse_period("2026-Q1")


def _data(tmp_path: Path, edit, name: str = "deals") -> Path:
    """ae's sample data with one file's rows (header first) edited in place."""
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "plans" / "data" / "ae", folder)
    with (folder / f"{name}.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    edit(rows)
    with (folder / f"{name}.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return folder


def _said(result):
    return [(w.file, w.row, w.column, w.code, w.message) for w in result.warnings], \
        {p.payee: p.warnings for p in result.payees}


def _all_engines(folder: Path, engine: str):
    ref = run_plan(AE, load_folder(AE.plan, folder, []), Q1)
    via_rows = run_tables(engine)(AE, load_folder(AE.plan, folder, []), Q1)
    direct = folder_run(engine)(AE, folder, Q1)
    return _said(ref), _said(via_rows), _said(direct)


def test_issue12_data_warnings_the_same_on_every_path(tmp_path, sql_engine):
    """Row 4 a refund of -1,250.50, row 5 an amount of 12.345 USD (three decimals), row 6
    five trillion (beyond a trillion): three warnings at FILE:ROW, as `validate` says."""
    def edit(rows):
        amount = rows[0].index("amount")
        rows[3][amount], rows[4][amount], rows[5][amount] = "-1250.5", "12.345", \
            "5000000000000"
    folder = _data(tmp_path, edit)
    ref, via_rows, direct = _all_engines(folder, engine=sql_engine)
    assert via_rows == ref and direct == ref
    codes = [(w[1], w[3]) for w in ref[0]]
    assert codes == [(6, "implausible-amount"), (5, "too-many-decimals"),
                     (4, "negative-amount")]
    assert any("negative amount -1,250.50" in w[4] for w in ref[0])


def test_issue12_a_file_with_an_empty_line_keeps_its_row_numbers(tmp_path, sql_engine):
    """An empty line after row 2 is row 3 for the Python reader; DuckDB would skip it
    uncounted, so the folder goes to the Python reader: the refund is still at row 5."""
    def edit(rows):
        rows[3][rows[0].index("amount")] = "-100"
        rows.insert(2, [])
    folder = _data(tmp_path, edit)
    ref, _via_rows, direct = _all_engines(folder, engine=sql_engine)
    assert direct == ref
    assert [w[1] for w in ref[0] if w[3] == "negative-amount"] == [5]


def test_issue12_a_header_only_file_is_warned_of(tmp_path, sql_engine):
    """No deals at all: every payee is paid on none. (Each still has a quota row for the
    period, so none is 'without credits' in the Python engine's sense.)"""
    folder = _data(tmp_path, lambda rows: rows.__delitem__(slice(1, None)))
    ref, via_rows, direct = _all_engines(folder, engine=sql_engine)
    assert via_rows == ref and direct == ref
    assert [w[3] for w in ref[0]] == ["no-rows"]
    assert ref[1]["eli"] == ["kpis.csat is empty for 2026-Q1: missing"]


FLAT_PLAN = """
plan: flat
name: Flat commission
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
earnings:
  commission:
    each: bookings
    value: amount * 10%
"""


def test_issue12_a_payee_with_no_rows_at_all_has_no_credits(tmp_path, sql_engine):
    """ann sold 1,000.00 (10% pays 100.00); hal is in the payees table and nowhere else:
    his statement says 'no credits in this period' on both engines."""
    from compplan.engine.data import load_inline
    from compplan.engine.ir import compile_plan
    from compplan.lang import check_file
    plan = tmp_path / "flat.yaml"
    plan.write_text(FLAT_PLAN)
    compiled = compile_plan(check_file(str(plan)))
    data = {"payees": [{"rep_id": "ann", "name": "Ann"}, {"rep_id": "hal", "name": "Hal"}],
            "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-02-01",
                       "amount": "1000.00"}]}
    ref = run_plan(compiled, load_inline(compiled.plan, data, "t", []), Q1)
    got = run_tables(sql_engine)(compiled, load_inline(compiled.plan, data, "t", []), Q1)
    assert got.payee("ann").total == ref.payee("ann").total == 100
    assert ref.payee("hal").warnings == ["no credits in this period"]
    assert got.payee("hal").warnings == ref.payee("hal").warnings
    assert got.payee("ann").warnings == ref.payee("ann").warnings == []


ZERO_PLAN = """
plan: kpi0
name: KPI bonus, empty as 0
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  kpis: {payee: rep_id, period: period, columns: {calls: number, csat: number},
         missing: zero}
earnings:
  call_bonus:
    value: 2 * kpis.calls + kpis.csat
"""


def test_issue12_an_empty_cell_taken_as_zero_is_warned_of(tmp_path, sql_engine):
    """ann's calls cell is empty and taken as 0: she is paid 2 x 0 + 90 = 90.00, and her
    statement says kpis.calls was empty; bob's row is whole: 2 x 10 + 80 = 100.00."""
    from compplan.engine.data import load_inline
    from compplan.engine.ir import compile_plan
    from compplan.lang import check_file
    plan = tmp_path / "kpi0.yaml"
    plan.write_text(ZERO_PLAN)
    compiled = compile_plan(check_file(str(plan)))
    data = {"payees": [{"rep_id": "ann", "name": "Ann"}, {"rep_id": "bob", "name": "Bob"}],
            "kpis": [{"rep_id": "ann", "period": "2026-Q1", "calls": "", "csat": "90"},
                     {"rep_id": "bob", "period": "2026-Q1", "calls": "10", "csat": "80"}]}
    ref = run_plan(compiled, load_inline(compiled.plan, data, "t", []), Q1)
    got = run_tables(sql_engine)(compiled, load_inline(compiled.plan, data, "t", []), Q1)
    assert [p.total for p in got.payees] == [p.total for p in ref.payees] == [90, 100]
    assert ref.payee("ann").warnings == ["kpis.calls is empty for 2026-Q1: taken as 0"]
    assert [p.warnings for p in got.payees] == [p.warnings for p in ref.payees]


def test_issue12_a_zero_quota_is_warned_of_at_its_row_on_every_path(tmp_path, sql_engine):
    """ann's quota of 0: attainment = booked / 0 is missing, her four commission lines are
    not paid. Every path says so at quotas.csv row 2 (ann's row) as `validate` does, and
    names each division by zero at its rule once: the attainment's division, and the
    running basis of ae_tiers (met on each of her four deals, said once)."""
    def edit(rows):
        assert rows[1][0] == "ann"
        rows[1][rows[0].index("amount")] = "0"
    folder = _data(tmp_path, edit, "quotas")
    ref = run_plan(AE, load_folder(AE.plan, folder, []), Q1)
    via_rows = run_tables(sql_engine)(AE, load_folder(AE.plan, folder, []), Q1)
    direct = folder_run(sql_engine)(AE, folder, Q1)

    def zero(result):
        return [(Path(w.file).name, w.row, w.column, w.message) for w in result.warnings
                if w.code == "zero-divisor"]
    want = [("quotas.csv", 2, "amount", "quotas.amount is 0 for payee 'ann' in 2026-Q1: "
             "dividing by it gives missing (an attainment on it is missing, and what it "
             "gates or tiers is not paid)")]
    assert zero(ref) == zero(via_rows) == zero(direct) == want
    ann = {r: next(p for p in res.payees if p.payee == "ann") for r, res in
           (("ref", ref), ("sql", direct))}
    assert ann["sql"].warnings == ann["ref"].warnings
    text = (ROOT / "plans" / "ae.yaml").read_text().splitlines()

    def at(needle: str, token: str) -> str:  # the plan's line:col of a token (labels move lines)
        n = next(i for i, line in enumerate(text) if needle in line)
        return f"{n + 1}:{text[n].index(token) + 1}"
    attainment = at("value: booked / quotas.amount", "/")
    basis = at("basis: attainment", "attainment")
    assert [w.split("ae.yaml:")[1] for w in ann["sql"].warnings if "division" in w] == [
        f"{attainment}: division by zero gave a missing value",
        f"{basis}: division by zero gave a missing value"]
    assert ann["sql"].total == ann["ref"].total
    assert _said(ref) == _said(via_rows) == _said(direct)
