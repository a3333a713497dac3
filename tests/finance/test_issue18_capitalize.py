"""Issue 18, contract costs (IFRS 15 / ASC 340-40): commissions capitalized from paid
runs, amortized straight-line by month, reduced by clawbacks, impaired on cancellation,
and a roll-forward that ties out to the runs to the cent.

A monthly plan pays 10% of each deal and a 500.00 bonus for three deals in a month; a
deal that is cancelled or downsized gives back 50% of its commission. ann's deals:
    D1 2026-01-10 36,000, 36 months: commission 3,600.00, capitalized
    D2 2026-01-20 36,000, 36 months: commission 3,600.00, capitalized
    D3 2026-01-25 12,000, 12 months: commission 1,200.00, expensed (the practical
       expedient: 12 months or less)
January's run (paid) pays 3,600 + 3,600 + 1,200 + 500 = 8,900.00.
October's run (approved): D1 downsized, D2 cancelled on 2026-10-05; each gives back
50% x 3,600 = 1,800.00: -3,600.00.

D1: 3,600 / 36 = 100.00 a month, January to September (9 x 100 = 900.00, balance
    2,700.00); in October the clawback takes 1,800.00 off (900.00 left over the 27 months
    October 2026 to December 2028): 900 / 27 = 33.333... -> 33.33 a month, the last
    (2028-12) takes what is left: 900 - 26 x 33.33 = 900 - 866.58 = 33.42.
D2: the same to September (2,700.00); in October the clawback takes 1,800.00, the
    cancellation impairs the other 900.00, and nothing is amortized.
Roll-forward, January to October: additions 7,200.00; amortization 9 x 200 + 33.33 =
1,833.33; clawbacks 3,600.00; impairment 900.00; closing 7,200 - 1,833.33 - 3,600 - 900
= 866.67 (D1's 900 - 33.33).
Tie: 7,200.00 capitalized - 3,600.00 clawed back off the asset + 1,200.00 expensed
(expedient) + 500.00 not capitalized (the bonus) = 5,300.00 = 8,900.00 - 3,600.00, what
the two runs paid.
"""
import csv
from decimal import Decimal

from click.testing import CliRunner

from compplan.cli.main import cli

PLAN = """\
plan: saas-2026
name: SaaS AE, monthly
version: 1
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, region: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date,
          columns: {amount: money, status: text}}
credits:
  bookings: {from: deals, value: amount}
measures:
  won: count(bookings)
earnings:
  commission: {each: bookings, value: amount * 10%%, cap: %s}
  kickoff_bonus: {when: won >= 3, value: 500}
clawbacks:
  lost: {from: deals, when: status == "cancelled" or status == "downsized", share: 50%%}
"""

FINANCE = """\
plan: saas-2026
accounts:
  accrued_liability: "2150"
  expense: {commission: "6110", default: "6100"}
cost_centre: region
capitalize:
  components: [commission]
  contracts: deals
  term: term_months
  cancelled: cancelled_on
  accounts: {asset: "1460", amortization: "6190", impairment: "6195"}
"""

HEADER = "deal_id,rep_id,close_date,amount,status,term_months,cancelled_on\n"
JANUARY = HEADER + ("D1,ann,2026-01-10,36000,active,36,\n"
                    "D2,ann,2026-01-20,36000,active,36,\n"
                    "D3,ann,2026-01-25,12000,active,12,\n")
OCTOBER = HEADER + ("D1,ann,2026-01-10,36000,downsized,36,\n"
                    "D2,ann,2026-01-20,36000,cancelled,36,2026-10-05\n"
                    "D3,ann,2026-01-25,12000,active,12,\n")


def _cli(*args):
    return CliRunner(env={"COMPPLAN_USER": "fin"}).invoke(cli, list(args),
                                                          catch_exceptions=False)


def _folder(tmp_path, name, deals):
    d = tmp_path / name
    d.mkdir()
    (d / "payees.csv").write_text("rep_id,name,region\nann,Ann,West\n")
    (d / "deals.csv").write_text(deals)
    return str(d)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _save_and_lock(tmp_path, db, plan, folder, period, *steps):
    r = _cli("run", plan, "--data", folder, "--period", period, "--save", "--db", db,
             "--out", str(tmp_path / "out"), "--quiet")
    assert r.exit_code == 0, r.output
    run_id = str(len(list((tmp_path / "out").glob("*/*"))))  # runs are numbered 1, 2
    for step in steps:
        r = _cli(step, run_id, "--db", db)
        assert r.exit_code == 0, r.output


