"""A statement's payout curve written as SVG markup directly, without matplotlib.

matplotlib laid out and wrote a figure per payee in about 80 ms of CPU (most of it text
measuring for its tight layout), four fifths of a statement's time with a curve and
more than the engine's runs for the curve's points; payees of a real run rarely share
terms, so the drawing was rarely shared. This draws the same picture as chart.figure
(the total line with its gates as steps, component lines and a legend where several
components add up, tier bounds with their rates, caps, gates, the axes in the reader's
language) in well under a millisecond: the coordinates are worked out here, so the
payee's dot goes exactly where the axes put the curve. Text stays text (<text>), so it
is searched and tested. `compplan curve` still draws with matplotlib (PNG and SVG).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from .curve import Curve
from .locale import Fmt

WIDTH, HEIGHT = 518.4, 288.0  # points, as chart.figure's 7.2 x 4.0 inches
COLOURS = {"total": "#1d5c3a", "tier": "#777777", "cap": "#a12020", "gate": "#c46a00",
           "own": "#1a4d8f", "axis": "#333333", "grid": "#b0b0b0"}
CYCLE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
         "#7f7f7f", "#bcbd22", "#17becf")  # the component lines: matplotlib's colours
FONT = "'DejaVu Sans', sans-serif"
TICK, PAD = 3.5, 3.5


def text_width(text: str, size: float) -> float:
    """About how wide a text is in DejaVu Sans (0.6 of the size a character): room is
    kept for the y axis's labels and a tier's rates from it."""
    return len(text) * size * 0.6


def nice_ticks(lo: float, hi: float, most: int, whole: bool = False) -> list[float]:
    """Round values from lo to hi, at most `most` of them, at a step of 1, 2, 2.5 or 5
    times a power of ten (as matplotlib's MaxNLocator picks them). `whole`: a step of
    a whole number (an axis of counts: 5 meetings, never 2.5)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    candidates = [s * power for s in (1, 2, 2.5, 5, 10)]
    if whole:
        candidates = [c for c in candidates if c >= 1 and float(c).is_integer()] or [1.0]
    step = next((c for c in candidates if c >= raw - 1e-12), candidates[-1])
    first = math.ceil(lo / step - 1e-9) * step
    out, v = [], first
    while v <= hi + step * 1e-9:
        out.append(0.0 if abs(v) < step * 1e-9 else v)
        v = first + len(out) * step
    return out


def _x(curve: Curve, v) -> float:
    return float(v) * (100 if curve.measure_kind == "ratio" else 1)


def steps(curve: Curve) -> tuple[list[float], list[float]]:
    """The total line, a gate drawn as a step: where an earning starts to pay between
    two points, the line runs on without it and rises straight up where it pays."""
    xs, ys, before = [], [], None
    for p in curve.points:
        if before is not None:
            opened = [c for c in p.paid - before.paid if p.components.get(c) and (
                curve.components is None or c in curve.components)]
            if opened:
                xs.append(_x(curve, p.x))
                ys.append(float(p.total - sum((p.components[c] for c in opened),
                                              Decimal(0))))
        xs.append(_x(curve, p.x))
        ys.append(float(p.total))
        before = p
    return xs, ys


class Axes:
    """Where a point in the curve's terms (x as drawn: percent for a ratio; pay) lands
    in the SVG (points, y downwards)."""

    def __init__(self, left: float, top: float, right: float, bottom: float,
                 xlim: tuple[float, float], ylim: tuple[float, float]):
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.xlim, self.ylim = xlim, ylim

    def px(self, x: float) -> float:
        x0, x1 = self.xlim
        return self.left + (x - x0) / (x1 - x0) * (self.right - self.left)

    def py(self, y: float) -> float:
        y0, y1 = self.ylim
        return self.bottom - (y - y0) / (y1 - y0) * (self.bottom - self.top)

    def scale(self) -> tuple[float, float, float, float]:
        """(a, b, c, d): x' = a x + b, y' = c y + d."""
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        a = (self.right - self.left) / (x1 - x0)
        c = -(self.bottom - self.top) / (y1 - y0)
        return a, self.left - a * x0, c, self.bottom - c * y0


def _t(x: float, y: float, text: str, size: float, colour: str, anchor: str = "start",
       extra: str = "") -> str:
    return (f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}"{extra} '
            f'style="font: {size:g}px {FONT}; fill: {colour}">{escape(text)}</text>')


