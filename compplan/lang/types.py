"""Types with units, and the rules that combine them.

The unit rules follow what comp plans mean: money + money is money, money x ratio is
money (a commission), money / money is a ratio (attainment), money + ratio is a
mistake. A bare number literal is an untyped constant, as in Go: it takes the type of
what it meets, so `amount > 10_000` and `amount + 250` are money while
`kpis.csat / 90` stays a number.
"""
from __future__ import annotations

from dataclasses import dataclass

MONEY, RATIO, NUMBER, INTEGER = "money", "ratio", "number", "integer"
DATE, TEXT, BOOLEAN, MISSING = "date", "text", "boolean", "missing"
VALUE_TYPES = (MONEY, RATIO, NUMBER, INTEGER, DATE, TEXT, BOOLEAN)
NUMERIC = (MONEY, RATIO, NUMBER, INTEGER)
DIMENSIONLESS = (RATIO, NUMBER, INTEGER)
# Words for the column types a plan may declare (and aliases admins write).
COLUMN_TYPES = {"money": MONEY, "ratio": RATIO, "percent": RATIO, "number": NUMBER,
                "integer": INTEGER, "int": INTEGER, "date": DATE, "text": TEXT,
                "boolean": BOOLEAN, "bool": BOOLEAN}


@dataclass(frozen=True)
class Type:
    kind: str
    const: bool = False  # an untyped numeric literal (or a param that is one)

    def __str__(self) -> str:
        return self.kind

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    def plain(self) -> "Type":
        return Type(self.kind)


T_MONEY, T_RATIO, T_NUMBER, T_INTEGER = Type(MONEY), Type(RATIO), Type(NUMBER), Type(INTEGER)
T_DATE, T_TEXT, T_BOOLEAN, T_MISSING = Type(DATE), Type(TEXT), Type(BOOLEAN), Type(MISSING)
T_CONST = Type(NUMBER, const=True)
T_CONST_INT = Type(INTEGER, const=True)
T_CONST_RATIO = Type(RATIO, const=True)


class UnitError(Exception):
    """Two types that do not combine; the message says why, the hint what to do."""

    def __init__(self, message: str, hint: str | None = None):
        self.hint = hint
        super().__init__(message)


def _a(t: Type) -> str:
    return ("an " if str(t)[0] in "aeiou" else "a ") + str(t)


def unify(a: Type, b: Type, what: str) -> Type:
    """The common type of two values that must agree (branches, min/max, comparisons)."""
    if a.kind == MISSING:
        return b
    if b.kind == MISSING:
        return a
    if a.kind == b.kind:
        return Type(a.kind, a.const and b.const)
    if a.numeric and b.numeric:
        if a.const and not b.const:
            return b.plain()
        if b.const and not a.const:
            return a.plain()
        if a.kind in DIMENSIONLESS and b.kind in DIMENSIONLESS:
            return Type(NUMBER, a.const and b.const)
        if MONEY in (a.kind, b.kind):
            other = b if a.kind == MONEY else a
            raise UnitError(f"{what}: money and {_a(other)} do not mix",
                            _money_hint(other))
    raise UnitError(f"{what}: {_a(a)} and {_a(b)} do not mix")


def _money_hint(other: Type) -> str:
    if other.kind == RATIO:
        return "to take a percentage of an amount, multiply: amount * 8%"
    return "convert with a rate or a param of type money"


def arithmetic(op: str, a: Type, b: Type) -> Type:
    """The result type of `a op b` for + - * /, or UnitError."""
    if a.kind == MISSING or b.kind == MISSING:
        return b if a.kind == MISSING else a
    if op in "+-":
        if a.kind == DATE and b.kind in (INTEGER, NUMBER) and (b.kind == INTEGER or b.const):
            return T_DATE
        if op == "-" and a.kind == DATE and b.kind == DATE:
            return T_INTEGER  # days between
        if op == "+" and b.kind == DATE and a.kind == INTEGER:
            return T_DATE
        if not (a.numeric and b.numeric):
            raise UnitError(f"cannot {'add' if op == '+' else 'subtract'} {_a(b)} "
                            f"{'to' if op == '+' else 'from'} {_a(a)}",
                            "dates take a whole number of days; text cannot be added"
                            if DATE in (a.kind, b.kind) or TEXT in (a.kind, b.kind) else None)
        return unify(a, b, f"'{op}'")
    if not (a.numeric and b.numeric):
        bad = a if not a.numeric else b
        raise UnitError(f"cannot {'multiply' if op == '*' else 'divide'} {_a(bad)}",
                        "only numbers, percentages and money take * and /")
    if op == "*":
        if a.kind == MONEY and b.kind == MONEY:
            raise UnitError("cannot multiply money by money",
                            "one side should be a rate (8%) or a number")
        if MONEY in (a.kind, b.kind):
            return T_MONEY
        if a.const and b.const:
            return Type(_dimless_product(a.kind, b.kind), True)
        if a.const:
            return b.plain()
        if b.const:
            return a.plain()
        return Type(_dimless_product(a.kind, b.kind))
    # division
    if a.kind == MONEY and b.kind == MONEY:
        return T_RATIO
    if b.kind == MONEY:
        raise UnitError(f"cannot divide {_a(a)} by money",
                        "divide money by money for a ratio, or money by a number")
    if a.kind == MONEY:
        return T_MONEY
    if a.const and b.const:
        return Type(NUMBER, True)
    if b.const:
        return Type(NUMBER) if a.kind == INTEGER else a.plain()
    if a.const:
        return Type(NUMBER)
    if a.kind == RATIO and b.kind == RATIO:
        return T_RATIO
    return T_RATIO  # number / number: a quotient of like quantities (KPI attainment)


def _dimless_product(x: str, y: str) -> str:
    if x == INTEGER and y == INTEGER:
        return INTEGER
    if x == RATIO and y == RATIO:
        return RATIO
    return NUMBER


def comparable(op: str, a: Type, b: Type) -> None:
    """Raise UnitError unless `a op b` makes sense."""
    if MISSING in (a.kind, b.kind):
        return
    if a.numeric and b.numeric:
        unify(a, b, f"comparison '{op}'")
        return
    if a.kind != b.kind:
        raise UnitError(f"cannot compare {_a(a)} with {_a(b)}",
                        "write a date as 2026-03-31 and a text in quotes"
                        if TEXT in (a.kind, b.kind) or DATE in (a.kind, b.kind) else None)
    if a.kind in (TEXT, BOOLEAN) and op not in ("==", "!="):
        raise UnitError(f"{a.kind} values can only be compared with == or !=")


def parse_column_type(word: str) -> Type | None:
    kind = COLUMN_TYPES.get(str(word).strip().lower())
    return Type(kind) if kind else None
