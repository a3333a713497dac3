"""Plans carry their own tests: `scenarios:` of inline rows and the pay they must give.

A comp admin proves a change does what they meant by writing the expected payouts next
to the rules; `compplan test` runs every scenario through the same loader and engine as
a real run and shows each difference line by line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import CompplanError, Pos, Problem
from ..lang.check import CARRIED_COMPONENTS  # what the engine adds beside earnings
from .data import load_inline
from .ir import CompiledPlan
from .money import fmt_money
from ..periods import in_words
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


def _as_written(exact, written) -> Decimal | None:
    """A measure as precise as its expectation is written: exactly for a whole number
    (`100%`, `50000`), else rounded half up to the decimals written (`33.33%` is to the
    hundredth of a percent, `1100.50` to the cent). So `attainment: 100%` fails at
    99.999...%, which is shown as 100% but pays the tier below."""
    if exact is None or isinstance(exact, bool) or not isinstance(exact, (Decimal, int)):
        return None if exact is None else _number(exact)
    text = str(written).strip().replace(",", "").replace("_", "")
    percent = text.endswith("%")
    digits = text[:-1] if percent else text
    places = len(digits.split(".", 1)[1]) if "." in digits else 0
    if places == 0:
        return Decimal(exact)
    places += 2 if percent else 0
    try:
        return Decimal(exact).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than a Decimal holds: compare exactly
        return Decimal(exact)


def _in_full(exact, shown: str) -> str:
    """The exact value beside the shown one, when they differ: 99.99999% (shown as 100%)."""
    if not isinstance(exact, Decimal):
        return shown
    percent = shown.endswith("%")
    full = format(((exact * 100) if percent else exact).normalize(), "f")
    if "." in full and len(full.split(".")[1]) > 10:
        full = full[:full.index(".") + 11] + "..."  # a third: 33.3333333333...%
    full += "%" if percent else ""
    return shown if full == shown.replace(",", "") else f"{full} (shown as {shown})"


def scenario_period(compiled: CompiledPlan, text, path: tuple):
    """The period a scenario names, or a Problem at `path` if it is not one of the
    plan's kind."""
    src = compiled.checked.source
    try:
        period = parse_period(str(text))
    except ValueError as e:
        return Problem.at(src.pos(path), str(e), code="bad-period")
    if period.kind != compiled.plan.period:
        return Problem.at(src.pos(path), f"'{text}' is a {in_words(period.kind)}, but the "
                          f"plan pays by {in_words(compiled.plan.period)}", code="bad-period")
    return period


def run_scenarios(compiled: CompiledPlan, several=None, run=None) -> list[Outcome]:
    """Every scenario's outcome. One of a single period is worked out here, without a
    store, by `run(compiled, tables, period)` (run_standalone, the Python engine, by
    default; the SQL engine's run_sql for `compplan test --engine duckdb`); one of
    several periods by `several(compiled, index, scenario)`, which the store layer gives
    (store/scenarios.py: saved-and-paid runs in a throwaway store)."""
    src = compiled.checked.source
    outcomes = []
    for i, sc in enumerate(compiled.plan.scenarios):
        pos = src.pos(("scenarios", i))
        if sc.periods is not None:
            if several is None:
                outcomes.append(Outcome(sc.name, pos, False, problems=[Problem.at(
                    pos, f"scenario '{sc.name}' spans periods: it runs in a store",
                    "run it with compplan test", code="needs-store")]))
            else:
                outcomes.append(several(compiled, i, sc))
            continue
        where = f"{src.name}: scenario '{sc.name}'"
        problems: list[Problem] = []
        period = scenario_period(compiled, sc.period, ("scenarios", i, "period"))
        if isinstance(period, Problem):
            outcomes.append(Outcome(sc.name, pos, False, problems=[period]))
            continue
        tables = load_inline(compiled.plan, sc.data, where, problems,
                             lambda t, r, col, i=i: src.pos(("scenarios", i, "data", t, r, col)))
        if problems:
            outcomes.append(Outcome(sc.name, pos, False, problems=problems))
            continue
        try:
            # as a first saved period would pay it: draws from no balance, the year so
            # far less what the data says earlier periods earned
            result = (run or run_standalone)(compiled, tables, period)
        except CompplanError as e:
            outcomes.append(Outcome(sc.name, pos, False, problems=e.problems))
            continue
        diffs = compare(result, sc.expect, compiled)
        outcomes.append(Outcome(sc.name, pos, not diffs, diffs, result=result))
    return outcomes


def _source_matches(source: str, wanted: str) -> bool:
    """`D1` names the line of `deals:D1` (a source id with or without its input)."""
    return source == wanted or source.split(":", 1)[-1] == wanted


def _compare_lines(pr, payee, wanted: dict) -> list[str]:
    """`lines: {D1: 3000.00}`: the payee's lines from that row, added up; or
    `{D1: {commission: 3000.00, held: -900.00}}`: by component."""
    diffs = []
    for source, value in (wanted or {}).items():
        lines = [ln for ln in pr.lines if any(_source_matches(s, str(source))
                                              for s in ln.sources)]
        parts = value if isinstance(value, dict) else {None: value}
        for component, want_text in parts.items():
            chosen = [ln for ln in lines if component is None or ln.component == component]
            what = f"line {source}" + (f" {component}" if component else "")
            got = sum((ln.amount for ln in chosen), Decimal(0))
            want = _number(want_text)
            if want is None or got != want:
                diffs.append(f"payee {payee} {what}: expected {want_text}, got "
                             + (fmt_money(got) if chosen else f"no line for {source}"))
    return diffs


def compare(result: RunResult, expect: dict, compiled: CompiledPlan) -> list[str]:
    diffs = []
    for payee, wanted in expect.items():
        pr = result.payee(str(payee))
        if pr is None:
            diffs.append(f"payee {payee}: expected in the results, but not there")
            continue
        for key, value in (wanted or {}).items():
            if key == "lines":
                diffs.extend(_compare_lines(pr, payee, value))
                continue
            want = _number(value)
            if key == "total":
                got, shown = pr.total, fmt_money(pr.total)
            elif key in compiled.plan.earnings:
                got = pr.components.get(key, Decimal(0))
                shown = fmt_money(got)
            elif key in pr.measures:
                shown = pr.measures[key]
                exact = pr.measure_values.get(key)
                got = _as_written(exact, value) if want is not None else None
                if got is not None and got != want:
                    shown = _in_full(exact, shown)
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
