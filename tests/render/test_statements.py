"""Statements as a rep reads them: the content (golden text), the sums on the page, and
nobody else's pay in anybody's files."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest

from compplan.render import publish
from compplan.render.locale import Fmt

from .conftest import files_of, golden, page_text


def test_february_statement_of_ann_reads_as_golden(published):
    """English: hold and release lines in words, the gate not met, the year so far."""
    page = files_of(published, "ann")["html"].read_text(encoding="utf-8")
    text = page_text(page)
    golden("statement_ann_2026-02_en.txt", text)
    assert "Released: $210.00 held back earlier is now due" in text
    # the gate in words, with the measure's label (the plan syntax is for auditors)
    assert "Quota bonus: paid when Attainment ≥ 100% — not met (Attainment = 40%)" in text
    assert "quota_bonus: when attainment >= 100% — not met" in text.split("For auditors")[1]
    # the deal by its customer (describe: [customer]), not its id
    assert "1 | Feb 11, 2026 | Deal: Atlas Foods | 20,000.00 |" in text
    assert "2026-01 | 1 | paid | 3,740.00" in text  # January paid, February on top
    assert "Year to date | 5,030.00" in text


def test_january_statement_of_bob_in_vietnamese_reads_as_golden(history, tmp_path):
    """Vietnamese (the payee's locale column): the cap in words, the gate met."""
    store, jan, _ = history
    report = publish.write_run(store, jan, tmp_path, formats=("html",), payees=["bob"])
    text = page_text(files_of(report, "bob")["html"].read_text(encoding="utf-8"))
    golden("statement_bob_2026-01_vi.txt", text)
    assert "Đạt mức trần: Hoa hồng giới hạn ở 250% của thưởng mục tiêu = 2.500,00 US$" \
        in text
    assert "Thưởng chỉ tiêu: trả khi Tỷ lệ đạt ≥ 100% — đạt (Tỷ lệ đạt = 225%)" in text


class _Amounts(HTMLParser):
    """The amounts a reader sees, by where they stand: line rows, subtotals, the
    summary's components and total, and the total at the top."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.lines: dict[str, list[str]] = {}
        self.subtotals: dict[str, str] = {}
        self.summary: dict[str, str] = {}
        self.summary_total: str | None = None
        self.top_total: str | None = None
        self._text: list[str] | None = None

    def _find(self, tag):
        return next((a for t, a in reversed(self.stack) if t == tag), {})

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            return
        self.stack.append((tag, dict(attrs)))
        a = dict(attrs)
        if (tag == "td" and "amount" in (a.get("class") or "").split()) or \
                a.get("id") == "total":
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        tag_, attrs = self.stack.pop()
        if self._text is None or tag_ not in ("td", "div"):
            return
        text = "".join(self._text).strip()
        self._text = None
        if attrs.get("id") == "total":
            self.top_total = text
            return
        table, row = self._find("table"), self._find("tr")
        tclass, rclass = table.get("class", ""), (row.get("class") or "").split()
        if tclass == "lines" and "line" in rclass:
            self.lines.setdefault(table["data-component"], []).append(text)
        elif tclass == "lines" and "subtotal" in rclass:
            self.subtotals[table["data-component"]] = text
        elif tclass == "summary" and "component" in rclass:
            self.summary[row["data-component"]] = text
        elif tclass == "summary" and "total" in rclass:
            self.summary_total = text


def _check_sums(page: str, fmt: Fmt) -> int:
    p = _Amounts()
    p.feed(page)
    num = fmt.parse
    assert p.summary and p.top_total and p.summary_total
    for comp, shown in p.summary.items():
        lines = [num(x) for x in p.lines.get(comp, [])]
        if comp not in p.subtotals:  # no lines and 0.00: in the summary only
            assert not lines and num(shown) == 0, comp
            continue
        assert sum(lines, D(0)) == num(p.subtotals[comp]) == num(shown), comp
    assert sum((num(x) for x in p.summary.values()), D(0)) == num(p.summary_total)
    top = re.sub(r"[^\d.,\s\u00a0\u202f-]", "", p.top_total).strip()
    assert num(top) == num(p.summary_total)
    return sum(len(v) for v in p.lines.values())


def test_the_lines_on_every_page_add_up_to_the_totals_on_that_page(published, history,
                                                                   tmp_path):
    """Parsed from the rendered HTML, in each payee's own locale (en, vi, pl, ms)."""
    seen_locales, lines = set(), 0
    for e in published.entries:
        page = files_of(published, e.payee)["html"].read_text(encoding="utf-8")
        lines += _check_sums(page, Fmt(e.locale, e.currency))
        seen_locales.add(e.locale)
        data = json.loads(files_of(published, e.payee)["json"].read_text(encoding="utf-8"))
        assert sum(D(ln["amount"]) for ln in data["lines"]) == D(data["total"]) == e.total
    assert seen_locales == {"en", "vi", "pl", "ms"}
    assert lines >= 8
    store, jan, _ = history  # and January's, with its cap line
    report = publish.write_run(store, jan, tmp_path, formats=("html",), curves=False)
    for e in report.entries:
        _check_sums(files_of(report, e.payee)["html"].read_text(encoding="utf-8"),
                    Fmt(e.locale, e.currency))


def _amount_forms(v: D) -> set[str]:
    """How an amount can be written in a file: plain, and in each shipped locale."""
    forms = {str(v), format(v, ",.2f")}
    for code in ("en", "vi", "pl", "ms"):
        forms.add(Fmt(code, "USD").amount(v))
    return forms


def _pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_a_statement_holds_its_payees_data_and_nobody_elses(published, history):
    """Every file of ann's folder, the PDF's text included: no other payee's id, name,
    deal or amount (amounts that are ann's own too do not count)."""
    from compplan.render import stored
    store, jan, feb = history
    with store.session() as s:
        results = {pid: stored.payee_result(s, feb, pid)
                   for pid, _ in stored.payee_ids(s, feb)}
        ann_january = stored.payee_result(s, jan, "ann")  # her year to date is hers too
    ann = results.pop("ann")
    folder = files_of(published, "ann")["html"].parent
    assert sorted(p.suffix for p in folder.iterdir()) == [".csv", ".html", ".json", ".pdf"]

    def amounts(pr):
        vals = {pr.total, *pr.components.values()}
        for ln in pr.lines:
            vals |= {ln.amount, ln.exact} | {t.pays for t in ln.tiers}
        return {v for v in vals if v}
    own = set().union(*(_amount_forms(v) for v in amounts(ann) | amounts(ann_january)))
    texts = {p.name: (_pdf_text(p) if p.suffix == ".pdf" else p.read_text(encoding="utf-8"))
             for p in folder.iterdir()}
    for pid, pr in results.items():
        words = {pid, pr.name, *(s.split(":", 1)[1] for ln in pr.lines for s in ln.sources)}
        others = set().union(*(_amount_forms(v) for v in amounts(pr))) - own
        for name, text in texts.items():
            for w in words:
                assert not re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text), \
                    f"{pid}'s {w!r} appears in ann's {name}"
            for a in others:
                assert not re.search(rf"(?<![\d.])(?<!\d,){re.escape(a)}(?![\d])", text), \
                    f"{pid}'s amount {a} appears in ann's {name}"
    index = (published.out / "index.html").read_text(encoding="utf-8")
    assert all(pid in index for pid in results)  # the admins' page lists everyone


def test_index_lists_every_payee_with_their_files_and_the_control_total(published):
    index = page_text((published.out / "index.html").read_text(encoding="utf-8"))
    assert "Control total | $3,212.96" in index  # 1,290.00 + 796.30 + 940.00 + 186.66
    for e in published.entries:
        assert e.payee in index
        assert [f for f, _ in e.files] == ["html", "pdf", "csv", "json"]
        assert not [p for p in e.problems if "PDF" in p], e.problems


def test_csv_and_json_hold_the_same_lines_as_the_page(published):
    import csv
    import io
    files = files_of(published, "bob")
    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text(encoding="utf-8"))))
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert [r["amount"] for r in rows] == [ln["amount"] for ln in data["lines"]]
    first = data["lines"][0]
    assert first["sources"] == ["deals:B-2"] and first["credit"] == "12345.67"
    assert first["rounding"] == "370.3701 -> 370.37 (half up to 0.01)"
    assert data["year_to_date"]["periods"][0] == {"period": "2026-01", "run": 1,
                                                  "status": "paid", "total": "2500.00"}
    assert data["locale"] == "vi" and data["plan_sha256"] and data["run"] == 2
