"""Results of a run: per payee, components and line items that carry their provenance.

A line says which rule made it (with the plan file's line and column), for which payee,
from which data rows, with which inputs, by which formula with its values filled in,
how a tier split it, and how it was rounded. Totals are sums of the rounded lines.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..errors import Problem
from .money import fmt_money
from .tiers import Portion


# The part of a line's amount that fell in one tier (tier 0: below the first tier).
TierPart = Portion


@dataclass(slots=True)
class Line:
    number: int  # 1-based within the payee's statement
    payee: str
    component: str  # the earning's name
    kind: str  # credit | bonus | cap | floor | rounding
    amount: Decimal  # rounded, in the plan currency
    exact: Decimal  # before rounding
    rule: str  # FILE:LINE:COL of the rule that made it
    formula: str
    sources: list[str] = field(default_factory=list)  # "deals:D-1001"
    inputs: dict[str, str] = field(default_factory=dict)
    tiers: list[TierPart] = field(default_factory=list)
    basis_before: Decimal | None = None
    basis_after: Decimal | None = None
    rounding: str = ""
    date: str | None = None
    note: str = ""


@dataclass
class PayeeResult:
    payee: str
    name: str = ""
    currency: str = ""
    components: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    lines: list[Line] = field(default_factory=list)
    measures: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    plan: str
    plan_name: str
    plan_version: str
    period: str
    currency: str
    payees: list[PayeeResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.total for p in self.payees), Decimal(0))

    def payee(self, payee_id: str) -> PayeeResult | None:
        for p in self.payees:
            if p.payee == payee_id:
                return p
        return None

    def line_count(self) -> int:
        return sum(len(p.lines) for p in self.payees)


def _line_dict(ln: Line) -> dict:
    d = {"payee": ln.payee, "line": ln.number, "component": ln.component, "kind": ln.kind,
         "amount": str(ln.amount), "exact": str(ln.exact), "formula": ln.formula,
         "inputs": ln.inputs, "sources": ln.sources, "rule": ln.rule}
    if ln.tiers:
        d["tiers"] = [{"tier": t.tier, "amount": str(t.amount), "rate": str(t.rate),
                       "pays": str(t.pays)} for t in ln.tiers]
    if ln.basis_before is not None:
        d["basis_before"], d["basis_after"] = str(ln.basis_before), str(ln.basis_after)
    for key in ("rounding", "date", "note"):
        v = getattr(ln, key)
        if v:
            d[key] = v
    return d


def summary_dict(result: RunResult) -> dict:
    """The run and each payee's components, totals and measures (lines are separate)."""
    return {
        "plan": result.plan, "plan_name": result.plan_name, "version": result.plan_version,
        "period": result.period, "currency": result.currency, "total": str(result.total),
        "payees": [{"payee": p.payee, "name": p.name, "currency": p.currency or result.currency,
                    "total": str(p.total), "lines": len(p.lines),
                    "components": {k: str(v) for k, v in p.components.items()},
                    "measures": p.measures, "warnings": p.warnings} for p in result.payees],
        "warnings": [{"where": w.where, "message": w.message} for w in result.warnings],
    }


def to_json(result: RunResult) -> str:
    """The whole result, lines included, as one JSON document (for small runs and tests)."""
    data = summary_dict(result)
    for p, d in zip(result.payees, data["payees"]):
        d["lines"] = [_line_dict(ln) for ln in p.lines]
    return json.dumps(data, indent=1, ensure_ascii=False)


LINE_COLUMNS = ["payee", "line", "component", "kind", "amount", "exact", "formula", "inputs",
                "sources",
                "tiers", "basis_before", "basis_after", "rounding", "rule", "date", "note"]


def write_results(result: RunResult, out: Path) -> list[Path]:
    """Write payees.csv, lines.csv, lines.jsonl (one JSON object a line) and results.json
    (the run and its payees), each atomically: a temp file, then a rename."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    components = sorted({c for p in result.payees for c in p.components})

    def atomic(name: str, write) -> None:
        tmp = out / (name + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            write(fh)
        tmp.replace(out / name)
        written.append(out / name)

    def payees(fh):
        w = csv.writer(fh)
        w.writerow(["payee", "name", *components, "total", "currency", "period"])
        for p in result.payees:
            w.writerow([p.payee, p.name, *[p.components.get(c, Decimal("0.00"))
                                           for c in components], p.total,
                        p.currency or result.currency, result.period])

    def lines(fh):
        w = csv.writer(fh)
        w.writerow(LINE_COLUMNS)
        for p in result.payees:
            for ln in p.lines:
                w.writerow([ln.payee, ln.number, ln.component, ln.kind, ln.amount, ln.exact,
                            ln.formula, "; ".join(f"{k}={v}" for k, v in ln.inputs.items()),
                            " ".join(ln.sources),
                            "; ".join(f"tier {t.tier}: {t.amount} x {t.rate} = {t.pays}"
                                      for t in ln.tiers),
                            "" if ln.basis_before is None else ln.basis_before,
                            "" if ln.basis_after is None else ln.basis_after,
                            ln.rounding, ln.rule, ln.date or "", ln.note])

    def lines_jsonl(fh):
        dumps = json.dumps
        for p in result.payees:
            fh.writelines(dumps(_line_dict(ln), ensure_ascii=False) + "\n" for ln in p.lines)

    atomic("payees.csv", payees)
    atomic("lines.csv", lines)
    atomic("lines.jsonl", lines_jsonl)
    atomic("results.json", lambda fh: fh.write(json.dumps(summary_dict(result), indent=1,
                                                          ensure_ascii=False)))
    return written


def summary_table(result: RunResult) -> str:
    """The per-payee summary the `run` command prints."""
    components = sorted({c for p in result.payees for c in p.components})
    head = ["payee", *components, "total"]
    rows = [[p.payee, *[fmt_money(p.components.get(c, Decimal(0))) for c in components],
             fmt_money(p.total)] for p in result.payees]
    totals = ["TOTAL", *[fmt_money(sum((p.components.get(c, Decimal(0))
                                        for p in result.payees), Decimal(0)))
                         for c in components], fmt_money(result.total)]
    widths = [max(len(str(r[i])) for r in [head, *rows, totals]) for i in range(len(head))]

    def fmt(r):
        return "  ".join(str(v).ljust(widths[0]) if i == 0 else str(v).rjust(widths[i])
                         for i, v in enumerate(r))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), sep, *[fmt(r) for r in rows], sep, fmt(totals)]) + "\n"
