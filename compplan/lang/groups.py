"""Groups in the language: payees grouped by a payees column, and credits grouped inside
a period (issue 20, items 4 and 6).

* `group(X, payee.COL [where C])`: X (a measure or an earning) added up over the payees
  who share this payee's value in the payees column COL (a team, a store, a territory),
  counting only the members for whom C holds (C reads each member's own figures).
* A pool earning (`pool: {by, members, share}`): its `value` is one amount for the whole
  group, shared among the members who meet `members`, by `share`.
* `subtotals:` credits of a payee and period grouped by day, week or a column (a bill
  id), with figures per group that earnings pay on with `each:`, like credits.

A member's own figures (what group() adds up, who shares a pool and by how much) are
worked out from that member's data alone: they may not themselves read group(), a pool
or team(), so every payee's figures can be worked out before anyone's group is summed.
The checker says where a plan breaks that rule.
"""
from __future__ import annotations

from ..errors import did_you_mean
from . import ast
from .checked import Checked, Scope, expect_boolean
from .types import article as _a
from .symbols import Resolution, TableInfo
from .windows import WINDOW_FUNCTIONS
from .types import MISSING, T_DATE, T_MONEY, T_TEXT, Type

PERIOD_KEYS = {"day": T_DATE, "week": T_TEXT}  # subtotal keys taken from the credit's date


# ---------------------------------------------------------------- expressions

def expression_fields(plan):
    """(path, text, scope) of the expressions this module adds to a plan."""
    for name, st in plan.subtotals.items():
        scope = Scope("payee", owner=name)
        yield ("subtotals", name, "value"), st.value, scope
        for col, text in st.columns.items():
            yield ("subtotals", name, "columns", col), text, scope
    for name, e in plan.earnings.items():
        if e.pool is not None:
            scope = Scope("payee", owner=name)
            for key in ("members", "share"):
                text = getattr(e.pool, key)
                if text is not None:
                    yield ("earnings", name, "pool", key), text, scope


# ---------------------------------------------------------------- tables

def subtotal_key_type(c: Checked, name: str) -> Type | None:
    """The type of a subtotal's key column (its `by`)."""
    st = c.plan.subtotals[name]
    src = c.symbols.tables.get(st.from_)
    if src is not None and st.by in src.columns and st.by != "value":
        return src.columns[st.by]
    return PERIOD_KEYS.get(st.by)


def pass_subtotal_tables(c: Checked) -> None:
    """Each subtotal is a set of rows (one per group) that earnings and aggregates read
    like a credit set: its key column, `value` and its named columns."""
    sym = c.symbols
    for name, st in c.plan.subtotals.items():
        src = sym.tables.get(st.from_)
        if src is None or src.kind != "credits":
            if st.from_ not in sym.broken:
                c.error(c.source.pos(("subtotals", name, "from")),
                        f"subtotals '{name}' group a credit set; '{st.from_}' is not one",
                        did_you_mean(st.from_, c.plan.credits) or "name one under credits",
                        code="unknown-name")
            sym.broken.add(name)
            continue
        key_type = subtotal_key_type(c, name)
        if key_type is None or st.by == "value":
            c.error(c.source.pos(("subtotals", name, "by")),
                    f"'by: {st.by}' is neither day, week nor a column of '{st.from_}'",
                    did_you_mean(st.by, list(src.columns) + ["day", "week"]) or
                    "group by day, week or a column such as bill_id", code="unknown-column")
            sym.broken.add(name)
            continue
        if st.by in PERIOD_KEYS and st.by not in src.columns and not src.date:
            c.error(c.source.pos(("subtotals", name, "by")),
                    f"'by: {st.by}' groups by the credits' date, but '{src.source}' has no "
                    "'date:' column", f"add 'date: <column>' under inputs.{src.source}",
                    code="missing-field")
        info = TableInfo(name, "credits", pos=c.source.key_pos(("subtotals", name)),
                         key=st.by, payee=src.payee, date=src.date, source=src.source)
        info.columns = {st.by: key_type, "value": None}
        for col in st.columns:
            if col == st.by or col == "value":
                c.error(c.source.key_pos(("subtotals", name, "columns", col)),
                        f"'{col}' is already a column of subtotals '{name}'",
                        "name the figure otherwise", code="duplicate-name")
            info.columns[col] = None
        sym.tables[name] = info
        sym.positions[name] = info.pos
        c.deps.setdefault(name, set()).add(st.from_)


