"""Exact money: rounding and formatting, never float.

Rounding is explicit: each line is rounded once, to the plan's step (0.01 by default)
with the plan's mode (half up by default), and totals are sums of rounded lines.
"""
from __future__ import annotations

import decimal
from decimal import Decimal

from ..errors import Pos, Problem

MODES = {
    "half_up": decimal.ROUND_HALF_UP, "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN, "up": decimal.ROUND_UP, "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING, "floor": decimal.ROUND_FLOOR,
}

# Arithmetic on amounts uses this context. Sums and differences are exact (40 digits hold
# the sum of any numbers DECIMAL(38, s), the SQL engine's type, holds at one scale);
# products and quotients follow the one rule below (multiply, divide), and a line is
# rounded once to the plan's step. Display of an amount (fmt_money) rounds half up under
# this context.
CONTEXT = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_UP,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                 decimal.Overflow])

# ---------------------------------------------------------------- the arithmetic rule
# Both engines (this one and compplan/engine/sql/decimals.py) follow it, so they agree to
# the last digit (docs/language.md, "Arithmetic and rounding"):
#   a / b   exactly PLACES places, rounded half up (away from zero)
#   a * b   exact up to PLACES places, rounded half up to PLACES beyond that
#   a + b   exact
# A quotient, or a product rounded to PLACES places, must be below 10^22 (DECIMAL(38, 16)
# holds 22 digits before the point): beyond that is an error, not a rounded value.
PLACES = 16
_UNIT = Decimal(1).scaleb(-PLACES)
LIMIT = Decimal(10) ** (38 - PLACES)
_TRAPS = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
_WIDE = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP, traps=_TRAPS)
# a quotient cut (not rounded) at 40 digits: below LIMIT that keeps 18 places or more, and
# rounding half up at the 16th place needs only to know whether what follows is >= 5000...
_CUT = decimal.Context(prec=40, rounding=decimal.ROUND_DOWN, traps=_TRAPS)


class OutOfRange(ArithmeticError):
    """A quotient or rounded product of 10^22 or more: the rule cannot hold it (the SQL
    engine's DECIMAL(38, 16) cannot either). `pos` is the rule's place, when known."""

    def __init__(self, what: str, value: Decimal, pos=None):
        super().__init__(f"{what} is {value:.6E}, beyond the 22 digits before the point a "
                         f"value with {PLACES} places may have")
        self.pos = pos


def out_of_range(pos: Pos | None, detail: str, file: str = "") -> Problem:
    """The one wording, in both engines, of a value the arithmetic rule cannot hold."""
    return Problem.at(pos, f"a value outgrew the numbers a plan works with: {detail}",
                      "a number has at most 38 digits, 22 before the point when it has "
                      f"{PLACES} after it (a quotient always has): look for an amount far too "
                      "large, or a division by a value close to 0", code="out-of-range",
                      file=file)


def _places_beyond(v: Decimal) -> bool:
    """Whether v has more than PLACES digits after the point (str() is the quick test)."""
    s = str(v)
    if "E" in s or "e" in s:
        return v.as_tuple().exponent < -PLACES
    dot = s.find(".")
    return dot >= 0 and len(s) - dot - 1 > PLACES


def _rounded(v: Decimal) -> Decimal:
    v = v.quantize(_UNIT, context=_WIDE)
    return v.copy_abs() if not v else v  # -0 is 0, as in SQL


def multiply(a, b):
    """a x b by the rule: exact when it has at most 16 places, else rounded half up to 16
    (whole numbers stay whole: a count times a count is an int)."""
    if a.__class__ is int and b.__class__ is int:
        return a * b
    p = _WIDE.multiply(a, b)
    if _places_beyond(p):
        p = _rounded(p)
        if abs(p) >= LIMIT:
            raise OutOfRange("a product", p)
    return p


def divide(a, b) -> Decimal:
    """a / b by the rule: 16 places rounded half up; exact quotients keep their short form
    (1000 / 4 is 250, not 250.0000000000000000). b must not be 0 (the caller's missing)."""
    q = _CUT.divide(a, b)
    if _places_beyond(q):
        q = _rounded(q)
    if abs(q) >= LIMIT:
        raise OutOfRange("a quotient", q)
    return q


def scale(amount, mul, div) -> Decimal:
    """amount x mul / div, multiplied before it is divided (365,000 x 90 / 365 is exactly
    90,000): the product by `multiply`, then the quotient by `divide`."""
    return divide(multiply(amount, mul), div)


# Currencies whose minor unit is not the cent (ISO 4217); every other has two places.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0,
               "XAF": 0, "XOF": 0, "IDR": 2, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
               "IQD": 3, "LYD": 3}


def minor_unit(currency: str) -> Decimal:
    """The currency's smallest unit as a rounding step: 0.01 for USD, 1 for JPY."""
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))


ZERO = Decimal(0)
ONE = Decimal(1)


def round_to(value: Decimal, step: Decimal = Decimal("0.01"), mode: str = "half_up") -> Decimal:
    """Round to a multiple of `step` (0.01, 1, 0.05, 100 ...) with the named mode."""
    if step == step.to_integral_value() and step == 1:
        return value.quantize(ONE, rounding=MODES[mode])
    if step.as_tuple().digits == (1,):  # a power of ten: 0.01, 0.1, 10 (quantize exactly)
        if step < 1:
            return value.quantize(step, rounding=MODES[mode])
    units = (value / step).quantize(ONE, rounding=MODES[mode])
    result = units * step
    return result.quantize(step) if step < 1 else result


def unsigned_zero(value: Decimal) -> Decimal:
    """0 for -0: a refund that earns 0% (-400 x 0%) pays 0.00, not -0.00."""
    return value.copy_abs() if not value and value.is_signed() else value


_SPECS = {p: f",.{p}f" for p in range(0, 7)}


def fmt_money(value: Decimal | None, places: int = 2) -> str:
    """1234567.5 -> '1,234,567.50' (half up under CONTEXT, which every run uses)."""
    if value is None:
        return "missing"
    return format(value, _SPECS[places])


def fmt_ratio(value: Decimal | None) -> str:
    if value is None:
        return "missing"
    pct = (value * 100).normalize()
    if pct == pct.to_integral_value():
        return f"{pct.quantize(ONE)}%"
    text = format(pct.quantize(Decimal("0.0001"), rounding=decimal.ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") + "%"


def fmt_number(value: Decimal | int | None) -> str:
    if value is None:
        return "missing"
    if isinstance(value, int):
        return f"{value:,}"
    v = value.normalize()
    if v == v.to_integral_value():
        return f"{v.quantize(ONE):,}"
    return format(value, "f") if abs(value.as_tuple().exponent) <= 6 else \
        format(value.quantize(Decimal("0.000001")), "f")


def places_of(step: Decimal) -> int:
    exp = step.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 2
