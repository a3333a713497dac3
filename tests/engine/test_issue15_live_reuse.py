"""A live batch keeps the lines of credits before a payee's first new one (issue 15).

Under a running marginal tier a deal's line depends only on the bookings credited
before it, so a batch whose deals sort after a payee's earlier ones leaves those lines
as they were; the live run keeps them instead of working the quarter out again
(engine/reuse.py decides which earnings may, the tree says it: EarningStep.reuse).

Held by a differential test: after every hypothesis-generated batch (back-dated deals,
ties on dates with ids either side of the earlier ones', refunds, deals big enough to
cross tier bounds and caps), every payee of the live run equals a whole recompute of
the same data from scratch, every field of every line compared by its repr (a Decimal's
digits included). On the AE plan (a cap) and the manager plan (rollups to managers,
team(), a pool whose peers are worked out with no new credit of their own).

The running basis and plain sums (sum(bookings)) are kept between batches too: a batch
adds its credits to a payee's running sums when none sorts before the last one counted
(engine/python/running.py). The same differential tests hold it, on the AE plan and on
a variant whose basis counts new business only (`sum(bookings where type == "new")`).
"""
import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compplan.engine import load_plan, parse_period
from compplan.engine.data import load_folder
from compplan.engine.live import LiveRun
from compplan.engine.python.running import Running

ROOT = Path(__file__).resolve().parents[2]
Q1 = parse_period("2026-Q1")


def _tables(compiled, data):
    problems = []
    tables = load_folder(compiled.plan, data, problems)
    assert not problems
    return tables


def _whole(compiled, data, live: LiveRun) -> LiveRun:
    """The same period worked out from scratch: the sample data and every row ingested."""
    tables = _tables(compiled, data)
    tables["deals"].rows = list(live.tables["deals"].rows)
    return LiveRun(compiled, tables, Q1)


def _shown(pr) -> tuple:
    """Everything a payee's result says, exactly (repr keeps a Decimal's digits)."""
    return (pr.payee, pr.name, pr.currency, repr(pr.total), repr(pr.components),
            pr.measures, repr(pr.measure_values), pr.warnings, repr(pr.draw),
            pr.draw_period, [repr(ln) for ln in pr.lines])


def _assert_same(live: LiveRun, whole: LiveRun) -> None:
    assert live.results.keys() == whole.results.keys()
    for pid, pr in whole.results.items():
        got = live.results[pid]
        assert len(got.lines) == len(pr.lines), pid
        for a, b in zip(got.lines, pr.lines):
            assert repr(a) == repr(b), pid
        assert _shown(got) == _shown(pr), pid


# -------------------------------------------------------------- generated batches

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in (0, 11, 33, 50, 72, 89)]
# ids either side of the sample's (A-101, D-1 ...) on a tied date: '0...' sorts before
# them, 'Z...' after
PREFIXES = ["0", "B-", "Z"]
AMOUNTS = st.one_of(st.integers(-60_000, 400_000).map(str),
                    st.decimals(-5_000, 90_000, places=2).map(str),
                    st.sampled_from(["0", "50000", "100000", "-20000"]))


def _batches(reps: list[str], extra):
    deal = st.fixed_dictionaries({"rep_id": st.sampled_from(reps),
                                  "close_date": st.sampled_from(DAYS).map(str),
                                  "amount": AMOUNTS, "prefix": st.sampled_from(PREFIXES),
                                  **extra})
    return st.lists(st.lists(deal, min_size=1, max_size=5), min_size=1, max_size=4)


def _run_batches(plan, data: str, batches) -> int:
    """Ingest the batches one by one, each time compared with a whole recompute.
    Returns how many earlier lines were kept (the same objects as before)."""
    compiled = load_plan(ROOT / "plans" / plan) if isinstance(plan, str) else plan
    folder = ROOT / "plans" / "data" / data
    live = LiveRun(compiled, _tables(compiled, folder), Q1)
    kept, n = 0, 0
    for batch in batches:
        before = {pid: {id(ln) for ln in pr.lines} for pid, pr in live.results.items()}
        records = []
        for d in batch:
            n += 1
            rec = {k: v for k, v in d.items() if k != "prefix"}
            records.append({**rec, "deal_id": f"{d['prefix']}{n:03d}"})
        got = live.ingest("deals", records)
        assert got.rejected == [] and got.accepted == len(records)
        kept += sum(id(ln) in before.get(pid, ()) for pid in got.affected
                    for ln in live.results[pid].lines)
        _assert_same(live, _whole(compiled, folder, live))
    return kept


