"""Types and units of every expression node (the rules are in types.py).

Reports a unit mismatch once, where it arises, and types nothing downstream of it, so
one mistake does not cascade into many messages.
"""
from __future__ import annotations


from . import ast
from .symbols import PERIOD_ATTRS
from .types import (BOOLEAN, DATE, INTEGER, MISSING, MONEY, NUMBER, RATIO,
                    T_BOOLEAN, T_CONST, T_CONST_INT, T_DATE, T_RATIO, T_INTEGER,
                    T_MISSING, T_MONEY, T_NUMBER, T_TEXT, Type, UnitError, arithmetic,
                    comparable, unify)
from . import functions
from .checked import AGGREGATES, FUNCTIONS, Checked, Scope
from .types import article as _a
from .percent import BareNumbers
from . import groups
from .curves import curve_arg_problem, is_curve
from .windows import WINDOW_FUNCTIONS
from .rates import PLURAL, basis_text, is_zero_literal, lookup_key_types


# ---------------------------------------------------------------- types
class Typer:
    """Computes the type of every node; reports unit mismatches once, where they arise."""

    def __init__(self, c: Checked):
        self.c = c
        self.sym = c.symbols
        self.bare = BareNumbers(c)
        self.path: tuple = ()  # the field being typed (pass_types sets it)

    def in_amount(self) -> bool:
        """Typing a credit's or an earning's value: what it multiplies is paid."""
        return len(self.path) > 2 and self.path[0] in ("credits", "earnings") and \
            self.path[2] == "value"

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

    def t_Duration(self, n, s):
        return None  # a window's length (12 months): resolve.py says where it may stand

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
        if n.op in "+-":
            self.bare.meets_ratio(n.right, a)
            self.bare.meets_ratio(n.left, b)
        elif n.op == "*" and self.in_amount():
            self.bare.scales_amount(n.right, a)
            self.bare.scales_amount(n.left, b)
        try:
            return arithmetic(n.op, a, b)
        except UnitError as e:
            self.fail(n, e)
            return None

    def t_Compare(self, n, s):
        a, b = self.visit(n.left, s), self.visit(n.right, s)
        if n.op not in ("==", "!=") and (isinstance(n.left, ast.Missing) or
                                         isinstance(n.right, ast.Missing)):
            # `x == missing` asks whether x has a value; a missing value has no order
            self.c.error(n.pos, f"'{n.op}' cannot compare with missing: a missing value is "
                         "neither more nor less than anything",
                         "test for it with 'x == missing' or 'x != missing', or say what it "
                         "counts as: coalesce(x, 0)", code="unit-mismatch")
            return T_BOOLEAN
        if a is not None and b is not None:
            self.bare.meets_ratio(n.right, a, comparison=True)
            self.bare.meets_ratio(n.left, b, comparison=True)
            try:
                comparable(n.op, a, b)
            except UnitError as e:
                self.fail(n, e)
        return T_BOOLEAN

    def t_Between(self, n, s):
        v, lo, hi = (self.visit(x, s) for x in (n.value, n.low, n.high))
        for bound, node in ((lo, n.low), (hi, n.high)):
            if v is not None and bound is not None:
                self.bare.meets_ratio(node, v, comparison=True)
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
                self.bare.meets_ratio(item, v, comparison=True)
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
        self.bare.meets_ratio(n.otherwise, a)
        self.bare.meets_ratio(n.then, b)
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
                functions.of_kind(name, functions.AGGREGATE) or n.args[0] in self.c.resolved and
                self.c.resolved[n.args[0]].kind in ("set", "set_column")):
            return self.aggregate(n, s)
        if functions.of_kind(name, functions.RATES):  # tiered, rate, lookup
            return self.rate_call(n, s)
        if name in WINDOW_FUNCTIONS:  # the argument's type, over other days
            return self.visit(n.args[0], s)
        if name == "prorate":
            t = self.visit(n.args[0], s)  # a second argument is a word: days or months
            if t is None:
                return None
            if not t.numeric:
                self.fail(n, UnitError(f"prorate() scales an amount or a number, not {_a(t)}"))
                return None
            return t.plain()
        if name == "group":
            return groups.type_group(self, n, s)
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
        rule = functions.REGISTRY[name].type_rule
        if rule is None:  # pragma: no cover (every function of values has one)
            return None
        try:
            return rule(self, n, ts)
        except UnitError as e:
            self.fail(n, e)
            return None

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

    def curve_call(self, n: ast.Call, name: str, rt, extra, value_t, s: Scope):
        """rate(curve, x) gives the curve's value at x; rate(curve) at its basis."""
        if n.name != "rate":
            self.c.error(n.pos, f"'{name}' is a curve; use rate({name}, <value>) for its "
                         "value at a point", "multiply by what it scales, e.g. "
                         f"payee.bonus * rate({name}, attainment)", code="rate-arg")
            return None
        if not extra:
            if rt.basis is None:
                self.c.error(n.pos, f"curve '{name}' has no basis: say where to read it",
                             f"write rate({name}, <value>), e.g. rate({name}, attainment), "
                             f"or give '{name}' a 'basis:'", code="rate-arg")
            elif not s.sees_payee():
                self.c.error(n.pos, f"rate({name}) cannot be used in a credit rule: its "
                             "basis is read per payee, and credits are worked out before "
                             "measures and earnings", f"give the value to read it at: "
                             f"rate({name}, <value>)", code="scope")
            return value_t
        curve_arg_problem(self.c, name, n.args[1], extra[0])
        return value_t

    def rate_call(self, n: ast.Call, s: Scope):
        table_ref = n.args[0]
        res = self.c.resolved.get(table_ref)
        extra = [self.visit(a, s) for a in n.args[1:]]
        if res is None or res.kind != "rate":
            return None
        rt = self.c.plan.rates[res.name]
        value_t = self.sym.rates.get(res.name)
        if is_curve(rt):
            return self.curve_call(n, res.name, rt, extra, value_t, s)
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
                                          lookup_key_types(self.c, res.name)):
                if t is None or key_t is None:
                    continue
                try:
                    comparable("==", key_t, t)
                except UnitError:
                    self.c.error(arg.pos, f"lookup({res.name}, ...): this key is {_a(t)}, "
                                 f"but the table's '{key}' keys are {PLURAL[key_t.kind]}",
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
                             f"its basis '{basis_text(self.c, res.name)}' uses {uses}, and "
                             "credits are worked out before measures and earnings",
                             "use it in an earning ('each:' gives one line per credit)"
                             + (f", or give the basis: rate({res.name}, <value>)"
                                if n.name == "rate" else ""), code="scope")
                return None
        basis_t = self.c.type_of(self.c.expr("rates", res.name, "basis"))
        if n.name == "rate":
            if extra and extra[0] is not None and basis_t is not None and \
                    basis_t.kind == RATIO and extra[0].const and \
                    extra[0].kind in (NUMBER, INTEGER) and not is_zero_literal(n.args[1]):
                self.c.error(n.args[1].pos, f"rate({res.name})'s basis "
                             f"'{basis_text(self.c, res.name)}' is a ratio; this is a "
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
            if extra:
                # amounts per unit of the basis pay on the basis itself: the amount
                # given would be ignored, so the rates are surely meant as percentages
                self.c.error(n.args[1].pos, f"tiered({res.name}, ...) is given an amount, "
                             f"but the rates of '{res.name}' are amounts per unit of its "
                             f"basis '{basis_text(self.c, res.name)}' (numbers without %), "
                             "which do not use it",
                             "write the rates as percentages (5%) to pay a share of the "
                             f"amount, or leave the amount out: tiered({res.name})",
                             code="bare-number")
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
