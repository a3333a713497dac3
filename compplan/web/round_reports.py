"""A target round's report for managers (issue 19): per rep and KPI the agreed figure
against last year's same period (the spread), the actual so far where the plan's period
is open in the portal, attainment and pace, and who is at risk; totals by territory;
each rep's credits (revenue, margin) by product so far; the round's state. As a page (inline SVG bars with the table beside them, readable on a
phone) and as CSV. A manager's report holds their team's lines only, as the round page.

Pace: attainment so far divided by the share of the period gone by (10 of 31 days gone
and 30% attained is a pace of 30% / (10/31) = 93%); below 100% a rep is at risk of
missing the target at this rate.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from starlette.responses import Response

from ..targets import rounds as logic
from ..targets.build import last_year
from ..periods import parse_period
from ..render.locale import Fmt
from .endpoint import Ctx, page
from .figures import elapsed


@dataclass
class Row:
    who: str
    territory: str
    kpi: str
    unit: str
    state: str
    proposed: Decimal
    figure: Decimal
    last_year: Decimal | None
    actual: Decimal | None
    gone: Decimal | None  # share of the period gone by

    @property
    def spread(self) -> Decimal | None:
        """The figure against last year's actual: +8% is 8% above it."""
        if not self.last_year:
            return None
        return self.figure / self.last_year - 1

    @property
    def attainment(self) -> Decimal | None:
        if self.actual is None or not self.figure:
            return None
        return Decimal(self.actual) / self.figure

    @property
    def pace(self) -> Decimal | None:
        if self.attainment is None or not self.gone:
            return None
        return self.attainment / self.gone

    @property
    def at_risk(self) -> bool:
        return self.pace is not None and self.pace < 1


def rows_of(ctx: Ctx, r, actor) -> tuple[list[Row], Decimal | None]:
    from .rounds import history_of
    lines = logic.visible_lines(ctx.db, r, actor)
    team = logic.team_of(r)
    info = json.loads(r.kpi_info)
    ly = last_year(parse_period(r.period)).label
    lp = ctx.portal.plans.get(r.plan_id)
    live = lp is not None and lp.period.label == r.period
    gone = elapsed(ctx.portal, lp) if live else None
    out = []
    for ln in lines:
        hist = {h["period"]: h["actual"] for h in history_of(ctx, r.id, ln.who, ln.kpi)}
        actual = None
        measure = info.get(ln.kpi, {}).get("measure")
        if live and measure:
            res = lp.run.results.get(ln.who)
            v = res.measure_values.get(measure) if res else None
            actual = Decimal(v) if v is not None else None
        out.append(Row(ln.who, team[ln.who].territory if ln.who in team else "", ln.kpi,
                       ln.unit, ln.state, ln.proposed, logic.figure(ln), hist.get(ly), actual,
                       gone))
    return out, gone


def by_assumption(ctx: Ctx, r, rows: list[Row]) -> list[dict]:
    """Each assumption with the lines that cite it and how they stand, so a review can
    ask which assumption was wrong (the lines citing it far from their figures)."""
    from .rounds import assumptions_of
    cites: dict[tuple[str, str], list[str]] = {}
    for ln in logic.visible_lines(ctx.db, r, logic.Actor("", "admin")):
        cites[(ln.who, ln.kpi)] = json.loads(ln.cites)
    out = []
    for a in assumptions_of(ctx, r.id):
        mine = [x for x in rows if a.name in cites.get((x.who, x.kpi), [])]
        if mine:
            out.append({"a": a, "rows": mine})
    return out


def by_territory(rows: list[Row]) -> list[dict]:
    """Sums per territory and KPI, for the KPIs that add up (money and counts)."""
    out: dict[tuple[str, str], dict] = {}
    for x in rows:
        if x.unit not in ("money", "count"):
            continue
        t = out.setdefault((x.territory, x.kpi), {"territory": x.territory, "kpi": x.kpi,
                                                  "unit": x.unit, "figure": Decimal(0),
                                                  "last_year": Decimal(0), "actual": None})
        t["figure"] += x.figure
        t["last_year"] += x.last_year or 0
        if x.actual is not None:
            t["actual"] = (t["actual"] or 0) + x.actual
    for t in out.values():
        t["spread"] = t["figure"] / t["last_year"] - 1 if t["last_year"] else None
    return sorted(out.values(), key=lambda t: (t["kpi"], t["territory"]))


