"""Pay periods: `2026-Q1`, `2026-03`, `2026-03a`, `2026-W05`, `2026-H1`, `2026`, `2026-03-15`.

A plan pays by one kind of period; a run names one period of that kind. Targets may be
set for a longer span than the plan's period (a yearly quota in a quarterly plan); they
are then split by the share of days (see `Period.share_of`).

This module is neutral ground: the checker (compplan.lang, which checks a scenario's
period) and the engine (compplan.engine.periods re-exports it) both read periods here,
so the language never imports the engine.

A half month (payroll on the 15th and at month end, issue 20) is written `2026-03a`
(the 1st to the 15th) and `2026-03b` (the 16th to the month's last day). The letter
form was chosen over `2026-03-H1` or `2026-03-1`: it cannot be read as a day
(`2026-03-15`) or as a half year (`2026-H1`), and as text it sorts where it falls in
time (`2026-03` < `2026-03a` < `2026-03b` < `2026-04`), so files and stored runs keep
their order.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Period:
    kind: str  # day | week | half_month | month | quarter | half | year | span
    label: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.end

    def within(self, other: "Period") -> bool:
        return other.start <= self.start and self.end <= other.end

    def share_of(self, other: "Period") -> Fraction:
        """This period's days as a share of a longer period's (a yearly target's part).

        An exact fraction (90/365, not 0.2465753...): a target is multiplied by it before
        it is divided, so 365,000 a year gives exactly 90,000 for Q1."""
        return Fraction(self.days, other.days)

    def number_within(self, span: "Period") -> int:
        """This period's number within a longer one: quarter 2 of a year, month 3 of a
        quarter, week 5 of a year. Used to pick a target's weight."""
        months = (self.start.year - span.start.year) * 12 + self.start.month - span.start.month
        if self.kind == "month":
            return months + 1
        if self.kind == "quarter":
            return months // 3 + 1
        if self.kind == "half":
            return months // 6 + 1
        if self.kind == "week":
            return (self.start - span.start).days // 7 + 1
        if self.kind == "half_month":
            return 2 * months + (self.start.day > 15) + 1
        return (self.start - span.start).days + 1

    def attrs(self) -> dict:
        return {"start": self.start, "end": self.end, "days": self.days, "label": self.label}

    def __str__(self) -> str:
        return self.label


PATTERNS = [
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$", re.I)),
    ("half", re.compile(r"^(\d{4})-H([12])$", re.I)),
    ("week", re.compile(r"^(\d{4})-W(\d{2})$", re.I)),
    ("day", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
    ("half_month", re.compile(r"^(\d{4})-(\d{2})([ab])$", re.I)),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("year", re.compile(r"^(\d{4})$")),
]

EXAMPLES = {"day": "2026-03-15", "week": "2026-W05", "half_month": "2026-03a",
            "month": "2026-03",
            "quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}

# a kind of period in words, where its name is not a word ("a half month", not
# "a half_month"): what messages say
KIND_WORDS = {"half_month": "half month"}


def in_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse a period label; ValueError with the accepted forms if it is not one."""
    s = str(text).strip()
    for kind, pat in PATTERNS:
        m = pat.match(s)
        if not m:
            continue
        y = int(m.group(1))
        try:
            if kind == "quarter":
                q = int(m.group(2))
                return Period(kind, f"{y}-Q{q}", dt.date(y, 3 * q - 2, 1), month_end(y, 3 * q))
            if kind == "half":
                h = int(m.group(2))
                return Period(kind, f"{y}-H{h}", dt.date(y, 6 * h - 5, 1), month_end(y, 6 * h))
            if kind == "week":
                w = int(m.group(2))
                start = dt.date.fromisocalendar(y, w, 1)
                return Period(kind, f"{y}-W{w:02d}", start, start + dt.timedelta(days=6))
            if kind == "day":
                d = dt.date(y, int(m.group(2)), int(m.group(3)))
                return Period(kind, d.isoformat(), d, d)
            if kind == "month":
                mo = int(m.group(2))
                return Period(kind, f"{y}-{mo:02d}", dt.date(y, mo, 1), month_end(y, mo))
            if kind == "half_month":
                mo, half = int(m.group(2)), m.group(3).lower()
                if half == "a":
                    return Period(kind, f"{y}-{mo:02d}a", dt.date(y, mo, 1), dt.date(y, mo, 15))
                return Period(kind, f"{y}-{mo:02d}b", dt.date(y, mo, 16), month_end(y, mo))
            return Period(kind, str(y), dt.date(y, 1, 1), dt.date(y, 12, 31))
        except ValueError:
            break
    raise ValueError(f"'{s}' is not a period; write one of "
                     + ", ".join(EXAMPLES.values()))


def year_to_date(period: Period) -> Period:
    return Period("span", f"{period.start.year}-YTD-{period.label}",
                  dt.date(period.start.year, 1, 1), period.end)


def period_containing(kind: str, d: dt.date) -> Period:
    """The period of a kind (month, quarter...) that holds a day: its weight's number."""
    if kind not in EXAMPLES:
        raise KeyError(kind)
    return period_of(kind, d)


def periods_of(kind: str, first: dt.date, last: dt.date) -> list[Period]:
    """The periods of a kind that hold a day from `first` to `last`, in order."""
    out: list[Period] = []
    d = first
    while d <= last:
        p = period_containing(kind, d)
        out.append(p)
        d = p.end + dt.timedelta(days=1)
    return out


def month_share(first: dt.date, last: dt.date, period: Period) -> Fraction:
    """The part of `period` from `first` to `last`, counted in months: each month of the
    period weighs the same, and a part month counts by its days. A rep who starts on
    1 March in Q1 has 1 of 3 months (by days it would be 31 of 90)."""
    active = Fraction(0)
    for m in periods_of("month", period.start, period.end):
        lo, hi = max(m.start, period.start, first), min(m.end, period.end, last)
        if lo <= hi:
            active += Fraction((hi - lo).days + 1, m.days)
    total = months_in(period)
    return active / total if total else Fraction(0)


def months_in(period: Period) -> Fraction:
    """The period's length in months: 3 for a quarter; a week counts by its days."""
    total = Fraction(0)
    for m in periods_of("month", period.start, period.end):
        lo, hi = max(m.start, period.start), min(m.end, period.end)
        total += Fraction((hi - lo).days + 1, m.days)
    return total


def period_of(kind: str, d: dt.date) -> Period:
    """The period of `kind` that holds the date (the month of a hire date)."""
    if kind == "quarter":
        return parse_period(f"{d.year}-Q{(d.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{d.year}-H{(d.month - 1) // 6 + 1}")
    if kind == "week":
        year, week, _ = d.isocalendar()
        return parse_period(f"{year}-W{week:02d}")
    if kind == "month":
        return parse_period(f"{d.year}-{d.month:02d}")
    if kind == "half_month":
        return parse_period(f"{d.year}-{d.month:02d}{'a' if d.day <= 15 else 'b'}")
    if kind == "year":
        return parse_period(str(d.year))
    return parse_period(d.isoformat())


def periods_between(a: Period, b: Period) -> int:
    """How many periods of a's kind from a to b (a month to the next: 1)."""
    months = (b.start.year - a.start.year) * 12 + b.start.month - a.start.month
    if a.kind == "month":
        return months
    if a.kind == "quarter":
        return months // 3
    if a.kind == "half":
        return months // 6
    if a.kind == "year":
        return months // 12
    if a.kind == "half_month":
        return 2 * months + (b.start.day > 15) - (a.start.day > 15)
    days = (b.start - a.start).days
    return days // 7 if a.kind == "week" else days


def earlier_in_year(period: Period) -> list[Period]:
    """The periods of the same kind before this one in its calendar year, in order (for
    a week: the weeks that start in the year)."""
    out: list[Period] = []
    d = dt.date(period.start.year, 1, 1)
    while d < period.start:
        p = period_of(period.kind, d)
        if p.start.year == period.start.year and p.start < period.start:
            out.append(p)
        d = p.end + dt.timedelta(days=1)
    return out


def previous(period: Period) -> Period:
    """The period of the same kind just before: 2026-04 -> 2026-03, 2026-03a -> 2026-02b."""
    return period_of(period.kind, period.start - dt.timedelta(days=1))
