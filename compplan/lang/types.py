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


def article(t: Type) -> str:
    """The type with its article, as a sentence says it: "a ratio", "an integer", "money"."""
    if t.kind == MONEY:
        return "money"
    return ("an " if str(t)[0] in "aeiou" else "a ") + str(t)


_a = article


# A ratio (a share: 100% is 1) and a number with no unit (a CSAT score, a count) are
# both dimensionless, but adding or comparing them is nearly always a slip:
# `kpis.csat + 5%` adds 0.05 to a score. Only an untyped constant adopts either.
RATIO_NUMBER_HINT = ("a ratio is a share (100% is 1) and a number is not: add a plain "
                     "number to a number (kpis.csat + 5), or divide the number by its "
                     "target to make a ratio (kpis.csat / 90); note that 1.5 * attainment "
                     "is a number, 150% * attainment a ratio")


def _ratio_and_number(a: Type, b: Type) -> bool:
    """A ratio meeting a number (or integer) that is not an untyped constant."""
    if a.const or b.const:
        return False
    return {a.kind, b.kind} in ({RATIO, NUMBER}, {RATIO, INTEGER})


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
        if _ratio_and_number(a, b):
            raise UnitError(f"{what}: a number and a ratio do not mix", RATIO_NUMBER_HINT)
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
    return ("to scale an amount, multiply it by a percentage (amount * 8%); to add an "
            "amount, write it as a plain number (amount + 500)")


def arithmetic(op: str, a: Type, b: Type) -> Type:
    """The result type of `a op b` for + - * /, or UnitError."""
    if a.kind == MISSING or b.kind == MISSING:
        return b if a.kind == MISSING else a
    if op in "+-":
        # a date moves by whole days: an integer, or an integer written out (30)
        if a.kind == DATE and b.kind == INTEGER:
            return T_DATE
        if op == "-" and a.kind == DATE and b.kind == DATE:
            return T_INTEGER  # days between
        if op == "+" and b.kind == DATE and a.kind == INTEGER:
            return T_DATE
        if not (a.numeric and b.numeric):
            verb = "add" if op == "+" else "subtract"
            hint = None
            if DATE in (a.kind, b.kind) and (a.kind == DATE or op == "+"):
                days = b if a.kind == DATE else a
                if days.kind == NUMBER:
                    raise UnitError(f"cannot {verb} {'a fraction of a day' if days.const else 'a number'} "
                                    f"{'to' if op == '+' else 'from'} a date",
                                    "a date takes a whole number of days, e.g. close_date + 30")
                hint = "a date takes a whole number of days, e.g. close_date + 30"
            elif TEXT in (a.kind, b.kind):
                hint = "text cannot be added or subtracted; compare it with == or in [...]"
            raise UnitError(f"cannot {verb} {_a(b)} {'to' if op == '+' else 'from'} {_a(a)}",
                            hint)
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
        if a.const or b.const:
            other = b if a.const else a
            # 1000 * attainment: an amount scaled by a ratio, a plain number (an earning
            # may be one: it reads as money in the plan currency); 150% * attainment
            # stays a ratio, since 150% is not an untyped constant
            return T_NUMBER if other.kind == RATIO else other.plain()
        return Type(_dimless_product(a.kind, b.kind))
    # division
    if a.kind == MONEY and b.kind == MONEY:
        return T_RATIO
    if b.kind == MONEY:
        raise UnitError(f"cannot divide {'a plain number' if a.const else _a(a)} by money",
                        "divide money by money for a ratio (booked / quota), or money by a "
                        "number (amount / 4)")
    if a.kind == MONEY:
        return T_MONEY
    if a.const and b.const:
        return Type(NUMBER, True)
    if b.const:
        # attainment / 2 is a plain number, as attainment * 0.5 is
        return Type(NUMBER) if a.kind in (INTEGER, RATIO) else a.plain()
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
        kinds = {a.kind, b.kind}
        if kinds == {DATE, TEXT}:
            hint = "write a date without quotes, as 2026-03-31"
        elif DATE in kinds:
            hint = "compare a date with a date, written as 2026-03-31"
        elif TEXT in kinds and (a.numeric or b.numeric):
            hint = "write numbers without quotes and texts in double quotes"
        else:
            hint = None
        raise UnitError(f"cannot compare {_a(a)} with {_a(b)}", hint)
    if a.kind in (TEXT, BOOLEAN) and op not in ("==", "!=", "in", "not in"):
        raise UnitError(f"{a.kind} values can only be compared with ==, != or in [...]")


def parse_column_type(word: str) -> Type | None:
    kind = COLUMN_TYPES.get(str(word).strip().lower())
    return Type(kind) if kind else None
