"""`compplan run`, `compplan validate` and `compplan test`: the engine from the shell."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import CompplanError, Problem, format_json, format_text
from ..engine import load_plan, parse_period
from ..periods import in_words
from ..engine.data import load_folder
from ..engine.results import ResultWriter, component_summary, summary_table
from ..engine.sql.choose import Choice, because, choose_engine, refused
from ..engine.standalone import run_standalone
from ..engine.validate import group_warnings, validate_data


class Progress:
    """The result writer, and a progress bar on stderr while payees are worked out:
    only on a terminal and only for a long run (from PROGRESS_FROM payees)."""

    PROGRESS_FROM = 500

    def __init__(self, writer: ResultWriter, enabled: bool):
        self.writer = writer
        self.enabled = enabled and sys.stderr.isatty()
        self.bar = None
        self.step = 1

    def start(self, payees: int, step: int) -> None:
        if self.enabled and payees >= self.PROGRESS_FROM:
            self.step = step
            self.bar = click.progressbar(length=payees, label="working out pay",
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def __call__(self, payee_result) -> None:
        self.writer(payee_result)
        if self.bar is not None:
            self.bar.update(self.step)

    def __getattr__(self, name):
        return getattr(self.writer, name)  # part(), for a run split in two processes

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def fail(problems: list[Problem], fmt: str = "text", sources: dict | None = None) -> None:
    if fmt == "json":
        click.echo(format_json(problems), nl=False)
    else:
        click.echo(format_text(problems, sources), err=True, nl=False)
    sys.exit(1)


def compile_or_exit(plan: str, fmt: str = "text"):
    """The checked, compiled plan, or its problems printed and exit 1 (every command
    that takes a plan file)."""
    try:
        return load_plan(plan)
    except CompplanError as e:
        # the source lines under each problem; a file that is not UTF-8 is one problem
        text = Path(plan).read_text(encoding="utf-8", errors="replace") \
            if Path(plan).is_file() else ""
        fail(e.problems, fmt, {plan: text})


def plan_warnings(compiled) -> list[Problem]:
    """What `compplan check` warns of in the plan (a bare 50 where 50% is meant, issue 16
    item 2): run, validate and test say it too, since a warning nobody reads is a wrong
    payout."""
    return [p for p in compiled.checked.problems.sorted() if p.severity == "warning"]


def _tell_plan_warnings(compiled, plan: str) -> None:
    warnings = plan_warnings(compiled)
    if warnings:
        text = Path(plan).read_text(encoding="utf-8", errors="replace")
        click.echo(format_text(warnings, {plan: text}), err=True, nl=False)


def period_of_plan(compiled, period: str):
    """--period parsed, and refused unless it is of the plan's kind."""
    try:
        p = parse_period(period)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--period")
    if p.kind != compiled.plan.period:
        raise click.BadParameter(f"'{period}' is a {in_words(p.kind)}, but the plan pays "
                                 f"by {in_words(compiled.plan.period)}",
                                 param_hint="--period")
    return p


def _abort(writer: ResultWriter, lines_ready) -> None:
    """Nothing written: the COPY (if one is still running) finished or stopped first, so
    that no file appears after the temporary ones are removed."""
    try:
        lines_ready()
    except BaseException:  # the run's own error is the one to say
        pass
    writer.abort()


