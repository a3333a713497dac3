"""Proposing targets, each worked by hand in the comments."""
import datetime as dt
from decimal import Decimal as D

import pytest

from compplan.periods import parse_period
from compplan.targets.calendar import Calendar
from compplan.targets.model import Worked
from compplan.targets.propose import (ProposeError, finish, growth, learn_seasonality,
                                      prorate, ramp, seasonal_split, split_by_working_days,
                                      top_down)
from compplan.targets.split import largest_remainder


def test_top_down_with_floor_and_cap():
    # 100,000 split by last year's shares 50 : 30 : 15 : 5, floor 10,000, cap 45,000.
    # By share alone: ann 50,000 (above the cap), bob 30,000, cat 15,000, dan 5,000
    # (below the floor). ann gets the cap 45,000 and dan the floor 10,000; what is left,
    # 100,000 - 45,000 - 10,000 = 45,000, goes to bob and cat by 30 : 15:
    # bob 45,000 x 30/45 = 30,000, cat 45,000 x 15/45 = 15,000. Sum 100,000.
    out = top_down(D(100000), {"ann": 50, "bob": 30, "cat": 15, "dan": 5},
                   floor=D(10000), cap=D(45000), basis="last year's share")
    assert {k: v.value for k, v in out.items()} == {
        "ann": D(45000), "bob": D(30000), "cat": D(15000), "dan": D(10000)}
    assert sum(v.value for v in out.values()) == D(100000)
    assert out["ann"].how == ("100,000.00 x 50 / 100 (last year's share) = 50,000.00, "
                              "above the cap: 45,000.00")
    assert out["dan"].how.endswith("= 5,000.00, below the floor: 10,000.00")
    assert out["bob"].how == ("(100,000.00 - 45,000.00 at the cap - 10,000.00 at the floor) "
                              "x 30 / 45 (last year's share) = 30,000.00")


def test_top_down_a_cap_that_pushes_another_over_it():
    # 90,000 by 6 : 3 : 1 with cap 40,000: ann's 54,000 is capped at 40,000; the 50,000 left
    # by 3 : 1 would give bob 37,500 and cat 12,500 (both under the cap). No floor.
    out = top_down(D(90000), {"ann": 6, "bob": 3, "cat": 1}, cap=D(40000))
    assert [v.value for v in out.values()] == [D(40000), D(37500), D(12500)]


def test_top_down_parts_add_up_to_the_cent():
    # 100.00 in thirds: 33.34 + 33.33 + 33.33 (the first of the equal remainders)
    out = top_down(D(100), {"a": 1, "b": 1, "c": 1})
    assert [v.value for v in out.values()] == [D("33.34"), D("33.33"), D("33.33")]
    assert out["a"].how.endswith("(largest remainder)")


def test_top_down_that_cannot_be_met():
    with pytest.raises(ProposeError, match="floor 40,000.00 for 3 payees needs 120,000.00"):
        top_down(D(100000), {"a": 1, "b": 1, "c": 1}, floor=D(40000))


def test_growth_over_last_year():
    # 40,000 last year, +8%: 40,000 x 1.08 = 43,200.00
    w = finish(growth(D(40000), D("0.08")), D("0.01"), "money")
    assert w.value == D("43200.00")
    assert w.how == "last year 40,000.00 x (1 + 8%) = 43,200.00"
    # 37 outlets, +10% = 40.7 -> 41 whole outlets
    w = finish(growth(D(37), D("0.10"), "count"), D(1), "count")
    assert w.value == 41 and w.how.endswith("= 40.7 -> 41 (rounded to 1)")


def test_seasonality_learnt_from_history():
    # Last year by quarter: 90,000 / 110,000 / 100,000 / 100,000 = 400,000, so the
    # weights are 22.5% / 27.5% / 25% / 25%. This year's 440,000 splits into
    # 99,000 / 121,000 / 110,000 / 110,000.
    weights = learn_seasonality({"2025-Q1": D(90000), "2025-Q2": D(110000),
                                 "2025-Q3": D(100000), "2025-Q4": D(100000)}, "quarter")
    parts = seasonal_split(D(440000), parse_period("2026"), "quarter", weights)
    assert [(p.label, w.value) for p, w in parts] == [
        ("2026-Q1", D(99000)), ("2026-Q2", D(121000)), ("2026-Q3", D(110000)),
        ("2026-Q4", D(110000))]
    assert parts[0][1].how == "440,000.00 x 22.5% (quarter 1 seasonality) = 99,000.00"


