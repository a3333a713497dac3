"""Issue 15: the first pages after the portal starts do not each work out what a loaded
period needs worked out once.

bench_portal at full size (10,000 payees, 1,000,000 deals, 200 clients, 1 December
2026): the first 1,000-deal batch showed after 6.0 to 7.4 s (later ones 0.5 to 3.2 s),
because the portal's event loop went up to 4 s without a turn while the first 200 page
views ran on the page lane's 16 threads. py-spy's samples of the interpreter lock: a
third went to every page counting the estimator's choices (product, type) over all 1M
deals at once, a quarter to each bar's `span()` making every manager's list of reports
(10,000 payees) for the one payee shown, and 5% to each page building the per-payee
index of the targets. After: the choices are counted when the portal starts, by one
thread when a batch adds rows; a span makes the list of the one manager team() reads;
the index is built once. Same run after: the batches showed in 1.16, 0.51, 0.50, 0.51,
0.41 s; page views p50 421 ms (757 before), p95 1.1 s (4.7).
"""
import datetime as dt
import threading
import time
from collections import Counter

import compplan.engine.pay as pay
from compplan.engine.live import LiveRun
from compplan.engine.pay import WholePeriodReports, reports_by_manager
from compplan.periods import parse_period
from compplan.web import estimator

THREADS = 8


class SlowRow(dict):
    """A deal whose product is read slowly (the GIL is let go), counting the reads: as
    a 1M-deal count is long enough for every page thread of a first wave to start one."""

    reads = 0
    lock = threading.Lock()

    def get(self, key, default=None):
        if key == "product":
            with SlowRow.lock:
                SlowRow.reads += 1
            time.sleep(0.0005)
        return super().get(key, default)


def at_once(fn) -> list:
    """fn() in THREADS threads started together, their answers."""
    start, out = threading.Barrier(THREADS), [None] * THREADS

    def one(i):
        start.wait()
        out[i] = fn()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_issue15_the_portal_counts_the_estimators_choices_when_it_starts(web):
    # the open period's deals (plans/data/ae and the demo's batches): platform most often
    lp = web.portal.plans["ae-2026"]
    rows = lp.run.tables["deals"].rows
    n, counts, got = lp.estimator_choices[("deals", "product")]  # before: no entry yet
    assert got == ["platform", "analytics", "services"]
    assert counts == Counter(r["product"] for r in rows)
    assert n == len(rows)
    assert ("deals", "type") in lp.estimator_choices


def test_issue15_pages_asking_for_the_choices_at_once_count_the_deals_once(web):
    lp = web.portal.plans["ae-2026"]
    rows = lp.run.tables["deals"].rows
    rows[:] = [SlowRow(r) for r in rows]
    lp.estimator_choices.clear()  # as a period loaded after the start (a reload)
    SlowRow.reads = 0
    answers = at_once(lambda: estimator.choices(lp, "deals", "product"))
    assert answers == [["platform", "analytics", "services"]] * THREADS
    assert SlowRow.reads == len(rows)  # before: each thread counted them all


def test_issue15_a_span_builds_the_targets_index_once_for_pages_at_once(web, monkeypatch):
    lp = web.portal.plans["team-2026"]
    built = []
    index = LiveRun._index_payee_tables

    def slow_index(run):
        built.append(1)
        time.sleep(0.05)  # a 10,000-payee index: long enough for the others to ask
        return index(run)
    monkeypatch.setattr(LiveRun, "_index_payee_tables", slow_index)
    lp.run._by_payee = None
    march = parse_period("2026-03")
    got = at_once(lambda: lp.run.span("max", march).total)
    assert len(built) == 1
    assert len(set(got)) == 1


def test_issue15_a_span_does_not_list_every_managers_reports(web, monkeypatch):
    """max manages ana, bo and cal (plans/data/manager); his team() figures over March come
    from the live run's kept reports, and no pass over every payee is made for them."""
    lp = web.portal.plans["team-2026"]
    march = parse_period("2026-03")
    before = lp.run.span("max", march)
    calls = []
    monkeypatch.setattr(pay, "reports_by_manager",
                        lambda *a: calls.append(1) or reports_by_manager(*a))
    after = lp.run.span("max", march)
    assert calls == []
    assert [(ln.component, ln.amount) for ln in after.lines] == \
        [(ln.component, ln.amount) for ln in before.lines]


def test_issue15_whole_period_reports_are_every_managers_reports_for_the_period(web):
    lp = web.portal.plans["team-2026"]
    kept = lp.run.reports_by_manager
    first, last = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    spans = WholePeriodReports(kept, first, last)
    assert kept["max"] == ["ana", "bo", "cal"]
    assert spans.get("max") == [("ana", first, last), ("bo", first, last),
                                ("cal", first, last)]
    for manager, reports in kept.items():
        assert spans.get(manager) == [(r, first, last) for r in reports]
    assert spans.get("ana", ()) == ()  # a rep manages nobody
