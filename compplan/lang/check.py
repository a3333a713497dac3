"""The checker: an ordered list of small passes over a plan.

    load YAML -> structure (pydantic) -> names -> plan -> tables -> parse -> resolve
    -> cycles -> types -> rates -> earnings -> payout -> scenarios -> values

Each pass reads the `Checked` context (checked.py) and appends `Problem`s; none stops at
the first problem. The larger passes live beside this module: resolve.py (what names
mean), typecheck.py (types and units), rates.py (rate tables). The result carries everything the compiler needs: the model, the AST of every
expression, what every name means, the type of every node, and the order in which
definitions can be evaluated.
"""
from __future__ import annotations

import re
from pathlib import Path as FsPath

from .. import datafolder
from ..datafolder import text_problem
from ..errors import Pos, Problem, did_you_mean
from ..periods import EXAMPLES, in_words, parse_period
from .settle import check_frequency
from . import ast
from .model import SECTIONS, Plan
from .parse import ExprSyntaxError, parse_expression
from .source import SourceFile, load_yaml
from .structure import failed_key, validate_structure
from .symbols import TableInfo
from .types import (INTEGER, MISSING, MONEY, NUMBER, RATIO,
                    T_DATE, T_MONEY, T_TEXT, Type, parse_column_type)

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
from .checked import AGGREGATES, CARRIED_COMPONENTS, DATE_PARTS, FUNCTIONS, KEYWORDS  # noqa: F401,E501 (re-exported)
from .checked import Checked, Path, Scope, expect_boolean, expect_ratio, is_literal  # noqa: F401,E501
from .types import article as _a
from .rates import rate_value_type, pass_rates
from .resolve import Resolver
from .typecheck import Typer
from .percent import BareNumbers
from .values import pass_values
from .labels import pass_labels
from . import groups


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
        if name != "payees" and inp.manager and not inp.key:
            # reporting lines with dates (engine/hierarchy.py): read by rollups and team()
            kind = "reference"
            info.kind = kind
            if not inp.payee:
                c.error(info.pos, f"the reporting lines '{name}' need 'payee:', the column "
                        "with the payee who reports", "add 'payee: rep_id'",
                        code="missing-field")
            if not (inp.start or inp.end):
                c.error(info.pos, f"the reporting lines '{name}' need the dates each line "
                        "holds from and to", "add 'start: <first day column>' and "
                        "'end: <last day column>'", code="missing-field")
            if plan.inputs.get("payees") is None or not plan.inputs["payees"].manager:
                c.error(info.pos, f"the reporting lines '{name}' need the payees input "
                        "with a 'manager:' column, for the days no line covers",
                        "add 'manager: manager_id' under inputs.payees", code="missing-field")
            if sum(1 for n, i in plan.inputs.items()
                   if n != "payees" and i.manager and not i.key) > 1:
                c.error(info.pos, "only one input may hold reporting lines",
                        "put every payee's lines in one input", code="bad-value")
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
        if inp.file is not None and text_problem(inp.file):
            c.error(c.source.pos(("inputs", name, "file")),
                    f"the file '{inp.file}' of input '{name}' {text_problem(inp.file)}",
                    datafolder.HINT, code="file-outside")
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
    fx_inp = plan.inputs.get(plan.fx.from_) if plan.fx is not None else None
    if fx_inp is not None and fx_inp.period and fx_inp.date:
        c.error(c.source.key_pos(("inputs", plan.fx.from_, "date")), f"the exchange-rate "
                f"input '{plan.fx.from_}' has both 'period:' and 'date:'",
                "rates are either per period (2026-03) or per day: keep one", code="conflict")
    for name, inp in plan.inputs.items():
        if inp.currency and plan.fx is not None and plan.fx.at == "date" and not inp.date \
                and name != "payees":
            c.error(c.source.pos(("inputs", name, "currency")),
                    f"'{name}' has no date to take its rates at", "fx.at: date converts each "
                    f"row at its date's rate: add 'date: <column>' to inputs.{name}",
                    code="missing-field")
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
    check_frequency(c)  # payees settled at their own frequency (settle.py)
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
    for name, m in plan.measures.items():
        yield ("measures", name), m.value, Scope("payee", owner=name)
    for name, rt in plan.rates.items():
        if rt.basis is not None:
            yield ("rates", name, "basis"), rt.basis, Scope("payee", owner=name)
        for i, tier in enumerate(rt.tiers or ()):
            for key in ("from", "to", "rate"):
                text = getattr(tier, "from_" if key == "from" else key)
                if text is not None:
                    # literals, expressions of params (issue 20: 'to: tier_meetings') and
                    # of the payee's own row and targets ('to: targets.meetings'): a
                    # table per payee, known before the period's figures
                    yield ("rates", name, "tiers", i, key), text, Scope("bound", owner=name)
        for i, point in enumerate(rt.points or ()):
            for j, cell in enumerate(point):
                yield ("rates", name, "points", i, j), cell, Scope("tier", owner=name)
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
    yield from groups.expression_fields(plan)


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