PRODUCT_COLUMNS = ("product", "sku")  # the credit rows' column that names a product


@dataclass
class ProductRow:
    """One rep's (or, with who "", everyone's) credits of one product so far: each
    credit's sum by name (sales, margin), and the product's share of the rep's first
    credit (revenue)."""

    product: str
    who: str
    sums: dict[str, Decimal]
    share: Decimal | None


def by_product(ctx: Ctx, r, rows: list[Row]) -> tuple[list[str], list[ProductRow]]:
    """(credit names, rows): the reps' own credits in the open period (not what rolls
    up to them), summed by product per rep and for all of them, so a manager sees which
    products make each rep's revenue and margin. Empty when the round's period is not
    open in the portal or its credits name no product. Targets are per rep and KPI, not
    per product: a product's figures are actuals and shares, not attainment."""
    lp = ctx.portal.plans.get(r.plan_id)
    if lp is None or lp.period.label != r.period or not lp.compiled.credits:
        return [], []
    names = [c.name for c in lp.compiled.credits]
    whos = sorted({x.who for x in rows})
    sums: dict[tuple[str, str], dict[str, Decimal]] = {}
    column = None
    for who in whos:
        for name in names:
            for c in lp.run.prep.credits.get(who, {}).get(name, ()):
                if c.get("_via"):
                    continue
                column = column or next((k for k in PRODUCT_COLUMNS if k in c), None)
                if column is None:
                    return [], []
                for key in ((c.get(column) or "", who), (c.get(column) or "", "")):
                    cell = sums.setdefault(key, {n: Decimal(0) for n in names})
                    cell[name] += c.get("value") or 0
    first = names[0]
    whole = {who: sum((v[first] for (p, w), v in sums.items() if w == who), Decimal(0))
             for who in whos + [""]}
    out = [ProductRow(p, w, v, v[first] / whole[w] if whole[w] else None)
           for (p, w), v in sums.items()]
    out.sort(key=lambda x: (x.who == "", x.who, -x.sums[first], x.product))
    return names, out


