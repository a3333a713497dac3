"""Draw a payout curve (curve.py) as PNG and SVG with matplotlib.

Matplotlib runs headless (Agg) and without pyplot's global state, so drawing is safe
inside a command or a test. Text stays text in the SVG (fonttype none): the tier bounds,
caps and gates can be read, searched and tested. Coordinates are floats, as a drawing
needs; every amount written on the chart is formatted from the engine's Decimal.
"""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .curve import Curve  # noqa: E402
from .locale import Fmt  # noqa: E402
from .svgchart import steps  # noqa: E402

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "compplan"  # the same curve gives the same file
matplotlib.rcParams["font.family"] = ["DejaVu Sans"]

COLOURS = {"total": "#1d5c3a", "tier": "#777777", "cap": "#a12020", "gate": "#c46a00",
           "own": "#1a4d8f"}


def _x(curve: Curve, v) -> float:
    return float(v) * (100 if curve.measure_kind == "ratio" else 1)


def figure(curve: Curve, fmt: Fmt | None = None,
           own: tuple[Decimal, Decimal] | None = None) -> Figure:
    f = fmt or Fmt("en", curve.currency)
    say = lambda name: curve.names.get(name, name)  # noqa: E731 - a reader's words
    fig = Figure(figsize=(7.2, 4.0), dpi=110)
    ax = fig.subplots()
    xs, ys = steps(curve)
    # a count moves in whole steps
    dots = "o" if curve.mode != "size" and len(curve.points) <= 25 else None
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
    elif curve.measure_kind == "integer":  # a count: whole meetings, never 2.5
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
