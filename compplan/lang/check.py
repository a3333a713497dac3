"""The checker: an ordered list of small passes over a plan.

    load YAML -> structure (pydantic) -> names -> plan -> tables -> parse -> resolve
    -> cycles -> types -> rates -> earnings -> scenarios

Each pass reads the `Checked` context and appends `Problem`s; none stops at the first
problem. The result carries everything the compiler needs: the model, the AST of every
expression, what every name means, the type of every node, and the order in which
definitions can be evaluated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath

from ..errors import Pos, Problem, Problems, did_you_mean
from ..periods import EXAMPLES, parse_period
from . import ast
from .model import SECTIONS, Plan
from .parse import ExprSyntaxError, parse_expression
from .source import SourceFile, load_yaml
from .structure import validate_structure
from .symbols import PERIOD_ATTRS, Resolution, Symbols, TableInfo
from .types import (BOOLEAN, DATE, INTEGER, MISSING, MONEY, NUMBER, RATIO,
                    T_BOOLEAN, T_CONST, T_CONST_INT, T_DATE, T_RATIO, T_INTEGER,
                    T_MISSING, T_MONEY, T_NUMBER, T_TEXT, TEXT, Type, UnitError, arithmetic,
                    comparable, parse_column_type, unify)
from .types import _a as types_a

KEYWORDS = {"if", "else", "and", "or", "not", "in", "between", "where", "true", "false",
            "missing", "payee", "period", "total"}

# name: (fewest args, most args or None)
FUNCTIONS = {
    "min": (1, None), "max": (1, None), "abs": (1, 1), "round": (1, 2), "floor": (1, 1),
    "ceil": (1, 1), "clamp": (3, 3), "coalesce": (2, None),
    "year": (1, 1), "month": (1, 1), "day": (1, 1), "quarter": (1, 1), "weekday": (1, 1),
    "days_between": (2, 2),
    "sum": (1, 1), "count": (1, 1), "avg": (1, 1), "distinct": (1, 1),
    "tiered": (1, 2), "rate": (1, 2), "lookup": (2, None),
    "team": (1, 2), "prorate": (1, 1), "ytd": (1, 1),
}
AGGREGATES = {"sum", "count", "avg", "min", "max", "distinct"}
DATE_PARTS = {"year", "month", "day", "quarter", "weekday"}

Path = tuple


@dataclass
class Scope:
    """Where an expression is evaluated, which decides what its names can mean.

    kind: const (literals only), param, row (a row of an input: credit rules),
    payee (one payee: measures, bonuses), credit (one credit of a set: per-credit
    earnings; sees the payee's names too).
    """

    kind: str
    table: str | None = None
    owner: str = ""  # the definition this expression belongs to
    outer: "Scope | None" = None  # inside an aggregate's where: the enclosing scope

    def row_table(self) -> str | None:
        return self.table if self.kind in ("row", "credit") else None

    def sees_payee(self) -> bool:
        s: Scope | None = self
        while s is not None:
            if s.kind in ("payee", "credit"):
                return True
            s = s.outer
        return False


@dataclass
class Checked:
    """A checked plan: the context every pass reads and writes."""

    source: SourceFile
    plan: Plan | None = None
    problems: Problems = field(default_factory=Problems)
    symbols: Symbols = field(default_factory=Symbols)
    exprs: dict[Path, ast.Node] = field(default_factory=dict)
    scopes: dict[Path, Scope] = field(default_factory=dict)
    resolved: dict[ast.Ref, Resolution] = field(default_factory=dict)
    types: dict[ast.Node, Type] = field(default_factory=dict)
    deps: dict[str, set[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    in_cycle: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems.errors

    def error(self, pos: Pos | None, message: str, hint: str | None = None,
              code: str = "error") -> None:
        self.problems.error(pos, message, hint, code)

    def expr(self, *path) -> ast.Node | None:
        return self.exprs.get(tuple(path))

    def type_of(self, node: ast.Node | None) -> Type | None:
        return None if node is None else self.types.get(node)


# ---------------------------------------------------------------- passes

def pass_names(c: Checked) -> None:
    """Names are shared by all sections: one definition per name, no keywords."""
    seen: dict[str, tuple[str, Pos]] = {}
    data = c.source.data if isinstance(c.source.data, dict) else {}
    for section in SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for name in entries:
            pos = c.source.key_pos((section, name))
            if name in KEYWORDS or name in FUNCTIONS:
                c.error(pos, f"'{name}' is a reserved word and cannot name a {section[:-1]}",
                        "choose another name", code="reserved-name")
            if name in seen:
                other_section, other_pos = seen[name]
                c.error(pos, f"duplicate name '{name}': also defined in {other_section} at "
                        f"line {other_pos.line}", "every param, input, credit, measure, rate "
                        "and earning needs its own name", code="duplicate-name")
                c.symbols.broken.add(name)  # no cascade (e.g. a false cycle) from the clash
            else:
                seen[name] = (section, pos)


def pass_tables(c: Checked) -> None:
    """Inputs become tables with typed columns; credit sets inherit their source's."""
    plan, sym = c.plan, c.symbols
    for name, inp in plan.inputs.items():
        kind = "payees" if name == "payees" else ("transactions" if inp.key else "per_payee")
        info = TableInfo(name, kind, pos=c.source.key_pos(("inputs", name)), key=inp.key,
                         payee=inp.payee, date=inp.date)
        for col, word in inp.columns.items():
            info.columns[col] = parse_column_type(word)
        for role, t in (("key", T_TEXT), ("payee", T_TEXT), ("date", T_DATE),
                        ("period", T_TEXT), ("currency", T_TEXT), ("manager", T_TEXT),
                        ("start", T_DATE), ("end", T_DATE)):
            col = getattr(inp, role)
            if col and col not in info.columns:
                info.columns[col] = t
            elif col and role in ("date",) and info.columns[col] != T_DATE:
                c.error(c.source.pos(("inputs", name, "columns", col)),
                        f"column '{col}' is the date of '{name}' but is declared "
                        f"{info.columns[col]}", "declare it as date", code="wrong-type")
        is_fx = plan.fx is not None and plan.fx.from_ == name
        if is_fx:
            kind = "reference"
            info.kind = kind
            for col in (plan.fx.currency, plan.fx.rate):
                if col not in info.columns:
                    c.error(info.pos, f"the exchange-rate input '{name}' has no column '{col}'",
                            f"declare it under inputs.{name}.columns", code="unknown-column")
        if kind == "per_payee" and not inp.payee:
            c.error(info.pos, f"input '{name}' needs either 'key:' (a table of transactions) "
                    "or 'payee:' (one row per payee)", "add 'payee: <column with the payee id>'",
                    code="missing-field")
        if kind == "payees" and not inp.key:
            c.error(info.pos, "input 'payees' needs 'key:', the column with the payee id",
                    "add 'key: payee_id'", code="missing-field")
        for col in inp.by:
            if col not in info.columns:
                c.error(c.source.pos(("inputs", name, "by")), f"'by: {col}' is not a column "
                        f"of '{name}'", f"declare it under inputs.{name}.columns",
                        code="unknown-column")
        if kind == "payees":
            info.payee = inp.key
        for col in inp.rename:
            if col not in info.columns:
                c.error(c.source.key_pos(("inputs", name, "rename", col)),
                        f"'{col}' is renamed but is not a column of '{name}'",
                        did_you_mean(col, info.columns) or "declare it under columns",
                        code="unknown-column")
        sym.tables[name] = info
    for name, cr in plan.credits.items():
        src = sym.tables.get(cr.from_)
        pos = c.source.pos(("credits", name, "from"))
        info = TableInfo(name, "credits", pos=c.source.key_pos(("credits", name)),
                         source=cr.from_)
        if src is None:
            if cr.from_ not in sym.broken:
                c.error(pos, f"credits '{name}' come from unknown input '{cr.from_}'",
                        did_you_mean(cr.from_, plan.inputs) or "declare it under inputs",
                        code="unknown-name")
            sym.broken.add(name)
            continue
        if src.kind != "transactions":
            c.error(pos, f"credits come from a table of transactions; '{cr.from_}' has no "
                    "'key:' column", "add 'key: <row id column>' to the input",
                    code="wrong-kind")
        info.columns = dict(src.columns)
        info.key, info.payee, info.date = src.key, src.payee, src.date
        if cr.payee:
            if cr.payee not in src.columns:
                c.error(c.source.pos(("credits", name, "payee")),
                        f"'{cr.payee}' is not a column of '{cr.from_}'",
                        did_you_mean(cr.payee, src.columns), code="unknown-column")
            info.payee = cr.payee
        if not info.payee and not cr.split:
            c.error(info.pos, f"credits '{name}' need a payee: '{cr.from_}' has no 'payee:' "
                    "column", "add 'payee: <column>' to the input or the credit",
                    code="missing-field")
        if cr.split:
            split = plan.inputs.get(cr.split.from_)
            if split is None:
                c.error(c.source.pos(("credits", name, "split", "from")),
                        f"unknown split table '{cr.split.from_}'",
                        did_you_mean(cr.split.from_, plan.inputs) or "declare it under inputs",
                        code="unknown-name")
            else:
                _check_split(c, name, cr, split)
        info.columns["value"] = None  # typed by pass_types
        sym.tables[name] = info
    if plan.fx is not None and plan.fx.from_ not in plan.inputs:
        c.error(c.source.pos(("fx", "from")), f"unknown exchange-rate input '{plan.fx.from_}'",
                did_you_mean(plan.fx.from_, plan.inputs) or "declare it under inputs",
                code="unknown-name")
    for name, inp in plan.inputs.items():
        if inp.currency and plan.fx is None and name != "payees":
            c.error(c.source.pos(("inputs", name, "currency")),
                    f"'{name}' has a currency column but the plan has no exchange rates",
                    "add 'fx: {from: <input with currency and rate columns>}'",
                    code="missing-field")
    payees = plan.inputs.get("payees")
    for name, cr in plan.credits.items():
        if cr.rollup and (payees is None or not payees.manager):
            c.error(c.source.key_pos(("credits", name, "rollup")), f"credits '{name}' roll "
                    "up to managers, but the payees input has no 'manager:' column",
                    "add 'manager: manager_id' under inputs.payees", code="missing-field")
    sym.params = {n: None for n in plan.params}
    sym.measures = {n: None for n in plan.measures}
    sym.earnings = {n: T_MONEY for n in plan.earnings}
    sym.rates = {n: None for n in plan.rates}
    for section in SECTIONS:
        for n in getattr(plan, section):
            sym.positions[n] = c.source.key_pos((section, n))


def _check_split(c: Checked, name: str, cr, split) -> None:
    """A split table names, per row, the transaction (the link), the payee and a share.

    The link is the column named like the credited input's key (`deal_id`): the engine
    groups the split rows by it.
    """
    base = ("credits", name, "split")
    table = cr.split.from_
    if not split.payee:
        c.error(c.source.pos(base + ("from",)), f"split table '{table}' has no 'payee:' "
                "column: nothing says who gets each share",
                f"add 'payee: <column with the payee id>' under inputs.{table}",
                code="missing-field")
    link = c.plan.inputs[cr.from_].key if cr.from_ in c.plan.inputs else None
    if link and link not in split.columns and link not in (split.key, split.payee):
        c.error(c.source.pos(base + ("from",)), f"split table '{table}' has no column "
                f"'{link}' to link its rows to '{cr.from_}'",
                f"declare '{link}' under inputs.{table}.columns: each row names the "
                f"{cr.from_} row it splits by its '{link}'", code="unknown-column")
    if cr.split.share not in split.columns:
        c.error(c.source.pos(base + (("share",) if c.source.has(base + ("share",)) else ())),
                f"split table '{table}' has no column '{cr.split.share}'",
                did_you_mean(cr.split.share, split.columns) or
                f"declare the share column under inputs.{table}.columns as ratio",
                code="unknown-column")
        return
    t = parse_column_type(split.columns[cr.split.share])
    if t is not None and t.kind != RATIO:
        c.error(c.source.pos(("inputs", table, "columns", cr.split.share)),
                f"the share column '{cr.split.share}' of split table '{table}' is declared "
                f"{split.columns[cr.split.share]}, but a share is a ratio",
                "declare it as ratio (values like 60% or 0.6)", code="wrong-type")


def pass_plan(c: Checked) -> None:
    """Plan-level settings that the model alone cannot check: dates in order, weights."""
    plan = c.plan
    eff = plan.effective
    if eff is not None and eff.to is not None and eff.from_ > eff.to:
        c.error(c.source.pos(("effective", "to")), f"the plan's effective dates are "
                f"reversed: it starts on {eff.from_} but ends on {eff.to}",
                "'from' is the first day the plan applies and 'to' the last",
                code="bad-value")
    for name, inp in plan.inputs.items():
        if not inp.weights:
            continue
        base = ("inputs", name, "weights")
        bad = False
        for key in inp.weights:
            k = str(key).strip()
            # as the engine names periods: 1, 2, ... (not 01, which would never match)
            if not (k.isdigit() and k.isascii() and int(k) >= 1 and k == str(int(k))):
                bad = True
                c.error(c.source.key_pos(base + (key,)), f"'{key}' is not a period number "
                        f"in inputs.{name}.weights", "number the periods within the target's "
                        "span from 1: {1: 20%, 2: 25%, 3: 25%, 4: 30%} for the quarters of "
                        "a year", code="bad-value")
        total = sum(inp.weights.values())
        if not bad and total != 1:
            shown = format((total * 100).normalize(), "f")
            c.error(c.source.pos(base), f"the weights of '{name}' add up to {shown}%, "
                    "not 100%", "each period's weight is its share of the target; "
                    "together they must make 100%", code="bad-value")


def _expression_fields(plan: Plan):
    """(path, text, scope) of every expression in the plan."""
    for name, text in plan.params.items():
        yield ("params", name), text, Scope("param", owner=name)
    for name, cr in plan.credits.items():
        row = Scope("row", cr.from_, owner=name)
        if cr.when is not None:
            yield ("credits", name, "when"), cr.when, row
        yield ("credits", name, "value"), cr.value, row
    for name, text in plan.measures.items():
        yield ("measures", name), text, Scope("payee", owner=name)
    for name, rt in plan.rates.items():
        if rt.basis is not None:
            yield ("rates", name, "basis"), rt.basis, Scope("payee", owner=name)
        for i, tier in enumerate(rt.tiers or ()):
            for key in ("from", "to", "rate"):
                text = getattr(tier, "from_" if key == "from" else key)
                if text is not None:
                    yield ("rates", name, "tiers", i, key), text, Scope("const", owner=name)
        for i, row in enumerate(rt.rows or ()):
            for j, cell in enumerate(row):
                yield ("rates", name, "rows", i, j), cell, Scope("const", owner=name)
        if rt.default is not None:
            yield ("rates", name, "default"), rt.default, Scope("const", owner=name)
    for name, e in plan.earnings.items():
        each = Scope("credit", e.each, owner=name) if e.each else Scope("payee", owner=name)
        if e.when is not None:
            yield ("earnings", name, "when"), e.when, each
        yield ("earnings", name, "value"), e.value, each
        for key in ("cap", "floor"):
            text = getattr(e, key)
            if text is not None:
                yield ("earnings", name, key), text, Scope("payee", owner=name)
    if plan.total is not None:
        for key in ("cap", "floor"):
            text = getattr(plan.total, key)
            if text is not None:
                yield ("total", key), text, Scope("payee", owner="total")
    for name, e in plan.earnings.items():
        if e.hold is not None:
            scope = Scope("credit", e.each, owner=name) if e.each else Scope("payee", owner=name)
            yield ("earnings", name, "hold", "share"), e.hold.share, scope
            if e.hold.until is not None:
                yield ("earnings", name, "hold", "until"), e.hold.until, scope
    if plan.payout is not None and plan.payout.draw is not None:
        yield ("payout", "draw", "amount"), plan.payout.draw.amount, Scope("payee",
                                                                           owner="payout")
    for name, cb in plan.clawbacks.items():
        scope = Scope("row", cb.from_, owner="clawback " + name)
        yield ("clawbacks", name, "when"), cb.when, scope
        yield ("clawbacks", name, "share"), cb.share, scope


# A key cell of a lookup row written as a bare word (`[hw, EMEA, 5%]`) is that text;
# so is one written with words, spaces, '-' or '.' (`North America`, `EMEA-North`).
_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[ .\-/]+[A-Za-z0-9_]+)*")


