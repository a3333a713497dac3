"""Run a compiled plan in an embedded DuckDB and read the lines back as a RunResult.

The data is loaded and checked by compplan.engine.data (so a bad cell is reported as
FILE:ROW exactly as `validate` reports it); checks that need the whole period (an
unknown payee, a missing or doubled target row, a target for a longer span) are asked
of the database, and when one fails the Python engine's preparation names every
problem, so both engines say the same words.
"""
from __future__ import annotations

import decimal
import os
import re
import tempfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from ...errors import CompplanError, Pos, Problem
from .. import datacheck
from ..formula import fmt_value
from ..data import Table, find_file, load_folder
from ..ir import CompiledPlan
from ..money import CONTEXT, minor_unit, out_of_range
from ..periods import Period
from ..plausible import limit_of, plausibility
from ..prepare import prepare
from ..results import Line, PayeeResult, RunResult
from ..tiers import Portion
from . import background, holds, pay
from .cover import refusal, refusals
from .decimals import MACROS
from .dialect import DUCKDB, Duck, use
from .exprs import Unsupported
from . import fx as sql_fx
from . import hierarchy as sql_hier
from .direct import NotPlain, read_folder
from .load import assumed_columns, load_tables
from .plan import PlanCompiler, Script, q
from .show import CSV_OPTIONS, decimal_text, places_trimmed
from .settle import run_by_frequency, settles_by_frequency
from .subtotals import MEMBERS_SEP
from .targets import create_spans, per_payee_inputs
from .windows import create_window_spans


def script_text(compiled: CompiledPlan, period: Period, dialect: Duck = DUCKDB,
                pretty: bool = False, statements: list[tuple[str, str]] | None = None,
                intro: str = "") -> str:
    """The script for review (`compplan sql`), each statement under the rule it comes
    from; numeric columns at the places load.ASSUMED_PLACES gives (a run reads them from
    the data). `pretty`: each statement laid out by sqlglot (dialect.pretty).
    `statements`: (comment, SQL) to print instead, already in the dialect's final form
    (pgreview.py: the PostgreSQL script as a run on the data wrote it out, or with
    notes above what only a run writes out); `intro`: comment lines after the header."""
    if statements is None:
        statements = [(what, dialect.finish(sql)) for what, sql in
                      review_script(compiled, period, dialect).statements]
    head = (f"-- {compiled.plan.name} ({compiled.plan.plan} v{compiled.plan.version}), "
            f"{period.label}: the SQL the {dialect.name} engine runs\n-- inputs are the tables "
            "in_<input>, one column per column the plan reads\n" + intro)
    body = "\n\n".join(f"-- {what}\n{dialect.pretty(sql) if pretty else sql};"
                        for what, sql in statements)
    if dialect is DUCKDB and not pretty:
        macros = "".join(f"{m};\n" for m in MACROS)
        return head + "\n-- exact division (see compplan/engine/sql/decimals.py)\n" + macros + \
            "\n" + body + "\n"
    setup = "".join(f"{dialect.pretty(m) if pretty else m};\n" for m in dialect.setup())
    return (head + "\n-- exact division and tier parts (see compplan/engine/sql/dialect.py)\n"
            + setup + "\n" + body + "\n")


def review_script(compiled: CompiledPlan, period: Period, dialect: Duck = DUCKDB) -> Script:
    """The script compiled for review, without data: numeric columns at the places
    load.ASSUMED_PLACES gives."""
    return _compile(compiled, assumed_columns(compiled.plan), period, dialect=dialect)


def compile_sql(compiled: CompiledPlan, con, tables: dict[str, Table], period: Period,
                folder: Path, dialect: Duck = DUCKDB, tier_lists: bool = True) -> Script:
    """Load the tables and compile the plan against them (scales come from the data);
    the script in `dialect` (the tables are DuckDB's: postgres.py copies them over).
    `tier_lists`: as for _compile."""
    _refuse(compiled)
    try:
        columns = load_tables(con, compiled.plan, tables, folder)
    except Unsupported as u:  # the data needs what the engine lacks
        raise CompplanError([refusal(u.pos, u.what, compiled.checked.source.name)]) from None
    columns = sql_fx.create_rates(con, compiled, period, columns,  # fx_period, fx_day
                                  sql_fx.rates_table(compiled, tables))
    columns = sql_hier.create_lines(con, compiled, period, columns)  # reporting lines
    relations = create_spans(con, compiled, period, [n for n in columns if n in
                                                     per_payee_inputs(compiled.plan)])
    relations.update(create_window_spans(con, compiled, period, [  # windows.py
        n for n in columns if n in per_payee_inputs(compiled.plan)]))
    return _compile(compiled, columns, period, relations, dialect, tier_lists)


def _statement_pos(compiled: CompiledPlan, what: str) -> Pos | None:
    """Where in the plan a statement without a rule's position comes from: the first
    word of its comment that names an input, credit set, measure or earning (`deals in
    GBP: ...` is made for the input deals), else the plan's `fx:` for a conversion."""
    plan = compiled.plan
    for word in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", what):
        for section, names in (("inputs", plan.inputs), ("credits", plan.credits),
                               ("measures", plan.measures), ("earnings", plan.earnings)):
            if word in names:
                return compiled.checked.source.key_pos((section, word))
    if "currenc" in what and plan.fx is not None:  # a conversion (fx.py): the plan's fx
        return compiled.checked.source.key_pos(("fx",))
    return None


def _refuse(compiled: CompiledPlan) -> None:
    """Refuse, before any data is read, a plan with constructs the engine lacks."""
    problems = refusals(compiled)
    if problems:
        raise CompplanError(problems)