AE_REPS = ["ann", "ben", "cara", "dev", "eli", "fay", "gus"]
MANAGER_PAYEES = ["vera", "max", "nia", "ana", "bo", "cal", "dee", "ed"]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(_batches(AE_REPS, {"product": st.sampled_from(["platform", "services"]),
                          "type": st.sampled_from(["new", "renewal"])}))
def test_issue15_ae_live_batches_equal_a_whole_recompute(batches):
    _run_batches("ae.yaml", "ae", batches)


NEW_ONLY = ("    value: sum(bookings)\n", '    value: sum(bookings where type == "new")\n')


@SETTINGS
@given(_batches(AE_REPS, {"product": st.sampled_from(["platform", "services"]),
                          "type": st.sampled_from(["new", "renewal"])}))
def test_issue15_a_filtered_running_basis_kept_equals_a_whole_recompute(tmp_path_factory,
                                                                        batches):
    # renewals pay at the band new business reached, and do not move it
    plan = _ae_variant(tmp_path_factory.mktemp("new-only"), *NEW_ONLY)
    assert plan.running["ae_tiers"].carry
    _run_batches(plan, "ae", batches)


@SETTINGS
@given(_batches(MANAGER_PAYEES, {"customer": st.just("Generated Co")}))
def test_issue15_manager_live_batches_equal_a_whole_recompute(batches):
    _run_batches("manager.yaml", "manager", batches)


def test_issue15_deals_after_the_earlier_ones_keep_their_lines():
    # the differential tests would pass with nothing kept: this holds that lines are
    # kept at all (the same objects), on both plans, for deals dated after the others
    late = [{"rep_id": rep, "close_date": "2026-03-31", "amount": "1000", "prefix": "Z",
             "product": "platform", "type": "new"} for rep in AE_REPS]
    assert _run_batches("ae.yaml", "ae", [late]) > 0
    late = [{"rep_id": rep, "close_date": "2026-03-31", "amount": "1000", "prefix": "Z",
             "customer": "Late Co"} for rep in ("ana", "dee")]
    assert _run_batches("manager.yaml", "manager", [late]) > 0


# -------------------------------------------------------------- worked by hand

def _ae_folder(tmp_path: Path, deals: list[str]) -> Path:
    (tmp_path / "payees.csv").write_text("rep_id,name,region,target_incentive,manager_id\n"
                                         "ann,Ann,West,5000,\n")
    (tmp_path / "quotas.csv").write_text("rep_id,period,amount\nann,2026-Q1,100000\n")
    (tmp_path / "kpis.csv").write_text("rep_id,period,csat\n")
    (tmp_path / "deals.csv").write_text("deal_id,rep_id,close_date,amount,product,type\n" +
                                        "".join(d + "\n" for d in deals))
    return tmp_path


def _commission(pr) -> list[tuple[str, D]]:
    return [(ln.sources[0] if ln.sources else ln.kind, ln.amount) for ln in pr.lines
            if ln.component == "commission"]


