"""Input tables already in PostgreSQL (issue 13): `--data postgresql://HOST/DB?schema=S`.

Each input of the plan is the table of its name in schema S (`S.deals`, `S.payees`...;
an input's `file:` name without its extension where it gives one), its columns named
as in the CSV files (the plan's names, or its `rename:`). The rows are read by the
server's COPY ... TO STDOUT as text, ordered by the input's key (else its payee and
period), and checked by the same reader as a data folder's files (data.load_table):
the same messages `validate` gives, each naming the table, the row's key and the
column, with the hint the file reader gives.

What this does not do yet: prepare the inputs inside the server. The rows come to
the client to be checked and typed, and `--engine postgres` copies the prepared tables
back into the run's schema, as it does for files. Each table is also kept as the CSV
text it was read as (`files`), which `run --save` stores as the run's dataset, so
`verify` recomputes the run from the rows it was made from even after the tables change.
"""
from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ...errors import Problem
from ...lang.model import Plan
from ..data import Table, load_table
from .plan import q

SCHEMES = ("postgresql://", "postgres://")
HINT = "correct the value in the table (or the plan's column type), then run again"


def is_url(data: str) -> bool:
    """Whether --data names tables in PostgreSQL rather than a folder."""
    return str(data).startswith(SCHEMES)


def split_url(url: str) -> tuple[str, str]:
    """(the DSN without `schema=`, the schema: `public` when not given)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "public") or "public"
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def shown(url: str) -> str:
    """The URL as problems name it: without its password."""
    from .postgres import safe_dsn
    return safe_dsn(url)


def read_tables(plan: Plan, url: str, problems: list[Problem]) -> tuple[dict[str, Table],
                                                                        dict[str, bytes]]:
    """Every input from its table (see the module's docstring); -> (tables, each table
    as CSV bytes under `<input>.csv`). Problems go to `problems`."""
    import psycopg

    dsn, schema = split_url(url)
    where = shown(dsn)
    try:
        pg = psycopg.connect(dsn, autocommit=True)
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        problems.append(Problem(where, None, None, f"cannot reach PostgreSQL: {first}",
                                "start the server, or correct the URL given to --data",
                                code="postgres"))
        return {}, {}
    tables: dict[str, Table] = {}
    files: dict[str, bytes] = {}
    try:
        pg.execute("SET DateStyle TO ISO, YMD")  # dates as the reader reads them: 2026-01-31
        for name, inp in plan.inputs.items():
            table = (inp.file or name).rsplit(".", 1)[0] if inp.file else name
            file = f"{schema}.{table}"
            found = pg.execute("SELECT to_regclass(%s)", (f"{q(schema)}.{q(table)}",)).fetchone()[0]
            if found is None:
                problems.append(Problem(f"{where} {file}", None, None,
                                        f"no table for input '{name}'",
                                        f"create {file} with the columns "
                                        + ", ".join(inp.rename.get(c, c) for c in
                                                    _columns(inp)), code="missing-file"))
                continue
            header = [r[0] for r in pg.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum "
                "> 0 AND NOT attisdropped ORDER BY attnum", (found,)).fetchall()]
            order = [inp.rename.get(c, c) for c in ([inp.key] if inp.key else
                                                    [c for c in (inp.payee, inp.period) if c])]
            order = [c for c in order if c in header] or header[:1]
            text = _copy_text(pg, f"SELECT * FROM {q(schema)}.{q(table)} ORDER BY "
                                  + ", ".join(q(c) for c in order))
            files[f"{name}.csv"] = text.encode("utf-8")
            rows = list(csv.reader(io.StringIO(text, newline="")))
            records = [(i + 2, r) for i, r in enumerate(rows[1:])]  # row 1: the header
            start = len(problems)
            tables[name] = load_table(name, inp, rows[0] if rows else header, records,
                                      file, problems)
            key = inp.rename.get(inp.key, inp.key) if inp.key else None
            for i in range(start, len(problems)):
                problems[i] = _named(problems[i], rows, key, where)
    finally:
        pg.close()
    return tables, files


def _columns(inp) -> list[str]:
    from ..data import declared_columns
    return list(declared_columns(inp))


def _copy_text(pg, select: str) -> str:
    """The query's rows as CSV with a header, as the server writes them (NULL as an
    empty field, the way an empty cell reads in a file)."""
    out = io.BytesIO()
    with pg.cursor().copy(f"COPY ({select}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
        for chunk in copy:
            out.write(chunk)
    return out.getvalue().decode("utf-8")


def _named(p: Problem, rows: list[list[str]], key: str | None, where: str) -> Problem:
    """A reader's problem at a table's row, named by the row's key (rows have no line
    numbers in a database): `sales.deals, deal_id D-7: column amount: ...`."""
    if p.row is None or not rows or p.row - 1 >= len(rows):
        return Problem(f"{where} {p.file}", None, None, p.message, p.hint, code=p.code,
                       severity=p.severity, column=p.column)
    header, row = rows[0], rows[p.row - 1]
    who = f"{key} {row[header.index(key)]}" if key and key in header else f"row {p.row - 1}"
    return Problem(f"{where} {p.file}, {who}", None, None, p.message,
                   p.hint or HINT, code=p.code, severity=p.severity, column=p.column)
