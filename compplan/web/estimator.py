"""The estimator from the plan (issue 15): what would a deal earn, and why.

Its fields are the columns of the transaction table the plan's rules read (a field the
rules never read cannot change the answer, so it is not asked), each with the values
seen in the data (or the values the plan allows) to choose from, matched without regard
to case ("Services" is the data's "services"); amounts are read as the payee writes
them (`$20,000`, `20.000,00` in pl).

The answer is the engine's own (`LiveRun.what_if` on a copy of the payee's credits),
told in words: what the deal earns, which tier it lands in, which gate it opens or
misses, and the cap it hits. Nothing is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.tables import table_for
from ..lang import ast
from ..render.html import phrase
from ..render.locale import Fmt
from ..render.statement import condition_words, text_of, words_of
from . import gates
from .figures import headline
from .live import LivePlan, Portal, rejection
from .words import NotAnAmount, fmt_for, parse_money

MAX_CHOICES = 40  # more values than this: typed, with the seen ones suggested
MAX_DEALS = 9  # a pipeline's deals at most (each share is one more what-if)
NUMERIC = ("money", "number", "integer", "ratio", "percent")
WHAT_IF = "what-if"


@dataclass
class Field:
    name: str  # the column as the file names it (the form's field name)
    column: str  # as the plan names it
    label: str
    kind: str  # money | number | integer | text | boolean | date ...
    choices: list[str]  # values to pick from (text columns); empty: typed
    value: str = ""
    listed: bool = False  # True: a <select>; False with choices: suggestions only


def credited_inputs(lp: LivePlan) -> list[str]:
    """Transaction tables a credit rule reads (a deal earns through a credit), the
    others after them: the field plan's estimator is about an order line, not a visit."""
    names = lp.transaction_inputs()
    credited = [s.spec.from_ for s in lp.compiled.credits]
    return sorted(names, key=lambda n: (n not in credited, names.index(n)))


def read_columns(lp: LivePlan, input_name: str) -> list[str]:
    """The input's columns the rules read: by name in a credit rule or an earning paid
    per credit, or as `table.column` anywhere; the money column always (the amount)."""
    compiled = lp.compiled
    inp = compiled.plan.inputs[input_name]
    sets = {input_name} | {s.name for s in compiled.credits if s.spec.from_ == input_name}
    read = set()
    for res in compiled.checked.resolved.values():
        if res.kind in ("column", "set_column") and res.name in sets and res.column:
            read.add(res.column)
    own = (inp.key, inp.payee, inp.date, inp.period, inp.currency)
    return [c for c, kind in inp.columns.items() if c not in own
            and (c in read or str(kind) == "money")]


