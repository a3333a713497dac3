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

import csv

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
        out[name] = _read(con, name, inp, path, name in numbered_inputs(plan))
    return out


def numbered_inputs(plan: Plan) -> set[str]:
    """Inputs whose rows the engine names by their row in the file (a split's second
    source, `deal_splits:row 3`) or takes in file order (the first of several target
    rows): their in_ table has the column _row, as load.py gives every table."""
    out = {cr.split.from_ for cr in plan.credits.values() if cr.split is not None}
    out |= {name for name, inp in plan.inputs.items()
            if not inp.key and inp.payee and not inp.manager and name != "payees"}
    return out


def _row_numbers(path: Path, rows: int) -> bool:
    """Whether row i of DuckDB's reading is record i + 1 of the file (header = 1), as the
    Python reader numbers them: no blank or empty record anywhere."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        n = 0
        for n, rec in enumerate(csv.reader(fh), start=0):
            if n and (not rec or all(not c.strip() for c in rec)):
                return False
    return n == rows


def _read(con, name: str, inp, path: Path, numbered: bool = False) -> dict[str, Column]:
    raw = q("raw_" + name)
    number = ", row_number() OVER () + 1 AS _row" if numbered else ""
    try:
        if numbered:  # rows in file order, to number them as the Python reader does
            con.execute("SET preserve_insertion_order = true")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT *{number} FROM read_csv("
                    f"'{path}', header = true, all_varchar = true, delim = ',', "
                    f"quote = '\"', escape = '\"', strict_mode = true)")
    except Exception as e:  # not CSV as DuckDB reads it (encoding, quoting, width)
        raise NotPlain(str(e)) from None
    finally:
        if numbered:
            con.execute("SET preserve_insertion_order = false")
    header = [r[0] for r in con.execute(f"DESCRIBE {raw}").fetchall()]
    if numbered:
        header.remove("_row")
        if not _row_numbers(path, con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]):
            raise NotPlain(f"{name}: blank rows")
    declared = declared_columns(inp)
    if any(col not in header for col in declared) or any(h != h.strip() for h in header):
        raise NotPlain(f"{name}: header")
    # the Python reader skips a row whose every cell is blank
    blank = " AND ".join(f"coalesce(trim({q(h)}), '') = ''" for h in header)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM {raw} "
                f"WHERE NOT ({blank})")
    allowed = inp.allowed_values
    select, columns = [], {}
    for col, kind in declared.items():
        v = f"nullif(trim({q(col)}), '')"
        # as the Python reader: no manager or no hire/end date is nothing to say; an empty
        # key or payee is an error; any other empty cell is missing only with missing: null
        if col not in (inp.manager, inp.start, inp.end):
            empties = con.execute(f"SELECT count(*) FROM {raw} WHERE {v} IS NULL").fetchone()[0]
            if empties and (col in (inp.key, inp.payee) or inp.missing != "null"):
                raise NotPlain(f"{name}.{col}: empty cells")
        if kind in PLAIN:
            bad = con.execute(f"SELECT count(*) FROM {raw} WHERE {v} IS NOT NULL AND NOT "
                              f"regexp_matches({v}, '{PLAIN[kind]}')").fetchone()[0]
            if bad:
                raise NotPlain(f"{name}.{col}: not plain")
        scale = None
        if kind in ("money", "number", "ratio", "integer"):
            scale = con.execute(f"SELECT coalesce(max(length(split_part({v}, '.', 2))), 0) "
                                f"FROM {raw}").fetchone()[0]
            if scale > DIV_SCALE:
                raise NotPlain(f"{name}.{col}: more than {DIV_SCALE} places")
            select.append(f"CAST({v} AS DECIMAL(38,{scale})) AS {q(col)}")
        elif kind == "date":
            bad = con.execute(f"SELECT count(*) FROM {raw} WHERE {v} IS NOT NULL AND "
                              f"TRY_CAST({v} AS DATE) IS NULL").fetchone()[0]
            if bad:
                raise NotPlain(f"{name}.{col}: a date that is not one")
            select.append(f"CAST({v} AS DATE) AS {q(col)}")
        elif kind == "boolean":
            words = ", ".join(f"'{w}'" for w in BOOLEAN)
            bad = con.execute(f"SELECT count(*) FROM {raw} WHERE {v} IS NOT NULL AND "
                              f"lower({v}) NOT IN ({words})").fetchone()[0]
            if bad:
                raise NotPlain(f"{name}.{col}: not true or false")
            true = ", ".join(f"'{w}'" for w, b in BOOLEAN.items() if b)
            select.append(f"CASE WHEN {v} IS NULL THEN NULL ELSE lower({v}) IN ({true}) END "
                          f"AS {q(col)}")
        else:
            if col in allowed:
                values = ", ".join("'" + x.replace("'", "''") + "'" for x in allowed[col])
                bad = con.execute(f"SELECT count(*) FROM {raw} WHERE {v} IS NOT NULL AND "
                                  f"{v} NOT IN ({values})").fetchone()[0]
                if bad:
                    raise NotPlain(f"{name}.{col}: a value not listed")
            select.append(f"{v} AS {q(col)}")
        columns[col] = Column(col, scale)
    if inp.key:
        key = f"nullif(trim({q(inp.key)}), '')"
        dup = con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {raw}").fetchone()[0]
        if dup:
            raise NotPlain(f"{name}: a key twice")
    if numbered:
        select.append("_row")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q('in_' + name)} AS SELECT "
                f"{', '.join(select)} FROM {raw}")
    con.execute(f"DROP TABLE {raw}")
    return columns
