"""Issue 19: the field sample's activity and close-rate KPIs on a statement. The close
rate (deals won / presentations made) is a ratio shown as one, with both parts beside
it as counts, and is no progress bar; its attainment against the month's close-rate
target is (the plan says `display: percent`)."""
from __future__ import annotations

from decimal import Decimal

from compplan.cli.run import compile_or_exit as _compile
from compplan.engine.run import run_plan
from compplan.periods import parse_period
from compplan.render import publish, rows
from compplan.render.statement import build

from .conftest import ROOT, page_text


def _rita(tmp_path, locale="en"):
    compiled = _compile(str(ROOT / "plans" / "field.yaml"))
    data = ROOT / "plans" / "data" / "field"
    tables, _ = rows.load(compiled, data)
    result = run_plan(compiled, tables, parse_period("2026-03"))
    return compiled, data, tables, result


def test_issue19_close_rate_is_a_ratio_with_its_parts_and_presentations_a_count(tmp_path):
    compiled, data, tables, result = _rita(tmp_path)
    header = publish.header_of(compiled, result)
    st = build(result.payee("rita"), compiled, header, "en", None,
               rows.own_rows(compiled, tables, "rita"))
    m = {x.name: x for x in st.measures}
    # March: 10 presentations (a February one is not March's), 3 won: 3 / 10 = 0.3
    assert (m["presentations_made"].value, m["presentations_made"].display) == (10, "count")
    assert (m["deals_won"].value, m["deals_won"].display) == (3, "count")
    assert m["close_rate"].value == Decimal("0.3") and m["close_rate"].display == "ratio"
    assert m["close_rate"].shown_as == "number"  # 0.30 won per presentation, not 30%
    bars = [x.name for x in st.progress]
    assert "close_rate" not in bars and "presentations_made" not in bars
    # against the 25% target: 0.3 / 0.25 = 120%, a bar as the plan says
    assert "close_rate_attainment" in bars and "presentation_attainment" in bars
    assert m["close_rate_attainment"].value == Decimal("1.2")


def test_issue19_the_statement_page_shows_both_parts_and_the_ratio(tmp_path):
    compiled, data, tables, result = _rita(tmp_path)
    report = publish.write_result(result, compiled, data, tmp_path, formats=("html",))
    entry = next(e for e in report.entries if e.payee == "rita")  # rita reads Vietnamese
    text = page_text((report.out / entry.files[0][1]).read_text(encoding="utf-8"))
    # the figures table: presentations 10 and deals won 3 as counts, the close rate as
    # the ratio 0,3 (Vietnamese decimal comma), its attainment 0.3 / 0.25 as 120%
    assert "Buổi giới thiệu đã thực hiện | 10\n" in text
    assert "Đơn hàng đã chốt | 3\nTỷ lệ chốt đơn | 0,3\n" in text
    assert "Tỷ lệ chốt đơn so với chỉ tiêu | 120%" in text
    entry = next(e for e in report.entries if e.payee == "ula")  # English; none made
    text = page_text((report.out / entry.files[0][1]).read_text(encoding="utf-8"))
    assert "Deals won | 0\nClose rate (deals won per presentation) | 0\n" in text
