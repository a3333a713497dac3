"""A period's runs on both databases: draft -> approved -> paid, refusals, reopen, money
stored exactly, two runs at once, an interrupted run, and a tampered audit log."""
import json
import threading
import time
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from compplan.engine import load_plan
from compplan.store import audit, lifecycle
from tamper_helpers import drop_guards

from compplan.store.models import (AuditEntry, Dataset, LineItem, Payment, PeriodState,
                                   PlanVersion, Run)

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "textbook.yaml"
DATA = ROOT / "plans" / "data" / "textbook"


@pytest.fixture(scope="module")
def compiled():
    return load_plan(PLAN)


def test_money_goes_in_and_comes_out_exactly(store):
    # values a float would change: 0.1, 19 significant digits, a negative cent, a scale
    values = [D("0.1"), D("1234567890.123456789"), D("-0.01"), D("2000.00"), D("0E-8")]
    with store.session() as s:
        s.add(PlanVersion(id="v", plan_id="p", name="p", version_label="1", file_name="p",
                          text="", registered_by="t"))
        s.add(Dataset(id="d"))
        s.flush()
        run = Run(plan_id="p", period="2026-Q1", plan_version_id="v", dataset_id="d",
                  status="draft", currency="USD", total=D(0), payees=0, lines=0,
                  fingerprint="f", engine_version="t", created_by="t")
        s.add(run)
        s.flush()
        for i, v in enumerate(values):
            s.add(LineItem(run_id=run.id, payee="x", number=i, component="c", kind="k",
                           amount=v, exact=v, formula="", rule="", sources="[]", inputs="{}",
                           tiers="[]", key=str(i)))
        s.commit()
    with store.session() as s:
        back = [li.amount for li in s.execute(select(LineItem).order_by(LineItem.number))
                .scalars()]
    assert back == values
    assert [str(v) for v in back] == [str(v) for v in values]  # the scale too


def test_the_lifecycle_with_its_refusals(store, compiled):
    first = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert first.run.status == "draft" and first.replaced is None
    # the textbook sample: ann 5,640 + bob 14,180 + cy 550 = 20,370.00
    assert first.run.total == D("20370.00")
    second = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert second.replaced == first.run.id
    lifecycle.approve(store, second.run.id, "controller")

    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert f"compplan reopen {second.run.id} --reason" in str(refused.value)

    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.reopen(store, second.run.id, "controller", "  ")  # a reason is required
    lifecycle.reopen(store, second.run.id, "controller", "quota for bob corrected")
    third = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert third.replaced == second.run.id
    with pytest.raises(lifecycle.LifecycleError) as early:
        lifecycle.mark_paid(store, third.run.id, "payroll")
    assert f"approve it first: compplan approve {third.run.id}" in str(early.value)
    lifecycle.approve(store, third.run.id, "controller")
    lifecycle.mark_paid(store, third.run.id, "payroll")

    with pytest.raises(lifecycle.LifecycleError) as paid:
        lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert "is paid" in str(paid.value) and "adjustments" in str(paid.value)
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.reopen(store, third.run.id, "controller", "too late")

    with store.session() as s:
        statuses = [r.status for r in s.execute(select(Run).order_by(Run.id)).scalars()]
        assert statuses == ["replaced", "replaced", "paid"]
        # replaced drafts keep their run row but not their results
        assert s.scalar(select(func.count()).select_from(LineItem).where(
            LineItem.run_id == first.run.id)) == 0
        assert {p.payee: p.amount for p in s.execute(select(Payment)).scalars()} == {
            "ann": D("5640.00"), "bob": D("14180.00"), "cy": D("550.00")}
        events = [(e.event, json.loads(e.payload).get("reason")) for e in audit.log(s)]
        assert events == [("plan.registered", None), ("run.created", None),
                          ("run.created", None), ("run.approved", None),
                          ("run.reopened", "quota for bob corrected"), ("run.created", None),
                          ("run.approved", None), ("run.paid", None)]
        assert audit.verify(s) == []


