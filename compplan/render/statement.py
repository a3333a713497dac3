"""The statement of one payee for one run: what the pages, tables and PDF all show.

Reps dispute what they cannot check, so a statement carries every line with its
provenance (rule, source rows, credit, tier split, formula with values, rounding), the
summary by component those lines add up to, and the caps, gates, holds, draws,
clawbacks and adjustments in words. It is built from one payee's result only (a
`PayeeResult`, from a run in memory or read back from the store): pay is confidential,
so nothing about another payee can reach a page through this model.

Words are kept as message ids with typed values (`Note`), and turned into text in the
reader's language when a page is rendered (see locale.py).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ..engine.ir import CompiledPlan
from ..engine.results import Line, PayeeResult, TierPart
from ..engine.settle import settled_period
from ..lang import ast
from ..lang.check import CARRIED_COMPONENTS
from ..lang.model import Label
from .locale import messages
from ..lang.types import INTEGER, MONEY, RATIO
from ..lang.windows import windows_in
from ..engine.windows import span as window_span
from ..periods import parse_period

# A value in words: (kind, value); kind is money | ratio | number | text | formula
Value = tuple[str, object]


@dataclass
class Note:
    """A sentence for the reader: a message id and the values it names."""

    msgid: str
    params: dict[str, Value] = field(default_factory=dict)


@dataclass
class Header:
    plan_id: str
    plan_name: str
    plan_version: str  # the plan's own version label
    version_hash: str  # SHA-256 of the plan file the run used
    period: str
    period_start: dt.date | None
    period_end: dt.date | None
    currency: str
    run_id: int | None = None
    status: str = "not stored"  # draft | stale | approved | paid | replaced | not stored
    created_at: dt.datetime | None = None


@dataclass
class StatementLine:
    number: int
    component: str
    label: str
    kind: str
    amount: Decimal
    exact: Decimal
    rule: str
    formula: str
    sources: list[str]
    credit: Decimal | None
    tiers: list[TierPart]
    basis_before: Decimal | None
    basis_after: Decimal | None
    basis_kind: str | None  # ratio | money | number: how to show the running basis
    rate_kind: str  # ratio (a percentage) | number (an amount per unit of the basis)
    credit_kind: str | None  # money | number: what the credit's value is
    rounding: str
    date: dt.date | None
    note: str
    inputs: dict[str, str]
    words: Note | None = None
    described: list[str] = field(default_factory=list)  # sources as a reader knows them
    read: str = ""  # the formula with the plan's names in the reader's words, if it has any
    shown: str = ""  # the working in the reader's words (reader_formula); else `working`
    rounding_shown: str = ""  # the rounding in the reader's words (formula_words)
    # a tier table whose bounds read the payee (to: targets.meetings): the payee's bounds
    # this line was split at, 'targets.meetings = 20'
    bounds: str = ""

    @property
    def working(self) -> str:
        """The formula with its values, less the words a cap or floor line says apart."""
        formula = self.read or self.formula
        if self.kind in ("cap", "floor"):
            for sep in (" limited to ", " raised to "):
                if sep in formula:
                    return formula.split(sep, 1)[1]
        return formula


@dataclass
class Component:
    name: str
    label: str
    amount: Decimal
    carried: bool  # paid for an earlier period, or on top of the plan's earnings
    lines: list[int] = field(default_factory=list)


@dataclass
class Measure:
    name: str
    kind: str | None  # money | ratio | number | integer | boolean | text | date
    value: object  # exact where known (None: missing)
    label: str = ""  # in the reader's language where the plan gives it
    display: str | None = None  # percent | share | ratio | count | money | number (or kind)
    # the days a window in time reads (trailing(x, 12 months): 2025-04-01 to 2026-03-31),
    # when the measure is worked out over other days than the period's (issue 20)
    window: tuple[dt.date, dt.date] | None = None

    @property
    def shown_as(self) -> str | None:
        """How the value is written: a percentage, a plain figure, a count, money."""
        return {"percent": "ratio", "share": "ratio", "ratio": "number", "count": "number",
                "money": "money", "number": "number"}.get(self.display or "", self.kind)


@dataclass
class Gate:
    """A condition an earning is paid on, and whether it held for this payee."""

    component: str
    label: str
    condition: str
    verdict: str  # met | not met | unknown | per credit
    figures: list[tuple[str, str | None, object]] = field(default_factory=list)
    # the condition in words: (kind, value) parts (text | word | op | formula | a value
    # kind with its value), from the plan's when_label or its labels
    words: list[tuple[str, object]] = field(default_factory=list)
    applies: bool = True  # False: the condition is on who the payee is, and they are not
    about_who: bool = False  # the condition reads nothing but the payee's own attributes
    shown: list[tuple[str, str | None, object]] = field(default_factory=list)  # by label


@dataclass
class YearToDate:
    periods: list[tuple[str, int | None, str, Decimal]]  # period, run, status, total
    components: dict[str, Decimal]
    total: Decimal


@dataclass
class Statement:
    header: Header
    payee: str
    name: str
    locale: str
    currency: str
    components: list[Component]
    total: Decimal
    measures: list[Measure]
    lines: list[StatementLine]
    gates: list[Gate]
    ytd: YearToDate | None = None
    warnings: list[str] = field(default_factory=list)
    curve_svg: str | None = None  # the payee's own point on the plan's payout curve
    curve_note: Note | None = None
    curve: object | None = None  # the curve.Curve drawn, and the payee's dot on it
    curve_own: tuple | None = None
    problems: list[str] = field(default_factory=list)  # for admins (the index), not the page
    notices: list[Note] = field(default_factory=list)  # the warnings in the reader's words
    outside: set[str] = field(default_factory=set)  # pools and group figures not theirs

    @property
    def progress(self) -> list[Measure]:
        """Percentages of a target as progress bars, those named attainment first: a
        ratio displayed as such (2.55 lines per call) is a figure, not a bar."""
        bars = [m for m in self.measures if m.kind == RATIO and isinstance(m.value, Decimal)
                and m.display in (None, "percent")]
        return sorted(bars, key=lambda m: "attainment" not in m.name)

    @property
    def shown_gates(self) -> list[Gate]:
        """Conditions on the payee's results; one on who they are (a manager's
        earnings paid to managers) says nothing a reader needs, met or not."""
        return [g for g in self.gates if not g.about_who]

    @property
    def shown_components(self) -> list[Component]:
        """Components that apply to the payee: one whose condition is on who they are
        (a rep's commission, for a manager) is left off when it paid them nothing."""
        off = {g.component for g in self.gates if not g.applies} | self.outside
        return [c for c in self.components if not (c.name in off and not c.lines
                                                   and c.amount == 0)]

    @property
    def shown_measures(self) -> list[Measure]:
        """Figures the payee reads: a team's figure (group(booked, payee.team)) is left
        off the page of a payee in no team, where it is only "missing"; the auditor's
        section and the CSV/JSON keep every measure."""
        return [m for m in self.measures if m.name not in self.outside]

    def lines_of(self, component: str) -> list[StatementLine]:
        return [ln for ln in self.lines if ln.component == component]


CARRIED_LABELS = {
    "held": "Held back", "released": "Released from earlier holds",
    "adjustment": "Prior-period adjustments", "clawback": "Clawbacks", "draw": "Draw",
    "paid_earlier": "Paid earlier this year", "total_cap": "Total cap",
    "total_floor": "Total floor",
}

# What a line the store carries over says, in words (message ids: see locale.py)
LINE_WORDS = {
    "release": "Released: {amount} held back earlier is now due; {note}",
    "adjustment": "Adjustment for an earlier, paid period: {signed}; {note}",
    "clawback": "Clawback: {amount} taken back on a transaction paid earlier; {note}",
    "draw": "Draw: pay topped up by {amount} to the guaranteed draw; {note}",
    "recovery": "Draw recovered: {amount} taken from pay above the draw; {note}",
    "true-up": "Year to date: {amount} paid earlier this year is taken off; {note}",
}
LIMIT_WORDS = {"cap": "Cap reached: {component} limited to {limit} = {amount}",
               "floor": "Floor applied: {component} raised to {limit} = {amount}"}
VERDICTS = ("met", "not met", "unknown", "per credit")
STATUSES = ("draft", "stale", "approved", "paid", "replaced", "not stored")


def build(pr: PayeeResult, compiled: CompiledPlan, header: Header, locale: str,
          ytd: YearToDate | None = None, own_rows: dict[str, list[dict]] | None = None,
          extra_warnings: list[str] | None = None,
          source_rows: dict[str, dict] | None = None) -> Statement:
    """One payee's statement from their result and the plan that made it.

    `source_rows`: the data rows behind the lines' sources ('deals:A-101' -> its row),
    for inputs with `describe:`; a line then names the customer, not the row's id.
    A payee settled over a longer period than the run's (a monthly payee in the run of
    2026-03b, issue 20) is shown over their own period: the header's period and days,
    the days of their windows and the targets' row are the month's."""
    plan = compiled.plan
    own_period = settled_period(pr)
    if own_period is not None and own_period != header.period:
        p = parse_period(own_period)
        header = replace(header, period=own_period, period_start=p.start, period_end=p.end)
    labels = {e.name: text_of(e.spec.label, locale) or e.label for e in compiled.earnings}
    labels.update(CARRIED_LABELS)
    basis = _basis_kinds(compiled)
    credit_sets = {e.name: e.spec.each for e in compiled.earnings if e.spec.each}
    credit_kinds = {c.name: c.value.type.kind if c.value.type else None
                    for c in compiled.credits}
    lines = [_line(ln, labels, basis.get(ln.component, (None, "ratio")),
                   credit_sets.get(ln.component), credit_kinds, compiled, locale)
             for ln in pr.lines]
    _limit_words(lines, compiled, labels, locale)
    bound_names = payee_bound_names(compiled)
    for ln in lines:
        names = bound_names.get(ln.component, ())
        if ln.tiers and names:
            ln.bounds = ", ".join(f"{k} = {ln.inputs[k]}" for k in names if k in ln.inputs)
    order = list(pr.components) + [ln.component for ln in lines
                                   if ln.component not in pr.components]
    components, warnings = [], list(pr.warnings) + list(extra_warnings or [])
    for name in dict.fromkeys(order):
        own = [ln for ln in lines if ln.component == name]
        amount = pr.components.get(name, sum((ln.amount for ln in own), Decimal(0)))
        added = sum((ln.amount for ln in own), Decimal(0))
        if own and added != amount:
            warnings.append(f"the lines of {name} add up to {added}, the run says {amount}")
        components.append(Component(name, labels.get(name, name), amount,
                                    name in CARRIED_COMPONENTS, [ln.number for ln in own]))
    outside = _outside_groups(compiled, (own_rows or {}).get("payees") or [])
    measures = []
    for m in compiled.measures:
        if m.name not in pr.measures:
            continue
        kind = m.expr.type.kind if m.expr.type else None
        spec = plan.measures.get(m.name)
        measures.append(Measure(m.name, kind, _measure_value(pr, m.name, kind),
                                text_of(spec.label if spec else None, locale)
                                or words_of(m.name), display_of(spec, kind),
                                measure_window(compiled, m.expr.node, header.period)))
    for ln in lines:
        ln.described = [described(compiled, s, (source_rows or {}).get(s), locale)
                        for s in ln.sources]
    for ln in lines:
        ln.shown = reader_formula(compiled, ln.working, locale)
        if ln.rounding:  # the page's words; CSV and JSON keep the engine's
            ln.rounding_shown = formula_words(compiled, ln.rounding, locale)
    gates = _gates(compiled, pr, measures, own_rows or {}, header.period, locale)
    st = Statement(header, pr.payee, pr.name, locale, pr.currency or plan.currency,
                   components, pr.total, measures, lines, gates, ytd, warnings)
    st.notices = notices(warnings, labels)
    st.outside = outside
    return st


def _outside_groups(compiled: CompiledPlan, payee_rows: list[dict]) -> set[str]:
    """The pools and group() measures that are not the payee's because their row leaves
    the group's column empty (`missing: null`: a manager in no team). A statement lists
    neither: no "Team pool 0.00", no "Team booked: missing"; the run already warned
    where the pool's members would have taken them (engine/groups.py)."""
    row = payee_rows[0] if payee_rows else None
    if row is None:
        return set()

    def empty(col: str) -> bool:
        v = row.get(col)
        return v is None or (isinstance(v, str) and not v.strip())
    out = {e.name for e in compiled.earnings
           if e.spec.pool is not None and empty(e.spec.pool.by)}
    for m in compiled.measures:
        node = m.expr.node
        if isinstance(node, ast.Call) and node.name == "group" and len(node.args) == 2 \
                and isinstance(node.args[1], ast.Ref) \
                and node.args[1].parts[0] == "payee" and empty(node.args[1].parts[-1]):
            out.add(m.name)
    return out


UNKNOWN_NOTE = "{component}: not paid this period, since a figure its condition needs is " \
    "missing"
CHECK_NOTE = "A figure behind your pay is missing or unusual; the section for auditors " \
    "below says which. Your comp team has been told."


def notices(warnings: list[str], labels: dict[str, str]) -> list[Note]:
    """The run's warnings as a rep reads them: the engine's own text names the plan's
    parts and data (`kpis.csat is empty for 2026-Q1`), so the page says in the reader's
    words which component was not paid for want of a figure, or that a figure needs
    checking; the engine's text goes to the auditor's section."""
    out, general = [], False
    for w in warnings:
        name, sep, rest = w.partition(": ")
        if sep and name in labels and rest.startswith("condition unknown"):
            note = Note(UNKNOWN_NOTE, {"component": ("text", labels[name])})
            if all(n.params != note.params for n in out):
                out.append(note)
        else:
            general = True
    return out + ([Note(CHECK_NOTE)] if general else [])


def reader_formula(compiled: CompiledPlan, text: str, locale: str) -> str:
    """A line's working with the plan's names said by their labels: a lookup's
    `segment_rates["enterprise"]` reads 'Rate by segment: enterprise', and
    `team commission 19,800.00` 'team: Rep commission 19,800.00' (in the reader's
    language where the plan labels them). Names without a label stay as they are."""
    rates, rate_re, earnings, earning_re, team, measures, measure_re = \
        _reader_parts(compiled, locale)
    if rates:
        def lookup(m: re.Match) -> str:
            keys = ", ".join(k.strip().strip('"') for k in m.group(2).split(","))
            return f"{rates[m.group(1)]}: {keys}"
        text = rate_re.sub(lookup, text)
    if earnings and "team " in text:
        text = earning_re.sub(lambda m: f"{team}: {earnings[m.group(1)]}", text)
    # a measure the working names as a figure (a pool's share: 'booked 140,000.00 /
    # 210,000.00'; a group's sum: 'group booked of team north') by its label
    if measures:
        text = measure_re.sub(lambda m: measures[m.group(1)], text)
    return formula_words(compiled, text, locale)


# (id(compiled), locale) -> (compiled, parts): reader_formula's labels and patterns, made
# once a plan and locale rather than once a line (they were about a quarter of a
# statement's CPU); the plan itself is kept so an id reused by another plan never matches
_READER_PARTS: dict[tuple[int, str], tuple[CompiledPlan, tuple]] = {}


def _reader_parts(compiled: CompiledPlan, locale: str) -> tuple:
    """The labelled rates, earnings and measures of a plan in `locale`, with the
    patterns that find their names in a working."""
    hit = _READER_PARTS.get((id(compiled), locale))
    if hit is not None and hit[0] is compiled:
        return hit[1]
    plan = compiled.plan

    def pattern(names: dict, template: str):
        if not names:
            return None
        alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(template.replace("NAMES", alts))
    rates = {n: text_of(r.label, locale) for n, r in plan.rates.items() if r.label}
    earnings = {n: text_of(e.label, locale) for n, e in plan.earnings.items() if e.label}
    measures = {n: text_of(m.label, locale) for n, m in plan.measures.items()
                if getattr(m, "label", None)}
    team = messages(locale.split("_")[0]).get("team", "team")
    parts = (rates, pattern(rates, r"(?<![\w.])(NAMES)\[([^\]]*)\]"),
             earnings, pattern(earnings, r"\bteam (NAMES)\b"), team,
             measures, pattern(measures, r"(?<![\w.])(NAMES)(?![\w.(\[=])"))
    if len(_READER_PARTS) > 64:
        _READER_PARTS.clear()
    _READER_PARTS[(id(compiled), locale)] = (compiled, parts)
    return parts


# The words the engine puts between the figures of a curve's reading and a pool's share
# (engine/curves.py Curve.text, engine/groups.py), each a message in the catalogs: the
# pattern of the engine's English and the message its parts fill, in order of the names.
FORMULA_WORDS = [
    (re.compile(r" at (-?[\d.,]+%?): "), "at {x}:", ("x",)),
    (re.compile(r"(?<=: )point (-?[\d.,]+%?)"), "point {y}", ("y",)),
    (re.compile(r"below the first point (-?[\d.,]+%?)"), "below the first point {x}", ("x",)),
    (re.compile(r"above the last point (-?[\d.,]+%?)"), "above the last point {x}", ("x",)),
    (re.compile(r"\bpool shared by largest remainder: down to ([-\d.,]+)"),
     "pool shared by largest remainder: down to {step}", ("step",)),
    (re.compile(r"\bpool of (\w+) ([^:]+):"), "pool of {by} {key}:", ("by", "key")),
    (re.compile(r"\bgroup (.+?) of (\w+) (\S+)"), "group {measure} of {by} {key}",
     ("measure", "by", "key")),
    (re.compile(r"\(shared by ([^:()]*): (\d+) of (\d+) members\)"),
     "(shared by {names}: {n} of {m} members)", ("names", "n", "m")),
    (re.compile(r"\(down to ([-\d.,]+)\)"), "(down to {step})", ("step",)),
    (re.compile(r"\(largest remainder\)"), "(largest remainder)", ()),
]


def formula_words(compiled: CompiledPlan, text: str, locale: str) -> str:
    """A curve's reading ('at 80%: point 80%') and a pool's share ('pool of team north:
    ... (shared by ana, bo: 2 of 3 members)') in the reader's language; the payees
    column a group is formed by ('team') by its label, or the catalog's word for it."""
    language = locale.split("_")[0]
    if language == "en" or not text:
        return text
    catalog = messages(language)
    payees = compiled.plan.inputs.get("payees")
    column_labels = getattr(payees, "labels", None) or {}

    def column(name: str) -> str:
        return text_of(column_labels.get(name), locale) or catalog.get(name, name)
    for pattern, msgid, names in FORMULA_WORDS:
        if msgid not in catalog:
            continue

        def one(m: re.Match, msgid=msgid, names=names) -> str:
            values = dict(zip(names, m.groups()))
            if "by" in values:
                values["by"] = column(values["by"])
            said = catalog[msgid].format(**values)
            # the pattern's own spaces around what it matched are kept
            return said if msgid != "at {x}:" else f" {said} "
        text = pattern.sub(one, text)
    return text



def _line(ln: Line, labels, basis, credit_set, credit_kinds, compiled,
          locale: str = "en") -> StatementLine:
    inputs = {k: "" if v is None else str(v) for k, v in ln.inputs.items()}
    credit = _decimal(inputs.get(f"{credit_set}.value")) if credit_set else None
    date = ln.date if isinstance(ln.date, dt.date) else _date(ln.date)
    out = StatementLine(ln.number, ln.component, labels.get(ln.component, ln.component),
                        ln.kind, ln.amount, ln.exact, ln.rule, ln.formula, list(ln.sources),
                        credit, list(ln.tiers), ln.basis_before, ln.basis_after, basis[0],
                        basis[1], credit_kinds.get(credit_set), ln.rounding, date, ln.note,
                        inputs)
    out.words = _words(out, compiled, labels, locale)
    out.read = _curves_by_label(ln.formula, compiled, locale)
    return out


def _curves_by_label(formula: str, compiled: CompiledPlan, locale: str) -> str:
    """A curve's reading names the curve ('75% (kpi_curve at 90%: ...)'); a rep reads
    its label instead (the auditor's section keeps the name). '' when none is read."""
    out = formula
    for name in compiled.curves:
        if f"({name} at " in out:
            spec = compiled.plan.rates[name]
            words = text_of(spec.label, locale) or words_of(name)
            out = out.replace(f"({name} at ", f"({words} at ")
    return "" if out == formula else out


def _words(ln: StatementLine, compiled: CompiledPlan, labels: dict[str, str],
           locale: str) -> Note | None:
    """Carried and limiting lines in words (caps and floors are filled in later)."""
    amount = ("money", abs(ln.amount))
    note = ("text", ln.note)
    if ln.kind == "hold":
        e = next((e for e in compiled.earnings if e.name == ln.inputs.get("earning")), None)
        hold = e.spec.hold if e is not None else None
        what = ("text", labels.get(ln.inputs.get("earning", ""), ""))
        if hold is not None and hold.until:
            until = ("words", condition_words(compiled, e.hold_until, locale)) \
                if e.hold_until is not None else ("text", hold.until)
            return Note("Held back: {amount} of {earning}, paid when {until}",
                        {"amount": amount, "earning": what, "until": until})
        if hold is not None and hold.periods:
            return Note("Held back: {amount} of {earning}, paid after {periods} periods",
                        {"amount": amount, "earning": what,
                         "periods": ("number", hold.periods)})
        return Note("Held back: {amount}", {"amount": amount})
    if ln.kind in LINE_WORDS:
        return Note(LINE_WORDS[ln.kind], {"amount": amount, "signed": ("money", ln.amount),
                                      "note": note})
    return None


def labels_of(compiled: CompiledPlan) -> dict[str, str]:
    return {e.name: e.label for e in compiled.earnings}


def text_of(label, locale: str | None) -> str | None:
    """A plan's label in the reader's language (or its one text, or English)."""
    if label is None:
        return None
    return label.text_for(locale) if isinstance(label, Label) else str(label)


def words_of(name: str) -> str:
    """A name with no label, as words: new_outlet_attainment -> New outlet attainment."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def display_of(spec, kind: str | None) -> str | None:
    """A measure's display kind: as the plan says, else by its type."""
    if spec is not None and spec.display:
        return spec.display
    return {RATIO: "percent", MONEY: "money", INTEGER: "count"}.get(kind or "", None)


def described(compiled: CompiledPlan, source: str, row: dict | None, locale: str) -> str:
    """'deals:A-101' as a reader knows it: 'Deal Acme Corp' where the input has
    `describe: [customer]` (and a label), else the input and the row's id."""
    name, _, key = source.partition(":")
    inp = compiled.plan.inputs.get(name)
    if inp is None:
        return source.replace(":", " ")
    what = text_of(inp.label, locale) or name
    if row is not None and inp.describe:
        parts = [str(row.get(c)) for c in inp.describe if row.get(c) not in (None, "")]
        if parts:
            return f"{what}: {', '.join(parts)}"
    return f"{what} {key}"


def _limit_words(lines: list[StatementLine], compiled: CompiledPlan,
                 labels: dict[str, str] | None = None, locale: str = "en") -> None:
    """Caps and floors: "Cap reached: commission limited to 250% of target incentive =
    50,000.00", with the limit in words (labels for names) and the amount it came to."""
    exprs = {}
    for e in compiled.earnings:
        for kind in ("cap", "floor"):
            expr = getattr(e, kind)
            if expr is not None:
                exprs[str(expr.pos)] = ((labels or {}).get(e.name, e.label),
                                        condition_words(compiled, expr, locale))
    for kind, expr in compiled.total:
        exprs[str(expr.pos)] = ("total pay", condition_words(compiled, expr, locale))
    running: dict[str, Decimal] = {}
    total = Decimal(0)
    for ln in lines:
        running[ln.component] = running.get(ln.component, Decimal(0)) + ln.amount
        total += ln.amount
        if ln.kind not in ("cap", "floor"):
            continue
        label, text = exprs.get(ln.rule, (ln.label, []))
        reached = total if ln.component.startswith("total_") else running[ln.component]
        ln.words = Note(LIMIT_WORDS[ln.kind], {"component": ("text", label),
                                "limit": ("words", text),
                                "amount": ("money", reached)})


def payee_bound_names(compiled: CompiledPlan) -> dict[str, list[str]]:
    """Per earning paid by a tier table whose bounds read the payee: the names its
    bounds read (targets.meetings), which its lines carry among their inputs."""
    checked, out = compiled.checked, {}
    for e in compiled.earnings:
        for node in ast.walk(e.value.node):
            if not (isinstance(node, ast.Call) and node.name in ("tiered", "rate")
                    and node.args and isinstance(node.args[0], ast.Ref)):
                continue
            table = compiled.tier_tables.get(node.args[0].dotted)
            if table is None or not table.per_payee:
                continue
            for i in range(len(table.bands)):
                for key in ("from", "to", "rate"):
                    bound = checked.expr("rates", table.name, "tiers", i, key)
                    for n in ast.walk(bound) if bound is not None else ():
                        res = checked.resolved.get(n) if isinstance(n, ast.Ref) else None
                        if res is not None and res.kind in ("payee", "payee_table") and \
                                n.dotted not in out.setdefault(e.name, []):
                            out[e.name].append(n.dotted)
    return out


def _basis_kinds(compiled: CompiledPlan) -> dict[str, tuple[str | None, str]]:
    """Per earning: the kind of its tier table's basis (how a line's running basis is
    shown) and of its rates (percentages, or amounts per unit of the basis)."""
    checked = compiled.checked
    kinds = {}
    for e in compiled.earnings:
        for node in ast.walk(e.value.node):
            if isinstance(node, ast.Call) and node.name in ("tiered", "rate") and node.args \
                    and isinstance(node.args[0], ast.Ref):
                table = node.args[0].dotted
                basis = checked.exprs.get(("rates", table, "basis"))
                t = checked.types.get(basis) if basis is not None else None
                tt = compiled.tier_tables.get(table)
                kinds[e.name] = (t.kind if t is not None else None,
                                 "number" if tt is not None and tt.per_unit else "ratio")
                break
    return kinds


def measure_window(compiled: CompiledPlan, node, period: str):
    """The days a measure reads when it is a window in time, or one window's arithmetic
    (trailing(sum(sales), 3 months) / 3): (first, last); None for the period's own."""
    found = windows_in([node])
    if len(found) != 1:
        return None
    s = window_span(next(iter(found.values())), parse_period(period), compiled.plan.period)
    return s.start, s.end


def _measure_value(pr: PayeeResult, name: str, kind: str | None):
    exact = getattr(pr, "measure_values", {}).get(name)
    if exact is not None:
        return exact
    return parse_shown(pr.measures.get(name), kind)


def parse_shown(text: str | None, kind: str | None):
    """A measure as the engine showed it ('112.5%', '225,000.00') back to its value."""
    if text is None or text == "missing":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text.startswith('"'):
        return text.strip('"')
    if kind == "date":
        return _date(text)
    raw = text.replace(",", "")
    try:
        if raw.endswith("%"):
            return Decimal(raw[:-1]) / 100
        return Decimal(raw)
    except InvalidOperation:
        return text


def _gates(compiled: CompiledPlan, pr: PayeeResult, measures: list[Measure],
           own_rows: dict[str, list[dict]], period: str, locale: str = "en") -> list[Gate]:
    checked = compiled.checked
    by_name = {m.name: m for m in measures}
    payee_row = (own_rows.get("payees") or [{}])[0]
    out = []
    for e in compiled.earnings:
        if e.when is None:
            continue
        figures, row_level, who = [], False, True
        named: dict[str, tuple[str, str | None]] = {}  # figure -> its label, how shown
        for ref in dict.fromkeys(ast.refs(e.when.node)):
            res = checked.resolved.get(ref)
            if res is None:
                continue
            if res.kind == "column":
                row_level = True
                continue
            who = who and res.kind in ("payee", "param")
            if res.kind == "measure" and res.name in by_name:
                m = by_name[res.name]
                figures.append((ref.dotted, m.kind, m.value))
                named[ref.dotted] = (m.label, m.shown_as)
                continue
            if res.kind in ("payee", "payee_table"):
                named[ref.dotted] = (column_label(compiled, res, locale)
                                     or words_of(res.column or res.name), None)
            t = checked.types.get(ref) or res.type
            kind = t.kind if t else None
            if res.kind == "param":
                figures.append((ref.dotted, kind, compiled.params.get(res.name)))
            elif res.kind == "payee_table":
                row = _period_row(own_rows.get(res.name, []), compiled, res.name, period)
                if row is not None:
                    figures.append((ref.dotted, kind, row.get(res.column)))
            elif res.kind == "payee" and payee_row:
                figures.append((ref.dotted, kind, payee_row.get(res.column)))
        figures = list({f[0]: f for f in figures}.values())
        if e.spec.each and row_level and not any(f for f in figures):
            continue  # a filter on each credit's own columns, not a gate on the payee
        paid = any(ln.component == e.name and ln.kind in ("credit", "bonus")
                   for ln in pr.lines)
        if paid:
            verdict = "met"
        elif any(w.startswith(f"{e.name}: condition unknown") for w in pr.warnings):
            verdict = "unknown"
        else:  # a condition on each credit's own columns may have held for none
            verdict = "per credit" if e.spec.each and row_level else "not met"
        words = text_of(e.spec.when_label, locale)
        gate = Gate(e.name, text_of(e.spec.label, locale) or e.label, e.when.text, verdict,
                    figures, [("text", words)] if words else
                    condition_words(compiled, e.when, locale))
        # a condition on who the payee is alone (payee.role == "rep"), not met: the
        # earning is not theirs, and a statement does not list it as missed
        gate.about_who = who and any(f[0].startswith("payee.") for f in figures)
        gate.applies = not (gate.about_who and verdict in ("not met", "per credit"))
        gate.shown = [(named[n][0], named[n][1] or kind, v) for n, kind, v in figures
                      if n in named]
        out.append(gate)
    return out


CONDITION_WORDS = ("and", "or", "not", "of")  # what a condition in words says as words
_OPS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}


