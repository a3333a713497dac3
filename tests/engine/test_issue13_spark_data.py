"""Spark reads the input files itself (issue 13, engine/sql/sparkdata.py): a folder of
Parquet part files, a folder of CSV part files, a CSV split over many tasks; and a bad
value is named at its file and row in `validate`'s own words (the Problem the Python
reader makes for the same cell), never as a Java trace.

Every test takes the test run's one local[2] session (tests/conftest.py `spark`) and is
skipped, with the reason, where pyspark or Java is missing."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine import load_plan, run_plan  # noqa: E402
from compplan.engine.data import load_folder  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402
from test_sql_differential import assert_same  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"
AE = PLANS / "ae.yaml"
Q1 = parse_period("2026-Q1")


def _ae(tmp_path: Path) -> Path:
    data = tmp_path / "ae"
    shutil.copytree(PLANS / "data" / "ae", data)
    return data


def _reference():
    compiled = load_plan(AE)
    return compiled, run_plan(compiled, load_folder(compiled.plan, PLANS / "data" / "ae", []), Q1)


def _parquet_parts(csv_path: Path, folder: Path, cuts: list[int]) -> None:
    """The CSV's rows as Parquet part files of text columns (the cells as written, so the
    values and their places are the CSV's), cut before each row index in `cuts`."""
    import duckdb
    folder.mkdir()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT row_number() OVER () AS n, * FROM read_csv("
                f"'{csv_path}', all_varchar = true, header = true)")
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    bounds = [0] + cuts + [n]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        con.execute(f"COPY (SELECT * EXCLUDE (n) FROM t WHERE n > {a} AND n <= {b} ORDER BY n) "
                    f"TO '{folder / f'part-{i:05d}.parquet'}' (FORMAT parquet)")
    con.close()


def test_issue13_spark_reads_a_folder_of_parquet_part_files(spark, tmp_path):
    """deals as deals/part-0000N.parquet (three part files) pays what deals.csv pays,
    line for line, on the Python engine."""
    from compplan.engine.sql.spark import run_spark
    data = _ae(tmp_path)
    _parquet_parts(data / "deals.csv", data / "deals", [4, 9])
    (data / "deals.csv").unlink()
    compiled, ref = _reference()
    assert_same(ref, run_spark(compiled, data, Q1))


def test_issue13_spark_reads_a_folder_of_csv_part_files(spark, tmp_path):
    """deals as deals/a.csv and deals/b.csv, each with its header: the same pay."""
    from compplan.engine.sql.spark import run_spark
    data = _ae(tmp_path)
    lines = (data / "deals.csv").read_text(encoding="utf-8").splitlines()
    (data / "deals").mkdir()
    (data / "deals" / "a.csv").write_text("\n".join(lines[:6]) + "\n", encoding="utf-8")
    (data / "deals" / "b.csv").write_text("\n".join(lines[:1] + lines[6:]) + "\n",
                                          encoding="utf-8")
    (data / "deals.csv").unlink()
    compiled, ref = _reference()
    assert_same(ref, run_spark(compiled, data, Q1))


def _spark_problems(data: Path) -> list:
    from compplan.engine.sql.spark import run_spark
    with pytest.raises(CompplanError) as e:
        run_spark(load_plan(AE), data, Q1)
    return e.value.problems


def _python_problems(data: Path) -> list:
    found: list = []
    load_folder(load_plan(AE).plan, data, found)
    return found