class _Work:
    """One attempt at a run on one engine: the result files written atomically (and the
    store's draft with --save), or nothing written and the CompplanError raised, so a
    run the SQL engine declines can be made again on the Python engine."""

    def __init__(self, compiled, period, data_dir: str, target: Path, jsonl: bool,
                 progress: bool) -> None:
        self.compiled, self.period, self.data_dir = compiled, period, data_dir
        self.target, self.jsonl, self.progress = target, jsonl, progress
        self.dsn: str | None = None  # --engine postgres: the database
        self.master: str | None = None  # --engine spark: the Spark master (or sc:// URL)

    def in_database(self) -> bool:
        from ..engine.sql.pgdata import is_url
        return is_url(self.data_dir)

    def run_dsn(self) -> str | None:
        """--dsn, else with --data postgresql://...: that database (the run is made
        where the data is), else the default (postgres.dsn_of)."""
        if self.dsn or not self.in_database():
            return self.dsn
        from ..engine.sql.pgdata import split_url
        return split_url(self.data_dir)[0]

    def database_tables(self):
        """(tables, their CSV bytes) read from the schema --data names; problems raised
        as CompplanError, as a data folder's are."""
        from ..engine.sql.pgdata import read_tables
        problems: list[Problem] = []
        tables, files = read_tables(self.compiled.plan, self.data_dir, problems)
        if problems:
            raise CompplanError(problems)
        return tables, files

    def __call__(self, engine: str, save: bool, db_url: str | None, actor: str | None):
        """(result, files written, the saved run or None)."""
        if save:
            return self._saved(engine, db_url, actor)
        compiled, p, jsonl = self.compiled, self.period, self.jsonl
        tables = None
        if engine == "postgres" and self.in_database():  # tables in a schema (pgdata.py)
            tables, _files = self.database_tables()
        if engine == "python" or (jsonl and engine not in ("postgres", "spark")):
            problems: list[Problem] = []
            tables = load_folder(compiled.plan, self.data_dir, problems)
            if problems:
                raise CompplanError(problems)
        writer = ResultWriter(self.target, jsonl=jsonl, parquet=engine == "spark")
        shown = Progress(writer, enabled=self.progress)
        pending: list = []  # lines.csv's COPY still running (engine/sql/background.py)

        def lines_ready() -> None:
            from ..engine.sql.background import settle
            settle(pending)
        try:
            if engine == "postgres":  # the script inside PostgreSQL (engine/sql/postgres.py)
                from ..engine.sql.postgres import run_postgres_standalone, \
                    run_tables_standalone
                # lines.csv made in the server and written as it comes; with --jsonl
                # each payee's lines to the writer as a cursor gives them: never every
                # line in the client at once
                lines = writer if jsonl else writer.lines_path()
                result = run_tables_standalone(compiled, tables, p, self.run_dsn(),
                                               lines=lines) if tables is not None else \
                    run_postgres_standalone(compiled, self.data_dir, p, self.dsn,
                                            lines=lines)
            elif engine == "spark":  # the script on Spark (engine/sql/spark.py); DuckDB
                # writes lines.csv from Spark's Parquet, as the duckdb engine writes it
                from ..engine.sql.spark import run_spark_standalone
                if jsonl:  # lines.jsonl is written from the lines as objects, read from
                    # Spark's Parquet by DuckDB (as duckdb's --jsonl reads its table)
                    result = run_spark_standalone(compiled, self.data_dir, p, self.master)
                    for pr in result.payees:
                        writer(pr)
                        pr.lines = []  # written; the pay stage's follow below
                else:
                    result = run_spark_standalone(compiled, self.data_dir, p, self.master,
                                                  lines_csv=writer.lines_path())
            elif engine == "duckdb":
                # as the Python engine's run_standalone: the pay stage's lines (a draw,
                # the year's true-up) after the engine's (engine/sql/pay.py)
                from ..engine.sql import run_folder_standalone, run_sql_standalone
                if jsonl:  # lines.jsonl is written from the lines as objects
                    result = run_sql_standalone(compiled, tables, p, keep_data=False)
                    for pr in result.payees:
                        writer(pr)
                        pr.lines = []  # written; the pay stage's follow below
                else:  # DuckDB reads the folder and writes lines.csv itself, the
                    # COPY going on while payees.csv and results.json are written
                    result = run_folder_standalone(compiled, self.data_dir, p,
                                                   lines_csv=writer.lines_path(),
                                                   pending=pending)
            else:
                # without a store: the period as a first stored one, with warnings of the
                # history it lacks (a draw's balance, what the year paid so far)
                result = run_standalone(compiled, tables, p, sink=shown, keep_data=False,
                                        progress=shown.start)
        except BaseException:
            shown.stop()
            _abort(writer, lines_ready)
            raise
        shown.stop()
        try:
            carried = [pr for pr in result.payees if pr.lines]
            if carried:  # carried lines (a draw), added after the engine's
                lines_ready()
            for pr in carried:
                writer(pr)
            return result, writer.close(result, lines_ready), None
        except BaseException:
            _abort(writer, lines_ready)
            raise

    def _saved(self, engine: str, db_url: str | None, actor: str | None):
        from ..store import lifecycle, open_store
        from .store import actor_name
        compiled, p = self.compiled, self.period
        # python: lines stream into the store and the result files as each payee is
        # done; duckdb: from DuckDB's lines table into the store in bulk, and lines.csv
        # by DuckDB's COPY
        writer = ResultWriter(self.target, jsonl=self.jsonl, parquet=engine == "spark")
        try:
            if engine == "duckdb":
                saved = lifecycle.save_run(open_store(db_url), compiled, self.data_dir,
                                           p.label, actor_name(actor), engine="duckdb",
                                           lines_csv=writer.lines_path())
            elif engine == "spark":  # Spark's lines from its Parquet into the store
                saved = lifecycle.save_run(open_store(db_url), compiled, self.data_dir,
                                           p.label, actor_name(actor), engine="spark",
                                           lines_csv=writer.lines_path(), master=self.master)
            elif engine == "postgres":  # the lines into the store from PostgreSQL
                tables, files = self.database_tables() if self.in_database() else (None, None)
                # lines.csv made in the server (with --jsonl: the lines a payee at a time)
                csv = None if self.jsonl else writer.lines_path()
                saved = lifecycle.save_run(open_store(db_url), compiled, self.data_dir,
                                           p.label, actor_name(actor), engine="postgres",
                                           keep_lines=False, sink=writer if csv is None
                                           else None, dsn=self.run_dsn(), tables=tables,
                                           files=files, lines_csv=csv)
            else:
                saved = lifecycle.save_run(open_store(db_url), compiled, self.data_dir,
                                           p.label, actor_name(actor), keep_lines=False,
                                           sink=writer)
        except lifecycle.LifecycleError as e:
            writer.abort()
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except BaseException:
            writer.abort()
            raise
        result = saved.result
        for pr in result.payees:
            if pr.lines:  # lines carried from earlier periods, added after the engine's
                writer(pr)
        return result, writer.close(result), saved


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False),
              help="folder of CSV (or .xlsx) files, one per input; or, with --engine "
                   "postgres, postgresql://HOST/DB?schema=NAME: a table per input in that "
                   "schema, read where it is")
