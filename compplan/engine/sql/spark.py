"""Run a compiled plan on Spark (issue 13): `compplan run --engine spark [--master URL]`.

Spark reads the data files itself (sparkdata.py: CSV or Parquet, a file or a folder of
part files, at any path Spark reads): the transaction inputs are checked, typed and kept
in Spark as the views in_<name>; the small ones (payees, targets, rates, reporting
lines) are read on the driver by the Python reader into an in-memory DuckDB that
prepares what the script needs besides the inputs (the target spans, the reporting
lines, the rates: run.py's and fx.py's own code, so the engines cannot differ) and makes
the period-wide checks of the small tables; those of the large ones are asked of Spark
(sparkdata.suspicious). The prepared tables go to Spark as Parquet; the script compiled
in the Spark dialect (dialect.Spark) runs statement by statement, each table made once
(a local checkpoint, so a later statement reads it instead of working it out again).
The tables the result is read from (the payees' last layer, `lines`, `warnings`, the
per-payee targets) are written by Spark as Parquet and read by the DuckDB that prepared
the run (the lines as a view over the Parquet, streamed), which writes payees.csv and
lines.csv exactly as the DuckDB engine does (run.lines_query: the same bytes) and, with
`run --save`, hands the lines to the store in batches (store/bulk.py). No line passes
through Python objects. run_tables runs tables already read (a scenario's rows).

Spark runs with ANSI mode on (an overflow is an error, never NULL), double-quoted
identifiers, no decimal precision loss (see dialect.Spark), UTC dates. `--master`:
`local[2]` by default (under spark-submit: its master), any Spark master URL
(spark://, yarn, k8s://), or a Spark Connect URL (sc://host:15002). On a cluster the
staging folder must be one the executors read: COMPPLAN_SPARK_STAGE (a shared mount);
by default a local temporary one.
"""
from __future__ import annotations

import contextlib
import decimal
import gc
import os
import re
import shutil
import tempfile
from pathlib import Path

from ...errors import CompplanError, Problem
from .. import datacheck
from ..data import Table
from ..ir import CompiledPlan
from ..money import CONTEXT
from ..periods import Period
from ..plausible import limit_of, plausibility
from ..prepare import prepare
from ..results import RunResult
from . import fx as sql_fx
from . import hierarchy as sql_hier
from . import pgexpand, sparkdata
from .cover import refusal, refusals
from .dialect import SPARK
from .exprs import Unsupported
from .load import load_tables
from .plan import q
from .targets import create_spans, per_payee_inputs
from .windows import create_window_spans
from .show import CSV_OPTIONS
from . import run as duck_run
from .settle import run_by_frequency, settles_by_frequency

DEFAULT_MASTER = "local[2]"

# Spark SQL settings the Spark dialect's text relies on (dialect.Spark's docstring)
SQL_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    # two decimals compared, coalesced or unioned are brought to a common type; when
    # DECIMAL(38) cannot hold both ranges Spark (3.4+) keeps the whole digits and rounds
    # away the fraction: DECIMAL(38,16) against DECIMAL(38,2) at 2 places (0.915 >= 0.92
    # true), against DECIMAL(38,0) at none. With this the common type keeps the larger
    # scale, as DuckDB does, and a value too large for it is an overflow error, never a
    # value rounded in silence (test_issue13_spark_mixed_scales_keep_their_digits)
    "spark.sql.legacy.decimal.retainFractionDigitsOnTruncate": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.caseSensitive": "false",
    # text literals as DuckDB reads them: a backslash is itself ('\.?0+$' is a regex)
    "spark.sql.parser.escapedStringLiterals": "true",
    # the optimizer's constraint propagation grows with every alias of a statement: on
    # AE's commission statement (139 named steps) it ran 2 GB of heap out in minutes
    "spark.sql.constraintPropagation.enabled": "false",
    # the SQL parser keeps a cache of what it learnt from every text it parsed; a run's
    # statements are long and each plan's differ, so a session that runs many plans
    # (the test suite's, a service's) grew it past 400 MB of a 2 GB heap: flushed
    # when it passes 10% of the driver's memory
    "spark.sql.parser.manageParserCaches": "true",
    "spark.sql.parser.parserDfaCacheFlushRatio": "10",
}