def _written_at(c: Checked, path: Path) -> Path:
    """Where an expression stands in the file: a measure written as a mapping
    (`{value: ..., label: ...}`) has it under `value`."""
    if path[0] == "measures" and c.source.has(path + ("value",)):
        return path + ("value",)
    return path


def pass_parse(c: Checked) -> None:
    """Every expression text -> AST, positioned in the YAML file."""
    for path, text, scope in _expression_fields(c.plan):
        at = c.source.offset_map(_written_at(c, path), str(text))
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
    r = Resolver(c)
    for path, node in c.exprs.items():
        scope = c.scopes[path]
        c.deps.setdefault(scope.owner, set())
        r.visit(node, scope)
    for name, cr in c.plan.credits.items():
        c.deps.setdefault(name, set()).add(cr.from_)
    for name, e in c.plan.earnings.items():
        if e.each:
            c.deps.setdefault(name, set()).add(e.each)


def _names_nothing(node: ast.Node) -> bool:
    """A cell written out in literals (no name in it): typed before anything else."""
    return not any(isinstance(n, ast.Ref) for n in ast.walk(node))


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
    typer = Typer(c)
    # the cells of rate tables are literals: type them first, so a table's value type
    # is known wherever it is used (a credit rule does not depend on the table's basis)
    # (cells that use params are typed in order, after the params)
    for name in c.plan.rates:
        for path in by_owner.get(name, ()):
            if path[2] != "basis" and _names_nothing(c.exprs[path]):
                typer.visit(c.exprs[path], c.scopes[path])
        c.symbols.rates[name] = rate_value_type(c, name)
    for name in c.order:
        for path in by_owner.get(name, ()):
            if path[0] == "rates" and path[2] != "basis":
                if not _names_nothing(c.exprs[path]):
                    typer.path = path
                    typer.visit(c.exprs[path], c.scopes[path])
                continue
            node = c.exprs[path]
            typer.path = path
            t = typer.visit(node, c.scopes[path])
            _record_definition_type(c, path, node, t)
        if name in c.plan.rates:
            # what the table gives, from every row or tier, before anything uses it
            # (pass_rates reports the mismatches)
            c.symbols.rates[name] = rate_value_type(c, name)


def _record_definition_type(c: Checked, path: Path, node: ast.Node, t: Type | None) -> None:
    sym = c.symbols
    section, name = path[0], path[1]
    if section == "params":
        sym.params[name] = t  # a param that is a plain number stays an untyped constant
    elif section == "measures":
        sym.measures[name] = t.plain() if t is not None and not is_literal(node) else t
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
        expect_boolean(c, node, t, "'when'")
    elif section == "subtotals":
        groups.record_subtotal_type(c, path, node, t)
    elif section == "earnings" and path[2] == "pool":
        pass  # groups.pass_groups checks who shares and by what
    elif section == "earnings" and path[2] == "hold":
        if path[3] == "until":
            expect_boolean(c, node, t, "a hold's 'until'")
        else:
            expect_ratio(c, node, t, "a hold's share")
            _share_at_most_whole(c, node, "a hold")
    elif section == "clawbacks":
        if path[2] == "when":
            expect_boolean(c, node, t, "a clawback's 'when'")
        else:
            expect_ratio(c, node, t, "a clawback's share")
            _share_at_most_whole(c, node, "a clawback")
    elif section == "payout":
        if t is not None and t.kind not in (MONEY, NUMBER, INTEGER, MISSING):
            c.error(node.pos, f"a draw's amount must be money, not {_a(t)}",
                    "e.g. 'amount: 5000' or 'amount: payee.draw'", code="unit-mismatch")
    elif section == "earnings":
        field = path[2]
        if field == "when":
            expect_boolean(c, node, t, "'when'")
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


def _share_at_most_whole(c: Checked, node: ast.Node, what: str) -> None:
    """A share written without % above 1 (`share: 30`) takes back 30 times the line:
    no plan means that (issue 16 item 2)."""
    found = BareNumbers(c).value(node)
    if found is not None and found[0] > 1:
        c.error(node.pos, f"{what} takes a share of each line, and {found[1]} (a number "
                f"without %) is {format((found[0] * 100).normalize(), ',f')}% of it",
                f"write {found[1]}% for {found[1]} percent", code="bare-number")


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


