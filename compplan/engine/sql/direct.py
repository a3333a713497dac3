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

from pathlib import Path

from ...lang.model import Plan
from ..data import declared_columns, find_file
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


def read_folder(con, plan: Plan, folder: Path) -> dict[str, dict[str, Column]]:
    """Create in_<name> for every input from its CSV; NotPlain when the Python reader
    must read the folder instead (nothing is kept then: the caller starts again)."""
    out: dict[str, dict[str, Column]] = {}
    for name, inp in plan.inputs.items():
        try:
            path = find_file(folder, name, inp)
        except ValueError as e:  # OutsideFolder: the Python reader says it
            raise NotPlain(str(e)) from None
        if path is None or path.suffix.lower() != ".csv" or inp.rename or \
                (inp.encoding and inp.encoding.lower().replace("_", "-") not in
                 ("utf-8", "utf8")) or path.stat().st_size == 0:
            raise NotPlain(f"input {name}")
        out[name] = _read(con, name, inp, path)
    return out


def _read(con, name: str, inp, path: Path) -> dict[str, Column]:
    raw = q("raw_" + name)
    source = (f"read_csv('{path}', header = true, all_varchar = true, delim = ',', "
              f"quote = '\"', escape = '\"', strict_mode = true)")
    try:
        header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    except Exception as e:  # not CSV as DuckDB reads it (encoding, quoting, width)
        raise NotPlain(str(e)) from None
    declared = declared_columns(inp)
    if any(col not in header for col in declared) or any(h != h.strip() for h in header):
        raise NotPlain(f"{name}: header")
    # the Python reader skips a row whose every cell is blank
    blank = " AND ".join(f"coalesce(trim({q(h)}), '') = ''" for h in header)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM {source} "
                    f"WHERE NOT ({blank})")
    except Exception as e:
        raise NotPlain(str(e)) from None
    allowed = inp.allowed_values
    # every check of every column in one pass over the table: (what, count or places)
    checks: list[tuple[str, str]] = []
    select, columns, scales = [], {}, {}
    for col, kind in declared.items():
        v = f"nullif(trim({q(col)}), '')"
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
        key = f"nullif(trim({q(inp.key)}), '')"
        checks.append((f"{name}: a key twice", f"count(*) - count(DISTINCT {key})"))
    found = con.execute(f"SELECT {', '.join(sql for _w, sql in checks)} FROM {raw}").fetchone() \
        if checks else ()
    for i, ((what, _sql), n) in enumerate(zip(checks, found)):
        if n and i not in scales.values():
            raise NotPlain(what)
    for col, kind in declared.items():
        scale = None
        if col in scales:
            scale = found[scales[col]]
            if scale > DIV_SCALE:
                raise NotPlain(f"{name}.{col}: more than {DIV_SCALE} places")
            select.append(f"CAST(nullif(trim({q(col)}), '') AS DECIMAL(38,{scale})) AS {q(col)}")
        columns[col] = Column(col, scale)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q('in_' + name)} AS SELECT "
                f"{', '.join(select)} FROM {raw}")
    con.execute(f"DROP TABLE {raw}")
    return columns
