"""The finance file: where a plan's pay goes in the books.

    plan: ae-2026
    accounts:
      accrued_liability: "2150"     # credited by an accrual
      expense: {default: "6100", commission: "6110"}   # debited, per component
    cost_centre: region             # the payees column that names the cost centre
    capitalize:                     # optional: IFRS 15 / ASC 340-40
      components: [commission]      # incremental costs of obtaining a contract
      contracts: deals              # the input whose rows are the contracts
      term: term_months             # its column with the contract term, in months
      cancelled: cancelled_on       # its column with the date a contract was cancelled
      renewals: {expected: 1, months: 12}   # amortized over the term and these
      expense_up_to_months: 12      # the practical expedient: shorter terms are expensed
      accounts: {asset: "1460", amortization: "6190", impairment: "6195"}

Account codes are text, read as written (0150 stays 0150). Every problem is a Problem at the file's line and column, all of them
in one pass, with a hint; a component the plan does not pay is named with a suggestion.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, did_you_mean
from ..lang.source import SourceFile, load_yaml, read_yaml_file

TOP = ("plan", "accounts", "cost_centre", "capitalize")
ACCOUNTS = ("accrued_liability", "expense")
CAPITALIZE = ("components", "contracts", "term", "start", "cancelled", "renewals",
              "expense_up_to_months", "accounts")
CAP_ACCOUNTS = ("asset", "amortization", "impairment")


@dataclass
class Policy:
    """Which components are capitalized, and over what term."""

    components: list[str]
    contracts: str = "deals"
    term: str = "term_months"
    start: str | None = None  # a column with the contract's start; else the row's date
    cancelled: str | None = None
    renewals_expected: int = 0
    renewal_months: int = 0
    expense_up_to_months: int = 12
    asset: str = ""
    amortization: str = ""
    impairment: str = ""

    def months(self, term: int) -> int:
        """The amortization period: the term and the renewals the policy expects."""
        return term + self.renewals_expected * self.renewal_months


@dataclass
class Mapping:
    file: str
    plan: str | None = None
    liability: str = ""
    expense: dict[str, str] = field(default_factory=dict)
    cost_centre: str | None = None
    capitalize: Policy | None = None

    def expense_account(self, component: str) -> str:
        return self.expense.get(component) or self.expense.get("default", "")


class _Reader:
    def __init__(self, src: SourceFile):
        self.src, self.problems = src, []

    def error(self, path, message, hint=None, key=False):
        pos = self.src.key_pos(path) if key else self.src.pos(path)
        self.problems.append(Problem.at(pos, message, hint, code="bad-finance-file"))

    def table(self, path, value, allowed) -> dict:
        if not isinstance(value, dict):
            self.error(path, f"{'.'.join(path) or 'the file'} must be a mapping of "
                       f"{', '.join(allowed)}")
            return {}
        for k in value:
            if k not in allowed:
                self.error(path + (k,), f"unknown key '{k}'",
                           did_you_mean(str(k), allowed) or f"one of: {', '.join(allowed)}",
                           key=True)
        return value

    def account(self, path, value) -> str:
        # the file is read as text (compplan.lang.source): 0150 stays "0150"
        if isinstance(value, str) and value.strip() and value == value.strip() and \
                " " not in value:
            return value
        self.error(path, f"an account code must be one word of text, not {value!r}",
                   'e.g. "6110" or "6110-01"')
        return ""

    def count(self, path, value, least: int = 0) -> int:
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text.isdigit() and int(text) >= least:
            return int(text)
        self.error(path, f"{path[-1]} must be a whole number of at least {least}, "
                   f"not {value!r}", "e.g. 12")
        return least

    def name(self, path, value) -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.error(path, f"{path[-1]} must name a column, not {value!r}")
        return ""


def load_mapping(path: str | Path, compiled=None) -> tuple[Mapping, list[Problem]]:
    """A finance file -> Mapping, and every problem in it. With the compiled plan, the
    components, the plan id and the contracts input are checked against it."""
    text, problems = read_yaml_file(path)
    if problems:
        return Mapping(str(path)), problems
    src, problems = load_yaml(text, str(path))
    if problems:
        return Mapping(str(path)), problems
    r = _Reader(src)
    data = r.table((), src.data if src.data is not None else {}, TOP)
    m = Mapping(str(path))
    if "plan" in data:
        m.plan = str(data["plan"])
    acc = r.table(("accounts",), data.get("accounts"), ACCOUNTS) if "accounts" in data \
        else (r.error((), "the file has no accounts:", "accounts: {accrued_liability: "
                      "\"2150\", expense: {default: \"6100\"}}") or {})
    if acc:
        if "accrued_liability" in acc:
            m.liability = r.account(("accounts", "accrued_liability"),
                                    acc["accrued_liability"])
        else:
            r.error(("accounts",), "accounts has no accrued_liability:",
                    'the account an accrual credits, e.g. accrued_liability: "2150"')
        exp = acc.get("expense")
        if isinstance(exp, dict):
            for comp, code in exp.items():
                m.expense[str(comp)] = r.account(("accounts", "expense", comp), code)
        elif exp is not None:
            m.expense["default"] = r.account(("accounts", "expense"), exp)
        else:
            r.error(("accounts",), "accounts has no expense:",
                    'e.g. expense: {default: "6100", commission: "6110"}')
    if "cost_centre" in data:
        m.cost_centre = r.name(("cost_centre",), data["cost_centre"])
    if "capitalize" in data:
        m.capitalize = _policy(r, data["capitalize"])
    if compiled is not None:
        _against_plan(r, m, compiled)
    return m, sorted(r.problems, key=Problem.sort_key)


def _policy(r: _Reader, value) -> Policy | None:
    c = r.table(("capitalize",), value, CAPITALIZE)
    if not c:
        return None
    comps = c.get("components")
    if not (isinstance(comps, list) and comps and all(isinstance(x, str) for x in comps)):
        r.error(("capitalize", "components") if "components" in c else ("capitalize",),
                "capitalize needs components: the list of earnings that are incremental "
                "costs of obtaining a contract", "e.g. components: [commission]")
        comps = []
    p = Policy(list(comps))
    for key in ("contracts", "term", "start", "cancelled"):
        if key in c:
            setattr(p, key, r.name(("capitalize", key), c[key]))
    if "renewals" in c:
        ren = r.table(("capitalize", "renewals"), c["renewals"], ("expected", "months"))
        p.renewals_expected = r.count(("capitalize", "renewals", "expected"),
                                      ren.get("expected", 0))
        p.renewal_months = r.count(("capitalize", "renewals", "months"),
                                   ren.get("months", 0))
        if p.renewals_expected and not p.renewal_months:
            r.error(("capitalize", "renewals"), "expected renewals need their months",
                    "e.g. renewals: {expected: 1, months: 12}")
    if "expense_up_to_months" in c:
        p.expense_up_to_months = r.count(("capitalize", "expense_up_to_months"),
                                         c["expense_up_to_months"])
    accs = r.table(("capitalize", "accounts"), c.get("accounts"), CAP_ACCOUNTS) \
        if "accounts" in c else {}
    for key in CAP_ACCOUNTS:
        if key in accs:
            setattr(p, key, r.account(("capitalize", "accounts", key), accs[key]))
        else:
            r.error(("capitalize", "accounts") if "accounts" in c else ("capitalize",),
                    f"capitalize has no {key} account",
                    'accounts: {asset: "1460", amortization: "6190", impairment: "6195"}')
    return p


def _against_plan(r: _Reader, m: Mapping, compiled) -> None:
    plan = compiled.plan
    if m.plan is not None and m.plan != plan.plan:
        r.error(("plan",), f"this file is for plan {m.plan}, not {plan.plan}",
                "use the finance file written for this plan")
    earnings = list(plan.earnings)
    for comp in m.expense:
        if comp != "default" and comp not in earnings:
            r.error(("accounts", "expense", comp), f"the plan pays no component '{comp}'",
                    did_you_mean(comp, earnings) or f"its components: {', '.join(earnings)}",
                    key=True)
    if not m.expense.get("default") and any(e not in m.expense for e in earnings):
        missing = [e for e in earnings if e not in m.expense]
        r.error(("accounts", "expense"), f"no expense account for {', '.join(missing)}",
                'give each component one, or a default: default: "6100"')
    p = m.capitalize
    if p is not None:
        for i, comp in enumerate(p.components):
            if comp not in earnings:
                r.error(("capitalize", "components", i),
                        f"the plan pays no component '{comp}'",
                        did_you_mean(comp, earnings) or f"its components: "
                        f"{', '.join(earnings)}")
        inp = plan.inputs.get(p.contracts)
        if inp is None or not inp.key:
            r.error(("capitalize", "contracts"), f"'{p.contracts}' is not an input of the "
                    "plan with a key column", "name the input whose rows are contracts "
                    "(its key is the contract id), e.g. contracts: deals")
        elif p.start is None and not inp.date:
            r.error(("capitalize", "contracts"), f"{p.contracts} has no date column to "
                    "start the amortization from", "name one: start: <column>")
