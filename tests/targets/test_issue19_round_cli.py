"""Issue 19: `compplan targets round ...` for a comp admin scripting a round, on SQLite
and PostgreSQL (skipped, saying why, where no server answers): propose, open the round
with the plan, read its status, reopen a decided line for the rep with a day of its
own, move the deadline, approve, export the plan's targets file and run the plan on it.
The reps' answers and the manager's decisions are the portal's (here the same rules,
targets/rounds.py, called directly); every step of the admin's is in the audit chain."""
import csv
import datetime as dt
import json
import shutil
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from compplan.cli.main import cli
from compplan.engine import run_files
from compplan.store.audit import AuditEntry
from compplan.targets import rounds
from compplan.targets.round_tables import RoundLine, RoundStep

ROOT = Path(__file__).resolve().parents[2]
FIELD = ROOT / "plans" / "data" / "field"
KPIS = ROOT / "plans" / "kpis" / "field_month.yaml"
SET = "field-2026-03-cli"
RITA = rounds.Actor("rita", "rep", "rita")
SID = rounds.Actor("sid", "rep", "sid")
MIA = rounds.Actor("mia", "manager", "mia")


def compplan(url, *args, ok=True):
    r = CliRunner().invoke(cli, [*args, "--db", url], catch_exceptions=False)
    assert (r.exit_code == 0) == ok, r.output
    return r.output


def line(store, who, kpi="revenue"):
    with store.session() as db:
        return db.execute(select(RoundLine.id).where(RoundLine.who == who,
                                                     RoundLine.kpi == kpi)).scalar_one()


def step(store, fn):
    with store.session() as db:
        fn(db)
        db.commit()


