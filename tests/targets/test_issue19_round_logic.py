"""Issue 19: a target round's rules, below the portal: what people type is read exactly
or refused saying why; a round needs a proposal for every person and KPI; who may see,
answer and decide a line."""
import datetime as dt
from decimal import Decimal as D

import pytest

from compplan.store import open_store
from compplan.targets import rounds
from compplan.targets import store as tstore
from compplan.targets.model import Target

ADMIN = rounds.Actor("admin", "admin")
RITA = rounds.Actor("rita", "rep", "rita")
SID = rounds.Actor("sid", "rep", "sid")
MIA = rounds.Actor("mia", "manager", "mia")
NOAH = rounds.Actor("noah", "manager", "noah")


def test_issue19_figures_are_read_exactly_in_the_kpis_step():
    assert rounds.parse_figure("11,500", "money") == D("11500.00")
    assert rounds.parse_figure("25%", "ratio") == D("0.2500")
    assert rounds.parse_figure("12", "count") == D(12)
    with pytest.raises(rounds.RoundError, match="not a whole number of 1 "):
        rounds.parse_figure("20.5", "count")
    with pytest.raises(rounds.RoundError, match="not a number"):
        rounds.parse_figure("lots", "money")
    with pytest.raises(rounds.RoundError, match="0 or more"):
        rounds.parse_figure("-5", "money")
    with pytest.raises(rounds.RoundError, match="write your figure"):
        rounds.parse_figure(" ", "money", "your figure")


def test_issue19_people_top_down_and_assumptions_refused_with_the_line():
    team = rounds.parse_team("rita, mia, North\n# a comment\nsid, mia\n")
    assert team["sid"] == rounds.Member("sid", "mia", "")
    with pytest.raises(rounds.RoundError, match="people, line 1: 'rita' is not"):
        rounds.parse_team("rita")
    with pytest.raises(rounds.RoundError, match="listed twice"):
        rounds.parse_team("rita, mia\nrita, noah")
    assert rounds.parse_top_down("revenue=40,000", {"revenue": "money"}) == \
        {"revenue": D("40000.00")}
    with pytest.raises(rounds.RoundError, match="not KPI=FIGURE"):
        rounds.parse_top_down("revenu=1", {"revenue": "money"})
    a = rounds.parse_assumptions("g8 | growth | revenue | * | 2026-02-15 | market +8%")
    assert a[0]["dated"] == dt.date(2026, 2, 15) and a[0]["kind"] == "growth"
    with pytest.raises(rounds.RoundError, match="line 1: 'hunch' is not a kind"):
        rounds.parse_assumptions("g | hunch | * | * | 2026-02-15 | ?")
    with pytest.raises(rounds.RoundError, match="not a date"):
        rounds.parse_assumptions("g | growth | * | * | 15/02/2026 | ?")


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 't.db'}")
    tstore.propose(s, "s", [Target(w, "revenue", "2026-03", D(v), "money", how="by hand")
                            for w, v in (("rita", "100.00"), ("sid", "200.00"))], "admin")
    yield s
    s.close()


def _open(store, **kw):
    with store.session() as db:
        r = rounds.open_round(db, ADMIN, "r", "s", "p", "2026-03", ["revenue"],
                              rounds.parse_team("rita, mia\nsid, mia\ntom, noah"
                                                if kw.get("tom") else "rita, mia\nsid, mia"),
                              dt.date(2026, 2, 27), {"revenue": D("250.00")}, [])
        db.commit()
        return r.id


def test_issue19_a_round_needs_a_proposal_for_everyone(store):
    with pytest.raises(rounds.RoundError, match="no proposal for 2026-03: tom revenue"):
        _open(store, tom=True)


def test_issue19_who_answers_and_decides(store):
    rid = _open(store)
    with store.session() as db:
        r = db.get(rounds.TargetRound, rid)
        ids = {ln.who: ln.id for ln in rounds.visible_lines(db, r, ADMIN)}
        assert [ln.who for ln in rounds.visible_lines(db, r, RITA)] == ["rita"]
        assert [ln.who for ln in rounds.visible_lines(db, r, MIA)] == ["rita", "sid"]
        with pytest.raises(rounds.RoundError) as e:
            rounds.get_round(db, rid, NOAH)  # nobody of his takes part
        assert e.value.status == 404
        with pytest.raises(rounds.RoundError) as e:
            rounds.answer(db, RITA, rid, ids["sid"], "1", "mine")
        assert e.value.status == 404
        with pytest.raises(rounds.RoundError, match="say why"):
            rounds.answer(db, RITA, rid, ids["rita"], "120", " ")
        rounds.answer(db, RITA, rid, ids["rita"], "120", "a new kiosk", dt.date(2026, 2, 27))
        # on the deadline day: on time; a day later: taken, and the step says late
        rounds.answer(db, SID, rid, ids["sid"], "190", "roadworks", dt.date(2026, 2, 28))
        assert rounds.steps(db, db.get(rounds.RoundLine, ids["sid"]))[-1].reason == \
            "late, after the deadline 2026-02-27: roadworks"
        assert rounds.steps(db, db.get(rounds.RoundLine, ids["rita"]))[-1].reason == \
            "a new kiosk"
        with pytest.raises(rounds.RoundError) as e:
            rounds.review(db, SID, rid, ids["rita"], "accept")
        assert e.value.status == 404  # sid cannot even see rita's line
        with pytest.raises(rounds.RoundError, match="not a decision"):
            rounds.review(db, MIA, rid, ids["rita"], "maybe")
        rounds.review(db, MIA, rid, ids["sid"], "counter", "200", "roadworks end on 3 March")
        # totals: 120 + 200 = 320.00 against 250.00: +70.00 (+28%)
        t = rounds.totals(db, r)["revenue"]
        assert (t["figure"], t["gap"], t["gap_share"]) == (D("320.00"), D("70.00"),
                                                           D("0.28"))
        with pytest.raises(rounds.RoundError) as e:
            rounds.approve(db, MIA, rid)
        assert e.value.status == 403
        rounds.approve(db, ADMIN, rid)
        db.commit()
    approved = {t.who: t for t in tstore.current(store, "s", status="approved")}
    # rita's answer stands (nobody decided it): a new version; sid's counter equals the
    # proposal, which is approved as it was: v1
    assert (approved["rita"].value, approved["rita"].version) == (D("120.00"), 2)
    assert (approved["sid"].value, approved["sid"].version) == (D("200.00"), 1)
    assert approved["rita"].how == "round 1: proposed 100.00; rita answered 120.00 (a new kiosk)"
