"""Reporting lines with dates on the SQL engine (the Python engine: engine/hierarchy.py,
prepare._roll_up, pay._dated_reports and pay._part_env).

Who reported to whom on which day is worked out once, in Python, by engine/hierarchy.py
itself (a row per payee and span, small beside the deals): `create_lines` reads the
payees and the reporting lines back from DuckDB, checks them as prepare does (a problem
sends the run to the Python preparation, which names it), and writes three tables:

    hier_dated  (descendant, ancestor, depth, first, last, undated): a credit dated in
                [first, last] rolls up to ancestor at depth; an undated credit
                (undated) follows the payees table's managers
    team_part   (_uid, pid, first, last, days, undated): a report who moved in the
                period counts in a manager's team() for their days only: such a
                (report, days) is worked out as a payee of its own, `_uid`, on the
                credits dated in those days (undated ones where the payees table's
                manager is the manager of the first day) and its targets' share of
                the period's days (pay._part_env)
    team_edges  (ancestor, descendant, depth): whom team() adds up, down the levels,
                each report for the days they reported (a `_uid` for part of the
                period, else the payee)

The script then reads `hier` from team_edges (team() as before), joins rollups to
hier_dated, adds each `_uid`'s row to payees and its credits to each credit set, and
leaves them out of the lines, the warnings and the result (`drop_parts`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import dialect
from ..data import ROW, Table
from ..hierarchy import Hierarchy, build, check_loops, reporting_input, reports_within
from ..ir import CompiledPlan
from ..periods import Period
from . import decimals as dec
from .decimals import Num

SEP = chr(31)  # in a part's id: payee, first and last day (never in a payee id from CSV)
ONE_DAY = dt.timedelta(days=1)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dated(compiled: CompiledPlan) -> bool:
    """Whether the plan has reporting lines with dates (and a payees table to hold them)."""
    plan = compiled.plan
    pinp = plan.inputs.get("payees")
    return reporting_input(plan) is not None and pinp is not None


def _exists(con, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                       [table]).fetchone()[0] > 0


def _table(con, name: str) -> Table:
    cur = con.execute(f"SELECT * FROM {q('in_' + name)} ORDER BY {ROW}")
    names = [d[0] for d in cur.description]
    return Table(name, name, [dict(zip(names, r)) for r in cur.fetchall()])


# ---------------------------------------------------------------- the runner's part
PARTS = " team parts"  # in the columns: some report moved in the period (never an input)


def create_lines(con, compiled: CompiledPlan, period: Period, columns: dict) -> dict:
    """hier_dated, team_part, team_edges and hier_bad (problems found, counted); ->
    columns, with PARTS when a report moved in the period (team() then reads parts)."""
    if not dated(compiled):
        return columns
    plan = compiled.plan
    name = reporting_input(plan)
    pinp = plan.inputs["payees"]
    tables = {}
    for t in ("payees", name):
        if _exists(con, "in_" + t):
            tables[t] = _table(con, t)
    payees = {str(r[pinp.key]): r for r in tables.get("payees", Table("payees", "")).rows}
    problems: list = []
    h = build(compiled, tables, payees, problems, (period.start, period.end))
    if h.has_dates:
        check_loops(h, period.start, period.end, name, problems)
    con.execute(f"CREATE OR REPLACE TEMP TABLE hier_bad AS SELECT {len(problems)} AS n")
    rollups, parts, edges = ([], [], []) if problems else _tables(h, period)
    con.execute("CREATE OR REPLACE TEMP TABLE hier_dated (descendant VARCHAR, ancestor "
                "VARCHAR, depth INTEGER, first DATE, last DATE, undated BOOLEAN)")
    con.execute("CREATE OR REPLACE TEMP TABLE team_part (_uid VARCHAR, pid VARCHAR, first "
                "DATE, last DATE, days INTEGER, undated BOOLEAN)")
    con.execute("CREATE OR REPLACE TEMP TABLE team_edges (ancestor VARCHAR, descendant "
                "VARCHAR, depth INTEGER)")
    for table, rows in (("hier_dated", rollups), ("team_part", parts),
                        ("team_edges", edges)):
        insert_rows(con, table, rows)
    return {**columns, PARTS: {}} if parts else columns


def insert_rows(con, table: str, rows: list[tuple], chunk: int = 500) -> None:
    """Rows into a table, `chunk` to a statement (executemany is a statement a row)."""
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        one = "(" + ", ".join("?" * len(part[0])) + ")"
        con.execute(f"INSERT INTO {table} VALUES {', '.join([one] * len(part))}",
                    [v for row in part for v in row])


def suspicious(con) -> bool:
    """Whether the reporting lines have a problem (prepare names it)."""
    return _exists(con, "hier_bad") and con.execute("SELECT n FROM hier_bad").fetchone()[0] > 0


def uid(pid: str, first: dt.date, last: dt.date, whole: tuple) -> str:
    return pid if (first, last) == whole else f"{pid}{SEP}{first}{SEP}{last}"


def _tables(h: Hierarchy, period: Period):
    whole = (period.start, period.end)
    # rollups: each payee's managers up the levels, over spans of days in which none of
    # them changed (cut where any reporting line starts or ends in the period)
    cuts = {period.start}
    for lines in h.dated.values():
        for line in lines:
            for d in (line.first, line.last + ONE_DAY if line.last else None):
                if d is not None and period.start < d <= period.end:
                    cuts.add(d)
    points = sorted(cuts)
    spans = [(a, (points[i + 1] - ONE_DAY) if i + 1 < len(points) else period.end)
             for i, a in enumerate(points)]
    rollups = []
    for pid in h.payees:
        for chain, a, b in _merged(_chains(h, pid, spans)):
            for depth, mgr in enumerate(chain, start=1):
                rollups.append((pid, mgr, depth, a, b, False))
        for depth, mgr in enumerate(_chain(h, pid, None), start=1):
            rollups.append((pid, mgr, depth, None, None, True))
    # team(): pay._pay's `within`, from each payee over the whole period, down
    reports = h.reports(period.start, period.end)

    def within(pid, a, b):
        return reports_within(reports, pid, a, b)

    parts, edges, seen = {}, [], set()
    todo = [(pid, period.start, period.end) for pid in h.payees]
    while todo:
        unit = todo.pop()
        if unit in seen:
            continue
        seen.add(unit)
        me = uid(*unit, whole)
        frontier, depth = within(*unit), 1
        while frontier:
            nxt = []
            for r, ra, rb in frontier:
                edges.append((me, uid(r, ra, rb, whole), depth))
                if (ra, rb) != whole:
                    parts[(r, ra, rb)] = True
                    todo.append((r, ra, rb))
                nxt.extend(within(r, ra, rb))
            frontier, depth = nxt, depth + 1
    part_rows = [(uid(r, a, b, whole), r, a, b, (b - a).days + 1,
                  h.manager_at(r, a) == h.default(r)) for r, a, b in sorted(parts)]
    return rollups, part_rows, edges


def _chain(h: Hierarchy, pid: str, day) -> list[str]:
    """prepare._roll_up's managers of `pid` on `day`, in order up."""
    out, cur = [], pid
    while True:
        mgr = h.manager_at(cur, day)
        if not mgr or mgr in out or mgr == pid:
            return out
        out.append(mgr)
        cur = mgr


