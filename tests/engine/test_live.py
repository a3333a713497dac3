"""A live period (issue 8, live attainment): transactions ingested in batches, only the
payees they touch worked out again, with the same checks and results as a full run."""
from decimal import Decimal as D
from pathlib import Path

from compplan.engine import load_plan, parse_period, run_plan
from compplan.engine.data import load_folder
from compplan.engine.live import LiveRun

ROOT = Path(__file__).resolve().parents[2]


def _live(plan: str, data: str, period: str):
    compiled = load_plan(ROOT / "plans" / plan)
    problems = []
    tables = load_folder(compiled.plan, ROOT / "plans" / "data" / data, problems)
    assert not problems
    return compiled, LiveRun(compiled, tables, parse_period(period))


def test_a_batch_moves_the_payee_and_matches_a_full_run():
    compiled, live = _live("textbook.yaml", "textbook", "2026-Q1")
    before = live.payee("cy").total
    batch = [{"deal_id": "N1", "rep_id": "cy", "close_date": "2026-03-30", "amount": "10000"}]
    got = live.ingest("deals", batch)
    assert (got.accepted, got.rejected, got.affected) == (1, [], ["cy"])
    # cy had 5,000 booked; 10,000 more: banded 15,000 x 5% = 750 (was 250), +500
    assert live.payee("cy").components["banded"] == D("750.00")
    assert live.payee("cy").total - before >= D("500.00")
    # the same data run in full gives the same for everyone
    problems = []
    tables = load_folder(compiled.plan, ROOT / "plans" / "data" / "textbook", problems)
    tables["deals"].rows.extend(live.tables["deals"].rows[-1:])
    full = run_plan(compiled, tables, parse_period("2026-Q1"))
    assert {p.payee: p.total for p in full.payees} == {k: v.total for k, v in
                                                      live.results.items()}


def test_ingest_is_idempotent_and_all_or_nothing():
    _, live = _live("textbook.yaml", "textbook", "2026-Q1")
    good = {"deal_id": "N1", "rep_id": "cy", "close_date": "2026-03-30", "amount": "10000"}
    assert live.ingest("deals", [good]).accepted == 1
    again = live.ingest("deals", [good])
    assert (again.accepted, again.already, again.rejected) == (0, 1, [])
    total = live.payee("cy").total
    bad = [{"deal_id": "N2", "rep_id": "cy", "close_date": "2026-03-30", "amount": "5000"},
           {"deal_id": "N3", "rep_id": "zed", "close_date": "2026-03-30", "amount": "1x"},
           {**good, "amount": "99"}]
    got = live.ingest("deals", bad)
    assert got.accepted == 0
    assert sorted((p.row, p.code) for p in got.rejected) == [(2, "bad-value"),
                                                             (3, "duplicate-key")]
    assert live.payee("cy").total == total  # nothing of the batch was taken
    assert "N2" not in live.keys["deals"]


def test_managers_above_a_rep_are_worked_out_again():
    compiled, live = _live("manager.yaml", "manager", "2026-Q1")
    rep = next(p for p, row in live.prep.payees.items() if row.get("manager_id")
               and live.prep.payees[row["manager_id"]].get("manager_id"))
    deals = live.tables["deals"]
    template = next(r for r in deals.rows if str(r["rep_id"]) == rep)
    rec = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in
           template.items() if not k.startswith("_")}
    rec["deal_id"] = "LIVE-1"
    got = live.ingest("deals", [rec])
    assert got.rejected == []
    chain = [rep]
    while live.prep.payees[chain[-1]].get("manager_id"):
        chain.append(str(live.prep.payees[chain[-1]]["manager_id"]))
    # the team pool (issue 20): the rep's deal moves the team's pool, so every member's
    # share is worked out again too (the rep's teammates: team north or south)
    team = live.prep.payees[rep].get("team")
    mates = {p for p, row in live.prep.payees.items() if team and row.get("team") == team}
    assert mates and set(got.affected) == set(chain) | mates
    problems = []
    tables = load_folder(compiled.plan, ROOT / "plans" / "data" / "manager", problems)
    tables["deals"].rows.append(live.tables["deals"].rows[-1])
    full = run_plan(compiled, tables, parse_period("2026-Q1"))
    assert {p.payee: p.total for p in full.payees} == {k: v.total for k, v in
                                                      live.results.items()}
