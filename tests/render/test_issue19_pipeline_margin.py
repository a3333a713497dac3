"""Issue 19: pipeline coverage and margin percent on the field sample's statement, as
their display kinds say. Pipeline coverage (`display: ratio`) is written as so many
per one, 2.5 (sid: 5,000.00 open of 2,000.00 left), beside its two parts as money;
margin percent (`display: share`) as a percentage of revenue, 27.6875%. Neither is a
progress bar: neither is attainment of a target."""
from __future__ import annotations

from decimal import Decimal

from compplan.cli.run import compile_or_exit as _compile
from compplan.engine.run import run_plan
from compplan.periods import parse_period
from compplan.render import publish, rows
from compplan.render.statement import build

from .conftest import ROOT, page_text


def _field():
    compiled = _compile(str(ROOT / "plans" / "field.yaml"))
    data = ROOT / "plans" / "data" / "field"
    tables, _ = rows.load(compiled, data)
    return compiled, data, tables, run_plan(compiled, tables, parse_period("2026-03"))


def test_issue19_pipeline_coverage_is_a_ratio_and_margin_a_share_not_bars():
    compiled, data, tables, result = _field()
    st = build(result.payee("sid"), compiled, publish.header_of(compiled, result), "en",
               None, rows.own_rows(compiled, tables, "sid"))
    m = {x.name: x for x in st.measures}
    # 5,000 open / (10,000 - 8,000) left = 2.5, written as a number, not 250%
    assert m["pipeline_coverage"].value == Decimal("2.5")
    assert (m["pipeline_coverage"].display, m["pipeline_coverage"].shown_as) == ("ratio",
                                                                                 "number")
    # 2,215 margin / 8,000 revenue = 27.6875%, a percentage
    assert m["margin_percent"].value == Decimal("0.276875")
    assert (m["margin_percent"].display, m["margin_percent"].shown_as) == ("share", "ratio")
    bars = [x.name for x in st.progress]
    assert "pipeline_coverage" not in bars and "margin_percent" not in bars


def test_issue19_the_statement_page_writes_coverage_and_margin_in_the_payees_locale(tmp_path):
    compiled, data, tables, result = _field()
    report = publish.write_result(result, compiled, data, tmp_path, formats=("html",))
    text = {e.payee: page_text((report.out / e.files[0][1]).read_text(encoding="utf-8"))
            for e in report.entries}
    # ula reads English: 1,800.00 open of 1,000.00 left = 1.8; 1,403.50 / 5,000 = 28.07%
    assert "Open pipeline | 1,800.00\n" in text["ula"]
    assert "Revenue target left | 1,000.00\n" in text["ula"]
    assert "Pipeline coverage (open per 1 of target left) | 1.8\n" in text["ula"]
    assert "Margin percent | 28.07%\n" in text["ula"]
    # rita reads Vietnamese: her target is made, so nothing is left to cover (0); her
    # margin 3,014 / 11,000 = 27,4%
    assert "Chỉ tiêu doanh thu còn lại | 0,00\n" in text["rita"]
    assert "Độ phủ cơ hội bán hàng | 0\n" in text["rita"]
    assert "Tỷ suất lợi nhuận gộp | 27,4%\n" in text["rita"]
