"""Where a period is heading: each payee's attainment and pay at the period's end.

At pace: the period so far goes on as it went. The share of the period gone by is its
days to the date over its days, or, where the plan has a working-day calendar (the data
folder's calendar.yaml, or --calendar), its working days, in the payee's territory
(the payees table's `territory`) where a holiday is local. The rows dated so far are
then repeated to fill the period: a payee with 40% of the period gone has their rows
taken 2.5 times, twice whole and once for the first half of them (rounded to a whole
row, at least one), whose amounts are scaled so that every sum comes out at exactly
(so far) / (share gone). A repeat's ids are new (its key, and any column named as a
dated input's key, such as a visit id, get `~1`, `~2`), so counts and distinct counts go
on at pace too. The plan then works the projected rows out as a run: tiers, gates and
caps as they would fall.

With the pipeline (a CSV of open deals: the input's columns, `probability` and
`expected_close`), three more outcomes: low (what is signed so far and the deals at or
above the commit probability, 90% unless told), expected (every deal closing by the
period's end, its amounts weighted by its probability; it counts whole in a count) and
high (every such deal, whole).

Per payee, per team (the payees' manager) and for the plan: what is earned so far and
what each outcome pays, and the tier, gate and cap changes each brings.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from pathlib import Path

from ..engine.data import Table, find_file, parse_cell, read_records
from ..engine.data import declared_columns
from ..engine.ir import CompiledPlan
from ..engine.money import fmt_ratio, round_to
from ..engine.results import RunResult
from ..engine.tables import table_for
from ..engine.standalone import run_standalone
from ..errors import CompplanError, Problem
from ..lang.types import RATIO
from ..periods import Period
from ..targets.calendar import Calendar, load_calendar
from .accrue import cut_to

ZERO = Decimal(0)
OUTCOMES = ("to date", "at pace", "low", "expected", "high")
# in a data folder, beside the inputs: what a forecast reads when it is there (the
# portal keeps them with an open period)
PIPELINE_FILE = "pipeline.csv"
CALENDAR_FILE = "calendar.yaml"


# ------------------------------------------------------------------ the share gone by

@dataclass
class Elapsed:
    basis: str  # "calendar days" | "working days (calendar NAME)"
    default: Fraction
    payees: dict[str, Fraction] = field(default_factory=dict)  # by territory's calendar

    def of(self, payee: str) -> Fraction:
        return self.payees.get(payee, self.default)


def elapsed(period: Period, as_of: dt.date, calendar: Calendar | None = None,
            territory_of: dict[str, str] | None = None) -> Elapsed:
    """The share of the period gone by at the end of `as_of`, exactly."""
    day = min(as_of, period.end)
    if calendar is None:
        return Elapsed("calendar days", Fraction((day - period.start).days + 1, period.days))

    def share(territory: str | None) -> Fraction:
        whole = len(calendar.working_days(period.start, period.end, territory))
        done = len(calendar.working_days(period.start, day, territory))
        return Fraction(done, whole) if whole else Fraction(1)
    out = Elapsed(f"working days (calendar {calendar.name})", share(None))
    for pid, territory in (territory_of or {}).items():
        if territory:
            out.payees[pid] = share(territory)
    return out


def plan_calendar(folder: str | Path, given: str | None) -> tuple[Calendar | None,
                                                                   list[Problem]]:
    """The plan's working-day calendar: --calendar, else calendar.yaml in the data folder,
    else none (calendar days)."""
    path = Path(given) if given else Path(folder) / "calendar.yaml"
    if not path.is_file():
        if given:
            return None, [Problem(str(path), None, None, "no such calendar file",
                                  "give a calendar YAML (see compplan targets propose)",
                                  code="io")]
        return None, []
    return load_calendar(path)


def raw_column(compiled: CompiledPlan, folder: str | Path, input_name: str, column: str
               ) -> dict[str, str]:
    """key -> a column's text from an input's file (read raw: the plan need not declare
    it), e.g. each payee's territory or manager."""
    inp = compiled.plan.inputs.get(input_name)
    if inp is None or not inp.key:
        return {}
    path = find_file(Path(folder), input_name, inp)
    if path is None:
        return {}
    header, records = read_records(path, inp.encoding)
    key, col = inp.rename.get(inp.key, inp.key), inp.rename.get(column, column)
    if key not in header or col not in header:
        for _ in records:
            pass
        return {}
    k, i = header.index(key), header.index(col)
    return {c[k].strip(): c[i].strip() for _, c in records if len(c) > max(k, i)}


