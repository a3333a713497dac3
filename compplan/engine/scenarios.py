"""Plans carry their own tests: `scenarios:` of inline rows and the pay they must give.

A comp admin proves a change does what they meant by writing the expected payouts next
to the rules; `compplan test` runs every scenario through the same loader and engine as
a real run and shows each difference line by line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..errors import CompplanError, Pos, Problem
from ..lang.check import CARRIED_COMPONENTS  # what the engine adds beside earnings
from .data import load_inline
from .ir import CompiledPlan
from .money import fmt_money
from .periods import parse_period
from .results import RunResult
from .standalone import run_standalone


@dataclass
class Outcome:
    name: str
    pos: Pos
    passed: bool
    differences: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    result: RunResult | None = None




def _number(text) -> Decimal | None:
    s = str(text).strip().replace(",", "").replace("_", "")
    try:
        if s.endswith("%"):
            return Decimal(s[:-1]) / 100
        return Decimal(s)
    except InvalidOperation:
        return None


def run_scenarios(compiled: CompiledPlan) -> list[Outcome]:
    src = compiled.checked.source
    outcomes = []
    for i, sc in enumerate(compiled.plan.scenarios):
        pos = src.pos(("scenarios", i))
        where = f"{src.name}: scenario '{sc.name}'"
        problems: list[Problem] = []
        try:
            period = parse_period(sc.period)
        except ValueError as e:
            outcomes.append(Outcome(sc.name, pos, False, problems=[
                Problem.at(src.pos(("scenarios", i, "period")), str(e), code="bad-period")]))
            continue
        if period.kind != compiled.plan.period:
            outcomes.append(Outcome(sc.name, pos, False, problems=[Problem.at(
                src.pos(("scenarios", i, "period")),
                f"'{sc.period}' is a {period.kind}, but the plan pays by {compiled.plan.period}",
                code="bad-period")]))
            continue
        tables = load_inline(compiled.plan, sc.data, where, problems,
                             lambda t, r, col, i=i: src.pos(("scenarios", i, "data", t, r, col)))
        if problems:
            outcomes.append(Outcome(sc.name, pos, False, problems=problems))
            continue
        try:
            result = run_standalone(compiled, tables, period)
        except CompplanError as e:
            outcomes.append(Outcome(sc.name, pos, False, problems=e.problems))
            continue
        diffs = compare(result, sc.expect, compiled)
        outcomes.append(Outcome(sc.name, pos, not diffs, diffs, result=result))
    return outcomes


def compare(result: RunResult, expect: dict, compiled: CompiledPlan) -> list[str]:
    diffs = []
    for payee, wanted in expect.items():
        pr = result.payee(str(payee))
        if pr is None:
            diffs.append(f"payee {payee}: expected in the results, but not there")
            continue
        for key, value in (wanted or {}).items():
            want = _number(value)
            if key == "total":
                got, shown = pr.total, fmt_money(pr.total)
            elif key in compiled.plan.earnings:
                got = pr.components.get(key, Decimal(0))
                shown = fmt_money(got)
            elif key in pr.measures:
                # a measure matches as worked out exactly, or as shown (1,100.50)
                shown = pr.measures[key]
                exact = pr.measure_values.get(key)
                got = exact if want is not None and exact == want else _number(shown)
            elif key in CARRIED_COMPONENTS:
                got = pr.components.get(key, Decimal(0))
                shown = fmt_money(got)
            else:
                diffs.append(f"payee {payee}: '{key}' is not an earning, a measure or 'total'")
                continue
            if want is None:
                if str(value).strip() != shown:
                    diffs.append(f"payee {payee} {key}: expected {value}, got {shown}")
            elif got is None or got != want:
                diffs.append(f"payee {payee} {key}: expected {value}, got {shown}")
    return diffs
