"""Pay periods, for the engine: re-exported from compplan.periods.

The parsing and the `Period` type live in compplan/periods.py so that the checker
(compplan.lang) can parse a scenario's period without importing the engine.
"""
from __future__ import annotations

from ..periods import (EXAMPLES, Period, month_end, PATTERNS, parse_period,  # noqa: F401
                       month_share, months_in, period_containing, periods_of,
                       year_to_date)

__all__ = ["EXAMPLES", "Period", "month_share", "months_in", "parse_period",
           "period_containing", "periods_of", "year_to_date"]
