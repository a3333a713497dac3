"""Subtotals in SQL (issue 20 item 6, issue 12): a payee's credits grouped inside the
period by day, week or a column, as engine/groups.py `with_subtotals` groups them.

Each subtotal S over credit set C becomes a table `credits_S` with the columns a credit
set has (so earnings pay on it with `each: S` and aggregates read it as they read
credits): one row per payee and key, where

    S.<by>     the key: the credit's date (day), its ISO week '2026-W10' (week), or the
               column's value; credits without one form one group
    _key       the key as the line's source shows it ('2026-03-03', 'B-2'; '' for none)
    _date      the group's first date (none if any credit in it is undated, as the
               Python engine's MIN_DATE makes it)
    value, <columns>
               the subtotal's figures, each an aggregate over the group's credits
    _split_src the group's source rows, in the credits' order, joined by MEMBERS_SEP:
               a line paid on the row lists them after its own source (engine/pay.py)

A figure is an expression of aggregates over C (sum, count, distinct, min, max, avg, each
with its `where`) and params; anything else is refused with its position.
"""
from __future__ import annotations

from . import dialect
from ...lang import ast
from ...lang.check import AGGREGATES
from . import decimals as dec
from .decimals import Num
from .exprs import ExprCompiler, Unsupported, text_literal

# between a subtotal line's source rows in the lines table's split_source (one value):
# lines.csv shows them separated by spaces, Line.sources lists them one by one (run.py)
MEMBERS_SEP = "\x1f"

# the credits' order within a payee's set (plan.py's running sum): a group's rows in it
CREDIT_ORDER = "_date NULLS FIRST, _key, _srow NULLS FIRST, _level, _cid"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build(pc) -> None:
    """One `credits_S` table per subtotal of the plan, on PlanCompiler `pc` (after its
    credits, before its aggregates): pc.scales gets S's value scale and
    pc.subtotal_scales every column's."""
    plan = pc.plan
    for name, st in plan.subtotals.items():
        pos = pc.c.source.key_pos(("subtotals", name))
        if st.from_ not in plan.credits:
            raise Unsupported(pos, "subtotals of subtotals")
        if name in pc.running:
            raise Unsupported(pos, "a running basis over subtotals")
        src_input = plan.credits[st.from_].from_
        if src_input not in pc.columns:
            continue  # no data for the set: no table, as for its credits (plan.compile_credits)
        cols = pc.columns.get(src_input, {})
        if st.by in cols:  # a column of the credited rows (a bill id)
            key = f"s.{_q(st.by)}"
            key_scale = cols[st.by].scale
            shown = "CAST(_k AS VARCHAR)"
        elif st.by == "day":
            key, key_scale = "s._date", None
            shown = dialect.current().date_text("_k")
        elif st.by == "week":
            d = dialect.current()
            key, key_scale = ("CASE WHEN s._date IS NULL THEN NULL ELSE CAST("
                              f"{d.extract('isoyear', 's._date')} "
                              "AS VARCHAR) || '-W' || lpad(CAST("
                              f"{d.extract('week', 's._date')} AS VARCHAR), 2, "
                              "'0') END"), None
            shown = "_k"
        else:
            raise Unsupported(pos, f"subtotals by '{st.by}'")
        figures = {"value": pc.c.expr("subtotals", name, "value")}
        for col in st.columns:
            figures[col] = pc.c.expr("subtotals", name, "columns", col)
        selects, scales = [], {st.by: key_scale}
        for col, node in figures.items():
            v = _figure(pc, st.from_, node)
            scales[col] = v.scale
            selects.append(f"{v.sql} AS {_q(col)}")
        pc.subtotal_scales[name] = scales
        pc.scales["credit:" + name] = scales["value"]
        members = (f"string_agg({text_literal(src_input + ':')} || s._key, "
                   f"{text_literal(MEMBERS_SEP)} ORDER BY {_prefixed(CREDIT_ORDER)})")
        sql = (f"SELECT _pid, _k AS {_q(st.by)}, coalesce({shown}, '') AS _key, CASE WHEN "
               f"count(*) > count(s._date) THEN NULL ELSE min(s._date) END AS _date, "
               f"{text_literal(name + ':')} || coalesce({shown}, '') AS _cid, "
               f"CAST(NULL AS VARCHAR) AS _via, 0 AS _level, CAST(NULL AS BIGINT) AS _srow, "
               f"{members} AS _split_src, CAST(NULL AS VARCHAR) AS _credit_note, "
               f"{', '.join(selects)} FROM (SELECT *, {key} AS _k FROM "
               f"{_q('credits_' + st.from_)} s) s GROUP BY _pid, _k")
        pc.script.add(f"subtotals {name}: {pos} ({st.from_} by {st.by}, per payee: one row "
                      "per group, its figures and source rows)",
                      f"CREATE TEMP TABLE {_q('credits_' + name)} AS {sql}")


def _prefixed(order: str) -> str:
    return ", ".join("s." + part.strip() for part in order.split(","))


def _figure(pc, set_name: str, node: ast.Node) -> Num:
    """A subtotal's figure over the group's rows (alias s, inside GROUP BY)."""
    def name(ref: ast.Ref) -> Num:
        res = pc.c.resolved[ref]
        if res.kind in ("param", "period"):
            return pc.constant(ref)
        raise Unsupported(ref.pos, f"'{ref.dotted}' in a subtotal's figure")

    def call(n: ast.Call) -> Num | None:
        if n.name not in AGGREGATES:
            return None
        res = pc.c.resolved.get(n.args[0]) if n.args and isinstance(n.args[0], ast.Ref) \
            else None
        if res is None or res.name != set_name or res.kind not in ("set", "set_column"):
            raise Unsupported(n.pos, f"{n.name}() of another set than the subtotal's")
        return _aggregate(pc, n, res, set_name)
    with dec.inline():
        return ExprCompiler(name, call, pc.cp).sql(node)


def _aggregate(pc, n: ast.Call, res, set_name: str) -> Num:
    """An aggregate over the group's credits where its `where` holds (compile.py's
    _aggregate: missing values are skipped, a sum of none is 0, an avg of none missing)."""
    column = "value" if res.kind == "set" else res.column
    scale = pc.col_scale(set_name, column)
    if n.where is not None:
        w = ExprCompiler(pc.row_name("s", set_name), pc.no_call, pc.cp).sql(n.where).sql
        ok = f"({w}) IS TRUE"
    else:
        ok = "TRUE"
    col = f"(CASE WHEN {ok} THEN s.{_q(column)} END)"
    if n.name == "count":
        return Num(f"CAST(count(CASE WHEN {ok} THEN 1 END) AS DECIMAL(38,0))", 0)
    if n.name == "distinct":
        return Num(f"CAST(count(DISTINCT {col}) AS DECIMAL(38,0))", 0)
    if n.name == "sum":
        s = scale or 0
        return Num(f"CAST(coalesce(sum({col}), 0) AS DECIMAL(38,{s}))", s)
    if n.name in ("min", "max"):
        return Num(f"{n.name}({col})", scale)
    total, count = Num(f"sum({col})", scale or 0), Num(f"count({col})", 0)
    return dec.div(total, count)
