"""A compiled plan as one SQL script: tables in, the period's lines out.

The script follows the pipeline of the field, one statement per stage, each a table a
person can query while reviewing (`compplan sql`):

    payees      one row per payee id, with the payee's columns and active days
    hier        (descendant, ancestor, depth) down the manager column
    credits_S   each credit set S: the source row's columns, value, order, payee
    layer_N     the payee grain, one column more per step in the checker's order:
                each measure, each earning's total after its cap and floor
    lines_E     the lines of each per-credit earning, running basis and tier parts
    lines       every line: per-credit, per-payee, caps and floors, numbered per payee

Names in expressions mean what they mean in the Python engine (compplan/engine/
python/compile.py), which stays the reference: the differential tests hold this script to it.
Constructs not covered yet raise Unsupported with their position (see cover.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from . import dialect
from ...lang import ast
from ...lang.check import AGGREGATES
from ...lang.windows import WINDOW_FUNCTIONS
from ..ir import CompiledPlan, input_refs
from ..money import fmt_money, fmt_ratio, minor_unit
from ..periods import Period, months_in
from ..tiers import TierTable
from .curves import curve_text, curve_value
from . import decimals as dec, rounding
from . import fx as sql_fx
from . import hierarchy as sql_hier
from . import show, splits
from . import pools, subtotals
from . import windows  # ytd(), trailing() ...: the window's relations and columns
from . import holds  # an earning's hold: its held lines
from . import pay  # the draw per payee (the pay stage is engine/carried.py's)
from .decimals import Num
from .exprs import ExprCompiler, Unsupported, text_literal
from .prorate import active_months, prorate_months
from .targets import per_payee_inputs, resolved_sql


@dataclass
class Column:
    """A column of an input table as loaded: its SQL name and scale (None: not a number)."""

    name: str
    scale: int | None


@dataclass
class Script:
    """The statements, in order, and what the runner needs to read the result back."""

    statements: list[tuple[str, str]] = field(default_factory=list)  # (what, sql)
    scales: dict[str, int] = field(default_factory=dict)  # measure/earning -> scale
    running: dict[str, str] = field(default_factory=dict)  # earning -> its basis' rate table
    final: str = "payees"  # the payee-grain table with every measure and earning
    # the lines statement's parts (every line, unnumbered) and the order the lines are
    # numbered in per payee: lines.csv's COPY numbers them as it writes (run.lines_query)
    lines_union: str = ""
    lines_order: str = ""

    def add(self, what: str, sql: str) -> None:
        self.statements.append((what, sql))

    def text(self) -> str:
        return "\n\n".join(f"-- {what}\n{sql};" for what, sql in self.statements)


def q(name: str) -> str:
    """A quoted identifier (plan names are words, but keep SQL keywords harmless)."""
    return '"' + name.replace('"', '""') + '"'


class PlanCompiler:
    """CompiledPlan + the loaded tables' columns -> Script (DuckDB dialect)."""

    def __init__(self, compiled: CompiledPlan, columns: dict[str, dict[str, Column]],
                 period: Period, relations: dict[str, set[str]] | None = None,
                 tier_lists: bool = True):
        self.cp, self.plan, self.c = compiled, compiled.plan, compiled.checked
        # each line's tier split as a list of structs (the store and Line objects read
        # it); off when the run only writes lines.csv, which shows a per-credit split from
        # its tiers text: building the list of DECIMAL(38,16) structs per line was a tenth
        # of the earning's statement at 1M deals (docs/design/columnar.md)
        self.tier_lists = tier_lists
        self.columns, self.period = columns, period
        # each target input's relations to the period in the data (targets.create_spans)
        self.relations = relations or {}
        self.script = Script()
        self.layer = "payees"  # the newest payee-grain table
        self.scales: dict[str, int | None] = {}  # measure/earning column -> scale
        self.aggs: dict[int, tuple[str, int | None]] = {}  # id(call node) -> column, scale
        self.teams: dict[tuple, tuple[str, int | None]] = {}
        # group(x, payee.col [where c]) -> its column (engine/groups.py's sum, per payee)
        self.group_sums: dict[int, tuple[str, int | None]] = {}
        self.corr: dict[int, tuple[str, int | None]] = {}  # correlated aggregate -> column
        self.payees_inp = self.plan.inputs.get("payees")
        self.step = self.plan.rounding.to or minor_unit(self.plan.currency)
        self.mode = self.plan.rounding.mode
        # id(tiered() call) -> (its parts' SQL, its value, per credit?): the formula's text
        self.shown: dict[int, tuple[str, Num, bool]] = {}
        # id(tiered() call) -> its per-credit split's parts as steps (splits.py)
        self.split_parts: dict[int, splits.SplitParts] = {}
        # line tables whose tiers text is a column of their own (else from the list)
        self.tier_text_tables: set[str] = set()
        # (position, table, column): where a division by zero is marked (_zero_columns)
        self.zero_checks: list[tuple] = []
        # id(tiered() call) -> the places of its units, on a table of amounts per unit
        # (the formula shows 20.50 x 60.00 as the Python engine's Decimal has it)
        self.unit_places: dict[int, int] = {}
        # subtotal -> its columns' scales (subtotals.py: credits_<subtotal> tables)
        self.subtotal_scales: dict[str, dict[str, int | None]] = {}
        # warnings worked out elsewhere (pools.py): SELECTs of (payee, warning, _e, date, _key)
        self.extra_warnings: list[str] = []
        # lines tables with a rounding_note column: a line's own words for its rounding
        # (pools.py: 'pool shared by largest remainder'); else lines.csv's usual ones
        self.rounding_notes: set[str] = set()
        self.window = None  # (key, days) while a window's relations are made (windows.py)
        self.exact_scales: dict[str, int] = {}  # earning -> its exact value's scale (fx.py)

    # ------------------------------------------------------------------ the script
    def compile(self) -> Script:
        self.running = self._running_sets()
        self._hierarchy()
        self._targets()
        sql_fx.convert(self)  # hook (issue 12): money in other currencies, engine/sql/fx.py
        self.compile_credits()
        windows.add_relations(self)  # credits_S@key, pp_T@key (windows.py)
        self._payees()
        sql_hier.part_payees(self)  # hook (issue 12): a report's part of the period
        subtotals.build(self)  # hook: subtotals (subtotals.py), read like credit sets
        self._aggregates()
        windows.add_columns(self)  # layer_windows: a column per window call
        line_tables: list[tuple[int, str]] = []
        for i, name in enumerate(n for n in self.c.order
                                 if n in self.plan.measures or n in self.plan.earnings):
            if name in self.plan.measures:
                self._measure(name)
            else:
                line_tables.append((i, self._earning(name, i)))
                held = holds.add(self, name, i)  # the part held back (holds.py)
                if held is not None:
                    line_tables.append((i, held))
                    holds.total_column(self, name, held)
        self._total_limits(len(self.c.order) + 1)
        pay.draw_column(self)  # the draw per payee (pay.py)
        self._lines(line_tables)
        sql_hier.drop_parts(self)  # hook: parts are read by team() only (hierarchy.py)
        sql_fx.pay_in(self, _places(self.step))  # hook: payees paid in their currency (fx.py)
        self.script.final = self.layer
        self.script.scales = {k: v for k, v in self.scales.items() if v is not None}
        return self.script

    # ------------------------------------------------------------------ targets
    def _targets(self) -> None:
        """pp_<input>: each one-row-per-payee table's rows for the period (targets.py)."""
        self.columns = dict(self.columns)
        self.loaded_columns = dict(self.columns)  # as loaded (a window's pp_T reads them)
        for name in per_payee_inputs(self.plan):
            if name not in self.columns:
                continue
            sql, scales = resolved_sql(name, self.plan.inputs[name], self.columns[name],
                                       self.relations.get(name) == {"exact"})
            self.script.add(f"{name} for {self.period.label}: the row for the period, rows "
                            "for shorter spans added up, or a longer span's share", sql)
            self.columns[name] = {c: Column(c, scales[c]) for c in self.columns[name]}

    # ------------------------------------------------------------------ payees
    def _payees(self) -> None:
        """Every payee id the run pays: the payees table, credited payees, target rows."""
        p = self.period
        ids = []
        pinp = self.payees_inp
        if pinp is not None and "payees" in self.columns:
            ids.append(f"SELECT CAST({q(pinp.key)} AS VARCHAR) AS _pid FROM in_payees")
        for name, inp in self.plan.inputs.items():
            if name == "payees" or not inp.payee or name not in self.columns:
                continue
            if inp.key:
                continue  # transaction payees come in through credits below
            if name in per_payee_inputs(self.plan):
                ids.append(f"SELECT _pid FROM {q('pp_' + name)}")
                continue
            ids.append(f"SELECT CAST({q(inp.payee)} AS VARCHAR) FROM {q('in_' + name)} "
                       f"WHERE {self._period_filter(name, inp)}")
        for step in self.cp.credits:
            if step.spec.from_ in self.columns:
                ids.append(f"SELECT _pid FROM {q('credits_' + step.name)}")
        used_sets = {r.name for r in self.c.resolved.values() if r.kind in ("set", "set_column")}
        for name, inp in self.plan.inputs.items():
            if inp.key and inp.payee and name in used_sets and name in self.columns:
                ids.append(f"SELECT CAST({q(inp.payee)} AS VARCHAR) FROM {q('in_' + name)} "
                           f"WHERE {self._date_filter(inp)}")
        ids += windows.payee_ids(self)  # rows only in a window's days (windows.py)
        union = " UNION ".join(ids) if ids else "SELECT NULL::VARCHAR AS _pid WHERE FALSE"
        cols = ["i._pid"]
        join = ""
        if pinp is not None and "payees" in self.columns:
            join = f" LEFT JOIN in_payees pr ON CAST(pr.{q(pinp.key)} AS VARCHAR) = i._pid"
            for col in self.columns["payees"]:
                cols.append(f"pr.{q(col)} AS {q('p_' + col)}")
            first = f"greatest(DATE '{p.start}', coalesce(pr.{q(pinp.start)}, DATE '{p.start}'))" \
                if pinp.start else f"DATE '{p.start}'"
            last = f"least(DATE '{p.end}', coalesce(pr.{q(pinp.end)}, DATE '{p.end}'))" \
                if pinp.end else f"DATE '{p.end}'"
            cols.append(f"CAST(greatest(0, {dialect.current().days_between(first, last)} + 1) AS "
                        "DECIMAL(38,0)) AS _active")
            cols.append(f"{first} AS _first, {last} AS _last")
        else:
            cols.append(f"CAST({p.days} AS DECIMAL(38,0)) AS _active")
            cols.append(f"DATE '{p.start}' AS _first, DATE '{p.end}' AS _last")
        for name, inp in self.plan.inputs.items():
            if inp.key or name == "payees" or not inp.payee or name not in self.columns:
                continue
            if inp.by:
                continue  # a row per payee and key: read through aggregates only
            alias = "t_" + name
            table = q("pp_" + name) if name in per_payee_inputs(self.plan) else \
                f"(SELECT * FROM {q('in_' + name)} WHERE {self._period_filter(name, inp)})"
            join += (f" LEFT JOIN {table} {q(alias)} ON "
                     f"CAST({q(alias)}.{q(inp.payee)} AS VARCHAR) = i._pid")
            for col in self.columns[name]:
                cols.append(f"{q(alias)}.{q(col)} AS {q(alias + '_' + col)}")
        self.script.add("payees: one row per payee, with their columns and targets",
                        f"CREATE TEMP TABLE payees AS SELECT {', '.join(cols)} FROM "
                        f"({union}) i{join} WHERE i._pid IS NOT NULL")

    def _hierarchy(self) -> None:
        if sql_hier.hierarchy(self):  # hook: reporting lines with dates (hierarchy.py)
            return
        pinp = self.payees_inp
        if pinp is not None and pinp.manager and "payees" in self.columns:
            m, k = q(pinp.manager), q(pinp.key)
            self.script.add(
                "hier: each payee's managers up the manager column, with the depth",
                "CREATE TEMP TABLE hier AS WITH RECURSIVE h(descendant, ancestor, depth) AS ("
                f"SELECT CAST({k} AS VARCHAR), CAST({m} AS VARCHAR), 1 FROM in_payees "
                f"WHERE {m} IS NOT NULL UNION ALL SELECT h.descendant, CAST(p.{m} AS VARCHAR), "
                f"h.depth + 1 FROM h JOIN in_payees p ON CAST(p.{k} AS VARCHAR) = h.ancestor "
                f"WHERE p.{m} IS NOT NULL AND h.depth < 1000) SELECT * FROM h")

    def _running_sets(self) -> dict[str, str]:
        """Credit sets a per-credit marginal rate runs over: set -> 'value' or 'count'."""
        out = {}
        for step in self.cp.earnings:
            node = step.value.node
            if step.grain != "credit":  # the tree's grain: a line per credit
                continue
            for n in ast.walk(node):
                if isinstance(n, ast.Call) and n.name == "tiered" and len(n.args) == 1:
                    res = self.c.resolved.get(n.args[0])
                    table = self.cp.tier_tables.get(res.name) if res else None
                    if table is None or table.mode != "marginal":
                        continue
                    form = self._linear(res.name)
                    if form is not None:
                        out[form[0]] = "count" if form[3] else "value"
        return out

    def _period_filter(self, name: str, inp) -> str:
        if not inp.period:
            return "TRUE"
        return f"CAST({q(inp.period)} AS VARCHAR) = {text_literal(self.period.label)}"

    def _date_filter(self, inp) -> str:
        if self.window:
            return windows.date_filter(self, inp)
        if not inp.date:
            return "TRUE"
        d = q(inp.date)
        return (f"({d} IS NULL OR {d} BETWEEN DATE '{self.period.start}' AND "
                f"DATE '{self.period.end}')")

    # ------------------------------------------------------------------ credits
    def compile_credits(self) -> None:
        for step in self.cp.credits:
            src = step.spec.from_
            inp = self.plan.inputs[src]
            if src not in self.columns:
                continue
            payee_col = step.spec.payee or inp.payee
            ex = ExprCompiler(self.row_name("r", src), self.no_call, self.cp)
            with dec.statement() as lets:
                value = ex.sql(step.value.node)
                when = ex.sql(step.when.node).sql if step.when is not None else "TRUE"
            cols = ", ".join(f"r.{q(c)}" for c in self.columns[src])
            date = f"r.{q(inp.date)}" if inp.date else "CAST(NULL AS DATE)"
            drop = ", ".join(["_when"] + [a for a, _ in lets.items])
            split = step.spec.split if step.spec.split is not None and \
                step.spec.split.from_ in self.columns else None
            no_payee = "" if split is not None else f"AND r.{q(payee_col)} IS NOT NULL"
            base = (f"SELECT *{dialect.current().exclude(drop)} FROM (SELECT {cols}, {lets.select()}{when} AS "
                    f"_when, {value.sql} AS value, CAST(r.{q(payee_col)} AS VARCHAR) "
                    f"AS _pid, CAST(r.{q(inp.key)} AS VARCHAR) AS _key, {date} AS _date, "
                    f"CAST(r.{q(inp.key)} AS VARCHAR) AS _cid, CAST(NULL AS VARCHAR) AS _via, "
                    f"0 AS _level FROM {q('in_' + src)} r{lets.lateral()} WHERE {self._date_filter(inp)} "
                    f"{no_payee}) WHERE _when IS TRUE")
            if split is not None:
                try:
                    base, value = self._split(split, inp, base, value, src)
                except Unsupported as u:  # at the credit's place
                    raise Unsupported(u.pos or step.pos, u.what) from None
            else:
                base = (f"SELECT *, CAST(NULL AS BIGINT) AS _srow, CAST(NULL AS VARCHAR) AS "
                        f"_split_src, CAST(NULL AS VARCHAR) "
                        f"AS _credit_note FROM ({base})")
            base = sql_fx.credit_note(self, src, base)  # hook: the conversion's note (fx.py)
            sql = base
            if step.spec.rollup is not None and self.payees_inp is not None and \
                    self.payees_inp.manager:
                levels = step.spec.rollup.levels
                depth = "" if levels == "all" else f" AND h.depth <= {int(levels)}"
                sql = (f"WITH base AS ({base}) SELECT * FROM base UNION ALL "
                       f"SELECT {dialect.current().replace('b.*', ROLLED_UP, step.pos, 'a rollup', self._credit_columns(src))} "
                       f"FROM base b JOIN "
                       f"{sql_hier.rollup_join(self)}{depth}")  # hook: dated lines
            self.scales["credit:" + step.name] = value.scale
            sql = sql_hier.part_credits(self, sql)  # hook: a report's part of the period
            if step.name in self.running and not self.window:
                move = "CAST(1 AS DECIMAL(38,0))" if self.running[step.name] == "count" \
                    else "coalesce(value, 0)"
                sql = (f"SELECT *, sum({move}) OVER (PARTITION BY _pid ORDER BY _date NULLS "
                       f"FIRST, _key, _srow NULLS FIRST, _level, _cid ROWS UNBOUNDED PRECEDING) AS "
                       f"_run_after "
                       f"FROM ({sql})")
            table = "credits_" + step.name + windows.suffix(self)  # credits_S@ytd: a window's
            self.script.add(f"{table}: {step.pos} (each credited row, its value "
                            "and payee; rollups copy it to every manager above)",
                            f"CREATE TEMP TABLE {q(table)} AS {sql}")

    def _credit_columns(self, src: str) -> list[str]:
        """A credit set's columns in order, as _credits makes them (with `_when` where
        the dialect keeps helper columns): for a dialect that writes rows out."""
        helpers = ["_when"] if dialect.current().keeps_helpers else []
        return list(self.columns[src]) + helpers + [
            "value", "_pid", "_key", "_date", "_cid", "_via", "_level", "_srow",
            "_split_src", "_credit_note"]

    def _split(self, split, inp, base: str, value: Num, split_of: str) -> tuple[str, Num]:
        """A credit shared between payees (prepare._splits, make_credits): one credit per
        row of the split table linked to the transaction, to that row's payee, for the
        value times its share, with the split row as a second source and the share in
        the line's note; a transaction with no split rows is credited to its payee. The
        shares of each transaction add up to 100% (run.py checks the data)."""
        sinp = self.plan.inputs[split.from_]
        share = Num("s._share", self._input_scale(split.from_, split.share) or 0)
        with dec.inline():
            shared = dec.mul(Num("b.value", value.scale), share)
        top = max(value.scale or 0, shared.scale or 0)
        note = _ratio_text("s._share")
        star = dialect.current().replace("b.*", [
            (f"CASE WHEN s._lk IS NULL THEN CAST(b.value AS DECIMAL(38,{top})) ELSE CAST("
             f"{shared.sql} AS DECIMAL(38,{top})) END", "value"),
            ("coalesce(s._spid, b._pid)", "_pid")],
            None, "a split credit", self._credit_columns(split_of)[:-3])
        sql = (f"SELECT * FROM (SELECT {star}, "
               f"CAST(s._srow AS BIGINT) AS _srow, s._src AS _split_src, CASE WHEN s._lk IS "
               f"NULL THEN NULL ELSE 'split share ' "
               f"|| {note} END AS _credit_note FROM ({base}) b LEFT JOIN (SELECT "
               f"CAST({q(inp.key)} AS VARCHAR) AS _lk, CAST({q(sinp.payee)} AS VARCHAR) AS "
               f"_spid, {q(split.share)} AS _share, {text_literal(split.from_ + ':row ')} || "
               f"CAST(_row AS VARCHAR) AS _src, _row AS _srow FROM {q('in_' + split.from_)}) s "
               f"ON s._lk = b._key) WHERE _pid IS NOT NULL")
        return sql, Num("value", top)

    def row_name(self, alias: str, table: str, payee_alias: str | None = None):
        """Names in a row's scope: its columns; params and the period as literals."""
        def name(ref: ast.Ref) -> Num:
            res = self.c.resolved[ref]
            if res.kind == "column":
                return Num(f"{alias}.{q(res.column)}", self.col_scale(table, res.column))
            if payee_alias is not None:
                return self._payee_name(ref, payee_alias)
            return self.constant(ref)
        return name

    def col_scale(self, table: str, col: str) -> int | None:
        """The scale of a column of a credit set or an input, as loaded."""
        if table in self.subtotal_scales:  # hook: a subtotal's figures (subtotals.py)
            return self.subtotal_scales[table].get(col)
        if table in self.plan.credits:
            if col == "value":
                return self.scales.get("credit:" + table)
            table = self.plan.credits[table].from_
        c = self.columns.get(table, {}).get(col)
        return None if c is None else c.scale

    def constant(self, ref: ast.Ref) -> Num:
        res = self.c.resolved[ref]
        if res.kind == "param":
            return _value_sql(self.cp.params[res.name])
        if res.kind == "period":
            return _value_sql(self.period.attrs()[res.column])
        raise Unsupported(ref.pos, f"'{ref.dotted}' in a row's rule")

    def no_call(self, n: ast.Call) -> Num | None:
        if n.name in AGGREGATES and n.args and isinstance(n.args[0], ast.Ref) and \
                self.c.resolved.get(n.args[0]) is not None and \
                self.c.resolved[n.args[0]].kind in ("set", "set_column"):
            raise Unsupported(n.pos, f"{n.name}() in a row's rule")
        if n.name in ("tiered", "rate", "team", "prorate") or n.name in WINDOW_FUNCTIONS:
            raise Unsupported(n.pos, f"{n.name}() in a row's rule")
        return None

    # ------------------------------------------------------------------ aggregates
    def aggregate_join(self, n: ast.Call, alias: str) -> tuple[str, str, int | None]:
        """An aggregate over a set per payee: (the LEFT JOIN onto the payees table `p`
        that works it out as `alias`.v, its value with its scale and its value for no
        rows, that scale). windows.py asks it of a window's relations too."""
        res = self.c.resolved[n.args[0]]
        with dec.inline():
            src, agg, scale, empty = self._agg_parts(n)
            where = ExprCompiler(self.row_name("s", res.name, "pp"), self.no_call,
                                 self.cp).sql(n.where).sql if n.where is not None else "TRUE"
        join = (f"LEFT JOIN (SELECT s._pid, {agg} AS v FROM {src} s JOIN payees pp "
                f"ON pp._pid = s._pid WHERE ({where}) IS TRUE GROUP BY s._pid) "
                f"{alias} ON {alias}._pid = p._pid")
        value = f"{alias}.v"
        if scale is not None:
            value = f"CAST({value} AS DECIMAL(38,{scale}))"
        if empty:
            value = f"coalesce({value}, {empty})"
        return join, value, scale

    def _aggregates(self) -> None:
        """Every aggregate over a set, per payee, as a column of the payees table; one
        whose `where` reads the enclosing row (correlated) is worked out per credit
        instead (_correlated)."""
        calls = [n for node in self.c.exprs.values() for n in ast.walk(node)
                 if self.is_aggregate(n) and not self.reads_outer(n)]
        if not calls:
            return
        selects, joins = ["p.*"], []
        for i, n in enumerate(calls):
            alias = f"agg_{i}"
            join, value, out_scale = self.aggregate_join(n, alias)
            joins.append(join)
            selects.append(f"{value} AS {alias}")
            self.aggs[id(n)] = (alias, out_scale)
        self.script.add("aggregates: every sum(), count() ... over a payee's credits",
                        f"CREATE TEMP TABLE layer_aggs AS SELECT {', '.join(selects)} "
                        f"FROM payees p {' '.join(joins)}")
        self.layer = "layer_aggs"

    def is_aggregate(self, n: ast.Node) -> bool:
        return isinstance(n, ast.Call) and n.name in AGGREGATES and bool(n.args) and \
            isinstance(n.args[0], ast.Ref) and self.c.resolved.get(n.args[0]) is not None \
            and self.c.resolved[n.args[0]].kind in ("set", "set_column")

    def reads_outer(self, n: ast.Call) -> bool:
        """Whether the aggregate's `where` reads a column of the row it is written in."""
        if n.where is None:
            return False
        for m in ast.walk(n.where):
            res = self.c.resolved.get(m) if isinstance(m, ast.Ref) else None
            if res is not None and res.kind == "column" and getattr(res, "outer", 0):
                return True
        return False

    def _agg_parts(self, n: ast.Call):
        """(rows, aggregate, scale, value for no rows) of an aggregate over a set: the
        rows as a table with _pid, the aggregate over alias `s`."""
        res = self.c.resolved[n.args[0]]
        at = windows.suffix(self)  # '@ytd' while a window's column is made
        if res.name in self.plan.credits or res.name in self.subtotal_scales:  # subtotals
            table = "credits_" + res.name + at
            column = "value" if res.kind == "set" else res.column
            scale = self.col_scale(res.name, column)
        elif res.name in per_payee_inputs(self.plan) and res.name + at in self.columns:
            table, column = "pp_" + res.name + at, res.column
            scale = self.col_scale(res.name + at, column) if column else None
        elif res.name in self.plan.inputs and self.plan.inputs[res.name].key:
            inp = self.plan.inputs[res.name]
            table = None
            column = res.column
            scale = self.col_scale(res.name, column) if column else None
        else:
            raise Unsupported(n.pos, f"{n.name}() over '{res.name}'")
        if table is None:
            src = (f"(SELECT *, CAST({q(inp.payee)} AS VARCHAR) AS _pid FROM "
                   f"{q('in_' + res.name)} WHERE {self._date_filter(inp)})")
        else:
            src = q(table)
        col = f"s.{q(column)}" if column else None
        if n.name == "count":
            agg, out_scale = "CAST(count(*) AS DECIMAL(38,0))", 0
        elif n.name == "distinct":
            agg, out_scale = f"CAST(count(DISTINCT {col}) AS DECIMAL(38,0))", 0
        elif n.name == "sum":
            agg, out_scale = f"coalesce(sum({col}), 0)", scale
        elif n.name in ("min", "max"):
            agg, out_scale = f"{n.name}({col})", scale
        else:  # avg: an exact division of the sum by the count of values
            s, c = Num(f"sum({col})", scale or 0), Num(f"count({col})", 0)
            with dec.inline():
                agg, out_scale = dec.div(s, c).sql, dec.DIV_SCALE
        empty = {"count": "CAST(0 AS DECIMAL(38,0))", "distinct": "CAST(0 AS DECIMAL(38,0))",
                 "sum": f"CAST(0 AS DECIMAL(38,{out_scale or 0}))"}.get(n.name)
        return src, agg, out_scale, empty

    def _correlated_columns(self, earning: str, each: str, nodes) -> str:
        """The credits of `each` with a column per correlated aggregate of the earning
        (DuckDB cannot name a subquery's result as a lateral alias, so they are worked
        out in a statement of their own); -> the table the earning's lines read."""
        calls = [n for node in nodes if node is not None for n in ast.walk(node)
                 if self.is_aggregate(n) and self.reads_outer(n)]
        if not calls:
            return "credits_" + each
        self.corr = getattr(self, "corr", {})
        cols = []
        for i, n in enumerate(calls):
            v = self._correlated(n, "l", "c")
            col = f"_corr_{earning}_{i}"
            cols.append(f"{v.sql} AS {q(col)}")
            self.corr[id(n)] = (col, v.scale)
        table = f"credits_{each}__{earning}"
        self.script.add(f"{earning}: aggregates whose 'where' reads the credit, per credit",
                        f"CREATE TEMP TABLE {q(table)} AS SELECT c.*, {', '.join(cols)} FROM "
                        f"{q('credits_' + each)} c JOIN {q(self.layer)} l ON l._pid = c._pid")
        return table

    def _correlated(self, n: ast.Call, alias: str, credit_alias: str | None) -> Num:
        """An aggregate whose `where` reads the credit being paid, per credit: a scalar
        subquery over the payee's rows, the credit's columns read from `credit_alias`,
        the payee's figures from `alias` (compile.py pushes the row on outer_rows)."""
        if credit_alias is None:
            raise Unsupported(n.pos, "a 'where' that reads the enclosing row here")
        res = self.c.resolved[n.args[0]]

        def name(ref: ast.Ref) -> Num:
            r = self.c.resolved[ref]
            if r.kind == "column" and getattr(r, "outer", 0) == 1:
                return Num(f"{credit_alias}.{q(r.column)}",
                           self.col_scale(self.current_each, r.column))
            if r.kind == "column" and not getattr(r, "outer", 0):
                return Num(f"s.{q(r.column)}", self.col_scale(res.name, r.column))
            if r.kind == "column":
                raise Unsupported(ref.pos, "a 'where' that reads a row two levels out")
            return self._payee_name(ref, alias)
        with dec.inline():
            src, agg, out_scale, empty = self._agg_parts(n)
            where = ExprCompiler(name, self.no_call, self.cp).sql(n.where).sql
        value = f"(SELECT {agg} FROM {src} s WHERE s._pid = {credit_alias}._pid AND " \
                f"({where}) IS TRUE)"
        if out_scale is not None:
            value = f"CAST({value} AS DECIMAL(38,{out_scale}))"
        if empty:
            value = f"coalesce({value}, {empty})"
        return Num(value, out_scale)

    # ------------------------------------------------------------------ payee grain
    def _payee_name(self, ref: ast.Ref, alias: str) -> Num:
        res = self.c.resolved[ref]
        if res.kind == "measure" or res.kind == "earning":
            if res.name not in self.scales:
                raise Unsupported(ref.pos, f"'{res.name}' before it is worked out")
            return Num(f"{alias}.{q('v_' + res.name)}", self.scales[res.name])
        if res.kind == "payee":
            return Num(f"{alias}.{q('p_' + res.column)}", self._input_scale("payees", res.column))
        if res.kind == "payee_table":
            col = f"t_{res.name}_{res.column}"
            return Num(f"{alias}.{q(col)}", self._input_scale(res.name, res.column))
        return self.constant(ref)

    def _input_scale(self, table: str, col: str) -> int | None:
        c = self.columns.get(table, {}).get(col)
        return c.scale if c is not None else None

    def payee_exprs(self, alias: str, credit_alias: str | None = None) -> ExprCompiler:
        def name(ref: ast.Ref) -> Num:
            res = self.c.resolved[ref]
            if res.kind == "column":
                if credit_alias is None:
                    raise Unsupported(ref.pos, f"'{ref.dotted}' outside a credit's rule")
                return Num(f"{credit_alias}.{q(res.column)}",
                           self.col_scale(self.current_each, res.column))
            return self._payee_name(ref, alias)

        def call(n: ast.Call) -> Num | None:
            if id(n) in self.aggs:
                col, scale = self.aggs[id(n)]
                return Num(f"{alias}.{q(col)}", scale)
            if self.is_aggregate(n) and self.reads_outer(n):
                if id(n) not in self.corr or credit_alias is None:
                    raise Unsupported(n.pos, "a 'where' that reads the enclosing row here")
                col, scale = self.corr[id(n)]
                return Num(f"{credit_alias}.{q(col)}", scale)
            if n.name == "prorate" and len(n.args) > 1 and n.args[1].parts[0] == "months":
                return prorate_months(ex.sql(n.args[0]), alias, self.period)
            if n.name == "prorate":
                x = ex.sql(n.args[0])
                days = self.period.days
                scaled = dec.div(dec.mul(x, Num(f"{alias}._active", 0)), dec.literal(days))
                x2, scaled2 = dec.align(x, scaled)
                return Num(f"(CASE WHEN {alias}._active = {days} THEN {x2.sql} ELSE "
                           f"{scaled2.sql} END)", x2.scale)
            if n.name == "group":
                if id(n) not in self.group_sums:
                    raise Unsupported(n.pos, "group() of a figure worked out later")
                col, scale = self.group_sums[id(n)]
                return Num(f"{alias}.{q(col)}", scale)
            if n.name == "team":
                key = (n.args[0].parts[0], int(n.args[1].value) if len(n.args) > 1 else None)
                if key not in self.teams:
                    raise Unsupported(n.pos, "team() of a figure worked out later")
                col, scale = self.teams[key]
                return Num(f"{alias}.{q(col)}", scale)
            if n.name in ("tiered", "rate"):
                self._parts = None
                v = self._rate_call(n, alias, credit_alias, ex)
                if n.name == "tiered" and self._parts:
                    parts = dec.let(self._parts[0])
                    self._parts = (parts,) + tuple(self._parts[1:])
                    if len(self._parts) > 3:
                        self.split_parts[id(n)] = self._parts[3]
                    self.shown[id(n)] = (parts, v, credit_alias is not None and len(n.args) == 1,
                                         self.cp.tier_tables[self.c.resolved[n.args[0]].name])
                return v
            if n.name in WINDOW_FUNCTIONS:
                return windows.column(self, n, alias)
            return None
        ex = ExprCompiler(name, call, self.cp)
        return ex

    def _measure(self, name: str) -> None:
        node = self.c.expr("measures", name)
        self.team_columns(node)
        ex = self.payee_exprs("l")
        new = f"layer_{name}"
        with dec.statement() as lets, ex.watch_zeros() as zeros:
            v = ex.sql(node)
        self.scales[name] = v.scale
        self.script.add(f"measure {name}: {node.pos}",
                        f"CREATE TEMP TABLE {q(new)} AS SELECT *{lets.exclude()} FROM (SELECT "
                        f"l.*, {lets.select()}{v.sql} AS {q('v_' + name)}"
                        f"{self._zero_columns(zeros, new, 'l._pid')} FROM {q(self.layer)} l"
                        f"{lets.lateral()})")
        self.layer = new

    def _group_columns(self, *nodes) -> None:
        """group(x, payee.col [where c]) needs x of everyone with the payee's col: a column
        summed over the payees of each value of col (those whose c holds), as
        engine/groups.py adds up the members' own figures. An empty col is no group."""
        for node in nodes:
            for n in ast.walk(node) if node is not None else ():
                if not (isinstance(n, ast.Call) and n.name == "group") or \
                        id(n) in self.group_sums:
                    continue
                target, by = n.args[0].parts[0], n.args[1].parts[1]
                if target not in self.scales:
                    raise Unsupported(n.pos, f"group() of '{target}' before it is worked out")
                col = f"group_{len(self.group_sums) + 1}_{target}_{by}"
                scale = self.scales[target] or 0
                p_col = f"CAST({{a}}.{q('p_' + by)} AS VARCHAR)"
                key = f"CASE WHEN trim({p_col}) = '' THEN NULL ELSE {p_col} END"
                when = "TRUE"
                if n.where is not None:  # each member's own condition, as a column first
                    with dec.statement() as lets:
                        w = self.payee_exprs("l").sql(n.where)
                    new = f"layer_{col}_where"
                    self.script.add(
                        f"group() where: {n.where.pos}",
                        f"CREATE TEMP TABLE {q(new)} AS SELECT *{lets.exclude()} FROM (SELECT "
                        f"l.*, {lets.select()}{w.sql} AS {q(col + '_w')} FROM {q(self.layer)} l"
                        f"{lets.lateral()})")
                    self.layer = new
                    when = f"d.{q(col + '_w')} IS TRUE"
                new = f"layer_{col}"
                self.script.add(
                    f"group({target}, payee.{by}): {n.pos}",
                    f"CREATE TEMP TABLE {q(new)} AS SELECT l.*, CASE WHEN "
                    f"{key.format(a='l')} IS NULL THEN NULL ELSE coalesce(CAST(t.v AS "
                    f"DECIMAL(38,{scale})), CAST(0 AS DECIMAL(38,{scale}))) END AS {q(col)} "
                    f"FROM {q(self.layer)} l LEFT JOIN (SELECT {key.format(a='d')} AS _k, "
                    f"sum(CASE WHEN {when} THEN d.{q('v_' + target)} END) AS v FROM "
                    f"{q(self.layer)} d GROUP BY 1) t ON t._k = {key.format(a='l')}")
                self.layer = new
                self.group_sums[id(n)] = (col, self.scales[target])

    def team_columns(self, *nodes) -> None:
        """team(x[, levels]) needs x of everyone below: a column summed up the hierarchy."""
        self._group_columns(*nodes)
        for node in nodes:
            for n in ast.walk(node) if node is not None else ():
                if not (isinstance(n, ast.Call) and n.name == "team"):
                    continue
                target = n.args[0].parts[0]
                levels = int(n.args[1].value) if len(n.args) > 1 else None
                key = (target, levels)
                if key in self.teams:
                    continue
                if target not in self.scales:
                    raise Unsupported(n.pos, f"team() of '{target}' before it is worked out")
                col = f"team_{target}_{levels or 'all'}"
                depth = f" AND h.depth <= {levels}" if levels else ""
                new = f"layer_{col}"
                self.script.add(
                    f"team({target}{', ' + str(levels) if levels else ''}): {n.pos}",
                    f"CREATE TEMP TABLE {q(new)} AS SELECT l.*, coalesce(CAST(t.v AS DECIMAL(38,"
                    f"{self.scales[target] or 0})), CAST(0 AS DECIMAL(38,{self.scales[target] or 0})))"
                    f" AS {q(col)} "
                    f"FROM {q(self.layer)} l LEFT JOIN (SELECT h.ancestor AS _pid, "
                    f"sum(d.{q('v_' + target)}) AS v FROM hier h JOIN {q(self.layer)} d ON "
                    f"d._pid = h.descendant WHERE TRUE{depth} GROUP BY h.ancestor) t "
                    "ON t._pid = l._pid")
                self.layer = new
                self.teams[key] = (col, self.scales[target])

    # ------------------------------------------------------------------ earnings
    def _earning(self, name: str, index: int) -> str:
        spec = self.plan.earnings[name]
        if spec.pool is not None:  # hook: a pool shared among a group (pools.py)
            return pools.pool_earning(self, name, index)
        step = next(e for e in self.cp.earnings if e.name == name)
        nodes = [self.c.expr("earnings", name, f) for f in ("when", "value", "cap", "floor")]
        self.team_columns(*nodes)
        lines = f"lines_{name}"
        rule = text_literal(str(step.pos))
        if step.grain == "credit":  # the tree's grain: a line per credit of spec.each
            if spec.each not in self.plan.credits and spec.each not in self.subtotal_scales:
                raise Unsupported(step.pos, f"an earning per row of '{spec.each}'")
            ex = self.payee_exprs("l", "c")
            self.current_each = spec.each
            credits = self._correlated_columns(name, spec.each, [
                self.c.expr("earnings", name, f) for f in ("when", "value")])
            with dec.statement() as lets:
                with ex.watch_zeros() as zeros:
                    when = ex.sql(step.when.node).sql if step.when is not None else "TRUE"
                    self._parts, self._basis_cols, self._basis_mid = None, [], []
                    with ex.guarded(f"{when} IS TRUE"):  # the value, where it is paid
                        value = ex.sql(step.value.node)
                parts, before, after = (self._parts or ("NULL", "NULL", "NULL"))[:3]
                # a running basis worked out by the outer queries (_tiered_credit)
                basis_cols = self._basis_cols if self._parts and before != "NULL" else []
                basis_mid = self._basis_mid if basis_cols else []
                inner_basis = ", ".join(f"{sql} AS {col}" for col, sql in basis_cols) or \
                    f"{before} AS run_before, {after} AS run_after"
                mid_basis = "".join(f", {sql} AS {col}" for col, sql in basis_mid)
                outer_basis = f", {before} AS run_before, {after} AS run_after" \
                    if basis_cols else ""
                split = self._parts[3] if self._parts and len(self._parts) > 3 else None
                exact = self._exact(value)
                exact = Num(dec.let(exact.sql), exact.scale)
                self.exact_scales[name] = exact.scale  # hook: its places shown (fx.py)
                text_cols, formula, text_drop = self._formula(ex, "l", step.value.node)
                tiers_text = ""
                if split is not None:  # lines.csv's tiers text from the split's columns
                    prefix = self._split_prefix.get(id(split))
                    if prefix is None:
                        prefix = "_st_"
                        cols, names = splits.columns(split, prefix)
                        text_cols = ", ".join([text_cols, *cols])
                        text_drop = ", ".join([text_drop, *names])
                    tiers_text = f", {splits.lines_text(split, prefix)} AS tiers_text"
                    self.tier_text_tables.add(lines)
                    if not self.tier_lists:  # lines.csv reads tiers_text only
                        parts = f"CAST(NULL AS {tiers_type()})"
                credit_t = self.c.symbols.tables[spec.each].columns.get("value")
                inputs = self._inputs(
                    ex, [self.c.expr("credits", spec.each, "value"), *nodes[:2]],
                    [(f"{spec.each}.value", show.plain(
                        Num("c.value", self.scales.get("credit:" + spec.each)), credit_t))])
            amount = rounding.round_to(exact, self.step, self.mode)
            if amount is None:
                raise Unsupported(None, f"rounding to {self.step} {self.mode}")
            src = text_literal(step.source + ":")
            if basis_cols:
                text_drop = ", ".join([text_drop, *(col for col, _ in basis_cols + basis_mid)])
            self.script.add(
                f"earning {name} (each {spec.each}): {step.pos}",
                f"CREATE TEMP TABLE {q(lines)} AS SELECT *{dialect.current().exclude(text_drop)}, "
                f"{formula} AS formula{tiers_text}{outer_basis} FROM (SELECT "
                f"*{dialect.current().exclude(_drop(lets))}{mid_basis}{self._formula_mid} FROM "
                "(SELECT "
                f"NULL AS _cp_none, {lets.select()}{when} AS _when, c._pid AS payee, "
                f"{text_literal(name)} AS component, 'credit' AS kind, {amount.sql} AS amount, "
                f"{exact.sql} AS exact, {rule} AS rule, {src} || c._key AS source, c._date AS "
                f"date, c._key AS _key, c._via AS via, {parts} AS tiers, {text_cols}, "
                f"{inputs} AS inputs, {inner_basis}, "
                f"c._split_src AS split_source, c._srow AS _srow, "
                f"c._level AS _level, c._credit_note AS "
                f"credit_note, {index} AS _e, 0 AS _k"
                f"{self._zero_columns(zeros, lines, 'c._pid')} FROM "
                f"{q(credits)} c JOIN {q(self.layer)} l ON l._pid = c._pid{lets.lateral()}) "
                f"WHERE _when IS NOT FALSE)")
            total = (f"(SELECT payee AS _pid, sum(amount) AS v FROM {q(lines)} WHERE _when "
                     "GROUP BY payee)")
            raw = Num(f"coalesce(CAST(t.v AS DECIMAL(38,{amount.scale})), "
                      f"CAST(0 AS DECIMAL(38,{amount.scale})))", amount.scale)
            self.with_total(name, raw, total, step, index, amount.scale)
            return lines
        ex = self.payee_exprs("l")
        with dec.statement() as lets:
            with ex.watch_zeros() as zeros:
                when = ex.sql(step.when.node).sql if step.when is not None else "TRUE"
                self._parts = None
                with ex.guarded(f"{when} IS TRUE"):  # the value, where it is paid
                    value = ex.sql(step.value.node)
            parts = self._parts[0] if self._parts else "NULL"
            exact = self._exact(value)
            exact = Num(dec.let(exact.sql), exact.scale)
            self.exact_scales[name] = exact.scale  # hook: its places shown (fx.py)
            text_cols, formula, text_drop = self._formula(ex, "l", step.value.node)
            inputs = self._inputs(ex, nodes[:2])
        amount = rounding.round_to(exact, self.step, self.mode)
        if amount is None:
            raise Unsupported(None, f"rounding to {self.step} {self.mode}")
        self.script.add(
            f"earning {name}: {step.pos}",
            f"CREATE TEMP TABLE {q(lines)} AS SELECT *{dialect.current().exclude(text_drop)}, {formula} AS "
            f"formula FROM (SELECT *{dialect.current().exclude(_drop(lets))}"
            f"{self._formula_mid} FROM (SELECT "
            f"NULL AS _cp_none, {lets.select()}{when} AS _when, l._pid AS payee, "
            f"{text_literal(name)} AS component, 'bonus' AS kind, {amount.sql} AS amount, "
            f"{exact.sql} AS exact, {rule} AS rule, CAST(NULL AS VARCHAR) AS source, "
            f"CAST(NULL AS DATE) AS date, CAST(NULL AS VARCHAR) AS _key, CAST(NULL AS VARCHAR) "
            f"AS via, {parts} AS tiers, {text_cols}, {inputs} AS inputs, "
            f"NULL AS run_before, NULL AS run_after, CAST(NULL AS "
            f"VARCHAR) AS split_source, CAST(NULL AS BIGINT) AS _srow, 0 AS _level, "
            f"CAST(NULL AS VARCHAR) AS credit_note, {index} AS _e, "
            f"0 AS _k{self._zero_columns(zeros, lines, 'l._pid')} FROM {q(self.layer)} l"
            f"{lets.lateral()}) "
            "WHERE _when IS NOT FALSE)")
        total = (f"(SELECT payee AS _pid, sum(amount) AS v FROM {q(lines)} WHERE _when "
                 "GROUP BY payee)")
        self.with_total(name, Num(f"coalesce(CAST(t.v AS DECIMAL(38,{amount.scale})), "
                                   f"CAST(0 AS DECIMAL(38,{amount.scale})))", amount.scale),
                         total, step, index, amount.scale)
        return lines

    def shower(self, ex: ExprCompiler, alias: str,
                markers: list | None = None) -> show.ShowCompiler:
        """The formula text of this grain's expressions (see show.py). With `markers`, a
        tier split is left as a marker (chr(k)) and its parts collected, to be filled in
        from columns by the statement's outer query (see _formula)."""
        def call(n: ast.Call) -> str | None:
            if n.name == "tiered" and id(n) in self.shown:
                parts, v, per_credit, table = self.shown[id(n)]
                if markers is not None:
                    markers.append((parts, v, per_credit, table, n))
                    return f"chr({len(markers)})"
                if per_credit:
                    return show.split(parts, _rate_texts(table), per_unit=table.per_unit,
                                      places=self.unit_places.get(id(n)))
                return (f"(CASE WHEN {dialect.current().length(parts)} > 0 THEN "
                        f"{show.split(parts, _rate_texts(table), per_unit=table.per_unit, places=self.unit_places.get(id(n)))}"
                        f" ELSE {show.money(v.sql)} END)")
            if n.name == "rate" and self.c.resolved[n.args[0]].name in self.cp.curves:
                name = self.c.resolved[n.args[0]].name
                x_node = n.args[1] if len(n.args) > 1 else self.c.expr("rates", name, "basis")
                return curve_text(self.cp.curves[name], ex.sql(x_node), ex.sql(n),
                                  self.c.types.get(x_node), self.c.types.get(n))
            if n.name in WINDOW_FUNCTIONS:
                return windows.shown(self, n, show.value(ex.sql(n), self.c.types.get(n)))
            if n.name == "team":
                v = ex.sql(n)
                return (f"({text_literal('team ' + n.args[0].parts[0] + ' ')} || "
                        f"{show.value(v, self.c.types.get(n))})")
            if n.name == "group":  # 'group booked of team north 250,001.00' (groups.py)
                v, by = ex.sql(n), n.args[1].parts[1]
                p_col = f"CAST({alias}.{q('p_' + by)} AS VARCHAR)"
                key = f"CASE WHEN trim({p_col}) = '' THEN NULL ELSE {p_col} END"
                return (f"({text_literal('group ' + n.args[0].parts[0] + ' of ' + by + ' ')} "
                        f"|| coalesce({key}, 'missing') || ' ' || "
                        f"{show.value(v, self.c.types.get(n))})")
            if n.name == "lookup":  # '2% (segment_rates["enterprise"])', compile._lookup
                keys = []
                for a in n.args[1:]:
                    x = ex.sql(a)  # a key is shown as a value of no type: numbers plain
                    keys.append(show.number(x) if x.scale is not None else
                                show.value(x, self.c.types.get(a)))
                table = text_literal(f" ({self.c.resolved[n.args[0]].name}[")
                joined = " || ', ' || ".join(keys)
                return (f"({show.value(ex.sql(n), self.c.types.get(n))} || {table} || "
                        f"{joined} || '])')")
            if n.name == "prorate" and len(n.args) > 1:  # by months (compile.e_Call)
                units, lcm = active_months(alias, self.period)
                whole = Fraction(months_in(self.period)) * lcm
                active = dec.div(Num(units, 0), dec.literal(lcm))
                count = Fraction(months_in(self.period))
                months = dec.div(dec.literal(count.numerator), dec.literal(count.denominator))
                return (f"({sh.text(n.args[0])} || CASE WHEN {units} * {whole.denominator} = "
                        f"{whole.numerator} THEN '' ELSE ' x ' || {show.natural(active)} || "
                        f"'/' || {show.natural(months)} || ' months' END)")
            if n.name == "prorate" and len(n.args) == 1:
                days = self.period.days
                return (f"({sh.text(n.args[0])} || CASE WHEN {alias}._active = {days} THEN '' "
                        f"ELSE ' x ' || CAST({alias}._active AS VARCHAR) || '/{days} days' END)")
            return None
        sh = show.ShowCompiler(ex, self.c.types, call, lambda n: id(n) in self.aggs)
        return sh

    def _formula(self, ex: ExprCompiler, alias: str, node: ast.Node) -> tuple[str, str, str]:
        """A line's formula as the Python engine writes it (pay._line), in two halves:
        the inner query's columns (the text with markers for tier splits, and each split's
        parts and value), and the outer query's expression that fills the splits in from
        those columns and adds ' = <exact>'. A lateral alias is expanded wherever it is
        used, so text that names the parts four times must name a column, not an alias.
        Returns (inner select items, outer formula, the inner columns to drop)."""
        markers: list = []
        text = self.shower(ex, alias, markers).text(node)
        inner = [f"{text} AS _text"]
        drop = ["_text"]
        filled = "_text"
        self._split_prefix = {}
        exact_scale = None  # known where the value is a split, typed by explicit casts
        for k, (parts, v, per_credit, table, call) in enumerate(markers, 1):
            split = self.split_parts.get(id(call))
            if split is not None:  # a per-credit split, from its parts' columns (splits.py)
                if call is node:  # the earning's value: its scale, as _tiered_credit's
                    exact_scale = max([p.scale for _t, _a, _r, p, _h in split.parts] +
                                      [split.pays.scale])
                prefix = f"_s{k}_"
                cols, names = splits.columns(split, prefix)
                inner += cols
                drop += names
                self._split_prefix[id(split)] = prefix
                piece = splits.formula_text(split, prefix, _rate_texts(table),
                                            parens=call is not node)
                filled = piece if call is node else f"replace({filled}, chr({k}), {piece})"
                continue
            inner.append(f"{parts} AS _parts{k}")
            drop.append(f"_parts{k}")
            # a tier split that is the whole formula has no parentheses (pay._line)
            piece = show.split(f"_parts{k}", _rate_texts(table), parens=call is not node,
                               per_unit=table.per_unit, places=self.unit_places.get(id(call)))
            if not per_credit:
                inner.append(f"{v.sql} AS _tv{k}")
                drop.append(f"_tv{k}")
                piece = (f"(CASE WHEN {dialect.current().length(f'_parts{k}')} > 0 THEN {piece} ELSE {show.money(f'_tv{k}')}"
                         " END)")
            filled = piece if call is node else f"replace({filled}, chr({k}), {piece})"
        # the text and the exact value's money worked out once, in the query between (see
        # show.formula_parts), put together in the outer one
        self._formula_mid = ", " + show.formula_parts(filled, "exact", exact_scale)
        drop += ["_ftext", "_fshown"]
        return ", ".join(inner), show.formula_of("_ftext", "_fshown"), ", ".join(drop)

    def _inputs(self, ex: ExprCompiler, nodes, first=()) -> str:
        """A line's inputs column: every name its rule reads, with its value."""
        items = list(first)
        for label, ref in input_refs(self.c, nodes):
            if label not in {i[0] for i in items}:
                items.append((label, show.plain(ex.sql(ref), self.c.types.get(ref))))
        return show.inputs(items)

    def _exact(self, value: Num) -> Num:
        if value.scale is None:
            raise Unsupported(None, "an earning that is not a number")
        return value

    def with_total(self, name, raw: Num, total_sql: str, step, index: int, scale) -> None:
        """The earning's total for the payee, after its cap and floor, as a layer column;
        the cap and floor lines go to limits_<name>."""
        ex = self.payee_exprs("l")
        new = f"layer_{name}"
        cols = ["l.*", f"{raw.sql} AS {q('raw_' + name)}"]
        total = Num(f"{raw.sql}", scale)
        limit_cols = []
        lets = dec.Lets()
        for kind in ("cap", "floor"):
            node = self.c.expr("earnings", name, kind)
            if node is None:
                continue
            with dec.statement() as part_lets:
                lim = ex.sql(node)
                shown = self.shower(ex, "l").text(node)
            lets.items.extend(part_lets.items)
            lim_r = rounding.round_to(lim, self.step, self.mode)
            if lim_r is None:
                raise Unsupported(node.pos, f"rounding to {self.step} {self.mode}")
            cmp = ">" if kind == "cap" else "<"
            col = f"{kind}_{name}"
            cols.append(f"{lim_r.sql} AS {q(col)}")
            cols.append(f"{shown} AS {q('show_' + col)}")
            lim_a, tot_a = dec.align(lim_r, total)
            after = Num(f"(CASE WHEN {lim_a.sql} IS NOT NULL AND {tot_a.sql} {cmp} {lim_a.sql} "
                        f"THEN {lim_a.sql} ELSE {tot_a.sql} END)", lim_a.scale)
            limit_cols.append((kind, col, total.sql, node.pos))
            cols.append(f"{after.sql} AS {q('after_' + kind + '_' + name)}")
            total = Num(q("after_" + kind + "_" + name), after.scale)
        # the final total under v_<name>, computed from the columns above
        self.script.add(f"total of {name} (after its cap and floor)",
                        f"CREATE TEMP TABLE {q(new + '_0')} AS SELECT *{lets.exclude()} FROM ("
                        f"SELECT {cols[0]}, {lets.select()}{', '.join(cols[1:])} FROM "
                        f"{q(self.layer)} l LEFT JOIN {total_sql} t ON t._pid = l._pid"
                        f"{lets.lateral()})")
        final = q("raw_" + name) if not limit_cols else total.sql
        self.script.add(f"{name} as a figure later rules read",
                        f"CREATE TEMP TABLE {q(new)} AS SELECT l.*, l.{final} AS "
                        f"{q('v_' + name)} FROM {q(new + '_0')} l")
        self.layer = new
        self.scales[name] = total.scale
        self.limits = getattr(self, "limits", [])
        prev = q("raw_" + name)
        for kind, col, _before, pos in limit_cols:
            after = q("after_" + kind + "_" + name)
            self.limits.append((name, kind, new, prev, after, col, pos, index))
            prev = after

    def _total_limits(self, index: int) -> None:
        """A cap or floor on the payee's total pay (pay._total_limits): after every
        earning, on the sum of their lines, as a line of its own under total_cap or
        total_floor; v_total_cap / v_total_floor hold that line's amount (else NULL)."""
        if not self.cp.total:
            return
        earned = [q("v_" + e.name) for e in self.cp.earnings]
        earned += [q(c) for c in getattr(self, "held_columns", [])]  # held (holds.py)
        scale = _places(self.step)
        total = Num("(" + " + ".join(f"CAST(l.{v} AS DECIMAL(38,{scale}))" for v in earned)
                    + ")" if earned else dec.zero(scale).sql, scale)
        ex = self.payee_exprs("l")
        cols, lets = [f"{total.sql} AS _total_before"], dec.Lets()
        prev = Num("_total_before", scale)
        # a dialect without lateral column aliases (PostgreSQL) reads no column of this
        # SELECT by its alias: each is written out where it is used
        inline = not dialect.current().lateral
        prev_sql = f"({total.sql})" if inline else prev.sql
        limits = []
        for kind, expr in self.cp.total:
            with dec.statement() as part:
                lim = ex.sql(expr.node)
                shown = self.shower(ex, "l").text(expr.node)
            lets.items.extend(part.items)
            lim_r = rounding.round_to(lim, self.step, self.mode)
            cols.append(f"{lim_r.sql} AS {q('total_' + kind)}")
            cols.append(f"{shown} AS {q('show_total_' + kind)}")
            lim_a, tot_a = dec.align(lim_r, Num(prev_sql, prev.scale) if inline else prev)
            cmp = ">" if kind == "cap" else "<"
            after = q(f"after_total_{kind}")
            after_sql = (f"(CASE WHEN {lim_a.sql} IS NOT NULL AND {tot_a.sql} {cmp} {lim_a.sql} "
                         f"THEN {lim_a.sql} ELSE {tot_a.sql} END)")
            cols.append(f"{after_sql} AS {after}")
            a, b = (after_sql, prev_sql) if inline else (after, prev.sql)
            cols.append(f"CASE WHEN {a} <> {b} THEN {a} - {b} END AS "
                        f"{q('v_total_' + kind)}")
            limits.append(("total_" + kind, kind, prev.sql, after, expr.pos))
            prev = Num(after, lim_a.scale)
            prev_sql = after_sql if inline else prev.sql
        new = "layer_total_limits"
        self.script.add("caps and floors on the payee's total pay",
                        f"CREATE TEMP TABLE {new} AS SELECT *{lets.exclude()} FROM (SELECT "
                        f"l.*, {lets.select()}{', '.join(cols)} FROM {q(self.layer)} l"
                        f"{lets.lateral()})")
        self.layer = new
        self.limits = getattr(self, "limits", [])
        for name, kind, before, after, pos in limits:
            self.limits.append((name, kind, new, before, after, name, pos, index))

    # ------------------------------------------------------------------ tiers
    def _rate_call(self, n: ast.Call, alias: str, credit_alias: str | None,
                   ex: ExprCompiler) -> Num:
        rate_name = self.c.resolved[n.args[0]].name
        basis_node = self.c.expr("rates", rate_name, "basis")
        if rate_name in self.cp.curves:
            return curve_value(self.cp.curves[rate_name],
                               ex.sql(n.args[1] if len(n.args) > 1 else basis_node))
        table = self.cp.tier_tables.get(rate_name)
        if table is None:
            raise Unsupported(n.pos, f"{n.name}() of a lookup table")
        if table.per_payee:  # cover.payee_bounds says where; a shape has no figures
            raise Unsupported(n.pos, f"a tier table whose bounds read the payee "
                                     f"('{rate_name}')")
        if n.name == "rate":
            x = ex.sql(n.args[1]) if len(n.args) > 1 else ex.sql(basis_node)
            return Num(_band_case(table, x.sql, "rate"), _rate_scale(table))
        if credit_alias is not None and len(n.args) == 1:
            return self._tiered_credit(n, rate_name, table, basis_node, alias, credit_alias, ex)
        return self._tiered_payee(n, rate_name, table, basis_node, alias, ex)

    def _linear(self, rate_name: str):
        """(set, muls, divs, unit) of the rate's running basis, read from the tree
        (ir.RunningBasis: sum(S) or count(S) times/divided by payee figures); else None.
        A running basis the Python engine follows and this one does not yet (over a
        subtotal, with `where`, the sum of a column) is refused: worked out as a plain
        basis it paid otherwise."""
        form = self.cp.running.get(rate_name)
        if form is None:
            return None
        agg = form.aggregate
        res = self.c.resolved.get(agg.args[0])
        if form.set_name in self.plan.credits and agg.where is None and (
                form.unit or res.kind == "set"):
            return form.set_name, form.muls, form.divs, form.unit
        raise Unsupported(form.pos, "a running basis over a subtotal, with 'where' or "
                                    "over a column")

    def _product(self, nodes, ex: ExprCompiler) -> Num | None:
        out = None
        for node in nodes:
            v = ex.sql(node)
            out = v if out is None else dec.mul(out, v)
        return out

    def _scaled_bounds(self, table: TierTable, mul: Num | None, div: Num | None):
        """Each band's bounds moved from basis space to amount space: bound * div / mul."""
        def f(x: Decimal | None) -> Num | None:
            if x is None:
                return None
            v = dec.literal(x)
            if div is not None:
                v = dec.mul(v, div)
            if mul is not None:
                v = dec.div(v, mul)
            return v
        return [(b.index, f(b.low), f(b.high), b.rate) for b in table.bands]

    def _tiered_credit(self, n, rate_name, table, basis_node, alias, credit_alias, ex) -> Num:
        self._basis_cols, self._basis_mid = [], []  # a running basis's layers (below)
        form = self._linear(rate_name) if table.mode == "marginal" else None
        value = Num(f"{credit_alias}.value", self.scales.get("credit:" + self.current_each))
        if form is None:
            b = ex.sql(basis_node)
            rate = Num(_band_case(table, b.sql, "rate"), _rate_scale(table))
            tier = _band_case(table, b.sql, "index")
            pays = dec.mul(value, rate)
            self._parts = (dialect.current().tier_one(_part(tier, value.sql, rate.sql, pays.sql)),
                           b.sql, b.sql)
            self.unit_places[id(n)] = value.scale or 0
            return Num(f"(CASE WHEN {value.sql} IS NULL THEN NULL ELSE {pays.sql} END)",
                       pays.scale)
        set_name, muls, divs, unit = form
        if set_name != self.current_each:
            raise Unsupported(n.pos, "a running basis over another credit set than the "
                                     "earning's")
        mul, div = self._product(muls, ex), self._product(divs, ex)
        bands = self._scaled_bounds(table, mul, div)
        run_scale = 0 if unit else (value.scale or 0)
        top = max([run_scale] + [x.scale for bd in bands for x in bd[1:3] if x is not None])
        self.unit_places[id(n)] = top

        def c(x: str) -> str:  # one type for everything that meets in greatest/least
            return f"CAST({x} AS DECIMAL(38,{top}))"
        after = dec.let(c(f"{credit_alias}._run_after"))
        move = "1" if unit else f"coalesce({credit_alias}.value, 0)"
        before = dec.let(c(f"({credit_alias}._run_after - {move})"))
        nil = c("0")
        lo_, hi_ = dec.let(f"least({before}, {after})"), dec.let(f"greatest({before}, {after})")
        sign = dec.let(f"(CASE WHEN {after} < {before} THEN -1 ELSE 1 END)")
        parts = []
        # units: whole splits at each bound taken down to a whole number (tiers.py)
        cut = _floored(bands) if table.whole_units else bands
        first_low = cut[0][1]
        if first_low is not None:
            parts.append((0, f"({sign} * greatest(least({hi_}, {c(first_low.sql)}) - {lo_}, "
                             f"{nil}))", Decimal(0)))
        for index, low, high, rate in cut:
            hi = hi_ if high is None else f"least({hi_}, {c(high.sql)})"
            lo = lo_ if low is None else f"greatest({lo_}, {c(low.sql)})"
            parts.append((index, f"({sign} * greatest({hi} - {lo}, {nil}))", rate))
        share = value if unit and not table.per_unit else None  # per unit: one unit
        items, pays, split_parts = [], [], []
        for index, amt, rate in parts:
            amt = dec.let(amt)
            a = Num(amt, top)
            if share is not None:
                a = dec.mul(a, share)
            p = dec.mul(a, dec.literal(rate))
            p = Num(dec.let(p.sql), p.scale)
            pays.append(p)
            split_parts.append((index, a, rate, p, f"{amt} <> 0"))
            items.append(f"CASE WHEN {amt} <> 0 THEN "
                         f"{_part(index, a.sql, dec.literal(rate).sql, p.sql)} END")
        # a credit that does not move the basis (zero) pays the rate where it stands
        cast_bands = [(i, None if lo is None else Num(c(lo.sql), top),
                       None if hi is None else Num(c(hi.sql), top), r) for i, lo, hi, r in bands]
        band_here = _band_case_nums(table, cast_bands, before)
        rate_here = _band_case_nums(table, cast_bands, before, "rate")
        zero_pays = dec.mul(value, Num(rate_here, _rate_scale(table)))
        out_scale = max([p.scale for p in pays] + [zero_pays.scale])
        total = " + ".join(dec.cast(p, out_scale).sql for p in pays)
        missing = "(" + " OR ".join(f"{x.sql} IS NULL OR {x.sql} = 0" for x in (mul, div)
                                    if x is not None) + ")" if (mul or div) else "FALSE"
        if div is not None:  # the Python engine's Running.build warns of a zero divisor
            ex.zero_where(basis_node.pos, " AND ".join(
                [f"{x.sql} IS NOT NULL" for x in (mul, div) if x is not None] +
                [f"{div.sql} = 0"]))

        # the running position as the basis shows it (run_before, run_after): two exact
        # divisions a line that nothing else reads, so worked out in layers over the
        # statement (decimals.div_layers: its steps name columns, not lateral aliases, and
        # take the 64-bit path): the inner query gives the positions and the payee's
        # figures, the middle one each division's integers, the outer one the quotients
        self._basis_cols = [("_rb_b", before), ("_rb_a", after)] + \
            [(col, x.sql) for col, x in (("_rb_m", mul), ("_rb_d", div)) if x is not None]
        self._basis_mid = []

        def basis(x: str) -> str:
            v = Num(x, top)
            with dec.inline():
                if mul is not None:
                    v = dec.mul(v, Num("_rb_m", mul.scale))
            if div is None:
                return v.sql
            items, quotient = dec.div_layers(v, Num("_rb_d", div.scale), prefix=x + "q")
            self._basis_mid += items
            return quotient
        split = splits.SplitParts(
            f"({after} <> {before})", split_parts, band_here, value, zero_pays,
            {0: Decimal(0), **{b.index: b.rate for b in table.bands}})
        self._parts = (
            f"(CASE WHEN {after} = {before} THEN "
            f"{dialect.current().tier_one(_part(band_here, value.sql, rate_here, zero_pays.sql))} "
            f"ELSE {dialect.current().tier_list(items)} END)", basis("_rb_b"),
            basis("_rb_a"), None if table.per_unit else split)  # per unit: show.split's units
        return Num(f"(CASE WHEN {missing} OR {value.sql} IS NULL THEN NULL WHEN {after} = "
                   f"{before} THEN {dec.cast(zero_pays, out_scale).sql} ELSE ({total}) END)",
                   out_scale)

    def _tiered_payee(self, n, rate_name, table, basis_node, alias, ex) -> Num:
        b = ex.sql(basis_node)
        if table.per_unit:  # amounts per unit of the basis: no amount to share
            return self._per_unit_payee(n, table, basis_node, b, alias, ex)
        basis_t = self.c.types.get(basis_node)
        money_basis = basis_t is not None and basis_t.kind == "money"
        if len(n.args) > 1:
            amount = ex.sql(n.args[1])
        elif money_basis:
            amount = b
        else:
            raise Unsupported(n.pos, "tiered() of a basis that is not money, with no amount")
        if table.mode == "whole":
            rate = Num(_band_case(table, b.sql, "rate"), _rate_scale(table))
            pays = dec.mul(amount, rate)
            self._parts = (dialect.current().tier_one(
                _part(_band_case(table, b.sql, 'index'), amount.sql, rate.sql, pays.sql)),)
            return Num(f"(CASE WHEN {b.sql} IS NULL THEN NULL ELSE {pays.sql} END)", pays.scale)
        form = self._linear(rate_name)
        if form is not None:
            set_name, muls, divs, unit = form
            mul, div = self._product(muls, ex), self._product(divs, ex)
            # split the sum (or on a count basis the count) where the bounds are exact
            run = self._set_total(set_name, alias, count=unit)
            bands = self._scaled_bounds(table, mul, div)
            space = run
        else:
            bands = self._scaled_bounds(table, None, None)
            space = b
        top = max([space.scale or 0] + [x.scale for bd in bands for x in bd[1:3]
                                         if x is not None])

        def c(x: str) -> str:
            return f"CAST({x} AS DECIMAL(38,{top}))"
        nil = c("0")
        # a basis below 0 (refunds outweigh sales) runs backwards from 0: the same bands
        # with negative amounts, taking back band by band what moving up paid
        # (tiers.split(), as _per_unit_payee); issue 12, found by generated data
        lo_, hi_ = f"least({nil}, {c(space.sql)})", f"greatest({nil}, {c(space.sql)})"
        sign = f"(CASE WHEN {space.sql} < 0 THEN -1 ELSE 1 END)"
        rows = []
        first_low = bands[0][1]
        if first_low is not None:
            rows.append((0, f"({sign} * greatest(least({hi_}, {c(first_low.sql)}) - {lo_}, "
                            f"{nil}))", Decimal(0)))
        for index, low, high, rate in bands:
            hi = hi_ if high is None else f"least({hi_}, {c(high.sql)})"
            lo = lo_ if low is None else f"greatest({lo_}, {c(low.sql)})"
            rows.append((index, f"({sign} * greatest({hi} - {lo}, {nil}))", rate))
        items, pays = [], []
        # amount x band / whole, multiplied first; when the amount is the whole (the
        # basis' own sum), the band itself: amount x band would square the amount and
        # leave DECIMAL(38) at a few billion (the arithmetic rule, money.py's tiers too)
        same = dec.let(f"({amount.sql} = {space.sql})")
        other = Num(f"(CASE WHEN {same} THEN {dec.zero(amount.scale).sql} ELSE "
                    f"{dec.cast(amount, amount.scale).sql} END)", amount.scale)
        for index, amt, rate in rows:
            amt = dec.let(amt)
            scaled = dec.div(dec.mul(other, Num(amt, top)), space)
            both = max(top, scaled.scale)
            scaled = Num(dec.let(f"(CASE WHEN {same} THEN {dec.cast(Num(amt, top), both).sql} "
                                 f"ELSE {dec.cast(scaled, both).sql} END)"), both)
            p = dec.mul(scaled, dec.literal(rate))
            p = Num(dec.let(p.sql), p.scale)
            pays.append(p)
            items.append(f"CASE WHEN {amt} <> 0 THEN "
                         f"{_part(index, scaled.sql, dec.literal(rate).sql, p.sql)} END")
        self._parts = (dialect.current().tier_list(items),)
        out_scale = max(p.scale for p in pays)
        total = " + ".join(dec.cast(p, out_scale).sql for p in pays)
        return Num(f"(CASE WHEN {b.sql} IS NULL OR {amount.sql} IS NULL THEN NULL WHEN "
                   f"{b.sql} = 0 THEN CAST(0 AS DECIMAL(38,{out_scale})) ELSE ({total}) END)",
                   out_scale)

    def _per_unit_payee(self, n, table: TierTable, basis_node, b: Num, alias: str,
                        ex: ExprCompiler) -> Num:
        """tiered(t) at the payee's grain on a table of amounts per unit (compile.py
        _tiered_payee): the basis split across the tiers from 0, each part's units times
        its rate; a basis of count(S) over targets is split as the count itself, with
        the bounds moved to units (82% of 25 meetings = 20.5). `units: whole` takes each
        bound down to a whole number (tiers.py)."""
        if table.mode == "whole":
            rate = Num(_band_case(table, b.sql, "rate"), _rate_scale(table))
            pays = dec.mul(b, rate)
            tier = _band_case(table, b.sql, "index")
            self._parts = (dialect.current().tier_one(_part(tier, b.sql, rate.sql, pays.sql)),)
            self.unit_places[id(n)] = b.scale or 0
            return Num(f"(CASE WHEN {b.sql} IS NULL THEN NULL ELSE {pays.sql} END)", pays.scale)
        form = self._linear(table.name)
        if form is not None and form[3]:
            set_name, muls, divs, _unit = form
            mul, div = self._product(muls, ex), self._product(divs, ex)
            space = self._set_total(set_name, alias, count=True)
            bands = self._scaled_bounds(table, mul, div)
        else:
            space, bands = b, self._scaled_bounds(table, None, None)
        if table.whole_units:
            bands = _floored(bands)
        top = max([space.scale or 0] + [x.scale for bd in bands for x in bd[1:3]
                                         if x is not None])
        self.unit_places[id(n)] = top

        def c(x: str) -> str:
            return f"CAST({x} AS DECIMAL(38,{top}))"
        nil = c("0")
        # a basis below 0 runs backwards: the same bands with negative units (split())
        lo_, hi_ = f"least({nil}, {c(space.sql)})", f"greatest({nil}, {c(space.sql)})"
        sign = f"(CASE WHEN {space.sql} < 0 THEN -1 ELSE 1 END)"
        rows = []
        if bands[0][1] is not None:
            rows.append((0, f"greatest(least({hi_}, {c(bands[0][1].sql)}) - {lo_}, {nil})",
                         Decimal(0)))
        for index, low, high, rate in bands:
            hi = hi_ if high is None else f"least({hi_}, {c(high.sql)})"
            lo = lo_ if low is None else f"greatest({lo_}, {c(low.sql)})"
            rows.append((index, f"greatest({hi} - {lo}, {nil})", rate))
        items, pays = [], []
        for index, amt, rate in rows:
            units = Num(dec.let(f"({sign} * {amt})"), top)
            p = dec.mul(units, dec.literal(rate))
            p = Num(dec.let(p.sql), p.scale)
            pays.append(p)
            items.append(f"CASE WHEN {units.sql} <> 0 THEN "
                         f"{_part(index, units.sql, dec.literal(rate).sql, p.sql)} END")
        self._parts = (dialect.current().tier_list(items),)
        out_scale = max(p.scale for p in pays)
        total = " + ".join(dec.cast(p, out_scale).sql for p in pays)
        return Num(f"(CASE WHEN {b.sql} IS NULL THEN NULL WHEN {b.sql} = 0 THEN "
                   f"CAST(0 AS DECIMAL(38,{out_scale})) ELSE ({total}) END)", out_scale)

    def _set_total(self, set_name: str, alias: str, count: bool = False) -> Num:
        """sum(S) (count(S) with `count`) for the payee: the running total a payee-level
        marginal split uses."""
        if count:  # per-unit tiers on count(S) (_per_unit_payee)
            return self._set_count(set_name, alias)
        col = f"settotal_{set_name}"
        if not getattr(self, "_set_totals", {}).get(col):
            self._set_totals = getattr(self, "_set_totals", {})
            self._set_totals[col] = True
            new = f"layer_{col}"
            self.script.add(f"total of {set_name} per payee (a payee-level marginal split)",
                            f"CREATE TEMP TABLE {q(new)} AS SELECT l.*, coalesce(CAST(t.v AS "
                            f"DECIMAL(38,{self.scales.get('credit:' + set_name) or 0})), CAST(0 AS "
                            f"DECIMAL(38,{self.scales.get('credit:' + set_name) or 0}))) AS "
                            f"{q(col)} FROM {q(self.layer)} l LEFT JOIN (SELECT _pid, "
                            f"sum(value) AS v FROM {q('credits_' + set_name)} GROUP BY _pid) t "
                            "ON t._pid = l._pid")
            self.layer = new
            # the current statement is being built against the old layer name: the column
            # lives in the new one, so the caller's alias reads it after the switch
        return Num(f"{alias}.{q(col)}", self.scales.get("credit:" + set_name))

    def _set_count(self, set_name: str, alias: str) -> Num:
        col = f"setcount_{set_name}"
        self._set_totals = getattr(self, "_set_totals", {})
        if not self._set_totals.get(col):
            self._set_totals[col] = True
            new = f"layer_{col}"
            self.script.add(f"count of {set_name} per payee (per-unit tiers on a count)",
                            f"CREATE TEMP TABLE {q(new)} AS SELECT l.*, coalesce(CAST(t.v AS "
                            f"DECIMAL(38,0)), CAST(0 AS DECIMAL(38,0))) AS {q(col)} FROM "
                            f"{q(self.layer)} l LEFT JOIN (SELECT _pid, count(*) AS v FROM "
                            f"{q('credits_' + set_name)} GROUP BY _pid) t ON t._pid = l._pid")
            self.layer = new
        return Num(f"{alias}.{q(col)}", 0)

    # ------------------------------------------------------------------ lines
    def _lines(self, line_tables: list[tuple[int, str]]) -> None:
        # lines.csv's tiers text: the per-credit marginal splits wrote theirs from
        # columns (splits.py); the rest from the list, by position up to the most parts a
        # line can have (one per tier of the largest table, and tier 0)
        most = max([len(t.bands) + 1 for t in self.cp.tier_tables.values()] + [1])
        tiers_text = splits.lines_list_text(f"CAST(tiers AS {tiers_type()})", most)
        parts = [f"SELECT payee, component, kind, CAST(amount AS DECIMAL(38,{_places(self.step)}))"
                 f" AS amount, CAST(exact AS DECIMAL(38,{dec.DIV_SCALE})) AS exact, rule, source,"
                 f" date, via, CAST(tiers AS {tiers_type()}) AS tiers, "
                 f"{'tiers_text' if t in self.tier_text_tables else tiers_text} AS tiers_text, "
                 "formula, inputs, "
                 f"CAST(run_before AS DECIMAL(38,"
                 f"{dec.DIV_SCALE})) AS run_before, CAST(run_after AS DECIMAL(38,{dec.DIV_SCALE}))"
                 f" AS run_after, split_source, credit_note, _srow, _level, _e, _k, _key, "
                 f"{'rounding_note' if t in self.rounding_notes else 'CAST(NULL AS VARCHAR)'} "
                 f"AS rounding_note FROM {q(t)} WHERE _when AND exact IS NOT NULL"
                 for _i, t in line_tables]
        for name, kind, layer, before, after, col, pos, index in getattr(self, "limits", []):
            k = 1 if kind == "cap" else 2
            subject = "total pay" if layer == "layer_total_limits" else name
            words = f"Cap reached: {subject} limited to " if kind == "cap" else \
                f"Floor applied: {subject} raised to "
            formula = (f"{text_literal(words)} || {q('show_' + col)} || ' = ' || "
                       f"{show.money(q(col))}")
            parts.append(
                f"SELECT _pid, {text_literal(name)}, {text_literal(kind)}, "
                f"CAST({after} - {before} AS DECIMAL(38,{_places(self.step)})), "
                f"CAST({after} - {before} AS DECIMAL(38,{dec.DIV_SCALE})), "
                f"{text_literal(str(pos))}, NULL, NULL, NULL, NULL, NULL, {formula}, '', NULL, "
                f"NULL, NULL, NULL, NULL, 0, {index}, {k}, NULL, NULL "
                f"FROM {q(self.layer)} WHERE {after} <> {before}")
        # the Python engine's order: date, id, then as credited (a split's rows in the
        # split table's order, each followed by its rollups up the levels)
        order = "_e, _k, date NULLS FIRST, _key, _srow NULLS FIRST, _level, via NULLS FIRST"
        self.script.lines_union, self.script.lines_order = " UNION ALL ".join(parts), order
        self.script.add("lines: every line, numbered per payee in the statement's order",
                        "CREATE TEMP TABLE lines AS SELECT row_number() OVER (PARTITION BY "
                        f"payee ORDER BY {order}) AS line, * FROM ({' UNION ALL '.join(parts)})")
        self._warnings(line_tables)

    def _warnings(self, line_tables: list[tuple[int, str]]) -> None:
        """What a payee's statement says was not paid and why, in the Python engine's
        words (pay._earn): a condition or value unknown because a value is missing, and a
        payee with no credits at all. Numbered per payee in the lines' order."""
        parts = []
        for _i, t in line_tables:
            name = text_literal(t[len("lines_"):])
            parts.append(
                f"SELECT payee, {name} || CASE WHEN _key IS NULL THEN (CASE WHEN _when IS NULL "
                f"THEN ': condition unknown (a value is missing); not paid' ELSE ': value "
                f"missing; not paid' END) WHEN _when IS NULL THEN ': condition unknown for ' || "
                f"_key || ' (a value is missing); not paid' ELSE ': value missing for ' || _key "
                f"|| '; not paid' END AS warning, _e, date, _key FROM {q(t)} WHERE _when IS NULL "
                f"OR exact IS NULL")
        parts.extend(self.extra_warnings)  # hook: pools.py
        if self.payees_inp is not None and "payees" in self.columns:
            credited = self._credited_payees()
            parts.append(f"SELECT _pid, 'no credits in this period', 1000000000, NULL, NULL "
                         f"FROM payees WHERE _pid NOT IN (SELECT * FROM ({credited}) c(p) WHERE "
                         "p IS NOT NULL)")
        k = 2000000000
        for name, inp in self.plan.inputs.items():
            # an empty cell in the payee's row: missing (missing: null), or taken as 0
            # (missing: zero, marked by the reader in _defaulted: the value is 0 already)
            if inp.key or name == "payees" or not inp.payee or name not in self.columns or \
                    inp.by:  # a row per payee and key is read through aggregates only
                continue
            present = q(f"t_{name}_{inp.payee}")
            marks = q(f"t_{name}__defaulted")
            how = "taken as 0" if inp.missing == "zero" else "missing"
            for col in inp.columns:
                if col not in self.columns[name] or col in (inp.payee, inp.period):
                    continue
                if "_defaulted" in self.columns[name]:
                    empty = dialect.current().in_list_text(text_literal(col), marks)
                elif inp.missing == "null":
                    empty = f"{present} IS NOT NULL AND {q(f't_{name}_{col}')} IS NULL"
                else:
                    continue
                k += 1
                msg = text_literal(f"{name}.{col} is empty for {self.period.label}: {how}")
                parts.append(f"SELECT _pid, {msg}, {k}, NULL, NULL FROM payees WHERE {empty}")
        # a division by zero, once per payee and place, in the plan's order (the Python
        # engine's runtime warning, engine/pay.py)
        places = sorted({pos for pos, _t, _c in self.zero_checks},
                        key=lambda p: (p.file, p.line, p.col))
        zero = []
        for pos, table, col in self.zero_checks:
            k = 3000000000 + places.index(pos)
            msg = text_literal(f"{pos}: division by zero gave a missing value")
            zero.append(f"SELECT {'_pid' if table.startswith('layer_') else 'payee'}, {msg}, "
                        f"{k} FROM {q(table)} WHERE {col}")
        if zero:  # one place met on several rows or in several statements: said once
            parts.append(f"SELECT DISTINCT p, w, k, NULL::DATE, NULL::VARCHAR FROM "
                         f"({' UNION ALL '.join(zero)}) z(p, w, k)")
        body = " UNION ALL ".join(parts) if parts else \
            "SELECT NULL::VARCHAR AS payee, NULL::VARCHAR AS warning, 0, NULL, NULL WHERE FALSE"
        self.script.add("warnings: what each payee was not paid, and why",
                        "CREATE TEMP TABLE warnings AS SELECT payee, warning, row_number() OVER "
                        "(PARTITION BY payee ORDER BY _e, date NULLS FIRST, _key) AS n FROM "
                        f"({body})")

    def _zero_columns(self, zeros: dict, table: str, payee: str) -> str:
        """The select items that mark, per row, a division by zero the Python engine
        would meet (ExprCompiler.zero_where); _warnings says each once per payee."""
        out = ""
        for pos, conds in zeros.items():
            col = f"_zd{len(self.zero_checks)}"
            self.zero_checks.append((pos, table, col))
            out += f", ({' OR '.join(f'({c})' for c in conds)}) IS TRUE AS {col}"
        return out

    def _credited_payees(self) -> str:
        """The payees with any row in a credit set, a transaction set the plan reads, or
        a one-row-per-payee input for the period (the Python engine's `prep.credits`)."""
        ids = [f"SELECT _pid FROM {q('credits_' + step.name)}" for step in self.cp.credits
               if step.spec.from_ in self.columns]
        for name, inp in self.plan.inputs.items():
            if not inp.key and inp.payee and name != "payees" and name in self.columns:
                table = q("pp_" + name) if name in per_payee_inputs(self.plan) else \
                    f"(SELECT * FROM {q('in_' + name)} WHERE {self._period_filter(name, inp)})"
                ids.append(f"SELECT CAST({q(inp.payee)} AS VARCHAR) FROM {table} t")
        used_sets = {r.name for r in self.c.resolved.values() if r.kind in ("set", "set_column")}
        for name, inp in self.plan.inputs.items():
            if inp.key and inp.payee and name in used_sets and name in self.columns:
                ids.append(f"SELECT CAST({q(inp.payee)} AS VARCHAR) FROM {q('in_' + name)} "
                           f"WHERE {self._date_filter(inp)}")
        ids += windows.payee_ids(self)  # rows only in a window's days (windows.py)
        return " UNION ".join(ids) if ids else "SELECT NULL::VARCHAR WHERE FALSE"


