"""Run a compiled plan inside PostgreSQL (issue 13): `compplan run --engine postgres`.

The data is read and checked as for the DuckDB engine (run.py: a folder read by DuckDB
itself where it is plain, else by the Python reader; the same FILE:ROW messages, the
same period-wide checks), in a DuckDB that only prepares the input tables: the inputs,
the target spans, the reporting lines and the rates. Those tables go by COPY, as CSV
files a megabyte at a time, into a schema of the run's own (`compplan_run_<hex>`,
dropped when the run ends), the script compiled in the PostgreSQL dialect (dialect.py)
runs in the database, and the payees' totals are read back as the DuckDB engine reads
them. The lines stay in the server until they are written: lines.csv's rows are made
there (lines_csv_sql) and come a payee at a time through a server-side cursor, so the
client's memory does not grow with the data (issue 13, 10M deals).
NUMERIC is exact at any scale, and every division is made at the same fixed scale and
rounded half up as docs/language.md's rule says (dialect.Postgres.div).

The database is `--dsn`, else COMPPLAN_PG_DSN, else the test database at
postgresql://127.0.0.1:5432/test.
"""
from __future__ import annotations

import decimal
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ...errors import CompplanError, Problem
from .. import datacheck
from ..data import Table, find_file, load_folder
from ..ir import CompiledPlan
from ..money import CONTEXT, minor_unit
from ..periods import Period
from ..plausible import limit_of, plausibility
from ..results import RunResult
from ..tiers import Portion
from .dialect import POSTGRES
from .direct import NotPlain, read_folder
from .exprs import Unsupported
from .plan import q
from . import fx as sql_fx
from . import hierarchy as sql_hier
from . import pgexpand
from . import run as duck_run
from .run import safe_text as safe  # the spreadsheet guard, one for both engines
from .settle import run_by_frequency, settles_by_frequency
from .targets import create_spans, per_payee_inputs
from .windows import create_window_spans

DEFAULT_DSN = "postgresql://127.0.0.1:5432/test"
# what the engine runs that the PostgreSQL dialect does not write yet, refused up front
NOT_YET = ()


def dsn_of(dsn: str | None = None) -> str:
    """--dsn, else COMPPLAN_PG_DSN, else the test database."""
    return dsn or os.environ.get("COMPPLAN_PG_DSN") or DEFAULT_DSN


DIALECT_HINT = ("the DuckDB engine runs it: run it with --engine duckdb (or --engine "
                "python, the reference)")


def dialect_hints(problems: list[Problem]) -> list[Problem]:
    """A refusal of what only the PostgreSQL dialect lacks (the DuckDB engine runs it)
    with a hint saying so: cover.refusal's "--engine python" is for what no SQL engine
    runs."""
    from dataclasses import replace
    from .cover import REFUSED
    return [replace(p, hint=DIALECT_HINT) if p.code == REFUSED and
            "(PostgreSQL dialect)" in p.message else p for p in problems]


def identity(pg) -> tuple:
    """What tells one database from another: its name, and its server's port and start
    time (two servers are not started in the same microsecond on the same port)."""
    return tuple(pg.execute("SELECT current_database(), inet_server_port(), "
                            "pg_postmaster_start_time()").fetchone())


def connect(dsn: str | None = None):
    import psycopg
    return psycopg.connect(dsn_of(dsn), autocommit=True)


def _connect_for_run(dsn: str | None):
    """connect(), or the run's error in a sentence: where it looked and what to do."""
    import psycopg
    try:
        return connect(dsn)
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CompplanError([Problem.at(
            None, f"cannot reach PostgreSQL: {first}",
            "start the server, or name the database with --dsn postgresql://... or "
            "COMPPLAN_PG_DSN", code="postgres", file=safe_dsn(dsn_of(dsn)))]) from None


