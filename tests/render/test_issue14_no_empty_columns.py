"""Issue 14, PDF: "KPI lines keep empty Date/Source/Credit columns". A component's
lines table has only the columns its lines fill (html.line_tables): a KPI bonus of
field.yaml, paid on a figure and not on rows, is '#, Formula, Amount'. Read on every
statement the demo writes for the sample plans (the PDF prints the same tables)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
import yaml

from compplan.cli.run import compile_or_exit
from compplan.periods import parse_period

from .conftest import ROOT

SAMPLES = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())["samples"]


class _Lines(HTMLParser):
    """Each `table.lines`: (component, its header cells, its lines' cells by label)."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[str], list[dict[str, str]]]] = []
        self._table = self._row = self._cell = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "lines" in (a.get("class") or "").split():
            self._table = (a.get("data-component"), [], [])
            self.tables.append(self._table)
        elif self._table is None:
            return
        elif tag == "th":
            self._cell, self._text = "th", []
        elif tag == "tr" and a.get("class") == "line":
            self._row = {}
            self._table[2].append(self._row)
        elif tag == "td" and self._row is not None and self._cell is None:
            self._cell, self._text = a.get("data-label"), []

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "th" and self._cell == "th":
            self._table[1].append("".join(self._text).strip())
            self._cell = None
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row[self._cell] = "".join(self._text).strip()
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["plan"] for s in SAMPLES])
def test_issue14_every_column_of_a_lines_table_has_something_in_it(sample_demo, sample):
    _, out = sample_demo
    compiled = compile_or_exit(str(ROOT / "plans" / sample["plan"]))
    folder = out / compiled.plan.plan / parse_period(str(sample["period"])).label / \
        "statements"
    pages = sorted(folder.glob("*/*.html"))
    assert pages
    seen = 0
    for page in pages:
        parsed = _Lines()
        parsed.feed(page.read_text(encoding="utf-8"))
        for component, header, lines in parsed.tables:
            for label in header:
                assert any(ln.get(label) for ln in lines), \
                    (page.parent.name, component, label, header)
            seen += bool(lines)
    assert seen


def test_issue14_a_kpi_bonus_has_no_date_source_or_credit_column(sample_demo):
    """field.yaml's KPI bonuses are paid on a measure, not on rows: no date, source
    or credit to show (ula's page: she reads English)."""
    _, out = sample_demo
    page = next((out / "field-2026" / "2026-03" / "statements" / "ula").glob("*.html"))
    parsed = _Lines()
    parsed.feed(page.read_text(encoding="utf-8"))
    kpi = {c: h for c, h, _ in parsed.tables if c.endswith("_bonus")}
    assert kpi and all(h == ["#", "Formula", "Amount"] for h in kpi.values()), kpi
