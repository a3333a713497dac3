"""Working days and holidays per territory.

A month's target is not spread evenly over its 30 days: a rep does not sell on Sundays
or on a public holiday, and a holiday in one province is a working day in the next.
Splits into weeks and days therefore go by working days: a part's share is its working
days over the span's. A calendar file says which weekdays are worked and lists the
holidays, for every territory (`all`) or for one:

    calendar: field-2026
    workdays: [mon, tue, wed, thu, fri, sat]
    holidays:
      all:
        2026-01-01: New Year's Day
      R-North:
        2026-04-10: Harvest festival (North only)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..lang.source import load_yaml, read_yaml_file
from ..periods import Period

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
ALL = "all"


@dataclass
class Calendar:
    name: str = "mon-fri"
    workdays: frozenset[int] = frozenset(range(5))
    holidays: dict[str, dict[dt.date, str]] = field(default_factory=dict)  # territory ->

    def holiday(self, day: dt.date, territory: str | None = None) -> str | None:
        """The holiday's name if `day` is a holiday in the territory (or everywhere)."""
        name = self.holidays.get(ALL, {}).get(day)
        if name is None and territory:
            name = self.holidays.get(territory, {}).get(day)
        return name

    def is_working(self, day: dt.date, territory: str | None = None) -> bool:
        return day.weekday() in self.workdays and self.holiday(day, territory) is None

    def working_days(self, start: dt.date, end: dt.date, territory: str | None = None
                     ) -> list[dt.date]:
        out, day = [], start
        while day <= end:
            if self.is_working(day, territory):
                out.append(day)
            day += dt.timedelta(days=1)
        return out

    def count(self, period: Period, territory: str | None = None) -> int:
        return len(self.working_days(period.start, period.end, territory))

    def why_not(self, day: dt.date, territory: str | None = None) -> str:
        """Why a day is not worked: the holiday's name, or 'Sunday'."""
        return self.holiday(day, territory) or day.strftime("%A")


EVERY_DAY = Calendar("every day", frozenset(range(7)))


def load_calendar(path: str | Path) -> tuple[Calendar, list[Problem]]:
    """A calendar file -> Calendar; every problem with its file, line and column."""
    path = Path(path)
    text, problems = read_yaml_file(path)
    if problems:
        return Calendar(), problems
    src, problems = load_yaml(text, str(path))
    if problems:
        return Calendar(), problems
    data = src.data if isinstance(src.data, dict) else {}
    cal = Calendar(str(data.get("calendar") or path.stem))
    if "workdays" in data:
        days = data["workdays"] if isinstance(data["workdays"], list) else []
        bad = [d for d in days if str(d).lower()[:3] not in WEEKDAYS]
        if bad or not days:
            problems.append(Problem.at(src.pos(("workdays",)),
                                       f"workdays must be a list of weekdays, not {bad or days}",
                                       "e.g. workdays: [mon, tue, wed, thu, fri]",
                                       code="bad-calendar"))
        else:
            cal.workdays = frozenset(WEEKDAYS[str(d).lower()[:3]] for d in days)
    holidays = data.get("holidays") or {}
    if not isinstance(holidays, dict):
        problems.append(Problem.at(src.pos(("holidays",)), "holidays must map a territory "
                                   "(or 'all') to its dates", code="bad-calendar"))
        holidays = {}
    for territory, days in holidays.items():
        if isinstance(days, list):
            days = {d: "holiday" for d in days}
        if not isinstance(days, dict):
            problems.append(Problem.at(src.pos(("holidays", territory)),
                                       f"the holidays of {territory} must be dates",
                                       "write one '2026-04-10: name' per line",
                                       code="bad-calendar"))
            continue
        for day, name in days.items():
            try:
                d = dt.date.fromisoformat(str(day))
            except ValueError:
                problems.append(Problem.at(src.key_pos(("holidays", territory, day))
                                           if src.has(("holidays", territory, day))
                                           else src.pos(("holidays", territory)),
                                           f"'{day}' is not a date", "write YYYY-MM-DD",
                                           code="bad-date"))
                continue
            cal.holidays.setdefault(str(territory), {})[d] = str(name or "holiday")
    return cal, problems
