"""Payees settled at their own frequency (issue 20 item 7): `frequency:` on the payees
input names a column whose value says how often each payee is settled: a kind of period
made of whole periods of the plan's (`half_month` or `month` in a half-month plan). An
empty cell settles the payee by the plan's own period.

    period: half_month
    inputs:
      payees:
        key: rep_id
        frequency: pay_frequency
        columns: {name: text, pay_frequency: {text: [half_month, month]}}

The engine (compplan/engine/settle.py) settles each payee over their own period in the
run of the plan's period that ends with it; this module checks the plan.
"""
from __future__ import annotations

from .checked import Checked
from .windows import RANK


def settles(kind: str, plan_kind: str) -> bool:
    """Whether every period of `kind` is made of whole periods of `plan_kind` (a month of
    half months; not a month of weeks): a payee can then be settled by `kind`."""
    if kind not in RANK or plan_kind not in RANK or RANK[kind] < RANK[plan_kind]:
        return False
    if "week" in (kind, plan_kind) and kind != plan_kind:
        return plan_kind == "day"
    return True


def kinds_for(plan_kind: str) -> list[str]:
    """The frequencies a plan paying by `plan_kind` can settle payees at."""
    return [k for k in RANK if settles(k, plan_kind)]


def check_frequency(c: Checked) -> None:
    """`frequency:` only on the payees input, naming a declared text column whose listed
    values (if it lists them) are frequencies the plan can settle at; not with a
    year-to-date payout, whose runs pay the year so far by the plan's periods."""
    plan = c.plan
    if plan.period not in RANK:
        return  # the plan's period is wrong, and said so
    for name, inp in plan.inputs.items():
        if not inp.frequency:
            continue
        at = c.source.pos(("inputs", name, "frequency"))
        if name != "payees":
            c.error(at, f"'frequency' says how often each payee is settled: it belongs "
                    f"on the payees input, not '{name}'", "move it under inputs.payees",
                    code="bad-value")
            continue
        col = inp.frequency
        spec = inp.columns.get(col)
        if spec is None:
            c.error(at, f"the frequency column '{col}' is not declared",
                    f"declare it under inputs.payees.columns, e.g. {col}: "
                    f"{{text: [{', '.join(kinds_for(plan.period)[:2])}]}}",
                    code="unknown-column")
            continue
        if str(spec) != "text":
            c.error(c.source.pos(("inputs", name, "columns", col)), f"the frequency column "
                    f"'{col}' holds kinds of period, so it is text, not {spec}",
                    f"declare it as {{text: [{', '.join(kinds_for(plan.period)[:2])}]}}",
                    code="wrong-type")
            continue
        for value in inp.allowed_values.get(col, ()):
            if not settles(value, plan.period):
                c.error(c.source.pos(("inputs", name, "columns", col)),
                        f"'{value}' is not a frequency a plan paid by "
                        f"{plan.period.replace('_', ' ')} can settle at",
                        "one of: " + ", ".join(kinds_for(plan.period)), code="bad-value")
        if plan.payout is not None and plan.payout.basis != "period":
            c.error(at, "payees settled at their own frequency cannot be paid the year to "
                    "date yet", "remove 'frequency', or use payout basis: period",
                    code="bad-value")