def record_subtotal_type(c: Checked, path: tuple, node: ast.Node, t: Type | None) -> None:
    """A subtotal figure's type becomes its column's, for the earnings that read it."""
    info = c.symbols.tables.get(path[1])
    col = "value" if path[2] == "value" else path[3]
    if info is None:
        return
    if t is not None and not t.numeric and t.kind != MISSING:
        c.error(node.pos, f"a subtotal's figure must be a number or an amount, not {_a(t)}",
                "e.g. sum(sales) or count(sales where category == \"acc\")",
                code="unit-mismatch")
        t = None
    info.columns[col] = t.plain() if t is not None else None


# ---------------------------------------------------------------- group()

def resolve_group(r, node: ast.Call, scope: Scope) -> None:
    """group(X, payee.COL [where C]): X a measure or an earning, COL a payees column, C a
    condition on each member (their own figures)."""
    c, sym = r.c, r.sym
    if not scope.sees_payee() or scope.kind == "credit":
        c.error(node.pos, "group() adds up the figures of a payee's group; use it in a "
                "measure or a per-payee earning", code="scope")
    if len(node.args) != 2:
        return  # the arity is reported with every function's
    arg, by = node.args
    if isinstance(arg, ast.Ref) and len(arg.parts) == 1 and \
            sym.kind_of(arg.parts[0]) in ("measure", "earning"):
        c.resolved[arg] = Resolution(sym.kind_of(arg.parts[0]), arg.parts[0])
        if arg.parts[0] != scope.owner:
            c.deps.setdefault(scope.owner, set()).add(arg.parts[0])
    elif not (isinstance(arg, ast.Ref) and arg.parts[0] in sym.broken):
        c.error(arg.pos, "group() needs the name of a measure or an earning",
                "e.g. group(booked, payee.team)", code="group-arg")
    payees = sym.tables.get("payees")
    if isinstance(by, ast.Ref) and len(by.parts) == 2 and by.parts[0] == "payee" and \
            payees is not None and by.parts[1] in payees.columns:
        c.resolved[by] = Resolution("payee", "payees", by.parts[1])
    elif isinstance(by, ast.Ref) and len(by.parts) == 2 and by.parts[0] == "payee" and \
            payees is not None:
        r._unknown_column(by, payees, by.parts[1])
    else:
        c.error(by.pos, "group() groups payees by a column of the payees input",
                "e.g. group(booked, payee.team) or group(booked, payee.store)"
                if payees is not None else "declare inputs.payees with a column such as "
                "team, and write group(booked, payee.team)", code="group-arg")
    if node.where is not None:
        r.visit(node.where, Scope("payee", owner=scope.owner))


def type_group(typer, n: ast.Call, s: Scope) -> Type | None:
    c = typer.c
    if len(n.args) != 2:
        return None
    res = c.resolved.get(n.args[0])
    if n.args[1] in c.resolved:
        typer.c.types[n.args[1]] = T_TEXT
    if n.where is not None:
        expect_boolean(c, n.where, typer.visit(n.where, Scope("payee", owner=s.owner)),
                        "group()'s 'where'")
    if res is None:
        return None
    t = T_MONEY if res.kind == "earning" else typer.sym.measures.get(res.name)
    if t is not None and not t.numeric:
        c.error(n.pos, f"group() adds up numbers or amounts, not {_a(t)}",
                code="unit-mismatch")
        return None
    return t.plain() if t is not None else None


# ---------------------------------------------------------------- own figures

def _reads_groups(c: Checked) -> dict[str, str]:
    """Definitions that read other payees' figures -> the call (or 'a pool') through
    which they do, directly or through the definitions they use."""
    direct: dict[str, str] = {}
    for path, node in c.exprs.items():
        owner = c.scopes[path].owner
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and n.name in ("group", "team"):
                direct.setdefault(owner, f"{n.name}()")
    for name, e in c.plan.earnings.items():
        if e.pool is not None:
            direct.setdefault(name, "a pool")
    out = dict(direct)
    changed = True
    while changed:
        changed = False
        for owner, deps in c.deps.items():
            if owner in out:
                continue
            for d in sorted(deps):
                if d in out:
                    out[owner] = out[d]
                    changed = True
                    break
    return out


