"""An earning's `hold:` on the SQL engine: part of each line kept back, as a line of its own.

The Python engine (pay._holds) follows each earning with a negative line under the
component `held` for every line of it that pays more than 0: `share` of what the line
pays, where a cap or floor on the earning counts each line for its share of the
component as limited (amount x paid / earned, multiplied before it is divided), rounded
as any line is. This module builds the same lines from lines_<earning> as a line table
of its own (`lines_<earning>__held`), ordered right after the earning's lines and its
cap and floor; the lines table, numbering and totals take it as any other. A later run
releases what was held (store/carry.py), whichever engine made the run.

`share` is worked out with the payee's figures and, for an earning per credit, the
columns of the payee's last credit of the line's transaction (the Python engine reads
the credit set by transaction id, the last row of an id winning).
"""
from __future__ import annotations

from . import dialect
from ...lang import ast
from . import decimals as dec, rounding, show
from .decimals import Num
from .exprs import Unsupported, text_literal

HELD_K = 3  # after the earning's lines (0), its cap (1) and floor (2)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def add(pc, name: str, index: int) -> str | None:
    """The held lines of earning `name` (made after its lines and total): the line
    table's name, or None when the earning holds nothing back."""
    spec = pc.plan.earnings[name]
    if spec.hold is None:
        return None
    step = next(e for e in pc.cp.earnings if e.name == name)
    node = pc.c.expr("earnings", name, "hold", "share")
    if node is None:
        raise Unsupported(step.pos, "a hold without a share")
    each = spec.each if step.grain == "credit" else None  # the tree's grain
    if each:
        pc.current_each = each
    ex = pc.payee_exprs("l", "c" if each else None)  # c: the line's credit (below)
    lines, layer, table = f"lines_{name}", pc.layer, f"lines_{name}__held"
    earned = Num(f"l.{_q('raw_' + name)}", pc.scales.get(name))
    paid = Num(f"l.{_q('v_' + name)}", pc.scales.get(name))
    amount = Num("li.amount", rounding.places(pc.step))
    when = f"until {spec.hold.until}" if spec.hold.until else \
        f"for {spec.hold.periods} period{'s' if spec.hold.periods != 1 else ''}"
    limited = f"({earned.sql} > 0 AND {paid.sql} <> {earned.sql})"
    credit = ""
    reads_row = any(pc.c.resolved.get(n) is not None and pc.c.resolved[n].kind == "column"
                    for n in ast.walk(node) if isinstance(n, ast.Ref))
    if each and reads_row:
        # the payee's last credit of each transaction, as the Python engine's id index
        last = dialect.current().qualify(
            f"SELECT * FROM {_q('credits_' + each)}", "row_number() OVER (PARTITION BY _pid, "
            "_key ORDER BY _srow DESC NULLS LAST, _level DESC, _cid DESC)")
        credit = f"LEFT JOIN ({last}) c ON c._pid = li.payee AND c._key = li._key "

    def held_lines(scaled: bool) -> str:
        """The held lines of payees whose earning was limited by a cap or floor
        (`scaled`: amount x paid / earned, an exact division a line) or was not (the
        line's amount): two selects, so the others' lines pay for no division."""
        with dec.statement() as lets:
            share = ex.sql(node)
            if share.scale is None:
                raise Unsupported(node.pos, "a hold's share that is not a number")
            share = Num(dec.let(share.sql), share.scale)
            base = amount
            shown = show.money("li.amount")
            if scaled:
                base = dec.div(dec.mul(amount, paid), earned)
                shown = (f"{shown} || ' x ' || {show.money(paid.sql)} || ' / ' || "
                         f"{show.money(earned.sql)}")
            exact = dec.mul(base, share)
            exact = Num(dec.let(exact.sql), exact.scale)
            held = rounding.round_to(exact, pc.step, pc.mode)
            held = Num(dec.let(held.sql), held.scale)
            formula = (f"{shown} || ' x ' || {show.ratio(share)} || "
                       f"{text_literal(' held ' + when)}")
        drop = ", ".join(["_share", "_held"] + [a for a, _ in lets.items])
        return (
            f"SELECT *{dialect.current().exclude(drop)} FROM (SELECT {lets.select()}{share.sql} AS _share, "
            f"{held.sql} AS _held, li.payee, 'held' AS component, 'hold' AS kind, "
            f"-{held.sql} AS amount, CAST(-{exact.sql} AS DECIMAL(38,{dec.DIV_SCALE})) AS "
            f"exact, li.rule, li.source, li.date, CAST(NULL AS VARCHAR) AS via, NULL AS tiers, "
            f"{formula} AS formula, {text_literal('earning=' + name)} AS inputs, NULL AS "
            f"run_before, NULL AS run_after, li.split_source, "
            f"{text_literal(name + ' held ' + when)} AS credit_note, li._srow, li._level, "
            f"{index} AS _e, {HELD_K} AS _k, li._key, TRUE AS _when "
            f"FROM {_q(lines)} li JOIN {_q(layer)} l ON l._pid = li.payee {credit}{lets.lateral()} "
            f"WHERE li._when AND li.exact IS NOT NULL AND li.kind IN ('credit', 'bonus') AND "
            f"li.amount > 0 AND {limited} IS {'' if scaled else 'NOT '}TRUE) "
            "WHERE _share IS NOT NULL AND _share <> 0 AND _held > 0")

    pc.script.add(f"{name}: the part of each line held back ({step.pos})",
                  f"CREATE TEMP TABLE {_q(table)} AS {held_lines(False)} UNION ALL "
                  f"{held_lines(True)}")
    return table


def total_column(pc, name: str, table: str) -> None:
    """held_<earning>: each payee's held lines added up, a payee-grain column (a cap or
    floor on the total pay limits what the lines add up to, held parts included)."""
    new, col = f"layer_{name}__held", f"held_{name}"
    pc.script.add(f"{name}: what was held back, per payee",
                  f"CREATE TEMP TABLE {_q(new)} AS SELECT l.*, coalesce(h.v, CAST(0 AS "
                  f"DECIMAL(38,{rounding.places(pc.step)}))) AS {_q(col)} FROM {_q(pc.layer)} l "
                  f"LEFT JOIN (SELECT payee, sum(amount) AS v FROM {_q(table)} GROUP BY payee) h "
                  "ON h.payee = l._pid")
    pc.layer = new
    pc.held_columns = getattr(pc, "held_columns", []) + [col]


def components(compiled, con, payees: dict) -> None:
    """The `held` component of each payee with held lines, placed as the Python engine
    places it: right after the first earning whose lines were held."""
    if all(e.hold is None for e in compiled.plan.earnings.values()):
        return
    rows = con.execute(
        "WITH h AS (SELECT payee, sum(amount) AS held, min(_e) AS e FROM lines WHERE kind = "
        "'hold' GROUP BY payee) SELECT h.payee, h.held, any_value(l.component) FROM h LEFT "
        "JOIN lines l ON l.payee = h.payee AND l._e = h.e AND l.kind <> 'hold' GROUP BY "
        "h.payee, h.held").fetchall()
    for pid, total, first in rows:
        pr = payees.get(pid)
        if pr is None:
            continue
        out = {}
        for k, v in pr.components.items():
            out[k] = v
            if k == first:
                out["held"] = total
        out.setdefault("held", total)
        pr.components = out
