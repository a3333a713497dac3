"""A month-end accrual: the commission expense earned so far in a period that is not
over, booked before the period's payout run is final.

Earned to a date is what the plan pays on the rows dated up to that date: the engine runs
the whole period (so tiers are read on attainment against the period's full quota,
gates on the figures as they stand, caps at the period's cap) on the transactions that
have happened. Rows without a date (payees, quotas, KPIs) are taken as they are. This is
what a controller would have the engine say if the period ended today, and it is the
same engine and the same rules as the final run, so the true-up (the final run less the
last accrual) is only what happened after the date.

The accrual of a date is the earned-to-date less what was booked before for the same
period: the last accrual kept in the store (its earned-to-date), or, once the period's
run is approved or paid, that run's pay. Each line is per payee and component, with the
payee's cost centre (a payees column named by the finance file; by default cost_center,
region or territory, whichever the file has).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..datafolder import OutsideFolder
from ..engine.data import Table, find_file, load_folder, read_records
from ..engine.ir import CompiledPlan
from ..engine.results import RunResult
from ..engine.standalone import run_standalone
from ..errors import CompplanError, Problem
from ..periods import Period
from . import journal
from .mapping import Mapping

ZERO = Decimal(0)
CENTRE_COLUMNS = ("cost_center", "cost_centre", "region", "territory")
COLUMNS = ["payee", "name", "cost_centre", "component", "earned_to_date", "booked_before",
           "accrual", "expense_account", "liability_account", "currency"]


@dataclass
class AccrualLine:
    payee: str
    name: str
    cost_centre: str
    component: str
    earned: Decimal  # earned to the date
    before: Decimal  # booked before (an earlier accrual, or the period's run)
    amount: Decimal  # to book now: earned - before


@dataclass
class Accrual:
    plan: str
    plan_name: str
    period: str
    as_of: dt.date
    currency: str
    lines: list[AccrualLine] = field(default_factory=list)
    before_from: str = "nothing booked before"  # where `before` came from, in words
    warnings: list[Problem] = field(default_factory=list)

    def total(self, what: str = "amount") -> Decimal:
        return sum((getattr(ln, what) for ln in self.lines), ZERO)

    def by(self, key: str) -> dict[str, Decimal]:
        """The accrual's total per component or per cost centre."""
        out: dict[str, Decimal] = {}
        for ln in self.lines:
            k = getattr(ln, key)
            out[k] = out.get(k, ZERO) + ln.amount
        return dict(sorted(out.items()))

    def control(self) -> str:
        """The control totals a controller ticks off against the journal."""
        payees = len({ln.payee for ln in self.lines})
        parts = [f"{self.plan} {self.period} as of {self.as_of}: {payees} payees, "
                 f"{len(self.lines)} lines",
                 f"earned to date {self.currency} {self.total('earned'):,.2f}",
                 f"booked before {self.total('before'):,.2f} ({self.before_from})",
                 f"accrual {self.total():,.2f}"]
        return "; ".join(parts)


def cut_to(compiled: CompiledPlan, tables: dict[str, Table], as_of: dt.date
           ) -> dict[str, Table]:
    """The tables with only the rows dated up to `as_of` (inclusive) of each dated input;
    inputs without a date column are kept whole."""
    out = {}
    for name, table in tables.items():
        inp = compiled.plan.inputs.get(name)
        if inp is None or not inp.date:
            out[name] = table
            continue
        out[name] = Table(table.name, table.file,
                          [r for r in table.rows
                           if r.get(inp.date) is None or r[inp.date] <= as_of])
    return out


def earned_to(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
              as_of: dt.date) -> RunResult:
    """The period's pay on the rows dated up to `as_of` (raises CompplanError on bad
    data, as a run does)."""
    return run_standalone(compiled, cut_to(compiled, tables, as_of), period)


def centres(compiled: CompiledPlan, folder: str | Path, column: str | None
            ) -> tuple[dict[str, str], str | None]:
    """Each payee's cost centre from the payees file (read raw: the plan need not
    declare the column), and the column it came from."""
    inp = compiled.plan.inputs.get("payees")
    if inp is None or not inp.key:
        return {}, None
    try:
        path = find_file(Path(folder), "payees", inp)
    except OutsideFolder:
        return {}, None
    if path is None:
        return {}, None
    header, records = read_records(path, inp.encoding)
    key_col = inp.rename.get(inp.key, inp.key)
    wanted = [column] if column else [c for c in CENTRE_COLUMNS if c in header]
    col = next((c for c in wanted if c in header), None)
    if key_col not in header or col is None:
        for _ in records:
            pass
        return {}, None
    k, i = header.index(key_col), header.index(col)
    return ({cells[k].strip(): cells[i].strip() for _, cells in records
             if len(cells) > max(k, i)}, col)