def _is_key_cell(c: Checked, path: Path) -> bool:
    """A key cell of a lookup row: every cell of a row but its last (the value)."""
    if len(path) != 5 or path[0] != "rates" or path[2] != "rows":
        return False
    rt = c.plan.rates.get(path[1])
    row = rt.rows[path[3]] if rt is not None and rt.rows else None
    return row is not None and path[4] < len(row) - 1


def _parse_key_cell(text: str, at) -> ast.Node:
    """`hw` and `"*"` (YAML-quoted, the wildcard) are texts; numbers, dates, quoted
    texts and true/false are the literals they are."""
    word = text.strip()
    if word == "*" or (_BARE_WORD.fullmatch(word) and word not in ("true", "false",
                                                                     "missing")):
        return ast.String(at(text.index(word[0])), word)
    return parse_expression(text, at)


def pass_parse(c: Checked) -> None:
    """Every expression text -> AST, positioned in the YAML file."""
    for path, text, scope in _expression_fields(c.plan):
        at = c.source.offset_map(path, str(text))
        try:
            if _is_key_cell(c, path):
                c.exprs[path] = _parse_key_cell(str(text), at)
                c.scopes[path] = scope
                continue
            c.exprs[path] = parse_expression(str(text), at)
            c.scopes[path] = scope
        except ExprSyntaxError as e:
            c.problems.add(e.problem)
            c.symbols.broken.add(scope.owner)


def pass_resolve(c: Checked) -> None:
    """Every name -> what it means in its scope; unknown names get a did-you-mean."""
    r = _Resolver(c)
    for path, node in c.exprs.items():
        scope = c.scopes[path]
        c.deps.setdefault(scope.owner, set())
        if _is_tier_bound(path) and not isinstance(node, ast.Number):
            continue  # pass_rates says once that a bound is written out
        r.visit(node, scope)
    for name, cr in c.plan.credits.items():
        c.deps.setdefault(name, set()).add(cr.from_)
    for name, e in c.plan.earnings.items():
        if e.each:
            c.deps.setdefault(name, set()).add(e.each)