def _chains(h: Hierarchy, pid: str, spans):
    return [(tuple(_chain(h, pid, a)), a, b) for a, b in spans]


def _merged(chains):
    out: list[list] = []
    for chain, a, b in chains:
        if out and out[-1][0] == chain:
            out[-1][2] = b
        else:
            out.append([chain, a, b])
    return out


# ---------------------------------------------------------------- the script's part
def hierarchy(pc) -> bool:
    """`hier` as team() reads it: team_edges (each report for their days). False: no
    reporting lines with dates, the payees table's manager column makes `hier`. The
    reporting input itself is no table of the plan's (prepare reads no targets or
    payees from it): it leaves pc.columns."""
    name = reporting_input(pc.plan)
    if name is not None:
        pc.columns = {k: v for k, v in pc.columns.items() if k != name}
    if not dated(pc.cp) or "payees" not in pc.columns:
        return False
    pc.script.add("hier: whom team() adds up, each report for the days they reported "
                  "(team_edges, from engine/hierarchy.py's reporting lines)",
                  "CREATE TEMP TABLE hier AS SELECT descendant, ancestor, depth FROM "
                  "team_edges")
    return True


def rollup_join(pc) -> str:
    """The join of a credit to the managers it rolls up to (prepare._roll_up)."""
    if not dated(pc.cp) or "payees" not in pc.columns:
        return "hier h ON h.descendant = b._pid"
    return ("hier_dated h ON h.descendant = b._pid AND ((b._date IS NULL AND h.undated) OR "
            "(b._date BETWEEN h.first AND h.last))")


def _parts(pc) -> bool:
    return pc.cp.uses_team and dated(pc.cp) and "payees" in pc.columns and \
        PARTS in pc.columns


def part_credits(pc, sql: str) -> str:
    """A credit set with each part's credits: the report's, dated in the part's days."""
    if not _parts(pc):
        return sql
    return (f"WITH c AS ({sql}) SELECT * FROM c UNION ALL SELECT c.* REPLACE (u._uid AS "
            "_pid) FROM c JOIN team_part u ON c._pid = u.pid AND ((c._date IS NULL AND "
            "u.undated) OR c._date BETWEEN u.first AND u.last)")


