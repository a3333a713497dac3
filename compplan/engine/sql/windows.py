"""Windows in time (ytd(), qtd(), mtd(), trailing(), last_year()) on the SQL engine.

The Python engine reads a window through the sets and rows prepare.py fills for it
under the window's key (`sales@ytd`, `quotas@trailing_12_month`, engine/windows.py);
this module builds the same relations in DuckDB, from the rows given to the run:

    credits_S@key   the credit set S over the window's days: the same statement as
                    credits_S (value, `when`, splits, rollups) with the window's date
                    filter; an undated row counts where the window holds the period
    pp_T@key        a one-row-per-payee table T (targets) over the window's days:
                    rows of the periods in it added up, a longer one split by days or
                    weights (targets.py, with span_relation's rule for a span)
    layer_windows   the payee grain, one column per window call: its aggregate over
                    the window's relation, or the target's column

A payee with rows only in a window (a credit in January, read by ytd() in March) is
paid in the run, as the Python engine pays every payee with a set (payee_ids). The
plan compiler (plan.py) calls in at a few marked places: `window` is set on it while
it compiles a window's relations and columns, so its date filter and aggregate tables
read the window's.
"""
from __future__ import annotations

from ...lang import ast
from ...lang.windows import WINDOW_FUNCTIONS, window_of
from ..formula import window_text
from ..windows import covers_period, spans
from .decimals import Num
from .exprs import Unsupported
from .targets import create_spans, per_payee_inputs, resolved_sql


def create_window_spans(con, compiled, period, names) -> dict[str, set[str]]:
    """span_<input>@<key> for each window of the plan and each one-row-per-payee input
    loaded; returns each `<input>@<key>`'s relations to the window (as create_spans)."""
    found: dict[str, set[str]] = {}
    for key, span in spans(compiled, period).items():
        got = create_spans(con, compiled, span, names, key=key, kind=compiled.plan.period)
        found.update({f"{name}@{key}": rel for name, rel in got.items()})
    return found


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def date_filter(pc, inp) -> str:
    """A transaction's date within the window being compiled; an undated row where the
    window holds the whole period (prepare._sets_by_date)."""
    if not inp.date:
        return "TRUE"
    _key, span = pc.window
    d = _q(inp.date)
    undated = "TRUE" if covers_period(span, pc.period) else "FALSE"
    return (f"(({d} IS NULL AND {undated}) OR {d} BETWEEN DATE '{span.start}' AND "
            f"DATE '{span.end}')")


def suffix(pc) -> str:
    """'@key' while a window is compiled, else ''."""
    return "@" + pc.window[0] if getattr(pc, "window", None) else ""


def add_relations(pc) -> None:
    """credits_S@key and pp_T@key for every window of the plan (after credits_S)."""
    plan = pc.plan
    for key, span in spans(pc.cp, pc.period).items():
        pc.window = (key, span)
        try:
            for name in per_payee_inputs(plan):
                if name not in pc.columns or f"{name}@{key}" in pc.columns:
                    continue
                inp = plan.inputs[name]
                # columns as loaded (pc.columns[name] now holds pp_<name>'s scales)
                loaded = pc.loaded_columns[name]
                sql, scales = resolved_sql(name, inp, loaded,
                                           pc.relations.get(f"{name}@{key}") == {"exact"},
                                           key=key)
                pc.script.add(f"{name} over {span.label} (the window {key})", sql)
                pc.columns[f"{name}@{key}"] = {c: type(loaded[c])(c, scales[c])
                                               for c in loaded}
            pc.compile_credits()
        finally:
            pc.window = None


