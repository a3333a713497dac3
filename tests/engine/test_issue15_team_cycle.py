"""Issue 15: a payee's Env is freed when its run lets go of it, without the collector.

team() was closures over pay_payees' locals: each Env held its team closure, which held
the run's dict of Envs, which held the Env. The cycle kept every Env of a run (and the
group() and pool Envs its closures reached) alive until the cyclic collector ran; the
live run pauses and freezes the collector while a batch is worked out, so garbage made
then can be frozen with the rest. engine/team.py's reader keeps the figures, not the
Envs. These tests run with the collector off (gc.disable) and never call gc.collect():
what is left is what reference counting alone did not free.

Figures by hand where the run must still pay as before (the manager sample, 2026-Q1,
test_web_browser.py and test_issue15_team.py have them): ana 9,200 of commission and
2,800 of team north's pool = 12,000; max's override on his team's 310,000 of bookings.
"""
import gc
from decimal import Decimal as D
from pathlib import Path

import pytest

from compplan.engine import load_plan, parse_period
from compplan.engine.data import load_folder
from compplan.engine.live import LiveRun
from compplan.engine.pay import pay_payees
from compplan.engine.prepare import prepare
from compplan.engine.python.compile import Env
from compplan.engine.scenarios import run_scenarios

from test_issue16_dated_hierarchy import _plan

ROOT = Path(__file__).resolve().parents[2]
Q1 = parse_period("2026-Q1")


def envs_alive() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Env)


@pytest.fixture
def collector_off():
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _manager():
    compiled = load_plan(ROOT / "plans" / "manager.yaml")
    problems = []
    tables = load_folder(compiled.plan, ROOT / "plans" / "data" / "manager", problems)
    assert not problems
    return compiled, tables


def test_issue15_a_runs_envs_are_freed_without_the_collector(collector_off):
    compiled, tables = _manager()
    assert compiled.uses_team and compiled.groups is not None  # team() and a pool
    prep = prepare(compiled, tables, Q1)
    before = envs_alive()
    result = pay_payees(compiled, prep, Q1)
    ana = next(p for p in result.payees if p.payee == "ana")
    assert ana.total == D("12000.00")
    # 8 payees, each with its Env and its own Env for the pool: all freed (16 were left
    # before the fix)
    assert envs_alive() == before


def test_issue15_a_what_if_leaves_no_env(collector_off):
    compiled, tables = _manager()
    live = LiveRun(compiled, tables, Q1)
    before = envs_alive()
    got = live.what_if("deals", [{"deal_id": "W-1", "rep_id": "bo",
                                  "close_date": "2026-03-31", "amount": "10000",
                                  "customer": "Acme"}])
    # bo: 90,000 of 100,000, the deal at 6% = 600 more commission
    assert got.after["bo"].components["commission"] - \
        got.before["bo"].components["commission"] == D("600.00")
    assert envs_alive() == before


def test_issue15_part_of_the_period_envs_are_freed_too(tmp_path, collector_off):
    # a report who moves manager on the 15th: team() works out her figures for each part
    before = envs_alive()
    [outcome] = run_scenarios(_plan(tmp_path))
    assert outcome.passed, outcome.differences
    assert envs_alive() == before