def _is_tier_bound(path: Path) -> bool:
    return len(path) == 5 and path[0] == "rates" and path[2] == "tiers" and \
        path[4] in ("from", "to")


def pass_cycles(c: Checked) -> None:
    """Definitions form a DAG (so evaluation always ends); print any cycle found."""
    known = c.symbols.all_names()  # once: it builds a set of every name
    graph = {n: sorted(d for d in ds if d in c.deps or d in known) for n, ds in c.deps.items()}
    # visit in the order the plan lists its definitions, so independent steps keep it
    where = c.symbols.positions
    names = sorted(set(graph) | {d for ds in graph.values() for d in ds},
                   key=lambda n: (where[n].line, where[n].col, n) if n in where else (0, 0, n))
    state: dict[str, int] = {}  # 1 visiting, 2 done
    order: list[str] = []
    reported: set[frozenset] = set()
    for root in names:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            children = graph.get(node, [])
            if i < len(children):
                stack.append((node, i + 1))
                child = children[i]
                if state.get(child) == 1:
                    cycle = path[path.index(child):] + [child]
                    key = frozenset(cycle)
                    if key not in reported and not key & c.symbols.broken:
                        reported.add(key)
                        c.in_cycle.update(cycle)
                        first = min(cycle[:-1], key=lambda n: c.symbols.positions.get(
                            n, Pos("", 10**9, 0)))
                        k = cycle.index(first)
                        shown = cycle[k:-1] + cycle[:k] + [first]
                        c.error(c.symbols.positions.get(first),
                                "circular definition: " + " -> ".join(shown),
                                "a definition cannot depend on itself; break the "
                                "cycle", code="cycle")
                elif not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
                order.append(node)
    c.order = order


def pass_types(c: Checked) -> None:
    """Types and units of every expression, definitions in dependency order."""
    by_owner: dict[str, list[Path]] = {}
    for path in c.exprs:
        by_owner.setdefault(c.scopes[path].owner, []).append(path)
    typer = _Typer(c)
    # the cells of rate tables are literals: type them first, so a table's value type
    # is known wherever it is used (a credit rule does not depend on the table's basis)
    for name in c.plan.rates:
        for path in by_owner.get(name, ()):
            if path[2] != "basis":
                typer.visit(c.exprs[path], c.scopes[path])
        c.symbols.rates[name] = _rate_value_type(c, name)
    for name in c.order:
        for path in by_owner.get(name, ()):
            if path[0] == "rates" and path[2] != "basis":
                continue
            node = c.exprs[path]
            t = typer.visit(node, c.scopes[path])
            _record_definition_type(c, path, node, t)
        if name in c.plan.rates:
            # what the table gives, from every row or tier, before anything uses it
            # (pass_rates reports the mismatches)
            c.symbols.rates[name] = _rate_value_type(c, name)


def _record_definition_type(c: Checked, path: Path, node: ast.Node, t: Type | None) -> None:
    sym = c.symbols
    section, name = path[0], path[1]
    if section == "params":
        sym.params[name] = t  # a param that is a plain number stays an untyped constant
    elif section == "measures":
        sym.measures[name] = t.plain() if t is not None and not _is_literal(node) else t
    elif section == "credits" and path[2] == "value":
        info = sym.tables.get(name)
        if info is not None:
            info.columns["value"] = t.plain() if t else None
            if t is not None and t.kind not in (MONEY, NUMBER, INTEGER, MISSING):
                info.columns["value"] = None  # no cascade into what adds the credits up
                c.error(node.pos, f"a credit's value must be money or a number, not {_a(t)}",
                        "credit the amount, e.g. 'value: amount' or 'value: amount * 50%'",
                        code="unit-mismatch")
    elif section == "credits" and path[2] == "when":
        _expect_boolean(c, node, t, "'when'")
    elif section == "earnings" and path[2] == "hold":
        if path[3] == "until":
            _expect_boolean(c, node, t, "a hold's 'until'")
        else:
            _expect_ratio(c, node, t, "a hold's share")
    elif section == "clawbacks":
        if path[2] == "when":
            _expect_boolean(c, node, t, "a clawback's 'when'")
        else:
            _expect_ratio(c, node, t, "a clawback's share")
    elif section == "payout":
        if t is not None and t.kind not in (MONEY, NUMBER, INTEGER, MISSING):
            c.error(node.pos, f"a draw's amount must be money, not {_a(t)}",
                    "e.g. 'amount: 5000' or 'amount: payee.draw'", code="unit-mismatch")
    elif section == "earnings":
        field = path[2]
        if field == "when":
            _expect_boolean(c, node, t, "'when'")
        elif t is not None and t.kind not in (MONEY, NUMBER, INTEGER, MISSING):
            what = {"value": "an earning's value", "cap": "a cap", "floor": "a floor"}[field]
            c.error(node.pos, f"{what} must be money, not {_a(t)}",
                    "multiply a rate by an amount, e.g. 'amount * 8%'" if t.kind == RATIO
                    else None, code="unit-mismatch")
    elif section == "total":
        if t is not None and t.kind not in (MONEY, NUMBER, INTEGER, MISSING):
            c.error(node.pos, f"a total {path[1]} must be money, not {_a(t)}",
                    code="unit-mismatch")
    elif section == "rates":
        if path[2] == "basis" and t is not None and not t.numeric:
            c.error(node.pos, f"a rate table's basis must be a number, ratio or money, not {_a(t)}",
                    code="unit-mismatch")


def _a(t: Type) -> str:
    return types_a(t)


def _expect_boolean(c: Checked, node: ast.Node, t: Type | None, what: str) -> None:
    if t is not None and t.kind not in (BOOLEAN, MISSING):
        c.error(node.pos, f"{what} must be a condition (true or false), not {_a(t)}",
                "compare it, e.g. 'amount > 0'", code="unit-mismatch")


def _expect_ratio(c: Checked, node: ast.Node, t: Type | None, what: str) -> None:
    if t is not None and t.kind not in (RATIO, MISSING) and not (t.const and t.numeric):
        c.error(node.pos, f"{what} must be a percentage, not {_a(t)}", "e.g. 30%",
                code="unit-mismatch")


def _is_literal(node: ast.Node) -> bool:
    return isinstance(node, (ast.Number, ast.String, ast.Boolean, ast.DateLit, ast.Missing))


def pass_rates(c: Checked) -> None:
    """Rate tables: tiers sorted, contiguous and typed; lookup rows complete."""
    for name, rt in c.plan.rates.items():
        base = ("rates", name)
        pos = c.source.key_pos(base)
        if rt.tiers is not None and rt.keys is not None:
            c.error(pos, f"rate table '{name}' has both 'tiers' and 'keys'",
                    "a table is either tiers on a basis or a lookup by keys",
                    code="rate-table")
            continue
        if rt.tiers is not None:
            _check_tiers(c, name, rt)
        elif rt.keys is not None:
            _check_lookup(c, name, rt)
        else:
            c.error(pos, f"rate table '{name}' needs 'tiers' (with a basis) or 'keys' and "
                    "'rows' (a lookup table)", code="rate-table")


def _const_value(c: Checked, path: Path):
    node = c.exprs.get(path)
    if isinstance(node, ast.Number):
        return _Bound(node.value, node.text)
    if node is not None and path in c.exprs:
        c.error(c.source.pos(path), "a tier bound must be a number, a percentage or an amount, "
                "written out", "move the calculation into the basis", code="rate-table")
    return None


def _is_zero(node: ast.Node | None) -> bool:
    """A literal 0: it is 0% and 0 money alike, so it agrees with any unit."""
    return isinstance(node, ast.Number) and node.value == 0


def _is_plain_number(node: ast.Node | None) -> bool:
    """A number written without '%' (and not 0)."""
    return isinstance(node, ast.Number) and not node.percent and node.value != 0


def _basis_text(c: Checked, name: str) -> str:
    rt = c.plan.rates[name]
    return str(rt.basis).strip() if rt.basis is not None else name


