"""Disputes (issue 8): a rep questions a statement line; it goes open -> answered ->
resolved; an accepted one is paid once, as a 'dispute' line of the next saved run (and
an Adjustment of kind 'dispute'); every step is in the audit log. Amounts by hand."""
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from compplan.engine import load_plan
from compplan.store import lifecycle
from compplan.store.models import Adjustment, AuditEntry, LineItem, Run
from compplan.store.portal import Account
from compplan.web import disputes
from compplan.web.auth import create_account
from compplan.web.security import Refused
from portal_helpers import post_form


def team_run(web, status="draft") -> int:
    with web.store.session() as db:
        return db.execute(select(Run.id).where(Run.plan_id == "team-2026",
                                               Run.status == status)).scalar_one()


def test_a_dispute_from_open_to_paid_in_the_next_run(any_web):
    web = any_web
    run = team_run(web)
    ana, admin = web.client("ana"), web.client("admin")
    # line 1 of ana's statement: deal A-1, 50,000 x 6% = 3,000.00
    line = f"/runs/{run}/payees/ana/lines/1"
    page = ana.get(line)
    assert "50,000.00 × 6% = 3,000.00" in page.text or "3,000.00" in page.text
    r = post_form(ana, line, line + "/disputes",
                  {"comment": "A-1 was signed at 55,000, not 50,000"}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    assert "open" in ana.get(url).text
    # the queue shows it; admin answers, then accepts: 5,000 more at 6% = 300.00
    assert "A-1 was signed" not in admin.get("/disputes?status=open").text  # comment on its page
    assert url in admin.get("/disputes?status=open").text
    assert post_form(admin, url, url + "/answer",
                     {"answer": "The order form says 55,000; we will correct it."}
                     ).status_code == 200
    assert "answered" in ana.get(url).text
    r = post_form(admin, url, url + "/resolve",
                  {"outcome": "accepted", "amount": "300.00", "reason": "5,000 x 6%"})
    assert r.status_code == 200
    assert "accepted: 300.00 in the next run" in ana.get(url).text
    # the next saved run pays it, as a line of its own
    assert post_form(admin, "/admin", "/admin/plans/team-2026/save", {}).status_code == 200
    new = team_run(web)
    assert new != run
    with web.store.session() as db:
        lines = list(db.execute(select(LineItem).where(LineItem.run_id == new,
                                                       LineItem.payee == "ana")).scalars())
        dispute = [ln for ln in lines if ln.kind == "dispute"]
        assert [(ln.component, ln.amount) for ln in dispute] == [("dispute", D("300.00"))]
        # commission 9,200.00 + her team pool share 2,800.00 (issue 20) + 300.00
        assert sum(ln.amount for ln in lines) == D("12300.00")
        adj = db.execute(select(Adjustment).where(Adjustment.run_id == new)).scalar_one()
        assert (adj.kind, adj.payee, adj.amount, adj.original_run_id) == (
            "dispute", "ana", D("300.00"), run)
        events = [e.event for e in db.execute(select(AuditEntry).order_by(AuditEntry.seq))
                  .scalars() if e.event.startswith("dispute.")]
        assert events == ["dispute.opened", "dispute.answered", "dispute.resolved"]
    statement = ana.get(f"/runs/{new}/payees/ana")
    assert "dispute 1 accepted: 300.00" in statement.text


PLAN = """
plan: monthly
name: Monthly commission
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
"""


@pytest.fixture
def book(any_web, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "data" / "payees.csv").write_text("rep_id,name\nkim,Kim\n")
    (tmp_path / "data" / "deals.csv").write_text(
        "deal_id,rep_id,close_date,amount\nK1,kim,2026-01-10,10000\n"
        "K2,kim,2026-02-10,5000\nK3,kim,2026-03-10,2000\n")
    compiled = load_plan(tmp_path / "plan.yaml")
    store = any_web.store
    with store.session() as db:
        create_account(db, "kim", "rep", "kim-password", "kim", plan="monthly")
        create_account(db, "comp", "admin", "comp-password", None)
        db.commit()

    def save(period):
        return lifecycle.save_run(store, compiled, tmp_path / "data", period, "fin")

    def kim_lines(saved):
        return {(ln.component, ln.amount) for ln in saved.result.payee("kim").lines}
    return store, save, kim_lines


def _act(store, fn, login, *args):
    with store.session() as db:
        account = db.execute(select(Account).where(Account.login == login)).scalar_one()
        out = fn(db, account, *args)
        db.commit()
        return out


def test_an_accepted_dispute_is_paid_once(book):
    store, save, kim_lines = book
    jan = save("2026-01")
    assert kim_lines(jan) == {("commission", D("1000.00"))}
    d = _act(store, disputes.open_dispute, "kim", jan.run.id, "kim", 1, "K1 was 12,500")
    _act(store, disputes.answer, "comp", d.id, "checking the order")
    _act(store, disputes.resolve, "comp", d.id, "accepted", "2,500 x 10%", "250")
    lifecycle.approve(store, jan.run.id, "fin")
    lifecycle.mark_paid(store, jan.run.id, "fin")
    # February pays it: 5,000 x 10% = 500.00, and the dispute's 250.00
    feb = save("2026-02")
    assert kim_lines(feb) == {("commission", D("500.00")), ("dispute", D("250.00"))}
    feb = save("2026-02")  # a draft run again: it replaces the first, and pays it still
    assert kim_lines(feb) == {("commission", D("500.00")), ("dispute", D("250.00"))}
    assert feb.result.payee("kim").total == D("750.00")
    lifecycle.approve(store, feb.run.id, "fin")
    lifecycle.mark_paid(store, feb.run.id, "fin")
    # March: paid already, not again
    mar = save("2026-03")
    assert kim_lines(mar) == {("commission", D("200.00"))}


def test_a_rejected_dispute_pays_nothing(book):
    store, save, kim_lines = book
    jan = save("2026-01")
    d = _act(store, disputes.open_dispute, "kim", jan.run.id, "kim", 1, "too low")
    _act(store, disputes.answer, "comp", d.id, "10% is the plan's rate")
    got = _act(store, disputes.resolve, "comp", d.id, "rejected", "the rate is right", "999")
    assert (got.outcome, got.amount) == ("rejected", None)
    assert disputes.describe(got) == "rejected"
    assert kim_lines(save("2026-01")) == {("commission", D("1000.00"))}


def test_steps_go_in_order(book):
    store, save, _ = book
    jan = save("2026-01")
    d = _act(store, disputes.open_dispute, "kim", jan.run.id, "kim", 1, "why?")
    with pytest.raises(Refused, match="answer it before resolving it"):
        _act(store, disputes.resolve, "comp", d.id, "accepted", "x", "1")
    with pytest.raises(Refused, match="answered and resolved by admin or finance"):
        _act(store, disputes.answer, "kim", d.id, "self-service")
    _act(store, disputes.answer, "comp", d.id, "because")
    with pytest.raises(Refused, match="only an open dispute is answered"):
        _act(store, disputes.answer, "comp", d.id, "again")
    with pytest.raises(Refused, match="already disputed"):
        _act(store, disputes.open_dispute, "kim", jan.run.id, "kim", 1, "twice")
    with pytest.raises(Refused, match="no line 7"):
        _act(store, disputes.open_dispute, "kim", jan.run.id, "kim", 7, "not there")
    _act(store, disputes.resolve, "comp", d.id, "rejected", "no")
    with pytest.raises(Refused, match="already resolved"):
        _act(store, disputes.resolve, "comp", d.id, "accepted", "x", "1")
    # resolved: the line may be questioned again
    again = _act(store, disputes.open_dispute, "kim", jan.run.id, "kim", 1, "new facts")
    assert again.status == "open"
