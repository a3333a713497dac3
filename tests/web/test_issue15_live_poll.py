"""What a client's poll costs, and a batch before the pages (issue 15).

A rep's page polls its live figures every 2 s. Each payee's figures carry their own
version, moved only by a batch that works that payee out again (a batch of 1,000 deals
touches a tenth of 10,000 payees), so the others' polls, sent back with the ETag of the
last answer, are a 304 with no body; the JSON is written once per version for every
client. While a batch is being taken, pages that start wait for it (at most PAGE_WAIT),
so that 200 clients' page views do not hold it back.
"""
import threading

from compplan.web import live as live_mod

URL = "/api/plans/team-2026/ingest"


def _post(web, deals):
    return web.client().post(URL, json=deals, headers={"Authorization": f"Bearer {web.token}"})


def _deal(key, rep, amount="10000"):
    return {"deal_id": key, "rep_id": rep, "close_date": "2026-03-20", "amount": amount,
            "customer": "Acme"}


def test_issue15_a_poll_of_unmoved_figures_is_a_304(web):
    ana = web.client("ana")
    url = "/plans/team-2026/payees/ana/live.json"
    first = ana.get(url)
    assert first.status_code == 200
    tag = first.headers["etag"]
    again = ana.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    # dee is in team south, under nia: ana's figures (team north, under max) do not move
    r = _post(web, [_deal("P-1", "dee")])
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert ana.get(url, headers={"If-None-Match": tag}).status_code == 304
    # a deal of ana's moves her figures: the old tag gets the new ones
    booked = first.json()["bars"][-1]["done"]
    r = _post(web, [_deal("P-2", "ana", "2500.50")])
    assert r.json()["payees_updated"] == 5  # ana, max, vera, and bo and cal (the pool)
    moved = ana.get(url, headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert moved.json()["version"] == 2 and first.json()["version"] == 0
    assert moved.json()["bars"][-1]["done"] != booked
    # her manager's client gets the same answer, written once for both
    max_ = web.client("max").get(url)
    assert max_.status_code == 200 and max_.content == moved.content
    assert max_.headers["etag"] == moved.headers["etag"]


class _Gate(threading.Event):
    """The portal's gate, saying when a page starts to wait on it."""

    def __init__(self, real):
        super().__init__()
        self.real, self.waited, self.timeouts = real, threading.Event(), []

    def is_set(self):
        return self.real.is_set()

    def wait(self, timeout=None):
        self.timeouts.append(timeout)
        self.waited.set()
        return self.real.wait(timeout)

    def set(self):
        self.real.set()

    def clear(self):
        self.real.clear()


def test_issue15_pages_wait_for_a_batch_being_taken(web):
    portal = web.portal
    gate = portal._pages = _Gate(portal._pages)
    ana = web.client("ana")
    shown = []
    # her page (her poll's JSON is written at login, and answered from memory: firstbatch)
    page = threading.Thread(target=lambda: shown.append(
        ana.get("/plans/team-2026/payees/ana").status_code))
    with portal.batch_first():
        page.start()
        assert gate.waited.wait(30), "the page did not wait for the batch"
        assert shown == []  # held while the batch is taken
    page.join(30)
    assert shown == [200]
    assert gate.timeouts == [live_mod.PAGE_WAIT]  # and never longer than that
    # with no batch, a page does not wait at all
    gate.waited.clear()
    assert ana.get("/plans/team-2026/payees/ana").status_code == 200
    assert not gate.waited.is_set()


def test_issue15_batches_overlapping_keep_the_pages_waiting_until_the_last(web):
    portal = web.portal
    with portal.batch_first():
        with portal.batch_first():
            pass
        assert not portal._pages.is_set()  # one batch still being taken
    assert portal._pages.is_set()