def _check_tiers(c: Checked, name: str, rt) -> None:
    base = ("rates", name)
    pos = c.source.key_pos(base)
    for key, words in (("basis", "what picks the tier, e.g. 'basis: attainment'"),
                       ("mode", "'mode: marginal' (each band at its rate) or 'mode: whole' "
                                "(the whole amount at the reached tier's rate)"),
                       ("at_boundary", "which tier a value exactly on a bound takes: "
                                       "'at_boundary: upper' or 'at_boundary: lower'")):
        if getattr(rt, key) is None:
            c.error(pos, f"rate table '{name}' must say {key}", f"add {words}",
                    code="missing-field")
    if not rt.tiers:
        c.error(pos, f"rate table '{name}' has no tiers", code="rate-table")
        return
    basis_t = c.type_of(c.expr(*base, "basis"))
    rate_types: list[str] = []
    prev_to = None
    n = len(rt.tiers)
    for i, tier in enumerate(rt.tiers):
        tpos = c.source.pos(base + ("tiers", i))
        lo = _const_value(c, base + ("tiers", i, "from")) if tier.from_ is not None else None
        hi = _const_value(c, base + ("tiers", i, "to")) if tier.to is not None else None
        for key, v in (("from", lo), ("to", hi)):
            node = c.expr(*base, "tiers", i, key)
            t = c.type_of(node)
            if v is None or basis_t is None or t is None:
                continue  # absent, or not written out (reported once, above)
            if basis_t.kind == RATIO and _is_plain_number(node):
                c.error(node.pos, f"tier bound {node.text} is a plain number, but the basis "
                        f"'{_basis_text(c, name)}' is a ratio",
                        "write bounds on a ratio as percentages: 100% is the whole "
                        "(not 1 or 100)", code="unit-mismatch")
                continue
            try:
                unify(basis_t, t, "tier bound")
            except UnitError:
                c.error(node.pos, f"tier bound is {_a(t)} but the basis is {_a(basis_t)}",
                        "write bounds in the basis's unit (e.g. 100% for attainment)",
                        code="unit-mismatch")
        rnode = c.expr(*base, "tiers", i, "rate")
        rtype = c.type_of(rnode)
        if rtype is not None:
            if _is_zero(rnode):
                pass  # 0 pays nothing in either unit
            elif rtype.kind in (RATIO, MONEY) or rtype.const:
                rate_types.append(RATIO if rtype.kind == RATIO else MONEY)
            else:
                c.error(rnode.pos, f"a tier's rate must be a percentage or an amount, "
                        f"not {_a(rtype)}", code="unit-mismatch")
        if tier.to is None and i < n - 1:
            c.error(tpos, f"tier {i + 1} of '{name}' has no upper bound but is not the last",
                    "give it 'to:', or move it to the end", code="tier-bounds")
        if (tier.from_ is not None and lo is None) or (tier.to is not None and hi is None):
            prev_to = None  # a bound not written out: order cannot be checked across it
            continue
        if lo is not None and hi is not None and hi <= lo:
            c.error(c.source.pos(base + ("tiers", i, "to")),
                    f"tier {i + 1} of '{name}' ends at {_fmt(hi)}, not above its start "
                    f"{_fmt(lo)}", "bounds must rise from tier to tier", code="tier-bounds")
        if prev_to is not None:
            start = lo if lo is not None else prev_to
            if hi is not None and hi <= prev_to:
                c.error(c.source.pos(base + ("tiers", i, "to")),
                        f"tiers of '{name}' are not in order: tier {i + 1} ends at "
                        f"{_fmt(hi)}, not above the previous tier's end {_fmt(prev_to)}",
                        "list tiers from the lowest bound to the highest", code="tier-bounds")
            elif lo is not None and start > prev_to:
                c.error(c.source.pos(base + ("tiers", i, "from")),
                        f"gap between tiers of '{name}': nothing covers {_fmt(prev_to)} to "
                        f"{_fmt(lo)}", f"start tier {i + 1} at {_fmt(prev_to)}",
                        code="tier-bounds")
            elif lo is not None and start < prev_to:
                c.error(c.source.pos(base + ("tiers", i, "from")),
                        f"tiers of '{name}' overlap: tier {i + 1} starts at {_fmt(lo)}, "
                        f"below the previous tier's end {_fmt(prev_to)}",
                        f"start tier {i + 1} at {_fmt(prev_to)}", code="tier-bounds")
        if hi is not None:
            prev_to = max(prev_to, hi) if prev_to is not None else hi
    kinds = set(rate_types)
    if len(kinds) > 1:
        c.error(pos, f"the tiers of '{name}' mix percentages and amounts",
                "use percentages (of an amount) or amounts (per unit), not both",
                code="unit-mismatch")
    c.symbols.rates[name] = _rate_value_type(c, name) if len(kinds) <= 1 else None
    if c.symbols.rates[name] == T_MONEY and basis_t is not None and basis_t.kind == MONEY:
        c.error(pos, f"the tiers of '{name}' pay an amount per unit, but the basis is money",
                "write the rates as percentages", code="unit-mismatch")


class _Bound:
    """A tier bound: its value, and the text the admin wrote for messages."""

    def __init__(self, value, text):
        self.value, self.text = value, text

    def __lt__(self, other):
        return self.value < other.value

    def __le__(self, other):
        return self.value <= other.value

    def __gt__(self, other):
        return self.value > other.value


def _fmt(v) -> str:
    return v.text


def _rate_value_type(c: Checked, name: str) -> Type | None:
    """What a rate table gives, from the types of all its cells (quietly: pass_rates
    reports what disagrees). Tiers: ratio (percentages) or money (amounts per unit), a
    0 agreeing with either. Lookups: the rows' common type; untyped numbers (500) stay
    untyped constants, so `booked + lookup(bonus, payee.region)` is money."""
    rt = c.plan.rates[name]
    if rt.tiers is not None:
        kinds = set()
        for i in range(len(rt.tiers)):
            node = c.expr("rates", name, "tiers", i, "rate")
            t = c.type_of(node)
            if t is None or _is_zero(node):
                continue
            if t.kind == MONEY or (t.const and t.kind != RATIO):
                kinds.add(MONEY)
            elif t.kind == RATIO:
                kinds.add(RATIO)
        if len(kinds) > 1:
            return None
        return Type(kinds.pop()) if kinds else T_RATIO  # all 0: pays nothing
    value_t: Type | None = None
    zero = False
    for i, row in enumerate(rt.rows or ()):
        node = c.expr("rates", name, "rows", i, len(row) - 1)
        t = c.type_of(node)
        if t is None or len(row) != len(rt.keys or ()) + 1:
            continue
        if _is_zero(node):
            zero = True  # 0 agrees with any unit
            continue
        try:
            value_t = t if value_t is None else _unify_values(value_t, t)
        except UnitError:
            return None
    return value_t if value_t is not None or not zero else T_CONST_INT


def _unify_values(a: Type, b: Type) -> Type:
    """The common type of two lookup values; a percentage and a plain number (5% and
    500) do not mix: one of them is surely meant otherwise."""
    if {a.kind, b.kind} <= {RATIO, NUMBER, INTEGER} and (
            (a.kind == RATIO and not a.const and b.const) or
            (b.kind == RATIO and not b.const and a.const)):
        raise UnitError("lookup values: percentages and plain numbers do not mix",
                        "write every value as a percentage (5%), or every value as an "
                        "amount (500)")
    return unify(a, b, "lookup values")


_PLURAL = {TEXT: "texts", INTEGER: "numbers", NUMBER: "numbers", DATE: "dates",
           BOOLEAN: "true or false", MONEY: "amounts", RATIO: "percentages"}


def _value_word(t: Type) -> str:
    """A value as an admin wrote it: a percentage, an amount, a plain number."""
    if t.const and t.kind in (NUMBER, INTEGER):
        return "a plain number"
    return {RATIO: "a percentage", MONEY: "an amount"}.get(t.kind) or _a(t)


def _values_word(t: Type) -> str:
    if t.const and t.kind in (NUMBER, INTEGER):
        return "plain numbers"
    return _PLURAL.get(t.kind, t.kind)


def _lookup_key_types(c: Checked, name: str) -> list[Type | None]:
    """The type of each key column, from its cells ("*", the wildcard, fits any)."""
    rt = c.plan.rates[name]
    keys = rt.keys or []
    out: list[Type | None] = [None] * len(keys)
    for i, row in enumerate(rt.rows or ()):
        if len(row) != len(keys) + 1:
            continue
        for j in range(len(keys)):
            node = c.expr("rates", name, "rows", i, j)
            t = c.type_of(node)
            if t is None or (isinstance(node, ast.String) and node.value == "*"):
                continue
            try:
                out[j] = t if out[j] is None else unify(out[j], t, "keys")
            except UnitError:
                pass
    return out


def _check_lookup(c: Checked, name: str, rt) -> None:
    base = ("rates", name)
    width = len(rt.keys) + 1
    value_t: Type | None = None
    key_t: list[Type | None] = [None] * len(rt.keys)
    for i, row in enumerate(rt.rows or ()):
        if len(row) != width:
            c.error(c.source.pos(base + ("rows", i)),
                    f"row {i + 1} of '{name}' has {len(row)} values; expected {width} "
                    f"({', '.join(rt.keys)} and the value)", code="rate-table")
            continue
        for j, key in enumerate(rt.keys):
            node = c.expr(*base, "rows", i, j)
            t = c.type_of(node)
            if t is None or (isinstance(node, ast.String) and node.value == "*"):
                continue
            try:
                key_t[j] = t if key_t[j] is None else unify(key_t[j], t, "keys")
            except UnitError:
                c.error(node.pos, f"row {i + 1} of '{name}' has {_a(t)} for '{key}', but "
                        f"the rows above have {_a(key_t[j])}",
                        "write every row's key in one kind: texts (hw), numbers or dates",
                        code="unit-mismatch")
        node = c.expr(*base, "rows", i, width - 1)
        t = c.type_of(node)
        if t is not None and not _is_zero(node):
            try:
                value_t = t if value_t is None else _unify_values(value_t, t)
            except UnitError as e:
                c.error(node.pos, str(e), e.hint, code="unit-mismatch")
    if not rt.rows:
        c.error(c.source.key_pos(base), f"lookup table '{name}' has no rows", code="rate-table")
    dnode = c.expr(*base, "default")
    dt_ = c.type_of(dnode)
    if dt_ is not None and value_t is not None and not _is_zero(dnode):
        try:
            _unify_values(value_t, dt_)
        except UnitError as e:
            c.error(dnode.pos, f"the default of '{name}' is {_value_word(dt_)}, but its "
                    f"rows are {_values_word(value_t)}",
                    e.hint or "write the default in the rows' unit", code="unit-mismatch")
    c.symbols.rates[name] = _rate_value_type(c, name)