# ------------------------------------------------------------------ projected rows

def _scaled_columns(compiled: CompiledPlan, name: str) -> list[str]:
    inp = compiled.plan.inputs[name]
    return [c for c, kind in declared_columns(inp).items() if kind in ("money", "number")
            and c not in (inp.key, inp.payee, inp.date)]


def _id_columns(compiled: CompiledPlan, name: str) -> list[str]:
    """The columns a repeat gives new ids: the input's key, and any column named as a
    dated input's key (order_lines.visit_id names a visit)."""
    keys = {inp.key for inp in compiled.plan.inputs.values() if inp.key and inp.date}
    inp = compiled.plan.inputs[name]
    cols = declared_columns(inp)
    return [c for c in cols if c == inp.key or (c in keys and cols[c] == "text")]


def at_pace(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
            share: Elapsed) -> dict[str, Table]:
    """The period's rows so far, repeated to fill the period at each payee's pace (rows
    of other periods are kept as they are, and not repeated)."""
    out = {}
    for name, table in tables.items():
        inp = compiled.plan.inputs.get(name)
        if inp is None or not inp.date:
            out[name] = table
            continue
        scaled, ids = _scaled_columns(compiled, name), _id_columns(compiled, name)
        groups: dict[str, list[dict]] = {}
        for r in table.rows:
            if r.get(inp.date) is not None and period.contains(r[inp.date]):
                groups.setdefault(str(r.get(inp.payee)) if inp.payee else "", []).append(r)
        rows = list(table.rows)
        for pid, own in groups.items():
            s = share.of(pid) if inp.payee else share.default
            if s <= 0 or s >= 1:
                continue
            own.sort(key=lambda r: (r[inp.date], str(r.get(inp.key, ""))))
            times = 1 / s
            whole = floor(times) - 1
            part = times - floor(times)
            for n in range(1, whole + 1):
                rows += [_copy(r, n, ids) for r in own]
            if part:
                k = max(1, min(len(own), round(part * len(own))))
                rows += _part(own[:k], own, part, whole + 1, ids, scaled)
        out[name] = Table(table.name, table.file, rows)
    return out