def _own_only(c: Checked, node: ast.Node, reads: dict[str, str], what: str) -> None:
    """Names in `node` must be the member's own figures, not group-wide ones."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and n.name in ("group", "team"):
            c.error(n.pos, f"{what} is worked out from each member's own figures; "
                    f"{n.name}() reads other payees'", "use the member's own figures, such "
                    "as their booked or attainment", code="group-own")
        if isinstance(n, ast.Ref):
            res = c.resolved.get(n)
            if res is not None and res.kind in ("measure", "earning") and res.name in reads:
                c.error(n.pos, f"{what} is worked out from each member's own figures; "
                        f"'{res.name}' reads other payees' (through {reads[res.name]})",
                        "use a figure worked out from the member's own data, such as "
                        "their booked or attainment", code="group-own")


def pass_groups(c: Checked) -> None:
    """group() and pools read each member's own figures; subtotals read their own group's
    credits; a pool's value is one amount for the whole group."""
    if c.plan is None:
        return
    reads = _reads_groups(c)
    for path, node in list(c.exprs.items()):
        for n in ast.walk(node):
            if not (isinstance(n, ast.Call) and n.name == "group" and len(n.args) == 2):
                continue
            _own_only(c, n.args[0], reads, "what group() adds up")
            if n.where is not None:
                _own_only(c, n.where, reads, "group()'s 'where'")
    _check_pools(c, reads)
    _check_subtotals(c)


def _check_pools(c: Checked, reads: dict[str, str]) -> None:
    payees = c.symbols.tables.get("payees")
    for name, e in c.plan.earnings.items():
        if e.pool is None:
            continue
        base = ("earnings", name, "pool")
        if payees is None or e.pool.by not in payees.columns:
            c.error(c.source.pos(base + ("by",)),
                    f"a pool is shared within groups of payees: '{e.pool.by}' is not a "
                    "column of the payees input",
                    (did_you_mean(e.pool.by, payees.columns) if payees is not None else None)
                    or "declare it under inputs.payees.columns, e.g. team: text",
                    code="unknown-column")
        if e.each:
            c.error(c.source.key_pos(("earnings", name, "each")),
                    "a pool pays each member one share, not one line per credit",
                    "remove 'each:'; pay per credit in another earning", code="pool")
        if e.when is not None:
            c.error(c.source.key_pos(("earnings", name, "when")),
                    "who shares a pool is said by 'pool.members'",
                    "move the condition to pool.members", code="pool")
        for key in ("members", "share"):
            node = c.expr(*base, key)
            if node is None:
                continue
            _own_only(c, node, reads, f"a pool's {key}")
            t = c.types.get(node)
            if key == "members":
                expect_boolean(c, node, t, "a pool's members")
            elif t is not None and not t.numeric and t.kind != MISSING:
                c.error(node.pos, f"a pool's share must be a number or an amount, not {_a(t)}",
                        "e.g. share: booked", code="unit-mismatch")
        value = c.expr("earnings", name, "value")
        if value is not None and payees is not None and e.pool.by in payees.columns:
            _group_level(c, value, e.pool.by)


def _group_level(c: Checked, node: ast.Node, by: str) -> None:
    """A pool's value is the same for every member: it may read params, the period, the
    group's column, group() sums by that column, and measures (and rate tables' bases)
    made of those only; not one payee's own figures."""
    found = sorted(_own_parts(c, node, by, {}), key=lambda x: (x[0].pos.line, x[0].pos.col))
    for n, why in found:  # in the order they are written
        c.error(n.pos, f"a pool's value is one amount for the whole group, but {why}",
                f"add it up over the group: group({n.dotted}, payee.{by})"
                if isinstance(n, ast.Ref) and c.resolved[n].kind in ("measure", "earning")
                else "add up a measure over the group: group(booked, payee." + by + ")"
                if isinstance(n, ast.Call) else
                "put the payee's own figures in pool.members or pool.share", code="pool")


