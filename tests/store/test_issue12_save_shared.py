"""`run --engine duckdb --save` (issue 12 item 4): a save's lines table is made once, in
payee and line order, with the texts lines.csv and the store both write (engine/sql/
run.py _shared_lines: the exact value, the running bases, the rounding note), and both
readers take it as it lies, without a sort or those texts of their own.

What must not change by it, on every sample plan, a plan paying in other currencies and
a generated run of the benchmark's plan:
- the store's rows: the same values, Python types and order as the plain select (the
  texts made again from the numbers, ORDER BY payee, line) over the same table;
- lines.csv: byte for byte the file `run` writes without a save (the lines a view,
  numbered as the COPY writes them).

The store's own `then` (marked store_rows_only: it reads the lines only as store rows)
gets a leaner table, without the tier lists and the running bases' numbers, which those
rows and lines.csv take from texts (save12): its rows and lines.csv must be the same too.
"""
import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import load_plan, parse_period  # noqa: E402
from compplan.engine.sql.run import (SHARED_TEXTS, lines_scales, run_folder,  # noqa: E402
                                     store_lines_query, store_rows_only)
from test_issue12_bulk_save import SAMPLES  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"


def _fx_folder(tmp_path):
    """The plan and data of tests/engine/test_issue12_sql_fx.py: euro deals, payees paid
    in dollars and pounds (each line rounded in the currency paid)."""
    spec = importlib.util.spec_from_file_location(
        "sql_fx_cases", ROOT / "tests" / "engine" / "test_issue12_sql_fx.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._folder(tmp_path)


def _both_ways(compiled, data: Path, period: str, tmp_path: Path) -> dict:
    """Run the period as a save does (`then` given) and as `run` does; return what each
    reader got: the store's rows from the save's table, the plain select's over the same
    table, and both lines.csv files."""
    p = parse_period(period)
    got: dict = {}

    def then(con):
        scales = lines_scales(con)
        got["shared"] = all(t in scales for t in SHARED_TEXTS)
        got["rows"] = con.execute(store_lines_query(compiled, 7, scales)).fetchall()
        plain = {k: v for k, v in scales.items() if k not in SHARED_TEXTS}
        got["plain"] = con.execute(store_lines_query(compiled, 7, plain)).fetchall()

    @store_rows_only
    def lean(con):  # as the store's own then (lifecycle._run_sql) reads the table
        scales = lines_scales(con)
        got["lean_columns"] = set(scales)
        got["lean_rows"] = con.execute(store_lines_query(compiled, 7, scales)).fetchall()

    saved_csv, run_csv = tmp_path / "saved.csv", tmp_path / "run.csv"
    lean_csv = tmp_path / "lean.csv"
    run_folder(compiled, data, p, saved_csv, then=then)
    run_folder(compiled, data, p, run_csv)
    run_folder(compiled, data, p, lean_csv, then=lean)
    got["saved_csv"], got["run_csv"] = saved_csv.read_bytes(), run_csv.read_bytes()
    got["lean_csv"] = lean_csv.read_bytes()
    return got


def _assert_alike(got: dict) -> None:
    assert got["rows"], "no lines: nothing compared"
    assert got["rows"] == got["plain"]  # values, types (str, int, None) and order
    assert [type(v) for v in got["rows"][0]] == [type(v) for v in got["plain"][0]]
    assert got["saved_csv"] == got["run_csv"]
    # the store's lean table: the same rows (values, types, order) and the same file
    assert got["lean_rows"] == got["rows"]
    assert [type(v) for v in got["lean_rows"][0]] == [type(v) for v in got["rows"][0]]
    assert got["lean_csv"] == got["run_csv"]
    if got["shared"]:  # what neither reader reads is not in it
        assert not {"tiers", "run_before", "run_after"} & got["lean_columns"]
        assert set(SHARED_TEXTS) <= got["lean_columns"]


@pytest.mark.parametrize("plan,period", SAMPLES, ids=[p for p, _ in SAMPLES])
def test_issue12_a_saves_shared_texts_give_the_plain_rows_and_lines_csv(plan, period,
                                                                        tmp_path):
    got = _both_ways(load_plan(PLANS / f"{plan}.yaml"), PLANS / "data" / plan, period,
                     tmp_path)
    assert got["shared"], "the save's lines table was made the plain way"
    _assert_alike(got)


def test_issue12_lines_paid_in_other_currencies_are_stored_and_written_alike(tmp_path):
    compiled, data = _fx_folder(tmp_path)
    got = _both_ways(compiled, data, "2026-Q1", tmp_path)
    _assert_alike(got)
    # a line rounded in the currency paid: the store has its note, lines.csv too
    assert any(r[14] for r in got["rows"])


def test_issue12_a_generated_benchmark_run_gets_the_same_rows_and_file(tmp_path):
    """bench/plans/ae_scale.yaml on 60 payees and 3,000 generated deals: tiers crossed,
    amounts rounded, running bases on every line."""
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate
    data = tmp_path / "data"
    generate(data, 60, 3000)
    got = _both_ways(load_plan(ROOT / "bench" / "plans" / "ae_scale.yaml"), data, "2026-Q1",
                     tmp_path)
    assert got["shared"]
    _assert_alike(got)
    rows = got["rows"]
    assert len(rows) > 3000
    assert [(r[1], r[2]) for r in rows] == sorted((r[1], r[2]) for r in rows)
    assert sum(1 for r in rows if r[14]) > 100  # rounding notes made from the shared text
    assert sum(1 for r in rows if r[12] is not None and r[13] is not None) > 1000  # bases
