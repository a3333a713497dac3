"""Amounts no one means: warnings, not errors, for a human to look at before a payout.

An export that went wrong (a unit mix-up, a number pasted into the wrong column, a
float printed as 1e-30) gives amounts that parse and that a run would pay on: a draft
total of 150,000,000,000,044,937.66 went through without a word. Two checks on every
money column of every input, in `validate`, in `run` and on each ingested batch:

- beyond the plausible range: more than 1,000,000,000,000 either way (a trillion in
  one transaction), or the plan's own bound, a param named `max_plausible_amount`;
- more decimals than the currency has (12.345 USD, 1e-30 USD, 10.5 JPY): pay is rounded
  to the currency's unit, so such a figure is seldom what the source meant.

One warning per column and kind, at the first row, saying how many rows there are: a
million rows with three decimals are one thing to fix, not a million.
"""
from __future__ import annotations

from decimal import Decimal

from ..errors import Problem
from ..lang.model import Input
from .data import ROW, Table
from .ir import CompiledPlan
from .money import MINOR_UNITS

MAX_PLAUSIBLE = Decimal("1e12")
PARAM = "max_plausible_amount"


def limit_of(compiled: CompiledPlan) -> Decimal:
    """The plan's bound (its `max_plausible_amount` param) or a trillion."""
    v = compiled.params.get(PARAM)
    return abs(Decimal(v)) if isinstance(v, (Decimal, int)) and not isinstance(v, bool) \
        else MAX_PLAUSIBLE


def _places(v: Decimal) -> int:
    exp = v.as_tuple().exponent
    if not isinstance(exp, int) or exp >= 0:
        return 0
    return max(0, -v.normalize().as_tuple().exponent)  # 1.500 has two places, not three


def rows_warnings(compiled: CompiledPlan, inp: Input, rows: list[dict], file: str,
                  ) -> list[Problem]:
    """The warnings for some rows of one input (a file, or an ingested batch)."""
    plan = compiled.plan
    limit = limit_of(compiled)
    out: list[Problem] = []
    money = [c for c, t in inp.columns.items() if t == "money"]
    for col in money:
        big: list[dict] = []
        fine: list[tuple[dict, str, int]] = []
        for r in rows:
            v = r.get(col)
            if not isinstance(v, Decimal):
                continue
            if abs(v) > limit:
                big.append(r)
            cur = plan.currency
            if inp.currency and r.get(inp.currency):
                cur = str(r[inp.currency]).upper()
            allowed = MINOR_UNITS.get(cur, 2)
            exp = v.as_tuple().exponent
            if isinstance(exp, int) and -exp > allowed and _places(v) > allowed:
                fine.append((r, cur, allowed))
        shown = inp.rename.get(col, col)
        if big:
            out.append(beyond_warning(file, big[0][col], len(big), limit, big[0].get(ROW),
                                      shown))
        if fine:
            r, cur, allowed = fine[0]
            out.append(decimals_warning(file, r[col], len(fine), cur, allowed, r.get(ROW),
                                        shown))
    return out


def beyond_warning(file: str, value, count: int, limit: Decimal, row, column: str) -> Problem:
    """An amount beyond the plausible range, at the first such row, with how many more."""
    return Problem(
        file, None, None,
        f"amount {value} is beyond the plausible range (more than "
        f"{limit:,f} either way){_more(range(count))}",
        "a unit mix-up or a typo? correct the data; if amounts this large are "
        f"real, set params.{PARAM}", "warning", "implausible-amount", row, column)


def decimals_warning(file: str, value, count: int, currency: str, allowed: int, row,
                     column: str) -> Problem:
    """An amount with more decimals than its currency, at the first such row."""
    return Problem(
        file, None, None,
        f"amount {value} has more decimals than {currency} has ({allowed})"
        f"{_more(range(count))}", "pay is rounded to the currency's unit; check how the data "
        "was exported (a float printed in full, or a rate in an amount column?)",
        "warning", "too-many-decimals", row, column)


def plausibility(compiled: CompiledPlan, tables: dict[str, Table]) -> list[Problem]:
    """The warnings for every input table of a run."""
    out: list[Problem] = []
    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        if table is not None and table.rows:
            out.extend(rows_warnings(compiled, inp, table.rows, table.file))
    return out


def _more(items) -> str:
    n = len(items) - 1
    return f", and {n:,} more in this column" if n else ""
