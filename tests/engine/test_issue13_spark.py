"""The SQL engine on Spark (issue 13) against the Python engine, the reference.

The same comparison as test_sql_differential.py (every payee, component, total, measure
and warning; every line field by field as exact values): each of the nine sample plans
(plans/data/samples.yaml), on its sample data, run by `--engine spark` (engine/sql/spark.py, the
Spark dialect of engine/sql/dialect.py) in one local[2] session. lines.csv and
payees.csv must be the DuckDB engine's bytes. Skipped, with the reason printed, where
pyspark or Java is missing (pip install 'compplan[spark]').
"""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.sql import spark as spark_engine  # noqa: E402
from compplan.engine.sql.dialect import SPARK, spark_text  # noqa: E402
from test_sql_differential import assert_sample_same  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]

WHY = spark_engine.available()
if WHY:
    print(f"test_issue13_spark: skipped: {WHY}", file=sys.stderr)
needs_spark = pytest.mark.skipif(WHY is not None, reason=WHY or "")

# the sample plans the Spark dialect runs, each compared line for line below: all nine
RUNS = {"textbook.yaml", "ae.yaml", "sdr.yaml", "manager.yaml", "cs.yaml", "field.yaml",
        "field_daily.yaml", "team_pool.yaml", "retail.yaml"}


# `spark`: the test run's one session (tests/conftest.py)


# --------------------------------------------------------------- the dialect's text
def test_issue13_spark_text_rewrites():
    # DuckDB's integer division, HUGEINT, numeric trunc and VARCHAR, in Spark's words;
    # text literals untouched
    got = spark_text("SELECT _cp3 // _cp2 AS a, CAST(x AS HUGEINT), trunc(y), 'a // b', "
                     "CAST(z AS VARCHAR)")
    assert got == ("SELECT cp_idiv(_cp3, _cp2) AS a, CAST(x AS DECIMAL(38,0)), ((y) - (y) % 1), "
                   "'a // b', CAST(z AS STRING)")
    # a parenthesised dividend and a call as divisor
    assert spark_text("(r * 1000) // abs(b)") == "cp_idiv((r * 1000), abs(b))"
    # trunc to places: the remainder keeps the dividend's sign, so -1.239 -> -1.23
    assert spark_text("trunc(v, 2)") == "((v) - (v) % CAST('0.01' AS DECIMAL(3,2)))"


def test_issue13_spark_literals_keep_their_own_digits():
    # Spark compares DECIMAL(38,16) with DECIMAL(38,0) as DECIMAL(38,0): 0.9166666666666667
    # >= 1 was true (AE's csat_bonus paid below 100% attainment); a literal typed with
    # its own digits, DECIMAL(1,0), leaves the common type at 16 places
    assert spark_text("a >= CAST('1' AS DECIMAL(38,0))") == "a >= CAST('1' AS DECIMAL(1,0))"
    assert spark_text("CAST('-2.5' AS DECIMAL(38,1))") == "CAST('-2.5' AS DECIMAL(2,1))"


def test_issue13_spark_nulls_last():
    # DuckDB sorts NULLs last ascending; Spark first: each implied order made explicit
    got = spark_text("row_number() OVER (PARTITION BY p ORDER BY d NULLS FIRST, k, v DESC "
                     "ROWS UNBOUNDED PRECEDING)")
    assert got == ("row_number() OVER (PARTITION BY p ORDER BY d NULLS FIRST, k NULLS LAST, "
                   "v DESC ROWS UNBOUNDED PRECEDING)")


def test_issue13_spark_ordered_string_agg():
    # DuckDB's ORDER BY inside string_agg's parentheses is Spark's WITHIN GROUP (a pool's
    # sharers "a, b" in id order; a subtotal's sources in date order); FILTER stays after
    got = spark_text("string_agg(_pid, ', ' ORDER BY _pid) FILTER (WHERE _sh) AS s, "
                     "string_agg('o:' || k, '' ORDER BY d NULLS FIRST, f(k, 1)) AS t")
    assert got == ("string_agg(_pid, ', ') WITHIN GROUP (ORDER BY _pid NULLS LAST) "
                   "FILTER (WHERE _sh) AS s, string_agg('o:' || k, '') WITHIN GROUP "
                   "(ORDER BY d NULLS FIRST, f(k, 1) NULLS LAST) AS t")
    # DuckDB's strpos is Spark's instr (1-based, 0 when absent)
    assert spark_text("strpos(CAST(p AS VARCHAR), '.')") == "instr(CAST(p AS STRING), '.')"
    # no order: left as it is
    assert spark_text("string_agg(a, ',')") == "string_agg(a, ',')"


def test_issue13_spark_sql_command_prints_spark():
    from click.testing import CliRunner
    from compplan.cli.main import cli as main
    r = CliRunner().invoke(main, ["sql", str(PLANS / "ae.yaml"), "--period", "2026-Q1",
                                  "--dialect", "spark"])
    assert r.exit_code == 0, r.output
    assert "the spark engine runs" in r.output
    assert "cp_idiv" in r.output and "HUGEINT" not in r.output and " // " not in r.output


