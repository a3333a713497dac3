"""`explain` (golden tree) and payout curves (the engine's own points; files sane)."""
from __future__ import annotations

import re
import tempfile
from decimal import Decimal as D
from pathlib import Path

from compplan.render import chart, curve, explain, rows, stored
from compplan.render.statement import build

from .conftest import FIXTURE, compiled_plan, golden


def _tree_text(store, run_id, payee, line=None) -> str:
    with store.session() as s, tempfile.TemporaryDirectory() as tmp:
        sr = stored.open_run(s, run_id)
        tables, _ = rows.load(sr.compiled, rows.write_dataset(s, sr.run.dataset_id, Path(tmp)))
        st = build(stored.payee_result(s, run_id, payee), sr.compiled, sr.header, "en", None,
                   rows.own_rows(sr.compiled, tables, payee))
        return explain.render_text(explain.tree(st, sr.compiled, tables, line), width=100)


def test_explain_shows_the_tree_of_a_payees_pay(history):
    store, jan, feb = history
    text = _tree_text(store, jan, "bob")
    golden("explain_bob_2026-01.txt", text)
    assert "rule tests/render/fixture/plan.yaml:62:15  commission cap: 250% * " \
           "payee.target_incentive" in text
    assert "deals:B-1  deal_id=B-1  rep_id=bob  close_date=2026-01-14  amount=90000" in text
    one = _tree_text(store, feb, "bob", line=1)
    golden("explain_bob_2026-02_line1.txt", one)
    assert "rounded: 370.3701 -> 370.37 (half up to 0.01)" in one
    assert "Held back" not in one and "#2" not in one  # one line only


def test_explain_never_shows_another_payees_rows(history):
    store, _, feb = history
    text = _tree_text(store, feb, "ann")
    assert not re.search(r"\b(bob|cyd|dee|B-\d|C-\d|D-\d)\b", text)


def _profile(payee="ann", **sets):
    compiled = compiled_plan()
    tables, _ = rows.load(compiled, FIXTURE / "jan")
    from compplan.periods import parse_period
    p = curve.profile_from_rows(compiled, rows.own_rows(compiled, tables, payee), payee,
                                parse_period("2026-01"))
    assert not curve.override(p, sets)
    return compiled, p


def test_the_curve_is_the_engines_pay_at_each_attainment():
    compiled, profile = _profile("bob")  # target incentive 1,000: the cap at 2,500.00
    c = curve.compute(compiled, profile, points=41)
    assert not c.problems and c.measure == "attainment"
    by_x = {p.x.normalize(): p for p in c.points}
    # 50%: 50% x 40,000 x 3% = 600.00, no bonus yet (the 20% held is paid later: a
    # curve shows the period's pay, not when it is paid)
    assert by_x[D("0.5")].components == {"commission": D("600.00"), "quota_bonus": D("0")}
    assert by_x[D("0.5")].total == D("600.00")
    # 100%: 600 + 1,200 = 1,800.00 of commission, and the 500.00 bonus comes on
    assert by_x[D("1")].components["commission"] == D("1800.00")
    assert by_x[D("1")].components["quota_bonus"] == D("500")
    kinds = {(m.kind, m.label) for m in c.markers}
    assert ("gate", "quota_bonus on") in kinds and ("cap", "commission") in kinds
    bounds = sorted(m.x for m in c.markers if m.kind == "tier")
    assert bounds == [D("0.5"), D("1")]
    cap = next(m for m in c.markers if m.kind == "cap")
    # 1,800.00 at 100%; 700.00 more at 9% is 7,777.78 of bookings: 119.4%
    assert cap.y == D("2500.00") and D("1.194") < cap.x <= D("1.25")


def test_curve_files_are_written_and_name_the_tier_bounds(tmp_path):
    compiled, profile = _profile("ann", **{"quotas.amount": "80000"})
    c = curve.compute(compiled, profile)
    paths = chart.write(c, tmp_path, "ann", own=(D("1.4"), D("4550")))
    png, svg = paths
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "</svg>" in text
    for label in ("50%: 3% → 6%", "100%: 6% → 9%", "gate: quota_bonus on", "you: 140%"):
        assert label in text, label
    again = chart.write(c, tmp_path / "again", "ann", own=(D("1.4"), D("4550")))
    assert again[1].read_text(encoding="utf-8") == text  # the same curve, the same file


def test_a_measure_the_transactions_cannot_move_is_a_problem_not_a_crash():
    compiled, profile = _profile("ann")
    profile.rows["deals"] = []
    c = curve.compute(compiled, profile)
    assert c.problems and "stays at 0" in c.problems[0] and not c.points


def test_issue16_carried_lines_name_their_rule_in_explain(history):
    store, _, feb = history
    text = _tree_text(store, feb, "bob")
    # bob's 500.00 held in January is released in February: the line names the hold
    # that kept it back (plan.yaml line 41, `hold:`), and explain says what it is
    assert "rule tests/render/fixture/plan.yaml:63:5  commission hold: share 20%, until " \
           "invoice_paid" in text
    assert not re.search(r"rule\s*$", text, re.M)  # no line without its rule
