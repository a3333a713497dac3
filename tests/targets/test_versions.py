"""Target versions in the store: proposed -> approved, a change mid-period, the log."""
import datetime as dt
import json
from decimal import Decimal as D

import pytest

from compplan.periods import parse_period
from compplan.store import audit
from compplan.targets import store as tstore
from compplan.targets.model import Key, Target
from compplan.targets.versions import day_weighted, in_force


def test_a_mid_period_change_is_a_new_version_and_attainment_is_day_weighted(store):
    # rita's April revenue target is 3,000.00 (v1, approved). On 21 April her route
    # grows and the target becomes 3,600.00 from that day (v2). April has 30 days:
    # 1-20 April at 3,000 and 21-30 April at 3,600, so April's target is
    # 20/30 x 3,000 + 10/30 x 3,600 = 2,000 + 1,200 = 3,200.00.
    april = parse_period("2026-04")
    [v1] = tstore.propose(store, "field", [Target("rita", "revenue", "2026-04", D(3000),
                                                  "money", how="growth")], "planner")
    assert v1.version == 1 and v1.status == "proposed"
    # a proposal feeds nothing until approved
    assert day_weighted(tstore.versions(store, "field"), april, D("0.01"), "money") is None
    tstore.approve(store, "field", "finance")
    key = Key("rita", "revenue", "2026-04")
    v2 = tstore.change(store, "field", key, D(3600), dt.date(2026, 4, 21), "manager",
                       "route extended by 12 outlets")
    assert v2.version == 2 and v2.effective_from == dt.date(2026, 4, 21)
    # until v2 is approved, v1 is in force all month
    w = day_weighted(tstore.versions(store, "field"), april, D("0.01"), "money")
    assert w.value == D(3000)
    tstore.approve(store, "field", "finance", ids=[v2.id])
    vs = tstore.versions(store, "field")
    assert in_force(vs, dt.date(2026, 4, 20)).version == 1
    assert in_force(vs, dt.date(2026, 4, 21)).version == 2
    w = day_weighted(vs, april, D("0.01"), "money")
    assert w.value == D("3200.00")
    assert w.how == ("20/30 days x 3,000.00 (v1) + 10/30 days x 3,600.00 "
                     "(v2 from 2026-04-21) = 3,200.00")
    # the change and both approvals are in the audit log, with who did them
    with store.session() as s:
        entries = audit.log(s)
        assert not audit.verify(s)
    events = [(e.event, e.actor) for e in entries]
    assert events == [("targets.proposed", "planner"), ("targets.approved", "finance"),
                      ("targets.proposed", "manager"), ("target.changed", "manager"),
                      ("targets.approved", "finance")]
    changed = json.loads(entries[3].payload)
    assert changed["was"] == "3000" and changed["now"] == "3600" and \
        changed["from"] == "2026-04-21" and changed["reason"] == "route extended by 12 outlets"
    assert json.loads(entries[4].payload)["versions"] == [
        "rita revenue 2026-04 v2 = 3600"]
    approved = [t for t in vs if t.version == 2][0]
    assert approved.extra["approved_by"] == "finance"


def test_an_unchanged_proposal_adds_no_version_and_approve_refuses_nothing(store):
    t = Target("sid", "pc", "2026-04-01", D(12), "count")
    assert len(tstore.propose(store, "s", [t], "p")) == 1
    assert tstore.propose(store, "s", [t], "p") == []
    tstore.approve(store, "s", "f")
    with pytest.raises(tstore.TargetsError, match="nothing to approve"):
        tstore.approve(store, "s", "f")
    with pytest.raises(tstore.TargetsError, match="say why"):
        tstore.change(store, "s", t.key, D(14), dt.date(2026, 4, 1), "m", " ")


def test_money_targets_are_kept_exactly(store):
    tstore.propose(store, "x", [Target("a", "revenue", "2026", D("1234567.89"), "money"),
                                Target("b", "revenue", "2026", D("0.1"), "money")], "p")
    assert [t.value for t in tstore.current(store, "x")] == [D("1234567.89"), D("0.1")]
