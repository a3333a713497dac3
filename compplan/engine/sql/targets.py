"""One-row-per-payee tables (quotas, KPI targets) for the run's period, as SQL.

The Python engine (prepare.per_payee_rows) takes, for each payee (and `by:` key), the
most specific rows: a row for exactly the period; else the rows for shorter spans
inside it, their amounts added up (a span across the period's edge by its days in it);
else the shortest row for a longer span around it, its amounts scaled by the input's
`weights` or by days. Amounts (money, number and integer columns) are multiplied
before they are divided, so 365,000 a year is exactly 90,000 in Q1.

Which label relates how to the period, and by what exact share, is worked out once
per distinct label by the Python engine's own rule (prepare.span_relation) and given
to DuckDB as a small table, `span_<input>` (label, relation, num, den, days, mult, l):
the share is num/den; a part's amount is added up as amount x mult and divided once by
l, the least common multiple of the parts' denominators (700 x 1/7 + 700 x 6/7 is 700,
not 699.99...). The script then builds `pp_<input>` from it: one row per payee and key.
"""
from __future__ import annotations

import math
from fractions import Fraction

from . import dialect
from ...lang.model import Plan
from ..ir import CompiledPlan
from ..periods import Period
from ..prepare import span_relation
from . import decimals as dec
from .decimals import Num
from .exprs import text_literal

AMOUNTS = ("money", "number", "integer")  # the columns a share scales (as prepare)


def per_payee_inputs(plan: Plan) -> list[str]:
    """Inputs with one row per payee (and period): no key, a payee, no manager."""
    return [name for name, inp in plan.inputs.items()
            if not inp.key and inp.payee and not inp.manager and name != "payees"]