def svg_products(names: list[str], rows: list[ProductRow], money, f: Fmt) -> str:
    """Every rep's products together: one bar per product, its width the product's
    first credit (revenue), with a title; the table beside it holds the figures. Its
    label in `f`'s words, as the page around it."""
    mine = [x for x in rows if x.who == ""]
    if not mine:
        return ""
    first = names[0]
    top = max(x.sums[first] for x in mine) or Decimal(1)
    width, bar, gap, label = 300, 12, 6, 100
    height = len(mine) * (bar + gap) + gap
    named = _esc(f._("{credit} by product", credit=first))
    parts = [f'<svg class="round-chart" viewBox="0 0 {width + label} {height}" role="img" '
             f'aria-label="{named}" xmlns="http://www.w3.org/2000/svg">']
    y = gap
    for x in mine:
        w = int(Decimal(width) * x.sums[first] / top)
        parts.append(f'<text x="0" y="{y + bar - 2}" font-size="10">{_esc(x.product)}</text>')
        parts.append(f'<rect x="{label}" y="{y}" width="{w}" height="{bar}" fill="#1f4e79">'
                     f'<title>{_esc(x.product)} {first}: {money(x.sums[first])}</title></rect>')
        y += bar + gap
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(rows: list[Row], kpi: str, show, f: Fmt) -> str:
    """Per rep, the agreed figure (dark) over last year's actual (light), as widths of
    one scale; every bar has a title and the table beside it holds the figures."""
    mine = [x for x in rows if x.kpi == kpi]
    if not mine:
        return ""
    top = max([x.figure for x in mine] + [x.last_year or 0 for x in mine]) or Decimal(1)
    width, bar, gap, label = 300, 10, 8, 60
    height = len(mine) * (2 * bar + gap) + gap
    named = _esc(f._("{kpi}: the figure against last year", kpi=kpi))
    parts = [f'<svg class="round-chart" viewBox="0 0 {width + label} {height}" '
             f'role="img" aria-label="{named}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    y = gap
    for x in mine:
        w1 = int(Decimal(width) * x.figure / top)
        w2 = int(Decimal(width) * (x.last_year or 0) / top)
        parts.append(f'<text x="0" y="{y + bar + 2}" font-size="10">{_esc(x.who)}</text>')
        parts.append(f'<rect x="{label}" y="{y}" width="{w1}" height="{bar}" fill="#1f4e79">'
                     f'<title>{_esc(x.who)} {kpi}: {show(x.figure, kpi)}</title></rect>')
        before = f._("{who} {kpi} last year: {figure}", who=x.who, kpi=kpi,
                     figure=show(x.last_year, kpi))
        parts.append(f'<rect x="{label}" y="{y + bar}" width="{w2}" height="{bar}" '
                     f'fill="#9dc3e6"><title>{_esc(before)}</title></rect>')
        y += 2 * bar + gap
    parts.append("</svg>")
    return "".join(parts)


def _esc(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def showing(ctx: Ctx, r, actor):
    """(show, pct): a figure as its KPI displays it and a share (attainment, pace,
    spread) to a tenth of a percent (82.3%, not 82.3045%: the CSV keeps four places),
    in the page's locale (web/rounds.writer)."""
    from .rounds import showing as figures, writer
    f = writer(ctx, r, actor)
    show, _ = figures(r, f)

    def pct(v):
        if v is None:
            return ""
        return f.percent(Decimal(v).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), 1)
    return show, pct


@page()
def report_page(ctx: Ctx) -> Response:
    from markupsafe import Markup
    from .rounds import round_and_actor
    r, actor = round_and_actor(ctx)
    rows, gone = rows_of(ctx, r, actor)
    kpis = [k for k in json.loads(r.kpis) if any(x.kpi == k for x in rows)]
    states: dict[str, int] = {}
    for x in rows:
        states[x.state] = states.get(x.state, 0) + 1
    show, pct = showing(ctx, r, actor)
    from .rounds import writer
    # the reader's words and numbers (issue 15): a manager's own, as on their round page
    f = writer(ctx, r, actor)
    money = f.amount
    credits, products = by_product(ctx, r, rows)
    return ctx.render("rounds/report.html", r=r, rows=rows, kpis=kpis, gone=gone, f=f,
                      credits=credits, products=products, money=money,
                      # a credit of margins (the field sample's line_margin): its share
                      # of the first credit (revenue) is the product's margin percent
                      margin=next((c for c in credits[1:] if "margin" in c), None),
                      product_chart=Markup(svg_products(credits, products, money, f)),
                      charts={k: Markup(svg_bars(rows, k, show, f)) for k in kpis},
                      territories=by_territory(rows), states=states, show=show, pct=pct,
                      assumptions=by_assumption(ctx, r, rows),
                      at_risk=[x for x in rows if x.at_risk])


@page()
def report_csv(ctx: Ctx) -> Response:
    from .rounds import round_and_actor
    r, actor = round_and_actor(ctx)
    rows, _ = rows_of(ctx, r, actor)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["who", "territory", "kpi", "unit", "state", "proposed", "figure",
                "last_year", "spread", "actual", "attainment", "pace", "at_risk"])
    for x in rows:
        w.writerow([x.who, x.territory, x.kpi, x.unit, x.state, x.proposed, x.figure,
                    "" if x.last_year is None else x.last_year,
                    "" if x.spread is None else round(x.spread, 4),
                    "" if x.actual is None else x.actual,
                    "" if x.attainment is None else round(x.attainment, 4),
                    "" if x.pace is None else round(x.pace, 4), "yes" if x.at_risk else ""])
    return Response(buf.getvalue(), media_type="text/csv", headers={
        "content-disposition": f'attachment; filename="round-{r.id}-report.csv"'})


@page()
def products_csv(ctx: Ctx) -> Response:
    """The report's products as CSV: product, who (empty: every rep of the report), each
    credit's sum, and the product's share of the first (revenue)."""
    from .rounds import round_and_actor
    r, actor = round_and_actor(ctx)
    rows, _ = rows_of(ctx, r, actor)
    names, products = by_product(ctx, r, rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["product", "who", *names, "share"])
    for x in products:
        w.writerow([x.product, x.who, *[x.sums[n] for n in names],
                    "" if x.share is None else round(x.share, 4)])
    return Response(buf.getvalue(), media_type="text/csv", headers={
        "content-disposition": f'attachment; filename="round-{r.id}-products.csv"'})