def expectable(plan) -> set[str]:
    """What a scenario's `expect` may name per payee: earnings, measures, `total`,
    `lines`, and the components the plan's carried rules add."""
    names = set(plan.earnings) | set(plan.measures) | {"total", "lines", "adjustment"}
    if any(e.hold is not None for e in plan.earnings.values()):
        names |= {"held", "released"}  # kept back this period; paid back later
    if plan.total is not None:
        names |= {"total_cap", "total_floor"}
    if plan.payout is not None and plan.payout.draw is not None:
        names.add("draw")
    if plan.payout is not None and plan.payout.basis == "year_to_date":
        names.add("paid_earlier")
    if plan.clawbacks:
        names.add("clawback")
    return names


def pass_scenarios(c: Checked) -> None:
    """Scenarios: one period (`period`) or several (`periods`) of the plan's kind, data
    for known inputs and columns, and expected values of what the plan pays."""
    plan = c.plan
    names = expectable(plan)
    for i, sc in enumerate(plan.scenarios):
        base = ("scenarios", i)
        if (sc.period is None) == (sc.periods is None):
            c.error(c.source.key_pos(base + ("name",)),
                    f"scenario '{sc.name}' needs either 'period' (one period) or 'periods' "
                    "(several, run in order as saved and paid runs)",
                    f"e.g. period: {EXAMPLES[plan.period]}", code="missing-field")
        if sc.period is not None:
            _scenario_period(c, base + ("period",), sc.period)
        seen: list = []
        for j, step in enumerate(sc.periods or []):
            path = base + ("periods", j)
            label = step if isinstance(step, str) else step.period
            p = _scenario_period(c, path if isinstance(step, str) else path + ("period",),
                                 label)
            if p is not None and seen and p.start <= seen[-1].start:
                c.error(c.source.pos(path), f"'{label}' is not after '{seen[-1].label}': a "
                        "scenario's periods are run in order", code="bad-period")
            if p is not None:
                seen.append(p)
            if not isinstance(step, str):
                _scenario_data(c, path, step.data)
                _scenario_expect(c, path, step.expect, names)
        _scenario_data(c, base, sc.data)
        _scenario_expect(c, base, sc.expect, names)


def _scenario_period(c: Checked, path: tuple, text):
    plan_failed = failed_key("period") in c.symbols.broken
    try:
        period = parse_period(str(text))
    except ValueError as e:
        c.error(c.source.pos(path), str(e),
                "write a period such as 2026-Q1 or 2026-03" if plan_failed else
                f"this plan pays by {in_words(c.plan.period)}: write e.g. "
                f"{EXAMPLES[c.plan.period]}",
                code="bad-period")
        return None
    if plan_failed:
        return period  # the plan's period failed (and said so): nothing to compare with
    if period.kind != c.plan.period:
        c.error(c.source.pos(path), f"'{text}' is a {in_words(period.kind)}, but the plan "
                f"pays by {in_words(c.plan.period)}",
                f"write a {in_words(c.plan.period)}, e.g. {EXAMPLES[c.plan.period]}",
                code="bad-period")
        return None
    return period


def _scenario_data(c: Checked, base: tuple, data: dict) -> None:
    for table, rows in data.items():
        inp = c.plan.inputs.get(table)
        if inp is None and table in c.symbols.broken:
            continue  # the input failed, and said so
        if inp is None:
            c.error(c.source.key_pos(base + ("data", table)), f"scenario data names "
                    f"unknown input '{table}'", did_you_mean(table, c.plan.inputs) or
                    "inputs: " + ", ".join(c.plan.inputs), code="unknown-name")
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


def _scenario_expect(c: Checked, base: tuple, expect: dict, names: set[str]) -> None:
    components = names - {"lines", "total"} - set(c.plan.measures)
    for payee, wanted in expect.items():
        for key, value in (wanted or {}).items():
            path = base + ("expect", payee, key)
            if key in c.symbols.broken:
                continue  # a definition that failed (and said so)
            if key not in names:
                c.error(c.source.key_pos(path),
                        f"'{key}' is not an earning, a measure or 'total'",
                        did_you_mean(key, names) or "expect, per payee, the values of "
                        "earnings, measures, lines or total", code="unknown-name")
            elif key == "lines" and not isinstance(value, dict):
                c.error(c.source.pos(path), "'lines' expects amounts by source id",
                        "e.g. lines: {D1: 3000.00} or lines: {D1: {commission: 3000.00}}",
                        code="bad-value")
            elif key == "lines":
                for source, amount in value.items():
                    for name in amount if isinstance(amount, dict) else ():
                        if name not in components:
                            c.error(c.source.key_pos(path + (source, name)),
                                    f"'{name}' is not a component the plan pays",
                                    did_you_mean(name, components) or
                                    "components: " + ", ".join(sorted(components)),
                                    code="unknown-name")


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


PASSES = [pass_names, pass_plan, pass_tables, groups.pass_subtotal_tables, pass_parse,
          pass_resolve, pass_cycles, pass_types, groups.pass_groups, pass_rates, pass_earnings, pass_payout, pass_labels, pass_scenarios, pass_values]


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
