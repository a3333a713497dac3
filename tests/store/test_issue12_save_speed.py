"""`run --save` at scale (issue 12 item 4), on SQLite and PostgreSQL: the cheaper ways the
store's rows are made (store/bulk.py, engine/sql/run.py's store select) give what the
plain ways gave, and a run of the benchmark's plan on generated data is stored alike by
both engines.

- tiers: the JSON list from lines.csv's tiers cell (`tiers_text`), not from the list of
  DECIMAL(38,16) parts; the two must be the same text on every sample plan.
- inputs: the whole text escaped once where every item has one `=`, else item by item;
  the same text as item by item on every sample plan and on awkward values.
- PostgreSQL: DuckDB's CSV through COPY; quotes, commas, line breaks, backslashes,
  non-ASCII, empty text and NULL arrive as SQLite's tuples have them.
"""
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.diff.verify import verify  # noqa: E402
from compplan.engine import load_plan, parse_period  # noqa: E402
from compplan.engine.sql.run import (STORE_LINE_COLUMNS, lines_scales,  # noqa: E402
                                     line_batches, run_folder)
from compplan.store import bulk, lifecycle  # noqa: E402
from test_issue12_bulk_save import SAMPLES, assert_stored_alike, snapshot  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def _store_texts(con, compiled, scales):
    """(payee, line, tiers, inputs) as the store gets them with the given scales."""
    from compplan.engine.sql.run import store_lines_query
    sql = store_lines_query(compiled, None, scales)
    return [(r[0], r[1], r[10], r[9]) for r in con.execute(sql).fetchall()]


def _listed_inputs(con):
    """The inputs as JSON item by item (the way every line took before issue 12's speed
    work): split on '; ', each label and value escaped by to_json."""
    pair = "to_json(split_part(x, '=', 1)) || ': ' || to_json(substr(x, strpos(x, '=') + 1))"
    return [r[0] for r in con.execute(
        f"SELECT CASE WHEN inputs IS NULL OR inputs = '' THEN '{{}}' ELSE '{{' || "
        f"array_to_string([{pair} FOR x IN string_split(inputs, '; ')], ', ') || '}}' END "
        "FROM lines ORDER BY payee, line").fetchall()]


@pytest.mark.parametrize("plan,period", SAMPLES, ids=[p for p, _ in SAMPLES])
def test_issue12_the_stores_tiers_and_inputs_are_the_same_text_either_way(plan, period):
    compiled = load_plan(PLANS / f"{plan}.yaml")
    seen = {}

    def then(con):
        scales = lines_scales(con)
        fast = _store_texts(con, compiled, scales)
        # without tiers_text the store select formats the list's parts itself
        listed = _store_texts(con, compiled, {k: v for k, v in scales.items()
                                              if k != "tiers_text"})
        seen["tiers_text"] = "tiers_text" in scales
        seen["fast"], seen["listed"] = fast, listed
        seen["inputs"] = _listed_inputs(con) if "inputs" in scales else None

    run_folder(compiled, PLANS / "data" / plan, parse_period(period), then=then)
    fast, listed = seen["fast"], seen["listed"]
    assert len(fast) == len(listed) > 0
    assert [f[2] for f in fast] == [x[2] for x in listed]  # tiers, line by line
    if seen["inputs"] is not None:
        assert [f[3] for f in fast] == seen["inputs"]
    if plan == "ae":  # ann's line 2 (tests/engine/test_plans.py): 40,000 x 4% + 30,000 x 8%
        assert seen["tiers_text"]
        ann2 = next(f for f in fast if f[:2] == ("ann", 2))
        assert ann2[2] == ('[{"tier": 1, "amount": "40000", "rate": "0.04", "pays": "1600"}, '
                           '{"tier": 2, "amount": "30000", "rate": "0.08", "pays": "2400"}]')


TIERS = "STRUCT(tier INTEGER, amount DECIMAL(38,16), rate DECIMAL(38,16), pays DECIMAL(38,16))[]"
LINE_TYPES = {"line": "INTEGER", "payee": "VARCHAR", "component": "VARCHAR",
              "kind": "VARCHAR", "amount": "DECIMAL(38,2)", "exact": "DECIMAL(38,16)",
              "rule": "VARCHAR", "source": "VARCHAR", "date": "DATE", "via": "VARCHAR",
              "tiers": TIERS, "run_before": "DECIMAL(38,16)", "run_after": "DECIMAL(38,16)",
              "formula": "VARCHAR", "inputs": "VARCHAR", "split_source": "VARCHAR",
              "credit_note": "VARCHAR", "rounding_note": "VARCHAR"}


def _lines_table(rows: list[dict]):
    """A DuckDB connection with a lines table of the engine's columns (plan.py), each
    row's missing columns NULL."""
    import duckdb
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE lines (" + ", ".join(f"{c} {t}" for c, t in
                                                        LINE_TYPES.items()) + ")")
    marks = ", ".join("?" for _ in LINE_TYPES)
    con.executemany(f"INSERT INTO lines VALUES ({marks})",
                    [[r.get(c) for c in LINE_TYPES] for r in rows])
    return con