def _setup(tmp_path, store_url, cap="1000000"):
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN % cap)
    fin = tmp_path / "fin.yaml"
    fin.write_text(FINANCE)
    return str(plan), str(fin)


def test_issue18_a_36_month_contract_clawed_back_in_month_10_and_one_cancelled(
        tmp_path, store_url):
    plan, fin = _setup(tmp_path, store_url)
    _save_and_lock(tmp_path, store_url, plan, _folder(tmp_path, "jan", JANUARY), "2026-01",
                   "approve", "pay")
    _save_and_lock(tmp_path, store_url, plan, _folder(tmp_path, "oct", OCTOBER), "2026-10",
                   "approve")
    out = tmp_path / "fin-out"
    r = _cli("capitalize", "--plan", "saas-2026", "--finance", fin, "--db", store_url,
             "--out", str(out))
    assert r.exit_code == 0, r.output
    folder = out / "saas-2026" / "contract-costs-2026-10"
    sched = _rows(folder / "schedule.csv")
    d1 = [x for x in sched if x["contract"] == "D1"]
    d2 = [x for x in sched if x["contract"] == "D2"]
    assert not [x for x in sched if x["contract"] == "D3"]  # expensed: 12 months
    assert len(d1) == 36 and d1[0]["month"] == "2026-01" and d1[-1]["month"] == "2028-12"
    assert [x["amortization"] for x in d1[:9]] == ["100.00"] * 9
    assert (d1[9]["month"], d1[9]["opening"], d1[9]["clawbacks"], d1[9]["amortization"],
            d1[9]["closing"]) == ("2026-10", "2700.00", "1800.00", "33.33", "866.67")
    assert [x["amortization"] for x in d1[9:35]] == ["33.33"] * 26
    assert (d1[-1]["opening"], d1[-1]["amortization"], d1[-1]["closing"]) == \
        ("33.42", "33.42", "0.00")
    # the schedule adds up to the cost, to the cent
    assert sum(Decimal(x["amortization"]) + Decimal(x["clawbacks"]) for x in d1) == \
        Decimal("3600.00")
    assert len(d2) == 10
    assert (d2[-1]["month"], d2[-1]["clawbacks"], d2[-1]["amortization"],
            d2[-1]["impairment"], d2[-1]["closing"]) == ("2026-10", "1800.00", "0", "900.00",
                                                         "0")

    roll = _rows(folder / "roll-forward.csv")
    assert [x["month"] for x in roll] == [f"2026-{m:02d}" for m in range(1, 11)] + ["total"]
    assert roll[9] == {"month": "2026-10", "opening": "5400.00", "additions": "0",
                       "clawbacks": "3600.00", "amortization": "33.33",
                       "impairment": "900.00", "closing": "866.67"}
    assert roll[-1] == {"month": "total", "opening": "0", "additions": "7200.00",
                        "clawbacks": "3600.00", "amortization": "1833.33",
                        "impairment": "900.00", "closing": "866.67"}
    # the tie, as printed
    for words in ("capitalized (additions)                        7,200.00",
                  "clawbacks off the asset                       -3,600.00",
                  "expensed: expedient                            1,200.00",
                  "expensed: not capitalized                        500.00",
                  "paid runs                                      5,300.00",
                  "difference                                         0.00"):
        assert words in r.output, r.output

    jr = _rows(folder / "journal.csv")
    october = [(x["account"], x["debit"], x["credit"]) for x in jr
               if x["entry"] == "contract costs 2026-10"]
    assert october == [("6110", "3600.00", "0"), ("1460", "0", "3600.00"),
                       ("6190", "33.33", "0"), ("1460", "0", "33.33"),
                       ("6195", "900.00", "0"), ("1460", "0", "900.00")]
    assert sum(Decimal(x["debit"]) for x in jr) == sum(Decimal(x["credit"]) for x in jr)
    assert "kept as schedule 1" in r.output
    r = _cli("schedules", "verify", "1", "--db", store_url)
    assert r.exit_code == 0 and "schedule 1 (saas-2026 through 2026-10): the same" in r.output
    r = _cli("capitalize", "--plan", "saas-2026", "--finance", fin, "--db", store_url,
             "--out", str(out))
    assert "the same as schedule 1" in r.output

    # a run it was built from reopened: verify says so
    assert _cli("reopen", "2", "--reason", "late data", "--db", store_url).exit_code == 0
    r = _cli("schedules", "verify", "1", "--db", store_url)
    assert r.exit_code == 1
    assert "run 2 (2026-10) is draft now, not approved or paid" in r.output
    assert _cli("approve", "2", "--db", store_url).exit_code == 0

    # through September: only January's run; the tie is 8,900.00
    r = _cli("capitalize", "--plan", "saas-2026", "--finance", fin, "--db", store_url,
             "--out", str(out), "--through", "2026-09")
    assert r.exit_code == 0, r.output
    assert "paid runs                                      8,900.00" in r.output
    assert "2026-09      5,600.00         0.00         0.00       200.00         0.00     " \
        "5,400.00" in r.output

    # a kept month changed in the database (refused, then by its owner): verify names it
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import DatabaseError
    from compplan.store import open_store
    from compplan.store.finance import CostScheduleMonth
    from tamper import drop_guards
    store = open_store(store_url)
    change = update(CostScheduleMonth).where(
        CostScheduleMonth.schedule_id == 1, CostScheduleMonth.contract == "D1",
        CostScheduleMonth.month == "2026-02").values(amortization="10.00")
    with store.session() as s, pytest.raises(DatabaseError, match="never changed"):
        s.execute(change)
    drop_guards(store)
    with store.session() as s:
        s.execute(change)
        s.commit()
    store.close()
    r = _cli("schedules", "verify", "1", "--db", store_url)
    assert r.exit_code == 1
    assert "D1 2026-02: kept opening 3500.00, additions 0, clawbacks 0, amortization 10.00" \
        in r.output


