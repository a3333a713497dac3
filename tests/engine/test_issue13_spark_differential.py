"""One truth on Spark (issue 13): the differential tests of the columnar engine run on
the Spark engine too. Every sample plan's scenarios through `compplan test --engine
spark` (the payouts each scenario expects, worked out by hand in the plan), and the
hypothesis-generated data of test_issue12_generated_plans.py (every sample plan's
transactions written anew) and of test_sql_differential.py (AE's deals: ties on dates,
four places, refunds) compared with the Python engine line for line, field by field
(assert_same).

Spark runs a statement as a job of its own (a local checkpoint a table), so a run of
the tiny generated data costs seconds where DuckDB takes milliseconds: these tests
take few examples (EXAMPLES), in the test run's one local[2] session (tests/conftest.py
`spark`), and are skipped, with the reason, where pyspark or Java is missing."""
from __future__ import annotations

import csv
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from test_issue12_generated_plans import GENERATED, _check  # noqa: E402
from test_sql_differential import AE, Q1, assert_same, deal  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"
EXAMPLES = 2  # generated datasets per sample plan on Spark (DuckDB's test runs 4-12)


def test_issue13_scenarios_pass_on_spark(spark):
    """`compplan test --engine spark` on every sample plan: each scenario's expected
    payouts, as the Python engine passes them."""
    from click.testing import CliRunner
    from compplan.cli.main import cli
    plans = sorted(str(p) for p in PLANS.glob("*.yaml"))
    r = CliRunner().invoke(cli, ["test", "--engine", "spark", *plans])
    python = CliRunner().invoke(cli, ["test", *plans])
    assert r.exit_code == 0, r.output
    assert "FAIL" not in r.output
    # the same scenarios ran and passed on both engines, each by name
    said = [[ln for ln in out.output.splitlines() if ln.startswith(("PASS", "FAIL"))]
            for out in (r, python)]
    assert said[0] == said[1]
    assert r.output.splitlines()[-1] == python.output.splitlines()[-1]
    assert int(r.output.splitlines()[-1].split()[0]) >= 30


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")  # its places kept: 0.0050 stays 0.0050
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def read_by_spark(compiled, tables, period):
    """The tables written as CSV files and read by Spark itself (sparkdata.py): the
    generated cells (four places, refunds, empty cells) through Spark's own reader."""
    from compplan.engine.data import declared_columns
    from compplan.engine.sql.spark import run_spark
    with tempfile.TemporaryDirectory(prefix="compplan-gen-") as tmp:
        for name, inp in compiled.plan.inputs.items():
            table = tables.get(name)
            if table is None:
                continue
            cols = list(declared_columns(inp))
            path = Path(tmp) / (inp.file or f"{name}.csv")
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow([inp.rename.get(c, c) for c in cols])
                for row in table.rows:
                    w.writerow([_cell(row.get(c)) for c in cols])
        return run_spark(compiled, tmp, period)


@pytest.mark.parametrize("entry", GENERATED, ids=lambda e: e["plan"])
def test_issue13_generated_data_same_on_spark(spark, entry):
    """Each sample plan's generated transactions, written as CSV and read by Spark."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def same_on_spark(data):
        _check(entry, data, read_by_spark)
    same_on_spark()


@settings(max_examples=3, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(deals=st.lists(deal, min_size=0, max_size=25),
       quotas=st.lists(st.sampled_from(["50000", "100000", "33333.33", "120000.5"]),
                       min_size=3, max_size=3))
def test_issue13_generated_deals_same_on_spark(spark, deals, quotas):
    """test_sql_differential's generated AE deals on Spark."""
    from compplan.engine.sql.spark import run_tables
    reps = ["ann", "ben", "cy"]
    data = {
        "payees": [{"rep_id": r, "name": r.title(), "region": "West",
                    "target_incentive": "10000"} for r in reps],
        "quotas": [{"rep_id": r, "period": "2026-Q1", "amount": q} for r, q in zip(reps, quotas)],
        "deals": [{**d, "deal_id": f"D{i:03d}", "amount": str(d["amount"]),
                   "close_date": d["close_date"].isoformat()} for i, d in enumerate(deals)],
    }
    problems: list = []
    ref = run_plan(AE, load_inline(AE.plan, data, "generated", problems), Q1)
    assert not problems
    assert_same(ref, run_tables(AE, load_inline(AE.plan, data, "generated", []), Q1))
