"""The pay stage on the SQL engine: draws, year-to-date payouts, what a run carries.

What a period carries from earlier ones is a handful of figures per payee (a draw's
balance, what the year paid so far), so it stays in Python and is the Python engine's
own code (engine/carried.py, engine/standalone.py; store/carry.py with a store): one
truth for both engines. The SQL engine gives it what it reads per payee:

    draw          `payout.draw.amount` worked out per payee in the script (a column of
                  the last payee layer, rounded as a line is), and which period of the
                  draw the run is, from the payee's start date (carried.draw_period)
    year to date  the run over the year so far (a span): the same script, its period
                  January 1 to the period's end

The lines those passes add (a draw's top-up or recovery, the year's true-up) are few and
go after the engine's: into the result, and into lines.csv after DuckDB's COPY (the
command line's result writer appends them), or into the store with the run's lines.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..carried import draw_kind, draw_period
from ...periods import Period, period_of
from . import rounding
from .exprs import Unsupported

DRAW = "_draw"  # the draw's column in the last payee layer


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def draw_column(pc) -> None:
    """The draw per payee as a column of the last payee layer (pay._pay: the draw's
    amount worked out over the payee's figures, rounded to the plan's step)."""
    if pc.cp.draw is None:
        return
    ex = pc.payee_exprs("l")
    v = ex.sql(pc.cp.draw.node)
    if v.scale is None:
        raise Unsupported(pc.cp.draw.pos, "a draw that is not a number")
    r = rounding.round_to(v, pc.step, pc.mode)
    new = "layer_draw"
    pc.script.add(f"the draw per payee ({pc.cp.draw.pos})",
                  f"CREATE TEMP TABLE {new} AS SELECT l.*, {r.sql} AS {DRAW} FROM "
                  f"{_q(pc.layer)} l")
    pc.layer = new


def read_draws(compiled, con, last: str, payees: dict, period: Period) -> None:
    """Each payee's draw and draw period on the result, as pay._pay sets them: paid from
    the payee's start (not before it, nor after they left); a year-to-date run's span
    pays the draw of its last period."""
    if compiled.draw is None:
        return
    plan = compiled.plan
    inp = plan.inputs.get("payees")
    start_col = inp.start if inp is not None else None
    end_col = inp.end if inp is not None else None
    cols = [c[0] for c in con.execute(f"DESCRIBE {_q(last)}").fetchall()]
    start = _q("p_" + start_col) if start_col and "p_" + start_col in cols else "NULL"
    end = _q("p_" + end_col) if end_col and "p_" + end_col in cols else "NULL"
    kind = draw_kind(compiled, period)  # a monthly payee's: months (issue 20)
    paid_for = period if period.kind == kind else period_of(kind, period.end)
    for pid, draw, first, left in con.execute(
            f"SELECT _pid, {DRAW}, {start}, {end} FROM {_q(last)}").fetchall():
        pr = payees.get(pid)
        if pr is None:
            continue
        pr.draw_period = draw_period({start_col: first} if start_col else {}, start_col,
                                     period, kind)
        a = max(paid_for.start, first) if isinstance(first, dt.date) else paid_for.start
        b = min(paid_for.end, left) if isinstance(left, dt.date) else paid_for.end
        if b >= a and (pr.draw_period or 1) >= 1:
            pr.draw = None if draw is None else Decimal(draw)


def _totals(con) -> None:
    """`then` for a run whose totals alone are read (an earlier period of the year)."""


def run_sql_standalone(compiled, tables, period: Period, keep_data: bool = True):
    """run_sql as `compplan run` without a store pays a period: as a first stored period
    would be paid (engine/standalone.py: the Python engine's pass over this engine's
    runs), a draw topped up, the year to date less what its earlier periods earn."""
    from ..standalone import run_standalone
    from .run import run_sql

    def engine(p: Period, main: bool):
        if main:
            return run_sql(compiled, tables, p, keep_data=keep_data)
        return run_sql(compiled, tables, p, then=_totals)
    return run_standalone(compiled, None, period, engine=engine)


def run_folder_standalone(compiled, folder, period: Period, lines_csv=None,
                          pending: list | None = None):
    """run_folder (DuckDB reads the folder, writes lines.csv) as run_sql_standalone: the
    lines the pay stage adds are the result's, for the writer to append. `pending`: as
    for run_folder (lines.csv may still be being written when this returns)."""
    from ..standalone import run_standalone
    from .run import run_folder

    def engine(p: Period, main: bool):
        if main:
            return run_folder(compiled, folder, p, lines_csv=lines_csv, pending=pending)
        return run_folder(compiled, folder, p, then=_totals)
    return run_standalone(compiled, None, period, engine=engine)
