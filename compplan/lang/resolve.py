"""Name resolution: what every name in an expression means where it is written.

A name is a column of the current row, a param, a measure, another earning, the
payee's or the period's attribute, a one-row-per-payee table's column, or (as an
aggregate's or a rate function's argument) a set or a rate table. Each `Ref` gets one
`Resolution`; unknown names get a did-you-mean. Also records which definition depends
on which, for the cycle check and the evaluation order.
"""
from __future__ import annotations


from ..errors import did_you_mean
from . import ast, windows
from .windows import WINDOW_FUNCTIONS
from .symbols import PERIOD_ATTRS, Resolution, TableInfo
from . import functions
from .checked import AGGREGATES, FUNCTIONS, PRORATE_BY, Checked, Scope
from . import groups


# ---------------------------------------------------------------- name resolution
class Resolver:
    def __init__(self, c: Checked):
        self.c = c
        self.sym = c.symbols

    def visit(self, node: ast.Node, scope: Scope) -> None:
        if isinstance(node, ast.Duration):
            if node.unit.lower() not in windows.UNITS:  # `8 percent`, `5 x`: a typo
                self.c.error(node.pos, f"a number followed by a name: '{node.count} "
                             f"{node.unit}'", f"put an operator between them, e.g. "
                             f"{node.count} * {node.unit}", code="syntax")
                return
            self.c.error(node.pos, f"'{node.count} {node.unit}' is a length of time: it "
                         "stands only as the length of a trailing() window",
                         "e.g. trailing(sum(bookings), 12 months)", code="window")
            return
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
        if node.where is not None and not is_aggregate and name != "group":
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
        if name == "group":
            groups.resolve_group(self, node, scope)
            return
        if name in WINDOW_FUNCTIONS and lo <= n <= hi:
            windows.check_call(self, node, scope)
            return
        if name == "prorate":
            if not scope.sees_payee():
                c.error(node.pos, "prorate() scales by the payee's active days; use it in "
                        "a measure or an earning", code="scope")
            if node.args:
                self.visit(node.args[0], scope)
            for a in node.args[1:]:
                # how the active part is counted: a word, not a name to look up
                if not (isinstance(a, ast.Ref) and len(a.parts) == 1 and
                        a.parts[0] in PRORATE_BY):
                    c.error(a.pos, "prorate() counts the active part by days or by months",
                            "e.g. prorate(quotas.amount, months); prorate(x) counts days",
                            code="bad-value")
            return
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
        if scope.kind == "bound":
            c.error(arg.pos, f"{fn}() over '{table.name}' cannot be used in a tier's bound "
                    "or rate: a bound is known before the period's figures",
                    "read a target (targets.meetings), a payee column (payee.quota) or a "
                    "param, or move the figure into the basis", code="scope")
        elif scope.kind in ("row", "param", "const", "tier"):
            c.error(arg.pos, f"{fn}() over '{table.name}' is per payee and cannot be used "
                    f"in {_place(scope)}",
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
        if head in sym.broken or self._in_broken_table(scope):
            return  # the definition it would name failed, and said so
        c.error(ref.pos, msg, hint, code=code)

    def _in_broken_table(self, scope: Scope) -> bool:
        """Reading the rows of a table that failed (`each: bookings` when the credit
        set 'bookings' has an error): its columns are unknown, so a name that is not
        found may well be one of them."""
        s: Scope | None = scope
        while s is not None:
            if s.table is not None and s.table in self.sym.broken:
                return True
            s = s.outer
        return False

    def _lookup(self, ref: ast.Ref, scope: Scope):
        sym = self.sym
        parts = ref.parts
        head = parts[0]
        # 1. columns of the current row (innermost scope first)
        s: Scope | None = scope
        out = 0  # how many `where`s out the row is
        while s is not None:
            t = s.row_table()
            if t and t in sym.tables:
                table = sym.tables[t]
                if len(parts) == 1 and head in table.columns:
                    return Resolution("column", t, head, outer=out)
                if len(parts) == 2 and head == t:
                    if parts[1] in table.columns:
                        return Resolution("column", t, parts[1], outer=out)
                    self._unknown_column(ref, table, parts[1])
                    return None
            s = s.outer
            out += 1
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
            if scope.kind in ("param", "const", "tier"):
                return (f"{_place(scope)} cannot depend on the payee", "use a measure",
                        "scope")
            return Resolution("payee", "payees", parts[1])
        if head == "period":
            if len(parts) != 2 or parts[1] not in PERIOD_ATTRS:
                attr = parts[1] if len(parts) > 1 else ""
                return (f"the period has no attribute '{attr}'",
                        did_you_mean(attr, PERIOD_ATTRS) or
                        "use period.start, period.end, period.days or period.label",
                        "unknown-name")
            if scope.kind in ("param", "const", "tier", "bound"):
                return (f"{_place(scope)} cannot depend on the period", "use a measure",
                        "scope")
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
            if scope.kind in ("param", "tier", "bound"):
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
            return (f"a param can only use other params; '{head}' is {_a_kind(kind)}",
                    "use a measure for values that depend on data", "scope")
        if scope.kind == "tier":
            return (f"a curve's point can only use params; '{head}' is {_a_kind(kind)}",
                    "a curve is the same for every payee: move what depends on the payee "
                    "into what it is read at (e.g. attainment = meetings / target)", "scope")
        if scope.kind == "bound" and kind in ("measure", "earning"):
            return (f"a tier's bound or rate cannot read {_a_kind(kind)} ('{head}'): a "
                    "bound is known before the period's figures",
                    "read a target (targets.meetings), a payee column (payee.quota) or a "
                    "param, or move the figure into the basis", "scope")
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
            what = "reporting lines" if self.c.plan.inputs[head].manager else "exchange rates"
            return (f"'{head}' holds {what}; the engine applies them", None, "scope")
        if table.kind == "per_payee" and self._has_by(head):
            by = ", ".join(self.c.plan.inputs[head].by)
            return (f"'{head}' has a row per payee and {by}; '{ref.dotted}' needs an aggregate",
                    f"e.g. sum({ref.dotted} where {self.c.plan.inputs[head].by[0]} == \"...\")",
                    "aggregate")
        if table.kind in ("per_payee",):
            if scope.kind == "bound":
                return Resolution("payee_table", head, col)
            if not scope.sees_payee():
                return (f"'{ref.dotted}' is per payee and cannot be used in a credit rule",
                        "use it in a measure", "scope")
            return Resolution("payee_table", head, col)
        if table.kind == "payees":
            return (f"write payee.{col} for the payee's own {col}", None, "unknown-name")
        if scope.kind == "bound":
            return (f"a tier's bound or rate cannot read '{ref.dotted}': '{head}' has many "
                    "rows per payee", "read a target (targets.meetings), a payee column "
                    "(payee.quota) or a param", "scope")
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


def _a_kind(kind: str) -> str:
    """'an input', 'a measure': the kind of a name with its article."""
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _arity_hint(name: str) -> str | None:
    return functions.usage(name)


def _place(scope) -> str:
    """Where an expression is, in a message: a credit rule, a param, a tier."""
    return {"row": "a credit rule", "tier": "a curve's point",
            "bound": "a tier's bound or rate"}.get(scope.kind,
                                                                          "a param")
