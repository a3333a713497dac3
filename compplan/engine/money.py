"""Exact money: rounding and formatting, never float.

Rounding is explicit: each line is rounded once, to the plan's step (0.01 by default)
with the plan's mode (half up by default), and totals are sums of rounded lines.
"""
from __future__ import annotations

import decimal
from decimal import Decimal

MODES = {
    "half_up": decimal.ROUND_HALF_UP, "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN, "up": decimal.ROUND_UP, "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING, "floor": decimal.ROUND_FLOOR,
}

# Arithmetic on amounts uses this context: 34 significant digits (IEEE decimal128) is far
# beyond any amount a payroll holds, so only the explicit rounding of a line matters.
# Display of an amount (fmt_money) rounds half up under this context, like the lines.
CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_UP,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                 decimal.Overflow])

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
