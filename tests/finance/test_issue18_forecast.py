"""Issue 18, forecasts: a pace forecast on a daily-target field plan, by working days
with a territory's holiday, and a pipeline range on the AE plan.

The field plan pays 2% of sales up to the month's target (the sum of the daily targets,
100.00 a working day) and 3% above, and a 300.00 bonus at 100% of target or more. The
calendar works Monday to Saturday; Good Friday (04-03) is a holiday everywhere, 04-10 in
the North only. April 2026 has 26 days that are not Sundays: 25 working days in the
South, 24 in the North; targets 2,500.00 and 2,400.00.

As of 2026-04-16: the North has worked 04-01, 02, 04, 06, 07, 08, 09, 11, 13, 14, 15, 16
= 12 of 24 days (50%); the South also 04-10: 13 of 25 (52%).
    ann (North) sold 500 + 700 + 300 + 500 = 2,000.00: 83.3333% of 2,400, pays 2% x 2,000
        = 40.00. At pace 2,000 / 50% = 4,000.00: 166.6667%; 2,400 x 2% + 1,600 x 3% = 48
        + 48 = 96.00, and the bonus 300.00: 396.00 (tier 1 -> 2, bonus gate met).
    bob (South) sold 600 + 700 = 1,300.00: 52% of 2,500, pays 26.00. At pace 1,300 /
        (13/25) = 2,500.00 exactly: 100% (upper: the 3% tier from 100%, but nothing above
        it), 2,500 x 2% = 50.00 and the bonus 300.00: 350.00 (bonus gate met).
    plan: to date 66.00, at pace 746.00.
"""
import csv
import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]

FIELD = """\
plan: field-pace
name: Field pace
version: 1
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, territory: text}}
  daily_targets: {payee: rep_id, period: period, columns: {revenue_target: money}}
  order_lines: {key: line_id, payee: rep_id, date: order_date, columns: {amount: money}}
credits:
  sales: {from: order_lines, value: amount}
measures:
  revenue: sum(sales)
  revenue_target: daily_targets.revenue_target
  revenue_attainment: revenue / revenue_target
rates:
  revenue_tiers:
    basis: revenue_attainment
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 100%, rate: 2%}
      - {rate: 3%}
earnings:
  commission: {each: sales, value: tiered(revenue_tiers)}
  target_bonus: {when: revenue_attainment >= 100%, value: 300}
"""

CALENDAR = """\
calendar: field-2026
workdays: [mon, tue, wed, thu, fri, sat]
holidays:
  all: {2026-04-03: Good Friday}
  North: {2026-04-10: Harvest festival}
"""


def _cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _field(tmp_path):
    plan = tmp_path / "field.yaml"
    plan.write_text(FIELD)
    d = tmp_path / "data"
    d.mkdir()
    (d / "calendar.yaml").write_text(CALENDAR)
    (d / "payees.csv").write_text("rep_id,name,territory\nann,Ann,North\nbob,Bob,South\n")
    targets = ["rep_id,period,revenue_target"]
    day = dt.date(2026, 4, 1)
    while day.month == 4:
        if day.weekday() != 6 and day != dt.date(2026, 4, 3):
            targets.append(f"bob,{day},100")
            if day != dt.date(2026, 4, 10):
                targets.append(f"ann,{day},100")
        day += dt.timedelta(days=1)
    (d / "daily_targets.csv").write_text("\n".join(targets) + "\n")
    (d / "order_lines.csv").write_text(
        "line_id,rep_id,order_date,amount\n"
        "L1,ann,2026-04-01,500\nL2,ann,2026-04-06,700\nL3,ann,2026-04-13,300\n"
        "L4,ann,2026-04-16,500\nL5,ann,2026-04-20,900\n"   # L5 is after the date
        "M1,bob,2026-04-02,600\nM2,bob,2026-04-15,700\n")
    return str(plan), str(d)


