"""Issue 17 on the portal: item 4 (server-side sessions, an atomic login limiter with
backoff per login and address), item 6 (deep JSON is a 400) and item 8 (a rep account is
tied to one plan's payee)."""
import datetime as dt
import threading

from sqlalchemy import update
from starlette.testclient import TestClient

from compplan.store.portal import PortalSession
from compplan.web import login as login_mod
from compplan.web.auth import LoginLimiter
from portal_helpers import PASSWORDS, csrf_of, log_in

FIGURES = "/plans/team-2026/payees/ana"


def opens(web, cookie: str) -> bool:
    """Whether a browser that has only this cookie sees ana's figures."""
    c = web.client()
    c.cookies.set("compplan_session", cookie)
    return c.get(FIGURES, follow_redirects=False).status_code == 200


def test_issue17_item4_a_cookie_stops_working_after_logout(web):
    ana = web.client("ana")
    cookie = ana.cookies.get("compplan_session")
    assert opens(web, cookie)
    page = ana.get(FIGURES)
    assert ana.post("/logout", data={"csrf": csrf_of(page.text)},
                    follow_redirects=False).status_code == 303
    assert not opens(web, cookie)  # was: still good for 12 hours


def test_issue17_item4_a_session_ends_when_idle(web):
    cookie = web.client("ana").cookies.get("compplan_session")
    assert opens(web, cookie)
    with web.store.session() as db:  # 31 minutes without a request (the limit is 30)
        db.execute(update(PortalSession).values(
            last_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31)))
        db.commit()
    assert not opens(web, cookie)


def test_issue17_item4_a_login_starts_a_new_session(web):
    c = web.client()
    before = c.get("/login") and c.cookies.get("compplan_session")
    log_in(c, "ana", PASSWORDS["ana"])
    first = c.cookies.get("compplan_session")
    assert first != before and not opens(web, before)
    log_in(c, "ana", PASSWORDS["ana"])  # logging in again from the same browser
    assert opens(web, c.cookies.get("compplan_session"))
    assert not opens(web, first)  # the session it came with has ended