def _poly(xs, ys, ax: Axes, colour: str, width: float, opacity: float = 1.0) -> str:
    pts = " ".join(f"{ax.px(x):.2f},{ax.py(y):.2f}" for x, y in zip(xs, ys))
    alpha = f' stroke-opacity="{opacity:g}"' if opacity < 1 else ""
    return (f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width:g}"'
            f' stroke-linejoin="round" stroke-linecap="round"{alpha}/>')


def draw(curve: Curve, f: Fmt, own: tuple[Decimal, Decimal] | None = None
         ) -> tuple[str, Axes, float]:
    """(the SVG markup without the payee's dot, its axes, the highest pay the y axis
    holds). `own` only widens the axes to hold the payee's dot."""
    say = lambda name: curve.names.get(name, name)  # noqa: E731 - a reader's words
    shown_x = (lambda v: f.percent(v)) if curve.measure_kind == "ratio" else \
        (lambda v: f.number(v, 2))
    xs, ys = steps(curve)
    px = [_x(curve, p.x) for p in curve.points]
    names = [c for c in (curve.points[-1].components if curve.points else {})
             if any(p.components.get(c) for p in curve.points)
             and (curve.components is None or c in curve.components)]
    mine = own is not None and own[0] is not None
    top = max([float(p.total) for p in curve.points] + [1.0] +
              ([float(own[1])] if mine else []))
    ylim = (0.0, top * 1.18)
    x_data = px + [_x(curve, m.x) for m in curve.markers if m.kind in ("tier", "gate")] + \
        ([_x(curve, own[0])] if mine else [])
    lo, hi = (min(x_data), max(x_data)) if x_data else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    xlim = (lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05)

    tier_labels: dict[float, list[str]] = {}
    gate_labels: dict[Decimal, list[str]] = {}
    caps = []
    for m in curve.markers:
        if m.kind == "tier":
            below, above = m.rates
            rate = (lambda r: f.number(r)) if m.per_unit else (lambda r: f.percent(r, 4))
            where = shown_x(m.x) if m.label.endswith(": " + curve.measure) else \
                f"{say(m.label.split(': ')[-1])} {f.number(m.bound, 2)}"
            text = f"{where}: {rate(below)} → {rate(above)}"
            at = round(_x(curve, m.x), 6)
            if text not in tier_labels.setdefault(at, []):
                tier_labels[at].append(text)
        elif m.kind == "cap":
            caps.append(m)
        elif m.kind == "gate":
            gate_labels.setdefault(m.x, []).append(  # "quota_bonus on": the plan's view
                say(m.label.rsplit(" ", 1)[0]) if curve.names else m.label)

    yticks = nice_ticks(*ylim, 6)
    ytexts = [f.number(Decimal(int(v))) for v in yticks]
    left = 6 + 10 + 4 + max((text_width(t, 10) for t in ytexts), default=10) + TICK + PAD
    lines_above = max((len(v) for v in tier_labels.values()), default=0)
    top_margin = 8 + lines_above * 8.4
    ax = Axes(left, top_margin, WIDTH - 12, HEIGHT - (TICK + PAD + 10 + 6 + 10 + 6),
              xlim, ylim)
    xticks = nice_ticks(*xlim, 8, whole=curve.measure_kind == "integer")
    if curve.measure_kind == "ratio":
        xtexts = [f.percent(Decimal(repr(v)) / 100, 1) for v in xticks]
    else:
        xtexts = [f.number(Decimal(repr(v)), 2) for v in xticks]

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:g}pt" height="{HEIGHT:g}pt" '
           f'viewBox="0 0 {WIDTH:g} {HEIGHT:g}" version="1.1">',
           f'<rect width="{WIDTH:g}" height="{HEIGHT:g}" fill="#ffffff"/>']
    grid = []
    for v in yticks:
        y = ax.py(v)
        grid.append(f'<line x1="{ax.left:.2f}" y1="{y:.2f}" x2="{ax.right:.2f}" y2="{y:.2f}"/>')
    for v in xticks:
        x = ax.px(v)
        grid.append(f'<line x1="{x:.2f}" y1="{ax.top:.2f}" x2="{x:.2f}" y2="{ax.bottom:.2f}"/>')
    out.append(f'<g stroke="{COLOURS["grid"]}" stroke-opacity="0.25" stroke-width="0.8">'
               + "".join(grid) + "</g>")
    axis = [f'<line x1="{ax.left:.2f}" y1="{ax.top:.2f}" x2="{ax.left:.2f}" '
            f'y2="{ax.bottom:.2f}"/>',
            f'<line x1="{ax.left:.2f}" y1="{ax.bottom:.2f}" x2="{ax.right:.2f}" '
            f'y2="{ax.bottom:.2f}"/>']
    labels = []
    for v, text in zip(yticks, ytexts):
        y = ax.py(v)
        axis.append(f'<line x1="{ax.left - TICK:.2f}" y1="{y:.2f}" x2="{ax.left:.2f}" '
                    f'y2="{y:.2f}"/>')
        labels.append(_t(ax.left - TICK - PAD, y + 3.5, text, 10, COLOURS["axis"], "end"))
    for v, text in zip(xticks, xtexts):
        x = ax.px(v)
        axis.append(f'<line x1="{x:.2f}" y1="{ax.bottom:.2f}" x2="{x:.2f}" '
                    f'y2="{ax.bottom + TICK:.2f}"/>')
        labels.append(_t(x, ax.bottom + TICK + PAD + 8, text, 10, COLOURS["axis"], "middle"))
    out.append(f'<g stroke="{COLOURS["axis"]}" stroke-width="0.8">' + "".join(axis) + "</g>")
    out += labels
    out.append(f'<defs><clipPath id="plot"><rect x="{ax.left:.2f}" y="{ax.top:.2f}" '
               f'width="{ax.right - ax.left:.2f}" height="{ax.bottom - ax.top:.2f}"/>'
               '</clipPath></defs>')

    plot = []
    legend = []
    if len(names) > 1:
        for i, c in enumerate(names):
            colour = CYCLE[i % len(CYCLE)]
            plot.append(_poly(px, [float(p.components.get(c, 0)) for p in curve.points],
                              ax, colour, 1, 0.75))
            legend.append((colour, say(c)))
    plot.append(_poly(xs, ys, ax, COLOURS["total"], 2.2))
    # a count moves in whole steps: each point shown (a size's points are just where
    # the line was worked out)
    if curve.mode != "size" and len(curve.points) <= 25:
        plot += [f'<circle cx="{ax.px(x):.2f}" cy="{ax.py(y):.2f}" r="2" '
                 f'fill="{COLOURS["total"]}"/>' for x, y in zip(xs, ys)]
    out.append('<g clip-path="url(#plot)">' + "".join(plot) + "</g>")
    marks = []
    for x, texts in tier_labels.items():
        sx = ax.px(x)
        marks.append(f'<line x1="{sx:.2f}" y1="{ax.top:.2f}" x2="{sx:.2f}" y2="{ax.bottom:.2f}" '
                     f'stroke="{COLOURS["tier"]}" stroke-width="1" stroke-dasharray="1,1.65"/>')
        for i, text in enumerate(reversed(texts)):
            marks.append(_t(sx, ax.top - 3 - i * 8.4, text, 7, COLOURS["tier"], "middle"))
    for m in caps:
        sy = ax.py(float(m.y))
        marks.append(f'<line x1="{ax.left:.2f}" y1="{sy:.2f}" x2="{ax.right:.2f}" y2="{sy:.2f}" '
                     f'stroke="{COLOURS["cap"]}" stroke-width="1" stroke-dasharray="3.7,1.6"/>')
        marks.append(_t(ax.px(px[-1]) if px else ax.right, sy - 2,
                        f"{f._('cap')}: {say(m.label)} {f.amount(m.y)} ", 7, COLOURS["cap"],
                        "end"))
    for at, texts in gate_labels.items():
        sx = ax.px(_x(curve, at))
        marks.append(f'<line x1="{sx:.2f}" y1="{ax.top:.2f}" x2="{sx:.2f}" y2="{ax.bottom:.2f}" '
                     f'stroke="{COLOURS["gate"]}" stroke-width="1" '
                     f'stroke-dasharray="6.4,1.6,1,1.6"/>')
        sy = ax.py(top * 0.6)
        marks.append(_t(sx - 2, sy, f" {f._('gate')}: {', '.join(texts)} ({shown_x(at)})", 7,
                        COLOURS["gate"], "middle", f' transform="rotate(-90 {sx - 2:.2f} {sy:.2f})"'))
    out += marks
    for i, (colour, text) in enumerate(legend):
        y = ax.top + 8 + i * 10
        out.append(f'<line x1="{ax.left + 6:.2f}" y1="{y - 2.5:.2f}" x2="{ax.left + 20:.2f}" '
                   f'y2="{y - 2.5:.2f}" stroke="{colour}" stroke-width="1.5"/>')
        out.append(_t(ax.left + 24, y, text, 7, COLOURS["axis"]))
    if legend:  # the total line's entry, as matplotlib's legend lists it first
        y = ax.top + 8 + len(legend) * 10
        out.append(f'<line x1="{ax.left + 6:.2f}" y1="{y - 2.5:.2f}" x2="{ax.left + 20:.2f}" '
                   f'y2="{y - 2.5:.2f}" stroke="{COLOURS["total"]}" stroke-width="2.2"/>')
        out.append(_t(ax.left + 24, y, curve.names.get("total pay") or f._("total pay"), 7,
                      COLOURS["axis"]))
    mid_x = (ax.left + ax.right) / 2
    out.append(_t(mid_x, HEIGHT - 6, say(curve.measure), 10, COLOURS["axis"], "middle"))
    mid_y = (ax.top + ax.bottom) / 2
    out.append(_t(14, mid_y, f"{f._('pay')} ({curve.currency})", 10, COLOURS["axis"],
                  "middle", f' transform="rotate(-90 14 {mid_y:.2f})"'))
    out.append("</svg>\n")
    return "\n".join(out), ax, top


