"""The live period's estimator and parts (issue 8): what a deal would pay, worked out by
the engine without changing the live figures; a month's or a day's attainment with the
quarter's quota split by days; a checked batch taken only when applied."""
import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from compplan.engine import load_plan, parse_period
from compplan.engine.data import load_folder
from compplan.engine.live import LiveRun
from compplan.periods import Period

ROOT = Path(__file__).resolve().parents[2]


def _live(plan: str, data: str, period: str = "2026-Q1") -> LiveRun:
    compiled = load_plan(ROOT / "plans" / plan)
    problems = []
    tables = load_folder(compiled.plan, ROOT / "plans" / "data" / data, problems)
    assert not problems
    return LiveRun(compiled, tables, parse_period(period))


def _deal(rep, amount, key="WI", day="2026-03-31"):
    return {"deal_id": key, "rep_id": rep, "close_date": day, "amount": amount,
            "product": "platform", "type": "new"}


def test_what_if_pays_the_next_deal_without_taking_it():
    live = _live("ae.yaml", "ae")
    dev = live.payee("dev")
    # dev: quota 120,000, booked 110,000 (91.67%), commission 6,400.00 (TI 12,000).
    # 20,000 more: 10,000 to 100% at 8% = 800; 10,000 in the 12% band = 1,200: +2,000.
    # (the CSAT bonus needs 100%: CSAT 95 >= 85, so 1,000 x 95/90 = 1,055.56 as well)
    got = live.what_if("deals", [_deal("dev", "20000")])
    assert got.rejected == []
    after = got.after["dev"]
    assert after.components["commission"] - dev.components["commission"] == D("2000.00")
    assert after.components["csat_bonus"] == D("1055.56")
    assert after.measures["attainment"] == "108.3333%"
    assert live.payee("dev") is dev and "WI" not in live.keys["deals"]
    assert all(r.get("deal_id") != "WI" for r in live.tables["deals"].rows)
    assert all(r["_key"] != "WI" for r in live.prep.credits["dev"]["bookings"])


def test_what_if_reaches_the_managers_above():
    live = _live("manager.yaml", "manager")
    got = live.what_if("deals", [{"deal_id": "WI", "rep_id": "ana",
                                  "close_date": "2026-03-31", "amount": "20000",
                                  "customer": "X"}])
    # ana's managers, and her team north (bo, cal): the deal moves the team pool that
    # each of them shares (issue 20)
    assert set(got.after) == {"ana", "bo", "cal", "max", "vera"}
    # pool 2% x (310,000 + 20,000) = 6,600.00 shared by 330,000: ana 6,600 x 160,000 /
    # 330,000 = 3,200.00, bo 6,600 x 80,000 / 330,000 = 1,600.00 (unchanged)
    assert got.after["ana"].components["team_pool"] == D("3200.00")
    assert got.after["bo"].components["team_pool"] == D("1600.00")
    assert got.after["max"].measure_values["booked"] - \
        live.payee("max").measure_values["booked"] == D("20000")
    assert live.payee("max").measures["booked"] == "310,000.00"


def test_what_if_rejects_like_ingest():
    live = _live("ae.yaml", "ae")
    got = live.what_if("deals", [_deal("nobody", "20000")])
    assert [p.code for p in got.rejected] == ["unknown-payee"] and got.after == {}


def test_a_month_splits_the_quarter_quota_by_days():
    live = _live("ae.yaml", "ae")
    march = live.span("ann", parse_period("2026-03"))
    # ann's March deals: 45,000; quota 200,000 x 31/90 days = 68,888.89
    assert march.measure_values["booked"] == D("45000")
    assert march.measures["attainment"] == "65.3226%"
    day = live.span("ann", Period("span", "2026-03-31", dt.date(2026, 3, 31),
                                  dt.date(2026, 3, 31)))
    assert day.measure_values["booked"] == D("0")
    assert live.span("nobody", parse_period("2026-03")) is None


def test_check_then_apply():
    live = _live("ae.yaml", "ae")
    batch = live.check("deals", [_deal("dev", "20000", "N1")])
    assert batch.out.rejected == [] and "N1" not in live.keys["deals"]
    got = live.apply(batch)
    assert (got.accepted, got.affected) == (1, ["dev"])
    assert live.payee("dev").measures["attainment"] == "108.3333%"


def test_an_absurd_number_is_a_bad_value_not_a_crash():
    live = _live("ae.yaml", "ae")
    for amount in ("1e999999", "1E+18", "-9e30"):
        got = live.ingest("deals", [_deal("dev", amount, "BIG")])
        assert [(p.row, p.code, p.column) for p in got.rejected] == [(1, "bad-value", "amount")]
    assert live.ingest("deals", [_deal("dev", "99999999999999999", "OK")]).accepted == 1