def pass_earnings(c: Checked) -> None:
    """Per-credit earnings name a credit set; a plan pays something."""
    for name, e in c.plan.earnings.items():
        if e.each and e.each not in c.symbols.tables and e.each not in c.symbols.broken:
            c.error(c.source.pos(("earnings", name, "each")),
                    f"'each: {e.each}' names no credit set",
                    did_you_mean(e.each, c.plan.credits) or "name one under credits",
                    code="unknown-name")
    for name, e in c.plan.earnings.items():
        if e.each and e.each in c.symbols.tables:
            _warn_unordered_credits(c, name, e)
    if c.plan is not None and not c.plan.earnings and not c.symbols.broken:
        c.problems.warning(c.source.pos(()), "the plan has no earnings: it pays nothing",
                           code="no-earnings")


def _sets_behind(c: Checked, name: str) -> set[str]:
    """The credit sets and inputs a definition reads, through the measures it uses."""
    found: set[str] = set()
    seen = {name}
    todo = [name]
    while todo:
        for d in c.deps.get(todo.pop(), ()):
            kind = c.symbols.kind_of(d)
            if kind in ("credit", "input"):
                found.add(d)
            elif kind in ("measure", "earning", "rate") and d not in seen:
                seen.add(d)
                todo.append(d)
    return found


def _warn_unordered_credits(c: Checked, name: str, e) -> None:
    """A per-credit earning on marginal tiers pays each credit at the tiers its running
    basis reaches, so the order of the credits decides who gets which rate. Without a
    date, credits can only be ordered by their id."""
    node = c.expr("earnings", name, "value")
    if node is None:
        return
    sym = c.symbols
    warned: set[str] = set()
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and call.name == "tiered" and call.args):
            continue
        res = c.resolved.get(call.args[0])
        rt = c.plan.rates.get(res.name) if res is not None and res.kind == "rate" else None
        if rt is None or rt.tiers is None or rt.mode != "marginal":
            continue
        sets = [e.each] + sorted(_sets_behind(c, res.name))
        for s in sets:
            info = sym.tables.get(s)
            source = info.source if info is not None and info.kind == "credits" else s
            inp = c.plan.inputs.get(source or "")
            if inp is None or not inp.key or inp.date or source in warned or \
                    source == "payees":
                continue
            warned.add(source)
            c.problems.warning(
                c.source.pos(("earnings", name, "each")),
                f"'{name}' pays each credit of '{e.each}' along the marginal tiers of "
                f"'{res.name}' in the order the credits were made, but '{source}' has no "
                "'date:' column: credits are ordered by id only",
                f"add 'date: <column with the date>' under inputs.{source}",
                code="unordered-credits")


_ROLES = ("key", "payee", "date", "period", "currency", "manager", "start", "end")


def _data_columns(inp) -> list[str]:
    """The columns a scenario's rows (or a data file) give for an input: declared
    columns and role columns, by the names in the file (after `rename`)."""
    cols = list(inp.columns)
    for role in _ROLES:
        col = getattr(inp, role)
        if col and col not in cols:
            cols.append(col)
    return [inp.rename.get(col, col) for col in cols]


def pass_scenarios(c: Checked) -> None:
    """Scenarios: a period of the plan's kind, data for known inputs and columns, and
    expected values of known earnings and measures (or 'total')."""
    plan = c.plan
    expectable = set(plan.earnings) | set(plan.measures) | {"total"}
    if any(e.hold is not None for e in plan.earnings.values()):
        expectable.add("held")  # what holds kept back this period
    if plan.total is not None:
        expectable |= {"total_cap", "total_floor"}
    for i, sc in enumerate(plan.scenarios):
        base = ("scenarios", i)
        try:
            period = parse_period(sc.period)
        except ValueError as e:
            c.error(c.source.pos(base + ("period",)), str(e),
                    f"this plan pays by {plan.period}: write e.g. {EXAMPLES[plan.period]}",
                    code="bad-period")
        else:
            if period.kind != plan.period:
                c.error(c.source.pos(base + ("period",)), f"'{sc.period}' is a "
                        f"{period.kind}, but the plan pays by {plan.period}",
                        f"write a {plan.period}, e.g. {EXAMPLES[plan.period]}",
                        code="bad-period")
        for table, rows in sc.data.items():
            inp = plan.inputs.get(table)
            if inp is None:
                c.error(c.source.key_pos(base + ("data", table)), f"scenario data names "
                        f"unknown input '{table}'", did_you_mean(table, plan.inputs) or
                        "inputs: " + ", ".join(plan.inputs), code="unknown-name")
                continue
            header = _data_columns(inp)
            reported: set[str] = set()
            for r, row in enumerate(rows):
                for col in row:
                    if col in header or col in reported:
                        continue
                    reported.add(col)
                    c.error(c.source.key_pos(base + ("data", table, r, col)),
                            f"scenario data for '{table}' has unknown column '{col}'",
                            did_you_mean(col, header) or "columns: " + ", ".join(header),
                            code="unknown-column")
        for payee, wanted in sc.expect.items():
            for key in wanted or {}:
                if key in expectable:
                    continue
                c.error(c.source.key_pos(base + ("expect", payee, key)),
                        f"'{key}' is not an earning, a measure or 'total'",
                        did_you_mean(key, expectable) or "expect, per payee, the values "
                        "of earnings, measures or total", code="unknown-name")


# What the engine and the store pay beside the plan's earnings, under these names.
CARRIED_COMPONENTS = ("held", "released", "adjustment", "clawback", "draw", "paid_earlier",
                      "total_cap", "total_floor")


def pass_payout(c: Checked) -> None:
    """Holds, draws and clawbacks: what carries from one period to the next."""
    for name in c.plan.earnings:
        if name in CARRIED_COMPONENTS:
            c.error(c.source.key_pos(("earnings", name)),
                    f"'{name}' names lines compplan adds itself (holds, adjustments, "
                    "clawbacks, draws); an earning needs another name", code="reserved-name")
    for name, e in c.plan.earnings.items():
        if e.hold is None:
            continue
        pos = c.source.key_pos(("earnings", name, "hold"))
        if e.hold.until is None and e.hold.periods is None:
            c.error(pos, f"the hold on '{name}' says neither when it is released nor after "
                    "how many periods", "add 'until: <condition>' or 'periods: N'",
                    code="missing-field")
        if e.hold.until is not None and not e.each:
            c.error(c.source.pos(("earnings", name, "hold", "until")),
                    "'until' is checked against each line's transaction, so it needs an "
                    "earning paid per credit ('each:')", "use 'periods: N' here",
                    code="scope")
    for name, cb in c.plan.clawbacks.items():
        inp = c.plan.inputs.get(cb.from_)
        if inp is None or not inp.key:
            c.error(c.source.pos(("clawbacks", name, "from")),
                    f"a clawback watches a table of transactions; '{cb.from_}' is not one",
                    did_you_mean(cb.from_, [n for n, i in c.plan.inputs.items() if i.key])
                    or "name an input with a 'key:' column", code="unknown-name")


PASSES = [pass_names, pass_plan, pass_tables, pass_parse, pass_resolve, pass_cycles, pass_types,
          pass_rates, pass_earnings, pass_payout, pass_scenarios]


def check_source(text: str, filename: str) -> Checked:
    """Check plan text; the result lists every problem found."""
    src, yaml_problems = load_yaml(text, filename)
    c = Checked(src)
    for p in yaml_problems:
        c.problems.add(p)
    if src.data is None and not yaml_problems:
        c.error(Pos(filename, 1, 1), "the plan file is empty",
                "start with 'plan: my-plan-id'", code="empty")
    if src.data is None:
        return c
    plan, broken, problems = validate_structure(src)
    for p in problems:
        c.problems.add(p)
    c.symbols.broken |= broken
    if plan is None:
        return c
    c.plan = plan
    for run_pass in PASSES:
        run_pass(c)
    return c


