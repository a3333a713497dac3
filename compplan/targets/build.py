"""A whole proposed target set for a period, from history and the planner's rules.

For each KPI of the catalogue and each payee it applies to:

  1. the base: last year's actual for the same period, grown (`growth`); or, with
     seasonality, last year's total for the year grown, times the period's seasonal
     weight (learnt from every payee's history, or given); a payee with no history
     (a new hire) starts from the average full target of the others;
  2. top-down, when the KPI has a total: the total split between the payees by their
     bases, with the KPI's floor and cap;
  3. a new hire's ramp by month of service, and proration for a partial period;
  4. rounded to the KPI's step; then, for KPIs whose targets add up (revenue, calls),
     split into days (or weeks) by the working days of the payee's territory, the parts
     adding up exactly to the period's target.

Every target keeps the formula of each step, in order, as its `how`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..periods import Period, parse_period
from .calendar import EVERY_DAY, Calendar
from .kpis import KPI, Catalogue
from .model import Target, Worked, fmt
from .propose import (ProposeError, finish, growth, learn_seasonality, periods_in, prorate,
                      ramp, split_by_working_days, top_down)
from .split import frac


@dataclass
class Rules:
    period: Period
    per: str | None = None  # day | week: split KPIs that add up into these
    growth: dict[str, Decimal] = field(default_factory=dict)  # kpi (or "*") -> rate
    seasonality: str | dict | None = None  # "learn" | {number: weight} | None
    totals: dict[str, Decimal] = field(default_factory=dict)  # kpi -> top-down total
    floor: dict[str, Decimal] = field(default_factory=dict)
    cap: dict[str, Decimal] = field(default_factory=dict)
    ramp: list[Decimal] = field(default_factory=list)
    calendar: Calendar | None = None
    territory: str = "territory"  # payee columns
    hired: str = "hired"
    left: str = "left"

    def growth_of(self, kpi: str) -> Decimal:
        return self.growth.get(kpi, self.growth.get("*", Decimal(0)))


def last_year(period: Period) -> Period:
    """The same period a year before: 2026-04 -> 2025-04, 2026-Q2 -> 2025-Q2."""
    label = period.label
    return parse_period(str(int(label[:4]) - 1) + label[4:])


def _date(v) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if v in (None, ""):
        return None
    return dt.date.fromisoformat(str(v))


def _base(kpi: KPI, who: str, history: dict, rules: Rules, weights) -> Worked | None:
    """Last year's pace for the period, grown: None if the payee has no history for it."""
    past = history.get((who, kpi.code), {})
    g = rules.growth_of(kpi.code)
    ly = last_year(rules.period)
    if weights is not None:
        year = str(ly.start.year)
        months = {k: v for k, v in past.items() if k.startswith(year) and
                  parse_period(k).kind == rules.period.kind}
        if not months:
            return None
        total = sum(months.values(), Decimal(0))
        grown = growth(total, g, kpi.unit, f"{year} total")
        n = rules.period.start.month if rules.period.kind == "month" else \
            rules.period.start.isocalendar()[1]
        w = frac(weights.get(n, 0))
        value = frac(grown.value) * w
        return grown.then(value, f"x {fmt(Decimal(w.numerator) / w.denominator, 'ratio')} "
                                 f"({rules.period.kind} {n} seasonality) = "
                                 f"{fmt(Decimal(value.numerator) / value.denominator, kpi.unit)}")
    if ly.label not in past:
        return None
    return growth(past[ly.label], g, kpi.unit, f"{ly.label} actual", kpi_text(kpi))


def kpi_text(kpi: KPI):
    """How a proposal's formula writes a KPI's figures: as the KPI displays them where
    that is a ratio or a number (a close rate of 0.25, a coverage of 3), else by unit."""
    if kpi.unit != "ratio" or kpi.shows_as not in ("ratio", "number"):
        return None
    from .display import english, shown

    def text(v) -> str:
        if isinstance(v, Fraction):
            v = Decimal(v.numerator) / Decimal(v.denominator)
        return shown(v, kpi.shows_as, english())
    return text


def propose_set(catalogue: Catalogue, payees: dict[str, dict], history: dict,
                rules: Rules) -> list[Target]:
    """The proposed targets for `rules.period`, per payee and KPI (and per day or week
    for the KPIs that add up). Raises ProposeError when a rule cannot be met."""
    out: list[Target] = []
    period = rules.period
    for kpi in catalogue.kpis.values():
        who_all = [p for p in sorted(payees) if kpi.applies(payees[p])]
        if not who_all:
            continue
        weights = None
        if rules.seasonality == "learn":
            if period.kind not in ("month", "week"):
                raise ProposeError("seasonality is learnt for months or weeks")
            pooled: dict[str, Decimal] = {}
            for (who, code), past in history.items():
                if code == kpi.code:
                    for label, v in past.items():
                        pooled[label] = pooled.get(label, Decimal(0)) + v
            weights = learn_seasonality(pooled, period.kind)
        elif isinstance(rules.seasonality, dict):
            weights = rules.seasonality
        bases = {w: _base(kpi, w, history, rules, weights) for w in who_all}
        known = [frac(b.value) for b in bases.values() if b is not None]
        if not known:
            raise ProposeError(f"no history of {kpi.code} for {last_year(period).label}: "
                               "nothing to grow from")
        peers = sum(known, Fraction(0)) / len(known)
        shown_peers = Decimal(peers.numerator) / peers.denominator
        worked: dict[str, Worked] = {}
        for who in who_all:
            b = bases[who]
            if b is None:
                b = Worked(peers, f"no history: average of {len(known)} others "
                                  f"{fmt(shown_peers, kpi.unit)}")
            row = payees[who]
            if kpi.ramps:
                b = ramp(b, _date(row.get(rules.hired)), period, rules.ramp, kpi.unit)
            b = prorate(b, period, _date(row.get(rules.hired)), _date(row.get(rules.left)),
                        unit=kpi.unit)
            worked[who] = b
        if kpi.code in rules.totals:
            raw = {w: Decimal(worked[w].value.numerator) / worked[w].value.denominator
                   if isinstance(worked[w].value, Fraction) else worked[w].value
                   for w in who_all}
            split = top_down(rules.totals[kpi.code], raw, floor=rules.floor.get(kpi.code),
                             cap=rules.cap.get(kpi.code), step=kpi.step, unit=kpi.unit,
                             basis="share of last year's pace")
            worked = {w: worked[w].then(split[w].value, f"top-down: {split[w].how}")
                      for w in who_all}
        for who in who_all:
            w = finish(worked[who], kpi.step, kpi.unit)
            territory = str(payees[who].get(rules.territory) or "") or None
            method = "top-down" if kpi.code in rules.totals else \
                ("seasonality" if weights is not None else "growth")
            if rules.per and kpi.adds_up and rules.per != period.kind:
                cal = rules.calendar or EVERY_DAY
                if w.value == 0:
                    continue
                for part, pw in split_by_working_days(w.value, period, rules.per, cal,
                                                      territory, kpi.step, kpi.unit):
                    out.append(Target(who, kpi.code, part.label, pw.value, kpi.unit,
                                      how=f"{w.how}; {pw.how}", method=method))
            else:
                out.append(Target(who, kpi.code, period.label, w.value, kpi.unit, how=w.how,
                                  method=method))
    return out


__all__ = ["Rules", "last_year", "propose_set", "periods_in"]