# the error classes of a value DECIMAL(38) (or a cast) cannot hold: the rule's limit
_OUT_OF_RANGE = ("NUMERIC_VALUE_OUT_OF_RANGE", "ARITHMETIC_OVERFLOW", "CAST_OVERFLOW",
                 "NUMERIC_OUT_OF_SUPPORTED_RANGE", "DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION")


def available() -> str | None:
    """Why Spark cannot run here (pyspark or Java missing), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'compplan[spark]')"
    import shutil
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "Java is not installed (Spark needs Java 17 or later)"
    return None


def session(master: str | None = None):
    """The Spark session a run uses: the active one if there is one (a test's, a
    spark-submit's), else a new one at `master` (local[2] by default; sc://... is Spark
    Connect). Nothing is downloaded: no packages, no UI."""
    why = available()
    if why:
        raise CompplanError([Problem.at(None, f"cannot run on Spark: {why}",
                                        "install it, or run with --engine duckdb",
                                        code="spark")])
    from pyspark.sql import SparkSession

    if master and master.startswith("sc://"):
        spark = SparkSession.builder.remote(master).getOrCreate()
    else:
        spark = SparkSession.getActiveSession()
        if spark is None:
            builder = SparkSession.builder.appName("compplan")
            # under spark-submit (it started the JVM: PYSPARK_GATEWAY_PORT) the master
            # is spark-submit's --master, unless --master or COMPPLAN_SPARK_MASTER says
            chosen = master or os.environ.get("COMPPLAN_SPARK_MASTER") or (
                None if os.environ.get("PYSPARK_GATEWAY_PORT") else DEFAULT_MASTER)
            if chosen:
                builder = builder.master(chosen)
            builder = (builder
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.shuffle.partitions", "8")
                       .config("spark.driver.memory", os.environ.get(
                           "COMPPLAN_SPARK_DRIVER_MEMORY", "2g")))
            if chosen and chosen.startswith("local"):
                builder = builder.config("spark.driver.bindAddress", "127.0.0.1") \
                    .config("spark.driver.host", "127.0.0.1")
            spark = builder.getOrCreate()
            # a statement too large for Spark's code generator is logged at ERROR and
            # run interpreted; the run's own errors come as exceptions (_problem)
            spark.sparkContext.setLogLevel("FATAL")
    _quiet_python_logs()
    for key, value in SQL_CONF.items():
        spark.conf.set(key, value)
    return spark


def _quiet_python_logs() -> None:
    """pyspark logs every failed statement with its whole Java trace before raising it;
    the run reports the error itself, in a sentence (_problem)."""
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # an older pyspark logs nothing of its own
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True


def run_spark(compiled: CompiledPlan, folder: str | Path, period: Period,
              master: str | None = None, lines_csv: Path | None = None,
              then=None) -> RunResult:
    """Work out every payee's pay on Spark, Spark reading the data files itself
    (sparkdata.py: CSV or Parquet at any path Spark reads; the transaction inputs stay
    in Spark, the small ones are read on the driver into the DuckDB that prepares the
    run). See the module's docstring. `then(duck)`: as for run.run_sql (`run --save`
    takes the lines into the store from the DuckDB that reads Spark's Parquet).

    Payees settled at their own frequency (issue 20) are worked out group by group over
    their own period, as the other engines do (settle.run_by_frequency), from the
    inputs read once; each group's lines alone are staged (_keep_lines)."""
    problems = refusals(compiled)  # a plan the engine does not run: before Spark starts
    if problems:
        raise CompplanError(problems)
    spark = session(master)
    read = sparkdata.read_inputs(spark, compiled, str(folder), limit_of(compiled))
    try:
        if settles_by_frequency(compiled, period):
            with _groups(spark, lines_csv) as kept:
                return run_by_frequency(
                    compiled, read.small, period,
                    lambda p, csv, hook, payees: _run_read(compiled, spark, read, p, csv,
                                                           hook, payees, kept),
                    lines_csv, then, keep=None, data_warnings=_warnings(compiled, read),
                    check=lambda p: _own_period_problems(compiled, read, p))
        return _run_read(compiled, spark, read, period, lines_csv, then)
    finally:
        for df in read.large.values():
            df.unpersist()


