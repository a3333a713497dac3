"""Issue 12 item 1: the IR tree is built without a backend. Constants (params, plan-wide
tier bounds and rates, curve points, lookup cells) are folded by engine/constants.py,
which walks the node with the operators and the registry's Python implementations, not
by the Python engine's compiler; and the Python engine's closures are made only when
that engine runs the tree (CompiledPlan.python), so a SQL run never makes them.
"""
from __future__ import annotations

import ast as pyast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compplan.engine import load_plan
from compplan.engine.data import load_folder
from compplan.engine.ir import compile_plan
from compplan.engine.periods import parse_period
from compplan.engine.python.compile import Compiler, Env
from compplan.engine.tables import build_tiers
from compplan.lang import check_file

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"

PLAN = """plan: t
name: T
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
params:
  base: 1_000.005
  third: base / 3
  zero: base - base
  nothing: base / zero
  kept: coalesce(nothing, 7)
  rounded: round(third, 2)
  low: floor(-2.5)
  high: ceil(-2.5)
  near: abs(-12.5) * 2
  least: min(3, 1.5, 2)
  clamped: clamp(250%, 0%, 200%)
  start: 2026-01-31
  later: start + 30
  days: days_between(start, 2026-03-01)
  weekday_of: weekday(2026-03-01)
  quarter_of: quarter(2026-10-01)
  big: base > 1000 and not (base between 0 and 10)
  unknown: nothing > 1 or false
  listed: nothing in [1, missing]
  picked: 5 if nothing == missing else 6
  pct: 12.5% * base
rates:
  steps:
    basis: sum(bookings)
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: base, rate: 1%}
      - {from: base, rate: 'min(clamped, 10%)'}
earnings:
  commission:
    value: tiered(steps)
"""

# worked out by hand (the arithmetic rule: 16 places, half up; round() half up)
WANT = {
    "base": Decimal("1000.005"),
    "third": Decimal("333.3350000000000000"),   # 1,000.005 / 3 at 16 places
    "zero": Decimal("0.000"),
    "nothing": None,                            # division by zero: missing
    "kept": Decimal("7"),
    "rounded": Decimal("333.34"),               # 333.335 half up
    "low": Decimal("-3"),
    "high": Decimal("-2"),
    "near": Decimal("25.0"),
    "least": Decimal("1.5"),
    "clamped": Decimal("2.00"),
    "start": dt.date(2026, 1, 31),
    "later": dt.date(2026, 3, 2),               # January 31 + 30 days
    "days": 29,                                 # to March 1, 2026 (February has 28)
    "weekday_of": 7,                            # March 1, 2026 is a Sunday
    "quarter_of": 4,
    "big": True,
    "unknown": None,                            # missing > 1 is unknown; unknown or false
    "listed": True,                             # missing is in [1, missing]
    "picked": Decimal("5"),
    "pct": Decimal("125.000625"),               # 12.5% x 1,000.005
}


def _checked(tmp_path, text: str = PLAN):
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    checked = check_file(str(path))
    assert checked.ok, [p.text for p in checked.problems.errors]
    return checked


def _by_python_engine(checked) -> dict:
    """The params as the Python engine's compiler works them out (what ir.py did)."""
    comp, env = Compiler(checked), Env({}, {}, {})
    for name in checked.order:
        if name in checked.plan.params:
            comp.params[name] = comp.fast(checked.expr("params", name))(env, None)
    return comp.params


def test_issue12_constants_are_worked_out_as_by_hand_and_as_the_python_engine(tmp_path):
    checked = _checked(tmp_path)
    compiled = compile_plan(checked)
    assert compiled.params == WANT
    assert compiled.params == _by_python_engine(checked)
    for k, v in WANT.items():  # the same types too (an int stays an int)
        assert type(compiled.params[k]) is type(v), k
    table = compiled.tier_tables["steps"]
    assert [(b.low, b.high, b.rate) for b in table.bands] == [
        (None, Decimal("1000.005"), Decimal("0.01")),
        (Decimal("1000.005"), None, Decimal("0.10"))]  # min(200%, 10%)


@pytest.mark.parametrize("plan", sorted(p.name for p in PLANS.glob("*.yaml")))
def test_issue12_sample_plans_fold_their_constants_as_the_python_engine(plan):
    """Params, lookup cells and plan-wide tier tables: the tree's values are those the
    Python engine's compiler works out (ir.py's folding before this change)."""
    compiled = load_plan(PLANS / plan)
    checked = compiled.checked
    assert compiled.params == _by_python_engine(checked)
    comp, env = Compiler(checked), Env({}, {}, {})
    comp.params = dict(compiled.params)
    for name, table in compiled.lookups.items():
        rows = {}
        for i, row in enumerate(checked.plan.rates[name].rows or ()):
            cells = [comp.fast(checked.expr("rates", name, "rows", i, j))(env, None)
                     for j in range(len(row))]
            rows[tuple(cells[:-1])] = cells[-1]
        assert table.rows == rows, name
    for name, table in compiled.tier_tables.items():
        if not table.per_payee:
            assert table == build_tiers(checked, comp, name, env), name


def test_issue12_ir_imports_no_backend_at_module_level():
    for module in ("ir.py", "constants.py", "operations.py"):
        tree = pyast.parse((ROOT / "compplan" / "engine" / module).read_text())
        for node in tree.body:  # module level only: CompiledPlan.python imports lazily
            if isinstance(node, pyast.ImportFrom):
                assert not (node.module or "").startswith(("python", "sql")), \
                    (module, node.module)


def test_issue12_compile_makes_no_closures_and_a_sql_run_never_does(sql_engine):
    from engines import run_tables
    samples = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text())["samples"]
    entry = next(s for s in samples if s["plan"] == "ae.yaml")
    compiled = load_plan(PLANS / "ae.yaml")
    assert compiled.closures is None
    got = run_tables(sql_engine)(compiled, load_folder(compiled.plan, PLANS / entry["data"], []),
                                 parse_period(entry["period"]))
    assert sum(p.total for p in got.payees) > 0
    assert compiled.closures is None  # the SQL engine read the tree alone
    assert compiled.python is compiled.closures is not None  # made on first use
    assert compiled.python is compiled.closures  # once
