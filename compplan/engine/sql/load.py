"""Input tables into DuckDB, typed exactly: a money column is DECIMAL(38, s) with s the
most places any of its values has, so nothing is rounded on the way in.

The rows come from compplan.engine.data, which has already checked every cell and named
every bad one as FILE:ROW (the messages `validate` gives); they go to DuckDB through a
plain CSV in a temporary folder, written with exact decimal text.
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from ...lang.model import Plan
from ..data import ROW, Table, declared_columns
from .decimals import DIV_SCALE
from .exprs import Unsupported
from .plan import Column, q

DEFAULTED = "_defaulted"  # the data reader's mark of cells it filled in (data.py)
SQL_TYPES = {"text": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN"}
NUMERIC = ("money", "number", "ratio", "integer")


def load_tables(con, plan: Plan, tables: dict[str, Table], folder: Path) -> dict[str, dict[str, Column]]:
    """Create in_<name> for every input with rows; -> name -> column -> Column."""
    out: dict[str, dict[str, Column]] = {}
    for name, inp in plan.inputs.items():
        table = tables.get(name)
        if table is None:
            continue
        declared = declared_columns(inp)
        scales = {}
        for col, kind in declared.items():
            if kind in NUMERIC:
                places = 0
                for row in table.rows:
                    v = row.get(col)
                    if isinstance(v, Decimal):
                        places = max(places, -v.as_tuple().exponent)
                if places > DIV_SCALE:
                    raise Unsupported(None, f"amounts with more than {DIV_SCALE} decimal "
                                            f"places ({table.file}, column {col})")
                scales[col] = places
        path = folder / f"{name}.csv"
        cols = list(declared)
        # a one-row-per-payee input keeps which empty cells were taken as 0 or missing
        # (missing: zero loads 0): the run warns of each, as the Python engine does
        marks = not inp.key and bool(inp.payee) and name != "payees"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([ROW] + cols + ([DEFAULTED] if marks else []))
            for row in table.rows:
                w.writerow([row.get(ROW)] + [_cell(row.get(c)) for c in cols] +
                           ([",".join(row.get(DEFAULTED, ()))] if marks else []))
        types = {ROW: "BIGINT"}
        for col, kind in declared.items():
            types[col] = f"DECIMAL(38,{scales[col]})" if kind in NUMERIC else SQL_TYPES[kind]
        if marks:
            types[DEFAULTED] = "VARCHAR"
        spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
        con.execute(f"CREATE TEMP TABLE {q('in_' + name)} AS SELECT * FROM read_csv("
                    f"'{path}', header = true, nullstr = '', quote = '\"', escape = '\"', "
                    f"columns = {{{spec}}})")
        out[name] = {c: Column(c, scales.get(c)) for c in cols + ([DEFAULTED] if marks else [])}
    return out


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


# The places assumed for each numeric column type when SQL is printed without data; a
# run takes each column's scale from its values instead.
ASSUMED_PLACES = {"money": 2, "number": 6, "ratio": 6, "integer": 0}


def assumed_columns(plan: Plan) -> dict[str, dict[str, Column]]:
    """Columns of every input as `compplan sql` shows them when no data is given."""
    return {name: {col: Column(col, ASSUMED_PLACES.get(kind)) for col, kind in
                   declared_columns(inp).items()} for name, inp in plan.inputs.items()}
