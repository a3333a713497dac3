"""What a Spark run leaves in its out folder (issue 13): lines.csv as the DuckDB engine
writes it, and lines.parquet, Spark's own part files of the lines, in payee and line
order; the driver never sorts or holds the lines (spark.stage_results: Spark sorts
them, DuckDB streams the sorted files into lines.csv without an ORDER BY).

The order is checked where it can break: the lines split over several part files
(adaptive coalescing off, so each of Spark's shuffle partitions is a file), on
bench/generate.py's data for 150 payees, whose lines.csv must still be the DuckDB
engine's bytes. The writer's handling of a folder of part files (moved into place on
close, removed on abort) is checked without Spark.
"""
from __future__ import annotations

import csv
import sys
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine.results import ResultWriter, RunResult  # noqa: E402
from compplan.engine.sql import spark as spark_engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

WHY = spark_engine.available()
if WHY:
    print(f"test_issue13_spark_outputs: skipped: {WHY}", file=sys.stderr)
needs_spark = pytest.mark.skipif(WHY is not None, reason=WHY or "")


def _run(data: Path, out: Path, engine: str) -> Path:
    from click.testing import CliRunner
    from compplan.cli.main import cli as main
    r = CliRunner().invoke(main, ["run", str(ROOT / "bench" / "plans" / "ae_scale.yaml"),
                                  "--data", str(data), "--period", "2026-Q1", "--engine",
                                  engine, "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    return out / "ae-scale" / "2026-Q1"


@needs_spark
def test_issue13_spark_lines_parquet_in_order_over_many_files(spark, tmp_path):
    data = tmp_path / "data"
    generate(data, 150, 1500)
    duck = _run(data, tmp_path / "duckdb", "duckdb")
    spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
    try:
        done = _run(data, tmp_path / "spark", "spark")
    finally:
        spark.conf.unset("spark.sql.adaptive.coalescePartitions.enabled")
    for name in ("payees.csv", "lines.csv"):
        assert (done / name).read_bytes() == (duck / name).read_bytes(), name
    parts = sorted((done / "lines.parquet").glob("part-*.parquet"))
    assert len(parts) > 1  # the order across files is what is checked
    assert not list(done.glob("*.tmp"))

    import duckdb
    rows = duckdb.connect().execute(
        f"SELECT payee, line, CAST(amount AS VARCHAR) FROM read_parquet("
        f"{[str(p) for p in parts]})").fetchall()  # the files' order, as written
    with (done / "lines.csv").open(newline="") as fh:
        want = [(r["payee"], int(r["line"]), Decimal(r["amount"])) for r in csv.DictReader(fh)]
    assert [(p, n, Decimal(a)) for p, n, a in rows] == want
    assert len(want) > 1500
    assert _parquet_rows(done / "payees.parquet") == _csv_rows(done / "payees.csv")


def _csv_rows(path: Path) -> list[tuple]:
    """payees.csv's rows, the amounts as exact values (an empty cell None)."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    return [tuple(v if h in ("payee", "name", "currency", "period") else
                  (Decimal(v) if v else None) for h, v in zip(head, r)) for r in rows[1:]]


def _parquet_rows(path: Path) -> list[tuple]:
    import duckdb
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").fetchall()


def test_issue13_payees_parquet_exact(tmp_path):
    """payees.parquet (ResultWriter(parquet=True), as a Spark run writes it) holds
    payees.csv's rows with every amount exact: 0.125 of a component at 3 places makes
    every amount column DECIMAL(38,3), and 1,234.5 stays 1234.500, never a float."""
    from compplan.engine.results import PayeeResult
    result = RunResult("p", "P", "1", "2026-Q1", "USD")
    a = PayeeResult("A1", 'Ann "the" Lee')
    a.components = {"commission": Decimal("1234.50"), "bonus": Decimal("0.125")}
    a.total = Decimal("1234.625")
    b = PayeeResult("B2", "Bo")
    b.components = {"commission": Decimal("10.00")}
    b.total = Decimal("10.00")
    result.payees += [a, b]
    out = tmp_path / "out"
    ResultWriter(out, parquet=True).close(result)
    import duckdb
    con = duckdb.connect()
    types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{out}/payees.parquet')")
                 .fetchall()[i][:2] for i in range(6))
    assert types == {"payee": "VARCHAR", "name": "VARCHAR", "commission": "DECIMAL(38,3)",
                     "bonus": "DECIMAL(38,3)", "total": "DECIMAL(38,3)",
                     "currency": "VARCHAR"}
    assert _parquet_rows(out / "payees.parquet") == [
        ("A1", 'Ann "the" Lee', Decimal("1234.500"), Decimal("0.125"), Decimal("1234.625"),
         "USD", "2026-Q1"),
        ("B2", "Bo", Decimal("10.000"), Decimal("0.000"), Decimal("10.000"), "USD", "2026-Q1")]
    assert _parquet_rows(out / "payees.parquet") == _csv_rows(out / "payees.csv")
    assert not list(out.glob("*.tmp"))


def test_issue13_writer_moves_part_folders_into_place(tmp_path):
    """A folder of part files left as NAME.parquet.tmp beside lines.csv replaces the last
    run's NAME.parquet when the writer closes, and is removed when it aborts."""
    out = tmp_path / "out"
    old = out / "lines.parquet"
    old.mkdir(parents=True)
    (old / "part-00009.parquet").write_text("last run's")
    w = ResultWriter(out)
    (out / "lines.parquet.tmp").mkdir()
    (out / "lines.parquet.tmp" / "part-00000.parquet").write_text("this run's")
    written = w.close(RunResult("p", "P", "1", "2026-Q1", "USD"))
    assert out / "lines.parquet" in written
    assert [f.name for f in old.iterdir()] == ["part-00000.parquet"]
    assert not list(out.glob("*.tmp"))

    w = ResultWriter(out)
    (out / "lines.parquet.tmp").mkdir()
    (out / "lines.parquet.tmp" / "part-00000.parquet").write_text("aborted")
    w.abort()
    assert not list(out.glob("*.tmp"))
    assert (old / "part-00000.parquet").read_text() == "this run's"


FREQUENCY_PLAN = """\
plan: payroll
name: Paid on the 15th and at month end
period: half_month
currency: USD
inputs:
  payees:
    key: rep_id
    manager: manager_id
    frequency: pay_frequency
    columns: {name: text, pay_frequency: text}
    missing: null
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
earnings:
  commission: {value: booked * 10%}
  override: {value: team(booked) * 1%}
"""


@needs_spark
def test_issue13_spark_lines_parquet_of_a_run_settled_by_frequency(spark, tmp_path):
    """A run that settles two groups of payees over their own periods (issue 20: at
    month end ann over March 16-31, mia over March) leaves one lines.parquet in the out
    folder, both groups' lines in lines.csv's order, as an unsettled run does; before,
    each group's lines Parquet was staged beside the group's temporary lines.csv part
    and none reached the out folder."""
    from click.testing import CliRunner
    from compplan.cli.main import cli as main
    (tmp_path / "payroll.yaml").write_text(FREQUENCY_PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,pay_frequency,manager_id\n"
                                     "ann,Ann,half_month,mia\nbob,Bob,half_month,mia\n"
                                     "mia,Mia,month,\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-03-15,1000\nD2,ann,2026-03-16,2000\n"
                                    "D3,bob,2026-03-20,500\nD4,mia,2026-03-20,8000\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\nann,2026-03,31000\n"
                                     "bob,2026-03,31000\nmia,2026-03,62000\n")
    r = CliRunner().invoke(main, ["run", str(tmp_path / "payroll.yaml"), "--data", str(data),
                                  "--period", "2026-03b", "--out", str(tmp_path / "out"),
                                  "--engine", "spark", "-q"])
    assert r.exit_code == 0, r.output
    done = tmp_path / "out" / "payroll" / "2026-03b"
    assert sorted(p.name for p in done.iterdir()) == [
        "lines.csv", "lines.parquet", "payees.csv", "payees.parquet", "results.json"]
    with (done / "lines.csv").open(newline="") as fh:
        want = [(r["payee"], int(r["line"]), Decimal(r["amount"])) for r in csv.DictReader(fh)]
    # ann March 16-31: D2 2,000 x 10% = 200.00, override 0; bob: D3 500 x 10% = 50.00,
    # override 0; mia over March: D4 8,000 x 10% = 800.00, 1% of (1,000 + 2,000 + 500)
    # = 35.00
    assert [(p, a) for p, _, a in want] == [
        ("ann", Decimal("200.00")), ("ann", Decimal("0.00")), ("bob", Decimal("50.00")),
        ("bob", Decimal("0.00")), ("mia", Decimal("800.00")), ("mia", Decimal("35.00"))]
    parts = sorted((done / "lines.parquet").glob("part-*.parquet"))
    import duckdb
    rows = duckdb.connect().execute(
        f"SELECT payee, line, CAST(amount AS VARCHAR) FROM read_parquet("
        f"{[str(p) for p in parts]})").fetchall()  # the files' order, as written
    assert [(p, n, Decimal(a)) for p, n, a in rows] == want
    assert not list(tmp_path.rglob("*.tmp")) and not list(tmp_path.rglob("lines_*"))