def create_spans(con, compiled: CompiledPlan, period: Period, names, key: str | None = None,
                 kind: str | None = None) -> dict[str, set[str]]:
    """span_<input> for every one-row-per-payee input with a period column that is
    loaded: each distinct label of its data with its relation and exact share. Returns
    each input's relations, so that an input whose rows are all for the period itself
    keeps its amounts' own scale (a quota of 2 places stays DECIMAL(38, 2): at 16 places
    every tier bound of a running basis became a 128-bit sum, and the commission of a
    million deals took three times as long). With `key`, the tables are a window's
    (`span_<input>@<key>`, over the window's days `period`, a span of the plan's `kind`
    of period: engine/sql/windows.py)."""
    plan = compiled.plan
    found: dict[str, set[str]] = {}
    for name in names:
        inp = plan.inputs[name]
        if not inp.period:
            continue
        labels = [r[0] for r in con.execute(
            f"SELECT DISTINCT CAST({_q(inp.period)} AS VARCHAR) FROM {_q('in_' + name)} "
            f"WHERE {_q(inp.period)} IS NOT NULL").fetchall()]
        rows = []
        for label in labels:
            relation, share, days = span_relation(label, period, inp.weights, kind)
            if relation is not None:
                rows.append((label, relation, Fraction(share), days))
        found[name] = {relation for _label, relation, _share, _days in rows}
        lcm = 1
        for _label, relation, share, _days in rows:
            if relation == "part":
                lcm = math.lcm(lcm, share.denominator)
        values = ", ".join(
            f"({text_literal(label)}, '{relation}', {share.numerator}, {share.denominator}, "
            f"{days}, {share.numerator * (lcm // share.denominator)}, {lcm})"
            for label, relation, share, days in rows) or \
            "(NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
        table = "span_" + name + ("@" + key if key else "")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_q(table)} AS SELECT label, "
                    "relation, CAST(num AS DECIMAL(38,0)) AS num, CAST(den AS DECIMAL(38,0)) "
                    "AS den, CAST(days AS INTEGER) AS days, CAST(mult AS DECIMAL(38,0)) AS "
                    "mult, CAST(l AS DECIMAL(38,0)) AS l FROM (VALUES " + values +
                    ") v(label, relation, num, den, days, mult, l) WHERE label IS NOT NULL")
    return found


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def resolved_sql(name: str, inp, columns: dict, exact_only: bool = False,
                 key: str | None = None) -> tuple[str, dict[str, int | None]]:
    """The statement making pp_<name> (every column of in_<name>, _pid, _row) and the
    scales of its columns after it (a scaled amount has DIV_SCALE places; with
    `exact_only`, every row is for the period itself and nothing is scaled). With
    `key`, pp_<name>@<key> from span_<name>@<key>: the rows over a window's days."""
    src = _q("in_" + name)
    at = "@" + key if key else ""
    out, spans = "pp_" + name + at, "span_" + name + at
    pid = f"CAST({_q(inp.payee)} AS VARCHAR)"
    cols = list(columns)
    if not inp.period:  # one row per payee for every period
        return (f"CREATE TEMP TABLE {_q(out)} AS SELECT *, {pid} AS _pid FROM {src}",
                {c: columns[c].scale for c in cols})
    kinds = {c: w for c, w in inp.columns.items()}
    amounts = [] if exact_only else [c for c in cols if kinds.get(c) in AMOUNTS]
    scales = {c: (dec.DIV_SCALE if c in amounts else columns[c].scale) for c in cols}
    keys = ["_pid"] + [f"_by{i}" for i in range(len(inp.by))]
    by = "".join(f", CAST({_q(b)} AS VARCHAR) AS _by{i}" for i, b in enumerate(inp.by))
    part_of = ", ".join(keys)

    def amount(c: str, how: str) -> str:
        a = Num(f"r.{_q(c)}", columns[c].scale or 0)
        if how == "longer":
            with dec.inline():
                v = dec.div(dec.mul(a, Num("r.num", 0)), Num("r.den", 0))
            sql = f"CASE WHEN r.num = r.den THEN {dec.cast(a, dec.DIV_SCALE).sql} ELSE {v.sql} END"
        else:
            s = Num(f"sum({a.sql} * r.mult)", a.scale)
            with dec.inline():
                v = dec.div(s, Num("max(r.l)", 0))
            sql = f"CASE WHEN max(r.l) = 1 THEN {dec.cast(Num(f'sum({a.sql})', a.scale), dec.DIV_SCALE).sql} ELSE {v.sql} END"
        return f"CAST({sql} AS DECIMAL(38,{dec.DIV_SCALE})) AS {_q(c)}"

    def plain(c: str, first: bool) -> str:
        return f"{dialect.current().arg_min(f'r.{_q(c)}', 'r._row')} AS {_q(c)}" if first \
            else f"r.{_q(c)}"

    exact = ", ".join([f"r.{_q(c)}" if c not in amounts else
                       f"CAST(r.{_q(c)} AS DECIMAL(38,{dec.DIV_SCALE})) AS {_q(c)}"
                       for c in cols] + ["r._row"] + [f"r.{k}" for k in keys])
    parts = ", ".join([amount(c, "part") if c in amounts else plain(c, True) for c in cols]
                      + ["min(r._row) AS _row"] + [f"r.{k}" for k in keys])
    longer = ", ".join([amount(c, "longer") if c in amounts else plain(c, False) for c in cols]
                       + ["r._row"] + [f"r.{k}" for k in keys])
    rows = (f"SELECT t.*, {pid} AS _pid{by}, s.relation, s.num, s.den, s.days, s.mult, s.l, "
            f"CASE s.relation WHEN 'exact' THEN 0 WHEN 'part' THEN 1 ELSE 2 END AS _pri "
            f"FROM {src} t JOIN {_q(spans)} s ON s.label = "
            f"CAST(t.{_q(inp.period)} AS VARCHAR)")
    if exact_only:  # the period's own rows: no sum, no share, the columns' own types
        return (f"CREATE TEMP TABLE {_q(out)} AS WITH rows AS ({rows}) SELECT "
                f"{exact} FROM rows r WHERE r._pri = 0", scales)
    sql = (f"CREATE TEMP TABLE {_q(out)} AS WITH rows AS ({rows}), best AS (SELECT "
           f"{part_of}, min(_pri) AS _best FROM rows {dialect.current().group_by_all(keys)}), "
           f"r0 AS (SELECT rows.* "
           f"FROM rows JOIN best USING ({part_of}) WHERE rows._pri = best._best), "
           f"longest AS ({dialect.current().qualify('SELECT * FROM r0 WHERE _pri = 2', f'row_number() OVER (PARTITION BY {part_of} ORDER BY days, _row)')}) "
           + dialect.current().union_by_name([  # the same columns in the same order
               f"SELECT {exact} FROM r0 r WHERE r._pri = 0",
               f"SELECT {parts} FROM r0 r WHERE r._pri = 1 GROUP BY {', '.join('r.' + k for k in keys)}",
               f"SELECT {longer} FROM longest r"], aligned=True))
    return sql, scales