def _own_parts(c: Checked, node: ast.Node, by: str, memo: dict[str, bool]):
    """(node, why) for each part of `node` that differs from member to member. `memo`
    says, per measure and rate table looked into, whether it does (False while it is
    being looked into: a cycle is reported elsewhere)."""
    def varies(kind: str, name: str, inner) -> bool:
        key = f"{kind}:{name}"
        if key not in memo:
            memo[key] = False
            memo[key] = inner is not None and \
                next(_own_parts(c, inner, by, memo), None) is not None
        return memo[key]

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Call) and n.name == "group":
            col = n.args[1] if len(n.args) == 2 else None
            if isinstance(col, ast.Ref) and col.parts[-1] != by:
                yield n, f"group() by {col.parts[-1]} differs from member to member of a {by}"
            continue
        if isinstance(n, ast.Call) and n.name in ("tiered", "rate") and n.args and \
                c.resolved.get(n.args[0]) is not None:
            table = c.resolved[n.args[0]].name
            if (n.name == "tiered" or len(n.args) == 1) and \
                    varies("rate", table, c.expr("rates", table, "basis")):
                yield n, f"the basis of '{table}' is each payee's own"
            stack.extend(n.args[1:])
            continue
        if isinstance(n, ast.Ref):
            res = c.resolved.get(n)
            if res is None:
                continue
            if res.kind == "measure" and \
                    not varies("measure", res.name, c.expr("measures", res.name)):
                continue  # a measure of the group as a whole: team_booked
            if res.kind in ("measure", "earning", "payee_table") or (
                    res.kind == "payee" and res.column != by):
                yield n, f"'{n.dotted}' is each payee's own"
            continue
        if isinstance(n, ast.Call) and n.name in ("sum", "count", "avg", "min", "max",
                                                  "distinct") and n.args and \
                c.resolved.get(n.args[0]) is not None and \
                c.resolved[n.args[0]].kind in ("set", "set_column"):
            yield n, f"{n.name}() adds up this payee's own rows"
            continue
        stack.extend(n.children())


def _check_subtotals(c: Checked) -> None:
    """A subtotal's figures add up its own group's credits (and may read params and the
    payee); they are worked out before measures. They are the period's own: ytd() of a
    subtotal is refused."""
    for path, node in c.exprs.items():
        for n in ast.walk(node):
            if not (isinstance(n, ast.Call) and n.name in WINDOW_FUNCTIONS):
                continue
            for m in ast.walk(n):
                res = c.resolved.get(m) if isinstance(m, ast.Ref) else None
                if res is not None and res.kind in ("set", "set_column") and \
                        res.name in c.plan.subtotals:
                    length = ", 12 months" if n.name == "trailing" else ""
                    c.error(m.pos, f"{n.name}() of subtotals '{res.name}': subtotals "
                            "group the period's own credits", "add up the window's credits "
                            f"instead, e.g. {n.name}(sum(sales){length})", code="scope")
    for path, node in c.exprs.items():
        if path[0] != "subtotals":
            continue
        st = c.plan.subtotals.get(path[1])
        if st is None:
            continue
        for n in ast.walk(node):
            if isinstance(n, ast.Ref):
                res = c.resolved.get(n)
                if res is None:
                    continue
                if res.kind in ("measure", "earning", "payee_table"):
                    c.error(n.pos, f"a subtotal is worked out from its group's credits "
                            f"before measures and earnings; '{n.dotted}' is per payee",
                            "read it in the earning that pays on the subtotal",
                            code="scope")
                elif res.kind in ("set", "set_column") and res.name != st.from_:
                    c.error(n.pos, f"subtotals '{path[1]}' add up the credits of "
                            f"'{st.from_}' in each group, not '{res.name}'",
                            f"e.g. sum({st.from_}) or sum({st.from_} where ...)",
                            code="scope")
            if isinstance(n, ast.Call) and (n.name in ("group", "team", "prorate") or
                                            n.name in WINDOW_FUNCTIONS):
                c.error(n.pos, f"a subtotal adds up its group's credits; {n.name}() is "
                        "per payee", "use it in a measure or an earning", code="scope")