def accrual(compiled: CompiledPlan, result: RunResult, as_of: dt.date,
            before: dict[tuple[str, str], Decimal], before_from: str,
            centre_of: dict[str, str]) -> Accrual:
    """The register: per payee and component, earned to date, booked before, and the
    difference to book. Components of payees no longer earning (a payee booked before
    and gone from the data) are reversed."""
    plan = compiled.plan
    acc = Accrual(plan.plan, plan.name, result.period, as_of, plan.currency,
                  before_from=before_from, warnings=list(result.warnings))
    seen = set()
    for pr in sorted(result.payees, key=lambda p: p.payee):
        for comp in plan.earnings:
            earned = pr.components.get(comp, ZERO)
            # carried lines (a draw's top-up, a year-to-date true-up) under their own name
            seen.add((pr.payee, comp))
            b = before.get((pr.payee, comp), ZERO)
            if earned or b:
                acc.lines.append(AccrualLine(pr.payee, pr.name, centre_of.get(pr.payee, ""),
                                             comp, earned, b, earned - b))
        for comp, earned in sorted(pr.components.items()):
            if comp in plan.earnings:
                continue
            seen.add((pr.payee, comp))
            b = before.get((pr.payee, comp), ZERO)
            if earned or b:
                acc.lines.append(AccrualLine(pr.payee, pr.name, centre_of.get(pr.payee, ""),
                                             comp, earned, b, earned - b))
    for (pid, comp), b in sorted(before.items()):
        if (pid, comp) not in seen and b:
            acc.lines.append(AccrualLine(pid, "", centre_of.get(pid, ""), comp, ZERO, b, -b))
    return acc


def register_rows(acc: Accrual, mapping: Mapping) -> list[list]:
    return [[ln.payee, ln.name, ln.cost_centre, ln.component, ln.earned, ln.before,
             ln.amount, mapping.expense_account(ln.component), mapping.liability,
             acc.currency] for ln in acc.lines]


def control_rows(acc: Accrual) -> list[list]:
    rows = [["plan", acc.plan], ["period", acc.period], ["as of", acc.as_of.isoformat()],
            ["payees", len({ln.payee for ln in acc.lines})], ["lines", len(acc.lines)],
            ["earned to date", acc.total("earned")], ["booked before", acc.total("before")],
            ["accrual", acc.total()]]
    rows += [[f"component {k}", v] for k, v in acc.by("component").items()]
    rows += [[f"cost centre {k or '(none)'}", v] for k, v in acc.by("cost_centre").items()]
    return rows


def journal_lines(acc: Accrual, mapping: Mapping, entry: str) -> list[journal.JournalLine]:
    """Debit each component's expense account, credit the accrued liability, per cost
    centre (a payee's detail is in the register); a fall in the accrual the other way."""
    sums: dict[tuple[str, str], Decimal] = {}
    for ln in acc.lines:
        k = (ln.component, ln.cost_centre)
        sums[k] = sums.get(k, ZERO) + ln.amount
    out: list[journal.JournalLine] = []
    for (comp, centre), amount in sorted(sums.items()):
        out += journal.pair(entry, acc.as_of, mapping.expense_account(comp), mapping.liability,
                            centre, amount, acc.currency,
                            f"{acc.plan} {acc.period} {comp} accrued to {acc.as_of}")
    return out


def from_folder(compiled: CompiledPlan, folder: str | Path, period: Period, as_of: dt.date,
                mapping: Mapping, before: dict[tuple[str, str], Decimal] | None = None,
                before_from: str = "nothing booked before") -> tuple[Accrual, RunResult]:
    """The accrual of a data folder as of a day, less what was booked before, and the
    run it was worked out from (its warnings). Raises CompplanError on bad data."""
    problems: list[Problem] = []
    tables = load_folder(compiled.plan, folder, problems)
    if problems:
        raise CompplanError(problems)
    result = earned_to(compiled, tables, period, min(as_of, period.end))
    centre_of, _ = centres(compiled, folder, mapping.cost_centre)
    return accrual(compiled, result, as_of, before or {}, before_from, centre_of), result


def month_end_close(period: Period) -> dt.date:
    """The close a period is accrued at before it ends: the last month end before the
    period's end (a quarter's second month), or the 15th of a one-month period."""
    ends = [d for d in (dt.date(y, m, 1) - dt.timedelta(days=1)
                        for y, m in _months_after(period.start, period.end))
            if period.start <= d < period.end]
    if ends:
        return ends[-1]
    return min(period.start + dt.timedelta(days=14), period.end)


def _months_after(start: dt.date, end: dt.date):
    """(year, month) of each month's first day after `start` up to `end`."""
    y, m = start.year, start.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        if dt.date(y, m, 1) > end:
            return
        yield y, m


def write_files(acc: Accrual, mapping: Mapping, target: Path, fmt: str, entry: str
                ) -> tuple[list[Path], list[journal.JournalLine]]:
    """In `target`: accrual-<day>.csv (the register), its control totals
    (accrual-<day>-control.csv; in xlsx, the register's second sheet) and
    accrual-<day>-journal.csv; and the journal lines."""
    target.mkdir(parents=True, exist_ok=True)
    day = acc.as_of.isoformat()
    written = [journal.write_table(target / f"accrual-{day}.{fmt}", COLUMNS,
                                   register_rows(acc, mapping), fmt, "accrual",
                                   control_rows(acc))]
    if fmt == "csv":
        written.append(journal.write_table(target / f"accrual-{day}-control.csv",
                                           ["control", "value"], control_rows(acc)))
    lines = journal_lines(acc, mapping, entry)
    written.append(journal.write(lines, target / f"accrual-{day}-journal.{fmt}", fmt))
    return written, lines
