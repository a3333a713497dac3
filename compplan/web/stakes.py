"""A bar per paid measure, and the money at stake on it (issue 15).

A rep paid on four KPIs sees four bars: every percentage of a target that an earning
reads (in its value, its condition, a tier table's basis or a curve), each with its
target, what is done, the money earned on it, and what the next threshold pays: the next
tier, gate or curve point, in the money of the measure's own numerator ("4,200.00 more
in Booked pays 1,260.00 more"). The money is the engine's: a hypothetical transaction
like the payee's latest, sized to reach the threshold, paid by `LiveRun.what_if` on a
copy of the credits (web/whatif.py); nothing here works pay out. Where a cap starts to
bind is caps.py's search.

Bars are shown at the grains the plan pays or sets targets on: its period, and a day or
a month where a target table holds rows by day or by month (no 'Today' bar on a
quarterly quota). Amounts are in the payee's locale (web/words.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from babel.dates import format_date

from ..engine.tables import table_for
from ..lang import ast
from ..lang.types import RATIO
from ..periods import parse_period
from ..render.locale import Fmt
from ..render.statement import text_of, words_of
from . import gates, whatif
from .caps import CAP_RANK, CAP_REACHED, cap_lines, cap_start
from .figures import parts
from .live import LivePlan, Portal

MAX_ROWS = 200  # a count target further than this is not worked out row by row
GRAIN_TITLES = {"day": "Today", "week": "This week", "month": "This month"}


@dataclass
class MeasureBar:
    title: str  # the grain: the period's label, Today, March
    dates: str
    measure: str
    label: str
    value: Decimal | None
    shown: str
    fill: int  # 0-100
    target: str = ""  # the target, in the numerator's kind
    done: str = ""  # what the numerator holds now
    earned: str = ""  # the money paid on this measure so far
    stake: str = ""  # what the next threshold pays, in words
    grain: str = ""  # period | day | week | month
    thresholds: str = ""  # where pay changes on this measure, the cap's point too


def _refs(node) -> list:
    return list(ast.refs(node)) if node is not None else []


def _measures_read(lp: LivePlan, node, seen: set | None = None) -> set[str]:
    """Measures a node reads, through other measures."""
    checked = lp.compiled.checked
    seen = set() if seen is None else seen
    exprs = {m.name: m.expr for m in lp.compiled.measures}
    for ref in _refs(node):
        res = checked.resolved.get(ref)
        if res is not None and res.kind == "measure" and res.name not in seen:
            seen.add(res.name)
            inner = exprs.get(res.name)
            if inner is not None:
                _measures_read(lp, inner.node, seen)
    return seen


def _earning_measures(lp: LivePlan) -> dict[str, set[str]]:
    """earning -> the measures it reads (value, condition, cap, its tier tables' bases)."""
    plan = lp.compiled.plan
    out = {}
    for e in lp.compiled.earnings:
        read: set[str] = set()
        for node in (e.value.node, e.when.node if e.when is not None else None):
            _measures_read(lp, node, read)
        for name, spec in plan.rates.items():
            if name in e.value.text and spec.basis is not None:
                read.add(str(spec.basis))
                exprs = {m.name: m.expr for m in lp.compiled.measures}
                if str(spec.basis) in exprs:
                    _measures_read(lp, exprs[str(spec.basis)].node, read)
        out[e.name] = read
    return out


def paid_measures(lp: LivePlan) -> list[str]:
    """Ratios of a target that an earning reads, in the plan's order."""
    read = set().union(*_earning_measures(lp).values()) if lp.compiled.earnings else set()
    plan = lp.compiled.plan
    out = []
    for m in lp.compiled.measures:
        spec = plan.measures.get(m.name)
        if m.name not in read or m.expr.type is None or m.expr.type.kind != RATIO:
            continue
        if spec is not None and spec.display not in (None, "percent"):
            continue  # a ratio shown as a figure (2.5 lines per call) is not a bar
        out.append(m.name)
    return out


def grains(lp: LivePlan) -> dict[str, str]:
    """Target tables whose rows are finer than the period, and their grain (a table of
    a day's targets: 'day', for a Today bar). Worked out once per loaded period."""
    got = lp.estimator_choices.get(("grains",))
    if got is not None:
        return got
    found: dict[str, str] = {}
    for pid, tables in list(lp.run.prep.per_payee.items())[:50]:
        for name, row in tables.items():
            if "@" in name or not isinstance(row, dict) or name in found:
                continue
            inp = lp.compiled.plan.inputs.get(name)
            if inp is None or not inp.period or not row.get(inp.period):
                continue
            try:
                kind = parse_period(str(row[inp.period])).kind
            except Exception:  # noqa: BLE001 - a period column we cannot read: no grain
                continue
            if kind in GRAIN_TITLES and kind != lp.period.kind:
                found[name] = kind
    lp.estimator_choices[("grains",)] = found
    return found


def target_table(lp: LivePlan, name: str) -> str | None:
    """The per-payee table a measure's target (its denominator) is read from."""
    split = _target_parts(lp, name)
    if split is None or not isinstance(split[1], ast.Ref):
        return None
    res = lp.compiled.checked.resolved.get(split[1])
    return res.name if res is not None and res.kind == "payee_table" else None


def numerator_measure(lp: LivePlan, name: str) -> str | None:
    """The measure a ratio `x / target` counts (booked, of attainment), if x is one."""
    split = _target_parts(lp, name)
    if split is None or not isinstance(split[0], ast.Ref):
        return None
    res = lp.compiled.checked.resolved.get(split[0])
    return res.name if res is not None and res.kind == "measure" else None


def _target_parts(lp: LivePlan, name: str):
    """(numerator, denominator) of a measure written `a / b`, else None."""
    expr = next((m.expr for m in lp.compiled.measures if m.name == name), None)
    node = expr.node if expr is not None else None
    if isinstance(node, ast.Binary) and node.op == "/":
        return node.left, node.right
    return None


def _value_of(lp: LivePlan, pid: str, node, result, f: Fmt) -> tuple[object, str | None, str]:
    """A side of a division as (value, kind, label): a measure or a target column."""
    if not isinstance(node, ast.Ref):
        return None, None, ""
    res = lp.compiled.checked.resolved.get(node)
    if res is None:
        return None, None, ""
    plan = lp.compiled.plan
    if res.kind == "measure":
        spec = plan.measures.get(res.name)
        kind = next((m.expr.type.kind for m in lp.compiled.measures if m.name == res.name
                     and m.expr.type is not None), None)
        return (result.measure_values.get(res.name), kind,
                text_of(spec.label if spec else None, f.locale.language) or words_of(res.name))
    if res.kind == "payee_table" and res.column:
        row = (lp.run.prep.per_payee.get(pid) or {}).get(res.name) or {}
        inp = plan.inputs.get(res.name)
        kind = str(inp.columns.get(res.column)) if inp is not None else None
        label = text_of(inp.labels.get(res.column), f.locale.language) if inp else None
        return row.get(res.column), kind, label or words_of(res.column)
    return None, None, ""


def done_and_target(lp: LivePlan, pid: str, name: str, got, f: Fmt,
                    whole: bool = True) -> tuple[object, str | None, object, str | None]:
    """A ratio measure's numerator and denominator for the payee: (done, its kind,
    target, its kind). The target is the table's cell where the rule reads one plainly
    and `whole` (the period's own row); else what the ratio implies, done / ratio (a
    prorated quota, a day's share of a month's target), to the cent."""
    split = _target_parts(lp, name)
    if split is None or got is None:
        return None, None, None, None
    done, kind, _ = _value_of(lp, pid, split[0], got, f)
    node = split[1]
    inner = node.args[0] if isinstance(node, ast.Call) and node.args else node
    target, tkind, _ = _value_of(lp, pid, inner, got, f)
    ratio = got.measure_values.get(name)
    if (not whole or inner is not node) and done is not None and ratio:
        target = (Decimal(done) / Decimal(ratio)).quantize(Decimal("0.01"))
        tkind = tkind or kind
    elif not whole:
        target = None  # no share of the target in this part: nothing to show
    return done, kind, target, tkind or kind


def show(f: Fmt, value, kind: str | None) -> str:
    if value is None:
        return ""
    if kind == "money":
        return f.money(Decimal(value))
    return f.number(value, 2)


def _thresholds(lp: LivePlan, name: str, f: Fmt, labels: dict[str, str],
                result=None, pid: str | None = None) -> list[tuple[Decimal, int, str]]:
    """Values of the measure where pay changes: (value, rank, what it is in words); of
    two at one value, a gate is said before a tier, a tier before a curve's point. A
    table whose bounds read the payee (to: targets.meetings) has the payee's bounds,
    from their result. With `pid`, only the earnings that can be theirs (a rep is not
    shown the manager's tiers: web/gates.applies)."""
    compiled = lp.compiled
    out = []
    theirs = [e for e in compiled.earnings if pid is None or gates.applies(lp, pid, e)]
    for e in theirs:
        if e.when is not None:
            for node in ast.walk(e.when.node):
                if isinstance(node, ast.Compare) and node.op in (">=", ">") and \
                        _is_measure(lp, node.left, name):
                    x = gates.constant(lp, node.right)
                    if x is not None:
                        out.append((x, 0, f._("the gate of {earning}",
                                              earning=labels.get(e.name, e.name))))
        for cname, curve in compiled.curves.items():
            if cname in e.value.text and name in e.value.text:
                for x, _y in curve.points:
                    out.append((Decimal(x), 2, f._("the next point on the curve of {earning}",
                                                   earning=labels.get(e.name, e.name))))
    for tname in compiled.tier_tables:
        spec = compiled.plan.rates.get(tname)
        table = table_for(compiled, tname, result)
        if table is None or spec is None or spec.basis is None or str(spec.basis) != name:
            continue
        users = [e for e in compiled.earnings if tname in e.value.text]
        if users and not any(e in theirs for e in users):
            continue  # paid only by earnings that are not the payee's
        for band in table.bands:
            if band.low is not None:
                out.append((band.low, 1, f._("tier {n} at {rate}", n=band.index,
                                             rate=f.percent(band.rate))))
    return out


def _is_measure(lp: LivePlan, node, name: str) -> bool:
    if not isinstance(node, ast.Ref):
        return False
    res = lp.compiled.checked.resolved.get(node)
    return res is not None and res.kind == "measure" and res.name == name


def _driving_input(lp: LivePlan, name: str) -> str | None:
    """The transaction table that moves the measure (through a credit or directly)."""
    compiled = lp.compiled
    checked = compiled.checked
    credits = {s.name: s.spec.from_ for s in compiled.credits}
    inputs = set(lp.transaction_inputs())
    names = {name} | _measures_read(lp, next(m.expr.node for m in compiled.measures
                                             if m.name == name))
    for m in compiled.measures:
        if m.name not in names:
            continue
        for ref in _refs(m.expr.node):
            res = checked.resolved.get(ref)
            if res is None or res.kind not in ("set", "set_column"):
                continue
            table = credits.get(res.name, res.name)
            if table in inputs:
                return table
    return None


def stake(portal: Portal, lp: LivePlan, pid: str, name: str, f: Fmt,
          labels: dict[str, str], caps: list | None = None) -> str:
    """What reaching the measure's next threshold takes and pays, in words ('' when
    it cannot be said: no threshold ahead, or no transaction moves the measure).

    Money is said only for a measure written `x / target` whose `x` a transaction of
    the plan moves: `x` in money is an amount ("$1,000.00 more in Revenue"), a count
    is a number of rows ("3 more in Outlets visited"), and a ratio of counts (a close
    rate) is the rows that raise it, in words ("1 more won presentation"). Rows are
    counted by search, not by a straight line: a close rate rises less with each won
    presentation, so the first row's step would promise too few."""
    result = lp.run.payee(pid)
    now = result.measure_values.get(name) if result is not None else None
    if now is None:
        return ""
    now = Decimal(now)
    ahead = sorted(t for t in _thresholds(lp, name, f, labels, result, pid)
                   + list(caps or ()) if t[0] > now and t[1] != CAP_REACHED)
    at_cap = [c for c in caps or () if c[1] == CAP_REACHED]
    if at_cap and not ahead:
        # every threshold ahead pays on an earning the cap has stopped: say the cap
        return f._("{why} is reached: more in this measure pays no more there.",
                   why=at_cap[0][2][:1].upper() + at_cap[0][2][1:])
    if not ahead:
        return f._("Past every tier and gate on this measure.")
    goal, _, why = ahead[0]
    parts_ = _target_parts(lp, name)
    input_name = _driving_input(lp, name) if parts_ else None
    templates = whatif.templates(lp, pid, input_name) if input_name else []
    if not templates:
        return f._("{why} is at {goal}.", why=why[:1].upper() + why[1:],
                   goal=f.percent(goal, 2))
    inp = lp.compiled.plan.inputs[input_name]
    _, kind, what = _value_of(lp, pid, parts_[0], result, f)
    money = None
    if kind == "money":
        money = next((inp.rename.get(c, c) for c, k in inp.columns.items()
                      if str(k) == "money"), None)
    moved, template = Decimal(0), None
    if not money:
        # a count: rows with no money of their own first, so that what they pay is
        # the count's alone (a focus line's revenue is not the focus bonus's)
        cash = [inp.rename.get(c, c) for c, k in inp.columns.items() if str(k) == "money"]
        templates = [{**t, **{c: "0" for c in cash}} for t in templates] + templates
    for template in templates:
        probe = whatif.after(lp, input_name, pid, whatif.records(
            lp, portal, input_name, template, 1, money, whatif.PROBE if money else None))
        moved = (Decimal(probe.measure_values.get(name) or 0) - now) if probe else Decimal(0)
        if moved > 0:
            break
    if moved <= 0:
        return ""
    if money:
        amount = ((goal - now) / moved * whatif.PROBE).quantize(Decimal("0.01"),
                                                                rounding=ROUND_CEILING)
        after = whatif.after(lp, input_name, pid, whatif.records(
            lp, portal, input_name, template, 1, money, amount))
        if after is None or Decimal(after.measure_values.get(name) or 0) < goal:
            return ""  # not a straight line in money (a margin): not promised
        more = f.money(amount)
    else:
        guess = int(((goal - now) / moved).to_integral_value(rounding=ROUND_CEILING))
        n, after = _rows_to_reach(lp, portal, input_name, pid, template, name, goal, guess)
        if after is None:
            return ""
        if kind not in ("integer", "number"):
            rows = rows_words(lp, input_name, template, n, f)
            pays, but = elsewhere(lp, name, result, after, f, labels)
            said = dict(n=f.number(n), rows=rows, why=why, goal=f.percent(goal, 2),
                        pays=f.money(pays))
            if n == 1:
                return _join(f._("{n} more {rows} reaches {why} ({goal}) and pays {pays} "
                                 "more.", **said), but)
            return _join(f._("{n} more {rows} reach {why} ({goal}) and pay {pays} more.",
                             **said), but)
        more = f.number(n)
    pays, but = elsewhere(lp, name, result, after, f, labels)
    return _join(f._("{more} more in {what} reaches {why} ({goal}) and pays {pays} more.",
                     more=more, what=what, why=why, goal=f.percent(goal, 2),
                     pays=f.money(pays)), but)


def _join(first: str, second: str) -> str:
    return f"{first} {second}" if second else first


def elsewhere(lp: LivePlan, name: str, before, after, f: Fmt,
              labels: dict[str, str]) -> tuple[Decimal, str]:
    """What the step pays, and what it costs on other earnings, in words: (the money to
    say in the first sentence, a second sentence or '').

    A step can pay more on the measure's own earnings and less on others that read the
    same rows: two more presentations raise the presentations bonus 20.00 and lower the
    close-rate bonus 20.00 (the same wins over more presentations). "Pays 0.00 more"
    would be true of the total and read as nothing gained; so where another earning
    falls, the first sentence says what the measure's own earnings gain and a second
    what falls and the net. Where nothing falls, the first sentence says the whole
    change, rises elsewhere included (a won presentation is a presentation too)."""
    own = {e for e, read in _earning_measures(lp).items() if name in read}
    names = [e.name for e in lp.compiled.earnings]
    delta = {e: after.components.get(e, Decimal(0)) - before.components.get(e, Decimal(0))
             for e in names}
    falls = [e for e in names if e not in own and delta[e] < 0]
    net = after.total - before.total
    if not falls:
        return net, ""
    gain = sum((delta[e] for e in names if e in own), Decimal(0))
    lost = -sum((delta[e] for e in falls), Decimal(0))
    said = dict(others=", ".join(labels.get(e, words_of(e)) for e in falls),
                lost=f.money(lost), net=f.money(abs(net)))
    if net > 0:
        return gain, f._("But {others} falls by {lost} with it: {net} more in all.", **said)
    if net < 0:
        return gain, f._("But {others} falls by {lost} with it: {net} less in all.", **said)
    return gain, f._("But {others} falls by {lost} with it: your total stays the same.",
                     **said)


def _reaches(lp: LivePlan, portal: Portal, input_name: str, pid: str, template: dict,
             name: str, goal: Decimal, n: int):
    """The payee's result with `n` rows like `template` added, if it reaches `goal`."""
    after = whatif.after(lp, input_name, pid, whatif.records(
        lp, portal, input_name, template, n, None, None))
    if after is None or Decimal(after.measure_values.get(name) or 0) < goal:
        return None
    return after


def _rows_to_reach(lp: LivePlan, portal: Portal, input_name: str, pid: str,
                   template: dict, name: str, goal: Decimal, guess: int):
    """The fewest rows like `template` that take the measure to `goal`, and the result
    then: (n, result), or (0, None) past MAX_ROWS. Starts at the straight line's guess;
    short of the goal, doubles until there; then halves the gap between the most that
    fall short and the fewest that reach (a few what-ifs, not one per row)."""
    def reach(n):
        return _reaches(lp, portal, input_name, pid, template, name, goal, n)

    high = max(1, guess)
    if high > MAX_ROWS:
        return 0, None
    best = reach(high)
    if best is not None:
        low = 0
        if high > 1:
            fewer = reach(high - 1)
            if fewer is None:
                return high, best
            low, high, best = 0, high - 1, fewer
    else:
        low = high
        while best is None:
            high *= 2
            if high > MAX_ROWS:
                return 0, None
            best = reach(high)
    while high - low > 1:
        mid = (low + high) // 2
        got = reach(mid)
        if got is None:
            low = mid
        else:
            high, best = mid, got
    return high, best


def rows_words(lp: LivePlan, input_name: str, template: dict, n: int, f: Fmt) -> str:
    """Rows of a table as a rep says them: the table's `label:` (else its name), with
    the yes/no columns the rules read that the rows have true: "won presentation" (en,
    pl: before the noun; vi, ms: after it). English adds an s for more than one."""
    from .estimator import read_columns
    inp = lp.compiled.plan.inputs[input_name]
    lang = f.locale.language
    noun = text_of(inp.label, lang) if inp.label else None
    if noun is None:
        noun = words_of(input_name.removesuffix("s"))
    if lang == "en" and n != 1 and not noun.endswith("s"):
        noun += "s"
    marks = [text_of(inp.labels.get(c), lang) or words_of(c)
             for c in read_columns(lp, input_name)
             if str(inp.columns.get(c)) == "boolean"
             and str(template.get(inp.rename.get(c, c), "")).lower() == "true"]
    words = [noun] + marks if lang in MARKS_AFTER else marks + [noun]
    return " ".join(w.lower() for w in words)


MARKS_AFTER = ("vi", "ms")  # languages that say the quality after the noun


def cap_points(portal: Portal, lp: LivePlan, pid: str, name: str, f: Fmt,
               labels: dict[str, str]) -> list[tuple[Decimal, int, str]]:
    """Where the cap of an earning that reads the measure starts to bind, as a value of
    the measure: (value, CAP_RANK, words). A cap is on money, not on the measure, so the
    point is found by the engine: the payee's next transaction is sized by halving until
    the cent at which the cap line appears (a few dozen what-ifs, once per result).
    Only for a measure of money over a target (a count's cap is not sought); a cap
    already reached is at the measure's value now."""
    result = lp.run.payee(pid)
    reads = _earning_measures(lp)
    capped = [e for e in lp.compiled.earnings if e.cap is not None and name in reads[e.name]
              and gates.applies(lp, pid, e)]
    split = _target_parts(lp, name)
    if not capped or result is None or split is None:
        return []
    now = result.measure_values.get(name)
    if now is None:
        return []
    _, kind, _ = _value_of(lp, pid, split[0], result, f)
    input_name = _driving_input(lp, name)
    if kind != "money" or input_name is None:
        return []
    inp = lp.compiled.plan.inputs[input_name]
    money = next((inp.rename.get(c, c) for c, k in inp.columns.items()
                  if str(k) == "money"), None)
    out = []
    for e in capped:
        words = f._("the cap of {earning}", earning=labels.get(e.name, e.name))
        if cap_lines(result, e.name) < 0:
            out.append((Decimal(now), CAP_REACHED, words))
            continue
        found = cap_start(lp, portal, pid, input_name, money, e.name, name)
        if found is not None:
            out.append((found, CAP_RANK, words))
    return out


def threshold_words(lp: LivePlan, name: str, f: Fmt, labels: dict[str, str],
                    caps: list, pid: str | None = None) -> str:
    """Every point of the measure where pay changes, in order: "tier 2 at 8% (50%) ·
    the cap of Commission (231.25%)", shown under the bar."""
    seen, out = set(), []
    result = lp.run.payee(pid) if pid is not None else None
    for value, rank, why in sorted(_thresholds(lp, name, f, labels, result, pid)
                                   + list(caps)):
        if (value, why) in seen:
            continue
        seen.add((value, why))
        out.append(f._("{why} (reached)", why=why) if rank == CAP_REACHED
                   else f"{why} ({f.percent(value, 2)})")
    return " · ".join(out)


def bars(portal: Portal, lp: LivePlan, pid: str, f: Fmt) -> list[MeasureBar]:
    result = lp.run.payee(pid)
    if result is None:
        return []
    names = paid_measures(lp)
    plan = lp.compiled.plan
    labels = {e.name: text_of(e.spec.label, f.locale.language) or e.label
              for e in lp.compiled.earnings}
    by_earning = _earning_measures(lp)
    today = portal.today(lp)
    out = []
    # the period first; then the finer grains the targets are set at
    shown = [(lp.period.label, "period", lp.period)]
    by_table = grains(lp)
    wanted = set(by_table.values())
    for title, part in parts(lp, today):
        kind = "day" if part.start == part.end else (
            "month" if part.kind == "month" else "week")
        if kind in wanted and part != lp.period:
            shown.append((f._(title) if kind != "month" else
                          format_date(part.start, "LLLL yyyy", locale=f.locale), kind, part))
    for title, grain, part in shown:
        got = result if part == lp.period else lp.run.span(pid, part)
        for name in names:
            if grain != "period" and by_table.get(target_table(lp, name)) != grain:
                continue  # no target at this grain: a day's share of a month's means little
            spec = plan.measures.get(name)
            label = text_of(spec.label if spec else None, f.locale.language) or words_of(name)
            value = got.measure_values.get(name) if got is not None else None
            value = Decimal(value) if value is not None else None
            fill = 0 if value is None else int(min(max(value, Decimal(0)), Decimal(1)) * 100)
            dates = f.date(part.start) if part.start == part.end else \
                f"{f.date(part.start)} – {f.date(part.end)}"
            bar = MeasureBar(title, dates, name, label, value,
                             f.percent(value, 1) if value is not None else f._("missing"),
                             fill, grain=grain)
            done, kind, target, tkind = done_and_target(lp, pid, name, got, f,
                                                        whole=grain == "period")
            if done is not None:
                bar.done, bar.target = show(f, done, kind), show(f, target, tkind)
            if grain == "period":
                earned = sum((result.components.get(e, Decimal(0)) for e, read in
                              by_earning.items() if name in read), Decimal(0))
                bar.earned = f.money(earned)
                caps = cap_points(portal, lp, pid, name, f, labels)
                bar.stake = stake(portal, lp, pid, name, f, labels, caps)
                bar.thresholds = threshold_words(lp, name, f, labels, caps, pid)
            out.append(bar)
    return out