def _exact(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


def _part(first: list[dict], own: list[dict], part: Fraction, n: int, ids: list[str],
          scaled: list[str]) -> list[dict]:
    """The part of a repeat: the first rows, each amount column scaled so that it adds up
    to `part` of the payee's rows so far (worked out as a fraction, so that 1,300 over
    13/25 of a month is 2,500 exactly, not 2,499.99...); the last row takes what is
    left."""
    copies = [_copy(r, n, ids) for r in first]
    for c in scaled:
        total = sum((r.get(c) or ZERO for r in own), ZERO)
        want = _exact(Fraction(total) * part)
        have = sum((r.get(c) or ZERO for r in first), ZERO)
        given = ZERO
        for i, r in enumerate(copies):
            if r.get(c) is None:
                continue
            if i == len(copies) - 1:
                r[c] = want - given
            else:
                r[c] = r[c] * want / have if have else ZERO
                given += r[c]
    return copies


def _copy(row: dict, n: int, ids: list[str]) -> dict:
    r = dict(row)
    for c in ids:
        if r.get(c) is not None:
            r[c] = f"{r[c]}~{n}"
    return r


# ------------------------------------------------------------------ the pipeline

@dataclass
class Deal:
    row: dict
    probability: Decimal
    close: dt.date
    where: str = ""  # FILE:ROW of its pipeline row


def read_pipeline(compiled: CompiledPlan, path: str | Path, input_name: str,
                  period: Period, as_of: dt.date) -> tuple[list[Deal], list[Problem]]:
    """Open deals closing after `as_of` and by the period's end, typed as the input's
    rows; every bad cell as FILE:ROW."""
    inp = compiled.plan.inputs[input_name]
    path = Path(path)
    header, records = read_records(path, inp.encoding)
    problems: list[Problem] = []
    cols = declared_columns(inp)
    need = [inp.rename.get(c, c) for c in cols if c != inp.date] + ["probability",
                                                                     "expected_close"]
    missing = [c for c in need if c not in header]
    if missing:
        for _ in records:
            pass
        return [], [Problem(str(path), None, None, f"column '{c}' is missing",
                            f"a pipeline row is a row of {input_name} with probability and "
                            "expected_close", code="missing-column", row=1, column=c)
                    for c in missing]
    deals, seen = [], {}
    for rownum, cells in records:
        raw = dict(zip(header, (c.strip() for c in cells)))
        row, ok = {}, True
        for c, kind in cols.items():
            if c == inp.date:
                continue
            text = raw.get(inp.rename.get(c, c), "")
            try:
                row[c] = parse_cell(kind, text) if text or kind == "text" else None
            except ValueError as e:
                problems.append(Problem(str(path), None, None, f"'{text}': {e}", None,
                                        code="bad-value", row=rownum, column=c))
                ok = False
        try:
            p = parse_cell("ratio", raw["probability"])
            if not ZERO <= p <= 1:
                raise ValueError("a probability from 0% to 100%")
        except ValueError as e:
            problems.append(Problem(str(path), None, None, f"'{raw['probability']}': {e}",
                                    "e.g. 60% or 0.6", code="bad-value", row=rownum,
                                    column="probability"))
            ok = False
        try:
            close = dt.date.fromisoformat(raw["expected_close"][:10])
        except ValueError:
            problems.append(Problem(str(path), None, None, f"'{raw['expected_close']}' is "
                                    "not a date", "write YYYY-MM-DD", code="bad-date",
                                    row=rownum, column="expected_close"))
            ok = False
        key = row.get(inp.key) if inp.key else None
        if key is not None and key in seen:
            problems.append(Problem(str(path), None, None, f"duplicate {inp.key} '{key}' "
                                    f"(first at row {seen[key]})", "each deal once",
                                    code="duplicate-key", row=rownum, column=inp.key))
            ok = False
        elif key is not None:
            seen[key] = rownum
        if not ok:
            continue
        if as_of < close <= period.end:
            row[inp.date] = close
            deals.append(Deal(row, p, close, f"{path}:{rownum}"))
    return deals, problems


def with_pipeline(compiled: CompiledPlan, tables: dict[str, Table], input_name: str,
                  deals: list[Deal], outcome: str, commit: Decimal) -> dict[str, Table]:
    inp = compiled.plan.inputs[input_name]
    scaled = _scaled_columns(compiled, input_name)
    rows = []
    for d in deals:
        if outcome == "low" and d.probability < commit:
            continue
        r = dict(d.row)
        if outcome == "expected":
            for c in scaled:
                if r.get(c) is not None:
                    r[c] = r[c] * d.probability
        rows.append(r)
    out = dict(tables)
    base = tables.get(input_name, Table(input_name, ""))
    out[input_name] = Table(base.name, base.file, list(base.rows) + rows)
    if inp.key:
        have = {str(r[inp.key]) for r in base.rows}
        clash = [d for d in deals if str(d.row[inp.key]) in have]
        if clash:
            file, _, row = clash[0].where.rpartition(":")
            raise CompplanError([Problem(file, None, None, f"deal {clash[0].row[inp.key]} is "
                                         "in the pipeline and already signed", "take signed "
                                         "deals out of the pipeline file",
                                         code="duplicate-key", row=int(row))])
    return out


# ------------------------------------------------------------------ the forecast

@dataclass
class PayeeForecast:
    payee: str
    name: str
    team: str
    share: Fraction
    attainment: dict[str, Decimal | None]  # outcome -> the headline measure
    pay: dict[str, Decimal]  # outcome -> total pay
    changes: dict[str, list[str]]  # outcome -> tiers, gates and caps crossed


@dataclass
class Forecast:
    plan: str
    period: str
    as_of: dt.date
    currency: str
    basis: str  # how the share gone by is counted
    headline: str | None
    outcomes: list[str]
    payees: list[PayeeForecast] = field(default_factory=list)

    def total(self, outcome: str, team: str | None = None,
              payees: set[str] | None = None) -> Decimal:
        """An outcome's pay for the plan, a team (the payees' manager) or a set of
        payees (a manager's whole hierarchy)."""
        return sum((p.pay[outcome] for p in self.payees
                    if (team is None or p.team == team)
                    and (payees is None or p.payee in payees)), ZERO)

    def teams(self) -> list[str]:
        return sorted({p.team for p in self.payees if p.team})


def headline(compiled: CompiledPlan) -> str | None:
    """The measure attainment means: 'attainment' if the plan has it, else its first
    ratio (as the portal's bars)."""
    names = [m.name for m in compiled.measures
             if m.expr.type is not None and m.expr.type.kind == RATIO]
    return "attainment" if "attainment" in names else (names[0] if names else None)


def _tier_bases(compiled: CompiledPlan) -> dict[str, str]:
    """Rate tables whose basis is a measure by name: table -> measure."""
    measures = {m.name for m in compiled.measures}
    out = {}
    for name, rt in compiled.plan.rates.items():
        basis = str(rt.basis).strip() if rt.basis is not None else ""
        if basis in measures and name in compiled.tier_tables:
            out[name] = basis
    return out


class Crossing(str):
    """One tier, gate or cap crossed, as its English text (what the command line and
    JSON write) with its parts kept, so that a page can say it in the reader's words
    (web/finance.py): kind "tier" (name, frm, to), "gate met", "gate missed" or
    "cap reached" (name)."""

    def __new__(cls, kind: str, name: str, frm: int | None = None, to: int | None = None):
        text = f"{name} tier {frm} -> {to}" if kind == "tier" else f"{name} {kind}"
        self = super().__new__(cls, text)
        self.kind, self.name, self.frm, self.to = kind, name, frm, to
        return self

    def __getnewargs__(self):  # copied or pickled with its parts, not its text alone
        return (self.kind, self.name, self.frm, self.to)


def changes(compiled: CompiledPlan, before, after) -> list[str]:
    """The tiers, gates and caps a payee crosses from one outcome to another (each a
    Crossing: its text, with its parts)."""
    out = []
    for table, measure in _tier_bases(compiled).items():
        # a table whose bounds read the payee (to: targets.meetings): each outcome's own
        ta, tb = table_for(compiled, table, before), table_for(compiled, table, after)
        a = before.measure_values.get(measure) if before else None
        b = after.measure_values.get(measure) if after else None
        ba = ta.band_at(Decimal(a)) if a is not None and ta is not None else None
        bb = tb.band_at(Decimal(b)) if b is not None and tb is not None else None
        if ba is not None and bb is not None and ba.index != bb.index:
            out.append(Crossing("tier", table, ba.index, bb.index))
    for name, spec in compiled.plan.earnings.items():
        if spec.when is None:
            continue
        was = before.components.get(name, ZERO) if before else ZERO
        now = after.components.get(name, ZERO) if after else ZERO
        if not was and now:
            out.append(Crossing("gate met", name))
        elif was and not now:
            out.append(Crossing("gate missed", name))
    capped_before = {ln.component for ln in (before.lines if before else ()) if ln.kind == "cap"}
    for ln in (after.lines if after else ()):
        if ln.kind == "cap" and ln.component not in capped_before:
            out.append(Crossing("cap reached", ln.component))
            capped_before.add(ln.component)
    return out


def forecast(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
             as_of: dt.date, share: Elapsed, names: dict[str, str], teams: dict[str, str],
             pipeline: tuple[str, list[Deal]] | None = None,
             commit: Decimal = Decimal("0.9")) -> Forecast:
    """Each payee's outcomes (raises CompplanError on bad data, as a run does)."""
    so_far = cut_to(compiled, tables, min(as_of, period.end))
    results: dict[str, RunResult] = {
        "to date": run_standalone(compiled, so_far, period),
        "at pace": run_standalone(compiled, at_pace(compiled, so_far, period, share),
                                  period)}
    if pipeline is not None:
        input_name, deals = pipeline
        for outcome in ("low", "expected", "high"):
            results[outcome] = run_standalone(
                compiled, with_pipeline(compiled, so_far, input_name, deals, outcome,
                                        commit), period)
    head = headline(compiled)
    fc = Forecast(compiled.plan.plan, period.label, as_of, compiled.plan.currency,
                  share.basis, head, list(results))
    pids = sorted({p.payee for r in results.values() for p in r.payees})
    for pid in pids:
        got = {k: r.payee(pid) for k, r in results.items()}
        base = got["to date"]
        att = {k: (Decimal(pr.measure_values[head]) if pr is not None and head and
                   pr.measure_values.get(head) is not None else None)
               for k, pr in got.items()}
        pay = {k: (pr.total if pr is not None else ZERO) for k, pr in got.items()}
        moved = {k: changes(compiled, base, pr) for k, pr in got.items() if k != "to date"}
        fc.payees.append(PayeeForecast(pid, names.get(pid, base.name if base else ""),
                                       teams.get(pid, ""), share.of(pid), att, pay, moved))
    return fc


def rows(fc: Forecast) -> tuple[list[str], list[list]]:
    """A row per payee, then per team and the plan: attainment and pay per outcome."""
    cols = ["payee", "name", "team", "share_gone"]
    for o in fc.outcomes:
        w = o.replace(" ", "_")
        cols += [f"attainment_{w}", f"pay_{w}"]
    cols += ["crossed"]
    out = []
    for p in fc.payees:
        r = [p.payee, p.name, p.team, round_to(Decimal(p.share.numerator) /
                                               Decimal(p.share.denominator),
                                               Decimal("0.0001"))]
        for o in fc.outcomes:
            a = p.attainment[o]  # a ratio, to six places (100.0000%)
            r += [round_to(a, Decimal("0.000001")) if a is not None else None, p.pay[o]]
        r.append("; ".join(f"{o}: {', '.join(c)}" for o, c in p.changes.items() if c))
        out.append(r)
    for team in fc.teams() + [None]:
        r = [f"team {team}" if team else f"plan {fc.plan}", "", team or "", ""]
        for o in fc.outcomes:
            r += ["", fc.total(o, team)]
        out.append(r + [""])
    return cols, out


def text(fc: Forecast) -> str:
    head = fc.headline or "attainment"
    out = [f"{fc.plan} {fc.period} forecast as of {fc.as_of}, pace by {fc.basis}; "
           f"{head} and pay ({fc.currency})"]
    w = max([len(p.payee) for p in fc.payees] + [6])
    out.append(f"{'payee':<{w}} {'gone':>6} " + " ".join(f"{o:>22}" for o in fc.outcomes))
    for p in fc.payees:
        share = fmt_ratio(Decimal(p.share.numerator) / Decimal(p.share.denominator))
        cells = []
        for o in fc.outcomes:
            a = fmt_ratio(p.attainment[o]) if p.attainment[o] is not None else "-"
            cells.append(f"{a:>8} {p.pay[o]:>13,.2f}")
        out.append(f"{p.payee:<{w}} {share:>6} " + " ".join(cells))
        for o, c in p.changes.items():
            if c:
                out.append(f"{'':<{w}}   {o}: {', '.join(c)}")
    for team in fc.teams():
        out.append(f"team {team}: " + ", ".join(f"{o} {fc.total(o, team):,.2f}"
                                                for o in fc.outcomes))
    out.append(f"plan {fc.plan}: " + ", ".join(f"{o} {fc.total(o):,.2f}"
                                               for o in fc.outcomes))
    return "\n".join(out) + "\n"


def project(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
            as_of: dt.date, folder: str | Path, pipeline_file: str | Path | None = None,
            input_name: str | None = None, commit: Decimal = Decimal("0.9"),
            calendar_file: str | Path | None = None, names: dict[str, str] | None = None,
            teams: dict[str, str] | None = None) -> Forecast:
    """The forecast of a plan's period from its tables and what its data folder holds
    beside them: the working-day calendar (calendar_file, else the folder's
    calendar.yaml) and the payees' territories, names and managers (unless given). One
    way for the command, the demo and the portal. Raises CompplanError on bad data or a
    bad pipeline row, ValueError when `input_name` is no dated input of the plan."""
    calendar, problems = plan_calendar(folder, str(calendar_file) if calendar_file
                                       else None)
    if problems:
        raise CompplanError(problems)
    territory = raw_column(compiled, folder, "payees", "territory") \
        if calendar is not None else {}
    share = elapsed(period, as_of, calendar, territory)
    pipeline = None
    if pipeline_file is not None:
        name = input_name or next((n for n, i in compiled.plan.inputs.items()
                                   if i.date and i.payee), None)
        if name not in compiled.plan.inputs or not compiled.plan.inputs[name].date:
            raise ValueError(f"'{name}' is not a dated input of the plan")
        deals, bad = read_pipeline(compiled, pipeline_file, name, period, as_of)
        if bad:
            raise CompplanError(bad)
        pipeline = (name, deals)
    payees = compiled.plan.inputs.get("payees")
    if names is None:
        names = raw_column(compiled, folder, "payees", "name")
    if teams is None:
        teams = raw_column(compiled, folder, "payees", payees.manager) \
            if payees is not None and payees.manager else {}
    return forecast(compiled, tables, period, as_of, share, names, teams, pipeline, commit)


def write_file(fc: Forecast, target: Path, fmt: str = "csv") -> Path:
    """forecast-<day>.csv (or .xlsx) in `target`: rows() as a table."""
    from . import journal
    target.mkdir(parents=True, exist_ok=True)
    cols, out = rows(fc)
    return journal.write_table(target / f"forecast-{fc.as_of}.{fmt}", cols, out, fmt,
                               "forecast")