def test_issue17_item4_the_limiter_counts_and_checks_at_once():
    limiter = LoginLimiter(free=5)
    passed, start = [], threading.Barrier(60)

    def try_once():
        start.wait()
        if limiter.attempt("ana", "10.0.0.9") == 0:
            passed.append(1)
    threads = [threading.Thread(target=try_once) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(passed) == 5


def test_issue17_item4_60_concurrent_logins_at_most_5_check_a_password(web, monkeypatch):
    checked = []
    real = login_mod.authenticate

    def counting(db, name, password):
        checked.append(name)
        return real(db, name, password)
    monkeypatch.setattr(login_mod, "authenticate", counting)
    c = web.client()
    token = csrf_of(c.get("/login").text)
    codes, start = [], threading.Barrier(60)

    def try_once():
        start.wait()
        r = c.post("/login", data={"login": "ana", "password": "wrong password",
                                   "csrf": token, "next": "/"}, follow_redirects=False)
        codes.append(r.status_code)
    threads = [threading.Thread(target=try_once) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) <= 5  # was 43 of 60
    assert sorted(set(codes)) == [401, 429] and codes.count(401) == len(checked)


def test_issue17_item4_a_guesser_elsewhere_does_not_lock_the_real_user_out(web):
    guesser = TestClient(web.app, raise_server_exceptions=False, client=("203.0.113.7", 4000))
    for _ in range(5):
        assert log_in(guesser, "ana", "wrong password").status_code == 401
    assert log_in(guesser, "ana", PASSWORDS["ana"]).status_code == 429
    real = web.client()  # ana, from her own address: not locked out (was: 15 minutes)
    assert log_in(real, "ana", PASSWORDS["ana"]).status_code == 303


def test_issue17_item4_each_further_failure_waits_twice_as_long(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("compplan.web.auth.time.monotonic", lambda: clock[0])
    limiter = LoginLimiter(free=5, base=30, cap=900)
    assert [limiter.attempt("ana", "a") for _ in range(5)] == [0] * 5
    assert limiter.attempt("ana", "a") == 31  # 30 s after the fifth failure
    clock[0] += 30
    assert limiter.attempt("ana", "a") == 0  # the sixth try, a failure too
    assert limiter.attempt("ana", "a") == 61  # then 60 s
    clock[0] += 60
    limiter.attempt("ana", "a")
    assert limiter.attempt("ana", "a") == 121  # 120 s, and so on up to 15 minutes
    limiter.succeeded("ana", "a")
    assert limiter.attempt("ana", "a") == 0  # a right password clears it


def test_issue17_item6_json_nested_100000_deep_is_a_400(web):
    r = web.client().post("/api/plans/team-2026/ingest",
                          content="[" * 100_000 + "]" * 100_000,
                          headers={"Content-Type": "application/json",
                                   "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("the JSON body is nested too deeply")


def test_issue17_item8_a_rep_sees_their_payee_in_their_plan_only(web):
    from sqlalchemy import select
    from compplan.store.models import Run
    with web.store.session() as db:
        runs = {r.plan_id: r.id for r in db.execute(select(Run)).scalars()}
    ann = web.client("ann")  # rep ann of ae-2026; the textbook plan has a payee ann too
    assert ann.get(f"/runs/{runs['ae-2026']}/payees/ann").status_code == 200
    assert ann.get("/plans/ae-2026/payees/ann").status_code == 200
    # was 200: another plan's payee who happens to have the same id
    assert ann.get(f"/runs/{runs['textbook']}/payees/ann").status_code == 404
    assert ann.get("/plans/textbook/payees/ann").status_code == 404
    assert ann.get(f"/runs/{runs['textbook']}/payees/ann/statement.pdf").status_code == 404
    page = ann.get(f"/runs/{runs['ae-2026']}/payees/ann")
    r = ann.post(f"/runs/{runs['textbook']}/payees/ann/lines/1/disputes",
                 data={"comment": "not mine", "csrf": csrf_of(page.text)})
    assert r.status_code in (403, 404)


def test_issue17_item8_an_account_is_tied_to_another_plan_by_command(web):
    from click.testing import CliRunner
    from compplan.cli.main import cli
    r = CliRunner().invoke(cli, ["accounts", "tie", "ann", "--plan", "textbook",
                                 "--db", web.store.url])
    assert r.exit_code == 0 and "account ann is payee ann of textbook" in r.output
    ann = web.client("ann")
    assert ann.get("/plans/textbook/payees/ann").status_code == 200
    assert ann.get("/plans/ae-2026/payees/ann").status_code == 404


def test_issue17_item6_cli_ingest_while_another_writes_says_so(web, tmp_path):
    import sqlite3
    from click.testing import CliRunner
    from compplan.cli.main import cli
    from compplan.store.db import sqlite_path
    deals = tmp_path / "deals.csv"
    deals.write_text("deal_id,rep_id,close_date,amount,customer\nX-1,ana,2026-03-20,10,C\n")
    holder = sqlite3.connect(sqlite_path(web.store.url), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the portal (or a run) is writing
    try:
        r = CliRunner().invoke(cli, ["ingest", str(deals), "--plan", "team-2026", "--db",
                                     web.store.url])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 1
    assert r.output.startswith("error: another command holds") or \
        "the store is busy" in r.output
    assert "Traceback" not in r.output and "OperationalError" not in r.output


def test_issue17_item4_each_request_restarts_the_idle_clock(web):
    from sqlalchemy import select
    cookie = web.client("ana").cookies.get("compplan_session")
    earlier = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)
    with web.store.session() as db:
        db.execute(update(PortalSession).values(last_seen_at=earlier))
        db.commit()
    assert opens(web, cookie)  # 20 minutes idle: still good, and the clock restarts
    with web.store.session() as db:
        seen = db.execute(select(PortalSession.last_seen_at)).scalar_one()
    seen = seen if seen.tzinfo else seen.replace(tzinfo=dt.timezone.utc)
    assert seen > earlier + dt.timedelta(minutes=19)