def test_issue13_spark_refuses_a_duckdb_form_with_position():
    from compplan.engine.sql.exprs import Unsupported
    with pytest.raises(Unsupported) as e:
        SPARK.refuse("earning x: plans/ae.yaml:104:3", "SELECT list_value(1, 2) AS a FROM b")
    assert e.value.pos.line == 104 and e.value.pos.col == 3
    assert "Spark dialect" in e.value.what
    # `* REPLACE` is written out when the statement runs (pgexpand.py), not refused
    SPARK.refuse("earning x: plans/ae.yaml:104:3", "SELECT b.* REPLACE (1 AS a) FROM b")


# --------------------------------------------------------------- runs on Spark
@needs_spark
def test_issue13_spark_division_half_up(spark):
    """cp_idiv and the long division against exact arithmetic at the edges."""
    for sql in SPARK.setup():
        spark.sql(sql)
    big = 10 ** 35 + 12345  # below 10^36: the widest quotient a small divisor gives
    rows = spark.sql(
        f"SELECT cp_idiv(CAST('{big}' AS DECIMAL(38,0)), CAST('7' AS DECIMAL(38,0))) AS a, "
        f"cp_idiv(CAST('{big}' AS DECIMAL(38,0)), CAST('{10 ** 21 + 3}' AS DECIMAL(38,0))) AS b, "
        "cp_idiv(CAST('99999999999999999999' AS DECIMAL(38,0)), CAST('99999999999' AS "
        "DECIMAL(38,0))) AS c").collect()[0]
    # Python's // is exact on integers of any size
    assert rows.a == Decimal(big // 7)
    assert rows.b == Decimal(big // (10 ** 21 + 3))
    assert rows.c == Decimal(99999999999999999999 // 99999999999)


@needs_spark
def test_issue13_spark_mixed_scales_keep_their_digits(spark):
    """Two decimal columns of different scales compared or coalesced keep the larger
    scale (spark.SQL_CONF's retainFractionDigitsOnTruncate): by Spark's default the
    common type of DECIMAL(38,16) and DECIMAL(38,2) is DECIMAL(38,2)."""
    row = spark.sql(
        "SELECT a >= b AS ge0, c >= d AS ge2, coalesce(n, a) AS co, typeof(coalesce(n, a)) AS t "
        "FROM (SELECT CAST('0.9166666666666667' AS DECIMAL(38,16)) AS a, "
        "CAST('1' AS DECIMAL(38,0)) AS b, CAST(NULL AS DECIMAL(38,0)) AS n, "
        "CAST('0.9150000000000000' AS DECIMAL(38,16)) AS c, CAST('0.92' AS DECIMAL(38,2)) AS d)"
    ).collect()[0]
    # 11/12 = 0.9166666666666667 < 1 (rounded to 0 places it would be 1 >= 1)
    assert row.ge0 is False
    # 0.915 < 0.92 (rounded half up to 2 places it would be 0.92 >= 0.92)
    assert row.ge2 is False
    # coalesce keeps all 16 places, not 1 rounded from 0.9166...
    assert row.co == Decimal("0.9166666666666667") and row.t == "decimal(38,16)"


@needs_spark
@pytest.mark.parametrize("entry", [e for e in SAMPLES if e["plan"] in RUNS],
                         ids=lambda e: e["plan"])
def test_issue13_sample_data_same_on_spark(spark, entry):
    assert_sample_same(entry, spark_engine.run_spark)


@needs_spark
def test_issue13_spark_cli_same_bytes_as_duckdb(spark, tmp_path):
    """`compplan run --engine spark` writes payees.csv and lines.csv byte for byte as
    `--engine duckdb` does."""
    from click.testing import CliRunner
    from compplan.cli.main import cli as main
    for engine in ("duckdb", "spark"):
        r = CliRunner().invoke(main, ["run", str(PLANS / "ae.yaml"), "--data",
                                      str(PLANS / "data" / "ae"), "--period", "2026-Q1",
                                      "--engine", engine, "--out", str(tmp_path / engine),
                                      "--quiet"])
        assert r.exit_code == 0, r.output
    for name in ("payees.csv", "lines.csv"):
        a = (tmp_path / "duckdb" / "ae-2026" / "2026-Q1" / name).read_bytes()
        b = (tmp_path / "spark" / "ae-2026" / "2026-Q1" / name).read_bytes()
        assert a == b, name


def test_issue13_spark_bad_value_named_at_file_and_row(spark, tmp_path):
    """A bad amount is reported at FILE:ROW as `validate` says it (Spark reads the file
    and checks its cells; the rows it finds bad are named in the Python reader's
    words), never as a Java trace."""
    import shutil
    from compplan.engine.data import load_folder
    from compplan.errors import CompplanError
    data = tmp_path / "ae"
    shutil.copytree(PLANS / "data" / "ae", data)
    lines = (data / "deals.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",60000,", ",60k,")  # row 3 of the file (header is row 1)
    (data / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    compiled = load_plan(PLANS / "ae.yaml")
    with pytest.raises(CompplanError) as e:
        spark_engine.run_spark(compiled, data, parse_period("2026-Q1"))
    p = e.value.problems[0]
    assert p.file.endswith("deals.csv") and p.row == 3 and p.column == "amount"
    assert p.code == "bad-value"
    validate: list = []
    load_folder(compiled.plan, data, validate)
    assert e.value.problems == validate