@contextlib.contextmanager
def _groups(spark, lines_csv: Path | None):
    """A folder (in the stage, where Spark writes) for the lines Parquet of each group of
    payees settled at their own frequency, as settle.run_by_frequency runs them; when
    the run has ended well, the groups' lines are put together by Spark, in payee and
    line order, as the lines.parquet beside lines.csv (an unsettled run's, _results)."""
    with tempfile.TemporaryDirectory(prefix="compplan-spark-groups-",
                                     dir=os.environ.get("COMPPLAN_SPARK_STAGE")) as tmp:
        yield Path(tmp)
        target = _lines_parquet(lines_csv)
        parts = sorted(str(p) for p in Path(tmp).glob("*.parquet"))
        if target is not None and parts:
            # written in the stage (what executors write to), then moved as _results does
            together = Path(tmp) / "lines"
            spark.read.parquet(*parts).orderBy("payee", "line").write.parquet(str(together))
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(together), str(target))


def _lines_parquet(lines_csv: Path | None) -> Path | None:
    """Where Spark's lines Parquet goes: beside the writer's lines.csv (lines.csv.tmp:
    lines.parquet.tmp, moved into place with it by ResultWriter.close); None for another
    caller's file."""
    if lines_csv is None or not lines_csv.name.startswith("lines.csv"):
        return None
    return lines_csv.parent / ("lines.parquet" + lines_csv.name[len("lines.csv"):])


def _own_period_problems(compiled: CompiledPlan, read, period: Period) -> list[Problem]:
    """What the Python preparation finds wrong with `period`'s data when no payee is
    settled over it (a half month whose payees are all settled monthly): the small
    inputs whole and of the large ones the rows a check can fail on (sparkdata.subset),
    as a run that finds its data suspicious asks it."""
    with decimal.localcontext(CONTEXT):
        return prepare(compiled, sparkdata.subset(compiled, read), period).problems


def _run_read(compiled: CompiledPlan, spark, read, period: Period,
              lines_csv: Path | None, then, payees: set[str] | None = None,
              kept: Path | None = None) -> RunResult:
    """run_spark's one period from the inputs Spark has read; with `payees`, only their
    lines are staged (a group settled at its own frequency) and their Parquet moved
    into `kept` (_groups)."""
    import duckdb

    plan = compiled.plan
    stage_root = os.environ.get("COMPPLAN_SPARK_STAGE")
    with tempfile.TemporaryDirectory(prefix="compplan-spark-", dir=stage_root) as tmp:
        stage = Path(tmp)
        duck = duckdb.connect()
        try:
            _duck_settings(duck, stage)
            try:
                small = load_tables(duck, plan, read.small, stage)
            except Unsupported as u:
                raise CompplanError([refusal(u.pos, u.what, compiled.checked.source.name)]) \
                    from None
            columns = {n: (read.columns[n] if n in read.large else small[n])
                       for n in plan.inputs if n in read.large or n in small}
            stand = sparkdata.stand_ins(duck, compiled, read)
            columns = sql_fx.create_rates(duck, compiled, period, columns,
                                          sql_fx.rates_table(compiled, read.small))
            columns = sql_hier.create_lines(duck, compiled, period, columns)
            pp = [n for n in columns if n in per_payee_inputs(plan)]
            relations = create_spans(duck, compiled, period, pp)
            relations.update(create_window_spans(duck, compiled, period, pp))
            script = duck_run.compile_script(compiled, columns, period, relations, SPARK)
            small_files = {n: t.file for n, t in read.small.items()}

            def subset():
                return sparkdata.subset(compiled, read)
            duck_run.check_data(compiled, duck, period, small_files, subset)
            for name in stand:
                duck.execute(f"DROP TABLE {q(name)}")
            views = stage_inputs(duck, spark, stage / "in") + sparkdata.views(read)
            if sparkdata.suspicious(spark, compiled, read):
                with decimal.localcontext(CONTEXT):
                    prepared = prepare(compiled, subset(), period)
                if prepared.problems:
                    raise CompplanError(prepared.problems)
            warnings = _warnings(compiled, read)
            run_script(compiled, spark, duck, script, views, stage / "out", payees)
            result = _results(compiled, duck, period, script.final, lines_csv, then,
                              stage / "out", kept)
            result.warnings[:0] = warnings + duck_run.zero_divisors(compiled, duck, period,
                                                                    small_files)
            return result
        finally:
            duck.close()


