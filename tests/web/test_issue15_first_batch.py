"""The first batch under 200 clients shows as soon as the others (issue 15, firstbatch).

bench_portal at 1,000 payees, 100,000 deals and 200 clients showed every batch in about
1 s but the first in 2.7 to 4.2 s. Traced (a copy of the portal writing each request's
times; load 4 on 2 cores): the first batch's reply took 2.0 s and the poll after it
1.6 s, of which 1.34 s in line on the poll lane behind 74 polls. Those polls went the
slow way because the sessions the 50 logins left were older than SessionCache.ttl (5 s:
the logins took 24 s), and each poll in a thread handed the interpreter lock between
the event loop and its thread behind up to 16 page renders. Now the sessions in use are
checked against the store again in bulk every 2 s (web/sessions.py), and a known
session's poll of a version nobody asked for yet is written on the event loop
(rep.quick_json): the poll after a batch takes no worker thread.
"""
import time

from portal_helpers import PASSWORDS, log_in
from sqlalchemy import update
from starlette.testclient import TestClient
from test_issue15_poll_sessions import queries

from compplan.store.portal import PortalSession
from compplan.web import app as app_mod
from compplan.web import endpoint as endpoint_mod

URL = "/plans/team-2026/payees/ana/live.json"


def _lookups(seen) -> list[str]:
    """The slow way's session lookups (one session by its id), not the bulk check."""
    return [s for s, _ in seen if "portal_sessions.id = " in s]


def _lanes_used(monkeypatch) -> list[str]:
    """The lanes (endpoint.in_lane) requests are sent to from now on, in order."""
    lanes: list[str] = []
    real = endpoint_mod.in_lane

    async def spy(lane, fn, *args):
        lanes.append(lane)
        return await real(lane, fn, *args)
    monkeypatch.setattr(endpoint_mod, "in_lane", spy)
    return lanes


def test_issue15_a_page_kept_open_stays_known_past_the_ttl(web, monkeypatch):
    monkeypatch.setattr(app_mod, "RECHECK_SECONDS", 0.05, raising=False)  # main has none
    web.portal.sessions.ttl = 0.5
    with TestClient(web.app) as ana:  # with its lifespan: the bulk check runs
        log_in(ana, "ana", PASSWORDS["ana"])
        tag = ana.get(URL).headers["etag"]
        time.sleep(1.0)  # twice the ttl since the login: lapsed, were it not checked again
        with queries() as seen:
            r = ana.get(URL, headers={"If-None-Match": tag})
        assert r.status_code == 304
        assert _lookups(seen) == []  # main: the slow way, a lookup on a worker thread


def test_issue15_a_session_the_bulk_check_finds_ended_is_refused(web):
    ana = web.client("ana")
    tag = ana.get(URL).headers["etag"]
    assert ana.get(URL, headers={"If-None-Match": tag}).status_code == 304  # from memory
    with web.store.session() as db:  # ended by another process
        db.execute(update(PortalSession).values(ended_at=PortalSession.created_at))
        db.commit()
    getattr(web.portal, "recheck_sessions", lambda: None)()  # what the app runs every RECHECK_SECONDS
    r = ana.get(URL, headers={"If-None-Match": tag}, follow_redirects=False)
    assert r.status_code == 303  # at once, not ttl seconds later


def test_issue15_the_poll_after_a_batch_takes_no_worker_thread(web, monkeypatch):
    ana = web.client("ana")
    first = ana.get(URL)
    tag = first.headers["etag"]
    r = web.client().post("/api/plans/team-2026/ingest", json=[{
        "deal_id": "F-1", "rep_id": "ana", "close_date": "2026-03-20", "amount": "2500.50",
        "customer": "Acme"}], headers={"Authorization": f"Bearer {web.token}"})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    lanes = _lanes_used(monkeypatch)
    moved = ana.get(URL, headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert lanes == []  # main: the poll lane, behind whatever pages hold the lock
    # ana's booked revenue bar (the quarter's): 140,000.00 + 2,500.50 = 142,500.50
    assert first.json()["bars"][-1]["done"] == "$140,000.00"
    assert moved.json()["bars"][-1]["done"] == "$142,500.50"
    # written once for every client: another poll of the version is the same bytes
    assert ana.get(URL).content == moved.content and lanes == []


def test_issue15_a_poll_while_a_batch_is_taken_goes_the_usual_way(web, monkeypatch):
    """While a batch is being taken, a poll of a version nobody asked for yet is not
    worked out on the event loop: it goes to the poll lane, which waits for the batch."""
    ana = web.client("ana")
    ana.get(URL)
    lp = web.portal.plan("team-2026")
    lp.took(["ana"])  # ana's figures moved: her JSON of the new version is not written
    lanes = _lanes_used(monkeypatch)
    monkeypatch.setattr(web.portal, "wait_for_batch", lambda: None)  # the lane's wait
    with web.portal.batch_first():
        assert ana.get(URL).status_code == 200
    assert lanes == ["poll"]


def test_issue15_a_login_leaves_the_first_poll_written(web, monkeypatch):
    """A rep's login writes their live JSON of now: the first polls of many pages
    opened at once are not each worked out on the event loop while a batch comes."""
    from compplan.web import rep as rep_mod
    ana = web.client("ana")  # logged in: her figures written

    def not_again(*a):
        raise AssertionError("worked out again")
    monkeypatch.setattr(rep_mod, "live_figures", not_again)
    r = ana.get(URL)
    assert r.status_code == 200 and r.json()["version"] == 0
    # her booked revenue bar as the demo data has it (see the test above)
    assert r.json()["bars"][-1]["done"] == "$140,000.00"


def test_issue15_figures_that_took_long_go_to_the_poll_lane(web, monkeypatch):
    """A payee whose figures took more than LOOP_BUDGET of CPU last time (a manager over
    a large team) is worked out on the poll lane, not on the event loop."""
    from compplan.web import rep as rep_mod
    ana = web.client("ana")
    ana.get(URL)
    lp = web.portal.plan("team-2026")
    lp.cache.put(("cost", "ana"), rep_mod.LOOP_BUDGET + 0.01)
    lp.took(["ana"])  # her figures moved: the JSON of the new version is not written
    lanes = _lanes_used(monkeypatch)
    assert ana.get(URL).status_code == 200
    assert lanes == ["poll"]
