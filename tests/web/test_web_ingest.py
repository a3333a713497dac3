"""Ingest (issue 8, live attainment), through the HTTP API and `compplan ingest FILE`,
on SQLite and PostgreSQL: every row checked as a run checks it; rejected rows come back
with their row and reason; a batch is all or nothing; accepted rows are committed before
the reply and are in the live figures when it comes; sending a row again changes
nothing; the portal follows what the command line stores; a saved run pays them."""
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from compplan.cli.main import cli
from compplan.store.models import AuditEntry, Run
from compplan.web.app import create_app
from portal_helpers import post_form

URL = "/api/plans/team-2026/ingest"
COLS = "deal_id,rep_id,close_date,amount,customer\n"


def post(web, body, ctype="application/json", token=None, url=URL):
    headers = {"Content-Type": ctype, "Authorization": f"Bearer {token or web.token}"}
    if isinstance(body, (list, dict)):
        import json
        body = json.dumps(body)
    return web.client().post(url, content=body, headers=headers)


def deal(key, rep="ana", amount="10000", day="2026-03-20"):
    return {"deal_id": key, "rep_id": rep, "close_date": day, "amount": amount,
            "customer": "Acme"}


def booked(web, pid="ana"):
    return web.portal.plans["team-2026"].run.payee(pid).measure_values["booked"]


def stored(web) -> int:
    """Rows in the store, read on a connection of its own (not the portal's)."""
    eng = create_engine(web.store.url)
    with eng.connect() as c:
        n = c.execute(text("select count(*) from ingested_rows")).scalar()
    eng.dispose()
    return n


def test_a_batch_is_committed_then_shown(any_web):
    web = any_web
    before, max_before = booked(web), booked(web, "max")
    r = post(web, [deal("N-1"), deal("N-2", amount="2500.50")])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["already"], body["rejected"]) == (2, 0, [])
    # ana, max and vera above her (rollups), and bo and cal: the deal moves team north's
    # pool, which they share (issue 20)
    assert body["payees_updated"] == 5
    assert stored(web) == 2  # committed when the reply came
    assert booked(web) - before == D("12500.50")
    assert booked(web, "max") - max_before == D("12500.50")
    with web.store.session() as db:
        e = db.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
        assert (e.event, e.subject) == ("ingest.batch", "plan team-2026")
        assert '"rows": 2' in e.payload
    # the page shows it: polled JSON moved on
    ana = web.client("ana")
    live = ana.get("/plans/team-2026/payees/ana/live.json").json()
    assert live["version"] == 1 and live["bars"][-1]["shown"] == "127.1%"  # 152,500.50 / 120,000


def test_sending_again_changes_nothing(any_web):
    web = any_web
    assert post(web, [deal("N-1")]).json()["accepted"] == 1
    figure = booked(web)
    entries = _audit_count(web)
    r = post(web, [deal("N-1")])
    assert r.status_code == 200 and (r.json()["accepted"], r.json()["already"]) == (0, 1)
    assert booked(web) == figure and stored(web) == 1 and _audit_count(web) == entries
    # the same id with other values is refused, saying so
    r = post(web, [deal("N-1", amount="99")])
    assert r.status_code == 422
    assert r.json()["rejected"] == [{
        "row": 1, "column": "deal_id", "reason": "deal_id 'N-1' was ingested before with "
        "other values", "hint": "send a correction as a new transaction, or correct the "
        "source data and run the period"}]


def _audit_count(web):
    with web.store.session() as db:
        return db.execute(select(func.count()).select_from(AuditEntry)).scalar()


def test_a_batch_is_all_or_nothing_with_each_row_named(any_web):
    web = any_web
    figure, version = booked(web), web.portal.plans["team-2026"].version
    batch = [deal("G-1"), deal("G-2", amount="12,5x"), deal("G-3", rep="zed"),
             deal("G-4", day="2026-02-30"), deal("G-1")]
    r = post(web, batch)
    assert r.status_code == 422
    got = {(x["row"], x.get("column")): x["reason"] for x in r.json()["rejected"]}
    assert got == {(2, "amount"): "'12,5x' is not an amount; expected something like 1250.00",
                   (3, "rep_id"): "unknown payee 'zed'",
                   (4, "close_date"): "'2026-02-30' is not a date; expected YYYY-MM-DD",
                   (5, "deal_id"): "duplicate deal_id 'G-1' (first at row 1)"}
    assert "nothing of it was taken" in r.json()["error"]
    assert stored(web) == 0 and booked(web) == figure
    assert web.portal.plans["team-2026"].version == version
    assert "G-1" not in web.portal.plans["team-2026"].run.keys["deals"]


def test_csv_rows_are_numbered_as_the_file_is(any_web):
    web = any_web
    body = COLS + deal_csv("CSV-1") + "\n" + deal_csv("CSV-2", amount="oops")
    r = post(web, body, "text/csv")
    assert r.status_code == 422
    assert [(x["row"], x["column"]) for x in r.json()["rejected"]] == [(4, "amount")], r.json()
    r = post(web, COLS + deal_csv("CSV-1") + deal_csv("CSV-2", day="2026-04-02"), "text/csv")
    assert r.json()["accepted"] == 2
    assert r.json()["warnings"] == ["row 2: close_date 2026-04-02 is outside 2026-Q1: kept, "
                                    "not counted in this period"]


def deal_csv(key, rep="ana", amount="1000", day="2026-03-20"):
    return f"{key},{rep},{day},{amount},Acme\n"