def condition_words(compiled: CompiledPlan, expr, locale: str) -> list:
    """A condition as words: each name by its label (a param by its value), operators
    as signs, `and`/`or`/`not` as words: `coverage >= kpi_gate` -> Coverage ≥ 80%."""
    checked, plan = compiled.checked, compiled.plan
    text = expr.text
    out: list[tuple[str, object]] = []
    names = {r.dotted: r for r in ast.refs(expr.node)}
    for m in re.finditer(r'"[^"]*"|[A-Za-z_][\w.]*|>=|<=|==|!=|[<>]|[^\sA-Za-z_"<>=!]+|\S',
                         text):
        tok = m.group(0)
        ref = names.get(tok)
        res = checked.resolved.get(ref) if ref is not None else None
        if tok in CONDITION_WORDS:
            out.append(("word", tok))
        elif tok == "*" and out and str(out[-1][1]).endswith("%"):
            out.append(("word", "of"))  # 250% * payee.target_incentive: 250% of it
        elif tok in _OPS:
            out.append(("op", _OPS[tok]))
        elif res is not None and res.kind == "param" and tok in compiled.params:
            t = checked.types.get(ref) or res.type
            out.append((t.kind if t else "number", compiled.params[tok]))
        elif res is not None and res.kind == "measure":
            spec = plan.measures.get(res.name)
            out.append(("text", text_of(spec.label if spec else None, locale)
                        or words_of(res.name)))
        elif res is not None and res.column:
            label = column_label(compiled, res, locale)
            out.append(("text", label or words_of(res.column)))
        elif tok.startswith('"'):
            out.append(("text", tok))
        else:
            out.append(("formula", tok))
    return out


def column_label(compiled: CompiledPlan, res, locale: str) -> str | None:
    """The label of the column a name reads (payee.region, quotas.amount, a credit's
    source column), in the reader's language."""
    plan = compiled.plan
    table = "payees" if res.kind == "payee" else res.name
    if table in plan.credits:
        table = plan.credits[table].from_
    inp = plan.inputs.get(table)
    return text_of(inp.labels.get(res.column), locale) if inp is not None else None


def _period_row(rows: list[dict], compiled: CompiledPlan, table: str, period: str):
    inp = compiled.plan.inputs.get(table)
    if inp is not None and inp.period:
        for r in rows:
            if str(r.get(inp.period)) == period:
                return r
    return rows[0] if rows else None


def _decimal(text) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