def run_script(compiled: CompiledPlan, spark, duck, script, views: list[str],
               out: Path, payees: set[str] | None = None) -> None:
    """The script run in Spark over the input `views`, and the tables the result is read
    from (the final one, lines, warnings, FX, per-payee parts) written by Spark as
    Parquet under `out`, read into DuckDB; every view made, and `views`, dropped after.
    With `payees`, the lines of those payees alone (_keep_lines)."""
    made: list[str] = []
    try:
        for sql in SPARK.setup():
            spark.sql(sql)
        made = _execute(compiled, spark, script)
        if payees is not None and "lines" in made:
            _keep_lines(spark, payees)
        wanted = [n for n in made if n in (script.final, "lines", "warnings", "payee_fx")
                  or n.startswith("pp_")]
        stage_results(spark, duck, wanted, out)
    finally:
        for name in views + made:
            spark.catalog.dropTempView(name)
        # py4j keeps each Java object a method was called on in a reference cycle (the
        # object and its cached methods), so the run's DataFrames, and in the JVM their
        # checkpointed rows and broadcast tables, live until Python's cyclic collector
        # runs, which in a long process (the test suite's, a service's) is rarely: the
        # test suite's session filled its 2 GB heap and failed ("Not enough memory to
        # build and broadcast the table"). Collected here, Spark frees them at its own
        # next garbage collection (its ContextCleaner).
        gc.collect()


def _keep_lines(spark, payees: set[str]) -> None:
    """Spark's `lines` view narrowed to the lines of `payees` before it is staged: a group
    settled at its own frequency (settle.run_by_frequency) has its own lines alone in
    lines.csv and the store. DuckDB deletes the others' lines; Spark's are read back
    through a view over Parquet, which cannot be deleted from, so they are never
    written (a semi join with the group's payees, broadcast)."""
    from pyspark.sql import functions as F
    kept = spark.createDataFrame([(p,) for p in sorted(payees)], "_kept string")
    spark.table("lines").join(F.broadcast(kept), F.col("payee").cast("string") ==
                              F.col("_kept"), "left_semi").createOrReplaceTempView("lines")


def _results(compiled: CompiledPlan, duck, period: Period, final: str,
             lines_csv: Path | None, then, staged: Path, kept: Path | None = None
             ) -> RunResult:
    """The run's result read from Spark's Parquet (`staged`) by DuckDB: `then(duck)` (the
    store's rows, in bulk), lines.csv by DuckDB's COPY (the DuckDB engine's bytes) as the
    sorted lines stream by, and the payees' totals by an aggregate query; the lines as
    objects only when neither is asked for. With lines.csv, Spark's Parquet of the lines
    goes beside it, as lines.parquet (a folder of part files, in payee and line order),
    moved into place with the other files (ResultWriter.close); a group's (settle.py
    writes its lines.csv part elsewhere) into `kept`, named as its part."""
    if then is not None:
        then(duck)
    if lines_csv is not None:
        write_lines_csv(compiled, duck, lines_csv)
    with decimal.localcontext(CONTEXT):
        result = duck_run.read_result(compiled, duck, period, final,
                                      with_lines=lines_csv is None and then is None)
    target = _lines_parquet(lines_csv)
    if kept is not None and lines_csv is not None:  # a group's: put together after
        target = kept / (lines_csv.stem + ".parquet")
    if target is not None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(staged / "lines"), str(target))
    return result


# The driver's DuckDB holds a row per payee and streams the lines (stage_results): it
# needs far less than the DuckDB engine's 3GB, and what it sorts (the store's rows with
# --save) spills to the stage folder beyond this
DUCKDB_MEMORY = os.environ.get("COMPPLAN_SPARK_DUCKDB_MEMORY", "1GB")


def write_lines_csv(compiled: CompiledPlan, duck, lines_csv: Path) -> None:
    """lines.csv by DuckDB's COPY from the `lines` view over Spark's sorted Parquet, in
    the files' order, on one thread. With two, DuckDB's ordered COPY formats each Parquet
    row group as a batch in memory before writing it, and a row group of Spark's (128 MB
    of compressed Parquet; at 10M deals over a million lines) asked 1 GiB at once of the
    1 GB this DuckDB is held to: Spark's 10M run stopped there, out of memory, after 37
    minutes (bench_engines.py, 1 December). On one thread the rows stream through as
    they are read, whatever the row groups."""
    duck.execute("SET preserve_insertion_order = true")  # the files' order: sorted
    threads = duck.execute("SELECT current_setting('threads')").fetchone()[0]
    duck.execute("SET threads = 1")
    try:
        duck.execute(f"COPY ({duck_run.lines_query(compiled, presorted=True)}) TO "
                     f"'{lines_csv}' {CSV_OPTIONS}")
    finally:
        duck.execute(f"SET threads = {int(threads)}")
        duck.execute("SET preserve_insertion_order = false")


