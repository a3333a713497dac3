"""Statements as HTML pages: one self-contained file each (inline CSS, inline SVG, no
external assets), so a page can be mailed, archived or printed as it is.

The templates are Jinja2 (compplan/render/templates/), autoescaped: names, plan text and
data values are shown, never interpreted as markup.
"""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .locale import Fmt
from .statement import Note, Statement

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)


def fmt_for(st: Statement, places: int | None = None) -> Fmt:
    return Fmt(st.locale, st.currency, places)


def say(note: Note, f: Fmt) -> str:
    """A note in the reader's words, its values formatted in their locale."""
    shown = {}
    for key, (kind, value) in note.params.items():
        if kind == "money":
            shown[key] = f.money(value)
        elif kind == "formula":
            shown[key] = f.formula(str(value))
        elif kind in ("ratio", "number"):
            shown[key] = f.value(value, kind)
        elif kind == "text":
            shown[key] = str(value)
        elif kind == "words":
            shown[key] = phrase(value, f)
        else:
            shown[key] = f.formula(str(value)) if value else ""
    text = f._(note.msgid, **shown)
    return text.replace(" ()", "").rstrip("; ")


def phrase(parts: list, f: Fmt) -> str:
    """A condition in words (statement.condition_words) in the reader's language."""
    out = []
    for kind, value in parts:
        if kind == "text":
            out.append(f._(str(value)))
        elif kind == "word":
            out.append(f._(str(value)))
        elif kind in ("op", "formula"):
            out.append(f.formula(str(value)) if kind == "formula" else str(value))
        else:
            out.append(f.value(value, kind))
    text = " ".join(out)
    return text.replace("( ", "(").replace(" )", ")").replace(" ,", ",")


def tier_text(t, ln, f: Fmt) -> str:
    rate = f.percent(t.rate, 4) if ln.rate_kind == "ratio" else f.number(t.rate)
    label = f._("below the first tier") if t.tier == 0 else f._("tier {n}", n=t.tier)
    return f"{label}: {f.number(t.amount, 2)} × {rate} = {f.amount(t.pays, max_places=4)}"


def basis_text(value, ln, f: Fmt) -> str:
    if ln.basis_kind == "ratio":
        return f.percent(value)
    return f.number(value, 2)


def statement_html(st: Statement, places: int | None = None) -> str:
    """The payee's page. `places`: the fewest decimals money is shown with (the plan's
    rounding step may ask for more than the currency's)."""
    f = fmt_for(st, places)
    explained = [ln.words for ln in st.lines if ln.words is not None]
    return _env.get_template("statement.html").render(
        st=st, h=st.header, f=f, _=f._, lang=f.locale.language, explained=explained,
        say=lambda n: say(n, f), tier=lambda t, ln: tier_text(t, ln, f),
        phrase=lambda parts: phrase(parts, f), figures=lambda g: g.shown,
        basis=lambda v, ln: basis_text(v, ln, f))


def index_html(header, entries: list, total, places: int | None = None) -> str:
    """The admins' page: every payee of the run, their total and their files."""
    f = Fmt("en", header.currency, places)
    return _env.get_template("index.html").render(h=header, entries=entries, total=total,
                                                  f=f)