def test_issue18_a_cap_is_shared_among_the_contracts_and_amortized_to_the_cent(
        tmp_path, store_url):
    # commission 10% capped at 1,000.00: E1 6,000 -> 600, E2 7,000 -> 700, cap -300.00
    # shared 600:700: E1 300 x 600/1300 = 138.4615 -> 138.46, E2 161.5384 -> 161.54
    # (the larger takes the rounding: 300 - 138.46 - 161.54 = 0)
    # E1 600 - 138.46 = 461.54 over 24 months: 19.2308 -> 19.23; the last 461.54 - 23 x
    # 19.23 = 461.54 - 442.29 = 19.25. E2 538.46 / 24 = 22.4358 -> 22.44; the last
    # 538.46 - 23 x 22.44 = 538.46 - 516.12 = 22.34.
    plan, fin = _setup(tmp_path, store_url, cap="1000")
    deals = HEADER + "E1,ann,2026-03-02,6000,active,24,\nE2,ann,2026-03-05,7000,active,24,\n"
    _save_and_lock(tmp_path, store_url, plan, _folder(tmp_path, "mar", deals), "2026-03",
                   "approve")
    out = tmp_path / "fin-out"
    r = _cli("capitalize", "--plan", "saas-2026", "--finance", fin, "--db", store_url,
             "--out", str(out))
    assert r.exit_code == 0, r.output
    sched = _rows(out / "saas-2026" / "contract-costs-2026-03" / "schedule.csv")
    e1 = [x for x in sched if x["contract"] == "E1"]
    e2 = [x for x in sched if x["contract"] == "E2"]
    assert (e1[0]["additions"], e1[0]["amortization"], e1[-1]["amortization"]) == \
        ("461.54", "19.23", "19.25")
    assert (e2[0]["additions"], e2[0]["amortization"], e2[-1]["amortization"]) == \
        ("538.46", "22.44", "22.34")
    assert len(e1) == len(e2) == 24 and e1[-1]["month"] == "2028-02"
    assert "paid runs                                      1,000.00" in r.output
    assert "difference                                         0.00" in r.output


def test_issue18_a_contract_without_a_term_is_named_at_its_file_and_row(tmp_path, store_url):
    plan, fin = _setup(tmp_path, store_url)
    deals = HEADER + "E1,ann,2026-03-02,6000,active,24,\nE2,ann,2026-03-05,7000,active,,\n"
    _save_and_lock(tmp_path, store_url, plan, _folder(tmp_path, "mar", deals), "2026-03",
                   "approve")
    r = _cli("capitalize", "--plan", "saas-2026", "--finance", fin, "--db", store_url,
             "--out", str(tmp_path / "fin-out"))
    assert r.exit_code == 1
    assert "deals.csv (run 1):3: error: column term_months: contract E2 has no term" \
        in r.output
