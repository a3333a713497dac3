"""The engines installed here, and what holding one engine to another takes (issue 13:
"the differential suite passes on all four engines").

ENGINES lists them, the Python engine first: it is the reference the others are held
to. `unavailable(name)` says why one cannot run here (None when it can): duckdb when
it is not installed, postgres when no server answers at COMPPLAN_PG_DSN or
127.0.0.1:5432/test, spark when pyspark or a working Java is missing. The fixtures
`engine` (all four) and `sql_engine` (the three SQL ones) in tests/conftest.py are
parametrized by them and skip, with that reason, an engine that cannot run; Spark's
runs share the test run's one session (the `spark` fixture). `run_tables(name)` and
`run_standalone(name)` are each engine's run of tables already read, as the tests call
it.

A stored run is compared here the way verify reads it: numbers as numbers (2400.00 in
one store is 2400.00 in another), JSON as what it says (PostgreSQL writes `{"a" : "b"}`,
Python `{"a": "b"}`), inputs in their order; the engines' results are compared with
test_sql_differential.assert_same (every payee, component, total, measure, warning and
line field)."""
from __future__ import annotations

import functools
import shutil
import subprocess
from decimal import Decimal


ENGINES = ("python", "duckdb", "postgres", "spark")
SQL_ENGINES = ENGINES[1:]


@functools.cache
def unavailable(name: str) -> str | None:
    """Why engine `name` cannot run here, or None (asked once a test run)."""
    if name == "python":
        return None
    try:
        import duckdb  # noqa: F401 - every SQL engine prepares its run in DuckDB
    except ImportError:
        return "the SQL engines need duckdb (pip install duckdb)"
    if name == "postgres":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return "the PostgreSQL engine needs psycopg"
        return postgres_unavailable()
    if name == "spark":
        return spark_unavailable()
    return None


