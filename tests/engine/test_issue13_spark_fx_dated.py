"""Issue 13 (fixture13): amounts in other currencies, payees paid in theirs and dated
reporting lines run on Spark. They were refused ("the SQL engine does not run a column
replaced in a row (REPLACE) ... (Spark dialect) yet"), found when the DuckDB engine's
tests of them (test_issue12_sql_fx.py, test_issue12_sql_dated_lines.py) took
`sql_engine`; those tests now hold Spark to the Python engine line for line.

What made them run, tested here without a Spark session: fx.py's and hierarchy.py's
`* REPLACE`, `EXCLUDE` and unions by name are written out when the statement runs from
the columns Spark's analyzer gives (pgexpand.py, as for PostgreSQL: spark._expanded),
DuckDB's starts_with() is Spark's startswith(), and hierarchy.py's `DELETE FROM t WHERE
c` (a view cannot be deleted from) is t made again of the rows c is not true of."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.sql.dialect import SPARK  # noqa: E402
from compplan.engine.sql.run import review_script  # noqa: E402
from test_issue12_sql_dated_lines import PLAN as DATED  # noqa: E402
from test_issue12_sql_fx import PLAN as FX  # noqa: E402


def _script(tmp_path: Path, text: str):
    (tmp_path / "plan.yaml").write_text(text)
    return review_script(load_plan(tmp_path / "plan.yaml"), parse_period("2026-Q1"), SPARK)


@pytest.mark.parametrize("text", [FX, DATED], ids=["fx", "dated-lines"])
def test_issue13_spark_compiles_fx_and_dated_lines_plans(tmp_path, text):
    """Compiled in the Spark dialect without a refusal; every statement, once finished,
    is one the Spark engine runs (a CREATE; the star forms left for the run to write
    out, nothing else of DuckDB's)."""
    script = _script(tmp_path, text)
    for what, sql in script.statements:
        SPARK.refuse(what, sql)  # no form Spark lacks but those written out at run time
        done = SPARK.finish(sql)
        assert done.startswith("CREATE "), (what, done[:80])
        assert "starts_with(" not in done and "DELETE " not in done, what


def test_issue13_spark_delete_is_the_table_made_again():
    # a payee in the subquery's rows is dropped; a row whose test is NULL is kept, as
    # DELETE keeps it (IS NOT TRUE)
    assert SPARK.finish("DELETE FROM lines WHERE payee IN (SELECT _uid FROM team_part)") == (
        "CREATE OR REPLACE TEMP TABLE lines AS SELECT * FROM lines WHERE (payee IN (SELECT "
        "_uid FROM team_part)) IS NOT TRUE")
    assert SPARK.finish("SELECT starts_with(component, 'total_') AS t FROM x") == \
        "SELECT startswith(component, 'total_') AS t FROM x"