@click.option("--period", required=True, help="e.g. 2026-Q1, 2026-03, 2026-03a (1st-15th), 2026-W05, 2026")
@click.option("--out", "out_dir", default="out", show_default=True,
              help="results go to OUT/<plan>/<period>/")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--jsonl/--no-jsonl", default=False,
              help="also write every line as JSON (lines.jsonl)")
@click.option("--save", is_flag=True,
              help="store the run as the period's draft (see compplan runs, approve)")
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None,
              help="with --save: the store (default sqlite:///compplan.db; or COMPPLAN_DB)")
@click.option("--as", "actor", default=None, help="with --save: who runs it")
@click.option("--table", "show_table", is_flag=True,
              help="print a row per payee (by default: each component's total)")
@click.option("--quiet", "-q", is_flag=True,
              help="print nothing but errors (for scripts; the exit code says how it went)")
@click.option("--engine", type=click.Choice(["auto", "python", "duckdb", "postgres", "spark"]),
              default="auto", show_default=True,
              help="duckdb: the plan as SQL in embedded DuckDB (fast on large data; plans "
                   "it does not run yet are refused with positions); python: the reference "
                   "engine; auto: duckdb for data of 5 MB or more (COMPPLAN_SQL_FROM bytes) "
                   "where it runs the plan, else python, saying why; postgres: the plan "
                   "as one SQL script inside PostgreSQL (--dsn); spark: the plan as Spark SQL "
                   "(--master; pip install 'compplan[spark]')")