def test_issue18_pace_on_a_daily_target_field_plan_by_working_days(tmp_path):
    plan, data = _field(tmp_path)
    out = tmp_path / "out"
    r = _cli("forecast", plan, "--data", data, "--period", "2026-04", "--as-of", "2026-04-16",
             "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "pace by working days (calendar field-2026)" in r.output
    rows = {x["payee"]: x for x in _rows(out / "field-pace" / "2026-04" /
                                         "forecast-2026-04-16.csv")}
    ann, bob = rows["ann"], rows["bob"]
    assert (ann["share_gone"], ann["attainment_to_date"], ann["pay_to_date"]) == \
        ("0.5000", "0.833333", "40.00")
    assert (ann["attainment_at_pace"], ann["pay_at_pace"]) == \
        ("1.666667", "396.00")
    assert ann["crossed"] == "at pace: revenue_tiers tier 1 -> 2, target_bonus gate met"
    assert (bob["share_gone"], bob["pay_to_date"]) == ("0.5200", "26.00")
    assert (bob["attainment_at_pace"], bob["pay_at_pace"]) == ("1.000000", "350.00")
    assert bob["crossed"] == "at pace: revenue_tiers tier 1 -> 2, target_bonus gate met"
    assert (rows["plan field-pace"]["pay_to_date"], rows["plan field-pace"]["pay_at_pace"]) \
        == ("66.00", "746.00")


def test_issue18_pace_by_calendar_days_without_a_calendar(tmp_path):
    plan, data = _field(tmp_path)
    (Path(data) / "calendar.yaml").unlink()
    # 16 of 30 days: ann 2,000 x 30/16 = 3,750.00: 156.25% of 2,400. The rows are taken
    # 1.875 times: once more for 0.875 of them: round(0.875 x 4 rows) = 4 rows, scaled by
    # 1,750 / 2,000: 437.50, 612.50, 262.50, 437.50. Lines in date order, each rounded:
    #   L1 10.00, L1~1 8.75, L2 14.00, L2~1 12.25 (2,250.00 so far, 2%),
    #   L3 150 x 2% + 150 x 3% = 7.50 (2,400 reached), L3~1 262.50 x 3% = 7.875 -> 7.88,
    #   L4 15.00, L4~1 437.50 x 3% = 13.125 -> 13.13
    # = 88.51 (a plain 48.00 + 1,350 x 3% = 88.50, but each line is rounded half up),
    # and the bonus: 388.51
    r = _cli("forecast", plan, "--data", data, "--period", "2026-04", "--as-of", "2026-04-16",
             "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert "pace by calendar days" in r.output
    line = next(x for x in r.output.splitlines() if x.startswith("ann"))
    assert line.split() == ["ann", "53.3333%", "83.3333%", "40.00", "156.25%", "388.51"]


AE = str(ROOT / "plans" / "ae.yaml")


def test_issue18_pipeline_range_on_the_ae_plan(tmp_path):
    # ann: quota 100,000, 90,000 signed by 02-28 (5,200.00, see test_issue18_accrual)
    # pipeline: P1 40,000 at 50% closing 03-20, P2 20,000 at 90% 03-25, P3 in April
    #   low      + P2: 110,000: 2,000 + 4,000 + 10,000 x 12% = 7,200 + bonus 1,000 = 8,200
    #   expected + P1 x 50% + P2 x 90% = 20,000 + 18,000: 128,000: 6,000 + 28,000 x 12%
    #            = 9,360 + 1,000 = 10,360
    #   high     + 60,000: 150,000: 6,000 + 6,000 = 12,000 + 1,000 = 13,000
    # bob is capped at 5,000.00 in every case (and has no pipeline)
    from test_issue18_accrual import FILES
    d = tmp_path / "data"
    d.mkdir()
    for name, text in FILES.items():
        (d / name).write_text(text.replace("A3,ann,2026-03-10,40000,platform,new\n", ""))
    # ann and bob report to mia (no deals of her own): team mia adds them up
    (d / "payees.csv").write_text("rep_id,name,region,target_incentive,manager_id\n"
                                  "ann,Ann,West,10000,mia\nbob,Bob,East,2000,mia\n"
                                  "mia,Mia,West,10000,\n"
                                  "cy,Cy,East,1000,\n")
    (d / "quotas.csv").write_text(FILES["quotas.csv"] + "mia,2026-Q1,100000\n"
                                  "cy,2026-Q1,100000\n")
    # cy (cap 250% x 1,000 = 2,500): 40,000 signed pays 1,600.00; with P9 (30,000 at
    # 100%): 70,000: 2,000 + 20,000 x 8% = 3,600, capped at 2,500.00 in every outcome
    with open(d / "deals.csv", "a") as f:
        f.write("C1,cy,2026-02-10,40000,platform,new\n")
    pipe = tmp_path / "pipeline.csv"
    pipe.write_text("deal_id,rep_id,amount,product,type,probability,expected_close\n"
                    "P1,ann,40000,platform,new,50%,2026-03-20\n"
                    "P2,ann,20000,platform,new,90%,2026-03-25\n"
                    "P3,ann,90000,platform,new,100%,2026-04-02\n"
                    "P9,cy,30000,platform,new,100%,2026-03-02\n")
    out = tmp_path / "out"
    r = _cli("forecast", AE, "--data", str(d), "--period", "2026-Q1", "--as-of",
             "2026-02-28", "--pipeline", str(pipe), "--out", str(out))
    assert r.exit_code == 0, r.output
    rows = {x["payee"]: x for x in _rows(out / "ae-2026" / "2026-Q1" /
                                         "forecast-2026-02-28.csv")}
    ann = rows["ann"]
    assert [ann[f"pay_{o}"] for o in ("to_date", "low", "expected", "high")] == \
        ["5200.00", "8200.00", "10360.00", "13000.00"]
    assert [ann[f"attainment_{o}"] for o in ("low", "expected", "high")] == \
        ["1.100000", "1.280000", "1.500000"]
    # 150% exactly is in the 16% band (at_boundary: upper), though nothing is paid in it
    assert "high: ae_tiers tier 2 -> 4, csat_bonus gate met" in ann["crossed"]
    assert "low: ae_tiers tier 2 -> 3, csat_bonus gate met" in ann["crossed"]
    assert [rows["bob"][f"pay_{o}"] for o in ("low", "expected", "high")] == \
        ["5000.00"] * 3
    team = rows["team mia"]
    assert [team[f"pay_{o}"] for o in ("to_date", "low", "expected", "high")] == \
        ["10200.00", "13200.00", "15360.00", "18000.00"]
    cy = rows["cy"]
    assert [cy[f"pay_{o}"] for o in ("to_date", "low", "expected", "high")] == \
        ["1600.00", "2500.00", "2500.00", "2500.00"]
    assert "high: ae_tiers tier 1 -> 2, commission cap reached" in cy["crossed"]
    assert rows["plan ae-2026"]["pay_high"] == "20500.00"  # mia earns nothing
    assert "team mia: to date 10,200.00, at pace" in r.output
    # calendar days: 59 of 90 gone; ann 90,000 x 90/59 = 137,288.14: 137.2881%
    assert "ann    65.5556%      90%      5,200.00 137.2881%" in r.output


def test_issue18_a_bad_pipeline_row_is_named_at_its_row(tmp_path):
    pipe = tmp_path / "pipeline.csv"
    pipe.write_text("deal_id,rep_id,amount,product,type,probability,expected_close\n"
                    "P1,ann,40000,platform,new,150%,2026-03-20\n"
                    "P2,ann,20000,platform,new,90%,March\n")
    r = _cli("forecast", AE, "--data", str(ROOT / "plans" / "data" / "ae"), "--period",
             "2026-Q1", "--as-of", "2026-02-28", "--pipeline", str(pipe), "--out",
             str(tmp_path / "out"))
    assert r.exit_code == 1
    assert f"{pipe}:2: error: column probability: '150%': a probability from 0% to 100%" \
        in r.output
    assert f"{pipe}:3: error: column expected_close: 'March' is not a date" in r.output


def test_issue18_a_pipeline_deal_already_signed_is_refused_at_its_row(tmp_path):
    pipe = tmp_path / "pipeline.csv"
    pipe.write_text("deal_id,rep_id,amount,product,type,probability,expected_close\n"
                    "A-102,ann,40000,platform,new,50%,2026-03-31\n"
                    "P1,ann,1000,platform,new,50%,2026-03-31\n"
                    "P1,ann,2000,platform,new,50%,2026-03-31\n")
    r = _cli("forecast", AE, "--data", str(ROOT / "plans" / "data" / "ae"), "--period",
             "2026-Q1", "--as-of", "2026-02-28", "--pipeline", str(pipe), "--out",
             str(tmp_path / "out"))
    assert r.exit_code == 1
    assert f"{pipe}:4: error: column deal_id: duplicate deal_id 'P1' (first at row 3)" \
        in r.output
    pipe.write_text(pipe.read_text().replace("P1,ann,2000", "P2,ann,2000"))
    r = _cli("forecast", AE, "--data", str(ROOT / "plans" / "data" / "ae"), "--period",
             "2026-Q1", "--as-of", "2026-02-28", "--pipeline", str(pipe), "--out",
             str(tmp_path / "out"))
    assert r.exit_code == 1
    # A-102 was signed on 2026-02-03
    assert f"{pipe}:2: error: deal A-102 is in the pipeline and already signed" in r.output
