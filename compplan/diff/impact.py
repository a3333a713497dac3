"""What a plan change does to pay: both versions run on the same data and period.

The comp committee's second question after "what changed in the rules" is "what does it
cost, and who wins or loses". Each plan is run exactly as `compplan run` would run it
(its own inputs read from the one data folder), and the payees' totals are set side by
side. A payee paid by only one version counts as paid 0 by the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..engine import compile_plan, parse_period, run_plan
from ..engine.data import load_folder
from ..engine.results import RunResult
from ..errors import CompplanError, Problem
from ..lang.check import Checked

ZERO = Decimal(0)


@dataclass
class PayeeImpact:
    payee: str
    name: str
    currency: str
    before: Decimal
    after: Decimal
    components_before: dict[str, Decimal] = field(default_factory=dict)
    components_after: dict[str, Decimal] = field(default_factory=dict)

    @property
    def difference(self) -> Decimal:
        return self.after - self.before

    @property
    def percent(self) -> Decimal | None:
        """The change as a share of before (None when before is 0)."""
        return None if self.before == 0 else self.difference / self.before

    @property
    def direction(self) -> str:
        d = self.difference
        return "gains" if d > 0 else "loses" if d < 0 else "unchanged"


@dataclass
class Impact:
    old: str
    new: str
    data: str
    period: str
    currency: str
    payees: list[PayeeImpact] = field(default_factory=list)
    top: int = 5

    def totals(self) -> list[tuple[str, Decimal, Decimal]]:
        """(currency, before, after): one row unless payees are paid in several
        currencies, which are never added together."""
        sums: dict[str, list[Decimal]] = {self.currency: [ZERO, ZERO]}
        for p in self.payees:
            s = sums.setdefault(p.currency, [ZERO, ZERO])
            s[0] += p.before
            s[1] += p.after
        if len(sums) > 1 and not any(p.currency == self.currency for p in self.payees):
            del sums[self.currency]
        return [(c, b, a) for c, (b, a) in sums.items()]

    def count(self, direction: str) -> int:
        return sum(1 for p in self.payees if p.direction == direction)

    def movers(self) -> list[PayeeImpact]:
        """The largest changes either way, biggest first (ties by payee id)."""
        moved = [p for p in self.payees if p.difference]
        moved.sort(key=lambda p: (-abs(p.difference), p.payee))
        return moved[: self.top]

    def to_dict(self) -> dict:
        def pct(v):
            return None if v is None else str(v.quantize(Decimal("0.0001")))
        return {
            "old": self.old, "new": self.new, "data": self.data, "period": self.period,
            "currency": self.currency,
            "totals": [{"currency": c, "before": str(b), "after": str(a),
                        "difference": str(a - b),
                        "change": pct(None if b == 0 else (a - b) / b)}
                       for c, b, a in self.totals()],
            "gain": self.count("gains"), "lose": self.count("loses"),
            "unchanged": self.count("unchanged"),
            "movers": [p.payee for p in self.movers()],
            "payees": [{"payee": p.payee, "name": p.name, "currency": p.currency,
                        "before": str(p.before),
                        "after": str(p.after), "difference": str(p.difference),
                        "change": pct(p.percent),
                        "components_before": {k: str(v) for k, v in
                                              p.components_before.items()},
                        "components_after": {k: str(v) for k, v in
                                             p.components_after.items()}}
                       for p in self.payees]}


def _run(checked: Checked, data_dir: Path, period: str) -> RunResult:
    compiled = compile_plan(checked)
    p = parse_period(period)
    if p.kind != compiled.plan.period:
        raise CompplanError([Problem(checked.source.name, None, None,
                                     f"'{period}' is a {p.kind}, but the plan pays by "
                                     f"{compiled.plan.period}", code="period")])
    problems: list[Problem] = []
    tables = load_folder(compiled.plan, data_dir, problems)
    if problems:
        raise CompplanError(problems)
    return run_plan(compiled, tables, p)


def impact(a: Checked, b: Checked, data_dir: str | Path, period: str, top: int = 5) -> Impact:
    """Run both plans on the data; CompplanError with every problem if either cannot run."""
    problems: list[Problem] = []
    results = []
    for c in (a, b):
        try:
            results.append(_run(c, Path(data_dir), period))
        except CompplanError as e:
            problems.extend(p for p in e.problems if p not in problems)
        except ValueError as e:  # a period that does not parse
            problems.append(Problem(str(period), None, None, str(e), code="period"))
            break
    if problems:
        raise CompplanError(problems)
    ra, rb = results
    if ra.currency != rb.currency:
        raise CompplanError([Problem(b.source.name, None, None,
                                     f"the plans pay in different currencies ({ra.currency}, "
                                     f"{rb.currency}); their totals cannot be compared",
                                     code="currency")])
    out = Impact(a.source.name, b.source.name, str(data_dir), rb.period, rb.currency, top=top)
    before = {p.payee: p for p in ra.payees}
    after = {p.payee: p for p in rb.payees}
    for pid in sorted(set(before) | set(after)):
        x, y = before.get(pid), after.get(pid)
        cx, cy = (x.currency or ra.currency if x else None), (y.currency or rb.currency
                                                               if y else None)
        if cx and cy and cx != cy:
            raise CompplanError([Problem(b.source.name, None, None,
                                         f"payee {pid} is paid in {cx} by the old plan and "
                                         f"in {cy} by the new; the amounts cannot be compared",
                                         code="currency")])
        out.payees.append(PayeeImpact(
            pid, (y or x).name, cy or cx, x.total if x else ZERO, y.total if y else ZERO,
            dict(x.components) if x else {}, dict(y.components) if y else {}))
    return out