def test_issue15_a_back_dated_deal_works_the_later_lines_out_again(tmp_path):
    compiled = load_plan(ROOT / "plans" / "ae.yaml")
    folder = _ae_folder(tmp_path, ["D1,ann,2026-01-10,60000,platform,new",
                                   "D2,ann,2026-02-10,20000,platform,new"])
    live = LiveRun(compiled, _tables(compiled, folder), Q1)
    # quota 100,000: bands at 50,000 / 100,000 / 150,000 of bookings
    #   D1 0 -> 60,000: 50,000 x 4% + 10,000 x 8% = 2,800.00
    #   D2 60,000 -> 80,000: 20,000 x 8% = 1,600.00
    assert _commission(live.payee("ann")) == [("deals:D1", D("2800.00")),
                                              ("deals:D2", D("1600.00"))]
    d1, d2 = live.payee("ann").lines[:2]
    got = live.ingest("deals", [{"deal_id": "D3", "rep_id": "ann", "close_date":
                                 "2026-03-01", "amount": "30000", "product": "platform",
                                 "type": "new"}])
    assert got.affected == ["ann"]
    # D3 80,000 -> 110,000: 20,000 x 8% + 10,000 x 12% = 1,600 + 1,200 = 2,800.00;
    # D1 and D2 sort before it: kept, the same lines
    ann = live.payee("ann")
    assert _commission(ann) == [("deals:D1", D("2800.00")), ("deals:D2", D("1600.00")),
                                ("deals:D3", D("2800.00"))]
    assert ann.lines[0] is d1 and ann.lines[1] is d2
    live.ingest("deals", [{"deal_id": "D0", "rep_id": "ann", "close_date": "2026-01-05",
                           "amount": "50000", "product": "platform", "type": "new"}])
    # D0, back-dated, goes first and moves every later deal up the bands:
    #   D0 0 -> 50,000 at 4% = 2,000.00
    #   D1 50,000 -> 110,000: 50,000 x 8% + 10,000 x 12% = 4,000 + 1,200 = 5,200.00
    #   D2 110,000 -> 130,000 at 12% = 2,400.00
    #   D3 130,000 -> 160,000: 20,000 x 12% + 10,000 x 16% = 2,400 + 1,600 = 4,000.00
    # 13,600.00 over the cap of 250% x 5,000 = 12,500.00: a cap line of -1,100.00
    ann = live.payee("ann")
    assert _commission(ann) == [("deals:D0", D("2000.00")), ("deals:D1", D("5200.00")),
                                ("deals:D2", D("2400.00")), ("deals:D3", D("4000.00")),
                                ("cap", D("-1100.00"))]
    assert ann.components["commission"] == D("12500.00")
    assert [ln.number for ln in ann.lines] == list(range(1, len(ann.lines) + 1))
    _assert_same(live, _whole(compiled, folder, live))


def _counted_from(monkeypatch) -> list[tuple[int, int]]:
    """Each running basis worked out: (rows already counted, rows in its set)."""
    seen = []
    add = Running.add

    def spy(self, form, env, rows):
        seen.append((self.seen, len(rows)))
        return add(self, form, env, rows)
    monkeypatch.setattr(Running, "add", spy)
    return seen


def test_issue15_the_running_basis_is_kept_between_batches(tmp_path, monkeypatch):
    compiled = load_plan(ROOT / "plans" / "ae.yaml")
    folder = _ae_folder(tmp_path, ["D1,ann,2026-01-10,60000,platform,new",
                                   "D2,ann,2026-02-10,20000,platform,new"])
    live = LiveRun(compiled, _tables(compiled, folder), Q1)
    counted = _counted_from(monkeypatch)
    late = {"rep_id": "ann", "product": "platform", "type": "new"}
    live.ingest("deals", [{**late, "deal_id": "D3", "close_date": "2026-03-01",
                           "amount": "30000"}])
    # D3 after D1 and D2: their running sums (0 -> 60,000 -> 80,000) kept, D3 added;
    # 80,000 -> 110,000 of a 100,000 quota: 20,000 x 8% + 10,000 x 12% = 2,800.00
    assert counted == [(2, 3)]
    ann = live.payee("ann")
    assert _commission(ann)[-1] == ("deals:D3", D("2800.00"))
    assert ann.measure_values["booked"] == D("110000")
    live.ingest("deals", [{**late, "deal_id": "D0", "close_date": "2026-01-05",
                           "amount": "50000"}])
    # D0 sorts first: every running sum moves, counted again from the first credit
    assert counted == [(2, 3), (0, 4)]
    assert live.payee("ann").measure_values["booked"] == D("160000")
    # a what-if counts on a copy of the credits, from the first, and the live basis the
    # next batch adds to is as it was
    live.what_if("deals", [{**late, "deal_id": "W1", "close_date": "2026-03-30",
                            "amount": "1000"}])
    assert counted[2:] == [(0, 5)]
    live.ingest("deals", [{**late, "deal_id": "D4", "close_date": "2026-03-31",
                           "amount": "1000"}])
    assert counted[3:] == [(4, 5)]
    assert live.payee("ann").measure_values["booked"] == D("161000")
    _assert_same(live, _whole(compiled, folder, live))


def test_issue15_a_basis_filtered_on_a_running_figure_is_not_kept(tmp_path):
    # a `where` on a measure that moves with every deal (the average deal): a later deal
    # can change an earlier deal's verdict, so the basis is counted whole every time
    plan = _ae_variant(tmp_path, "    value: sum(bookings)\n",
                       "    value: sum(bookings where value >= average)\n"
                       "  average:\n    value: avg(bookings)\n")
    assert not plan.running["ae_tiers"].carry
    assert _ae_variant(tmp_path, *NEW_ONLY).running["ae_tiers"].carry
    assert load_plan(ROOT / "plans" / "ae.yaml").running["ae_tiers"].carry