def test_seasonality_given_and_over_two_years():
    # Two years of January and February: Jan 100 + 140 = 240, Feb 60 + 100 = 160,
    # so 60% / 40%, and only those two months have weight: 1,000 -> 600 / 400 / 0 ...
    weights = learn_seasonality({"2024-01": D(100), "2024-02": D(60), "2025-01": D(140),
                                 "2025-02": D(100)})
    parts = seasonal_split(D(1000), parse_period("2026-Q1"), "month", weights)
    assert [w.value for _, w in parts] == [D(600), D(400), D(0)]
    given = seasonal_split(D(1000), parse_period("2026-Q1"), "month",
                           {1: D("0.3"), 2: D("0.3"), 3: D("0.4")})
    assert [w.value for _, w in given] == [D(300), D(300), D(400)]


def test_new_hire_ramp_and_proration():
    # Full monthly target 10,000; hired 2026-03-16; ramp 25/50/75/100%.
    # March is month 1 of service and 16 of its 31 days are worked (16th to 31st):
    # 10,000 x 25% x 16/31 = 1,290.3225... -> 1,290.32. April 50% = 5,000, May 75% =
    # 7,500, June 100% = 10,000, and in February (not yet hired) 0.
    hired = dt.date(2026, 3, 16)
    full = Worked(D(10000), "full 10,000.00")
    schedule = [D("0.25"), D("0.5"), D("0.75"), D(1)]

    def month(label):
        p = parse_period(label)
        return finish(prorate(ramp(full, hired, p, schedule), p, hired, None),
                      D("0.01"), "money")
    march = month("2026-03")
    assert march.value == D("1290.32")
    assert march.how == ("full 10,000.00; x 25% (ramp, month 1 of 4 since hire on "
                         "2026-03-16) = 2,500.00; x 16/31 days active = 1,290.32 -> 1,290.32 "
                         "(rounded to 0.01)")
    assert [month(m).value for m in ("2026-04", "2026-05", "2026-06", "2026-02")] == [
        D(5000), D(7500), D(10000), D(0)]


def test_working_day_calendar_with_a_holiday():
    # April 2026 has 30 days: 4 Sundays (5, 12, 19, 26) leave 26 working days Mon-Sat;
    # Good Friday (3 April) is a holiday everywhere -> 25; North also has 10 April -> 24.
    cal = Calendar("field", frozenset(range(6)),
                   {"all": {dt.date(2026, 4, 3): "Good Friday"},
                    "North": {dt.date(2026, 4, 10): "Harvest festival"}})
    april = parse_period("2026-04")
    assert cal.count(april) == 25 and cal.count(april, "North") == 24
    assert cal.why_not(dt.date(2026, 4, 10), "North") == "Harvest festival"
    # 2,400.00 over North's 24 working days: 100.00 a day, nothing on the 3rd or 10th
    days = split_by_working_days(D(2400), april, "day", cal, "North")
    assert len(days) == 24 and {w.value for _, w in days} == {D(100)}
    assert "2026-04-10" not in {p.label for p, _ in days}
    assert days[0][1].how == "2,400.00 x 1 / 24 working days = 100.00"
    # 1,000.00 over 24 days is 41.666...: 16 days of 41.67 and 8 of 41.66 = 1,000.00
    days = split_by_working_days(D(1000), april, "day", cal, "North")
    assert sum(w.value for _, w in days) == D(1000)
    assert sorted({w.value for _, w in days}) == [D("41.66"), D("41.67")]
    # by week: W14 (Mon 30 Mar - Sun 5 Apr) has 1-4 Apr inside April, less Good Friday:
    # 3 working days of 24 -> 2,400 x 3/24 = 300.00
    weeks = split_by_working_days(D(2400), april, "week", cal, "North")
    assert weeks[0][0].label == "2026-W14" and weeks[0][1].value == D(300)
    assert sum(w.value for _, w in weeks) == D(2400)


def test_largest_remainder_sums_exactly():
    # 10.00 by 1 : 1 : 1 -> 3.34, 3.33, 3.33; 7 whole outlets by 1 : 1 : 1 -> 3, 2, 2
    assert largest_remainder(D(10), [1, 1, 1]) == [D("3.34"), D("3.33"), D("3.33")]
    assert largest_remainder(D(7), [1, 1, 1], D(1)) == [3, 2, 2]
    # 100 by 0.5 : 0.3 : 0.2 in steps of 0.01 is exact: 50, 30, 20
    assert largest_remainder(D(100), [D("0.5"), D("0.3"), D("0.2")]) == [50, 30, 20]
    # 1.00 by 2 : 3 : 5 : 7 (of 17): 11.76.. 17.64.. 29.41.. 41.17.. units -> floors
    # 11 + 17 + 29 + 41 = 98; the 2 units left go to the largest remainders
    # (.76 of the first, .64 of the second): 0.12, 0.18, 0.29, 0.41 = 1.00
    assert largest_remainder(D(1), [2, 3, 5, 7]) == [D("0.12"), D("0.18"), D("0.29"),
                                                      D("0.41")]