def _compile(compiled: CompiledPlan, columns, period: Period,
             relations: dict[str, set[str]] | None = None, dialect: Duck = DUCKDB,
             tier_lists: bool = True) -> Script:
    """The script for these columns (and targets' relations to the period, where the
    data is loaded); a construct found missing only now is refused in the same words as
    cover.refusals. `tier_lists=False`: for a run that only writes lines.csv (no store,
    no Line objects), the per-credit splits' lists of parts are left NULL
    (PlanCompiler.tier_lists)."""
    _refuse(compiled)
    try:
        with use(dialect):
            script = PlanCompiler(compiled, columns, period, relations, tier_lists).compile()
            for what, sql in script.statements:
                try:
                    dialect.refuse(what, sql)
                except Unsupported as u:  # at the rule, or at the plan key it is made for
                    raise Unsupported(u.pos or _statement_pos(compiled, what), u.what) from None
            return script
    except Unsupported as u:
        raise CompplanError([refusal(u.pos, u.what, compiled.checked.source.name)]) from None


def run_sql(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
            lines_csv: Path | None = None, keep_data: bool = True,
            then=None, by_frequency: bool = True) -> RunResult:
    """Work out every payee's pay in DuckDB. Raises CompplanError on data errors or on a
    plan the SQL engine does not run.

    With `lines_csv`, DuckDB writes every line to that file itself (lines.csv's columns,
    text cells made safe for spreadsheets as compplan.cells does) and the result holds
    each payee's components and totals without their lines: a million lines never
    become Python objects. `keep_data=False` lets the input rows go once DuckDB has
    them. `then(con)`, if given, is called once the lines table is made, before the
    connection closes (`run --save` streams the lines into the store from it); the
    result then holds totals without lines, as with `lines_csv`."""
    import duckdb

    if by_frequency and settles_by_frequency(compiled, period):  # settle.py: each group
        return run_by_frequency(compiled, tables, period, lambda p, csv, hook: run_sql(
            compiled, tables, p, csv, True, hook, by_frequency=False), lines_csv, then)
    with tempfile.TemporaryDirectory(prefix="compplan-sql-") as tmp:
        con = duckdb.connect()
        try:
            _settings(con, Path(tmp))
            script = compile_sql(compiled, con, tables, period, Path(tmp),
                                 tier_lists=_tier_lists(lines_csv, then))
            _check_data(compiled, con, period, {n: t.file for n, t in tables.items()},
                        lambda: tables)
            # what a Python run warns of about the data, in its order (engine/run.py)
            warnings = plausibility(compiled, tables) + datacheck.empty_tables(
                compiled, tables) + datacheck.negative_amounts(compiled, tables)
            if not keep_data:
                for table in tables.values():
                    table.rows = []
            result = _execute(compiled, con, period, script, lines_csv, then)
            result.warnings[:0] = warnings + _zero_divisors(
                compiled, con, period, {n: t.file for n, t in tables.items()})
            return result
        finally:
            con.close()


def run_folder(compiled: CompiledPlan, folder: str | Path, period: Period,
               lines_csv: Path | None = None, then=None,
               pending: list | None = None) -> RunResult:
    """`compplan run --engine duckdb`: DuckDB reads the data folder itself where every
    file and cell is plain (direct.py); otherwise the Python reader reads it, names any
    problem at FILE:ROW, and the run goes on as run_sql. `then`: as for run_sql.

    `pending` (a list): lines.csv's COPY may go on in a thread after the result is
    returned (background.py), its `wait` appended to the list; the caller writes the
    payees' files meanwhile and calls it before lines.csv is used."""
    import duckdb

    _refuse(compiled)
    folder = Path(folder)

    def python_tables() -> dict[str, Table]:
        found: list[Problem] = []
        tables = load_folder(compiled.plan, folder, found)
        if found:
            raise CompplanError(found)
        return tables

    if settles_by_frequency(compiled, period):  # who is settled when: the payees' rows
        return run_sql(compiled, python_tables(), period, lines_csv, then=then)

    con = duckdb.connect()
    spill = tempfile.TemporaryDirectory(prefix="compplan-sql-")
    try:
        _settings(con, Path(spill.name))
        warnings: list[Problem] = []
        try:
            columns = read_folder(con, compiled.plan, folder, warnings, limit_of(compiled))
        except NotPlain:
            columns = None
        if columns is None:
            con.close()
            return run_sql(compiled, python_tables(), period, lines_csv, keep_data=False,
                           then=then)
        columns = sql_fx.create_rates(con, compiled, period, columns,  # fx_period, fx_day
                                      sql_fx.rates_table(compiled, folder))
        columns = sql_hier.create_lines(con, compiled, period, columns)  # reporting lines
        relations = create_spans(con, compiled, period, [n for n in columns if n in
                                                         per_payee_inputs(compiled.plan)])
        relations.update(create_window_spans(con, compiled, period, [  # windows.py
            n for n in columns if n in per_payee_inputs(compiled.plan)]))
        script = _compile(compiled, columns, period, relations,
                          tier_lists=_tier_lists(lines_csv, then))
        files = {name: str(find_file(folder, name, inp)) for name, inp in
                 compiled.plan.inputs.items()}
        _check_data(compiled, con, period, files, python_tables)
        copy = [] if pending is not None and lines_csv is not None and then is None else None
        result = _execute(compiled, con, period, script, lines_csv, then, copy)
        result.warnings[:0] = warnings + _zero_divisors(compiled, con, period, files)
        if copy:  # the connection and its spill folder are the COPY's to close now
            pending.append(background.start(con, copy[0], spill.cleanup))
            con = spill = None
        return result
    finally:
        if con is not None:
            con.close()
            spill.cleanup()


def _zero_divisors(compiled: CompiledPlan, con, period: Period,
                   files: dict[str, str]) -> list[Problem]:
    """Each payee's target of 0 the plan divides by, at FILE:ROW, as the Python engine's
    run and `validate` say it (datacheck.zero_divisors), read from the period's rows."""
    columns = sorted(datacheck.divisor_columns(compiled))
    found = []
    for i, (table, col) in enumerate(columns):
        if table not in per_payee_inputs(compiled.plan) or table not in files:
            continue
        try:
            rows = con.execute(f"SELECT _pid, _row FROM {q('pp_' + table)} WHERE "
                               f"{q(col)} = 0").fetchall()
        except Exception as e:  # no such table or column: the plan does not read it
            if "does not exist" not in str(e) and "not found" not in str(e):
                raise
            continue
        found += [(pid, i, row, table, col) for pid, row in rows]
    return [datacheck.zero_divisor(files[table], row, table, col, pid, period.label)
            for pid, _i, row, table, col in sorted(found, key=lambda f: (f[0], f[1]))]


