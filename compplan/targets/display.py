"""How a KPI's figures are written (issue 19): one display for a round's pages, its
report, its CSV words and the payee's statement.

A KPI's display kind is the plan measure's `display:` (percent, share, ratio, count,
money, number), or the catalogue's `display:`, or, where neither says, its unit's: money as
money, counts as counts, a ratio as a percentage. The close rate is a ratio measure
displayed as `ratio` (so many won per presentation): its target of 0.25 is written
0.25 (0,25 in vi), as the statement writes the month's 0.3 (0,3), never 25% on one page
and 0,3 on the other. Numbers are written in the reader's locale by the statements'
own formatter (render/locale.Fmt).
"""
from __future__ import annotations

from decimal import Decimal

from ..render.locale import Fmt

DISPLAYS = ("percent", "share", "ratio", "count", "money", "number")
BY_UNIT = {"money": "money", "count": "count", "ratio": "percent", "number": "number"}
# the display kinds a KPI of each unit may take (a count is never shown as money)
FITS = {"money": ("money",), "count": ("count", "number"),
        "ratio": ("percent", "share", "ratio", "number"),
        "number": ("number", "ratio", "percent", "share")}


def display_of(unit: str, display: str | None = None) -> str:
    """The display kind: the one given, else the unit's."""
    return display or BY_UNIT.get(unit, "number")


def shown(value, display: str, f: Fmt) -> str:
    """`value` as the display kind writes it in `f`'s locale: 10,800.00 (money, en),
    10.800,00 (vi); 12 (count); 0.25 (ratio: so many per one); 25% (percent). None is
    an empty cell."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if display == "money":
        return f.amount(value)
    if display in ("percent", "share"):
        return f.percent(value, 4)
    if display == "count":
        return f.number(value, 0)
    return f.number(value, 4)


def english() -> Fmt:
    """The formatter of pages and files not about one payee when the plan gives no
    locale (the portal's words are English)."""
    return Fmt("en", "USD")
