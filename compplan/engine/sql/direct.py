"""DuckDB reads the data files itself, when every file and cell is plain.

Reading a million rows in Python and handing them to DuckDB cost the SQL engine more
than its whole script (docs/design/columnar.md). Here each CSV is read by DuckDB as
text, and every cell is held to what compplan.engine.data would accept without a word:
numbers written plainly (`-1234.5`: no thousands separators, no `%`, no exponent), ISO
dates, true/false words, non-empty values where the input does not allow missing ones,
listed text values, unique keys. If any file or cell is not plain, nothing is kept and
the Python reader reads the folder instead, so that every problem is named at FILE:ROW
in `validate`'s words and every odd but valid format (1,250.00; 8%; yes) is read as it
is today. Exact all the same: a number column becomes DECIMAL(38, s) with s the most
places of its values.
"""
from __future__ import annotations

import mmap
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ...lang.model import Plan
from ...errors import Problem
from ..data import ROW, declared_columns, find_file
from ..datacheck import negative_warning, no_rows_warning
from ..money import MINOR_UNITS
from ..plausible import MAX_PLAUSIBLE, beyond_warning, decimals_warning
from .decimals import DIV_SCALE
from .plan import Column, q

PLAIN = {  # a cell (trimmed) that the Python reader takes as it is, by column type
    "money": r"^-?[0-9]{1,18}(\.[0-9]+)?$",
    "number": r"^-?[0-9]{1,18}(\.[0-9]+)?$",
    "ratio": r"^-?[0-9]{1,18}(\.[0-9]+)?$",
    "integer": r"^-?[0-9]{1,18}$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}
BOOLEAN = {"true": True, "yes": True, "y": True, "1": True,
           "false": False, "no": False, "n": False, "0": False}


class NotPlain(Exception):
    """A file or cell the Python reader must read (it names the problem, or reads an
    unusual but valid format)."""


def read_folder(con, plan: Plan, folder: Path, warnings: list | None = None,
                limit: Decimal = MAX_PLAUSIBLE) -> dict[str, dict[str, Column]]:
    """Create in_<name> for every input from its CSV; NotPlain when the Python reader
    must read the folder instead (nothing is kept then: the caller starts again).

    `warnings` receives what a Python run warns of about the data, in its order and
    words: amounts beyond `limit` or with more decimals than the currency has
    (plausible.py), a transactions file with no rows, every negative amount
    (datacheck.py), each at its FILE:ROW."""
    out: dict[str, dict[str, Column]] = {}
    found = Found()
    for name, inp in plan.inputs.items():
        try:
            path = find_file(folder, name, inp)
        except ValueError as e:  # OutsideFolder: the Python reader says it
            raise NotPlain(str(e)) from None
        if path is None or path.suffix.lower() != ".csv" or inp.rename or \
                (inp.encoding and inp.encoding.lower().replace("_", "-") not in
                 ("utf-8", "utf8")) or path.stat().st_size == 0:
            raise NotPlain(f"input {name}")
        out[name] = _read(con, name, inp, path, plan, found, limit)
    if warnings is not None:
        warnings.extend(found.plausible + found.empty + found.negative)
    return out


@dataclass
class Found:
    """The data's warnings by kind, so that they come out in the Python engine's order."""

    plausible: list[Problem] = field(default_factory=list)
    empty: list[Problem] = field(default_factory=list)
    negative: list[Problem] = field(default_factory=list)


def _blank_lines(path: Path) -> bool:
    """An empty line before the end: DuckDB skips it without counting it, so its row
    numbers would no longer be the file's (the Python reader counts it)."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        for gap in (b"\n\n", b"\n\r\n"):
            at = m.find(gap)
            if at >= 0 and m[at:].strip(b"\r\n"):
                return True
    return False


class _Beside:
    """fn(*args) in a thread; `result()` waits for it and returns it (or raises)."""

    def __init__(self, fn, *args) -> None:
        self.value, self.error = None, None
        self.thread = threading.Thread(target=self._run, args=(fn, args))
        self.thread.start()

    def _run(self, fn, args) -> None:
        try:
            self.value = fn(*args)
        except BaseException as e:
            self.error = e

    def result(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


def _read(con, name: str, inp, path: Path, plan: Plan, found: Found,
          limit: Decimal) -> dict[str, Column]:
    table = q("raw_" + name)
    # the rows the checks read: the file's rows that are not blank, numbered as the file
    raw = f"(SELECT rowid + 2 AS {ROW}, * EXCLUDE (_cp_blank) FROM {table} WHERE NOT _cp_blank)"
    source = (f"read_csv('{path}', header = true, all_varchar = true, delim = ',', "
              f"quote = '\"', escape = '\"', strict_mode = true)")
    try:
        header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    except Exception as e:  # not CSV as DuckDB reads it (encoding, quoting, width)
        raise NotPlain(str(e)) from None
    if any(col not in header for col in declared_columns(inp)) or \
            any(h != h.strip() for h in header):
        raise NotPlain(f"{name}: header")
    if ROW in header or any(col.lower() in ("rowid", "_cp_blank") for col in
                            declared_columns(inp)):  # the raw table's own names
        raise NotPlain(f"{name}: row numbers")
    # the file searched for empty lines while DuckDB reads it (DuckDB gives up the GIL):
    # 0.09 s of one core at 1M deals, beside the read rather than before it
    blank_lines = _Beside(_blank_lines, path)
    # the Python reader skips a row whose every cell is blank (and counts it): every
    # row is kept, marked, and the row number, as the file's (header = 1), is the
    # table's rowid + 2 (insertion order kept). A row_number() over the read would give
    # the same numbers but reads the file on one thread (a streaming window): 0.54 of
    # 0.61 CPU-s on one thread at 1M deals, against 0.31 of 0.56 this way.
    blank = " AND ".join(f"coalesce(trim({q(h)}), '') = ''" for h in header)
    # each declared cell trimmed, an empty one NULL, once here: every check below and
    # the typed table read the trimmed text (trim() in each of them cost 0.3 CPU-s at
    # 1M deals)
    declared = declared_columns(inp)
    trimmed = ", ".join(f"nullif(trim({q(col)}), '') AS {q(col)}" for col in declared)
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {trimmed}, ({blank}) AS "
                    f"_cp_blank FROM {source}")
    except Exception as e:
        raise NotPlain(str(e)) from None
    finally:
        con.execute("SET preserve_insertion_order = false")
        gaps = blank_lines.result()
    if gaps:
        raise NotPlain(f"{name}: row numbers")
    allowed = inp.allowed_values
    # every check of every column in one pass over the table: (what, count or places)
    checks: list[tuple[str, str]] = []
    select, columns, scales = [], {}, {}
    for col, kind in declared.items():
        v = q(col)  # trimmed, NULL when empty (the raw table)
        # as the Python reader: no manager or no hire/end date is nothing to say; an empty
        # key or payee is an error; any other empty cell is missing only with missing: null
        if col not in (inp.manager, inp.start, inp.end) and \
                (col in (inp.key, inp.payee) or inp.missing != "null"):
            checks.append((f"{name}.{col}: empty cells", f"count(*) FILTER (WHERE {v} IS NULL)"))
        if kind in PLAIN:
            checks.append((f"{name}.{col}: not plain", f"count(*) FILTER (WHERE {v} IS NOT NULL "
                                                       f"AND NOT regexp_matches({v}, "
                                                       f"'{PLAIN[kind]}'))"))
        if kind in ("money", "number", "ratio", "integer"):
            scales[col] = len(checks)
            checks.append((col, f"coalesce(max(length(split_part({v}, '.', 2))), 0)"))
        elif kind == "date":
            checks.append((f"{name}.{col}: a date that is not one",
                           f"count(*) FILTER (WHERE {v} IS NOT NULL AND TRY_CAST({v} AS DATE) "
                           "IS NULL)"))
            select.append(f"CAST({v} AS DATE) AS {q(col)}")
        elif kind == "boolean":
            words = ", ".join(f"'{w}'" for w in BOOLEAN)
            checks.append((f"{name}.{col}: not true or false",
                           f"count(*) FILTER (WHERE {v} IS NOT NULL AND lower({v}) NOT IN "
                           f"({words}))"))
            true = ", ".join(f"'{w}'" for w, b in BOOLEAN.items() if b)
            select.append(f"CASE WHEN {v} IS NULL THEN NULL ELSE lower({v}) IN ({true}) END "
                          f"AS {q(col)}")
        else:
            if col in allowed:
                values = ", ".join("'" + x.replace("'", "''") + "'" for x in allowed[col])
                checks.append((f"{name}.{col}: a value not listed",
                               f"count(*) FILTER (WHERE {v} IS NOT NULL AND {v} NOT IN "
                               f"({values}))"))
            select.append(f"{v} AS {q(col)}")
    if inp.key:
        key = q(inp.key)
        checks.append((f"{name}: a key twice", f"count(*) - count(DISTINCT {key})"))
    counts = con.execute(f"SELECT {', '.join(sql for _w, sql in checks)} FROM {raw}").fetchone() \
        if checks else ()
    for i, ((what, _sql), n) in enumerate(zip(checks, counts)):
        if n and i not in scales.values():
            raise NotPlain(what)
    for col, kind in declared.items():
        scale = None
        if col in scales:
            scale = counts[scales[col]]
            if scale > DIV_SCALE:
                raise NotPlain(f"{name}.{col}: more than {DIV_SCALE} places")
            select.append(f"CAST({q(col)} AS DECIMAL(38,{scale})) AS {q(col)}")
        columns[col] = Column(col, scale)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q('in_' + name)} AS SELECT {ROW}, "
                f"{', '.join(select)} FROM {raw}")
    _warn(con, raw, name, inp, str(path), plan, columns, found, limit)
    con.execute(f"DROP TABLE {table}")
    return columns


def _warn(con, raw: str, name: str, inp, file: str, plan: Plan, columns, found: Found,
          limit: Decimal) -> None:
    """The data warnings of one table (see read_folder), asked of the typed table
    in_<name> (a number test there is 64- or 128-bit arithmetic, not a text's cast or
    split); a warning quotes its first row's cell as written, read from the raw table."""
    if inp.key and name != "payees" and \
            con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0] == 0:
        found.empty.append(no_rows_warning(name, file))
    allowed = MINOR_UNITS.get(plan.currency, 2)
    typed = q("in_" + name)
    for col, kind in declared_columns(inp).items():
        if kind != "money":
            continue
        v, scale = q(col), columns[col].scale  # the typed value: the cell's, exact
        # more places than the currency's, trailing zeros aside: not the same at `allowed`
        beyond_n, beyond_at, places_n, places_at = con.execute(
            f"SELECT count(*) FILTER (WHERE abs({v}) > CAST('{limit}' AS DECIMAL(38,{scale}))), "
            f"min({ROW}) FILTER (WHERE abs({v}) > CAST('{limit}' AS DECIMAL(38,{scale}))), "
            f"count(*) FILTER (WHERE CAST({v} AS DECIMAL(38,{allowed})) <> {v}), "
            f"min({ROW}) FILTER (WHERE CAST({v} AS DECIMAL(38,{allowed})) <> {v}) "
            f"FROM {typed}").fetchone()

        def cell(row: int) -> Decimal:  # as written (trimmed)
            return Decimal(con.execute(f"SELECT {v} FROM {raw} WHERE {ROW} = {int(row)}")
                           .fetchone()[0])
        if beyond_at is not None:
            found.plausible.append(beyond_warning(file, cell(beyond_at), int(beyond_n),
                                                  limit, int(beyond_at), col))
        if places_at is not None:
            found.plausible.append(decimals_warning(file, cell(places_at), int(places_n),
                                                    plan.currency, allowed, int(places_at),
                                                    col))
        for row, value in con.execute(f"SELECT {ROW}, {v} FROM {typed} WHERE {v} < 0 ORDER BY "
                                      f"{ROW}").fetchall():
            found.negative.append(negative_warning(file, row, col, value))