# DuckDB takes up to 80% of the machine's memory by default and keeps temporary tables
# there: 13.7 GB at 10M deals. With a limit it spills to disk instead.
MEMORY_LIMIT = os.environ.get("COMPPLAN_DUCKDB_MEMORY", "3GB")


def _settings(con, spill: Path) -> None:
    """The connection as the engine uses it: bounded memory (COMPPLAN_DUCKDB_MEMORY,
    3GB by default) spilling to a temporary folder, no insertion order kept (the lines
    are numbered and ordered explicitly), and the exact-division macro.

    lines.csv's COPY still writes in its ORDER BY's order: DuckDB (0.10 and later, and
    pyproject asks for 1.1) marks a sorted source FIXED_ORDER, which its planner keeps
    before it reads preserve_insertion_order (PhysicalPlanGenerator::
    PreserveInsertionOrder); the setting only frees unordered statements."""
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    for macro in MACROS:
        con.execute(macro)


def _execute(compiled: CompiledPlan, con, period: Period, script: Script,
             lines_csv: Path | None, then=None, deferred: list | None = None) -> RunResult:
    """The script run, lines.csv written (or `then` called) and the result read back.
    `deferred` (a list): lines.csv's COPY is not run but appended to it, for the caller to
    run once it has asked the connection everything else (run_folder's `pending`); the
    result is read before it, which it does not change."""
    import duckdb

    statements = _lines_as_view(script.statements) if lines_csv is not None and \
        then is None else script.statements
    # lines a view read once: the COPY numbers them as it writes them (lines_query)
    numbered = (script.lines_union, script.lines_order) if statements is not \
        script.statements and script.lines_union else None
    # a save: lines a table made in order with the texts both readers share
    shared = then is not None and bool(script.lines_union) and \
        _lines_as_view(script.statements) is not script.statements
    if shared:
        statements = _shared_lines(compiled, script, lean=reads_store_rows_only(then))
    for what, sql in statements:
        try:
            con.execute(sql)
        except duckdb.DataError as e:
            text = str(e).lower()  # "Out of Range", or a quotient that no DECIMAL(38) holds
            if "out of range" not in text and not ("could not cast" in text and
                                                    "decimal" in text):
                raise
            raise CompplanError([_out_of_range(compiled, what, e)]) from None
    copy = f"COPY ({lines_query(compiled, numbered, shared)}) TO '{lines_csv}' {CSV_OPTIONS}" \
        if lines_csv is not None else None
    if copy is not None and deferred is not None and not shared:
        deferred.append(copy)  # the caller runs it beside its own writing (run_folder)
        return _result(compiled, con, period, script.final, with_lines=False)
    if copy is not None and shared and reads_store_rows_only(then):
        with _meanwhile(con, copy):  # lines.csv written while `then` stores the lines
            then(con)
    else:
        if then is not None:
            then(con)
        if copy is not None:
            con.execute(copy)
    if shared:
        con.execute("SET preserve_insertion_order = false")
    if lines_csv is not None or then is not None:
        return _result(compiled, con, period, script.final, with_lines=False)
    return _result(compiled, con, period, script.final)


_LINES_TABLE = "CREATE TEMP TABLE lines AS "
# a save's lines table (_shared_lines): a table of the connection's in-memory database,
# not TEMP (a connection's own), so that a second connection to it can read it (_meanwhile)
_SHARED_TABLE = "CREATE TABLE lines AS "


@contextmanager
def _meanwhile(con, sql: str):
    """Run `sql` on a second connection to `con`'s database (DuckDB's cursor) in a thread
    of its own while the body runs; wait for it on the way out, and raise its error if it
    failed (the body's own error first). DuckDB lets go of the GIL while it works, so a
    save's lines.csv COPY (on DuckDB's threads) overlaps the store's inserts (Python and
    SQLite, one core): wall time, not CPU."""
    import threading

    cursor = con.cursor()
    failed: list[BaseException] = []

    def work() -> None:
        try:
            cursor.execute(sql)
        except BaseException as e:  # noqa: BLE001 - raised in the caller's thread
            failed.append(e)

    worker = threading.Thread(target=work, name="compplan-lines-csv", daemon=True)
    worker.start()
    try:
        yield
    except BaseException:
        cursor.interrupt()
        raise
    finally:
        worker.join()
        cursor.close()
    if failed:
        raise failed[0]


_NAMES_LINES = re.compile(r"\blines\b")


