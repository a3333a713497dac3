"""Exchange rates: which row of the rates input converts an amount.

A rates input holds rows of (currency, rate) with, optionally, the span each holds for:
a `period:` column (`2026`, `2026-Q1`, `2026-03`), or a `date:` column (daily rates).
Finance publishes rates at several grains at once (a budget rate for the year, an
average for each month), so several rows can cover the same day: the most specific
one, the shortest span, is the rate, whatever the order of the rows. Two rows for the
same currency and the same span are a data error: nothing says which one is meant.

The period's rate (`fx.at: period`, and the rate a payee is paid in another currency
at) is the most specific row whose span holds the whole period; in a table of daily
rates, the average of the period's days. With `fx.at: date` each transaction is
converted at its own date's rate: the most specific row whose span holds the date; in
a table of daily rates, that day's row or, on a day without one (a weekend), the last
one before it.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal

from ..errors import Problem
from .data import ROW, Table
from .money import divide
from .periods import Period, parse_period


@dataclass(frozen=True)
class RateRow:
    """One row of the rates input: a currency's rate over a span of days."""

    currency: str
    rate: Decimal
    start: dt.date | None  # None: the row holds for every day (no period or date column)
    end: dt.date | None
    label: str  # the span as written: '2026-03', '2026-03-13', or '' for always
    row: int

    @property
    def days(self) -> int:
        if self.start is None:
            return 10 ** 9  # the least specific of all
        return (self.end - self.start).days + 1

    def holds(self, start: dt.date, end: dt.date) -> bool:
        return self.start is None or (self.start <= start and end <= self.end)


@dataclass(frozen=True)
class Rate:
    """A rate and where it came from, for the note on the converted row's lines."""

    value: Decimal
    source: str  # '2026-03', 'average of 22 daily rates in 2026-03', 'of 2026-03-13'


class Rates:
    """The rates input of a run, read once, with its data problems."""

    def __init__(self, table: Table, currency_col: str, rate_col: str,
                 period_col: str | None, date_col: str | None, problems: list[Problem]):
        self.file = table.file
        self.dated = date_col is not None
        self.by_currency: dict[str, list[RateRow]] = {}
        seen: dict[tuple, int] = {}
        for r in table.rows:
            cur = str(r.get(currency_col) or "").upper()
            rate = r.get(rate_col)
            if not cur or rate is None:
                continue
            start = end = None
            label = ""
            if date_col is not None and r.get(date_col) is not None:
                start = end = r[date_col]
                label = start.isoformat()
            elif period_col is not None and r.get(period_col) is not None:
                label = str(r[period_col])
                try:
                    span = parse_period(label)
                except ValueError as e:
                    problems.append(Problem(table.file, None, None, str(e), "write the "
                                            "period the rate holds for", code="bad-value",
                                            row=r[ROW], column=period_col))
                    continue
                start, end, label = span.start, span.end, span.label
            key = (cur, start, end)
            if key in seen:
                problems.append(Problem(
                    table.file, None, None,
                    f"a second {cur} rate for {label or 'all periods'} (the first is at row "
                    f"{seen[key]})", "keep one row per currency and "
                    + ("date" if self.dated else "period") + "; which one is meant cannot "
                    "be guessed", code="duplicate-rate", row=r[ROW],
                    column=date_col or period_col or currency_col))
                continue
            seen[key] = r[ROW]
            self.by_currency.setdefault(cur, []).append(
                RateRow(cur, Decimal(rate), start, end, label, r[ROW]))
        for rows in self.by_currency.values():
            rows.sort(key=lambda x: (x.start or dt.date.min))

    def _most_specific(self, cur: str, start: dt.date, end: dt.date) -> RateRow | None:
        holding = [r for r in self.by_currency.get(cur, ()) if r.holds(start, end)]
        return min(holding, key=lambda r: r.days) if holding else None

    def for_period(self, cur: str, period: Period) -> Rate | None:
        """The period's rate: its most specific row; daily rates: their average."""
        row = self._most_specific(cur, period.start, period.end)
        if row is not None:
            return Rate(row.rate, row.label)
        if self.dated:
            days = [r.rate for r in self.by_currency.get(cur, ())
                    if r.start is not None and period.contains(r.start)]
            if days:
                return Rate(divide(sum(days, Decimal(0)), len(days)),
                            f"average of {len(days)} daily rate{'s' * (len(days) != 1)} in "
                            f"{period.label}")
        return None

    def on(self, cur: str, day: dt.date) -> Rate | None:
        """The rate of a day: its most specific row; daily rates: the last on or before."""
        if self.dated:
            rows = [r for r in self.by_currency.get(cur, ()) if r.start is not None]
            i = bisect_right([r.start for r in rows], day)
            if i:
                return Rate(rows[i - 1].rate, "of " + rows[i - 1].label)
        row = self._most_specific(cur, day, day)
        return Rate(row.rate, row.label) if row is not None else None

    def period_rates(self, period: Period, plan_currency: str) -> dict[str, Decimal]:
        out = {}
        for cur in self.by_currency:
            rate = self.for_period(cur, period)
            if rate is not None:
                out[cur] = rate.value
        out[plan_currency] = Decimal(1)
        return out