def test_two_runs_of_one_period_at_once_one_wins(store, compiled, monkeypatch):
    from compplan.store import lifecycle as lc
    real = lc.run_plan

    def slow(*args, **kwargs):
        time.sleep(1.0)  # hold the period's lock while the second run starts
        return real(*args, **kwargs)
    monkeypatch.setattr(lc, "run_plan", slow)
    outcome = {}

    def first():
        outcome["first"] = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "a")
    t = threading.Thread(target=first)
    t.start()
    time.sleep(0.4)
    with pytest.raises(lifecycle.Busy) as busy:
        lifecycle.save_run(store, compiled, DATA, "2026-Q1", "b")
    t.join()
    assert "in progress" in str(busy.value) or "busy" in str(busy.value)
    assert outcome["first"].run.status == "draft"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Run)) == 1


def test_an_interrupted_run_leaves_nothing_and_the_draft_intact(store, compiled, monkeypatch):
    draft = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    from compplan.store import lifecycle as lc
    real = lc._store_results

    def crash_halfway(*args):
        real(*args)  # every line written ...
        raise KeyboardInterrupt  # ... then the process is interrupted before commit
    monkeypatch.setattr(lc, "_store_results", crash_halfway)
    with pytest.raises(KeyboardInterrupt):
        lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    with store.session() as s:
        runs = list(s.execute(select(Run)).scalars())
        assert [(r.id, r.status) for r in runs] == [(draft.run.id, "draft")]
        assert s.scalar(select(func.count()).select_from(LineItem)) == draft.run.lines
        assert s.get(PeriodState, ("textbook", "2026-Q1")).current_run_id == draft.run.id
        assert len(audit.log(s)) == 2  # plan.registered, run.created: nothing more


def test_audit_verify_names_an_edited_and_a_deleted_entry(store, compiled):
    saved = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    lifecycle.approve(store, saved.run.id, "controller")
    lifecycle.mark_paid(store, saved.run.id, "payroll")
    drop_guards(store)  # as the database's owner could (else the triggers refuse)
    with store.session() as s:
        assert audit.verify(s) == []
        s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(
            payload='{"plan": "textbook", "period": "2026-Q1", "total": "1.00"}'))
        s.commit()
        [edited] = audit.verify(s)
        assert edited.seq == 3 and edited.reason.startswith("was edited after it was written")
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        s.commit()
        found = {(b.seq, b.reason.split(" (")[0]) for b in audit.verify(s)}
        assert (2, "entry 2 is missing") in found
        assert (3, "does not follow the entry before it") in found


def test_the_payout_register_and_its_control_totals(store, compiled, tmp_path):
    from compplan.store import export
    saved = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    lifecycle.approve(store, saved.run.id, "controller")
    reg = export.register(store, saved.run.id)
    # one row per payee and non-zero component: ann 1, bob 3, cy 3
    assert [(r[0], r[2], r[3]) for r in reg.rows] == [
        ("ann", "banded", D("5640.00")),
        ("bob", "banded", D("5780.00")), ("bob", "step_commission", D("3200.00")),
        ("bob", "whole_commission", D("5200.00")),
        ("cy", "banded", D("250.00")), ("cy", "step_commission", D("150.00")),
        ("cy", "whole_commission", D("150.00"))]
    assert reg.totals == {"USD": D("20370.00")}
    assert "3 payees, 7 lines, USD 20,370.00" in reg.control()
    path = export.write(reg, tmp_path / "reg.csv", "csv")
    assert path.read_text().splitlines()[1] == f"ann,Ann,banded,5640.00,USD,2026-Q1,{saved.run.id},"
    xlsx = export.write(reg, tmp_path / "reg.xlsx", "xlsx")
    import openpyxl
    ws = openpyxl.load_workbook(xlsx)["payouts"]
    assert [c.value for c in ws[2]][:4] == ["ann", "Ann", "banded", "5640.00"]