def _lines_as_view(statements: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The statements with `lines` made a view instead of a table, where it is read only
    by lines.csv's COPY (once, in full) and the payees' totals (two columns, which DuckDB
    reads from the earnings' tables without numbering the lines): no statement after it
    names it (deletes, fx's conversion) and no `then` reads it (the store path keeps the
    table). Materialising 1.2M wide lines cost about 0.8 CPU-s at 1M deals."""
    at = next((i for i, (_w, sql) in enumerate(statements) if sql.startswith(_LINES_TABLE)),
              None)
    if at is None or any(_NAMES_LINES.search(sql) for _w, sql in statements[at + 1:]):
        return statements
    what, sql = statements[at]
    return statements[:at] + [(what, "CREATE TEMP VIEW lines AS " + sql[len(_LINES_TABLE):])] + \
        statements[at + 1:]


# The lines table of a save (_shared_lines) has these: the texts lines.csv's COPY and the
# store's rows both write, made once; its rows are in payee and line order.
SHARED_TEXTS = ("_exact_text", "_before_text", "_after_text", "_rounding_text")


def _shared_texts(compiled: CompiledPlan) -> list[tuple[str, str]]:
    """The texts lines.csv and the store both hold, as SQL over the lines' columns, in
    two layers: the exact, the running bases; then the rounding note, which reads the
    exact's text (an expression named twice in one query is worked out twice, and a
    DECIMAL(38,16)'s text is dear). The note is NULL where there is none: lines.csv
    leaves the cell empty, the store writes ''."""
    plan = compiled.plan
    step = plan.rounding.to or minor_unit(plan.currency)
    mode = plan.rounding.mode.replace("_", " ")
    amount = sql_fx.amount_text("amount", "amount_places") if \
        sql_fx.pays_in_currencies(compiled) else "CAST(amount AS VARCHAR)"
    return [("_exact_text", _number16("exact")),
            ("_before_text", _number16("run_before")),
            ("_after_text", _number16("run_after")),
            ("_rounding_text", f"coalesce(rounding_note, CASE WHEN amount <> exact AND kind "
                               f"<> 'hold' THEN _exact_text || ' -> ' || {amount} || ' ({mode}"
                               f" to {step})' END)")]


def _shared_lines(compiled: CompiledPlan, script: Script,
                  lean: bool = False) -> list[tuple[str, str]]:
    """The statements of a save (`then` given, lines named by no later statement), the
    lines table made in the order both its readers want: sorted once by payee and the
    statement's order and numbered as they pass (numbered_lines), with SHARED_TEXTS.
    The store's rows and lines.csv's COPY then read it as it is, without a sort of their
    own, and make those texts no more; insertion order is kept until the COPY is done
    (_execute). Before, the table's window, the store's ORDER BY and the COPY's each
    sorted the wide rows, and each reader made the texts again.

    `lean` (a `then` that reads the store's rows only, reads_store_rows_only): the table
    leaves out what neither reader reads once it has the texts: the tier list (both
    read tiers_text, which every lines table has, plan.py _lines) and the running bases'
    DECIMAL(38,16) numbers (both read _before_text and _after_text)."""
    at = next(i for i, (_w, sql) in enumerate(script.statements) if sql.startswith(_LINES_TABLE))
    what = script.statements[at][0]
    first, rounding = _shared_texts(compiled)[:3], _shared_texts(compiled)[3]
    inner = ", ".join(f"{sql} AS {name}" for name, sql in first)
    kept = " EXCLUDE (tiers, run_before, run_after)" if lean else ""
    sql = (f"{_SHARED_TABLE}SELECT *{kept}, {rounding[1]} AS {rounding[0]} FROM (SELECT *, "
           f"{inner} FROM {numbered_lines(script.lines_union, script.lines_order)})")
    return script.statements[:at] + [(what, "SET preserve_insertion_order = true"),
                                     (what, sql)] + script.statements[at + 1:]


def store_rows_only(then):
    """`then` marked as reading the run's lines only as the store's rows (line_batches,
    store_lines_query; or not at all) and changing nothing: a save's lines table may then
    leave out the tier lists and the running bases' numbers, which those rows take from
    texts (_shared_lines, and the per-credit splits' lists are not made: PlanCompiler.
    tier_lists), and lines.csv is written meanwhile (_meanwhile). A `then` that reads
    `tiers`, `run_before` or `run_after`, or deletes lines (settle.py's keep), is left
    unmarked. Returns it."""
    then.store_rows_only = True
    return then


def reads_store_rows_only(then) -> bool:
    """Whether `then` was marked by store_rows_only."""
    return bool(getattr(then, "store_rows_only", False))


def _tier_lists(lines_csv: Path | None, then) -> bool:
    """Whether the per-credit splits' lists of parts are made (PlanCompiler.tier_lists):
    for Line objects read back (no lines.csv, no `then`) and for a `then` that may read
    them; not for lines.csv alone (it reads tiers_text) nor for the store's rows."""
    if then is not None:
        return not reads_store_rows_only(then)
    return lines_csv is None


_PLACE = re.compile(r"(\S+):(\d+):(\d+)")


def _out_of_range(compiled: CompiledPlan, what: str, error: Exception) -> Problem:
    """DuckDB's Out of Range (a value DECIMAL(38) cannot hold: the arithmetic rule's
    limit) at the rule the statement comes from, in the Python engine's words."""
    m = _PLACE.search(what)
    pos = Pos(m.group(1), int(m.group(2)), int(m.group(3))) if m else None
    detail = str(error).splitlines()[0]
    return out_of_range(pos, f"{what.split(':', 1)[0] if m else what}: {detail}",
                        compiled.checked.source.name)


def _check_data(compiled: CompiledPlan, con, period: Period, files: dict[str, str],
                load) -> None:
    """The period-wide data checks, asked of the database; on any failure the Python
    engine's preparation lists the problems in its words."""
    plan = compiled.plan
    suspicious = False
    pinp = plan.inputs.get("payees")
    known = "SELECT CAST({k} AS VARCHAR) FROM in_payees".format(k=q(pinp.key)) \
        if pinp is not None and "payees" in files else None
    for name, inp in plan.inputs.items():
        if name not in files or not inp.payee or name == "payees":
            continue
        if known is not None:
            n = con.execute(f"SELECT count(*) FROM {q('in_' + name)} WHERE CAST({q(inp.payee)} "
                            f"AS VARCHAR) NOT IN ({known})").fetchone()[0]
            suspicious |= n > 0
        if not inp.key and inp.period and not inp.manager:
            # rows of the period itself, of spans inside it, of spans around it
            spans = q("span_" + name)
            keys = ", ".join([q(inp.payee)] + [q(b) for b in inp.by])
            dup = con.execute(f"SELECT count(*) FROM (SELECT {keys} FROM {q('in_' + name)} t "
                              f"JOIN {spans} s ON s.label = CAST(t.{q(inp.period)} AS VARCHAR) "
                              f"WHERE s.relation = 'exact' GROUP BY ALL HAVING count(*) > 1)"
                              ).fetchone()[0]
            suspicious |= dup > 0
            if inp.missing == "error" and known is not None and not inp.by:
                miss = con.execute(f"SELECT count(*) FROM ({known}) k(p) WHERE p NOT IN (SELECT "
                                   f"CAST({q(inp.payee)} AS VARCHAR) FROM {q('in_' + name)} t "
                                   f"JOIN {spans} s ON s.label = CAST(t.{q(inp.period)} AS "
                                   "VARCHAR))").fetchone()[0]
                suspicious |= miss > 0
    for cr in plan.credits.values():
        sp = cr.split
        if sp is None or sp.from_ not in files or cr.from_ not in files:
            continue
        link, sinp = plan.inputs[cr.from_].key, plan.inputs[sp.from_]
        if link not in sinp.columns and link not in (sinp.key, sinp.payee):
            suspicious = True  # prepare names the missing column
            continue
        bad = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {q('in_' + sp.from_)} GROUP "
                          f"BY CAST({q(link)} AS VARCHAR) HAVING sum(coalesce({q(sp.share)}, "
                          "0)) <> 1)").fetchone()[0]
        suspicious |= bad > 0  # shares that do not add up to 100%
    if pinp is not None and pinp.manager and "payees" in files:
        n = con.execute(f"SELECT count(*) FROM in_payees WHERE {q(pinp.manager)} IS NOT NULL "
                        f"AND CAST({q(pinp.manager)} AS VARCHAR) NOT IN ({known})").fetchone()[0]
        suspicious |= n > 0
    suspicious = suspicious or sql_fx.suspicious(con, compiled)  # a rate missing (fx.py)
    suspicious = suspicious or sql_hier.suspicious(con)  # reporting lines (hierarchy.py)
    if suspicious:
        with decimal.localcontext(CONTEXT):
            prepared = prepare(compiled, load(), period)
        if prepared.problems:
            raise CompplanError(prepared.problems)


def safe_text(sql: str) -> str:
    """A text cell a spreadsheet cannot run (compplan.cells): a quote before = + - @ tab CR.
    Plain SQL that DuckDB and PostgreSQL both take: the postgres engine's lines.csv
    guards its cells with it too."""
    return (f"(CASE WHEN {sql} IS NULL THEN NULL WHEN left({sql}, 1) IN ('=', '+', '-', '@', "
            f"chr(9), chr(13)) THEN chr(39) || {sql} ELSE {sql} END)")


def _number(sql: str) -> str:
    """A decimal with places (the lines table's are DECIMAL(38, 16)) as text without the
    trailing zeros of its SQL scale (4000.0000 -> 4000)."""
    return places_trimmed(f"CAST({sql} AS VARCHAR)")


def _number16(sql: str) -> str:
    """_number of one of the lines table's DECIMAL(38, 16) columns, its text made in 64
    bits where it fits (show.decimal_text): a running basis is mostly below 100."""
    return decimal_text(sql, 16)


def lines_query(compiled: CompiledPlan, numbered: tuple[str, str] | None = None,
                shared: bool = False, presorted: bool = False) -> str:
    """The lines table as lines.csv has it (engine/results.py LINE_COLUMNS); exact values
    are written without the trailing zeros of their SQL scale. An empty cell is NULL, so
    DuckDB writes it bare (`,,`) as Python's csv does, not as a quoted `""`.

    `numbered` (the lines statement's parts and order, Script.lines_union/lines_order):
    read the parts instead of the lines table, sorted once by payee and that order, and
    number each line as it passes (numbered_lines), not by a window over the wide rows
    and a second sort by line: 1.1 CPU-s less at 1M deals (docs/design/columnar.md).
    `shared`: the lines table is a save's (_shared_lines), in order, with the texts.

    `presorted`: the lines table already yields its rows by payee and line (the Spark
    engine's, read from Parquet Spark sorted) and the connection keeps insertion order:
    no ORDER BY, so the rows stream through without a sort holding them."""

    def blank(col: str) -> str:
        return f"nullif({col}, '')"

    # exact's text is worked out once (an inner query) and read twice: an expression
    # named twice in one query is computed twice, and a DECIMAL(38,16)'s text is dear
    texts = dict(_shared_texts(compiled))
    rounding = "_rounding_text" if shared else texts["_rounding_text"]
    before, after = ("_before_text", "_after_text") if shared else \
        (texts["_before_text"], texts["_after_text"])
    amount = "amount"
    if sql_fx.pays_in_currencies(compiled):  # amounts at their currency's unit (fx.py)
        amount = sql_fx.amount_text("amount", "amount_places")
        rounding = f"CASE WHEN fx_rounding IS NOT NULL THEN nullif(fx_rounding, '') ELSE " \
            f"{rounding} END"
    note = safe_text("nullif(concat_ws('; ', 'credited through ' || via, credit_note), '')")
    # a subtotal's line lists its group's rows in split_source (subtotals.MEMBERS_SEP)
    sources = safe_text("nullif(concat_ws(' ', source, replace(split_source, chr(31), ' ')), '')")
    cells = [("payee", safe_text("payee")), ("line", "line"),
             ("component", safe_text("component")), ("kind", "kind"), ("amount", amount),
             ("exact", "_exact_text"), ("formula", safe_text(blank("formula"))),
             ("inputs", safe_text(blank("inputs"))), ("sources", sources),
             ("tiers", "tiers_text"), ("basis_before", before), ("basis_after", after),
             ("rounding", rounding), ("rule", safe_text("rule")), ("date", "date"),
             ("note", note)]
    exact = f"{texts['_exact_text']} AS _exact_text"
    if numbered and not shared:
        return _numbered_cells(cells, exact, *numbered)
    return (f"SELECT {', '.join(sql if sql == name else f'{sql} AS {name}' for name, sql in cells)}"
            " FROM " + ("lines" if shared else
                        f"(SELECT *, {exact} FROM " + ("lines)" if presorted else
                                                      "lines) ORDER BY payee, line")))


def _numbered_cells(cells: list[tuple[str, str]], exact: str, union: str, order: str) -> str:
    """lines.csv's cells over the lines' parts (`union`), sorted by payee and `order`
    and numbered as they pass (numbered_lines), each cell's text made before the sort,
    not after it.

    DuckDB's streaming window (row_number() OVER (), which counts the rows in their
    sorted order) runs on one thread, and so does everything its pipeline does after
    it; the texts (exact values, running bases, cells made safe) made there kept one
    core busy while the other waited (3.3 of 4 CPU-s on one thread at 1M deals). Made
    in the sort's input they are worked out on every core; the sort carries the texts
    instead of the columns they are made from. The same bytes."""
    inner = ", ".join(f"{sql} AS {q('_c_' + name)}" for name, sql in cells if name != "line")
    outer = ", ".join("line" if name == "line" else f"{q('_c_' + name)} AS {name}"
                      for name, _sql in cells)
    return (f"SELECT {outer} FROM "
            + numbered_lines(f"SELECT *, {exact} FROM ({union})", order, inner))


def numbered_lines(union: str, order: str, cells: str = "u.*") -> str:
    """Every line sorted by payee and `order`, numbered per payee as the lines table's
    window numbers them: row_number() OVER () counts the sorted rows as they stream by
    (DuckDB's streaming window keeps its input's order), less the lines of the payees
    before (a running sum over the payees' counts: 10,000 rows, not a million). One
    sort of the wide rows instead of two. `cells`: what each row carries through the
    sort (by default all the parts' columns), made from the parts' columns (`u`)."""
    before = (f"SELECT payee AS _bpayee, CAST(sum(_n) OVER (ORDER BY payee) - _n AS BIGINT) "
              f"AS _before FROM (SELECT payee, count(*) AS _n FROM ({union}) GROUP BY payee)")
    return (f"(SELECT row_number() OVER () - _before AS line, * EXCLUDE (_before) FROM (SELECT "
            f"{cells}, b._before FROM ({union}) u JOIN ({before}) b ON b._bpayee = u.payee "
            f"ORDER BY u.payee, {order}))")


def read_inputs(text: str | None) -> dict[str, str]:
    """The inputs column ('label=value; label=value') as the line's inputs, values as the
    text the column shows (the SQL engine writes them as text, exact)."""
    if not text:
        return {}
    return dict(item.split("=", 1) for item in text.split("; "))


_RUNTIME = re.compile(r"^(.*):(\d+):(\d+): (division by zero gave a missing value)$")


# a line of the lines table as read back, in line_of's order
LINE_SELECT = ("payee, line, component, kind, amount, exact, rule, source, date, via, tiers, "
               "run_before, run_after, split_source, credit_note, formula, inputs")


def line_of(row) -> Line:
    """A row of `SELECT LINE_SELECT FROM lines` as the Line the Python engine makes
    (the PostgreSQL engine reads its lines a batch at a time with it)."""
    (pid, number, component, kind, amount, exact, rule, source, date, via, tiers,
     before, after, split_source, credit_note, formula, inputs) = row[:17]
    notes = [f"credited through {via}"] if via else []
    notes += [credit_note] if credit_note else []
    return Line(number=number, payee=pid, component=component, kind=kind, amount=amount,
                exact=exact, rule=rule, formula=formula or "",
                sources=[x for x in (source, *(split_source or "").split(MEMBERS_SEP)) if x],
                inputs=read_inputs(inputs),
                tiers=[Portion(t["tier"], t["amount"], t["rate"], t["pays"])
                       for t in tiers or ()],
                basis_before=before, basis_after=after, date=date, note="; ".join(notes))


def _result(compiled: CompiledPlan, con, period: Period, last: str,
            with_lines: bool = True) -> RunResult:
    plan = compiled.plan
    result = RunResult(plan.plan, plan.name, str(plan.version), period.label, plan.currency)
    earnings = [e.name for e in compiled.earnings]
    measures = [m.name for m in compiled.measures]
    cols = [c[0] for c in con.execute(f"DESCRIBE {q(last)}").fetchall()]
    limits = [c for c in ("v_total_cap", "v_total_floor") if c in cols]
    want = ["_pid"] + [f"v_{n}" for n in measures + earnings if f"v_{n}" in cols] + limits
    extra = [c for c in ("p_name", "p_cost_center") if c in cols]
    rows = con.execute(f"SELECT {', '.join(q(c) for c in want + extra)} FROM {q(last)} "
                       "ORDER BY _pid").fetchall()
    payees: dict[str, PayeeResult] = {}
    for row in rows:
        values = dict(zip(want + extra, row))
        pid = values["_pid"]
        pr = PayeeResult(pid, str(values.get("p_name") or ""),
                         cost_center=str(values.get("p_cost_center") or ""))
        for m in compiled.measures:
            v = values.get(f"v_{m.name}")
            with decimal.localcontext(CONTEXT):  # shown half up, as the Python engine does
                pr.measures[m.name] = fmt_value(v, m.expr.type)
            pr.measure_values[m.name] = v
        for e in earnings:  # a zero keeps its places (0.00), as the Python engine's sum
            v = values.get(f"v_{e}")
            pr.components[e] = v if v is not None else Decimal(0)
        for c in limits:  # a cap or floor on the total: a component when it applies
            if values.get(c) is not None:
                pr.components[c[2:]] = values[c]
        pr.currency = plan.currency
        payees[pid] = pr
        result.payees.append(pr)
    for pid, warning in con.execute("SELECT payee, warning FROM warnings ORDER BY payee, "
                                    "n").fetchall():
        if pid in payees:
            payees[pid].warnings.append(warning)
            m = _RUNTIME.match(warning)
            if m:  # also the run's, as the Python engine says it (engine/pay.py)
                result.warnings.append(Problem(m.group(1), int(m.group(2)), int(m.group(3)),
                                               f"payee {pid}: {m.group(4)}",
                                               severity="warning", code="runtime"))
    holds.components(compiled, con, payees)  # `held`, where the Python engine puts it
    pay.read_draws(compiled, con, last, payees, period)  # each payee's draw (pay.py)
    if not with_lines:
        for pid, total, count in con.execute(
                "SELECT payee, sum(amount), count(*) FROM lines GROUP BY payee").fetchall():
            payees[pid].total, payees[pid].line_count = total, count
        sql_fx.paid_in(con, compiled, payees, with_lines=False)  # payees' own currencies
        return result
    # the rounding note as lines.csv and the store write it (`210.2512 -> 210.25 (half
    # up to 0.01)`); the Python engine's lines carry it, and lines.jsonl shows it
    rounding = dict(_store_select(compiled))["rounding"]
    for row in con.execute(f"SELECT {LINE_SELECT}, {rounding} FROM lines "
                           "ORDER BY payee, line").fetchall():
        ln = line_of(row)
        ln.rounding = row[-1] or ""
        payees[ln.payee].lines.append(ln)
    if sql_fx.pays_in_currencies(compiled):  # payees' own currencies (fx.py)
        for pid, number, text in con.execute("SELECT payee, line, fx_rounding FROM lines "
                                             "WHERE fx_rounding IS NOT NULL").fetchall():
            payees[pid].lines[number - 1].rounding = text
        sql_fx.paid_in(con, compiled, payees, with_lines=True)
    for pr in result.payees:
        pr.total = sum((ln.amount for ln in pr.lines), Decimal(0))
        pr.line_count = len(pr.lines)
    return result


# ---------------------------------------------------------------- lines for the store
# The columns of the store's line_items (store/models.py LineItem) after run_id, in
# order; the store holds them to its table (tests/store/test_issue12_bulk_save.py).
STORE_LINE_COLUMNS = ("payee", "number", "component", "kind", "amount", "exact", "formula",
                      "rule", "sources", "inputs", "tiers", "basis_before", "basis_after",
                      "rounding", "date", "note", "key")


def lines_scales(con) -> dict[str, int | None]:
    """Every column of the lines table, with its scale if it is a decimal (16 for exact
    values today, plan.py), and each tier part's (`tiers.amount`...), as DuckDB has
    them; the store's rows take formula and inputs from the table once it has them."""
    import re
    out: dict[str, int | None] = {}
    for name, typ, *_ in con.execute("DESCRIBE lines").fetchall():
        out[name] = None
        if name == "tiers":
            for field, scale in re.findall(r"(\w+) DECIMAL\(\d+,(\d+)\)", typ):
                out[f"tiers.{field}"] = int(scale)
            continue
        m = re.fullmatch(r"DECIMAL\(\d+,(\d+)\)", typ)
        if m:
            out[name] = int(m.group(1))
    return out


def _trimmed(sql: str, scale: int | None) -> str:
    """_number, cheaper where the scale is known: one cast, then the trailing zeros and
    point trimmed (a decimal of scale > 0 always has a point, so no integer digit goes)."""
    if scale is None:
        return _number(sql)
    if scale == 0:
        return f"CAST({sql} AS VARCHAR)"
    return f"(CASE WHEN {sql} = 0 THEN '0' ELSE rtrim(rtrim(CAST({sql} AS VARCHAR), '0'), '.') END)"


def _inputs_json() -> str:
    """The inputs column ('label=value; label=value', as read_inputs reads it) as the
    JSON object the store keeps ({"label": "value"}).

    Where every item has one `=` (as many as the items), the whole text is escaped once
    by to_json and its separators replaced: 0.3 CPU-s for a million lines, against 1.7
    for splitting it into a list and escaping each part, which is what the rest (a value
    with `=` in it) still gets. Escaping adds no `=` and no `; `, so the replaced
    separators are the item's."""
    pair = "to_json(split_part(x, '=', 1)) || ': ' || to_json(substr(x, strpos(x, '=') + 1))"
    listed = f"'{{' || array_to_string([{pair} FOR x IN string_split(inputs, '; ')], ', ') || '}}'"
    items = "(length(inputs) - length(replace(inputs, '; ', ''))) // 2 + 1"
    one_each = f"length(inputs) - length(replace(inputs, '=', '')) = {items}"
    whole = ("'{' || replace(replace(CAST(to_json(inputs) AS VARCHAR), '=', '\": \"'), "
             "'; ', '\", \"') || '}'")
    return (f"CASE WHEN inputs IS NULL OR inputs = '' THEN '{{}}' WHEN {one_each} THEN {whole} "
            f"ELSE {listed} END")


def _tiers_json(scales: dict[str, int | None], num) -> str:
    """The tier split as the JSON list the store keeps ([{"tier": 1, "amount": "...",
    "rate": "...", "pays": "..."}]).

    Where the lines table has lines.csv's tiers cell (`tiers_text`: `tier 1: 4582.08 x
    0.04 = 183.2832; tier 2: ...`, each number the list's without trailing zeros, as
    splits.py writes it), its separators are replaced: 0.3 CPU-s for a million lines,
    against 1.3 for formatting the list's DECIMAL(38,16) numbers again. Otherwise from
    the list (tests/store/test_issue12_bulk_save.py holds the two to the same text)."""
    if "tiers_text" in scales:
        text = ("replace(replace(replace(replace(tiers_text, ': ', ', \"amount\": \"'), "
                "' x ', '\", \"rate\": \"'), ' = ', '\", \"pays\": \"'), '; tier ', "
                "'\"}, {\"tier\": ')")
        # tiers_text starts 'tier N: ': its first word goes, the rest is JSON
        return (f"CASE WHEN tiers_text IS NULL THEN '[]' ELSE '[{{\"tier\": ' || "
                f"substr({text}, 6) || '\"}}]' END")

    def part(t: str) -> str:
        return (f"'{{\"tier\": ' || {t}.tier || ', \"amount\": \"' || "
                f"{num(t + '.amount', 'tiers.amount')} || '\", \"rate\": \"' || "
                f"{num(t + '.rate', 'tiers.rate')} || '\", \"pays\": \"' || "
                f"{num(t + '.pays', 'tiers.pays')} || '\"}}'")
    return f"'[' || coalesce(array_to_string([{part('t')} FOR t IN tiers], ', '), '') || ']'"


def _store_select(compiled: CompiledPlan,
                  scales: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """Each store column as SQL over the lines table, as the Python engine stores a line
    (lifecycle._line_row): money as exact text (an exact value without the trailing
    zeros of its SQL scale), sources, inputs and tiers as JSON, text not made safe for
    spreadsheets (that is for files); formula and inputs from the lines table where it
    has them, empty where not. `scales` (lines_scales) lets the numbers, the tiers and
    the inputs be written more cheaply."""
    plan = compiled.plan
    step = plan.rounding.to or minor_unit(plan.currency)
    mode = plan.rounding.mode.replace("_", " ")
    scales = scales or {}
    # the lines table has these (plan.py); a table made another way may not
    split = "split_source" if not scales or "split_source" in scales else "NULL"
    note = "credit_note" if not scales or "credit_note" in scales else "NULL"

    def num(sql: str, column: str) -> str:
        return _trimmed(sql, scales.get(column))

    amount = "CAST(amount AS VARCHAR)"
    rounding = (f"coalesce(rounding_note, CASE WHEN amount <> exact AND kind <> 'hold' THEN "
                f"{num('exact', 'exact')} || ' -> ' || {amount} || ' ({mode} to {step})' "
                "ELSE '' END)")
    if sql_fx.pays_in_currencies(compiled):  # amounts at their currency's unit (fx.py)
        amount = sql_fx.amount_text("amount", "amount_places")
        rounding = f"coalesce(fx_rounding, {rounding.replace('CAST(amount AS VARCHAR)', amount)})"
    exact, before, after = num("exact", "exact"), num("run_before", "run_before"), \
        num("run_after", "run_after")
    if SHARED_TEXTS[0] in scales:  # a save's lines table has them made (_shared_lines)
        exact, before, after = SHARED_TEXTS[:3]
        rounding = "coalesce(_rounding_text, '')"
        if sql_fx.pays_in_currencies(compiled):
            rounding = "coalesce(fx_rounding, _rounding_text, '')"
    return [
        ("payee", "payee"), ("number", "line"), ("component", "component"), ("kind", "kind"),
        ("amount", amount), ("exact", exact),
        ("formula", "coalesce(formula, '')" if "formula" in scales else "''"),
        ("rule", "coalesce(rule, '')"),
        # every source: the line's own, then a split credit's split row or a subtotal's
        # rows (split_source, joined by chr(31), which to_json writes \u001F)
        ("sources", "'[' || concat_ws(', ', to_json(source), replace(to_json("
                    f"{split}), '\\u001F', '\", \"')) || ']'"),
        ("inputs", _inputs_json() if "inputs" in scales else "'{}'"),
        ("tiers", _tiers_json(scales, num)),
        ("basis_before", before),
        ("basis_after", after),
        ("rounding", rounding),
        ("date", "CAST(CAST(date AS DATE) AS VARCHAR)"),
        ("note", f"concat_ws('; ', 'credited through ' || via, {note})"),
        ("key", "component || '|' || kind || '|' || concat_ws(' ', source, "
                f"replace({split}, chr(31), ' '))")]


def store_lines_query(compiled: CompiledPlan, run_id: int | None = None,
                      scales: dict[str, int] | None = None) -> str:
    """The lines table as the store's line_items rows (STORE_LINE_COLUMNS, text and
    integers only), in statement order; with `run_id`, that column first. A save's
    lines table (_shared_lines: SHARED_TEXTS among `scales`) is read as it lies, in
    that order already (insertion order kept while it is read)."""
    cols = [f"{sql} AS {q(name)}" for name, sql in _store_select(compiled, scales)]
    if run_id is not None:
        cols.insert(0, f"{int(run_id)} AS run_id")
    order = "" if SHARED_TEXTS[0] in (scales or {}) else " ORDER BY payee, line"
    return f"SELECT {', '.join(cols)} FROM lines{order}"


def line_batches(con, compiled: CompiledPlan, run_id: int | None = None,
                 size: int = 20_000):
    """The lines as store rows (store_lines_query), `size` at a time: a million lines
    pass through Python a batch at a time, never all at once."""
    cur = con.execute(store_lines_query(compiled, run_id, lines_scales(con)))
    while True:
        rows = cur.fetchmany(size)
        if not rows:
            return
        yield rows


def line_digests(con, compiled: CompiledPlan, size: int = 1_000):
    """(payee, text) per payee: what the payee's lines add to the results fingerprint
    (lifecycle._hash_line: `number|component|kind|amount|formula|sources` a line, in
    order), from the same columns the store gets."""
    scales = lines_scales(con)
    cols = dict(_store_select(compiled, scales))
    split = "split_source" if "split_source" in scales else "NULL"  # as _store_select
    line = (f"{cols['number']} || '|' || {cols['component']} || '|' || {cols['kind']} || '|' "
            f"|| {cols['amount']} || '|' || {cols['formula']} || '|' || concat_ws(' ', source, "
            f"replace({split}, chr(31), ' ')) || chr(10)")  # every source, as _store_select
    cur = con.execute(f"SELECT payee, string_agg({line}, '' ORDER BY line) FROM lines "
                      "GROUP BY payee ORDER BY payee")
    while True:
        rows = cur.fetchmany(size)
        if not rows:
            return
        yield from rows


# the runner's steps another engine's runner shares (postgres.py): the data's checks,
# the connection's settings, the result read back, the limit of the arithmetic rule
settings = _settings
check_data = _check_data
zero_divisors = _zero_divisors
read_result = _result
out_of_range_problem = _out_of_range
refuse = _refuse
compile_script = _compile  # the script from columns already made (spark.py reads its own)