def _duck_settings(duck, stage: Path) -> None:
    duck_run.settings(duck, stage)
    duck.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")


def _warnings(compiled: CompiledPlan, read) -> list[Problem]:
    """What a Python run warns of about the data, in its order (engine/run.py): every
    input's plausibility warnings, then its empty tables, then its negative amounts; the
    small inputs' from their rows, the large ones' as Spark found them."""
    out: list[Problem] = []
    for kind, of_table in (("plausible", plausibility), ("empty", datacheck.empty_tables),
                           ("negative", datacheck.negative_amounts)):
        for name in compiled.plan.inputs:
            if name in read.small:
                out += of_table(compiled, {name: read.small[name]})
            elif name in read.large:
                files = {read.files[name]}
                out += [p for p in getattr(read, kind) if p.file in files or
                        p.file.startswith(read.files[name].rstrip("/") + "/")]
    return out


def run_tables(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
               master: str | None = None, lines_csv: Path | None = None,
               then=None) -> RunResult:
    """run_spark on tables already read (a scenario's rows, a folder's). With
    `lines_csv`, lines.csv is written there (by DuckDB, from Spark's Parquet) and the
    result holds totals without lines, as run.run_sql does. Payees settled at their own
    frequency: as run_spark."""
    if settles_by_frequency(compiled, period):
        with _groups(session(master), lines_csv) as kept:
            return run_by_frequency(
                compiled, tables, period,
                lambda p, csv, hook, payees: _run_tables(compiled, tables, p, master, csv,
                                                         hook, payees, kept),
                lines_csv, then, keep=None)
    return _run_tables(compiled, tables, period, master, lines_csv, then)


def _run_tables(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
                master: str | None, lines_csv: Path | None, then,
                payees: set[str] | None = None, kept: Path | None = None) -> RunResult:
    """run_tables' one period; with `payees`, only their lines are staged (and kept in
    `kept`, as _run_read's)."""
    import duckdb

    stage_root = os.environ.get("COMPPLAN_SPARK_STAGE")
    with tempfile.TemporaryDirectory(prefix="compplan-spark-", dir=stage_root) as tmp:
        stage = Path(tmp)
        duck = duckdb.connect()
        try:
            _duck_settings(duck, stage)
            script = duck_run.compile_sql(compiled, duck, tables, period, stage, SPARK)
            files = {n: t.file for n, t in tables.items()}
            duck_run.check_data(compiled, duck, period, files, lambda: tables)
            warnings = plausibility(compiled, tables) + datacheck.empty_tables(
                compiled, tables) + datacheck.negative_amounts(compiled, tables)
            spark = session(master)
            views = stage_inputs(duck, spark, stage / "in")
            run_script(compiled, spark, duck, script, views, stage / "out", payees)
            result = _results(compiled, duck, period, script.final, lines_csv, then,
                              stage / "out", kept)
            result.warnings[:0] = warnings + duck_run.zero_divisors(compiled, duck, period,
                                                                    files)
            return result
        finally:
            duck.close()