def choices(lp: LivePlan, input_name: str, column: str) -> list[str]:
    """The values a text column may take: the plan's list, else the distinct values in
    the open period's data, most common first. Counted once per loaded period, then
    only the rows each ingested batch adds (a table's rows only grow in a live period):
    a product first sold in a later batch is offered as soon as it is taken."""
    inp = lp.compiled.plan.inputs[input_name]
    allowed = inp.allowed_values.get(column)
    if allowed:
        return list(allowed)
    key = (input_name, column)
    table = lp.run.tables.get(input_name)
    rows = table.rows if table is not None else []
    counted, counts, got = lp.estimator_choices.get(key) or (0, {}, [])
    if counted < len(rows):
        with lp.once_lock:  # one page counts; the others wait and read its count
            counted, counts, got = lp.estimator_choices.get(key) or (0, {}, [])
            n = len(rows)
            if counted < n:
                counts = dict(counts)  # a copy: a page reading the old one is not upset
                for row in rows[counted:n]:
                    v = row.get(column)
                    if v is not None and v != "":
                        counts[str(v)] = counts.get(str(v), 0) + 1
                got = [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
                lp.estimator_choices[key] = (n, counts, got)
    return got


def warm(lp: LivePlan) -> None:
    """Count every estimator field's choices now (a portal's start), so that the first
    pages do not: at 1M deals a count is a pass over every deal."""
    for name in credited_inputs(lp):
        inp = lp.compiled.plan.inputs[name]
        for col in read_columns(lp, name):
            if str(inp.columns[col]) not in NUMERIC:
                choices(lp, name, col)


def fields(lp: LivePlan, pid: str, input_name: str, f: Fmt,
           values: dict[str, str] | None = None) -> list[Field]:
    inp = lp.compiled.plan.inputs[input_name]
    out = []
    for col in read_columns(lp, input_name):
        kind = str(inp.columns[col])
        name = inp.rename.get(col, col)
        label = text_of(inp.labels.get(col), f.locale.language) or words_of(col)
        seen = [] if kind in NUMERIC else choices(lp, input_name, col)
        value = (values or {}).get(name)
        if value is None:
            value = seen[0] if seen and kind != "date" else ""
        out.append(Field(name, col, label, kind, seen[:MAX_CHOICES] if kind != "date" else [],
                         value, listed=0 < len(seen) <= MAX_CHOICES and kind == "text"))
    return out


@dataclass
class Answer:
    """What a hypothetical transaction would do, in words and figures."""

    earns: Decimal | None = None
    earns_shown: str = ""
    sentences: list[str] = field(default_factory=list)  # headline first
    components: list[tuple[str, str]] = field(default_factory=list)  # label, +change
    capped: bool = False
    problems: list[dict] = field(default_factory=list)  # the fields refused, with why
    notes: list[str] = field(default_factory=list)  # e.g. a value never seen before
    # a pipeline of several deals: each as (label, amount, what it adds in turn)
    deals: list[tuple[str, str, str]] = field(default_factory=list)


def normalise(lp: LivePlan, input_name: str, flds: list[Field], f: Fmt) -> tuple[
        dict[str, str], list[dict], list[str]]:
    """The record's values as the engine reads them: amounts in plain digits, texts as
    the data writes them (case aside). Returns (values, problems, notes)."""
    values, problems, notes = {}, [], []
    for fl in flds:
        text = (fl.value or "").strip()
        if fl.kind in NUMERIC:
            if not text:
                if fl.kind == "money":
                    problems.append({"column": fl.name, "reason": f._(
                        "write the {label} to estimate", label=fl.label)})
                continue
            try:
                values[fl.name] = format(parse_money(text, f), "f")
            except NotAnAmount:
                problems.append({"column": fl.name, "reason": f._(
                    "'{text}' is not an amount; write it as {example}", text=text[:40],
                    example=f.amount(Decimal("20000")))})
            continue
        if fl.kind == "text" and text:
            seen = fl.choices or choices(lp, input_name, fl.column)
            match = next((v for v in seen if v.casefold() == text.casefold()), None)
            if match is None and seen:
                notes.append(f._("{label} '{text}' is not a value the data has (it has: {seen})",
                                 label=fl.label, text=text[:40], seen=", ".join(seen[:8])))
            text = match or text
        values[fl.name] = text
    return values, problems, notes


def _unread(lp: LivePlan, pid: str, input_name: str) -> dict[str, str]:
    """Columns no rule reads, which the data must still fill (an order line's sku):
    as in the payee's latest row of the table (else the table's last row). They cannot
    change the answer, since no rule reads them."""
    from .whatif import own_rows
    inp = lp.compiled.plan.inputs[input_name]
    read = set(read_columns(lp, input_name))
    mine = own_rows(lp, pid, input_name)
    table = lp.run.tables.get(input_name)
    latest = mine[-1] if mine else (table.rows[-1] if table is not None and table.rows
                                    else None)
    if latest is None:
        return {}
    return {inp.rename.get(c, c): str(latest.get(c)) for c in inp.columns
            if c not in read and latest.get(c) is not None}


def _tier_names(lp: LivePlan, component: str) -> str | None:
    """The tier table an earning pays by (its value names it), if one."""
    for e in lp.compiled.earnings:
        if e.name == component:
            for name in lp.compiled.tier_tables:
                if name in e.value.text:
                    return name
    return None


def _band_words(lp: LivePlan, table: str, tier: int, f: Fmt, result=None) -> str:
    """A tier in words, with its bounds (a table whose bounds read the payee: the
    payee's, from their result)."""
    t = table_for(lp.compiled, table, result) or lp.compiled.tier_tables[table]
    band = next((b for b in t.bands if b.index == tier), None)
    if band is None:
        return f._("below the first tier")
    spec = lp.compiled.plan.rates.get(table)
    basis = str(spec.basis) if spec is not None and spec.basis is not None else ""
    mtype = next((m.expr.type for m in lp.compiled.measures if m.name == basis), None)
    show = f.percent if mtype is not None and mtype.kind == "ratio" else f.amount
    rate = f.amount(band.rate) + " " + f._("per unit") if t.per_unit \
        else f.percent(band.rate)
    if band.low is not None and band.high is not None:
        span = f._("{low} to {high}", low=show(band.low), high=show(band.high))
    elif band.high is not None:
        span = f._("up to {high}", high=show(band.high))
    elif band.low is not None:
        span = f._("above {low}", low=show(band.low))
    else:
        span = ""
    return f._("tier {n} ({rate}, {span})", n=tier, rate=rate, span=span)


def _record(portal: Portal, lp: LivePlan, pid: str, input_name: str,
            values: dict[str, str], key: str) -> dict:
    """A hypothetical row as the file writes it: the payee's, dated today."""
    inp = lp.compiled.plan.inputs[input_name]
    record = {c: "" for c in lp.columns(input_name)}
    record.update(_unread(lp, pid, input_name))
    record.update({k: v for k, v in values.items() if k in record})
    record[inp.rename.get(inp.key, inp.key)] = key
    record[inp.rename.get(inp.payee, inp.payee)] = pid
    if inp.date:
        record[inp.rename.get(inp.date, inp.date)] = portal.today(lp).isoformat()
    if inp.period:
        record[inp.rename.get(inp.period, inp.period)] = lp.period.label
    return record


def answer(portal: Portal, lp: LivePlan, pid: str, input_name: str,
           flds: list[Field] | list[list[Field]]) -> Answer:
    """What one deal, or a pipeline of several (a list of field lists, MAX_DEALS at
    most), would earn. Several deals are paid together, as the period would pay them:
    the tiers and the cap apply to their running total; each deal's share is what it
    adds after the ones listed before it (the shares add up to the whole)."""
    deals = flds if flds and isinstance(flds[0], list) else [flds]
    f = fmt_for(lp, pid)
    records, amounts, notes = [], [], []
    several = len(deals) > 1
    for i, one in enumerate(deals[:MAX_DEALS]):
        values, problems, said = normalise(lp, input_name, one, f)
        if problems:
            if several:
                for p in problems:
                    p["reason"] = f._("Deal {n}", n=i + 1) + ": " + p["reason"]
            return Answer(problems=problems)
        notes += [n for n in said if n not in notes]
        key = f"{WHAT_IF}-{i + 1}" if several else WHAT_IF
        records.append(_record(portal, lp, pid, input_name, values, key))
        money = next((fl for fl in one if fl.kind == "money"), None)
        amounts.append(Decimal(values[money.name]) if money and money.name in values
                       else None)
    inp = lp.compiled.plan.inputs[input_name]
    got = lp.run.what_if(input_name, records)
    if got.rejected:
        return Answer(problems=[rejection(p) for p in got.rejected])
    before = lp.run.payee(pid)
    after = got.after.get(pid, before)
    zero = Decimal(0)
    earns = (after.total if after else zero) - (before.total if before else zero)
    out = Answer(earns=earns, earns_shown=f.money(earns), notes=notes)
    amount = f.money(amounts[0]) if amounts[0] is not None else ""
    row_word = text_of(inp.label, f.locale.language) or words_of(input_name.rstrip("s"))
    if pid not in got.after:
        out.sentences.append(f._(
            "A {amount} {what} earns you nothing: the plan does not credit it to you.",
            amount=amount, what=row_word.lower()) if not several else f._(
            "These {n} deals earn you nothing: the plan does not credit them to you.",
            n=len(records)))
        return out
    if several:
        out.deals = _shares(lp, input_name, pid, records, amounts, before, after, f)
        out.sentences.append(f._(
            "These {n} deals, {amount} in all, on {day} earn {earns} together.",
            n=len(records), amount=f.money(sum((a for a in amounts if a), zero)),
            day=f.date(portal.today(lp)), earns=f.money(earns)))
    else:
        out.sentences.append(f._("A {amount} {what} on {day} earns {earns}.",
                                 amount=amount, what=row_word.lower(),
                                 day=f.date(portal.today(lp)), earns=f.money(earns)))
    labels = {e.name: text_of(e.spec.label, f.locale.language) or e.label
              for e in lp.compiled.earnings}
    head = headline(lp)
    if head is not None and before is not None:
        spec = lp.compiled.plan.measures.get(head)
        was, now = before.measure_values.get(head), after.measure_values.get(head)
        if was is not None and now is not None and was != now:
            out.sentences.append(f._("{measure} goes from {before} to {after}.",
                                     measure=text_of(spec.label if spec else None,
                                                     f.locale.language) or words_of(head),
                                     before=f.percent(was, 1), after=f.percent(now, 1)))
    for k, v in after.components.items():
        change = v - (before.components.get(k, zero) if before else zero)
        if change:
            out.components.append((labels.get(k, k), ("+" if change > 0 else "")
                                   + f.money(change)))
    # the tier the deal lands in: its own line's split
    keys = [r[inp.rename.get(inp.key, inp.key)] for r in records]
    for ln in after.lines:
        deal = next((i for i, k in enumerate(keys) for s in ln.sources
                     if s.endswith(":" + k)), None)
        if deal is None or not ln.tiers:
            continue
        table = _tier_names(lp, ln.component)
        if table is None:
            continue
        parts = [_band_words(lp, table, t.tier, f, after) for t in ln.tiers if t.amount]
        if len(parts) == 1:
            out.sentences.append(f._("Deal {n} lands in {tier}.", n=deal + 1, tier=parts[0])
                                 if several else f._("It lands in {tier}.", tier=parts[0]))
        elif parts:
            tiers = ", ".join(parts[:-1]) + " " + f._("and") + " " + parts[-1]
            out.sentences.append(f._(
                "Deal {n} spans {tiers}: each part is paid at its tier's rate.",
                n=deal + 1, tiers=tiers) if several else f._(
                "It spans {tiers}: each part is paid at its tier's rate.", tiers=tiers))
    # the cap it hits
    for comp in after.components:
        cap_after = sum((ln.amount for ln in after.lines if ln.component == comp
                         and ln.kind == "cap"), zero)
        cap_before = sum((ln.amount for ln in (before.lines if before else ())
                          if ln.component == comp and ln.kind == "cap"), zero)
        if cap_after < cap_before or (cap_after and not cap_before):
            out.capped = True
            lost = cap_before - cap_after
            said = dict(component=labels.get(comp, comp),
                        limit=f.money(after.components[comp]), lost=f.money(lost))
            out.sentences.append(f._(
                "Together they hit the cap on {component}: {component} stops at {limit}, "
                "so {lost} of what they would pay is not paid.", **said) if several else f._(
                "It hits the cap on {component}: {component} stops at {limit}, so {lost} of "
                "what it would pay is not paid.", **said))
    # the gates it opens or misses
    for e in lp.compiled.earnings:
        if e.when is None or e.spec.each:
            continue
        if not _moves(lp, e, before, after):
            continue
        paid_before = bool(before and before.components.get(e.name))
        paid_after = bool(after.components.get(e.name))
        words = text_of(e.spec.when_label, f.locale.language) or phrase(
            condition_words(lp.compiled, e.when, f.locale.language), f)
        label = labels.get(e.name, e.name)
        if paid_after and not paid_before:
            out.sentences.append(f._("Together they open {earning}: {condition} now holds.",
                                     earning=label, condition=words) if several else f._(
                "It opens {earning}: {condition} now holds.", earning=label,
                condition=words))
        elif not paid_after:
            failing = gates.failing_words(lp, pid, e.when.node, after, f)
            if failing:
                out.sentences.append(f._(
                    "Together they do not open {earning}: {failing}.", earning=label,
                    failing=failing) if several else f._(
                    "It does not open {earning}: {failing}.", earning=label,
                    failing=failing))
            else:
                out.sentences.append(f._(
                    "Together they do not open {earning}: {condition} still does not hold.",
                    earning=label, condition=words) if several else f._(
                    "It does not open {earning}: {condition} still does not hold.",
                    earning=label, condition=words))
    return out


def _shares(lp: LivePlan, input_name: str, pid: str, records: list[dict],
            amounts: list, before, after, f: Fmt) -> list[tuple[str, str, str]]:
    """Each deal of a pipeline with what it adds after the ones before it: the first
    k deals are paid together for k = 1 .. n-1 (the last share is the whole's rest)."""
    zero = Decimal(0)
    base = before.total if before else zero
    totals = []
    for k in range(1, len(records)):
        part = lp.run.what_if(input_name, records[:k]).after.get(pid)
        totals.append(part.total if part is not None else base)
    totals.append(after.total)
    out, last = [], base
    for i, (amount, total) in enumerate(zip(amounts, totals)):
        out.append((f._("Deal {n}", n=i + 1), f.money(amount) if amount is not None else "",
                    f.money(total - last)))
        last = total
    return out


def _moves(lp: LivePlan, e, before, after) -> bool:
    """Does the deal move a figure the earning's condition reads? A gate on who the
    payee is, on a KPI file, or on a measure the deal leaves as it was, is not this
    deal's business."""
    checked = lp.compiled.checked
    for ref in ast.refs(e.when.node):
        res = checked.resolved.get(ref)
        if res is None or res.kind not in ("measure", "earning"):
            continue
        if res.kind == "earning":
            was = before.components.get(res.name) if before else None
            if was != after.components.get(res.name):
                return True
        elif (before.measure_values.get(res.name) if before else None) != \
                after.measure_values.get(res.name):
            return True
    return False
