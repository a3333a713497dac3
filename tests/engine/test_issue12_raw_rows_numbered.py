"""Issue 12 (wall12): DuckDB numbers a data file's rows as the file does, reading it on
every core.

direct.py's raw table was numbered by a row_number() over the read, which made DuckDB
read the file on one thread; now each row is kept and marked blank or not, and its
number is the table's rowid + 2 (header = row 1). A row whose every cell is blank is
counted and skipped, as the Python reader does: warnings after it keep the file's row
numbers on both engines.
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
from compplan.engine.sql import direct, run_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AE = load_plan(ROOT / "plans" / "ae.yaml")
Q1 = parse_period("2026-Q1")


def test_issue12_blank_rows_are_counted_and_the_read_has_no_row_number_window(
        tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "plans" / "data" / "ae", folder)
    with (folder / "deals.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    amount = rows[0].index("amount")
    width = len(rows[0])
    # file rows: 1 header, 2 and 3 deals, 4 every cell blank, 5 a refund, 6 blank
    # again (spaces only), 7 a deal, 8 a refund
    rows[3][amount] = "-100"
    rows[5][amount] = "-7.5"
    rows.insert(3, [""] * width)
    rows.insert(5, [" "] * width)
    with (folder / "deals.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    ref = run_plan(AE, load_folder(AE.plan, folder, []), Q1)
    statements = []

    class Spy:  # the statements direct.py asks of the connection
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *a):
            statements.append(sql)
            return self.con.execute(sql, *a)

        def __getattr__(self, name):
            return getattr(self.con, name)
    real = direct._read
    monkeypatch.setattr(direct, "_read", lambda con, *a: real(Spy(con), *a))
    got = run_folder(AE, folder, Q1)
    negatives = [(w.file, w.row) for w in ref.warnings if w.code == "negative-amount"]
    assert [row for _f, row in negatives] == [5, 8]
    assert [(w.file, w.row) for w in got.warnings if w.code == "negative-amount"] == negatives
    assert [p.total for p in got.payees] == [p.total for p in ref.payees]
    raw = [s for s in statements if s.startswith('CREATE OR REPLACE TEMP TABLE "raw_deals"')]
    assert len(raw) == 1 and "row_number()" not in raw[0]