def test_issue12_inputs_with_awkward_values_are_the_same_json_either_way():
    values = ["a=1", "a.b=x=y; c=", 'q="quoted" \\ back; z=tab\there', "u=é ü; v=line\nbreak",
              "k=a;b; m=2", "", None, "n=1; o=2; p=3", "w== ; x=;", "r=1;  s=2"]
    con = _lines_table([{"line": i, "payee": "p", "component": "c", "kind": "credit",
                         "amount": 1, "exact": 1, "inputs": v}
                        for i, v in enumerate(values, 1)])
    fast = [r[3] for r in _store_texts(con, load_plan(PLANS / "ae.yaml"), lines_scales(con))]
    assert fast == _listed_inputs(con)
    assert fast[1] == '{"a.b": "x=y", "c": ""}' and fast[2] == \
        '{"q": "\\"quoted\\" \\\\ back", "z": "tab\\there"}'


def test_issue12_awkward_text_reaches_the_store_as_it_left_duckdb(store):
    """Lines with quotes, commas, line breaks, backslashes, non-ASCII, empty text and
    NULLs stored through bulk.store_lines (COPY of CSV on PostgreSQL, tuples on SQLite)
    read back as line_batches made them."""
    compiled = load_plan(PLANS / "ae.yaml")
    run = lifecycle.save_run(store, compiled, PLANS / "data" / "ae", "2026-Q1", "fin",
                             engine="duckdb").run
    import datetime as dt
    from decimal import Decimal as D
    con = _lines_table([
        {"line": 1, "payee": 'zoë "z"', "component": "comm,ission", "kind": "credit",
         "amount": D("1.00"), "exact": D("1.005"), "rule": "p.yaml:1:1",
         "source": 'deals:A,"1"\nx', "date": dt.date(2026, 1, 12),
         "formula": "1.00 x 100% = 1.00", "inputs": 'label=a\\b; other="q"',
         "rounding_note": "", "run_before": D(0), "run_after": D("0.5")},
        {"line": 2, "payee": 'zoë "z"', "component": "bonus", "kind": "bonus",
         "amount": D(0), "exact": D(0), "rule": "", "via": 'mgr, "the"', "formula": "",
         "inputs": "", "credit_note": "note\r\ntwo"}])
    (want,) = list(line_batches(con, compiled, run.id))
    with store.session() as s:
        assert bulk.store_lines(s, run.id, con, compiled) == 2
        names = ", ".join(f'"{c}"' for c in ("run_id",) + STORE_LINE_COLUMNS)
        got = [tuple(r) for r in s.execute(text(
            f"SELECT {names} FROM line_items WHERE run_id = :r AND payee = :p ORDER BY "
            "number"), {"r": run.id, "p": 'zoë "z"'})]
        s.rollback()
    # PostgreSQL reads dates as dates and money as NUMERIC (store/types.py, which keeps
    # the scale it was given); everything else is the text DuckDB wrote
    got = [tuple(format(v, "f") if isinstance(v, D) else
                 str(v) if isinstance(v, dt.date) else v for v in r) for r in got]
    assert got == [tuple(r) for r in want]
    first, second = (dict(zip(("run_id",) + STORE_LINE_COLUMNS, r)) for r in got)
    assert first["sources"] == '["deals:A,\\"1\\"\\nx"]' and first["rounding"] == ""
    assert (second["rule"], second["basis_after"], second["date"]) == ("", None, None)
    assert second["note"] == 'credited through mgr, "the"; note\r\ntwo'


def test_issue12_a_generated_benchmark_run_is_stored_alike_by_both_engines(store, tmp_path):
    """bench/plans/ae_scale.yaml (the 1M-deal benchmark's plan) on 40 payees and 1,500
    generated deals: the duckdb save is stored as the python save, row for row (formula
    and inputs included, so the results fingerprints are the same), and verifies."""
    data = tmp_path / "data"
    generate(data, 40, 1500)
    compiled = load_plan(ROOT / "bench" / "plans" / "ae_scale.yaml")
    first = lifecycle.save_run(store, compiled, data, "2026-Q1", "fin")
    py = snapshot(store, first.run.id)
    second = lifecycle.save_run(store, compiled, data, "2026-Q1", "fin", engine="duckdb")
    dk = snapshot(store, second.run.id)
    assert_stored_alike(py, dk)
    assert len(dk["lines"]) > 1500  # a line per credited deal, and the overrides'
    assert all(ln["formula"] for ln in dk["lines"])
    assert [ln["formula"] for ln in dk["lines"]] == [ln["formula"] for ln in py["lines"]]
    assert dk["run"]["fingerprint"] == py["run"]["fingerprint"]
    with store.session() as s:
        v = verify(s, second.run.id)
    assert v.identical and v.fingerprint_ok and v.cross is not None and v.cross.identical