# a credit copied to a manager above its payee (a rollup): the columns it changes
ROLLED_UP = [("h.ancestor", "_pid"), ("b._key || '@' || b._pid", "_cid"), ("b._pid", "_via"),
             ("h.depth", "_level")]


def _drop(lets: dec.Lets) -> str:
    """The statement's steps, dropped once used; `_when` stays: a line whose condition
    or value is unknown is not paid but is warned of (see _warnings)."""
    return ", ".join(["_cp_none"] + [a for a, _ in lets.items])


# a line's tier parts; every lines table has this column type, tiered or not (a plan
# without tiers would otherwise leave it NULL VARCHAR, and lines.csv's text of it fails)
TIERS_TYPE = (f"STRUCT(tier INTEGER, amount DECIMAL(38,{dec.DIV_SCALE}), rate "
              f"DECIMAL(38,{dec.DIV_SCALE}), pays DECIMAL(38,{dec.DIV_SCALE}))[]")


def tiers_type() -> str:
    """The lines' tier parts' type in the dialect in force (TIERS_TYPE in DuckDB)."""
    return dialect.current().tiers_type(dec.DIV_SCALE)


def _part(tier, amount: str, rate: str, pays: str) -> str:
    """One tier part of a line (Portion), with fixed types so every line's list agrees."""
    return dialect.current().tier_part(tier, amount, rate, pays, dec.DIV_SCALE)