def stage_inputs(duck, spark, folder: Path) -> list[str]:
    """Every table the DuckDB preparation made, as Parquet in `folder`, read by Spark as
    a temporary view of the same name; -> the names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [r[0] for r in duck.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    for name in names:
        path = folder / f"{name}.parquet"
        duck.execute(f"COPY (SELECT * FROM {q(name)}) TO '{path}' (FORMAT parquet)")
        spark.read.parquet(str(path)).createOrReplaceTempView(view_name(name))
    return names


def view_name(name: str) -> str:
    """A table's name as createOrReplaceTempView takes it: quoted, since it parses the
    name and refuses a bare one with a character of the script's own names (the span of
    a window over a per-payee input is `span_kpis@ytd`: "Invalid view name")."""
    return "`" + name.replace("`", "``") + "`"


def stage_results(spark, duck, names: list[str], folder: Path) -> None:
    """Spark's tables `names` written by Spark as Parquet, read into DuckDB as tables of
    the same names (run.read_result and lines_query read them there).

    The lines are sorted by payee and line by Spark (its executors sort and spill; the
    part files follow one another in that order, part-00000 first) and read by DuckDB as
    a view over the files in their order: lines.csv and the store take them as they
    stream by (lines_query's `presorted`), the totals by an aggregate query, so no
    reader on the driver sorts or holds the lines (10M deals: 24M lines). The per-payee
    tables are small (a row per payee) and held."""
    for name in names:
        path = folder / name
        table = spark.table(q(name))
        if name == "lines":
            table = table.orderBy("payee", "line")
        table.write.mode("overwrite").parquet(str(path))
        kind = "VIEW" if name == "lines" else "TABLE"
        duck.execute(f"CREATE OR REPLACE TEMP {kind} {q(name)} AS SELECT * FROM "
                     f"read_parquet('{path}/*.parquet')")


_CREATE = re.compile(r'^CREATE (?:OR REPLACE )?TEMP (TABLE|VIEW) ("(?:[^"]|"")+"|\w+) AS (.*)$',
                     re.S)


def _execute(compiled: CompiledPlan, spark, script) -> list[str]:
    """The script's statements in Spark; -> the views made. Each `CREATE TEMP TABLE x
    AS q` is q's rows checkpointed (worked out once, kept by the executors) as view x."""
    made: list[str] = []
    for what, sql in script.statements:
        try:
            text = SPARK.finish(_expanded(spark, sql))
        except Exception as e:  # a probe's error: the first line, never the Java trace
            raise _problem(compiled, what, e) from None
        m = _CREATE.match(text)
        if not m:
            raise CompplanError([Problem.at(
                None, f"the Spark engine does not run the statement '{what}' yet",
                "run with --engine duckdb", code="refused")])
        name = m.group(2).strip('"').replace('""', '"')
        try:
            df = spark.sql(m.group(3))
            if m.group(1) == "TABLE":
                df = df.localCheckpoint(eager=True)
            df.createOrReplaceTempView(view_name(name))
        except Exception as e:  # Spark's errors: the first line, never the Java trace
            raise _problem(compiled, what, e) from None
        made.append(name)
    return made


def _expanded(spark, sql: str) -> str:
    """DuckDB's star modifiers and unions by name (fx.py's and hierarchy.py's rows, whose
    columns the data decides) written out from the columns Spark's analyzer gives each
    probe (pgexpand.py, as the PostgreSQL engine does; analysing runs no job). A table
    made again needs no renaming here: its rows are checkpointed before the view of the
    same name is replaced (_execute)."""
    if not pgexpand.needed(sql):
        return sql
    again = _AGAIN.match(sql)
    if again:
        sql = sql[:again.start(1)] + sql[again.end(1):]

    def columns_of(query: str) -> list[str]:
        return spark.sql(SPARK.finish(query)).columns
    [one] = pgexpand.expand(sql, columns_of)
    return one


_AGAIN = re.compile(r"^\s*CREATE (OR REPLACE )TEMP TABLE ")


def _problem(compiled: CompiledPlan, what: str, error: Exception) -> Exception:
    cls = getattr(error, "getCondition", None) or getattr(error, "getErrorClass", None)
    condition = (cls() if cls else None) or ""
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if any(c in condition or c in first for c in _OUT_OF_RANGE):
        return CompplanError([duck_run.out_of_range_problem(compiled, what, error)])
    return RuntimeError(f"Spark engine, statement '{what}': {first}")


def run_spark_standalone(compiled: CompiledPlan, folder: str | Path, period: Period,
                         master: str | None = None, lines_csv: Path | None = None
                         ) -> RunResult:
    """run_spark as `compplan run` without a store pays a period (the pay stage's lines,
    a draw or the year's true-up, after the engine's; pay.py's run_folder_standalone);
    earlier periods of the year are worked out on Spark too."""
    from ..standalone import run_standalone

    def engine(p: Period, main: bool):
        return run_spark(compiled, folder, p, master, lines_csv if main else None)
    return run_standalone(compiled, None, period, engine=engine)


def run_tables_standalone(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
                          master: str | None = None) -> RunResult:
    """run_tables as a first stored period pays it (a draw, the year's true-up), as
    `compplan test --engine spark` works out a scenario of one period."""
    from ..standalone import run_standalone

    def engine(p: Period, main: bool):
        return run_tables(compiled, tables, p, master)
    return run_standalone(compiled, None, period, engine=engine)
