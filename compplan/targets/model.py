"""A target as data, and how it was worked out.

A target says who (a payee, team, territory...), what (a KPI code, optionally for a
product or a territory), when (a period, with the days of it this version is in force),
how much (an exact Decimal in the KPI's unit) and where it stands (a version and a
status). Every proposed value carries `how`: the formula with its values, as a pay
line shows it, so a rep or an auditor can redo the arithmetic by hand.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..engine.money import fmt_money, fmt_number, fmt_ratio

LEVELS = ("payee", "team", "territory", "region", "company")
STATUSES = ("proposed", "approved")
UNITS = ("money", "count", "ratio", "number")

# The smallest step a target of each unit is set in: whole outlets and calls, cents.
STEPS = {"money": Decimal("0.01"), "count": Decimal(1), "ratio": Decimal("0.0001"),
         "number": Decimal("0.01")}


def fmt(value: Decimal | int | None, unit: str = "number") -> str:
    """A value as a statement shows it: 1,250.00 for money, 12 for counts, 85% for ratios."""
    if value is None:
        return "missing"
    if unit == "money":
        return fmt_money(Decimal(value))
    if unit == "ratio":
        return fmt_ratio(Decimal(value))
    return fmt_number(value)


@dataclass(frozen=True)
class Worked:
    """A value and the formula that gave it: `10,000.00 x (1 + 8%) = 10,800.00`."""

    value: Decimal
    how: str

    def then(self, value: Decimal, step: str) -> "Worked":
        """A further step applied to this value: its formula continues this one's."""
        return Worked(value, f"{self.how}; {step}" if self.how else step)


@dataclass(frozen=True)
class Key:
    """What a target is for; versions of one target share it."""

    who: str
    kpi: str
    period: str
    level: str = "payee"
    product: str = ""
    territory: str = ""

    def __str__(self) -> str:
        extra = "".join(f" {k} {v}" for k, v in (("product", self.product),
                                                 ("territory", self.territory)) if v)
        return f"{self.level} {self.who} {self.kpi} {self.period}{extra}"


@dataclass
class Target:
    who: str
    kpi: str
    period: str  # a period label: 2026-04-15, 2026-W14, 2026-04, 2026-Q2, 2026
    value: Decimal
    unit: str = "number"
    level: str = "payee"
    product: str = ""
    territory: str = ""
    how: str = ""  # the formula with its values
    method: str = ""  # top-down | growth | seasonality | ramp | import | manual ...
    effective_from: dt.date | None = None  # first day this version is in force
    effective_to: dt.date | None = None  # last day (inclusive)
    version: int = 0  # 0 until stored
    status: str = "proposed"
    set_name: str = ""
    id: int | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return Key(self.who, self.kpi, self.period, self.level, self.product, self.territory)

    def shown(self) -> str:
        return fmt(self.value, self.unit)

    def with_(self, **changes) -> "Target":
        return replace(self, **changes)
