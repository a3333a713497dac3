"""A poll without the database, and sessions that still end (issue 15, poll15).

Under 200 clients the poll that shows a batch waited about 2 s in line: each poll looked
its session up in the store (two queries) on one of 8 worker threads. A poll of a session
this process checked lately is now answered on the event loop from memory
(web/sessions.py, rep.quick_json): a 304 while the payee's figures have not moved, or the
JSON already written for their version. These tests count the queries such a poll makes
(none), and hold that a session ended here is refused on the very next poll.
"""
import contextlib
import datetime as dt
import threading

from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from compplan.store.portal import PortalSession
from compplan.web import sessions as sessions_mod
from portal_helpers import PASSWORDS, csrf_of, log_in

URL = "/plans/team-2026/payees/ana/live.json"


@contextlib.contextmanager
def queries():
    """Every SQL statement any engine runs meanwhile, and the threads that ran it."""
    seen = []

    def count(conn, cursor, statement, *a):
        seen.append((statement, threading.current_thread().name))
    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _deal(key, rep, amount="10000"):
    return {"deal_id": key, "rep_id": rep, "close_date": "2026-03-20", "amount": amount,
            "customer": "Acme"}


def test_issue15_a_poll_with_a_current_etag_makes_no_query(web):
    ana = web.client("ana")
    first = ana.get(URL)  # the session checked against the store, and remembered
    assert first.status_code == 200
    tag = first.headers["etag"]
    with queries() as seen:
        again = ana.get(URL, headers={"If-None-Match": tag})
        body = ana.get(URL)  # no ETag: the JSON already written for this version
    assert again.status_code == 304 and again.content == b""
    assert body.status_code == 200 and body.content == first.content
    assert body.headers["etag"] == tag
    assert seen == []  # before: 2 a poll (the session row, then the account)


def test_issue15_a_poll_after_a_batch_shows_it_and_then_costs_nothing(web):
    ana = web.client("ana")
    first = ana.get(URL)
    tag = first.headers["etag"]
    r = web.client().post("/api/plans/team-2026/ingest", json=[_deal("Q-1", "ana", "2500.50")],
                          headers={"Authorization": f"Bearer {web.token}"})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    with queries() as seen:
        moved = ana.get(URL, headers={"If-None-Match": tag})  # worked out: a thread, no query
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    # ana's booked bar: 2,500.50 more than before (the last bar is the quarter's revenue)
    before = first.json()["bars"][-1]["done"]
    assert moved.json()["bars"][-1]["done"] != before
    assert seen == []  # the session from memory even on the worker thread
    with queries() as seen:
        assert ana.get(URL, headers={"If-None-Match": moved.headers["etag"]}).status_code == 304
    assert seen == []


def test_issue15_a_logged_out_session_is_refused_on_the_next_poll(web):
    ana = web.client("ana")
    cookie = ana.cookies.get("compplan_session")
    tag = ana.get(URL).headers["etag"]
    assert ana.get(URL, headers={"If-None-Match": tag}).status_code == 304  # from memory
    page = ana.get("/plans/team-2026/payees/ana")
    assert ana.post("/logout", data={"csrf": csrf_of(page.text)},
                    follow_redirects=False).status_code == 303
    copy = web.client()
    copy.cookies.set("compplan_session", cookie)  # a copy of the cookie, kept
    for headers in ({"If-None-Match": tag}, {}):
        r = copy.get(URL, headers=headers, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_issue15_a_new_login_ends_the_polls_of_the_session_it_came_with(web):
    c = web.client("ana")
    old = c.cookies.get("compplan_session")
    tag = c.get(URL).headers["etag"]
    log_in(c, "ana", PASSWORDS["ana"])  # again, from the same browser
    stale = web.client()
    stale.cookies.set("compplan_session", old)
    assert stale.get(URL, headers={"If-None-Match": tag},
                     follow_redirects=False).status_code == 303
    assert c.get(URL, headers={"If-None-Match": tag}).status_code == 304


def test_issue15_a_session_ended_elsewhere_is_refused_within_the_ttl(web, monkeypatch):
    """Ended by another process (here: in the store directly), a session is trusted from
    memory for at most SessionCache.ttl seconds after the store was last asked."""
    ana = web.client("ana")
    tag = ana.get(URL).headers["etag"]
    with web.store.session() as db:
        db.execute(update(PortalSession).values(ended_at=dt.datetime.now(dt.timezone.utc)))
        db.commit()
    assert ana.get(URL, headers={"If-None-Match": tag}).status_code == 304  # still remembered
    clock = sessions_mod.time.monotonic() + web.portal.sessions.ttl + 0.01
    monkeypatch.setattr(sessions_mod.time, "monotonic", lambda: clock)
    r = ana.get(URL, headers={"If-None-Match": tag}, follow_redirects=False)
    assert r.status_code == 303


def test_issue15_a_poll_still_restarts_the_idle_clock(web, monkeypatch):
    """The store's clock of the session is written at most once a minute; a session
    whose clock is due goes to the store, which writes it (and an idle one is refused)."""
    from sqlalchemy import select
    ana = web.client("ana")
    tag = ana.get(URL).headers["etag"]
    earlier = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)
    with web.store.session() as db:
        db.execute(update(PortalSession).values(last_seen_at=earlier))
        db.commit()
    web.portal.sessions = sessions_mod.SessionCache()  # as after a restart
    assert ana.get(URL, headers={"If-None-Match": tag}).status_code == 304
    with web.store.session() as db:
        seen = db.execute(select(PortalSession.last_seen_at)).scalar_one()
    seen = seen if seen.tzinfo else seen.replace(tzinfo=dt.timezone.utc)
    assert seen > earlier + dt.timedelta(minutes=19)
    # remembered now; 31 minutes later, with no request meanwhile, it is refused
    idle = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31)
    with web.store.session() as db:
        db.execute(update(PortalSession).values(last_seen_at=idle))
        db.commit()
    later = sessions_mod.time.time() + 31 * 60
    monkeypatch.setattr(sessions_mod.time, "time", lambda: later)
    assert ana.get(URL, headers={"If-None-Match": tag},
                   follow_redirects=False).status_code == 303


def test_issue15_a_poll_from_memory_still_refuses_another_reps_payee(web):
    ana = web.client("ana")
    ana.get(URL)
    with queries():
        r = ana.get("/plans/team-2026/payees/dee/live.json")
    assert r.status_code == 404


def test_issue15_the_first_poll_after_login_makes_no_query(web):
    """A login's new session is known from the start: the page's first poll reads
    nothing from the store (its figures are worked out from memory)."""
    ana = web.client("ana")
    with queries() as seen:
        r = ana.get(URL)
    assert r.status_code == 200 and r.json()["version"] == 0
    assert seen == []


def test_issue15_a_team_poll_with_a_current_etag_makes_no_query(web):
    """The team page's poll (team.quick_team) as the rep's: from memory, and still only
    for those who may see the team."""
    team = "/plans/team-2026/team/live.json"
    max_ = web.client("max")
    first = max_.get(team)
    assert first.status_code == 200
    tag = first.headers["etag"]
    ana = web.client("ana")
    ana.get(URL)  # ana's session is known too: a rep is still refused the team's poll
    with queries() as seen:
        assert max_.get(team, headers={"If-None-Match": tag}).status_code == 304
        again = max_.get(team)
        assert ana.get(team).status_code == 403  # her role, from memory too
    assert again.status_code == 200 and again.json() == first.json()
    assert seen == []
