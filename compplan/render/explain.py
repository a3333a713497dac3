"""`compplan explain`: one payee's pay as a tree in the terminal.

    payee -> component -> the rule that made it (FILE:LINE:COL and its plan text)
          -> each line (amount, formula with values, tier split, running basis,
             rounding) -> the data rows behind it

Built from the same statement model as the pages, so the terminal and the statement
never disagree. Colour where the terminal supports it (rich decides; NO_COLOR is obeyed).
"""
from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from ..engine.ir import CompiledPlan
from .html import basis_text, say, tier_text
from .locale import Fmt
from .rows import shown_columns, source_rows
from .statement import Statement, StatementLine, words_of


def rules(compiled: CompiledPlan) -> dict[str, str]:
    """What each rule position of the plan says, in its own words: an earning's `each`,
    `when` and `value`, a cap, a floor, a limit on the total."""
    out = {}
    for e in compiled.earnings:
        parts = ([f"each {e.spec.each}"] if e.spec.each else []) + \
            ([f"when {e.when.text}"] if e.when is not None else []) + [f"value {e.value.text}"]
        out[str(e.pos)] = f"{e.name}: " + ", ".join(parts)
        for kind in ("cap", "floor"):
            expr = getattr(e, kind)
            if expr is not None:
                out[str(expr.pos)] = f"{e.name} {kind}: {expr.text}"
    for kind, expr in compiled.total:
        out[str(expr.pos)] = f"total {kind}: {expr.text}"
    out.update(_carried_rules(compiled))
    return out


def _carried_rules(compiled: CompiledPlan) -> dict[str, str]:
    """The rules behind lines carried from earlier periods (engine/carried.py and
    store/carry.py name them by their key's position): holds, draws, the year to date,
    clawbacks."""
    src, plan, out = compiled.checked.source, compiled.plan, {}
    for e in compiled.earnings:
        hold = e.spec.hold
        if hold is not None and e.hold_share is not None:
            when = f", until {e.hold_until.text}" if e.hold_until is not None else ""
            when += f", for {hold.periods} periods" if hold.periods else ""
            out[str(src.key_pos(("earnings", e.name, "hold")))] = \
                f"{e.name} hold: share {e.hold_share.text}{when}"
    if compiled.draw is not None:
        draw = plan.payout.draw
        out[str(src.key_pos(("payout", "draw")))] = (
            f"draw: at least {compiled.draw.text}, "
            f"{'recoverable' if draw.recoverable else 'non-recoverable'}"
            + (f", for {draw.periods} periods" if draw.periods else ""))
    if plan.payout is not None and plan.payout.basis == "year_to_date":
        out[str(src.key_pos(("payout", "basis")))] = \
            "payout basis year_to_date: the year so far, less what it paid"
    for name, input_name, when, share in compiled.clawbacks:
        out[str(src.key_pos(("clawbacks", name)))] = \
            f"clawback {name}: {input_name} when {when.text}, share {share.text}"
    return out


def _plan_line(compiled: CompiledPlan, rule: str) -> str:
    """The plan's own text at a rule's FILE:LINE:COL, without its comment."""
    try:
        line = int(rule.rsplit(":", 2)[1])
    except (IndexError, ValueError):
        return ""
    lines = compiled.checked.source.text.splitlines()
    return lines[line - 1].split(" #", 1)[0].strip() if 0 < line <= len(lines) else ""


def _money(f: Fmt, v) -> str:
    text = f.amount(v)
    return f"[red]{text}[/]" if v < 0 else f"[green]{text}[/]"


