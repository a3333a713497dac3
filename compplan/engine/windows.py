"""The days each window of a plan reads, for a run of one period (issue 20).

ytd() was the first window: its credits went to '<set>@ytd' besides '<set>', and its
targets to '<table>@ytd', worked out for the year so far by the same rules as the
period's own (a longer target split by days or weights, shorter ones added up). Every
window now goes the same way under its own key (`sales@trailing_12_month`,
`quotas@last_year`): prepare.py fills the sets, compile.py reads them, validate.py
warns of rows before the first day any window reads. The spans are exact calendar
arithmetic on dates, never a count of days standing for a month.
"""
from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

from ..lang.windows import MONTHS, TO_DATE, Window
from ..periods import Period, parse_period, period_of, previous

if TYPE_CHECKING:  # the IR imports the compiler, which names windows by their days
    from .ir import CompiledPlan

DAY = dt.timedelta(days=1)


def span(window: Window, period: Period, kind: str | None = None) -> Period:
    """The days `window` reads in a run of `period` (of the plan's `kind`).

    ytd/qtd/mtd: from the first day of the year, quarter or month holding the period's
    first day, to its last day (ytd's span is the one it has always had).
    trailing(x, N units): the N units that end with the period's last day; a month
    back from a day the earlier month lacks is that month's last day (as a calendar
    does it: the month to March 31 starts on March 1, to March 15 on February 16);
    `N periods` are this period and the N - 1 before it.
    last_year: the period of the same kind a year earlier.
    """
    kind = kind or period.kind
    start = period.start
    if window.function in TO_DATE:
        unit = TO_DATE[window.function]
        first = dt.date(start.year, 1, 1) if unit == "year" else period_of(unit, start).start
        label = (f"{start.year} to {period.label}" if unit == "year"
                 else f"{first.isoformat()} to {period.end.isoformat()}")
        return Period("span", label, first, period.end)
    if window.function == "last_year":
        return same_period_last_year(period)
    after = period.end + DAY
    if window.unit == "period":
        first = period_of(kind, period.start) if kind != "span" else period
        for _ in range(window.count - 1):
            first = previous(first)
        begin = first.start
    elif window.unit in MONTHS:
        begin = months_before(after, window.count * MONTHS[window.unit])
    else:
        begin = after - dt.timedelta(days=window.count * (7 if window.unit == "week" else 1))
    return Period("span", f"{begin.isoformat()} to {period.end.isoformat()}", begin,
                  period.end)


def months_before(d: dt.date, months: int) -> dt.date:
    """The same day `months` earlier; a day the earlier month lacks is its last day."""
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def same_period_last_year(period: Period) -> Period:
    """2026-03 -> 2025-03, 2026-Q2 -> 2025-Q2, 2026-03a -> 2025-03a; a week by its ISO
    number (week 53 of a year that has one compares with week 52); 29 February with
    the 28th; a span by its dates a year earlier."""
    if period.kind == "week":
        year, week = period.start.isocalendar()[0] - 1, int(period.label[-2:])
        weeks = dt.date(year, 12, 28).isocalendar()[1]
        return parse_period(f"{year}-W{min(week, weeks):02d}")
    if period.kind == "day":
        return parse_period(months_before(period.start, 12).isoformat())
    if period.kind == "span":
        first, last = months_before(period.start, 12), months_before(period.end, 12)
        return Period("span", f"{first.isoformat()} to {last.isoformat()}", first, last)
    return parse_period(str(int(period.label[:4]) - 1) + period.label[4:])


def spans(compiled: CompiledPlan, period: Period) -> dict[str, Period]:
    """key -> the days each window of the plan reads in a run of `period`."""
    kind = compiled.plan.period
    return {key: span(w, period, kind) for key, w in compiled.windows.items()}


def covers_period(s: Period, period: Period) -> bool:
    """Whether a window's span holds the whole period (an undated credit of the period
    then counts in it too)."""
    return s.start <= period.start and period.end <= s.end