def spark_unavailable() -> str | None:
    """Why Spark cannot run here: pyspark missing, no Java, or a Java that does not
    start (`java -version`), or None."""
    from compplan.engine.sql import spark
    why = spark.available()
    if why:
        return why
    import os
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    try:
        done = subprocess.run([java, "-version"], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return f"Java does not start ({java}: {e})"
    if done.returncode != 0:
        return f"Java does not start ({java} -version exited {done.returncode})"
    return None


def run_tables(name: str):
    """Engine `name`'s run of tables already read: f(compiled, tables, period) ->
    RunResult, the lines as objects (run_plan, run_sql, postgres.run_tables,
    spark.run_tables)."""
    if name == "python":
        from compplan.engine.run import run_plan
        return run_plan
    if name == "duckdb":
        from compplan.engine.sql import run_sql
        return run_sql
    if name == "postgres":
        from compplan.engine.sql import postgres
        return postgres.run_tables
    if name == "spark":
        from compplan.engine.sql import spark
        return spark.run_tables
    raise ValueError(f"no engine {name!r}")


def run_folder(name: str):
    """Engine `name`'s run of a data folder, each engine reading it its own way (the
    Python reader; DuckDB's reader, or the Python one where a cell is not plain; Spark's
    own reader for the transaction inputs): f(compiled, folder, period) -> RunResult,
    the lines as objects."""
    if name == "python":
        from compplan.engine.data import load_folder
        from compplan.engine.run import run_plan
        from compplan.errors import CompplanError

        def run(compiled, folder, period):
            found: list = []
            tables = load_folder(compiled.plan, folder, found)
            if found:
                raise CompplanError(found)
            return run_plan(compiled, tables, period)
        return run
    if name == "duckdb":
        from compplan.engine.sql.run import run_folder as run
        return lambda compiled, folder, period: run(compiled, folder, period)
    if name == "postgres":
        from compplan.engine.sql import postgres
        return lambda compiled, folder, period: postgres.run_postgres(compiled, folder, period)
    if name == "spark":
        from compplan.engine.sql import spark
        return lambda compiled, folder, period: spark.run_spark(compiled, folder, period)
    raise ValueError(f"no engine {name!r}")


# A Spark run is a job per statement (seconds, where DuckDB takes milliseconds) and a
# PostgreSQL run a schema made and dropped (a tenth of a second): hypothesis tests take
# fewer examples on them. They test the engine's SQL against the same generated cases'
# kinds; DuckDB's many examples have already searched the space the three share.
EXAMPLES_SHARE = {"python": 1, "duckdb": 1, "postgres": 4, "spark": 20}


def examples(name: str, n: int) -> int:
    """How many hypothesis examples engine `name` runs of a test DuckDB runs `n` of: all
    on DuckDB, a quarter on PostgreSQL, a twentieth on Spark (at least 2)."""
    return max(2, n // EXAMPLES_SHARE[name]) if n >= 2 else n


def run_standalone(name: str):
    """Engine `name`'s run as a first stored period pays it (the pay stage after the
    engine: a draw, the year's true-up), as `compplan test --engine NAME` runs a
    scenario of one period; f(compiled, tables, period) -> RunResult."""
    if name == "python":
        from compplan.engine.standalone import run_standalone as run
        return run
    if name == "duckdb":
        from compplan.engine.sql import run_sql_standalone
        return run_sql_standalone
    if name == "postgres":
        from compplan.engine.sql import postgres
        return postgres.run_tables_standalone
    if name == "spark":
        from compplan.engine.sql import spark
        return spark.run_tables_standalone
    raise ValueError(f"no engine {name!r}")


def postgres_unavailable() -> str | None:
    """Why no PostgreSQL test can run (no psycopg, no server at COMPPLAN_PG_DSN or
    127.0.0.1:5432/test), or None."""
    try:
        from compplan.engine.sql import postgres
    except ImportError as e:  # duckdb missing
        return f"the SQL engine cannot load ({e})"
    try:
        postgres.connect().close()
    except Exception as e:  # noqa: BLE001 - any failure to connect is the reason
        return f"no PostgreSQL at {postgres.dsn_of()} ({type(e).__name__}: {e})".strip()
    return None


def _number(v):
    return None if v is None else Decimal(str(v))


def stored_lines(store, run_id: int) -> list[tuple]:
    """Every stored line of a run, in payee and number order, as comparable values."""
    from compplan.diff.stored import load_run
    with store.session() as s:
        run = load_run(s, run_id)
    out = []
    for ln in sorted(run.lines, key=lambda ln: (ln.payee, ln.number)):
        out.append((ln.payee, ln.number, ln.component, ln.kind, _number(ln.amount),
                    _number(ln.exact), ln.formula, ln.rule, tuple(ln.sources),
                    tuple((k, str(v)) for k, v in ln.inputs.items()),
                    tuple((t["tier"], _number(t["amount"]), _number(t["rate"]),
                           _number(t["pays"])) for t in ln.tiers),
                    _number(ln.basis_before), _number(ln.basis_after), ln.rounding,
                    ln.date, ln.note, ln.key))
    return out


def inputs_as_numbers(rows: list[tuple]) -> list[tuple]:
    """stored_lines with each input value a number where it is one (an engine writes
    4000.00 where another writes 4000: the same value)."""
    def value(v: str):
        try:
            return Decimal(v)
        except ArithmeticError:
            return v
    return [r[:9] + (tuple((k, value(v)) for k, v in r[9]),) + r[10:] for r in rows]


def assert_same_stored(ref: list[tuple], got: list[tuple]) -> None:
    """Two engines' stored_lines alike: every field, inputs as numbers, the rounding
    text aside (it shows the exact value in each engine's digits, as verify says)."""
    ref, got = inputs_as_numbers(ref), inputs_as_numbers(got)
    assert [r[:4] for r in got] == [r[:4] for r in ref]
    for x, y in zip(ref, got):
        assert x[:13] + x[14:] == y[:13] + y[14:], (x[0], x[1])
