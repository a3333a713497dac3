"""Issue 13: amounts in other currencies, payees paid in theirs (fx.py) and dated
reporting lines (hierarchy.py) inside PostgreSQL, the same as the Python engine.

The DuckDB engine's tests of both (test_issue12_sql_fx.py, test_issue12_sql_dated_lines.py:
their plans, data and arithmetic worked by hand there) are run again here with the
PostgreSQL engine in the DuckDB engine's place: each module is loaded afresh and its
run_sql / run_folder are the PostgreSQL engine's. Their forms PostgreSQL lacks (`*
REPLACE`, `EXCLUDE`, `UNION ALL BY NAME`, a table made again) are written out when each
statement runs (engine/sql/pgexpand.py). Skipped, with the reason, without a server."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")
pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.engine.sql import postgres  # noqa: E402
from engines import postgres_unavailable  # noqa: E402

NO_SERVER = postgres_unavailable()
pytestmark = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")
HERE = Path(__file__).resolve().parent


def _on_postgres(name: str):
    """The test module `name`, loaded afresh, its SQL engine runs made in PostgreSQL."""
    spec = importlib.util.spec_from_file_location(f"{name}_on_postgres", HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.run_sql = lambda compiled, tables, period, *a, **k: postgres.run_tables(
        compiled, tables, period)
    mod.run_folder = lambda compiled, folder, period, *a, **k: postgres.run_postgres(
        compiled, folder, period)
    return mod


FX = _on_postgres("test_issue12_sql_fx")
DATED = _on_postgres("test_issue12_sql_dated_lines")


def _params(test) -> list:
    [mark] = [m for m in test.pytestmark if m.name == "parametrize"]
    return list(mark.args[1])


@pytest.mark.parametrize("name", _params(FX.test_issue16_currency_plans_same_on_the_sql_engine))
def test_issue13_currency_plans_same_in_postgres(tmp_path, name):
    # a EUR deal paid in VND (2,751,238), a USD cap; a line and a cap paid in EUR and GBP
    FX.test_issue16_currency_plans_same_on_the_sql_engine(tmp_path, name)


def test_issue13_a_euro_deal_paid_in_dollars_at_its_dates_rate_in_postgres(tmp_path):
    FX.test_a_euro_deal_paid_to_a_dollar_payee_at_its_dates_most_specific_rate(tmp_path)


@pytest.mark.parametrize("case", _params(FX.test_issue16_rate_choice_same_on_the_sql_engine))
def test_issue13_rate_choice_same_in_postgres(tmp_path, case):
    FX.test_issue16_rate_choice_same_on_the_sql_engine(tmp_path, *case)


def test_issue13_a_missing_rate_is_named_at_file_row_in_postgres(tmp_path):
    FX.test_a_missing_rate_is_the_python_engines_problem_at_file_row(tmp_path)


def test_issue13_a_rep_who_changes_manager_on_the_15th_in_postgres(tmp_path):
    DATED.test_issue16_rep_who_changes_manager_on_the_15th_same_on_the_sql_engine(tmp_path)


def test_issue13_without_dated_lines_and_with_overlaps_in_postgres(tmp_path):
    DATED.test_issue16_without_dated_lines_and_with_overlaps_same_on_the_sql_engine(tmp_path)


def test_issue13_a_rep_moving_mid_quarter_in_postgres(tmp_path):
    # mia 200.00 + 80.00 overrides, max 120.00 + 400.00, lee's team bonus 400.00
    DATED.test_a_rep_moving_mid_quarter_counts_for_each_manager_on_their_days(tmp_path)


def test_issue13_generated_moves_currencies_and_caps_in_postgres(tmp_path):
    """100 reps, 20 moving, deals in three currencies at their dates' rates, payees paid
    in four, rollups up every level, a capped team bonus and a capped total: every line
    the same as the Python engine's, rounding text included."""
    DATED.test_generated_moves_currencies_and_caps_same_on_both_engines(tmp_path)