def test_a_store_failure_takes_nothing(web, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from compplan.store import audit
    figure = booked(web)

    def broken(*a, **k):
        raise OperationalError("insert", {}, Exception("disk I/O error"))
    monkeypatch.setattr(audit, "append", broken)
    r = post(web, [deal("F-1")])
    assert r.status_code == 503 and "nothing of the batch was taken" in r.json()["error"]
    assert stored(web) == 0 and booked(web) == figure
    monkeypatch.undo()
    assert post(web, [deal("F-1")]).json()["accepted"] == 1  # and it can be sent again


def test_stored_before_the_live_figures_move(web, monkeypatch):
    """If taking a stored batch live fails, the reply says it is stored (it is); the
    portal loads the period again from the store, as a portal started afresh would."""
    lp = web.portal.plans["team-2026"]

    def broken(batch):
        raise RuntimeError("boom")
    monkeypatch.setattr(lp.run, "apply", broken)
    r = post(web, [deal("L-1")])
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert "once the period is loaded again" in r.json()["warnings"][0]
    assert stored(web) == 1
    fresh = create_app(web.store, catch_up=False)
    assert fresh.state.portal.plans["team-2026"].run.payee("ana").measure_values["booked"] \
        == D("150000")
    # the portal loads the period again by itself
    import time
    deadline = time.time() + 30
    while web.portal.plans["team-2026"] is lp and time.time() < deadline:
        time.sleep(0.1)
    assert booked(web) == D("150000")


def test_a_restarted_portal_has_every_ingested_row(any_web):
    web = any_web
    post(web, [deal("R-1", amount="5000")])
    post(web, COLS + deal_csv("R-2", rep="bo", amount="7000"), "text/csv")
    fresh = create_app(web.store, catch_up=False).state.portal.plans["team-2026"]
    live = web.portal.plans["team-2026"]
    assert {p: r.total for p, r in fresh.run.results.items()} == \
        {p: r.total for p, r in live.run.results.items()}
    assert fresh.run.payee("bo").measure_values["booked"] == \
        live.run.payee("bo").measure_values["booked"]


def test_the_command_line_ingests_and_the_portal_follows(any_web, tmp_path):
    web = any_web
    good = tmp_path / "deals.csv"
    good.write_text(COLS + deal_csv("CLI-1", amount="4000") + deal_csv("CLI-2", rep="bo"))
    run = CliRunner().invoke(cli, ["ingest", str(good), "--plan", "team-2026", "--db",
                                   web.store.url, "--as", "ops"])
    assert run.exit_code == 0, run.output
    assert "2 taken, 0 already there" in run.output
    figure = booked(web)
    web.portal.catch_up()  # what the portal does every few seconds
    assert booked(web) - figure == D("4000")
    # again: nothing new; a bad file: each row named, nothing taken, exit 1
    run = CliRunner().invoke(cli, ["ingest", str(good), "--plan", "team-2026", "--db",
                                   web.store.url])
    assert "0 taken, 2 already there" in run.output
    bad = tmp_path / "bad.json"
    bad.write_text('[{"deal_id": "CLI-3", "rep_id": "ana", "close_date": "2026-03-01", '
                   '"amount": "1", "customer": "X"}, {"deal_id": "CLI-4", "rep_id": "nobody",'
                   ' "close_date": "2026-03-01", "amount": "1", "customer": "X"}]')
    run = CliRunner().invoke(cli, ["ingest", str(bad), "--plan", "team-2026", "--db",
                                   web.store.url])
    assert run.exit_code == 1
    assert f"{bad}:2: column rep_id: unknown payee 'nobody'" in run.output
    assert stored(web) == 2


def test_a_saved_run_pays_the_ingested_deals(web):
    post(web, [deal("P-1", amount="10000", day="2026-03-30")])
    admin = web.client("admin")
    r = post_form(admin, "/admin", "/admin/plans/team-2026/save", {}, follow_redirects=False)
    assert r.status_code == 303
    with web.store.session() as db:
        run = db.execute(select(Run).where(Run.plan_id == "team-2026", Run.status == "draft")
                         ).scalar_one()
    page = web.client("ana").get(f"/runs/{run.id}/payees/ana")
    # ana at 140,000 of 120,000 is past 100%: the new deal pays 10% = 1,000.00
    assert "deals:P-1" in page.text and "1,000.00" in page.text
    assert run.total == web.portal.plans["team-2026"].run.results["vera"].total + sum(
        (p.total for k, p in web.portal.plans["team-2026"].run.results.items() if k != "vera"),
        D(0))


def test_batches_at_once_are_each_taken_whole(any_web):
    import threading
    web = any_web
    figure = booked(web)
    results = []

    def send(i):
        results.append(post(web, [deal(f"T-{i}-{j}", amount="100") for j in range(20)]
                            + [deal("T-shared", amount="100")]))
    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert sum(r.json()["accepted"] for r in results) == 81  # T-shared taken once
    assert stored(web) == 81 and booked(web) - figure == D("8100")


@pytest.mark.parametrize("ctype", ["application/json", "text/csv"])
def test_the_input_is_named_when_a_plan_has_several(web, ctype):
    assert len(web.portal.plans["field-2026"].transaction_inputs()) > 1
    r = post(web, "a,b\n1,2\n" if ctype == "text/csv" else [{"a": "1"}], ctype,
             url="/api/plans/field-2026/ingest")
    assert r.status_code == 400 and "say which with ?input=NAME" in r.json()["error"]
