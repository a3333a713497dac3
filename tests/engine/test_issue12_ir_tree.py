"""The compiled plan is data (issue 12 item 1): a tree of typed dataclasses with source
positions, types and grains, no closure in it; the Python engine's closures sit beside
it (CompiledPlan.python, engine/python/), and the SQL engine runs from the tree alone.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compplan.engine import load_plan
from compplan.engine.data import load_folder
from compplan.engine.ir import GRAINS, EarningStep, Expr, tree_callables
from compplan.engine.periods import parse_period
from compplan.engine.python.plan import PythonPlan
from compplan.engine.run import run_plan

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]


@pytest.mark.parametrize("plan", sorted(p.name for p in PLANS.glob("*.yaml")))
def test_issue12_ir_tree_holds_no_closures(plan):
    """Every sample plan compiles to a tree with no callable in it (the walk skips only
    CompiledPlan.python, the Python engine's closures), and every expression of it has
    its position, its grain and a closure of the Python engine."""
    compiled = load_plan(PLANS / plan)
    assert tree_callables(compiled) == []
    assert isinstance(compiled.python, PythonPlan)
    for step in compiled.steps:
        exprs = [step.when, step.value, step.cap, step.floor] \
            if isinstance(step, EarningStep) else [step.expr]
        for e in (x for x in exprs if x is not None):
            assert isinstance(e, Expr) and e.pos is not None and e.grain in GRAINS
            assert callable(compiled.python.fast(e))


def test_issue12_ir_grain_is_decided_in_the_tree():
    """ae.yaml: `commission` pays each credit of `bookings` (a line per credit), its
    cap is the payee's; credits' rules are worked out per input row; measures per
    payee."""
    compiled = load_plan(PLANS / "ae.yaml")
    by_name = {s.name: s for s in compiled.steps}
    each = [s for s in compiled.earnings if s.spec.each]
    assert each, "ae.yaml has a per-credit earning"
    for s in each:
        assert s.grain == "credit" and s.value.grain == "credit"
        assert s.cap is None or s.cap.grain == "payee"
    for s in compiled.earnings:
        if not s.spec.each:
            assert s.grain == "payee" and s.value.grain == "payee"
    for c in compiled.credits:
        assert c.value.grain == "row"
    for m in compiled.measures:
        assert by_name[m.name].expr.grain == "payee"


def test_issue12_sql_engine_runs_from_the_tree_alone():
    """With the Python engine's closures taken away, the SQL engine pays ae.yaml's
    sample exactly as the Python engine does (it never reads CompiledPlan.python)."""
    pytest.importorskip("duckdb")
    from compplan.engine.sql import run_sql
    entry = next(s for s in SAMPLES if s["plan"] == "ae.yaml")
    period = parse_period(entry["period"])
    compiled = load_plan(PLANS / "ae.yaml")
    ref = run_plan(compiled, load_folder(compiled.plan, PLANS / entry["data"], []), period)
    compiled.python = None
    got = run_sql(compiled, load_folder(compiled.plan, PLANS / entry["data"], []), period)
    assert [p.payee for p in got.payees] == [p.payee for p in ref.payees]
    for a, b in zip(ref.payees, got.payees):
        assert (a.total, a.components) == (b.total, b.components)
    assert sum(p.total for p in got.payees) > Decimal(0)  # the sample pays something


def test_issue12_sql_modules_read_no_closure():
    """No module of engine/sql/ reads the closures (`.python`, `env.fns`, `.fast(`,
    `.explain(`) nor imports the Python engine's compiler."""
    sql = ROOT / "compplan" / "engine" / "sql"
    for path in sql.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.python\b|\bfns\.|\.fast\(|\.explain\(|engine\.python|"
                             r"from \.\.python", text), path.name


def test_issue12_running_bases_are_data_both_engines_read():
    """ae.yaml's marginal commission runs over the bookings credited: the tree holds the
    basis as data (the set, count or sum, the factors as nodes), and the SQL compiler
    reads that form (plan.py's _linear) instead of finding it again."""
    compiled = load_plan(PLANS / "ae.yaml")
    assert compiled.running, "ae.yaml has a running basis"
    for name, form in compiled.running.items():
        assert form.rate == name and form.set_name in compiled.plan.credits
        assert form.aggregate is not None and form.aggregate.name in ("sum", "count")
        assert all(hasattr(m, "pos") for m in form.muls + form.divs)  # nodes, not closures