def dot(ax: Axes, curve: Curve, own: tuple[Decimal, Decimal], f: Fmt) -> str:
    """The payee's dot and its words, at their (x, pay) on the axes."""
    shown_x = f.percent(own[0]) if curve.measure_kind == "ratio" else f.number(own[0], 2)
    cx, cy = ax.px(_x(curve, own[0])), ax.py(float(own[1]))
    text = f"{f._('you')}: {shown_x}, {f.amount(own[1])}"
    # the words right of the dot, or left of it where they would run off the drawing
    right = cx + 8 + text_width(text, 8) <= WIDTH
    tx, anchor = (cx + 8, "start") if right else (cx - 8, "end")
    return (f'<g id="you"><circle cx="{cx:.3f}" cy="{cy:.3f}" r="4" '
            f'style="fill: {COLOURS["own"]}; stroke: {COLOURS["own"]}"/>'
            + _t(tx, cy + 12, text, 8, COLOURS["own"], anchor) + "</g>\n")


@dataclass
class Drawing:
    """A curve drawn once, without a dot, for every payee who shares it; each payee's
    dot is added to the same markup (with_dot)."""

    svg: str
    top: float  # the highest pay the y axis holds
    axes: Axes

    @property
    def scale(self) -> tuple[float, float, float, float]:
        return self.axes.scale()

    def at(self, curve: Curve, x, y) -> tuple[float, float]:
        return self.axes.px(_x(curve, x)), self.axes.py(float(y))


def drawing(curve: Curve, fmt: Fmt | None = None, own=None) -> Drawing:
    """The curve drawn without a payee's dot (its axes wide and tall enough for `own`
    where given), and where a dot goes on it."""
    svg, ax, top = draw(curve, fmt or Fmt("en", curve.currency), own)
    return Drawing(svg, top, ax)


def with_dot(d: Drawing, curve: Curve, own: tuple[Decimal, Decimal], fmt: Fmt) -> str:
    """A shared drawing with one payee's dot and its words."""
    at = d.svg.rindex("</svg>")
    return d.svg[:at] + dot(d.axes, curve, own, fmt) + d.svg[at:]