def test_issue13_spark_bad_values_in_validates_words_blank_lines_counted(spark, tmp_path):
    """A bad amount and a bad date in deals.csv, after a blank line: the same problems,
    word for word and row for row, as the Python reader (validate) gives."""
    data = _ae(tmp_path)
    lines = (data / "deals.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",60000,", ",60k,")  # row 3 (the header is row 1)
    lines.insert(4, "")  # a blank line: row 5, skipped but counted
    head = lines[0].split(",")
    cells = lines[7].split(",")
    cells[head.index("close_date")] = "2026-02-30"  # row 8: no such day
    lines[7] = ",".join(cells)
    (data / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = _spark_problems(data)
    assert got == _python_problems(data)
    assert [(p.row, p.column, p.code) for p in got] == [(3, "amount", "bad-value"),
                                                        (8, "close_date", "bad-value")]
    assert got[0].message == "'60k' is not an amount; expected something like 1250.00"


def test_issue13_spark_duplicate_key_in_validates_words(spark, tmp_path):
    data = _ae(tmp_path)
    lines = (data / "deals.csv").read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")[0]
    dup = lines[4].split(",")
    dup[0] = first  # row 5 repeats row 2's deal_id
    lines[4] = ",".join(dup)
    (data / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = _spark_problems(data)
    assert got == _python_problems(data)
    assert got[0].message == f"duplicate deal_id '{first}' (first at row 2)" and got[0].row == 5


def test_issue13_spark_row_numbers_across_many_splits(spark, tmp_path):
    """A CSV read as many splits (2 KB each, so ~40 tasks): a bad cell far into the file
    is named at the row the Python reader names."""
    data = _ae(tmp_path)
    lines = (data / "deals.csv").read_text(encoding="utf-8").splitlines()
    head, body = lines[0], lines[1:]
    rows = []
    for i in range(1500):  # the sample's rows again and again, each with its own id
        cells = body[i % len(body)].split(",")
        cells[0] = f"X{i:05d}"
        rows.append(",".join(cells))
    bad = rows[1234].split(",")
    bad[head.split(",").index("amount")] = "12.3.4"
    rows[1234] = ",".join(bad)  # row 1236 of the file
    (data / "deals.csv").write_text("\n".join([head] + rows) + "\n", encoding="utf-8")
    old = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "2048")
    try:
        got = _spark_problems(data)
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", old)
    assert got == _python_problems(data)
    assert got[0].row == 1236


def test_issue13_spark_bad_value_in_a_parquet_part_named_at_its_file_and_record(spark,
                                                                                tmp_path):
    """In a Parquet part file the first record is row 1 (no header): '60k' in the second
    record of the second part file is named there, in validate's words."""
    data = _ae(tmp_path)
    lines = (data / "deals.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[5].split(",")  # the 5th record: the 2nd of the part cut after 3
    cells[head.index("amount")] = "60k"
    lines[5] = ",".join(cells)
    (data / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _parquet_parts(data / "deals.csv", data / "deals", [3])
    (data / "deals.csv").unlink()
    (p,) = _spark_problems(data)
    assert p.file == str(data / "deals" / "part-00001.parquet")
    assert (p.row, p.column, p.code) == (2, "amount", "bad-value")
    assert p.message == "'60k' is not an amount; expected something like 1250.00"


def test_issue13_spark_missing_input_named(spark, tmp_path):
    data = _ae(tmp_path)
    (data / "deals.csv").unlink()
    problems = _spark_problems(data)
    assert [(p.code, p.message) for p in problems] == [
        ("missing-file", "no file for input 'deals'")]


def test_issue13_spark_run_command_on_many_parquet_parts_and_a_bad_value(spark, tmp_path):
    """Done-when 3 as a user meets it: `compplan run --engine spark` on deals split into
    twelve Parquet part files (a file a record or two) pays what the Python engine pays
    on deals.csv; with '60k' in the first record of the eighth part file it stops with
    validate's FILE:ROW line (the part file, record 1), exit 1, and no Java or Python
    trace in what it prints."""
    from click.testing import CliRunner
    from compplan.cli.main import cli
    data = _ae(tmp_path)
    n = len((data / "deals.csv").read_text(encoding="utf-8").splitlines()) - 1
    cuts = sorted({max(1, n * i // 12) for i in range(1, 12)})
    _parquet_parts(data / "deals.csv", data / "deals", cuts)
    parts = sorted((data / "deals").glob("part-*.parquet"))
    assert len(parts) == 12
    compiled, ref = _reference()

    def run(out: str):
        return CliRunner().invoke(cli, ["run", str(AE), "--data", str(data), "--period",
                                        "2026-Q1", "--out", str(tmp_path / out), "--engine",
                                        "spark", "-q"])
    csv_deals = data / "deals.csv"
    csv_deals.rename(tmp_path / "deals.csv")  # the parts alone are the input
    r = run("good")
    assert r.exit_code == 0, r.output
    import csv
    with next((tmp_path / "good").rglob("payees.csv")).open(newline="") as fh:
        paid = {row["payee"]: Decimal(row["total"]) for row in csv.DictReader(fh)}
    assert paid == {p.payee: p.total for p in ref.payees}  # as the Python engine pays

    import duckdb
    con = duckdb.connect()
    bad = parts[7]
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{bad}')")
    con.execute("UPDATE t SET amount = '60k' WHERE rowid = 0")
    con.execute(f"COPY t TO '{bad}' (FORMAT parquet)")
    con.close()
    r = run("bad")
    assert r.exit_code == 1
    assert f"{bad}:1:" in r.output and "'60k' is not an amount" in r.output, r.output
    for trace in ("Traceback", "org.apache", "py4j", "Py4J", "java.lang", "\tat "):
        assert trace not in r.output, r.output
    assert not (tmp_path / "bad").exists() or not list((tmp_path / "bad").rglob("*.csv"))