@click.option("--dsn", default=None,
              help="with --engine postgres: the database (default COMPPLAN_PG_DSN, else "
                   "postgresql://127.0.0.1:5432/test)")
@click.option("--master", default=None,
              help="with --engine spark: the Spark master (default local[2], or "
                   "COMPPLAN_SPARK_MASTER; spark://..., yarn, or a Spark Connect sc://... URL)")
def run(plan: str, data_dir: str, period: str, out_dir: str, fmt: str, jsonl: bool,
        save: bool, db_url: str | None, actor: str | None, show_table: bool,
        quiet: bool, engine: str, dsn: str | None, master: str | None) -> None:
    """Work out every payee's pay for a period and write the results.

    Prints each component's total and where the results went (--table: a row per payee;
    --quiet: nothing); on a terminal, a long run shows its progress.

    With --save the run is also stored as the draft for the plan and period, replacing an
    earlier draft, all or nothing; an approved or paid period is refused.
    """
    compiled = compile_or_exit(plan, fmt)
    p = period_of_plan(compiled, period)
    if fmt == "text" and not quiet:
        _tell_plan_warnings(compiled, plan)
    from ..engine.sql.pgdata import is_url
    if is_url(data_dir) and engine not in ("auto", "postgres"):
        click.echo(f"error: --data {data_dir.split('?')[0]}... names tables in PostgreSQL, "
                   "which the postgres engine reads; run it with --engine postgres", err=True)
        sys.exit(1)
    try:
        choice = Choice("postgres", "the data is in PostgreSQL", auto=True) \
            if is_url(data_dir) else choose_engine(compiled, p, engine, data_dir)
    except CompplanError as e:
        fail(e.problems, fmt)
    if choice.auto and choice.engine == "duckdb" and save and jsonl:
        choice = Choice("python", "--jsonl with --save is written by the Python engine")
    if save and choice.engine in ("duckdb", "spark") and jsonl:
        click.echo(f"error: --jsonl is not written by --engine {choice.engine} --save yet "
                   "(issue 12); leave out --jsonl, or save with --engine python", err=True)
        sys.exit(1)
    target = Path(out_dir) / compiled.plan.plan / p.label
    work = _Work(compiled, p, data_dir, target, jsonl, fmt == "text" and not quiet)
    work.dsn = dsn
    work.master = master
    try:
        try:
            result, written, saved = work(choice.engine, save, db_url, actor)
        except CompplanError as e:
            if not (choice.auto and choice.engine == "duckdb" and refused(e)):
                raise
            # the data needs what the SQL engine lacks (cover.py): the reference engine
            choice = Choice("python", because(e.problems))
            result, written, saved = work(choice.engine, save, db_url, actor)
    except CompplanError as e:
        fail(e.problems, fmt)
    engine = choice.engine
    if fmt == "json":
        click.echo(json.dumps({"out": str(target), "payees": len(result.payees),
                               "lines": result.line_count(), "total": str(result.total),
                               "warnings": len(result.warnings), "engine": engine,
                               **({"engine_why": choice.why} if choice.why else {})}))
        return
    if quiet:
        return
    click.echo(f"{compiled.plan.name} ({compiled.plan.plan} v{compiled.plan.version}), "
               f"{p.label}, {compiled.plan.currency}, engine {engine}"
               + (f" ({choice.why})" if choice.why else ""))
    click.echo((summary_table if show_table else component_summary)(result), nl=False)
    for w in group_warnings(result.warnings, p):
        click.echo(f"{w.where}: warning: {w.text}", err=True)
    click.echo(f"{len(result.payees)} payees, {result.line_count()} lines; wrote "
               + ", ".join(str(w) for w in written))
    if not show_table and result.payees:
        click.echo(f"each payee's pay: {target / 'payees.csv'} (or run again with --table)")
    if saved is not None:
        what = f"replacing draft run {saved.replaced}" if saved.replaced else "a new draft"
        click.echo(f"saved as run {saved.run.id} ({what}); approve with: compplan approve "
                   f"{saved.run.id}")


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False))
@click.option("--period", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--verbose", "-v", is_flag=True,
              help="every warning on its own row (by default, warnings of one kind are "
                   "counted, with their rows)")
