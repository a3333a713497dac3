"""Draw a payout curve (curve.py) as PNG and SVG with matplotlib.

Matplotlib runs headless (Agg) and without pyplot's global state, so drawing is safe
inside a command or a test. Text stays text in the SVG (fonttype none): the tier bounds,
caps and gates can be read, searched and tested. Coordinates are floats, as a drawing
needs; every amount written on the chart is formatted from the engine's Decimal.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .curve import Curve  # noqa: E402
from .locale import Fmt  # noqa: E402

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "compplan"  # the same curve gives the same file
matplotlib.rcParams["font.family"] = ["DejaVu Sans"]

COLOURS = {"total": "#1d5c3a", "tier": "#777777", "cap": "#a12020", "gate": "#c46a00",
           "own": "#1a4d8f"}


def _x(curve: Curve, v) -> float:
    return float(v) * (100 if curve.measure_kind == "ratio" else 1)


def _steps(curve: Curve) -> tuple[list[float], list[float]]:
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


def figure(curve: Curve, fmt: Fmt | None = None,
           own: tuple[Decimal, Decimal] | None = None) -> Figure:
    f = fmt or Fmt("en", curve.currency)
    say = lambda name: curve.names.get(name, name)  # noqa: E731 - a reader's words
    fig = Figure(figsize=(7.2, 4.0), dpi=110)
    ax = fig.subplots()
    xs, ys = _steps(curve)
    dots = "o" if len(curve.points) <= 25 else None  # a count moves in whole steps
    ax.plot(xs, ys, color=COLOURS["total"], lw=2.2, marker=dots, ms=4,
            label=curve.names.get("total pay") or f._("total pay"))
    xs = [_x(curve, p.x) for p in curve.points]
    names = [c for c in (curve.points[-1].components if curve.points else {})
             if any(p.components.get(c) for p in curve.points)
             and (curve.components is None or c in curve.components)]
    if len(names) > 1:
        for c in names:
            ax.plot(xs, [float(p.components.get(c, 0)) for p in curve.points], lw=1,
                    alpha=.75, label=say(c))
    top = max([float(p.total) for p in curve.points] + [1.0] +
              ([float(own[1])] if own is not None and own[0] is not None else []))
    shown_x = (lambda v: f.percent(v)) if curve.measure_kind == "ratio" else \
        (lambda v: f.number(v, 2))
    tier_labels: dict[float, list[str]] = {}
    gate_labels: dict[Decimal, list[str]] = {}
    for m in curve.markers:
        x = _x(curve, m.x)
        if m.kind == "tier":
            ax.axvline(x, color=COLOURS["tier"], ls=":", lw=1)
            below, above = m.rates
            rate = (lambda r: f.number(r)) if m.per_unit else (lambda r: f.percent(r, 4))
            where = shown_x(m.x) if m.label.endswith(": " + curve.measure) else \
                f"{say(m.label.split(': ')[-1])} {f.number(m.bound, 2)}"
            text = f"{where}: {rate(below)} → {rate(above)}"
            if text not in tier_labels.setdefault(round(x, 6), []):
                tier_labels[round(x, 6)].append(text)
        elif m.kind == "cap":
            ax.axhline(float(m.y), color=COLOURS["cap"], ls="--", lw=1)
            ax.text(xs[-1] if xs else 0, float(m.y), f"{f._('cap')}: {say(m.label)} "
                    f"{f.amount(m.y)} ", fontsize=7, va="bottom", ha="right",
                    color=COLOURS["cap"])
        elif m.kind == "gate":
            ax.axvline(x, color=COLOURS["gate"], ls="-.", lw=1)
            gate_labels.setdefault(m.x, []).append(  # "quota_bonus on": the plan's view
                say(m.label.rsplit(" ", 1)[0]) if curve.names else m.label)
    for at, labels in gate_labels.items():
        ax.text(_x(curve, at), top * 0.6, f" {f._('gate')}: {', '.join(labels)} "
                f"({shown_x(at)})", fontsize=7, rotation=90, va="center", ha="right",
                color=COLOURS["gate"])
    for x, texts in tier_labels.items():
        ax.text(x, 1.01, "\n".join(texts), transform=ax.get_xaxis_transform(), fontsize=7,
                ha="center", va="bottom", color=COLOURS["tier"])
    if own is not None and own[0] is not None:
        ax.plot([_x(curve, own[0])], [float(own[1])], "o", ms=8, color=COLOURS["own"],
                zorder=5)
        ax.annotate(f"{f._('you')}: {shown_x(own[0])}, {f.amount(own[1])}",
                    (_x(curve, own[0]), float(own[1])), textcoords="offset points",
                    xytext=(8, -12), fontsize=8, color=COLOURS["own"])
    ax.set_ylim(0, top * 1.18)
    ax.set_xlabel(say(curve.measure))
    ax.set_ylabel(f"{f._('pay')} ({curve.currency})")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f.number(Decimal(int(v)))))
    if curve.measure_kind == "ratio":
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _: f.percent(Decimal(repr(float(v))) / 100, 1)))
    ax.grid(alpha=.25)
    ax.spines[["top", "right"]].set_visible(False)
    if len(names) > 1:
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def write(curve: Curve, out: Path, stem: str, fmt: Fmt | None = None,
          own=None) -> list[Path]:
    """`stem`.png and `stem`.svg in `out`."""
    fig = figure(curve, fmt, own)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.png", out / f"{stem}.svg"]
    fig.savefig(paths[0], format="png", metadata={"Software": None})
    fig.savefig(paths[1], format="svg", metadata={"Date": None})
    return paths


def svg_inline(curve: Curve, fmt: Fmt | None = None, own=None) -> str:
    """The SVG as markup to put inside a page (no XML declaration or doctype)."""
    return _svg(figure(curve, fmt, own))


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


@dataclass
class Drawing:
    """A curve drawn once, without a dot, for every payee who shares it; `at` maps a
    point in the curve's terms to the SVG's coordinates, so each payee's dot is added
    to the same markup (with_dot) instead of matplotlib drawing the whole figure again
    (a tenth of a second a payee)."""

    svg: str
    top: float  # the highest pay the y axis holds
    scale: tuple[float, float, float, float]  # x' = a x + b, y' = c y + d

    def at(self, curve: Curve, x, y) -> tuple[float, float]:
        a, b, c, d = self.scale
        return a * _x(curve, x) + b, c * float(y) + d


def drawing(curve: Curve, fmt: Fmt | None = None) -> Drawing:
    """The curve drawn without a payee's dot, and where a dot goes on it."""
    fig = figure(curve, fmt)
    ax = fig.axes[0]
    fig.canvas.draw()  # fixes the layout (tight_layout), as savefig would
    height = fig.get_figheight() * 72  # the SVG's units are points, y downwards
    (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
    k = 72 / fig.dpi
    scale = ((x1 - x0) * k, x0 * k, -(y1 - y0) * k, height - y0 * k)
    return Drawing(_svg(fig), ax.get_ylim()[1] / 1.18, scale)


def with_dot(d: Drawing, curve: Curve, own: tuple[Decimal, Decimal], fmt: Fmt) -> str:
    """A shared drawing with one payee's dot and its label, as figure() draws them."""
    shown_x = fmt.percent(own[0]) if curve.measure_kind == "ratio" else fmt.number(own[0], 2)
    cx, cy = d.at(curve, own[0], own[1])
    text = escape(f"{fmt._('you')}: {shown_x}, {fmt.amount(own[1])}")
    dot = (f'<g id="you"><circle cx="{cx:.3f}" cy="{cy:.3f}" r="4" '
           f'style="fill: {COLOURS["own"]}; stroke: {COLOURS["own"]}"/>'
           f'<text x="{cx + 8:.3f}" y="{cy + 12:.3f}" style="font: 8px \'DejaVu Sans\'; '
           f'fill: {COLOURS["own"]}">{text}</text></g>\n')
    at = d.svg.rindex("</svg>")
    return d.svg[:at] + dot + d.svg[at:]
