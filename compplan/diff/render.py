"""The diffs as people read them: text for the terminal (and `git diff`), Markdown to paste
into a pull request, CSV for finance; JSON is each result's `to_dict`.

Old and new stand side by side (`12% -> 14%`); a pair too long for one line is shown
one above the other, so the eye still compares like with like. Money is shown exact,
signed where it is a difference.
"""
from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

from .. import __version__
from ..cells import CsvWriter
from ..engine.money import fmt_money
from .impact import Impact
from .plans import NAMED, PlanDiff
from .runs import RunDiff
from .verify import Verification

WIDTH = 100
ORDER = ("plan",) + NAMED + ("total", "payout", "fx", "scenarios")


def signed(v: Decimal) -> str:
    return ("+" if v > 0 else "") + fmt_money(v)


def percent(before: Decimal | None, after: Decimal | None) -> str:
    """The change as a share of before: '+6.4%'; 'new' from nothing; '' if no change."""
    b, a = before or Decimal(0), after or Decimal(0)
    if a == b:
        return ""
    if b == 0:
        return "new"
    p = ((a - b) / abs(b) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return ("+" if p > 0 else "") + f"{p}%"


def money(v: Decimal | None) -> str:
    return "-" if v is None else fmt_money(v)


def table(head: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Columns padded to their widest cell, each aligned as `align` says ('l' or 'r')."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r):
        return "  ".join(c.ljust(widths[i]) if align[i] == "l" else c.rjust(widths[i])
                         for i, c in enumerate(r)).rstrip()
    return [fmt(head), "  ".join("-" * w for w in widths), *[fmt(r) for r in rows]]


# ---------------------------------------------------------------- plan diff

def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def plan_text(d: PlanDiff) -> str:
    head = f"{d.old} -> {d.new}: "
    if not d.changes:
        return head + "no change in meaning\n"
    out = [head + _count(len(d.changes), "change") + " in meaning"]
    for section in ORDER:
        changes = [c for c in d.changes if c.section == section]
        if not changes:
            continue
        out += ["", section]
        for c in changes:
            word = f"  {c.kind:<8} "
            if c.kind == "renamed":
                out.append(f"{word}{c.old} -> {c.new}")
                continue
            value = {"added": c.new, "removed": c.old}.get(c.kind)
            line = f"{word}{c.label}: " + (value if value is not None
                                          else f"{c.old} -> {c.new}")
            if len(line) <= WIDTH:
                out.append(line)
                continue
            out.append(f"{word}{c.label}:")
            pad = " " * (len(word) + 2)
            if value is not None:
                out.append(pad + value)
            else:
                out += [f"{pad}was  {c.old}", f"{pad}now  {c.new}"]
    return "\n".join(out) + "\n"


def _md(v: str | None) -> str:
    if v is None or v == "":
        return ""
    return "`" + v.replace("|", "\\|").replace("`", "'") + "`"


def plan_markdown(d: PlanDiff) -> str:
    out = [f"### Plan changes: `{d.old}` → `{d.new}`", ""]
    if not d.changes:
        return "\n".join(out + ["No change in meaning."]) + "\n"
    out += [f"{_count(len(d.changes), 'change')} in meaning.", "",
            "| Section | Rule | Change | Old | New |", "|---|---|---|---|---|"]
    for section in ORDER:
        for c in (c for c in d.changes if c.section == section):
            label = c.label.replace("|", "\\|")
            out.append(f"| {section} | {label} | {c.kind} | {_md(c.old)} | {_md(c.new)} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- impact

def _impact_rows(i: Impact) -> tuple[list[str], list[list[str]]]:
    head = ["payee", "name", "before", "after", "difference", "change"]
    rows = [[p.payee, p.name, fmt_money(p.before), fmt_money(p.after), signed(p.difference),
             percent(p.before, p.after)] for p in i.payees]
    for cur, b, a in i.totals():
        rows.append([f"TOTAL {cur}", "", fmt_money(b), fmt_money(a), signed(a - b),
                     percent(b, a)])
    return head, rows


def _movers(i: Impact) -> str:
    return ", ".join(f"{p.payee} {signed(p.difference)}" +
                     (f" ({percent(p.before, p.after)})" if p.before else "")
                     for p in i.movers()) or "none"


def _counts(i: Impact) -> str:
    return (f"{_count(len(i.payees), 'payee')}: {i.count('gains')} gain, "
            f"{i.count('loses')} lose, {i.count('unchanged')} unchanged")


def impact_text(i: Impact) -> str:
    out = [f"Impact on pay of {i.old} -> {i.new}", f"data {i.data}, {i.period}, "
           f"{i.currency}", ""]
    head, rows = _impact_rows(i)
    lines = table(head, rows, "llrrrr")
    out += lines[:-len(i.totals())] + [lines[1]] + lines[-len(i.totals()):]
    for cur, b, a in i.totals():
        out += ["", f"total cost change: {cur} {signed(a - b)}"
                + (f" ({percent(b, a)})" if percent(b, a) else "")]
    out += [_counts(i), f"largest movers: {_movers(i)}"]
    return "\n".join(out) + "\n"


def impact_markdown(i: Impact) -> str:
    out = [f"### Impact on pay: `{i.old}` → `{i.new}`", "",
           f"Data `{i.data}`, period {i.period}, {i.currency}.", "",
           "| Payee | Name | Before | After | Difference | Change |",
           "|---|---|--:|--:|--:|--:|"]
    _, rows = _impact_rows(i)
    for r in rows:
        cells = [f"**{c}**" if r[0].startswith("TOTAL") and c else c for c in r]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out += ["", _counts(i) + ".", f"Largest movers: {_movers(i)}."]
    return "\n".join(out) + "\n"


def impact_csv(i: Impact) -> str:
    """For finance: exact amounts, no thousands separators, one row a payee, then the
    totals (one per currency)."""
    buf = io.StringIO()
    w = CsvWriter(buf, lineterminator="\n")  # text cells that cannot run
    w.writerow(["payee", "name", "currency", "before", "after", "difference",
                "change_percent"])

    def pct(b, a):  # a number (Decimal), so it is never quoted as text
        return "" if b == 0 else ((a - b) / abs(b) * 100).quantize(Decimal("0.01"),
                                                                   ROUND_HALF_UP)
    for p in i.payees:
        w.writerow([p.payee, p.name, p.currency, p.before, p.after, p.difference,
                    pct(p.before, p.after)])
    for cur, b, a in i.totals():
        w.writerow(["TOTAL", "", cur, b, a, a - b, pct(b, a)])
    return buf.getvalue()


# ---------------------------------------------------------------- run diff

def _side(s) -> str:
    return f"run {s.id} ({s.plan_id} {s.period}, {s.status})"


def _run_summary(d: RunDiff) -> list[str]:
    a, b = d.a, d.b
    plan = (f"changed ({a.plan_version[:12]} -> {b.plan_version[:12]})" if d.plan_changed
            else f"same ({a.plan_version[:12]})")
    data = (f"changed ({a.dataset[:12]} -> {b.dataset[:12]}: " +
            ", ".join(f"{n} {c}" for n, c in d.files) + ")" if d.data_changed
            else f"same ({a.dataset[:12]})")
    period = (f"changed ({a.period} -> {b.period})" if d.period_changed
              else f"same ({a.period})")
    return [f"plan: {plan}", f"data: {data}", f"period: {period}"]


def _run_rows(d: RunDiff):
    a, b = d.a, d.b
    head = ["payee", "name", f"run {a.id}", f"run {b.id}", "difference", "because of"]
    rows = [[p.payee, p.name, money(p.before), money(p.after), signed(p.difference),
             p.cause] for p in d.payees]
    total = ["TOTAL", "", fmt_money(a.total), fmt_money(b.total),
             signed(b.total - a.total), ""]
    lhead = ["payee", "line", f"run {a.id}", f"run {b.id}", "difference", "because of"]
    lrows = [[ln.payee, ln.key, money(ln.before), money(ln.after), signed(ln.difference),
              ln.cause] for ln in d.lines]
    return head, rows, total, lhead, lrows


def runs_text(d: RunDiff) -> str:
    out = [f"{_side(d.a)} -> {_side(d.b)}", *("  " + s for s in _run_summary(d))]
    out += [f"  note: {n}" for n in d.notes]
    if d.plan_diff is not None and d.plan_diff.ok:
        out += ["", "what changed in the plan:"]
        out += ["  " + ln if ln else "" for ln in plan_text(d.plan_diff).splitlines()]
    elif d.plan_diff is not None:
        p = d.plan_diff.problems[0]
        out += [f"  the plan versions cannot be compared by meaning ({p.where}: {p.message})"]
    if d.same:
        out += ["", "no payee or line differs"]
        return "\n".join(out) + "\n"
    head, rows, total, lhead, lrows = _run_rows(d)
    t = table(head, rows + [total], "llrrrl")
    out += ["", f"{_count(len(d.payees), 'payee')} differ"] + t[:-1] + [t[1], t[-1]]
    out += ["", f"{_count(len(d.lines), 'line')} differ"] + table(lhead, lrows, "llrrrl")
    return "\n".join(out) + "\n"


def runs_markdown(d: RunDiff) -> str:
    out = [f"### {_side(d.a)} → {_side(d.b)}", "", *(f"- {s}" for s in _run_summary(d)),
           *(f"- note: {n}" for n in d.notes), ""]
    if d.plan_diff is not None and d.plan_diff.ok:
        out += [plan_markdown(d.plan_diff).replace("### ", "#### ")]
    elif d.plan_diff is not None:
        p = d.plan_diff.problems[0]
        out += [f"The plan versions cannot be compared by meaning (`{p.where}`: {p.message}).",
                ""]
    if d.same:
        return "\n".join(out + ["No payee or line differs."]) + "\n"
    head, rows, total, lhead, lrows = _run_rows(d)
    for h, rs in ((head, rows + [total]), (lhead, lrows)):
        out += ["| " + " | ".join(h) + " |", "|---|---|--:|--:|--:|---|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rs]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- verify

def verify_text(v: Verification) -> str:
    out = [f"{v.label}: recomputed from its stored plan version and data"]
    out.append(f"  stored by compplan {v.engine_version}, recomputed by compplan "
               f"{__version__}")
    if v.engine != "python":
        out.append(f"  engine: {v.engine}, as it was saved; then the python engine "
                   "(the reference) too")
    out.append(f"  engine lines: {v.lines} recomputed and compared field by field")
    if v.carried:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(v.carried.items()))
        out.append(f"  carried lines: {kinds}; taken as stored (they depend on earlier "
                   "runs)" + (f", {v.adjustments_checked} checked against the run's "
                              "adjustment records" if v.adjustments_checked else ""))
    else:
        out.append("  carried lines: none")
    out.append("  fingerprint: " + ("the stored lines are as they were saved"
                                    if v.fingerprint_ok else "the stored lines changed "
                                    "after the run was saved"))
    if v.differences:
        out.append(f"DIFFERS: {_count(len(v.differences), 'difference')}")
        out += ["  " + ln for ln in _differences(v.differences)]
    c = v.cross
    if c is not None:
        if c.problems:
            out.append("python engine: cannot recompute it:")
            out += [f"  {p.where}: {p.severity}: {p.text}" for p in c.problems]
        elif c.differences:
            out.append(f"python engine: {_count(len(c.differences), 'difference')} from the "
                       f"stored {v.engine} run")
            out += ["  " + ln for ln in _differences(c.differences)]
        else:
            out.append(f"python engine: the same pay, line for line ({c.lines} lines; exact "
                       "values to 1e-12, formula and inputs not compared)")
    if v.identical:
        out.append("identical: every line and total is as recomputed")
    elif not v.differences:
        out.append(f"DIFFERS: the python engine does not pay this {v.engine} run the same")
    return "\n".join(out) + "\n"


def _differences(differences) -> list[str]:
    rows = [[d.payee, d.what, d.field, d.stored or "-", d.recomputed or "-"]
            for d in differences]
    return table(["payee", "what", "field", "stored", "recomputed"], rows, "lllll")
