"""The example plans in plans/: their scenarios pass, and their sample data pays what
was worked out by hand.

Every expected total below was worked out on paper from the CSV files in
plans/data/<plan>/, with the arithmetic written above the assertion; none was copied
from the engine's output. When a plan or its data changes, redo the arithmetic.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compplan.engine import load_plan, run_files
from compplan.engine.scenarios import run_scenarios

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]
ADJUSTMENTS = ("cap", "floor", "rounding")


def D(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def sample(plan_file: str):
    """The run of a plan on its sample data, as plans/data/samples.yaml lists it."""
    entry = next(e for e in SAMPLES if e["plan"] == plan_file)
    return run_files(PLANS / entry["plan"], PLANS / entry["data"], str(entry["period"]))


def pay(result, payee: str):
    pr = result.payee(payee)
    assert pr is not None, f"{payee} is not in the results"
    # a statement adds up: the payee's total is the sum of its lines
    assert sum((ln.amount for ln in pr.lines), Decimal(0)) == pr.total
    return pr


def lines_of(pr, component: str, kind: str | None = None):
    return [ln for ln in pr.lines if ln.component == component and
            (kind is None or ln.kind == kind)]


# ---------------------------------------------------------------- every plan

@pytest.mark.parametrize("entry", SAMPLES, ids=[e["plan"] for e in SAMPLES])
def test_scenarios_pass(entry):
    compiled = load_plan(PLANS / entry["plan"])
    outcomes = run_scenarios(compiled)
    assert outcomes, f"{entry['plan']} has no scenarios"
    failed = {o.name: o.differences + [p.message for p in o.problems]
              for o in outcomes if not o.passed}
    assert not failed


@pytest.mark.parametrize("entry", SAMPLES, ids=[e["plan"] for e in SAMPLES])
def test_sample_data_fires_every_earning(entry):
    compiled = load_plan(PLANS / entry["plan"])
    result = sample(entry["plan"])
    for pr in result.payees:
        assert sum((ln.amount for ln in pr.lines), Decimal(0)) == pr.total, pr.payee
        assert sum(pr.components.values(), Decimal(0)) == pr.total, pr.payee
    assert sum((p.total for p in result.payees), Decimal(0)) == result.total
    for name in compiled.plan.earnings:
        fired = [pr.payee for pr in result.payees for ln in pr.lines
                 if ln.component == name and ln.kind not in ADJUSTMENTS and ln.amount != 0]
        assert fired, f"earning '{name}' of {entry['plan']} pays no one on the sample data"


def test_samples_list_every_plan():
    listed = {e["plan"] for e in SAMPLES}
    assert listed == {p.name for p in PLANS.glob("*.yaml")}
    for e in SAMPLES:
        assert (PLANS / e["data"]).is_dir(), e


# ---------------------------------------------------------------- textbook.yaml

def test_textbook_sample():
    r = sample("textbook.yaml")
    ann, bob, cy = pay(r, "ann"), pay(r, "bob"), pay(r, "cy")
    # ann: D1 40,000 + D2 32,000 + 60% of D7 50,000 (30,000) = 102,000; no quota row,
    # so the two quota-based commissions do not fire.
    # banded: 50,000 x 5% + 50,000 x 6% + 2,000 x 7% = 2,500 + 3,000 + 140 = 5,640.00
    assert ann.components["banded"] == D("5640.00")
    assert ann.total == D("5640.00")
    # bob: D3 64,000 + D4 25,000 + 30% of D7 (15,000) = 104,000 (D0 is December 2025);
    # quota 100,000 (the 2026-Q2 row is ignored), attainment 104%.
    # banded: 2,500 + 3,000 + 4,000 x 7% = 5,780.00
    # step:   100,000 x 3% + 4,000 x 5% = 3,000 + 200 = 3,200.00
    # whole:  104,000 x 5% = 5,200.00
    # total:  5,780 + 3,200 + 5,200 = 14,180.00
    assert bob.components["banded"] == D("5780.00")
    assert bob.components["step_commission"] == D("3200.00")
    assert bob.components["whole_commission"] == D("5200.00")
    assert bob.total == D("14180.00")
    # cy: 10% of D7 = 5,000 on a 10,000 quota (50%).
    # banded 5,000 x 5% = 250; step 5,000 x 3% = 150; whole 5,000 x 3% = 150
    # total 250 + 150 + 150 = 550.00
    assert cy.total == D("550.00")


# ---------------------------------------------------------------- ae.yaml

def test_ae_sample():
    r = sample("ae.yaml")
    # ann: quota 200,000; bands at 100,000 / 200,000 / 300,000 of bookings.
    #   A-101 0 -> 60,000:        60,000 x 4%                  = 2,400
    #   A-102 60,000 -> 130,000:  40,000 x 4% + 30,000 x 8%    = 1,600 + 2,400 = 4,000
    #   A-103 130,000 -> 180,000: 50,000 x 8%                  = 4,000
    #   A-104 180,000 -> 225,000: 20,000 x 8% + 25,000 x 12%   = 1,600 + 3,000 = 4,600
    #   (A-099 closed in December, A-105 is services: neither counts)
    # commission 2,400 + 4,000 + 4,000 + 4,600 = 15,000.00; CSAT 84 < 85: no bonus
    ann = pay(r, "ann")
    assert ann.total == D("15000.00")
    a102 = next(ln for ln in ann.lines if "deals:A-102" in ln.sources)
    assert [(t.tier, t.amount, t.rate) for t in a102.tiers] == [
        (1, D("40000"), D("0.04")), (2, D("30000"), D("0.08"))]
    # ben: quota 100,000; bands at 50,000 / 100,000 / 150,000.
    #   B-201 0 -> 80,000:        50,000 x 4% + 30,000 x 8%               = 4,400
    #   B-202 80,000 -> 170,000:  20,000 x 8% + 50,000 x 12% + 20,000 x 16% = 10,800
    #   B-203 170,000 -> 200,000: 30,000 x 16%                            = 4,800
    # commission 20,000, cap 250% x 5,000 = 12,500: cap line 12,500 - 20,000 = -7,500
    # total 12,500.00 (CSAT 80: no bonus)
    ben = pay(r, "ben")
    assert [ln.amount for ln in lines_of(ben, "commission", "cap")] == [D("-7500.00")]
    assert ben.total == D("12500.00")
    # cara: quota 150,000; bands at 75,000 / 150,000 / 225,000.
    #   C-301 0 -> 75,000 x 4% = 3,000; C-302 75,000 -> 135,000: 60,000 x 8% = 4,800
    #   C-303 135,000 -> 165,000: 15,000 x 8% + 15,000 x 12% = 1,200 + 1,800 = 3,000
    # commission 10,800; attainment 110%, CSAT 99: bonus 1,000 x 99 / 90 = 1,100
    # total 10,800 + 1,100 = 11,900.00
    cara = pay(r, "cara")
    assert cara.components["csat_bonus"] == D("1100.00")
    assert cara.total == D("11900.00")
    # dev: quota 120,000; bands at 60,000 / 120,000 / 180,000.
    #   D-401 renewal 100,000 credited at 50% = 50,000 x 4% = 2,000
    #   D-402 50,000 -> 90,000: 10,000 x 4% + 30,000 x 8% = 400 + 2,400 = 2,800
    #   D-403 90,000 -> 110,000: 20,000 x 8% = 1,600   (D-404 is in April)
    # total 2,000 + 2,800 + 1,600 = 6,400.00 (91.7% of quota: no CSAT bonus)
    assert pay(r, "dev").total == D("6400.00")
    # fay: quota 80,000; F-601 and F-602 close the same day and are taken in id order.
    #   F-601 0 -> 40,000 x 4% = 1,600; F-602 40,000 -> 80,000 x 8% = 3,200
    #   F-603 80,000 -> 86,000: 6,000 x 12% = 720; CSAT 90 at 107.5%: 1,000 x 90/90
    # total 1,600 + 3,200 + 720 + 1,000 = 6,520.00
    fay = pay(r, "fay")
    assert [ln.sources for ln in lines_of(fay, "commission")] == [
        ["deals:F-601"], ["deals:F-602"], ["deals:F-603"]]
    assert fay.total == D("6520.00")
    # gus: quota 90,000; bands at 45,000 / 90,000.
    #   G-701 12,000 x 4% = 480; G-702 renewal 24,000 -> 12,000 x 4% = 480
    #   G-703 15,000 x 4% = 600; G-705 39,000 -> 57,000: 6,000 x 4% + 12,000 x 8% = 1,200
    # total 480 + 480 + 600 + 1,200 = 2,760.00
    assert pay(r, "gus").total == D("2760.00")
    # eli: E-501 20,000 x 4% = 800; E-503 renewal 30,000 -> 15,000 x 4% = 600 -> 1,400.00
    assert pay(r, "eli").total == D("1400.00")


# ---------------------------------------------------------------- sdr.yaml

def test_sdr_sample():
    r = sample("sdr.yaml")
    # Counted from meetings.csv, March only (MTG-001 is February, the last row April).
    # sam: held 16, missed 3 (1 rescheduled counts neither way): show 16 / 19 = 84.2%
    #   14 qualified: 10 x 50 + 4 x 75 = 500 + 300 = 800.00
    #   2 of them enterprise + outbound: 2 x 100 = 200.00; total 1,000.00
    sam = pay(r, "sam")
    pays = [ln.amount for ln in lines_of(sam, "meeting_pay")]
    assert pays == [D("50.00")] * 10 + [D("75.00")] * 4
    assert sam.components["enterprise_spiff"] == D("200.00")
    assert sam.total == D("1000.00")
    # tia: held 9, missed 2: 81.8%; 8 qualified x 50 = 400; 1 SPIFF 100 -> 500.00
    assert pay(r, "tia").total == D("500.00")
    # uma: held 6, missed 5: 6 / 11 = 54.5% < 60%: her 5 qualified meetings and her
    # enterprise outbound meeting pay nothing -> 0.00
    uma = pay(r, "uma")
    assert uma.measures["qualified"] == "5"
    assert uma.total == D("0.00")
    # vic: held 6, missed 4: 6 / 10 = 60% exactly, which passes (>=);
    # 6 qualified x 50 = 300.00 (his enterprise meeting was inbound: no SPIFF)
    assert pay(r, "vic").total == D("300.00")
    # wes: 10 qualified in March, exactly the end of the 50 band: 10 x 50 = 500.00
    assert pay(r, "wes").total == D("500.00")


# ---------------------------------------------------------------- manager.yaml

def test_manager_sample():
    r = sample("manager.yaml")
    # Reps, per deal, 6% to 100% of quota and 10% above; plus their team's pool (below).
    # ana (quota 120,000): A-1 50,000 x 6% = 3,000; A-2 40,000 x 6% = 2,400;
    #   A-3 90,000 -> 140,000: 30,000 x 6% + 20,000 x 10% = 1,800 + 2,000 = 3,800
    #   commission 3,000 + 2,400 + 3,800 = 9,200.00
    ana = pay(r, "ana")
    assert ana.components["commission"] == D("9200.00")
    # bo (quota 100,000): 30,000 + 35,000 + 15,000 = 80,000 x 6% = 4,800.00
    assert pay(r, "bo").components["commission"] == D("4800.00")
    # cal (quota 80,000; C-0 is December): C-1 40,000 x 6% = 2,400;
    #   C-2 40,000 -> 90,000: 40,000 x 6% + 10,000 x 10% = 3,400; total 5,800.00
    assert pay(r, "cal").components["commission"] == D("5800.00")
    # dee (quota 150,000): 60,000 + 45,000 + 25,000 = 130,000 x 6% = 7,800.00
    assert pay(r, "dee").components["commission"] == D("7800.00")
    # ed, hired 2026-02-15: 14 days of February + 31 of March = 45 of 90 days, so his
    # 100,000 quota counts 100,000 x 45 / 90 = 50,000.
    #   E-1 30,000 x 6% = 1,800; E-2 30,000 -> 60,000: 20,000 x 6% + 10,000 x 10%
    #   = 1,200 + 1,000 = 2,200; commission 4,000.00
    ed = pay(r, "ed")
    assert ed.measures["attainment"] == "120%"
    assert ed.components["commission"] == D("4000.00")
    # Team pool (issue 20): 2% of the team's bookings, shared by booked among the reps
    # at 50% of their quota or more. Team north (ana 116.7%, bo 80%, cal 112.5%: all
    # share): 2% x 310,000 = 6,200.00; ana 6,200 x 140,000 / 310,000 = 2,800.00,
    # bo 6,200 x 80,000 / 310,000 = 1,600.00, cal 6,200 x 90,000 / 310,000 = 1,800.00.
    # Team south (dee 86.7%, ed 120%): 2% x 190,000 = 3,800.00; dee 3,800 x 130,000 /
    # 190,000 = 2,600.00, ed 3,800 x 60,000 / 190,000 = 1,200.00. Managers: no team.
    pools = {p.payee: p.components.get("team_pool", D("0")) for p in r.payees}
    assert pools == {"ana": D("2800.00"), "bo": D("1600.00"), "cal": D("1800.00"),
                     "dee": D("2600.00"), "ed": D("1200.00"), "max": D("0"), "nia": D("0"),
                     "vera": D("0")}
    assert ana.measures["team_booked"] == "310,000.00"
    # totals: ana 9,200 + 2,800 = 12,000.00; bo 4,800 + 1,600 = 6,400.00;
    # cal 5,800 + 1,800 = 7,600.00; dee 7,800 + 2,600 = 10,400.00; ed 4,000 + 1,200 =
    # 5,200.00
    assert [pay(r, p).total for p in ("ana", "bo", "cal", "dee", "ed")] == [
        D("12000.00"), D("6400.00"), D("7600.00"), D("10400.00"), D("5200.00")]
    # max (quota 300,000): team 140,000 + 80,000 + 90,000 = 310,000 rolled up
    #   team commission 300,000 x 1% + 10,000 x 2% = 3,000 + 200 = 3,200
    #   override 5% x (9,200 + 4,800 + 5,800 = 19,800) = 990 (the reps' commission,
    #   not their pool); total 4,190.00
    mx = pay(r, "max")
    assert mx.measures["booked"] == "310,000.00"
    assert mx.components["team_commission"] == D("3200.00")
    assert mx.components["override"] == D("990.00")
    assert mx.total == D("4190.00")
    # nia (quota 250,000): team 130,000 + 60,000 = 190,000 (76%): 190,000 x 1% = 1,900
    #   override 5% x (7,800 + 4,000 = 11,800) = 590; total 2,490.00
    assert pay(r, "nia").total == D("2490.00")
    # vera (quota 450,000): everything rolls up two levels: 310,000 + 190,000 = 500,000
    #   team commission 450,000 x 1% + 50,000 x 2% = 4,500 + 1,000 = 5,500
    #   override 5% x the five reps' commission (19,800 + 11,800 = 31,600)
    #   = 1,580; total 5,500 + 1,580 = 7,080.00
    vera = pay(r, "vera")
    assert vera.measures["booked"] == "500,000.00"
    assert vera.total == D("7080.00")
    # the run: 31,600 + 10,600 + 3,160 + 10,000 (the two pools) = 55,360.00
    assert r.total == D("55360.00")


# ---------------------------------------------------------------- cs.yaml

def test_cs_sample():
    r = sample("cs.yaml")
    # Rates: enterprise 2%, mid-market 3%, smb 4% (the default); expansion 10%.
    # kai: R-101 enterprise base 200,000 renewed 240,000: 200,000 x 2% = 4,000 and
    #        expansion 40,000 x 10% = 4,000
    #      R-102 mid-market 50,000 x 3% = 1,500
    #      R-103 smb base 10,000 renewed 12,000: 10,000 x 4% = 400; 2,000 x 10% = 200
    #      GRR 260,000 / 260,000 = 100% -> 100% x 4,000 = 4,000
    #      total 4,000 + 1,500 + 400 + 4,000 + 200 + 4,000 = 14,100.00
    kai = pay(r, "kai")
    assert kai.components["expansion_commission"] == D("4200.00")
    assert kai.total == D("14100.00")
    # lena: 100,000 x 2% = 2,000; 45,000 x 3% = 1,350; 35,000 x 4% = 1,400
    #       GRR (100,000 + 45,000 + 35,000) / (100,000 + 60,000 + 40,000)
    #       = 180,000 / 200,000 = 90% exactly -> 50% x 3,000 = 1,500
    #       total 2,000 + 1,350 + 1,400 + 1,500 = 6,250.00
    lena = pay(r, "lena")
    assert lena.measures["gross_retention"] == "90%"
    assert lena.total == D("6250.00")
    # mo: R-301 80,000 x 3% = 2,400; R-302 churned (no line); R-303 90,000 x 2%
    #     = 1,800; R-300 (December) and R-305 (April) are not due in Q1.
    #     GRR 170,000 / 200,000 = 85% < 90%: no bonus. total 4,200.00
    mo = pay(r, "mo")
    assert len(mo.lines) == 2
    assert mo.total == D("4200.00")
    # noor: 150,000 x 2% = 3,000; R-402 base 100,000 renewed 130,000: 100,000 x 2%
    #       = 2,000 and 30,000 x 10% = 3,000; 40,000 x 3% = 1,200
    #       GRR 290,000 / 300,000 = 96.7% -> 100% x 5,000 = 5,000
    #       total 3,000 + 2,000 + 3,000 + 1,200 + 5,000 = 14,200.00
    assert pay(r, "noor").total == D("14200.00")
    # otto: 30,000 x 4% = 1,200; 25,000 x 4% = 1,000; 20,000 x 3% = 600
    #       GRR 75,000 / 80,000 = 93.75% -> 50% x 4,000 = 2,000; total 4,800.00
    assert pay(r, "otto").total == D("4800.00")


# ---------------------------------------------------------------- field.yaml

def test_field_sample():
    r = sample("field.yaml")
    # Weights 40% coverage / 30% new outlets / 30% focus lines; gate 80%, ceiling 120%;
    # revenue 2% to target, 3% above. Counts are March only (one February visit, one
    # February opening and one April order line are in the files).
    # rita (bonus 1,000; targets 20 outlets, 4 openings, 20 focus lines, 10,000):
    #   coverage 18 distinct / 20 = 90%:              1,000 x 40% x 90%  = 360
    #   openings with first order >= 50: 5 of 6 (N-94 is 35.00); 5 / 4 = 125%,
    #   paid at 120%:                                 1,000 x 30% x 120% = 360
    #   focus 17 / 20 = 85%:                          1,000 x 30% x 85%  = 255
    #   revenue 11,000: 10,000 x 2% + 1,000 x 3% = 200 + 30 = 230
    #   scorecard and revenue 360 + 360 + 255 + 230 = 1,205.00
    # Issue 19 added, on top, 10% each for presentations made and the close rate (same
    # curve and gate; presentations.csv, one of rita's in February):
    #   presentations 10 / 10 = 100%:                1,000 x 10% x 100% = 100
    #   close rate 3 won / 10 = 30% against 25% = 120%: 1,000 x 10% x 120% = 120
    #   total 1,205 + 100 + 120 = 1,425.00
    rita = pay(r, "rita")
    assert rita.components["new_outlet_bonus"] == D("360.00")
    assert rita.components["activity_bonus"] == D("100.00")
    assert rita.components["close_rate_bonus"] == D("120.00")
    assert rita.total == D("1425.00")
    # sid (bonus 1,000): coverage 15 / 20 = 75% and openings 3 / 4 = 75%: gated;
    #   focus 24 / 20 = 120%: 1,000 x 30% x 120% = 360; revenue 8,000 x 2% = 160
    #   presentations 8 / 10 = 80%, the gate: 1,000 x 10% x 80% = 80
    #   close rate 2 / 8 = 25% against 25% = 100%: 1,000 x 10% x 100% = 100
    #   total 360 + 160 + 80 + 100 = 700.00
    sid = pay(r, "sid")
    assert not lines_of(sid, "coverage_bonus") and not lines_of(sid, "new_outlet_bonus")
    assert sid.total == D("700.00")
    # tom (bonus 1,200; 20 outlets, 5 openings, 20 focus lines, 12,500):
    #   coverage 20 / 20 = 100%:  1,200 x 40% x 100% = 480
    #   openings 4 / 5 = 80% (E-91's first order is exactly 50.00; E-93's 20.00 does
    #   not count), exactly the gate: 1,200 x 30% x 80% = 288
    #   focus 30 / 20 = 150%, paid at 120%: 1,200 x 30% x 120% = 432
    #   revenue 12,500 = 100% of target: 12,500 x 2% = 250
    #   presentations 6 / 12 = 50%: gated; close rate 3 / 6 = 50% against 25% = 200%,
    #   paid at 120%: 1,200 x 10% x 120% = 144
    #   total 480 + 288 + 432 + 250 + 144 = 1,594.00
    tom = pay(r, "tom")
    assert not lines_of(tom, "activity_bonus")
    assert tom.total == D("1594.00")
    # ula (bonus 800; 15 outlets, 3 openings, 12 focus lines, 6,000):
    #   coverage 12 / 15 = 80%: 800 x 40% x 80% = 256; no qualifying opening: 0%
    #   focus 10 / 12 = 83.3%: 800 x 30% x 10 / 12 = 200; revenue 5,000 x 2% = 100
    #   no presentations: 0 of 8, and a close rate of 0 (not a division by zero): gated
    #   total 256 + 200 + 100 = 556.00
    assert pay(r, "ula").total == D("556.00")
    assert not r.warnings and not pay(r, "ula").warnings


def test_issue19_field_pipeline_coverage_and_margin_percent():
    """Issue 19: pipeline coverage (open pipeline / revenue target left) and margin
    percent (gross margin / revenue) in the field sample, followed and not paid: every
    payee's pay is as in test_field_sample (total 4,275.00)."""
    r = sample("field.yaml")
    m = {p: pay(r, p).measure_values for p in ("rita", "sid", "tom", "ula")}
    # opportunities.csv, open and expected to close in March (won, lost and April's
    # are not the open pipeline):
    #   rita OP-01 2,000 + OP-02 1,500 = 3,500 (OP-03 won, OP-04 lost, OP-05 April)
    #   sid  OP-06 2,500 + OP-07 1,800 + OP-08 700 = 5,000 (OP-09 lost)
    #   tom  OP-10 2,400 (OP-11 won);  ula OP-12 1,200 + OP-13 600 = 1,800 (OP-14 lost)
    assert [m[p]["open_pipeline"] for p in m] == [D("3500.00"), D("5000.00"),
                                                   D("2400.00"), D("1800.00")]
    # revenue target left: rita 11,000 of 10,000 and tom 12,500 of 12,500 have none
    # (coverage 0: nothing left to cover); sid 10,000 - 8,000 = 2,000: 5,000 / 2,000 =
    # 2.5; ula 6,000 - 5,000 = 1,000: 1,800 / 1,000 = 1.8
    assert [m[p]["remaining_target"] for p in m] == [0, D("2000.00"), 0, D("1000.00")]
    assert [m[p]["pipeline_coverage"] for p in m] == [0, D("2.5"), 0, D("1.8")]
    # gross margin: each line's amount less its standard cost (cola 75%, energy 70%,
    # chips and biscuits 65%, juice and water 80% of the price), by SKU for March:
    #   rita cola 3,960 x 25% = 990 + energy 3,520 x 30% = 1,056 + chips 880 x 35% = 308
    #        + biscuits 880 x 35% = 308 + juice 880 x 20% = 176 + water 880 x 20% = 176
    #        = 3,014.00; 3,014 / 11,000 = 27.4%
    #   sid  cola 3,120 x 25% = 780 + energy 3,120 x 30% = 936 + water 520 x 20% = 104
    #        + chips 720 x 35% = 252 + biscuits 260 x 35% = 91 + juice 260 x 20% = 52
    #        = 2,215.00; 2,215 / 8,000 = 27.6875%
    #   tom  cola 4,650 x 25% = 1,162.50 + energy 4,650 x 30% = 1,395 + biscuits 930 x
    #        35% = 325.50 + juice 1,030 x 20% = 206 + water 620 x 20% = 124 + chips 620
    #        x 35% = 217 = 3,430.00 (April's line is not March's); 3,430 / 12,500 = 27.44%
    #   ula  cola 1,650 x 25% = 412.50 + energy 1,650 x 30% = 495 + biscuits 710 x 35% =
    #        248.50 + juice, water 330 x 20% = 66 each + chips 330 x 35% = 115.50
    #        = 1,403.50; 1,403.50 / 5,000 = 28.07%
    assert [m[p]["gross_margin"] for p in m] == [D("3014.00"), D("2215.00"), D("3430.00"),
                                                  D("1403.50")]
    assert [m[p]["margin_percent"] for p in m] == [D("0.274"), D("0.276875"), D("0.2744"),
                                                    D("0.2807")]
    assert r.total == D("4275.00")  # 1,425 + 700 + 1,594 + 556: pay unchanged