def safe_dsn(dsn: str) -> str:
    """The DSN without its password, to print."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)


_TYPES = [(re.compile(r"^DECIMAL\((\d+),(\d+)\)$"), lambda m: f"NUMERIC({m[1]},{m[2]})"),
          (re.compile(r"^HUGEINT$"), lambda m: "NUMERIC"),
          (re.compile(r"^(VARCHAR|TEXT|\"NULL\")$"), lambda m: "TEXT"),
          (re.compile(r"^(BIGINT|INTEGER|SMALLINT|BOOLEAN|DATE|DOUBLE|TIMESTAMP)$"),
           lambda m: {"DOUBLE": "DOUBLE PRECISION"}.get(m[1], m[1])),
          (re.compile(r"^(UBIGINT|UINTEGER)$"), lambda m: "NUMERIC(20,0)"),
          (re.compile(r"^TINYINT|UTINYINT|USMALLINT$"), lambda m: "INTEGER")]


def _pg_type(duck_type: str) -> str:
    for pattern, make in _TYPES:
        m = pattern.match(duck_type)
        if m:
            return make(m)
    raise Unsupported(None, f"an input column of DuckDB type {duck_type} (PostgreSQL engine)")


def copy_tables(duck, pg, schema: str, spill: Path | None = None) -> list[str]:
    """Every table the DuckDB preparation made, into `schema` by COPY; -> their names.

    Each table is written by DuckDB as CSV to a file in `spill` (a NULL bare, an empty
    text quoted: `,,` and `,"",` read back as PostgreSQL's CSV reads them), and the file
    goes to the server a megabyte at a time: no row becomes a Python object, so the
    client's memory does not grow with the data (10M deals are about 600 MB of CSV)."""
    names = [r[0] for r in duck.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    with tempfile.TemporaryDirectory(prefix="compplan-pgcopy-", dir=spill) as tmp:
        for name in names:
            cols = duck.execute(f"DESCRIBE {q(name)}").fetchall()
            pg.execute(f"CREATE TABLE {q(schema)}.{q(name)} (" + ", ".join(
                f"{q(c[0])} {_pg_type(c[1])}" for c in cols) + ")")
            path = Path(tmp) / "table.csv"
            duck.execute(f"COPY {q(name)} TO '{path}' (FORMAT csv, HEADER false)")
            with pg.cursor().copy(f"COPY {q(schema)}.{q(name)} FROM STDIN (FORMAT csv)") \
                    as copy, path.open("rb") as fh:
                while chunk := fh.read(COPY_CHUNK):
                    copy.write(chunk)
            path.unlink()
    return names


COPY_CHUNK = 1 << 20  # bytes of CSV sent to the server at a time


class Connection:
    """A psycopg connection as run.py's readers use DuckDB's: execute() gives a cursor,
    `DESCRIBE t` gives (column, type), a lines table's tier parts come as dicts."""

    def __init__(self, pg):
        self.pg = pg

    def execute(self, sql: str, params=None):
        m = re.fullmatch(r'DESCRIBE "?([^"]+)"?', sql.strip())
        if m:
            return self.pg.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                "attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                (q(m.group(1)),))
        if sql.startswith("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?"):
            # fx._exists: whether the script made a table (payees paid in theirs)
            return self.pg.execute("SELECT count(*) FROM pg_class WHERE relname = %s AND "
                                   "relkind = 'r' AND pg_table_is_visible(oid)", params)
        return self.pg.execute(sql, params)


def _tier_parts(pg) -> None:
    """cp_tier values read as {'tier': .., 'amount': ..} (run._result reads them so)."""
    from psycopg.types.composite import CompositeInfo, register_composite
    info = CompositeInfo.fetch(pg, "cp_tier")
    fields = info.field_names
    register_composite(info, pg, factory=lambda *values: dict(zip(fields, values)))


def run_postgres(compiled: CompiledPlan, folder: str | Path, period: Period,
                 dsn: str | None = None, lines=True, then=None, within=None) -> RunResult:
    """Work out every payee's pay inside PostgreSQL (see the module's docstring).

    The folder is read as the DuckDB engine reads it (run.run_folder): by DuckDB itself
    where every file and cell is plain (direct.py), else by the Python reader, which
    names any problem at FILE:ROW in `validate`'s words. `lines`: True, the lines in the
    result; False, totals only; a callable, each payee (a PayeeResult with their lines)
    given to it in turn, read from the server by a cursor a batch at a time, the result
    holding totals only (`compplan run --jsonl` writes its files so); a Path: lines.csv
    written there, each row made in the server as the DuckDB engine's COPY makes it
    (`compplan run`: the client holds neither the lines nor their text), the result
    holding totals only. `then`, `within`: as for run_tables."""
    import duckdb

    folder = Path(folder)
    duck_run.refuse(compiled)

    def python_tables() -> dict[str, Table]:
        found: list = []
        tables = load_folder(compiled.plan, folder, found)
        if found:
            raise CompplanError(found)
        return tables

    if settles_by_frequency(compiled, period):  # who is settled when: the payees' rows
        return run_tables(compiled, python_tables(), period, dsn, then, within,
                          lines)
    with tempfile.TemporaryDirectory(prefix="compplan-pg-") as tmp:
        duck = duckdb.connect()
        try:
            duck_run.settings(duck, Path(tmp))
            warnings: list = []
            try:
                columns = read_folder(duck, compiled.plan, folder, warnings,
                                      limit_of(compiled))
            except NotPlain:
                columns = None
            if columns is None:  # the Python reader reads it (and names its problems)
                duck.close()
                return run_tables(compiled, python_tables(), period, dsn, then, within,
                          lines)
            columns = sql_fx.create_rates(duck, compiled, period, columns,
                                          sql_fx.rates_table(compiled, folder))
            columns = sql_hier.create_lines(duck, compiled, period, columns)
            relations = create_spans(duck, compiled, period, [
                n for n in columns if n in per_payee_inputs(compiled.plan)])
            relations.update(create_window_spans(duck, compiled, period, [
                n for n in columns if n in per_payee_inputs(compiled.plan)]))
            try:
                script = duck_run.compile_script(compiled, columns, period, relations,
                                                 POSTGRES)
            except CompplanError as e:
                raise CompplanError(dialect_hints(e.problems)) from None
            files = {name: str(find_file(folder, name, inp)) for name, inp in
                     compiled.plan.inputs.items()}
            duck_run.check_data(compiled, duck, period, files, python_tables)
            return _in_server(compiled, duck, script, period, warnings, files, dsn, then,
                              within, lines, None, Path(tmp))
        finally:
            duck.close()


def run_tables(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
               dsn: str | None = None, then=None, within=None,
               lines: bool | None = None, by_frequency: bool = True,
               record: dict | None = None) -> RunResult:
    """run_postgres on tables already read (a scenario's rows, a folder's).

    `then(pg, schema)`, if given, is called once the script has run, before the run's
    schema goes (`run --save` takes the lines from there into the store). `within`: a
    psycopg connection already inside a transaction (the store's own, when the store
    is this database): the run is made in that transaction and commits nothing; its
    schema and temporary tables are dropped at the end of it, or rolled back with it.
    `lines`: read the lines back into the result (by default unless `then` is given);
    a callable: given each payee with their lines in turn (run_postgres's `lines`).
    Payees settled at their own frequency (issue 20) are worked out over their own
    period, group by group, as the DuckDB engine does (settle.run_by_frequency).
    `record`: a dict that receives "tables", the names of the tables the run prepared,
    and "statements", (comment, SQL) of each statement as it ran, written out by
    pgexpand.py (pgreview.py prints them; with by_frequency=False: the period's one
    script)."""
    import duckdb

    if by_frequency and settles_by_frequency(compiled, period):
        # payees settled over periods of their own: each group's run keeps its payees'
        # lines (settle.py), so a sink is given them once the groups are put together,
        # and lines.csv is each group's part, merged
        sink = lines if callable(lines) else None
        csv = lines if isinstance(lines, Path) else None

        def one(p: Period, part, hook) -> RunResult:
            return run_tables(compiled, tables, p, dsn,
                              None if hook is None else (lambda pg, s: hook(_Made(pg, s))),
                              within, part if part is not None else True if sink else lines,
                              by_frequency=False)
        result = run_by_frequency(compiled, tables, period, one, csv,
                                  None if then is None else (lambda m: then(m.pg, m.schema)),
                                  keep=_keep_payees)
        for pr in result.payees if sink else ():
            if pr.lines:
                sink(pr)
        return result

    with tempfile.TemporaryDirectory(prefix="compplan-pg-") as tmp:
        duck = duckdb.connect()
        try:
            duck_run.settings(duck, Path(tmp))
            try:
                script = duck_run.compile_sql(compiled, duck, tables, period, Path(tmp),
                                              POSTGRES)
            except CompplanError as e:
                raise CompplanError(dialect_hints(e.problems)) from None
            files = {n: t.file for n, t in tables.items()}
            duck_run.check_data(compiled, duck, period, files, lambda: tables)
            warnings = plausibility(compiled, tables) + datacheck.empty_tables(
                compiled, tables) + datacheck.negative_amounts(compiled, tables)
            return _in_server(compiled, duck, script, period, warnings, files, dsn, then,
                              within, then is None if lines is None else lines, record,
                              Path(tmp))
        finally:
            duck.close()


def _in_server(compiled: CompiledPlan, duck, script, period: Period, warnings: list,
               files: dict, dsn: str | None, then, within, lines, record: dict | None,
               spill: Path) -> RunResult:
    """The tables DuckDB prepared copied into a schema of the run's own, the script run
    there, the result read back (run_tables' `then`, `within`, `lines`, `record`)."""
    pg = within if within is not None else _connect_for_run(dsn)
    schema = f"compplan_run_{uuid.uuid4().hex[:12]}"
    done = False
    try:
        if within is not None:  # the store's tables stay where they were found
            pg.execute("SELECT set_config('search_path', %s || ', ' || "
                       "current_setting('search_path'), true)", (q(schema),))
        else:
            pg.execute(f"SET search_path TO {q(schema)}")
        pg.execute(f"CREATE SCHEMA {q(schema)}")
        names = copy_tables(duck, pg, schema, spill)
        if record is not None:
            record["tables"] = names
        result = run_in(compiled, pg, script, period, warnings, files, then, schema,
                        lines, record)
        done = True
        return result
    finally:
        if within is None:
            pg.execute(f"DROP SCHEMA IF EXISTS {q(schema)} CASCADE")
            pg.close()
        elif done:  # (after an error the transaction is rolled back whole)
            drop_run(pg, schema)


@dataclass
class _Made:
    """A run made in PostgreSQL, as a settle hook is given it: its connection, its
    schema."""
    pg: object
    schema: str


def _keep_payees(made: _Made, payees) -> None:
    """The lines of `payees` alone left in the run's lines table (settle.py's `keep`)."""
    made.pg.execute("DELETE FROM lines WHERE NOT (payee = ANY(%s))", (sorted(payees),))


def run_in(compiled: CompiledPlan, pg, script, period: Period, warnings: list,
           files: dict, then=None, schema: str | None = None,
           lines: bool = True, record: dict | None = None) -> RunResult:
    """The script run on `pg`, whose search path starts with a schema holding the
    input tables; the result read back (lines trimmed as DuckDB writes them)."""
    for sql in POSTGRES.setup():
        pg.execute(sql)
    _tier_parts(pg)
    con = Connection(pg)
    _execute(compiled, con, script, record)
    if then is not None:
        then(pg, schema)
    if isinstance(lines, Path):  # lines.csv made in the server, a payee at a time
        write_lines_csv(compiled, pg, lines)
    with decimal.localcontext(CONTEXT):
        result = duck_run.read_result(compiled, con, period, script.final,
                                      with_lines=lines is True)
        if callable(lines):
            stream_lines(compiled, pg, result, lines)
    result.warnings[:0] = warnings + duck_run.zero_divisors(compiled, con, period, files)
    _trim_lines(result)
    return result


# ---------------------------------------------------------------- lines.csv
def _cell(sql: str) -> str:
    """A CSV cell as Python's csv module writes it (QUOTE_MINIMAL, CRLF rows): quoted
    where it holds a comma, a quote, a CR or an LF, its quotes doubled; NULL empty."""
    return (f"coalesce(CASE WHEN {sql} ~ '[,\"\\r\\n]' THEN '\"' || replace({sql}, "
            f"'\"', '\"\"') || '\"' ELSE {sql} END, '')")


def lines_csv_sql(compiled: CompiledPlan, columns: set[str]) -> str:
    """One row per payee, in payee order: the text of their lines.csv rows, each row as
    the DuckDB engine's COPY writes it (run.lines_query: the same cells, made safe and
    trimmed alike), in line order."""
    store = dict(store_select(compiled, columns))

    def blank(col: str) -> str:
        return f"nullif({col}, '')"

    amount = sql_fx.amount_text("amount", "amount_places") if "fx_rounding" in columns \
        else "CAST(amount AS TEXT)"
    split = "split_source" if "split_source" in columns else "CAST(NULL AS TEXT)"
    note = "credit_note" if "credit_note" in columns else "CAST(NULL AS TEXT)"
    via = "via" if "via" in columns else "CAST(NULL AS TEXT)"
    cells = [
        safe("payee"), "CAST(line AS TEXT)", safe("component"), "kind", amount,
        "CAST(trim_scale(exact) AS TEXT)",
        safe(blank("formula")) if "formula" in columns else "NULL",
        safe(blank("inputs")) if "inputs" in columns else "NULL",
        safe(f"nullif(concat_ws(' ', source, replace({split}, chr(31), ' ')), '')"),
        "tiers_text" if "tiers_text" in columns else "NULL",
        "CAST(trim_scale(run_before) AS TEXT)", "CAST(trim_scale(run_after) AS TEXT)",
        f"nullif({store['rounding']}, '')", safe("rule"), "CAST(date AS TEXT)",
        safe(f"nullif(concat_ws('; ', 'credited through ' || {via}, {note}), '')")]
    # the cells worked out once (OFFSET 0: not folded into the outer query, where each
    # is named three times), then quoted and joined
    inner = ", ".join(f"{c} AS _c{i}" for i, c in enumerate(cells))
    row = " || ',' || ".join(_cell(f"_c{i}") for i in range(len(cells))) + \
        " || chr(13) || chr(10)"
    return (f"SELECT string_agg({row}, '' ORDER BY line) FROM (SELECT payee, line, {inner} "
            f'FROM lines OFFSET 0) l GROUP BY payee ORDER BY payee COLLATE "C"')


def write_lines_csv(compiled: CompiledPlan, pg, path: Path) -> None:
    """lines.csv at `path`, header and all, made in the server: a payee's rows at a time
    come through a server-side cursor and go to the file as they are (issue 13: the
    client holds neither the lines nor their text at once)."""
    from ..results import LINE_COLUMNS
    columns = {r[0] for r in Connection(pg).execute("DESCRIBE lines").fetchall()}
    query = lines_csv_sql(compiled, columns)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(LINE_COLUMNS) + "\r\n")
        with pg.transaction():  # a server-side cursor lives in a transaction
            with pg.cursor(name=f"compplan_csv_{uuid.uuid4().hex[:8]}") as cur:
                cur.execute(query)
                while rows := cur.fetchmany(500):
                    fh.write("".join(r[0] for r in rows))


STREAM_BATCH = 20_000  # lines read from the server at a time


def stream_lines(compiled: CompiledPlan, pg, result: RunResult, sink) -> None:
    """Each payee of `result` with their lines, given to `sink` in the lines' order
    (payee, line): the lines read by a server-side cursor STREAM_BATCH at a time and
    made as run.read_result makes them, so the client holds one payee's lines at a
    time however many lines the run has. Payees without lines are not given."""
    fx = sql_fx.pays_in_currencies(compiled)
    payees = {pr.payee: pr for pr in result.payees}
    units = _units(compiled, pg, payees) if fx else {}
    # the rounding note as the store and the DuckDB engine's lines.csv write it
    # (`210.2512 -> 210.25 (half up to 0.01)`; a currency's own, fx.py)
    columns = {r[0] for r in Connection(pg).execute("DESCRIBE lines").fetchall()}
    rounding = dict(store_select(compiled, columns))["rounding"]
    query = f"SELECT {duck_run.LINE_SELECT}, {rounding} FROM lines ORDER BY payee, line"

    def give(pid: str, lines: list) -> None:
        pr = payees[pid]
        pr.lines = lines
        _trim_payee(pr)
        sink(pr)

    with pg.transaction():  # a server-side cursor lives in a transaction
        with pg.cursor(name=f"compplan_lines_{uuid.uuid4().hex[:8]}") as cur:
            cur.itersize = STREAM_BATCH
            cur.execute(query)
            current, group = None, []
            while rows := cur.fetchmany(STREAM_BATCH):
                for row in rows:
                    ln = duck_run.line_of(row)
                    ln.rounding = row[-1] or ""
                    if fx:
                        unit = units.get(ln.payee)
                        if unit is not None:
                            ln.amount = ln.amount.quantize(unit)
                    if ln.payee != current:
                        if group:
                            give(current, group)
                        current, group = ln.payee, []
                    group.append(ln)
            if group:
                give(current, group)


def _units(compiled: CompiledPlan, pg, payees: dict) -> dict:
    """The unit each payee's line amounts are written at, for a plan whose payees may be
    paid in their own currencies (fx.paid_in: the currency's, else the plan's step)."""
    home = Decimal(1).scaleb(-max(0, -(compiled.plan.rounding.to or minor_unit(
        compiled.plan.currency)).as_tuple().exponent))
    units = {pid: home for pid in payees}
    if pg.execute("SELECT to_regclass('payee_fx')").fetchone()[0] is not None:
        for pid, places in pg.execute("SELECT _pid, places FROM payee_fx").fetchall():
            if pid in units:
                units[pid] = Decimal(1).scaleb(-places)
    else:
        return {}
    return units


def drop_run(pg, schema: str) -> None:
    """A run made inside another transaction: its schema and its temporary tables go
    (the connection goes back to a pool, where the next run would find them)."""
    pg.execute(f"DROP SCHEMA IF EXISTS {q(schema)} CASCADE")
    temp = [r[0] for r in pg.execute(
        "SELECT oid::regclass::text FROM pg_class WHERE relnamespace = pg_my_temp_schema() "
        "AND relkind = 'r'").fetchall()]
    if temp:
        pg.execute("DROP TABLE IF EXISTS " + ", ".join(t for t in temp) + " CASCADE")


# ---------------------------------------------------------------- lines for the store
def _num(sql: str) -> str:
    """A NUMERIC as text without the trailing zeros of its scale (4000.0000 -> 4000),
    as the store keeps an exact value (run.py's store rows, lifecycle._line_row)."""
    return f"CAST(trim_scale({sql}) AS TEXT)"


def store_select(compiled: CompiledPlan, columns: set[str]) -> list[tuple[str, str]]:
    """Each store column (run.STORE_LINE_COLUMNS) as PostgreSQL SQL over the run's lines
    table, the same values as the DuckDB engine's store rows (run.py _store_select):
    money as exact text, sources, inputs and tiers as JSON (json, not jsonb: the
    order of the inputs is kept), text not made safe for spreadsheets. JSON is compared
    as what it says (verify reads it), not as bytes: PostgreSQL writes `{"a" : "b"}`."""
    plan = compiled.plan
    step = plan.rounding.to or minor_unit(plan.currency)
    mode = plan.rounding.mode.replace("_", " ")
    split = "split_source" if "split_source" in columns else "CAST(NULL AS TEXT)"
    note = "credit_note" if "credit_note" in columns else "CAST(NULL AS TEXT)"
    via = "via" if "via" in columns else "CAST(NULL AS TEXT)"
    amount = "CAST(amount AS TEXT)"
    rounding = (f"CASE WHEN amount <> exact AND kind <> 'hold' THEN {_num('exact')} || "
                f"' -> ' || {amount} || ' ({mode} to {step})' ELSE '' END")
    if "rounding_note" in columns:
        rounding = f"coalesce(rounding_note, {rounding})"
    if "fx_rounding" in columns:  # payees paid in their own currencies (fx.py)
        amount = sql_fx.amount_text("amount", "amount_places")
        rounding = f"coalesce(fx_rounding, {rounding.replace('CAST(amount AS TEXT)', amount)})"
    sources = (f"(SELECT coalesce(json_agg(s ORDER BY n), '[]') FROM unnest(ARRAY[nullif("
               f"source, '')] || coalesce(string_to_array({split}, chr(31)), '{{}}')) WITH "
               "ORDINALITY AS u(s, n) WHERE s IS NOT NULL AND s <> '')::text")
    inputs = ("CASE WHEN inputs IS NULL OR inputs = '' THEN '{}' ELSE (SELECT "
              "json_object_agg(split_part(x, '=', 1), substr(x, strpos(x, '=') + 1) ORDER BY "
              "n) FROM unnest(string_to_array(inputs, '; ')) WITH ORDINALITY AS i(x, n))::text "
              "END") if "inputs" in columns else "'{}'"
    tiers = ("coalesce((SELECT json_agg(json_build_object('tier', t.tier, 'amount', "
             f"{_num('t.amount')}, 'rate', {_num('t.rate')}, 'pays', {_num('t.pays')}) ORDER "
             "BY n) FROM unnest(tiers) WITH ORDINALITY AS t(tier, amount, rate, pays, n))"
             "::text, '[]')") if "tiers" in columns else "'[]'"
    return [
        ("payee", "payee"), ("number", "line"), ("component", "component"), ("kind", "kind"),
        ("amount", amount), ("exact", _num("exact")),
        ("formula", "coalesce(formula, '')" if "formula" in columns else "''"),
        ("rule", "coalesce(rule, '')"), ("sources", sources), ("inputs", inputs),
        ("tiers", tiers), ("basis_before", _num("run_before")),
        ("basis_after", _num("run_after")), ("rounding", rounding),
        ("date", "to_char(CAST(date AS DATE), 'YYYY-MM-DD')"),
        ("note", f"concat_ws('; ', 'credited through ' || {via}, {note})"),
        ("key", "component || '|' || kind || '|' || concat_ws(' ', nullif(source, ''), "
                f"replace({split}, chr(31), ' '))")]


def store_lines_sql(compiled: CompiledPlan, pg, types: dict[str, str] | None = None) -> str:
    """The run's lines table as the store's line_items rows (STORE_LINE_COLUMNS), in
    order; with `types` (the store table's, for INSERT ... SELECT) each cast to it."""
    columns = {r[0] for r in Connection(pg).execute("DESCRIBE lines").fetchall()}
    cols = [f"CAST({sql} AS {types[name]}) AS {q(name)}" if types else f"{sql} AS {q(name)}"
            for name, sql in store_select(compiled, columns)]
    return f"SELECT {', '.join(cols)} FROM lines ORDER BY payee, line"


def store_lines(pg, compiled: CompiledPlan, run_id: int, table: str) -> int:
    """The run's lines into the store's line_items (`table`, schema-qualified) in this
    same database, by one INSERT ... SELECT: no line leaves the server. Returns how many."""
    from .run import STORE_LINE_COLUMNS
    schema, name = table.split(".", 1)
    types = dict(pg.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid "
        "= %s::regclass AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
    names = ", ".join(q(c) for c in ("run_id",) + STORE_LINE_COLUMNS)
    cur = pg.execute(f"INSERT INTO {table} ({names}) SELECT {int(run_id)}, * FROM ("
                     f"{store_lines_sql(compiled, pg, types)}) rows")
    return cur.rowcount


def stored_digests(pg, run_id: int, table: str):
    """(payee, text) per payee, what their stored lines add to the results fingerprint,
    read from the store's rows as verify reads them (lifecycle._hash_line: `number|
    component|kind|amount|formula|sources` a line, in order)."""
    line = ("number || '|' || component || '|' || kind || '|' || CAST(amount AS TEXT) || "
            "'|' || formula || '|' || (SELECT coalesce(string_agg(s, ' ' ORDER BY n), '') "
            "FROM json_array_elements_text(CAST(sources AS json)) WITH ORDINALITY AS u(s, n)) "
            "|| chr(10)")
    cur = pg.execute(f"SELECT payee, string_agg({line}, '' ORDER BY number) FROM {table} "
                     "WHERE run_id = %s GROUP BY payee ORDER BY payee", (int(run_id),))
    while rows := cur.fetchmany(1_000):
        yield from rows


def store_batches(pg, compiled: CompiledPlan, size: int = 20_000):
    """The run's lines as store rows (tuples in STORE_LINE_COLUMNS' order), `size` at a
    time, for a store in another database (SQLite): the rows are made in PostgreSQL and
    pass through Python a batch at a time, never all at once."""
    query = store_lines_sql(compiled, pg)
    with pg.transaction():  # a server-side cursor lives in a transaction
        with pg.cursor(name=f"compplan_lines_{uuid.uuid4().hex[:8]}") as cur:
            cur.execute(query)
            while rows := cur.fetchmany(size):
                yield rows


def _trimmed(d):
    """A NUMERIC(38, 16) without the trailing zeros of its SQL scale (0.3000 -> 0.3,
    4000.0000 -> 4000), as the DuckDB engine writes lines.csv (run.lines_query)."""
    if not isinstance(d, Decimal):
        return d
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text if text not in ("", "-", "-0") else "0")


def _trim_lines(result: RunResult) -> None:
    for pr in result.payees:
        _trim_payee(pr)


def _trim_payee(pr) -> None:
    for ln in pr.lines:
        ln.exact = _trimmed(ln.exact)
        ln.basis_before, ln.basis_after = _trimmed(ln.basis_before), _trimmed(ln.basis_after)
        ln.tiers = [Portion(t.tier, _trimmed(t.amount), _trimmed(t.rate), _trimmed(t.pays))
                    for t in ln.tiers]


def _execute(compiled: CompiledPlan, con: Connection, script, record: dict | None = None
             ) -> None:
    import psycopg

    def columns_of(query: str) -> list[str]:
        return [d.name for d in con.execute(query).description]

    for what, sql in script.statements:
        try:
            sql = POSTGRES.finish(sql)
            for one in (pgexpand.expand(sql, columns_of) if pgexpand.needed(sql) else [sql]):
                con.execute(one)
                if record is not None:
                    record.setdefault("statements", []).append((what, one))
        except psycopg.errors.NumericValueOutOfRange as e:  # the rule's limit: DECIMAL(38)
            raise CompplanError([duck_run.out_of_range_problem(compiled, what, e)]) from None
        except psycopg.Error as e:
            raise RuntimeError(f"PostgreSQL engine, statement '{what}': {e}") from e


def run_tables_standalone(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
                          dsn: str | None = None, lines=True) -> RunResult:
    """run_tables as a first stored period pays it (a draw, the year's true-up: the pay
    stage's lines after the engine's), as `compplan test --engine postgres` works out a
    scenario of one period. `lines`: as run_postgres's, for the period itself (earlier
    periods of the year give their totals only)."""
    from ..standalone import run_standalone

    def engine(p: Period, main: bool):
        return run_tables(compiled, tables, p, dsn, lines=lines if main else False)
    return run_standalone(compiled, None, period, engine=engine)


def run_postgres_standalone(compiled: CompiledPlan, folder: str | Path, period: Period,
                            dsn: str | None = None, lines=True) -> RunResult:
    """run_postgres as `compplan run` without a store pays a period (pay.py's
    run_folder_standalone: the pay stage's lines, a draw or the year's true-up, after
    the engine's); earlier periods of the year are worked out in PostgreSQL too, their
    totals only. `lines`: as run_postgres's, for the period itself (`compplan run` gives
    its result writer, so lines.csv is written a payee at a time)."""
    from ..standalone import run_standalone

    def engine(p: Period, main: bool):
        return run_postgres(compiled, folder, p, dsn, lines=lines if main else False)
    return run_standalone(compiled, None, period, engine=engine)