def test_issue19_a_round_scripted_from_the_command_line(store, store_url, tmp_path):
    url = store_url
    # proposals: revenue March 2025 x 1.08 (rita 10,000 -> 10,800.00, sid 9,000 ->
    # 9,720.00, tom 12,000 -> 12,960.00, ula 5,500 -> 5,940.00), the rest as March 2025
    out = compplan(url, "targets", "propose", "--set", SET, "--kpis", str(KPIS),
                   "--history", str(FIELD / "history.csv"), "--payees",
                   str(FIELD / "payees.csv"), "--key", "rep_id", "--period", "2026-03",
                   "--growth", "revenue=8%", "--as", "cara")
    notes = tmp_path / "assumptions.txt"
    notes.write_text("growth-8 | growth | revenue | * | 2026-02-15 | the market grows 8%\n")
    out = compplan(url, "targets", "round", "open", "--set", SET, "--plan",
                   str(ROOT / "plans" / "field.yaml"), "--kpis", str(KPIS), "--period",
                   "2026-03", "--people", str(FIELD / "people.csv"), "--deadline",
                   "2026-02-27", "--top-down", "revenue=40,000", "--history",
                   str(FIELD / "history.csv"), "--assumptions", str(notes), "--as", "cara")
    assert "opened round 1: field-2026-03-cli 2026-03, 4 people x 8 KPIs" in out
    assert "1\tfield-2026-03-cli 2026-03\tfield-2026\t2026-03\t2026-02-27\topen\t0/32\t0/32" \
        in compplan(url, "targets", "round", "list")
    # not approved: nothing to export
    assert "not approved yet" in compplan(url, "targets", "round", "export", "1", "--out",
                                          str(tmp_path / "x.csv"), ok=False)

    # in the portal: rita answers 11,500 before the deadline, mia accepts; sid answers
    # 9,000 on 2 March, after the 27 February deadline (taken, marked late), mia
    # counters 9,400
    rita, sid = line(store, "rita"), line(store, "sid")
    step(store, lambda db: rounds.answer(db, RITA, 1, rita, "11500", "two new kiosks",
                                         dt.date(2026, 2, 25)))
    step(store, lambda db: rounds.review(db, MIA, 1, rita, "accept"))
    step(store, lambda db: rounds.answer(db, SID, 1, sid, "9000", "school holidays",
                                         dt.date(2026, 3, 2)))
    step(store, lambda db: rounds.review(db, MIA, 1, sid, "counter", "9400", "two weeks"))

    # accepted: rita cannot answer again until the admin reopens her line
    with store.session() as db:
        try:
            rounds.answer(db, RITA, 1, rita, "11000", "the kiosk slipped", dt.date(2026, 3, 3))
            raise AssertionError("an accepted line took an answer")
        except rounds.RoundError as e:
            assert e.status == 409 and e.hint == "ask the comp admin to reopen it"
    out = compplan(url, "targets", "round", "reopen", "1", "--who", "rita", "--kpi", "revenue",
                   "--reason", "one kiosk slipped to April", "--until", "2026-03-06",
                   "--as", "cara")
    assert f"reopened round 1 line {rita} (rita revenue), version 4, answers due by " \
           "2026-03-06" in out  # v1 proposed, v2 answered, v3 accepted, v4 reopened
    # her answer on 4 March is before her line's own day: not late; mia accepts it
    step(store, lambda db: rounds.answer(db, RITA, 1, rita, "11000", "the kiosk slipped",
                                         dt.date(2026, 3, 4)))
    step(store, lambda db: rounds.review(db, MIA, 1, rita, "accept"))
    with store.session() as db:
        trail = [(s.action, s.figure, s.by, s.reason) for s in db.execute(
            select(RoundStep).where(RoundStep.line_id == rita)
            .order_by(RoundStep.version)).scalars()]
    assert [t[:3] for t in trail] == [
        ("proposed", D("10800.00"), "cara"), ("answered", D("11500.00"), "rita"),
        ("accepted", D("11500.00"), "mia"), ("reopened", D("11500.00"), "cara"),
        ("answered", D("11000.00"), "rita"), ("accepted", D("11000.00"), "mia")]
    assert trail[3][3] == "one kiosk slipped to April (answers due by 2026-03-06)"
    assert trail[4][3] == "the kiosk slipped"  # on time for her reopened line

    # the status: rita 11,000 + sid 9,400 + tom 12,960 + ula 5,940 = 39,300.00 against
    # 40,000.00: -700.00; tom and ula have not answered; sid's answer came late
    status = json.loads(compplan(url, "targets", "round", "status", "1", "--json"))
    rev = status["totals"]["revenue"]
    assert (rev["figure"], rev["top_down"], rev["gap"]) == ("39300.00", "40000.00", "-700.00")
    assert (rev["answered"], rev["lines"]) == (2, 4)
    assert status["not_answered"] == ["tom", "ula"] and status["late"] == ["sid revenue"]
    assert status["states"] == {"accepted": 1, "countered": 1, "proposed": 30}
    text = compplan(url, "targets", "round", "status", "1")
    assert "revenue: proposed 39,420.00, now 39,300.00, top-down 40,000.00, gap -700.00" in text
    assert "close_rate: set per rep (ratio), 0/4 answered" in text

    compplan(url, "targets", "round", "deadline", "1", "2026-03-06", "--reason",
             "tom and ula are on leave", "--as", "cara")
    out = compplan(url, "targets", "round", "approve", "1", "--reason", "agreed", "--as", "cara")
    assert "approved round 1: 32 targets" in out
    # an approved round is not reopened: its figures are the set's approved targets
    assert "its figures are approved targets" in compplan(
        url, "targets", "round", "reopen", "1", "--who", "sid", "--kpi", "revenue",
        "--reason", "x", ok=False)

    # the export is plans/field.yaml's targets file, from the shape the round kept
    exported = tmp_path / "targets.csv"
    assert "4 rows of round 1's approved targets (the plan's targets.csv)" in compplan(
        url, "targets", "round", "export", "1", "--out", str(exported))
    rows = list(csv.DictReader(exported.open()))
    assert [(r["rep_id"], r["revenue_target"]) for r in rows] == [
        ("rita", "11000.00"), ("sid", "9400.00"), ("tom", "12960.00"), ("ula", "5940.00")]
    data = tmp_path / "field"
    shutil.copytree(FIELD, data)
    shutil.copy(exported, data / "targets.csv")
    result = run_files(ROOT / "plans" / "field.yaml", data, "2026-03")
    # rita: revenue 11,000 of 11,000 = 100%, all in the band to 100%: 2% = 220.00; the
    # rest as the sample: 360 + 360 + 255 + 100 + 120: 1,415.00. sid: 8,000 of 9,400:
    # 160.00, 700.00; tom 12,500 of 12,960: 250.00, 1,594.00; ula 5,000 of 5,940:
    # 100.00, 556.00; 1,415 + 700 + 1,594 + 556 = 4,265.00
    assert result.payee("rita").components["revenue_commission"] == D("220.00")
    assert result.payee("rita").total == D("1415.00")
    assert result.payee("sid").total == D("700.00")
    assert result.total == D("4265.00")

    with store.session() as db:
        events = [(e.event, e.actor) for e in db.execute(select(AuditEntry)).scalars()
                  if e.event.startswith("target_round.")]
    assert ("target_round.reopened", "cara") in events
    assert ("target_round.deadline", "cara") in events
    assert events.count(("target_round.approved", "cara")) == 32 + 1
