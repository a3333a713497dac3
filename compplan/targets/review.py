"""Is a target set healthy? What to look at before approving it.

Per KPI:
  - last period's attainment, as a distribution (how many reps were under 80%, 80-90%
    ... over 120%): a plan where most reps missed is a plan they stop believing in;
  - the share of reps who would reach 100% of the new target at last year's pace
    (last year's actual for the same period). Planners aim for roughly 60-70%: far
    below and targets are too high, far above and the company overpays;
  - outliers: a target far above or below the rep's own history (default: more than
    130% or less than 80% of last year's actual), and reps with no history at all.

Charts (PNG or SVG, by the file's suffix) show the distribution and each rep's new
target against last year's actual. matplotlib draws with floats; the figures in the
report are exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..periods import Period, parse_period, previous
from .build import last_year
from .kpis import Catalogue
from .model import Target, fmt

BANDS = [(None, Decimal("0.8"), "under 80%"), (Decimal("0.8"), Decimal("0.9"), "80-90%"),
         (Decimal("0.9"), Decimal(1), "90-100%"), (Decimal(1), Decimal("1.1"), "100-110%"),
         (Decimal("1.1"), Decimal("1.2"), "110-120%"), (Decimal("1.2"), None, "120% and over")]
AIM = (Decimal("0.6"), Decimal("0.7"))


@dataclass
class Health:
    kpi: str
    name: str
    unit: str
    period: str
    targets: dict[str, Decimal]  # payee -> target for the period
    last_year: dict[str, Decimal]  # payee -> actual a year before
    last_period: str
    attainment: dict[str, Decimal]  # payee -> last period's actual / target
    flags: list[tuple[str, str]] = field(default_factory=list)  # (payee, why)

    @property
    def bands(self) -> list[tuple[str, int]]:
        out = []
        for lo, hi, label in BANDS:
            out.append((label, sum(1 for a in self.attainment.values()
                                   if (lo is None or a >= lo) and (hi is None or a < hi))))
        return out

    @property
    def at_pace(self) -> tuple[int, int]:
        """(reps who would reach 100% at last year's pace, reps with both figures)."""
        both = [p for p in self.targets if p in self.last_year]
        return sum(1 for p in both if self.last_year[p] >= self.targets[p]), len(both)


def _previous(period: Period) -> Period:
    """The period of the same kind just before: 2026-04 -> 2026-03."""
    return previous(period)


def review(targets: list[Target], catalogue: Catalogue, period: Period, actuals: dict,
           past_targets: dict, high: Decimal = Decimal("1.3"), low: Decimal = Decimal("0.8")
           ) -> list[Health]:
    """The health of each KPI's targets for `period` (targets of its days or weeks are
    added up to it, for KPIs whose targets add up)."""
    ly = last_year(period).label
    prev = _previous(period).label
    out = []
    for kpi in catalogue.kpis.values():
        per_payee: dict[str, Decimal] = {}
        for t in targets:
            if t.kpi != kpi.code or t.level != "payee":
                continue
            p = parse_period(t.period)
            if p == period or (kpi.adds_up and p.within(period)):
                per_payee[t.who] = per_payee.get(t.who, Decimal(0)) + t.value
        if not per_payee:
            continue
        h = Health(kpi.code, kpi.name, kpi.unit, period.label, per_payee, {}, prev, {})
        for who, target in sorted(per_payee.items()):
            past = actuals.get((who, kpi.code), {})
            if ly in past:
                h.last_year[who] = past[ly]
            before = past_targets.get((who, kpi.code), {}).get(prev)
            if prev in past and before:
                h.attainment[who] = past[prev] / before
            if ly not in past:
                h.flags.append((who, f"no history for {ly}: set by hand or from peers"))
            elif past[ly] and target > past[ly] * high:
                h.flags.append((who, f"{fmt(target, kpi.unit)} is {fmt(target / past[ly], 'ratio')}"
                                     f" of last year's {fmt(past[ly], kpi.unit)} (above "
                                     f"{fmt(high, 'ratio')})"))
            elif target < past[ly] * low:
                h.flags.append((who, f"{fmt(target, kpi.unit)} is "
                                     f"{fmt(target / past[ly], 'ratio') if past[ly] else '-'}"
                                     f" of last year's {fmt(past[ly], kpi.unit)} (below "
                                     f"{fmt(low, 'ratio')})"))
        out.append(h)
    return out


def report(healths: list[Health]) -> str:
    lines = []
    for h in healths:
        whole = sum(h.targets.values(), Decimal(0))
        # a ratio's targets do not add up across payees; show their average instead
        what = ("average", whole / len(h.targets)) if h.unit in ("ratio", "number") \
            else ("total", whole)
        lines.append(f"{h.kpi} ({h.name}), {h.period}: {len(h.targets)} payees, {what[0]} "
                     f"{fmt(what[1], h.unit)}")
        if h.attainment:
            lines.append(f"  {h.last_period} attainment: " + ", ".join(
                f"{label} {n}" for label, n in h.bands if n))
        reach, n = h.at_pace
        if n:
            share = Decimal(reach) / n
            verdict = "within" if AIM[0] <= share <= AIM[1] else (
                "below: targets may be too high" if share < AIM[0] else
                "above: targets may be too low")
            lines.append(f"  at last year's pace {reach} of {n} reach 100% "
                         f"({fmt(share, 'ratio')}; planners aim for 60-70%, {verdict})")
        for who, why in h.flags:
            lines.append(f"  flag {who}: {why}")
    return "\n".join(lines) + "\n"


def charts(healths: list[Health], folder: str | Path, fmt_: str = "png") -> list[Path]:
    """One chart per KPI: last period's attainment bands, and new target against last
    year's actual per payee (the diagonal is 'same as last year')."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for h in healths:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
        bands = h.bands
        a1.bar([b for b, _ in bands], [n for _, n in bands], color="#4472c4")
        a1.set_title(f"{h.last_period} attainment ({h.name})")
        a1.set_ylabel("payees")
        a1.yaxis.set_major_locator(MaxNLocator(integer=True))
        a1.tick_params(axis="x", labelrotation=30, labelsize=8)
        flagged = {w for w, _ in h.flags}
        who = [w for w in h.targets if w in h.last_year]
        xs = [float(h.last_year[w]) for w in who]  # floats for drawing only
        ys = [float(h.targets[w]) for w in who]
        a2.scatter(xs, ys, c=["#c00000" if w in flagged else "#4472c4" for w in who])
        for w, x, y in zip(who, xs, ys):
            a2.annotate(w, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        top = max(xs + ys + [1.0])
        a2.plot([0, top], [0, top], color="#999999", linewidth=1, linestyle="--")
        a2.set_xlabel("last year's actual")
        a2.set_ylabel(f"target {h.period}")
        a2.set_title(f"{h.name}: target against last year (red: flagged)")
        fig.tight_layout()
        path = folder / f"{h.kpi}.{fmt_}"
        fig.savefig(path, format=fmt_)
        plt.close(fig)
        written.append(path)
    return written