def test_issue15_what_if_leaves_the_live_lines_alone(tmp_path):
    compiled = load_plan(ROOT / "plans" / "ae.yaml")
    folder = _ae_folder(tmp_path, ["D1,ann,2026-01-10,60000,platform,new"])
    live = LiveRun(compiled, _tables(compiled, folder), Q1)
    shown = _shown(live.payee("ann"))
    got = live.what_if("deals", [{"deal_id": "W1", "rep_id": "ann", "close_date":
                                  "2026-03-01", "amount": "30000", "product": "platform",
                                  "type": "new"}])
    # W1 60,000 -> 90,000 at 8% = 2,400.00; D1's line kept in the answer
    assert _commission(got.after["ann"]) == [("deals:D1", D("2800.00")),
                                             ("deals:W1", D("2400.00"))]
    assert _shown(live.payee("ann")) == shown


# -------------------------------------------------------------- the compiler's mark

def _reuse(compiled) -> dict[str, bool]:
    return {e.name: e.reuse for e in compiled.earnings}


def test_issue15_the_tree_marks_the_earnings_whose_lines_may_be_kept():
    marks = {p: _reuse(load_plan(ROOT / "plans" / p)) for p in
             ("ae.yaml", "manager.yaml", "sdr.yaml", "retail.yaml", "cs.yaml")}
    # a running marginal tier on the credit's row (and payee.role): kept
    assert marks["ae.yaml"] == {"commission": True, "csat_bonus": False}
    assert marks["manager.yaml"]["commission"] is True
    # a `when` on show_rate (the quarter's meetings held / scheduled): never
    assert marks["sdr.yaml"] == {"meeting_pay": False, "enterprise_spiff": False}
    # each day's subtotal grows with the day's bills: never
    assert marks["retail.yaml"] == {"daily_bonus": False, "bill_kicker": False}
    # a lookup on the row's segment; min(a, b) is a function, not an aggregate
    assert marks["cs.yaml"]["renewal_commission"] is True


def _ae_variant(tmp_path: Path, old: str, new: str):
    text = (ROOT / "plans" / "ae.yaml").read_text()
    assert old in text
    (tmp_path / "ae.yaml").write_text(text.replace(old, new))
    return load_plan(tmp_path / "ae.yaml")


def test_issue15_what_reads_the_period_as_a_whole_is_not_kept(tmp_path):
    whole = _ae_variant(tmp_path, "    mode: marginal\n", "    mode: whole\n")
    assert _reuse(whole)["commission"] is False  # the rate of the final attainment
    for value in ("tiered(ae_tiers) * attainment", "value * rate(ae_tiers)",
                  "value * (1% if booked > 50000 else 2%)", "tiered(ae_tiers) + csat_bonus * 0"):
        plan = _ae_variant(tmp_path, "value: tiered(ae_tiers)", f"value: {value}")
        assert _reuse(plan)["commission"] is False, value
    # a period attribute, a function of the row, the payee's row: still kept
    plan = _ae_variant(tmp_path, "value: tiered(ae_tiers)",
                       "value: tiered(ae_tiers) + min(amount, payee.target_incentive) * 0%")
    assert _reuse(plan)["commission"] is True


def test_issue15_an_earning_that_warned_is_worked_out_in_full(tmp_path):
    # a quota of 0: attainment is a division by zero, so no deal of zed's is paid and
    # each says why; a later deal must not drop the earlier deals' warnings
    compiled = load_plan(ROOT / "plans" / "ae.yaml")
    folder = _ae_folder(tmp_path, ["Z1,zed,2026-01-10,60000,platform,new"])
    (folder / "payees.csv").write_text("rep_id,name,region,target_incentive,manager_id\n"
                                       "zed,Zed,West,5000,\n")
    (folder / "quotas.csv").write_text("rep_id,period,amount\nzed,2026-Q1,0\n")
    live = LiveRun(compiled, _tables(compiled, folder), Q1)
    assert "commission: value missing for Z1; not paid" in live.payee("zed").warnings
    live.ingest("deals", [{"deal_id": "Z2", "rep_id": "zed", "close_date": "2026-03-01",
                           "amount": "1000", "product": "platform", "type": "new"}])
    zed = live.payee("zed")
    assert [w for w in zed.warnings if w.startswith("commission:")] == [
        "commission: value missing for Z1; not paid",
        "commission: value missing for Z2; not paid"]
    _assert_same(live, _whole(compiled, folder, live))
