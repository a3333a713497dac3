"""Issue 17 item 5: a restarted portal loads the rows ingested into an open period in
one pass (a store of 163,560 ingested rows took 75 s, each stored batch replayed and its
payees worked out again), with the same figures as the portal that took them one batch
at a time; a stored batch that no longer checks is still named, by replaying."""
import json

from compplan.engine.live import LiveRun
from compplan.store.portal import IngestedRow
from compplan.web.app import create_app

URL = "/api/plans/team-2026/ingest"


def post(web, rows):
    return web.client().post(URL, content=json.dumps(rows), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {web.token}"})


def deal(key, rep="ana", amount="1000", day="2026-03-20"):
    return {"deal_id": key, "rep_id": rep, "close_date": day, "amount": amount,
            "customer": "Acme"}


def figures(lp):
    return {p: (r.total, r.measure_values.get("booked"), [(ln.component, ln.amount)
                                                          for ln in r.lines])
            for p, r in lp.run.results.items()}


def test_issue17_item5_a_restart_loads_ingested_rows_at_once(any_web, monkeypatch):
    web = any_web
    for i in range(12):  # twelve batches, some rows sent twice, one dated outside
        assert post(web, [deal(f"B-{i}-{j}", rep=("ana", "bo")[j % 2], amount=str(100 + j))
                          for j in range(5)]).status_code == 200
    assert post(web, [deal("B-0-0", amount="100"), deal("OUT-1", day="2026-07-01")]
                ).status_code == 200
    live = web.portal.plans["team-2026"]
    replays = []
    original = LiveRun.ingest
    monkeypatch.setattr(LiveRun, "ingest",
                        lambda self, *a, **k: replays.append(a) or original(self, *a, **k))
    fresh = create_app(web.store, catch_up=False).state.portal.plans["team-2026"]
    assert replays == []  # no batch worked out again on its own
    assert figures(fresh) == figures(live)
    assert fresh.version == 13 and fresh.problems == []


def test_issue17_item5_a_stored_batch_that_no_longer_checks_is_named(web):
    assert post(web, [deal("G-1", amount="500")]).status_code == 200
    with web.store.session() as db:  # a row the plan would refuse, as if stored long ago
        db.add(IngestedRow(plan_id="team-2026", period="2026-Q1", input="deals", key="BAD-1",
                           record=json.dumps(deal("BAD-1", rep="nobody")), batch="old-batch",
                           ingested_by="t"))
        db.commit()
    fresh = create_app(web.store, catch_up=False).state.portal.plans["team-2026"]
    assert fresh.problems == ["stored batch old-batch (1 rows) no longer checks: column "
                              "rep_id: unknown payee 'nobody'"]
    live = web.portal.plans["team-2026"]
    assert figures(fresh) == figures(live)  # G-1 is there, by the replay