def validate(plan: str, data_dir: str, period: str, fmt: str, verbose: bool) -> None:
    """Check a period's data before a payout: every problem, plus what needs a human look.

    Computes no pay. Exits 1 on errors; warnings alone exit 0. Warnings of one kind in
    one file and column are shown as one, with their count and rows; --verbose shows
    each. --format json always lists each.
    """
    compiled = compile_or_exit(plan, fmt)
    p = period_of_plan(compiled, period)
    problems = plan_warnings(compiled) + validate_data(compiled, data_dir, p)
    errors = [x for x in problems if x.severity == "error"]
    if fmt == "json":
        click.echo(format_json(problems), nl=False)
    else:
        click.echo(format_text(problems if verbose else group_warnings(problems, p)),
                   nl=False)
        n_warn = len(problems) - len(errors)
        click.echo(f"{len(errors)} error{'s' if len(errors) != 1 else ''}, "
                   f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    sys.exit(1 if errors else 0)


@click.command("test")
@click.argument("plans", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--engine", type=click.Choice(["python", "duckdb", "postgres", "spark"]),
              default="python", show_default=True,
              help="the engine that works the scenarios out (issue 12); postgres: inside "
                   "PostgreSQL (--dsn), spark: on Spark (--master); scenarios of several "
                   "periods saved in a throwaway SQLite store")
@click.option("--dsn", default=None,
              help="with --engine postgres: the database (default COMPPLAN_PG_DSN, else "
                   "postgresql://127.0.0.1:5432/test)")
@click.option("--master", default=None,
              help="with --engine spark: the Spark master (default local[2], or "
                   "COMPPLAN_SPARK_MASTER)")
def test_cmd(plans: tuple[str, ...], engine: str, dsn: str | None,
             master: str | None) -> None:
    """Run the scenarios a plan carries and show each difference."""
    failed = total = 0
    for plan in plans:
        compiled = compile_or_exit(plan)
        _tell_plan_warnings(compiled, plan)
        # scenarios of several periods run as saved-and-paid runs in a throwaway store
        from ..store.scenarios import run_scenarios
        if engine == "duckdb":
            from ..engine.sql import run_sql_standalone  # a draw, the year to date
            outcomes = run_scenarios(compiled, run=run_sql_standalone, engine="duckdb")
        elif engine == "postgres":
            from ..engine.sql.postgres import run_tables_standalone
            outcomes = run_scenarios(compiled, run=lambda c, t, p: run_tables_standalone(
                c, t, p, dsn), engine="postgres", dsn=dsn)
        elif engine == "spark":
            from ..engine.sql.spark import run_tables_standalone as on_spark
            outcomes = run_scenarios(compiled, run=lambda c, t, p: on_spark(c, t, p, master),
                                     engine="spark")
        else:
            outcomes = run_scenarios(compiled)
        if not outcomes:
            click.echo(f"{plan}: no scenarios")
        for o in outcomes:
            total += 1
            if o.passed:
                click.echo(f"PASS {o.pos}: {o.name}")
                continue
            failed += 1
            click.echo(f"FAIL {o.pos}: {o.name}")
            for d in o.differences:
                click.echo(f"    {d}")
            for pr in o.problems:
                click.echo(f"    {pr.where}: {pr.severity}: {pr.text}")
                if pr.hint:
                    click.echo(f"        hint: {pr.hint}")
            if o.differences and o.result is not None:
                # "payee ann commission: ...", or "2026-02: payee ann ..." (the last
                # period's lines are shown)
                for payee in sorted({d.split("payee ", 1)[1].split()[0].rstrip(":")
                                     for d in o.differences if "payee " in d}):
                    pr = o.result.payee(payee)
                    for ln in (pr.lines if pr else []):
                        click.echo(f"      {payee} #{ln.number} {ln.component}: {ln.formula}")
    click.echo(f"{total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


COMMANDS = [run, validate, test_cmd]