def _floored(bands):
    """Bands (index, low, high, rate) with each bound taken down to a whole number, as
    TierTable._floored: a per-unit table with `units: whole` pays each unit in one tier."""
    def f(x: Num | None) -> Num | None:
        return None if x is None else Num(f"CAST(floor({x.sql}) AS DECIMAL(38,{x.scale or 0}))",
                                          x.scale)
    return [(i, f(lo), f(hi), r) for i, lo, hi, r in bands]


def _places(step: Decimal) -> int:
    return max(0, -step.as_tuple().exponent)


def _rate_scale(table: TierTable) -> int:
    return max(max(0, -b.rate.as_tuple().exponent) for b in table.bands)


def _band_case(table: TierTable, x: str, what: str) -> str:
    bands = [(b.index, None if b.low is None else dec.literal(b.low),
              None if b.high is None else dec.literal(b.high), b.rate) for b in table.bands]
    return _band_case_nums(table, bands, x, what)


def _band_case_nums(table: TierTable, bands, x: str, what: str = "index") -> str:
    """CASE choosing the band a value falls in, with the table's at_boundary rule and
    each tier's own (as TierTable.band_at): its index, or its rate; 0 below every band."""
    whens = []
    for i, (index, low, high, rate) in enumerate(bands):
        conds = []
        if low is not None:
            conds.append(f"{x} >= {low.sql}" if table.takes_low(i) else f"{x} > {low.sql}")
        if high is not None:
            conds.append(f"{x} <= {high.sql}" if table.takes_high(i) else f"{x} < {high.sql}")
        out = str(index) if what == "index" else dec.cast(dec.literal(rate), _rate_scale(table)).sql
        whens.append(f"WHEN {' AND '.join(conds) or 'TRUE'} THEN {out}")
    zero = "0" if what == "index" else f"CAST(0 AS DECIMAL(38,{_rate_scale(table)}))"
    return f"(CASE {' '.join(whens)} ELSE {zero} END)"


def _rate_texts(table: TierTable) -> dict[int, str]:
    """Each tier's rate as a formula shows it (tier 0, below the first band, pays 0%);
    an amount per unit as money (compile._split_text)."""
    fmt = fmt_money if table.per_unit else fmt_ratio
    return {0: fmt(Decimal(0)), **{b.index: fmt(b.rate) for b in table.bands}}


def _ratio_text(sql: str) -> str:
    """A ratio as compplan.engine.money.fmt_ratio writes it: 60%, 12.5%, 33.3333%."""
    pct = f"round({sql} * 100, 4)"
    text = f"CAST({pct} AS VARCHAR)"
    return (f"(CASE WHEN {dialect.current().contains(text, chr(39) + '.' + chr(39))} THEN "
            f"rtrim(rtrim({text}, '0'), '.') ELSE "
            f"{text} END || '%')")


def _value_sql(v) -> Num:
    if v is None:
        return Num("NULL", None)
    if isinstance(v, bool):
        return Num("TRUE" if v else "FALSE", None)
    if isinstance(v, (int, Decimal)):
        return dec.literal(v)
    if isinstance(v, dt.date):
        return Num(f"DATE '{v.isoformat()}'", None)
    return Num(text_literal(str(v)), None)