def _line_node(parent: Tree, ln: StatementLine, f: Fmt, rows: dict, full: bool,
               lead: dict, subtotals: dict | None = None) -> None:
    node = parent.add(f"[bold]#{ln.number}[/] {_money(f, ln.amount)}  "
                      f"{escape(ln.formula)}")
    if ln.words is not None:
        node.add(f"[yellow]{escape(say(ln.words, f))}[/]")
    for s in ln.sources:
        row = rows.get(s)
        first = lead.get(s.partition(":")[0], ())
        group = (subtotals or {}).get(s.partition(":")[0])
        cols = "  ".join(f"{k}={v}" for k, v in shown_columns(row, first).items()) if row else \
            f"(the group of the rows below, by {group})" if group else \
            "(row not in the run's data)"
        node.add(f"[magenta]{escape(s)}[/]  {escape(cols)}")
    if ln.credit is not None:
        node.add("credit " + (f.amount(ln.credit) if ln.credit_kind == "money"
                              else f.number(ln.credit)))
    for t in ln.tiers:
        node.add(escape(tier_text(t, ln, f)))
    if ln.basis_before is not None:
        node.add(f"running basis {basis_text(ln.basis_before, ln, f)} -> "
                 f"{basis_text(ln.basis_after, ln, f)}")
    if ln.rounding:
        node.add(f"rounded: {escape(ln.rounding)}")
    if full and ln.inputs:
        node.add("inputs: " + escape(", ".join(f"{k}={v}" for k, v in ln.inputs.items())))
    if ln.date is not None and full:
        node.add(f"date {ln.date.isoformat()}")
    if ln.note:
        node.add(f"[dim]{escape(ln.note)}[/]")


def tree(st: Statement, compiled: CompiledPlan, tables: dict,
         line: int | None = None) -> Tree:
    """The tree of one payee's pay (or of one line of it)."""
    f = Fmt("en", st.currency)
    h = st.header
    run = f"run {h.run_id} ({h.status})" if h.run_id is not None else h.status
    root = Tree(f"[bold]{escape(st.payee)}[/] {escape(st.name)} · {escape(h.plan_id)} "
                f"{escape(h.period)}, {run} · total {_money(f, st.total)} {st.currency}")
    wanted = [ln for ln in st.lines if line is None or ln.number == line]
    rows = source_rows(compiled, tables, [s for ln in wanted for s in ln.sources])
    gates = {g.component: g for g in st.gates}
    said = rules(compiled)
    lead = {name: (inp.key, inp.payee, inp.date)
            for name, inp in compiled.plan.inputs.items()}
    for c in st.components:
        lines = [ln for ln in wanted if ln.component == c.name]
        if line is not None and not lines:
            continue
        comp = root.add(f"[bold cyan]{escape(c.name)}[/] {_money(f, c.amount)}"
                        + (f"  [dim]{escape(c.label)}[/]" if c.label != c.name else ""))
        g = gates.get(c.name)
        if g is not None and line is None:
            figures = ", ".join(f"{n} = {f.value(v, k)}" for n, k, v in g.figures)
            comp.add(f"paid when {escape(g.condition)}: [bold]{g.verdict}[/]"
                     + (f" ({escape(figures)})" if figures else ""))
        by_rule: dict[str, Tree] = {}
        for ln in lines:
            if ln.rule not in by_rule:
                text = said.get(ln.rule) or _plan_line(compiled, ln.rule)
                by_rule[ln.rule] = comp.add(f"[blue]rule {escape(ln.rule)}[/]"
                                            + (f"  [dim]{escape(text)}[/]" if text else ""))
            _line_node(by_rule[ln.rule], ln, f, rows, line is not None, lead,
                       {n: st_.by for n, st_ in compiled.plan.subtotals.items()})
        if not lines and line is None:
            comp.add("[dim]no lines this period[/]")
    if line is None and st.measures:
        # the plan's name (what the rules say) and, where the plan labels it, the words
        # on the rep's statement: booked "Booked" = 90,000.00; a window's days after it
        root.add("measures: " + escape(", ".join(
            f"{m.name}" + (f' "{m.label}"' if m.label and m.label != words_of(m.name) else "")
            + f" = {f.value(m.value, m.shown_as)}" + (
                f" ({m.window[0].isoformat()} to {m.window[1].isoformat()})" if m.window
                else "") for m in st.measures)))
    return root


def render_text(t: Tree, width: int = 100) -> str:
    """The tree as plain text (no colour): what tests compare and pipes receive."""
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False,
            highlight=False).print(t)
    return "".join(ln.rstrip() + "\n" for ln in buf.getvalue().splitlines())
