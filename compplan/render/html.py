"""Statements as HTML pages: one self-contained file each (inline CSS, inline SVG, no
external assets), so a page can be mailed, archived or printed as it is.

The templates are Jinja2 (compplan/render/templates/), autoescaped: names, plan text and
data values are shown, never interpreted as markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .locale import Fmt, shared
from .statement import Note, Statement

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)


# What markupsafe's escape() replaces, and with what (its own texts, so a page is the same
# byte for byte): a page's rows escape a few values a line, and markupsafe's escape()
# with its Markup object was about a seventh of a statement's CPU (issue 14); most
# values (amounts, dates, ids) hold none of these characters and are returned as they are
_SPECIAL = re.compile(r"[&<>'\"]")


def esc(value) -> str:
    """`value` as text escaped for HTML exactly as markupsafe.escape writes it (&amp;
    &gt; &lt; &#39; &#34;), as a plain str."""
    text = value if type(value) is str else str(value)
    if _SPECIAL.search(text) is None:
        return text
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def fmt_for(st: Statement, places: int | None = None) -> Fmt:
    """The statement's Fmt (locale.shared: one a locale, currency and places)."""
    return shared(st.locale, st.currency, places)


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
    rate = f.rate(t.rate, ln.rate_kind == "ratio")
    label = f._("below the first tier") if t.tier == 0 else f._("tier {n}", n=t.tier)
    return f"{label}: {f.number(t.amount, 2)} × {rate} = {f.amount(t.pays, max_places=4)}"


def basis_text(value, ln, f: Fmt) -> str:
    if ln.basis_kind == "ratio":
        return f.percent(value)
    return f.number(value, 2)


def line_rows(lines, span: int, has_date: bool, has_source: bool, has_credit: bool,
              has_tiers: bool, has_formula: bool, f: Fmt) -> Markup:
    """A component's line rows (and the detail row under each), as the statement
    template wrote them in a Jinja loop, to the byte: the loop's calls through Jinja's
    context were half of a page's time, and a page has a row per deal. Every value is
    escaped as the template's autoescape does."""
    _ = f._
    label = {k: esc(_(k)) for k in ("Date", "Source", "Credit", "Rate or tier split",
                                       "Formula", "Amount")}
    out = []
    # a running basis goes on from one line to the next: the text of a line's basis
    # after is that of the next line's before, written once
    last: tuple = (None, None, "")
    for ln in lines:
        row = [f'  <tr class="line" data-line="{ln.number}">\n'
               f'    <td class="num no" data-label="#">{ln.number}</td>\n']
        if has_date:
            row.append(f'<td class="nowrap" data-label="{label["Date"]}">'
                       f'{esc(f.date(ln.date))}</td>')
        if has_source:
            row.append(f'<td class="source" data-label="{label["Source"]}">'
                       + "<br>".join(esc(s) for s in (ln.described or ln.sources))
                       + "</td>")
        if has_credit:
            credit = "" if ln.credit is None else esc(
                f.amount(ln.credit) if ln.credit_kind == "money" else f.number(ln.credit))
            row.append(f'<td class="num" data-label="{label["Credit"]}">{credit}</td>')
        if has_tiers:
            row.append(f'<td class="tiers" data-label="{label["Rate or tier split"]}">'
                       + "<br>".join(esc(tier_text(t, ln, f)) for t in ln.tiers)
                       + "</td>")
        if has_formula:
            cell = f'<div class="words">{esc(say(ln.words, f))}</div>' if ln.words else ""
            if not ln.words or ln.kind in ("cap", "floor"):
                cell += esc(f.formula(ln.shown or ln.working))
            row.append(f'<td class="formula" data-label="{label["Formula"]}">{cell}</td>')
        row.append(f'    <td class="amount" data-label="{label["Amount"]}">'
                   f'{esc(f.amount(ln.amount))}</td>\n  </tr>\n')
        details = []
        if ln.basis_before is not None:
            # (equal and of the same sign: -0 is written with its sign)
            before = last[2] if (isinstance(last[0], Decimal) and ln.basis_kind == last[1]
                                 and isinstance(ln.basis_before, Decimal)
                                 and ln.basis_before == last[0]
                                 and ln.basis_before.is_signed() == last[0].is_signed()) \
                else basis_text(ln.basis_before, ln, f)
            after = basis_text(ln.basis_after, ln, f)
            last = (ln.basis_after, ln.basis_kind, after)
            details.append(f'{_("running basis")} {before} → {after}')
        if ln.bounds:
            details.append(f'{_("tier bounds")}: {f.formula(ln.bounds)}')
        if ln.rounding:
            details.append(f'{_("rounded")}: {f.formula(ln.rounding_shown or ln.rounding)}')
        if ln.note and not ln.words:
            details.append(f.formula(ln.note))
        if details:
            row.append(f'<tr class="detail"><td></td><td colspan="{span - 1}">'
                       f'{esc(" · ".join(details))}</td></tr>')
        out.append("".join(row))
    if not lines:
        out.append(f'  <tr class="none"><td></td><td colspan="{span - 1}">'
                   f'{esc(_("No lines this period."))}</td></tr>\n')
    return Markup("".join(out))


def audit_rows(lines) -> Markup:
    """The auditor's table's rows, as the template wrote them in a Jinja loop, to the
    byte (a row per line: the loop's calls and autoescape were a tenth of a page)."""
    return Markup("".join(
        f'  <tr><td class="num">{ln.number}</td><td>{esc(ln.component)}</td>'
        f'<td class="rule">{esc(ln.rule)}</td>'
        f'<td class="rule">{" ".join(esc(s) for s in ln.sources)}</td>'
        f'<td class="formula">{esc(ln.formula)}</td></tr>\n' for ln in lines))


@dataclass
class LineTable:
    """One component's table of lines and which of its columns have anything in them
    (worked out here, not with the template's select/reject filters, which went
    through every line several times in Jinja's runtime)."""

    c: object
    lines: list
    has_date: bool
    has_source: bool
    has_credit: bool
    has_tiers: bool
    has_formula: bool  # no more than the tier split where every line is split by tiers
    span: int


def line_tables(st: Statement) -> list[LineTable]:
    """The components whose lines are shown, each with its columns: a component with no
    lines is in the summary (0 lines, 0.00), not here again."""
    by = {}
    for ln in st.lines:
        by.setdefault(ln.component, []).append(ln)
    out = []
    for c in st.shown_components:
        lines = by.get(c.name, [])
        if not lines and c.amount == 0:
            continue
        has_date = any(ln.date for ln in lines)
        has_source = any(ln.sources for ln in lines)
        has_credit = any(ln.credit is not None for ln in lines)
        has_tiers = any(ln.tiers for ln in lines)
        has_formula = not lines or any(not ln.tiers or ln.words for ln in lines)
        span = 2 + has_formula + has_date + has_source + has_credit + has_tiers
        out.append(LineTable(c, lines, has_date, has_source, has_credit, has_tiers,
                             has_formula, span))
    return out


def statement_html(st: Statement, places: int | None = None) -> str:
    """The payee's page. `places`: the fewest decimals money is shown with (the plan's
    rounding step may ask for more than the currency's)."""
    f = fmt_for(st, places)
    explained = [ln.words for ln in st.lines if ln.words is not None]
    return _env.get_template("statement.html").render(
        st=st, h=st.header, f=f, _=f._, lang=f.locale.language, explained=explained,
        say=lambda n: say(n, f), tier=lambda t, ln: tier_text(t, ln, f),
        phrase=lambda parts: phrase(parts, f), figures=lambda g: g.shown,
        basis=lambda v, ln: basis_text(v, ln, f),
        rows=lambda lines, span, *has: line_rows(lines, span, *has, f),
        tables=line_tables(st), audit=audit_rows)


AUDIT_OPEN = '<details class="audit" id="audit">'


def print_page(page: str, st: Statement, appendix: bool = False) -> str:
    """The page a statement's PDF is printed from. The rep's pages leave the auditor's
    appendix (rule positions, the plan's hash, formulas in plan syntax) out unless it is
    asked for (`compplan statements --appendix`): it was two of a generated statement's
    seven printed pages and a quarter of Chromium's time a PDF (README, Speed). One
    sentence says where the auditor's section is; the HTML file keeps it, folded away."""
    start = page.find(AUDIT_OPEN)
    end = page.rfind("</details>")
    if appendix or start < 0 or end < start:
        return page
    f = fmt_for(st)
    note = f._("For auditors: the plan's rules behind each amount are in the last section of this statement's HTML file, or printed with it on request.")  # noqa: E501
    return (page[:start] + f'<p class="small" id="audit">{escape(note)}</p>'
            + page[end + len("</details>"):])

def index_html(header, entries: list, total, places: int | None = None) -> str:
    """The admins' page: every payee of the run, their total and their files."""
    f = Fmt("en", header.currency, places)
    return _env.get_template("index.html").render(h=header, entries=entries, total=total,
                                                  f=f)
