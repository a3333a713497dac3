"""lookup(table, k1, k2, ...) as SQL: one CASE over the table's rows, in the order the
Python engine tries them (compplan/engine/python/compile.py `_lookup` and `_wildcards`).

The Python engine looks the exact combination up first, then the combination with its
last key as `"*"`, then its last two, and so on; the default (or missing) when none is
in the table. So the CASE has a block of WHENs per pass: in pass i the first n-i keys
are compared with the row's cells and the last i cells must be the text `*`. A missing
key gives missing whatever the table holds. Rows are taken as the Python engine builds
its dict (a repeated combination: the later row's value). Every value is cast to one
DECIMAL type, so DuckDB cannot round one of them when it unifies the CASE's branches
(docs/design/columnar.md).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ...lang import ast
from ...lang.types import Type
from ..ir import CompiledPlan
from . import decimals as dec
from .decimals import Num
from .exprs import Unsupported, text_literal

WILD = "*"


def lookup_table(compiled: CompiledPlan, name: str) -> tuple[dict[tuple, object], object]:
    """The table's rows as the IR tree holds them (folded when the plan compiled):
    {key cells: value}, default."""
    table = compiled.lookups[name]
    return dict(table.rows), table.default


def _kind(v) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, Decimal)):
        return "number"
    if isinstance(v, dt.date):
        return "date"
    return "text"


def _cell(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, Decimal)):
        return dec.literal(v).sql
    if isinstance(v, dt.date):
        return f"DATE '{v.isoformat()}'"
    return text_literal(str(v))


def _arg_kind(arg: Num, t: Type | None) -> str:
    if arg.scale is not None:
        return "number"
    kind = t.kind if t is not None else None
    if kind in ("date", "boolean"):
        return kind
    return "text"


def lookup_sql(compiled: CompiledPlan, n: ast.Call, args: list[Num]) -> Num:
    """The SQL of `n` (lookup(table, keys...)) given its key arguments compiled."""
    res = compiled.checked.resolved.get(n.args[0])
    if res is None or res.name not in compiled.plan.rates or \
            compiled.plan.rates[res.name].tiers is not None:
        raise Unsupported(n.pos, "lookup() of a table that is not a lookup table")
    rows, default = lookup_table(compiled, res.name)
    values = [v for v in list(rows.values()) + [default] if v is not None]
    if any(_kind(v) != "number" for v in values):
        raise Unsupported(n.pos, "a lookup table whose values are not numbers")
    scale = max([max(0, -Decimal(v).as_tuple().exponent) for v in values] or [0])
    kinds = [_arg_kind(a, compiled.checked.types.get(node))
             for a, node in zip(args, n.args[1:])]
    keys = len(args)
    whens = []
    for wild in range(keys + 1):  # the pass with the last `wild` keys as "*"
        for cells, value in rows.items():
            if len(cells) != keys:
                continue
            tail = cells[keys - wild:]
            if any(c != WILD for c in tail):
                continue
            conds = []
            for arg, kind, cell in zip(args[:keys - wild], kinds, cells[:keys - wild]):
                if _kind(cell) != kind:
                    conds = ["FALSE"]  # a cell of another kind never equals the key
                    break
                conds.append(f"{arg.sql} = {_cell(cell)}")
            out = "NULL" if value is None else dec.cast(dec.literal(value), scale).sql
            whens.append(f"WHEN {' AND '.join(conds) or 'TRUE'} THEN {out}")
    missing = " OR ".join(f"{a.sql} IS NULL" for a in args) or "FALSE"
    other = f"CAST(NULL AS DECIMAL(38,{scale}))" if default is None else \
        dec.cast(dec.literal(default), scale).sql
    return Num(f"(CASE WHEN {missing} THEN CAST(NULL AS DECIMAL(38,{scale})) "
               f"{' '.join(whens)} ELSE {other} END)", scale)