def payee_ids(pc) -> list[str]:
    """SELECTs of the payees with a row in a window's relation: its credits, the
    transaction sets the plan reads, its targets (the Python engine's prep.credits)."""
    out = []
    plan = pc.plan
    used = {r.name for r in pc.c.resolved.values() if r.kind in ("set", "set_column")}
    for key, span in spans(pc.cp, pc.period).items():
        pc.window = (key, span)
        try:
            for step in pc.cp.credits:
                if step.spec.from_ in pc.columns:
                    out.append(f"SELECT _pid FROM {_q('credits_' + step.name + '@' + key)}")
            for name, inp in plan.inputs.items():
                if inp.key and inp.payee and name in used and name in pc.columns:
                    out.append(f"SELECT CAST({_q(inp.payee)} AS VARCHAR) FROM "
                               f"{_q('in_' + name)} WHERE {date_filter(pc, inp)}")
                if f"{name}@{key}" in pc.columns:
                    out.append(f"SELECT _pid FROM {_q('pp_' + name + '@' + key)}")
        finally:
            pc.window = None
    return out


def window_calls(pc) -> list[ast.Call]:
    return [n for node in pc.c.exprs.values() for n in ast.walk(node)
            if isinstance(n, ast.Call) and n.name in WINDOW_FUNCTIONS]


def add_columns(pc) -> None:
    """layer_windows: a column per window call, each payee's value over the window."""
    calls = window_calls(pc)
    if not calls:
        return
    all_spans = spans(pc.cp, pc.period)
    selects, joins = ["p.*"], []
    pc.window_cols = {}
    for i, n in enumerate(calls):
        w = window_of(n)
        pc.window = (w.key, all_spans[w.key])
        try:
            arg = n.args[0]
            alias = f"win_{i}"
            if pc.is_aggregate(arg):
                if pc.reads_outer(arg):
                    raise Unsupported(arg.pos, f"a 'where' that reads the row in {n.name}()")
                if arg.where is not None and any(
                        pc.c.resolved.get(m) is not None and
                        pc.c.resolved[m].kind == "payee_table"
                        for m in ast.walk(arg.where) if isinstance(m, ast.Ref)):
                    # the Python engine reads the target over the window there too
                    raise Unsupported(arg.pos, f"a target in a 'where' in {n.name}()")
                join, value, scale = pc.aggregate_join(arg, alias)
                joins.append(join)
            else:  # a target: the window's row of a one-row-per-payee table
                res = pc.c.resolved.get(arg)
                table = f"{res.name}@{w.key}" if res is not None else None
                if res is None or res.kind != "payee_table" or table not in pc.columns or \
                        pc.plan.inputs[res.name].by:  # a row per key: through aggregates
                    raise Unsupported(n.pos, f"{n.name}() of this")
                col = pc.columns[table][res.column]
                scale = col.scale
                joins.append(f"LEFT JOIN {_q('pp_' + table)} {alias} ON {alias}._pid = p._pid")
                value = f"{alias}.{_q(res.column)}"
            selects.append(f"{value} AS {_q(alias)}")
            pc.window_cols[id(n)] = (alias, scale)
        finally:
            pc.window = None
    pc.script.add("windows: each ytd(), trailing() ... over the window's days",
                  f"CREATE TEMP TABLE layer_windows AS SELECT {', '.join(selects)} "
                  f"FROM {_q(pc.layer)} p {' '.join(joins)}")
    pc.layer = "layer_windows"


def column(pc, n: ast.Call, alias: str) -> Num:
    """A window call at the payee grain: its layer_windows column."""
    got = getattr(pc, "window_cols", {}).get(id(n))
    if got is None:
        raise Unsupported(n.pos, f"{n.name}() here")
    col, scale = got
    return Num(f"{alias}.{_q(col)}", scale)


def shown(pc, n: ast.Call, value: str) -> str | None:
    """A window in a formula as the Python engine writes it (compile.py): ytd() by its
    value alone; the others named with their days, 'trailing 12 months (2025-03-01 to
    2026-02-28) 10,000.00'."""
    if n.name == "ytd":
        return None
    from .exprs import text_literal
    words = window_text(window_of(n), pc.period.attrs(), pc.plan.period)
    return f"({text_literal(words + ' ')} || {value})"
