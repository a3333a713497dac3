"""A statement's lines as CSV and the whole statement as JSON: the same lines as the
page, for a rep's spreadsheet or a dispute tool.

Amounts are written exactly, as plain decimal text (1234.50), not in the reader's
locale: these files are read by programs as much as people. The JSON holds nothing the
page does not (the payee's own statement).
"""
from __future__ import annotations

import io
import json
from decimal import Decimal

from ..cells import CsvWriter
from ..engine.results import line_details, tier_text
from .statement import Note, Statement, StatementLine

COLUMNS = ["line", "component", "kind", "date", "sources", "credit", "tiers", "formula",
           "rounding", "basis_before", "basis_after", "amount", "exact", "rule", "note",
           "explanation"]


def _plain(v):
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return str(v)
    return v if isinstance(v, (int, str, bool)) else str(v)


def _tiers(ln: StatementLine) -> str:
    return tier_text(ln.tiers)


def _words(note: Note | None) -> str:
    if note is None:
        return ""
    return note.msgid.format(**{k: _plain(v) for k, (_, v) in note.params.items()})


def lines_csv(st: Statement) -> str:
    buf = io.StringIO()
    w = CsvWriter(buf, lineterminator="\n")  # text cells that cannot run
    w.writerow(COLUMNS)
    for ln in st.lines:
        # amounts go in as Decimals (written exactly, and never quoted as text)
        w.writerow([ln.number, ln.component, ln.kind, _plain(ln.date), " ".join(ln.sources),
                    ln.credit, _tiers(ln), ln.formula, ln.rounding, ln.basis_before,
                    ln.basis_after, ln.amount, ln.exact, ln.rule, ln.note, _words(ln.words)])
    return buf.getvalue()


def statement_dict(st: Statement) -> dict:
    h = st.header
    return {
        "payee": st.payee, "name": st.name, "locale": st.locale, "currency": st.currency,
        "plan": h.plan_id, "plan_name": h.plan_name, "plan_version": h.plan_version,
        "plan_sha256": h.version_hash, "period": h.period, "run": h.run_id,
        "status": h.status, "total": str(st.total),
        "components": [{"component": c.name, "label": c.label, "amount": str(c.amount),
                        "carried": c.carried, "lines": c.lines} for c in st.components],
        "measures": {m.name: _plain(m.value) for m in st.measures},
        # the days of measures read over windows in time (issue 20), when there are any
        **({"measure_windows": {m.name: [m.window[0].isoformat(), m.window[1].isoformat()]
                                for m in st.measures if m.window}}
           if any(m.window for m in st.measures) else {}),
        "gates": [{"component": g.component, "condition": g.condition, "verdict": g.verdict,
                   "figures": {n: _plain(v) for n, _, v in g.figures}} for g in st.gates],
        "lines": [_line(ln) for ln in st.lines],
        "year_to_date": None if st.ytd is None else {
            "periods": [{"period": p, "run": r, "status": s, "total": str(t)}
                        for p, r, s, t in st.ytd.periods],
            "components": {k: str(v) for k, v in st.ytd.components.items()},
            "total": str(st.ytd.total)},
        "warnings": st.warnings,
    }


def _line(ln: StatementLine) -> dict:
    d = {"line": ln.number, "component": ln.component, "kind": ln.kind,
         "amount": str(ln.amount), "exact": str(ln.exact), "formula": ln.formula,
         "rule": ln.rule, "sources": ln.sources, "inputs": ln.inputs}
    if ln.credit is not None:
        d["credit"] = str(ln.credit)
    d.update(line_details(ln))
    if ln.words is not None:
        d["explanation"] = _words(ln.words)
    return d


def statement_json(st: Statement) -> str:
    return json.dumps(statement_dict(st), indent=1, ensure_ascii=False) + "\n"