def part_payees(pc) -> None:
    """Each part as a payee of its own: the report's row, its active days within the
    part, targets by the part's share of the period's days (pay._part_row, scaled_by:
    multiplied, then divided)."""
    if not _parts(pc):
        return
    plan, p = pc.plan, pc.period
    pinp = plan.inputs["payees"]
    repl = ["u._uid AS _pid"]
    first = f"greatest(u.first, coalesce(l.{q('p_' + pinp.start)}, u.first))" \
        if pinp.start else "u.first"
    last = f"least(u.last, coalesce(l.{q('p_' + pinp.end)}, u.last))" if pinp.end else "u.last"
    repl.append(f"CAST(greatest(0, {dialect.current().days_between(first, last)} + 1) AS DECIMAL(38,0)) "
                "AS _active")
    repl.append(f"{first} AS _first, {last} AS _last")
    wider = []
    for name, inp in plan.inputs.items():
        if inp.key or name == "payees" or not inp.payee or name not in pc.columns or inp.by:
            continue
        for col, kind in inp.columns.items():
            c = pc.columns[name].get(col)
            if kind not in ("money", "number", "integer") or c is None or c.scale is None:
                continue
            alias = f"t_{name}_{col}"
            x = Num(f"l.{q(alias)}", c.scale)
            with dec.inline():
                v = dec.div(dec.mul(x, Num("CAST(u.days AS DECIMAL(38,0))", 0)),
                            dec.literal(Decimal(p.days)))
            repl.append(f"CASE WHEN u.days = {p.days} THEN CAST({x.sql} AS DECIMAL(38,"
                        f"{dec.DIV_SCALE})) ELSE CAST({v.sql} AS DECIMAL(38,{dec.DIV_SCALE}))"
                        f" END AS {q(alias)}")
            wider.append(f"CAST({q(alias)} AS DECIMAL(38,{dec.DIV_SCALE})) AS {q(alias)}")
            cols = dict(pc.columns[name])
            cols[col] = type(c)(c.name, dec.DIV_SCALE)
            pc.columns[name] = cols
    widen = f" REPLACE ({', '.join(wider)})" if wider else ""
    pc.script.add(
        "payees, with each report for the part of the period they reported to a manager "
        "(team_part: its days' credits and share of targets)",
        f"CREATE OR REPLACE TEMP TABLE payees AS SELECT *{widen} FROM payees WHERE _pid NOT "
        f"IN (SELECT _uid FROM team_part) UNION ALL BY NAME SELECT l.* REPLACE "
        f"({', '.join(repl)}) FROM payees l JOIN team_part u ON u.pid = l._pid")


def drop_parts(pc) -> None:
    """The parts are read by team() only: out of the lines, warnings and result."""
    if not _parts(pc):
        return
    part = "(SELECT _uid FROM team_part)"
    pc.script.add("lines and warnings of payees only (not of a report's part of the period)",
                  f"DELETE FROM lines WHERE payee IN {part}")
    pc.script.add("warnings of payees only", f"DELETE FROM warnings WHERE payee IN {part}")
    new = "layer_payees_only"
    pc.script.add("the payees' figures (not the parts')",
                  f"CREATE TEMP TABLE {new} AS SELECT * FROM {q(pc.layer)} WHERE _pid NOT IN "
                  f"{part}")
    pc.layer = new


__all__ = ["create_lines", "insert_rows", "suspicious", "hierarchy", "rollup_join", "part_credits",
           "part_payees", "drop_parts"]


def refusals(compiled: CompiledPlan) -> list[tuple]:
    """(position, what) of the constructs a report's part of the period cannot be worked
    out with yet on this engine, in a plan with dated reporting lines and team()."""
    from ...lang import ast
    if not compiled.uses_team or not dated(compiled):
        return []
    c, plan, out = compiled.checked, compiled.plan, []
    for node in c.exprs.values():
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and n.name in ("prorate", "group"):
                out.append((n.pos, f"{n.name}() with reporting lines with dates"))
    for ref, res in c.resolved.items():
        if res.kind == "period":
            out.append((getattr(ref, "pos", None), "the period's dates with reporting lines "
                        "with dates"))
        elif res.kind in ("set", "set_column") and res.name in plan.inputs:
            out.append((getattr(ref, "pos", None), f"rows of '{res.name}' read directly with "
                        "reporting lines with dates (credit them)"))
    # sums over several payees' rows of a layer would count a part as a payee
    for name, e in plan.earnings.items():
        if getattr(e, "pool", None) is not None:
            out.append((c.source.key_pos(("earnings", name, "pool")), "pools with reporting "
                        "lines with dates"))
    for name in getattr(plan, "subtotals", {}) or {}:
        out.append((c.source.key_pos(("subtotals", name)), "subtotals with reporting lines "
                    "with dates"))
    for name, inp in plan.inputs.items():
        if inp.by and not inp.key and inp.payee:
            out.append((c.source.key_pos(("inputs", name, "by")), f"targets by '{inp.by[0]}' "
                        "with reporting lines with dates"))
    return out
