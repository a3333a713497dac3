"""Issue 12: `compplan verify` of a run the SQL engine saved compares it with the Python
engine's recomputation field by field, formula text and inputs included (both engines
write them alike now), and catches a stored formula that no engine wrote. Runs with
amounts in other currencies and with reporting lines with dates verify on both engines."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.diff.verify import verify  # noqa: E402
from compplan.store import lifecycle  # noqa: E402
from tamper_helpers import sql  # noqa: E402

ENGINE_TESTS = Path(__file__).resolve().parents[1] / "engine"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, ENGINE_TESTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FX = _module("test_issue12_sql_fx")
DATED = _module("test_issue12_sql_dated_lines")


@pytest.mark.parametrize("case", ["fx", "dated"])
def test_a_duckdb_run_verifies_against_the_python_engine_formula_and_inputs_too(
        store, tmp_path, case):
    compiled, data = (FX if case == "fx" else DATED)._folder(tmp_path)
    run_id = lifecycle.save_run(store, compiled, data, "2026-Q1", "fin",
                                engine="duckdb").run.id
    with store.session() as s:
        v = verify(s, run_id)
    assert v.identical, (v.differences, v.problems, v.cross.differences, v.cross.problems)
    assert v.engine == "duckdb" and v.fingerprint_ok and v.lines == v.cross.lines > 0


def test_a_stored_formula_no_engine_wrote_is_a_difference_on_both(store, tmp_path):
    compiled, data = FX._folder(tmp_path)
    run_id = lifecycle.save_run(store, compiled, data, "2026-Q1", "fin",
                                engine="duckdb").run.id
    # bo's line: 400.00 x 10% = 40.00 (EUR 500.00 at the year's 0.80); stored otherwise
    sql(store, "UPDATE line_items SET formula = 'value x 10% = 40.00 (approved by me)' "
               f"WHERE run_id = {run_id} AND payee = 'bo' AND number = 1")
    with store.session() as s:
        v = verify(s, run_id)
    # the run's own engine sees it, and the fingerprint saved with the run no longer holds
    assert [(d.payee, d.field) for d in v.differences] == [("bo", "formula"),
                                                          ("", "fingerprint")]
    assert [(d.payee, d.field, d.stored) for d in v.cross.differences] == [
        ("bo", "formula", "value x 10% = 40.00 (approved by me)")]