def check_file(path: str | FsPath, display_name: str | None = None) -> Checked:
    p = FsPath(path)
    name = display_name or str(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        c = Checked(SourceFile(name, ""))
        c.problems.add(Problem(name, None, None, f"cannot read the file: {e.strerror}",
                               "check the path", code="io"))
        return c
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        c = Checked(SourceFile(name, ""))
        c.problems.add(Problem(name, None, None, f"the file is not UTF-8 text (byte "
                               f"{e.start})", "save it as UTF-8", code="encoding"))
        return c
    return check_source(text, name)


# ---------------------------------------------------------------- name resolution

class _Resolver:
    def __init__(self, c: Checked):
        self.c = c
        self.sym = c.symbols

    def visit(self, node: ast.Node, scope: Scope) -> None:
        if isinstance(node, ast.Ref):
            self.ref(node, scope)
            return
        if isinstance(node, ast.Call):
            self.call(node, scope)
            return
        for child in node.children():
            self.visit(child, scope)

    def call(self, node: ast.Call, scope: Scope) -> None:
        c = self.c
        name = node.name
        if name not in FUNCTIONS:
            c.error(node.pos, f"unknown function '{name}'",
                    did_you_mean(name, FUNCTIONS) or "functions: " + ", ".join(sorted(FUNCTIONS)),
                    code="unknown-function")
            for a in node.args:
                if isinstance(a, ast.Ref) and a.parts[0] in self.sym.tables:
                    continue  # perhaps a set for a misspelt aggregate: no second error
                self.visit(a, scope)
            return
        lo, hi = FUNCTIONS[name]
        n = len(node.args)
        if name in ("min", "max") and n == 1 and not self._names_set(node.args[0]):
            c.error(node.pos, f"{name}() of one value: give two or more values, or a set's "
                    "column", f"e.g. {name}(a, b) or {name}(deals.amount)", code="arity")
        elif n < lo or (hi is not None and n > hi):
            want = (f"{lo}" if lo == hi else f"{lo} or more" if hi is None else
                    f"{lo} or {hi}" if hi == lo + 1 else f"{lo} to {hi}")
            c.error(node.pos, f"{name}() takes {want} argument{'s' if want != '1' else ''}, "
                    f"got {n}", _arity_hint(name), code="arity")
        is_aggregate = name in AGGREGATES and n == 1 and (
            name in ("sum", "count", "avg", "distinct") or self._names_set(node.args[0]))
        if node.where is not None and not is_aggregate:
            c.error(node.where.pos, f"'where' filters the rows of an aggregate; {name}() "
                    "is not one", "use it as sum(deals.amount where ...)", code="where")
        if is_aggregate:
            arg = node.args[0]
            set_name = self._set_arg(arg, scope, name)
            if node.where is not None:
                if set_name is not None:
                    self.visit(node.where, Scope("row" if self.sym.tables[set_name].kind !=
                                                 "credits" else "credit", set_name,
                                                 scope.owner, outer=scope))
                else:
                    self.visit(node.where, scope)
            return
        if name in ("tiered", "rate", "lookup"):
            if node.args:
                self._rate_arg(node.args[0], scope, name)
            for a in node.args[1:]:
                self.visit(a, scope)
            return
        if name == "team" and node.args:
            self._team_arg(node, scope)
            return
        if name == "ytd" and node.args:
            arg = node.args[0]
            ok = isinstance(arg, ast.Call) and arg.name in AGGREGATES or (
                isinstance(arg, ast.Ref) and len(arg.parts) == 2 and
                self.sym.tables.get(arg.parts[0]) is not None and
                self.sym.tables[arg.parts[0]].kind == "per_payee")
            if not ok:
                c.error(arg.pos, "ytd() takes an aggregate or a target, year to date",
                        "e.g. ytd(sum(bookings)) or ytd(quotas.amount)", code="ytd-arg")
            if not scope.sees_payee():
                c.error(node.pos, "ytd() is per payee; use it in a measure or an earning",
                        code="scope")
            self.visit(arg, scope)
            return
        if name == "prorate" and not scope.sees_payee():
            c.error(node.pos, "prorate() scales by the payee's active days; use it in a "
                    "measure or an earning", code="scope")
        for a in node.args:
            self.visit(a, scope)

    def _team_arg(self, node: ast.Call, scope: Scope) -> None:
        """team(X [, levels]): X summed over the payee's reports (a manager override)."""
        c, arg = self.c, node.args[0]
        if not scope.sees_payee() or scope.kind == "credit":
            c.error(node.pos, "team() sums over a manager's reports; use it in a measure "
                    "or a per-payee earning", code="scope")
        if isinstance(arg, ast.Ref) and len(arg.parts) == 1 and \
                self.sym.kind_of(arg.parts[0]) in ("measure", "earning"):
            kind = self.sym.kind_of(arg.parts[0])
            c.resolved[arg] = Resolution(kind, arg.parts[0])
            if arg.parts[0] != scope.owner:
                c.deps.setdefault(scope.owner, set()).add(arg.parts[0])
        elif not (isinstance(arg, ast.Ref) and arg.parts[0] in self.sym.broken):
            c.error(arg.pos, "team() needs the name of a measure or an earning",
                    "e.g. team(booked) or team(commission)", code="team-arg")
        if "payees" not in self.sym.tables or not self.c.plan.inputs["payees"].manager:
            c.error(node.pos, "team() needs the payees input with a 'manager:' column",
                    "add 'manager: manager_id' under inputs.payees", code="missing-field")
        for a in node.args[1:]:
            self.visit(a, scope)

    def _names_set(self, node: ast.Node) -> bool:
        return isinstance(node, ast.Ref) and node.parts[0] in self.sym.tables and (
            len(node.parts) == 1 or self.sym.tables[node.parts[0]].kind in
            ("transactions", "credits") or self._has_by(node.parts[0]))

    def _has_by(self, name: str) -> bool:
        inp = self.c.plan.inputs.get(name)
        return inp is not None and bool(inp.by)

    def _set_arg(self, arg: ast.Node, scope: Scope, fn: str) -> str | None:
        c = self.c
        if not isinstance(arg, ast.Ref) or arg.parts[0] not in self.sym.tables:
            if isinstance(arg, ast.Ref) and arg.parts[0] in self.sym.broken:
                return None
            if isinstance(arg, ast.Ref) and arg.parts[0] not in self._visible(scope):
                self.ref(arg, scope)
                return None
            c.error(arg.pos, f"{fn}() adds up the rows of a credit set or table; name one",
                    "e.g. sum(bookings) or sum(deals.amount where type == \"new\")",
                    code="aggregate")
            self.visit(arg, scope)
            return None
        table = self.sym.tables[arg.parts[0]]
        c.deps.setdefault(scope.owner, set()).add(table.name)
        if scope.kind in ("row", "param", "const"):
            c.error(arg.pos, f"{fn}() over '{table.name}' is per payee and cannot be used "
                    f"in {'a credit rule' if scope.kind == 'row' else 'a param'}",
                    "aggregate in a measure, then use the measure", code="scope")
        if len(arg.parts) == 1:
            if table.kind != "credits" and fn not in ("count", "distinct"):
                c.error(arg.pos, f"'{table.name}' is a table; say which column to {fn}",
                        f"e.g. {fn}({table.name}.{_first_numeric(table) or 'amount'})",
                        code="aggregate")
            c.resolved[arg] = Resolution("set", table.name)
        elif len(arg.parts) == 2:
            col = arg.parts[1]
            if col not in table.columns:
                self._unknown_column(arg, table, col)
            else:
                c.resolved[arg] = Resolution("set_column", table.name, col)
        else:
            c.error(arg.pos, f"'{arg.dotted}' has too many parts", code="unknown-name")
        return table.name

    def _rate_arg(self, arg: ast.Node, scope: Scope, fn: str) -> None:
        c = self.c
        if isinstance(arg, ast.Ref) and len(arg.parts) == 1 and arg.parts[0] in self.sym.rates:
            c.resolved[arg] = Resolution("rate", arg.parts[0])
            if scope.sees_payee():
                c.deps.setdefault(scope.owner, set()).add(arg.parts[0])
            # in a credit rule only the table's literal cells can be used (the types
            # pass says so when the basis would be needed), so no dependency on the
            # basis: credits come before measures
            return
        if isinstance(arg, ast.Ref) and arg.parts[0] in self.sym.broken:
            return
        c.error(arg.pos, f"{fn}() needs the name of a rate table first",
                did_you_mean(arg.dotted, self.sym.rates) if isinstance(arg, ast.Ref) else
                f"e.g. {fn}(ae_tiers)", code="rate-arg")

    def _visible(self, scope: Scope) -> set[str]:
        names = set(self.sym.params)
        s: Scope | None = scope
        while s is not None:
            t = s.row_table()
            if t and t in self.sym.tables:
                names |= set(self.sym.tables[t].columns)
            if s.kind in ("payee", "credit"):
                names |= set(self.sym.measures) | set(self.sym.earnings) | {"payee", "period"}
                names |= {n for n, t in self.sym.tables.items() if t.kind == "per_payee"}
            if s.kind == "row":
                names |= {"payee", "period"}
            s = s.outer
        return names

    def _unknown_column(self, ref: ast.Ref, table: TableInfo, col: str) -> None:
        what = "credit set" if table.kind == "credits" else "input"
        section = "inputs" if table.kind != "credits" else "inputs." + (table.source or "")
        hint = did_you_mean(col, table.columns)
        if table.kind != "credits":
            hint = (hint + " or declare" if hint else "declare") + \
                f" '{col}' under {section}.{table.name}.columns"
        # the caret goes under the column's name, not the table's
        at = ref.part_pos[ref.parts.index(col, 1)] if col in ref.parts[1:] and \
            len(ref.part_pos) == len(ref.parts) else ref.pos
        self.c.error(at, f"{what} '{table.name}' has no column '{col}'", hint,
                     code="unknown-column")

    def ref(self, ref: ast.Ref, scope: Scope) -> None:
        c, sym = self.c, self.sym
        parts = ref.parts
        head = parts[0]
        res = self._lookup(ref, scope)
        if res is None:
            return
        if isinstance(res, Resolution):
            c.resolved[ref] = res
            if res.kind in ("param", "measure", "earning", "payee_table"):
                c.deps.setdefault(scope.owner, set()).add(res.name)
            return
        # an error message was returned
        msg, hint, code = res
        if head in sym.broken:
            return
        c.error(ref.pos, msg, hint, code=code)

    def _lookup(self, ref: ast.Ref, scope: Scope):
        sym = self.sym
        parts = ref.parts
        head = parts[0]
        # 1. columns of the current row (innermost scope first)
        s: Scope | None = scope
        while s is not None:
            t = s.row_table()
            if t and t in sym.tables:
                table = sym.tables[t]
                if len(parts) == 1 and head in table.columns:
                    return Resolution("column", t, head)
                if len(parts) == 2 and head == t:
                    if parts[1] in table.columns:
                        return Resolution("column", t, parts[1])
                    self._unknown_column(ref, table, parts[1])
                    return None
            s = s.outer
        if head == "payee":
            payees = sym.tables.get("payees")
            if len(parts) != 2:
                return ("write payee.<column>, e.g. payee.region", None, "unknown-name")
            if payees is None:
                return (f"'{ref.dotted}' needs an input named 'payees'",
                        "declare inputs.payees with the payee's columns", "unknown-name")
            if parts[1] not in payees.columns:
                self._unknown_column(ref, payees, parts[1])
                return None
            if scope.kind in ("param", "const"):
                return ("a param cannot depend on the payee", "use a measure", "scope")
            return Resolution("payee", "payees", parts[1])
        if head == "period":
            if len(parts) != 2 or parts[1] not in PERIOD_ATTRS:
                attr = parts[1] if len(parts) > 1 else ""
                return (f"the period has no attribute '{attr}'",
                        did_you_mean(attr, PERIOD_ATTRS) or
                        "use period.start, period.end, period.days or period.label",
                        "unknown-name")
            if scope.kind in ("param", "const"):
                return ("a param cannot depend on the period", "use a measure", "scope")
            return Resolution("period", "period", parts[1])
        kind = sym.kind_of(head)
        if kind is None:
            if head in sym.broken:
                return None
            visible = self._visible(scope) | sym.all_names()
            hint = did_you_mean(head, visible)
            # in a param or a literal's place, a bare word is most likely a text
            as_text = f"""to write the text {head}, quote it twice: '"{head}"'""" \
                if len(parts) == 1 else None
            if scope.kind == "const":
                return (f"unknown name '{head}': only literal values are allowed here",
                        as_text or "write a number, a percentage or a text", "unknown-name")
            if scope.kind == "param":
                return (f"unknown name '{head}'", did_you_mean(head, sym.params) or as_text,
                        "unknown-name")
            return (f"unknown name '{head}'", hint or _scope_hint(scope, head), "unknown-name")
        if scope.kind == "const":
            return (f"'{head}' cannot be used here: only literal values are allowed",
                    "write a number, a percentage or a text", "scope")
        if kind == "param":
            if len(parts) > 1:
                return (f"param '{head}' has no parts", None, "unknown-name")
            return Resolution("param", head)
        if scope.kind == "param":
            return (f"a param can only use other params; '{head}' is a {kind}",
                    "use a measure for values that depend on data", "scope")
        if kind in ("measure", "earning"):
            if len(parts) > 1:
                return (f"{kind} '{head}' has no parts", None, "unknown-name")
            if not scope.sees_payee():
                return (f"{kind} '{head}' cannot be used in a credit rule: credits are "
                        f"worked out before measures and earnings", None, "scope")
            return Resolution(kind, head)
        if kind == "rate":
            return (f"'{head}' is a rate table; use it through tiered({head}), "
                    f"rate({head}) or lookup({head}, ...)", None, "rate-arg")
        table = sym.tables[head]
        if len(parts) == 1:
            return (f"'{head}' is a table, not a value",
                    f"aggregate it, e.g. sum({head}) or count({head})"
                    if table.kind == "credits" else f"e.g. count({head}) or sum({head}.<column>)",
                    "aggregate")
        col = parts[1]
        if len(parts) > 2:
            return (f"'{ref.dotted}' has too many parts", None, "unknown-name")
        if col not in table.columns:
            self._unknown_column(ref, table, col)
            return None
        if table.kind == "reference":
            return (f"'{head}' holds exchange rates; the engine applies them", None, "scope")
        if table.kind == "per_payee" and self._has_by(head):
            by = ", ".join(self.c.plan.inputs[head].by)
            return (f"'{head}' has a row per payee and {by}; '{ref.dotted}' needs an aggregate",
                    f"e.g. sum({ref.dotted} where {self.c.plan.inputs[head].by[0]} == \"...\")",
                    "aggregate")
        if table.kind in ("per_payee",):
            if not scope.sees_payee():
                return (f"'{ref.dotted}' is per payee and cannot be used in a credit rule",
                        "use it in a measure", "scope")
            return Resolution("payee_table", head, col)
        if table.kind == "payees":
            return (f"write payee.{col} for the payee's own {col}", None, "unknown-name")
        return (f"'{head}' has many rows per payee; '{ref.dotted}' needs an aggregate",
                f"e.g. sum({ref.dotted}) or max({ref.dotted})", "aggregate")


def _first_numeric(table: TableInfo) -> str | None:
    for col, t in table.columns.items():
        if t is not None and t.numeric:
            return col
    return None


def _scope_hint(scope: Scope, name: str) -> str | None:
    if scope.kind == "row":  # a credit rule, or an aggregate's 'where' over an input
        return f"if '{name}' is a column of '{scope.table}', declare it under " \
               f"inputs.{scope.table}.columns"
    return None


def _arity_hint(name: str) -> str | None:
    return {
        "round": "round(x) or round(x, places)", "clamp": "clamp(x, low, high)",
        "tiered": "tiered(rate_table) or tiered(rate_table, amount)",
        "rate": "rate(rate_table) or rate(rate_table, basis)",
        "lookup": "lookup(table, key, ...)", "coalesce": "coalesce(x, fallback)",
        "days_between": "days_between(start, end)",
    }.get(name)


# ---------------------------------------------------------------- types

class _Typer:
    """Computes the type of every node; reports unit mismatches once, where they arise."""

    def __init__(self, c: Checked):
        self.c = c
        self.sym = c.symbols

    def visit(self, node: ast.Node, scope: Scope) -> Type | None:
        t = getattr(self, "t_" + type(node).__name__)(node, scope)
        if t is not None:
            self.c.types[node] = t
        return t

    def fail(self, node: ast.Node, e: UnitError) -> None:
        self.c.error(node.pos, str(e), e.hint, code="unit-mismatch")

    def t_Number(self, n, s):
        if n.percent:
            return T_RATIO  # 8% is a ratio, never an untyped constant: amount + 8% is an error
        return T_CONST_INT if n.value == n.value.to_integral_value() and "." not in n.text \
            else T_CONST

    def t_String(self, n, s):
        return T_TEXT

    def t_Boolean(self, n, s):
        return T_BOOLEAN

    def t_DateLit(self, n, s):
        return T_DATE

    def t_Missing(self, n, s):
        return T_MISSING

    def t_Ref(self, n, s):
        res = self.c.resolved.get(n)
        if res is None:
            return None
        if res.kind == "column":
            return self.sym.tables[res.name].columns.get(res.column)
        if res.kind == "param":
            return self.sym.params.get(res.name)
        if res.kind == "measure":
            return self.sym.measures.get(res.name)
        if res.kind == "earning":
            return T_MONEY
        if res.kind == "payee":
            return self.sym.tables["payees"].columns.get(res.column)
        if res.kind == "period":
            return Type(PERIOD_ATTRS[res.column])
        if res.kind == "payee_table":
            return self.sym.tables[res.name].columns.get(res.column)
        return None

    def t_Negate(self, n, s):
        t = self.visit(n.operand, s)
        if t is not None and not t.numeric:
            self.c.error(n.pos, f"cannot negate {_a(t)}", code="unit-mismatch")
            return None
        return t

    def t_Binary(self, n, s):
        a, b = self.visit(n.left, s), self.visit(n.right, s)
        if n.op == "/" and isinstance(n.right, ast.Number) and n.right.value == 0:
            self.c.error(n.right.pos, "division by zero", "divide by a value that is never 0",
                         code="division-by-zero")
        if a is None or b is None:
            return None
        try:
            return arithmetic(n.op, a, b)
        except UnitError as e:
            self.fail(n, e)
            return None

    def t_Compare(self, n, s):
        a, b = self.visit(n.left, s), self.visit(n.right, s)
        if a is not None and b is not None:
            try:
                comparable(n.op, a, b)
            except UnitError as e:
                self.fail(n, e)
        return T_BOOLEAN

    def t_Between(self, n, s):
        v, lo, hi = (self.visit(x, s) for x in (n.value, n.low, n.high))
        for bound, node in ((lo, n.low), (hi, n.high)):
            if v is not None and bound is not None:
                try:
                    comparable("between", v, bound)
                except UnitError as e:
                    self.fail(node, e)
        return T_BOOLEAN

    def t_InList(self, n, s):
        v = self.visit(n.value, s)
        for item in n.items:
            t = self.visit(item, s)
            if v is not None and t is not None:
                try:
                    comparable("in", v, t)
                except UnitError as e:
                    self.fail(item, e)
        return T_BOOLEAN

    def t_Logic(self, n, s):
        for side in (n.left, n.right):
            t = self.visit(side, s)
            if t is not None and t.kind not in (BOOLEAN, MISSING):
                self.c.error(side.pos, f"'{n.op}' joins conditions; this is {_a(t)}",
                             "compare it, e.g. 'amount > 0'", code="unit-mismatch")
        return T_BOOLEAN

    def t_Not(self, n, s):
        t = self.visit(n.operand, s)
        if t is not None and t.kind not in (BOOLEAN, MISSING):
            self.c.error(n.pos, f"'not' needs a condition; this is {_a(t)}", code="unit-mismatch")
        return T_BOOLEAN

    def t_Conditional(self, n, s):
        ct = self.visit(n.cond, s)
        if ct is not None and ct.kind not in (BOOLEAN, MISSING):
            self.c.error(n.cond.pos, f"the condition after 'if' must be true or false, not "
                         f"{_a(ct)}", code="unit-mismatch")
        a, b = self.visit(n.then, s), self.visit(n.otherwise, s)
        if a is None or b is None:
            return None
        try:
            return unify(a, b, "the branches of 'if ... else' disagree")
        except UnitError as e:
            self.c.error(n.pos, f"the two branches of 'if ... else' must agree: {a} and {b}",
                         e.hint, code="unit-mismatch")
            return None

    def t_Call(self, n: ast.Call, s: Scope):
        name = n.name
        if name not in FUNCTIONS:
            for a in n.args:
                self.visit(a, s)
            return None
        lo, hi = FUNCTIONS[name]
        if len(n.args) < lo or (hi is not None and len(n.args) > hi):
            return None
        if name in AGGREGATES and len(n.args) == 1 and (
                name in ("sum", "count", "avg", "distinct") or n.args[0] in self.c.resolved and
                self.c.resolved[n.args[0]].kind in ("set", "set_column")):
            return self.aggregate(n, s)
        if name in ("tiered", "rate", "lookup"):
            return self.rate_call(n, s)
        if name == "ytd":
            return self.visit(n.args[0], s)
        if name == "team":
            res = self.c.resolved.get(n.args[0])
            for a in n.args[1:]:
                t = self.visit(a, s)
                if not isinstance(a, ast.Number) or a.percent or a.value < 1 or \
                        a.value != a.value.to_integral_value():
                    self.c.error(a.pos, "team()'s levels must be a whole number written out",
                                 "e.g. team(commission, 1) for direct reports only",
                                 code="wrong-type")
            if res is None:
                return None
            t = T_MONEY if res.kind == "earning" else self.sym.measures.get(res.name)
            if t is not None and not t.numeric:
                self.c.error(n.pos, f"team() adds up numbers or amounts, not {_a(t)}",
                             code="unit-mismatch")
                return None
            return t.plain() if t is not None else None
        ts = [self.visit(a, s) for a in n.args]
        if any(t is None for t in ts):
            return None
        try:
            if name in ("min", "max", "clamp", "coalesce"):
                t = ts[0]
                for other in ts[1:]:
                    t = unify(t, other, f"the values given to {name}()")
                if name != "coalesce" and not t.numeric and t.kind != DATE:
                    raise UnitError(f"{name}() needs numbers, amounts or dates, not {_a(t)}")
                return t
            if name == "prorate":
                if not ts[0].numeric:
                    raise UnitError(f"prorate() scales an amount or a number, not {_a(ts[0])}")
                return ts[0].plain()
            if name in ("abs", "floor", "ceil", "round"):
                if not ts[0].numeric:
                    raise UnitError(f"{name}() needs a number or an amount, not {_a(ts[0])}")
                if name == "round" and len(n.args) == 2:
                    places = n.args[1]
                    if not isinstance(places, ast.Number) or places.percent or \
                            places.value != places.value.to_integral_value():
                        self.c.error(places.pos, "round()'s places must be a whole number "
                                     "written out", "e.g. round(x, 2)", code="wrong-type")
                return ts[0]
            if name in DATE_PARTS:
                if ts[0].kind != DATE:
                    raise UnitError(f"{name}() needs a date, not {_a(ts[0])}")
                return T_INTEGER
            if name == "days_between":
                for t in ts:
                    if t.kind != DATE:
                        raise UnitError(f"days_between() needs two dates, not {_a(t)}")
                return T_INTEGER
        except UnitError as e:
            self.fail(n, e)
            return None
        return None  # pragma: no cover

    def aggregate(self, n: ast.Call, s: Scope):
        arg = n.args[0]
        res = self.c.resolved.get(arg)
        if n.where is not None:
            inner = s
            if res is not None:
                kind = "credit" if self.sym.tables[res.name].kind == "credits" else "row"
                inner = Scope(kind, res.name, s.owner, outer=s)
            wt = self.visit(n.where, inner)
            if wt is not None and wt.kind not in (BOOLEAN, MISSING):
                self.c.error(n.where.pos, f"'where' needs a condition, not {_a(wt)}",
                             code="unit-mismatch")
        if n.name == "count":
            return T_INTEGER
        if n.name == "distinct":
            if res is not None and res.kind != "set_column":
                self.c.error(arg.pos, "distinct() counts the different values of a column",
                             f"e.g. distinct({res.name}.<column>)", code="aggregate")
            return T_INTEGER
        if res is None:
            return None
        table = self.sym.tables[res.name]
        col = "value" if res.kind == "set" else res.column
        t = table.columns.get(col)
        if t is None:
            return None
        if not t.numeric and not (n.name in ("min", "max") and t.kind == DATE):
            self.c.error(arg.pos, f"cannot {n.name} '{res.name}.{col}': it is {_a(t)}",
                         "use count() to count rows", code="unit-mismatch")
            return None
        self.c.types[arg] = t
        if n.name == "avg" and t.kind == INTEGER:
            return T_NUMBER
        return t.plain()

    def rate_call(self, n: ast.Call, s: Scope):
        table_ref = n.args[0]
        res = self.c.resolved.get(table_ref)
        extra = [self.visit(a, s) for a in n.args[1:]]
        if res is None or res.kind != "rate":
            return None
        rt = self.c.plan.rates[res.name]
        value_t = self.sym.rates.get(res.name)
        if n.name == "lookup":
            if rt.keys is None:
                self.c.error(n.pos, f"'{res.name}' is a tier table; use tiered() or rate()",
                             code="rate-arg")
                return None
            if len(n.args) - 1 != len(rt.keys):
                self.c.error(n.pos, f"lookup({res.name}, ...) takes {len(rt.keys)} key"
                             f"{'s' if len(rt.keys) != 1 else ''} ({', '.join(rt.keys)}), "
                             f"got {len(n.args) - 1}", code="arity")
                return value_t
            for arg, t, key, key_t in zip(n.args[1:], extra, rt.keys,
                                          _lookup_key_types(self.c, res.name)):
                if t is None or key_t is None:
                    continue
                try:
                    comparable("==", key_t, t)
                except UnitError:
                    self.c.error(arg.pos, f"lookup({res.name}, ...): this key is {_a(t)}, "
                                 f"but the table's '{key}' keys are {_PLURAL[key_t.kind]}",
                                 f"give a value of the same kind as the '{key}' cells of "
                                 f"'{res.name}'", code="unit-mismatch")
            return value_t
        if rt.tiers is None:
            self.c.error(n.pos, f"'{res.name}' is a lookup table; use lookup({res.name}, ...)",
                         code="rate-arg")
            return None
        if not s.sees_payee() and (n.name == "tiered" or len(n.args) == 1):
            per_payee = sorted(d for d in self.c.deps.get(res.name, ())
                               if self.sym.kind_of(d) in ("measure", "earning", "input",
                                                          "credit"))
            if per_payee:
                uses = ", ".join(f"{self.sym.kind_of(d)} '{d}'" for d in per_payee)
                self.c.error(n.pos, f"{n.name}({res.name}) cannot be used in a credit rule: "
                             f"its basis '{_basis_text(self.c, res.name)}' uses {uses}, and "
                             "credits are worked out before measures and earnings",
                             "use it in an earning ('each:' gives one line per credit)"
                             + (f", or give the basis: rate({res.name}, <value>)"
                                if n.name == "rate" else ""), code="scope")
                return None
        basis_t = self.c.type_of(self.c.expr("rates", res.name, "basis"))
        if n.name == "rate":
            if extra and extra[0] is not None and basis_t is not None and \
                    basis_t.kind == RATIO and extra[0].const and \
                    extra[0].kind in (NUMBER, INTEGER) and not _is_zero(n.args[1]):
                self.c.error(n.args[1].pos, f"rate({res.name})'s basis "
                             f"'{_basis_text(self.c, res.name)}' is a ratio; this is a "
                             "plain number", "write it as a percentage: 100% is the whole "
                             "(not 1 or 100)", code="unit-mismatch")
            elif extra and extra[0] is not None and basis_t is not None:
                try:
                    unify(basis_t, extra[0], "rate()'s basis")
                except UnitError as e:
                    self.fail(n.args[1], e)
            return value_t
        # tiered(): an amount in money
        if value_t is not None and value_t.kind == MONEY:
            return T_MONEY  # amounts per unit of the basis
        if extra:
            amount_t = extra[0]
            if amount_t is not None and amount_t.kind != MONEY and not amount_t.const:
                self.c.error(n.args[1].pos, f"tiered()'s amount must be money, not {_a(amount_t)}",
                             code="unit-mismatch")
            return T_MONEY
        if s.kind == "credit":
            return T_MONEY  # applies to each credit's value
        if basis_t is not None and basis_t.kind != MONEY:
            self.c.error(n.pos, f"tiered({res.name}) needs the amount the rates apply to: "
                         f"its basis is {_a(basis_t)}, not money",
                         f"write tiered({res.name}, <amount>), or use it in an earning with "
                         "'each:'", code="rate-arg")
        return T_MONEY
