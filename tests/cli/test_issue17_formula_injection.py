"""Issue 17 item 1: no CSV or xlsx the project writes can run a formula in a spreadsheet.

The OWASP CSV-injection payloads go in as payee names (and other text columns); every
writer must put a single quote before a text cell that starts with = + - @ tab or
carriage return (CSV), or write it as a string cell, never a formula (xlsx), and keep
amounts numbers: a negative amount such as -2.50 is a number we wrote, not text.
"""
import csv
import io
import shutil
from decimal import Decimal as D
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from click.testing import CliRunner

from compplan.cells import csv_row, restore, text_cell, xlsx_append
from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
TEXTBOOK = ROOT / "plans" / "textbook.yaml"

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
            "=1+1", "\t=1+1", "\r=1+1"]
SAFE = ["'" + p for p in PAYLOADS]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_issue17_item1_the_rule_itself():
    assert [text_cell(p) for p in PAYLOADS] == SAFE
    # numbers stay numbers, whatever their sign; plain text is left alone
    assert csv_row([D("-2.50"), -3, None, "Ann", "", "a=b"]) == [D("-2.50"), -3, None,
                                                                 "Ann", "", "a=b"]
    assert [restore(s) for s in SAFE] == PAYLOADS
    assert restore("'quoted") == "'quoted"  # a quote not before a trigger is the text's


def payload_data(tmp_path) -> Path:
    """The textbook data with payee names that are OWASP payloads: ann, bob and cy keep
    their deals; four more payees with no deals carry the other payloads."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "plans" / "data" / "textbook", data)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["rep_id", "name"])
    for pid, name in zip(["ann", "bob", "cy", "p4", "p5", "p6", "p7"], PAYLOADS):
        w.writerow([pid, name])
    (data / "payees.csv").write_text(buf.getvalue(), newline="")
    return data


def test_issue17_item1_run_results_payees_and_lines_csv(tmp_path):
    data = payload_data(tmp_path)
    r = invoke("run", TEXTBOOK, "--data", data, "--period", "2026-Q1", "--out",
               tmp_path / "out")
    assert r.exit_code == 0, r.output
    folder = tmp_path / "out" / "textbook" / "2026-Q1"
    rows = list(csv.reader((folder / "payees.csv").open(newline="")))
    names = {row[0]: row[1] for row in rows[1:]}
    # (the engine trims a cell, so the tab and CR payloads arrive as '=1+1')
    assert [names[p] for p in ["ann", "bob", "cy", "p4", "p5", "p6", "p7"]] == [
        "'" + p.strip() for p in PAYLOADS]
    # amounts are still plain numbers: ann's banded 5,640.00 (the textbook example)
    ann = dict(zip(rows[0], next(row for row in rows if row[0] == "ann")))
    assert ann["banded"] == "5640.00" and D(ann["total"]) == D("5640.00")


def test_issue17_item1_lines_csv_text_columns_and_negative_amounts(tmp_path):
    from compplan.engine.results import Line, PayeeResult, RunResult, write_results
    line = Line(number=1, payee="=1+1", component="-2+3", kind="adjustment",
                amount=D("-2.50"), exact=D("-2.5"), rule="plans/x.yaml:1:1",
                formula="-100.00 x 2.5%", sources=["deals:=1+1"], basis_before=D("-10"),
                basis_after=D("-12.5"), note="@SUM(1+1)")
    res = RunResult("x", "X", "1", "2026-Q1", "USD",
                    [PayeeResult("=1+1", "\t=1+1", "USD", components={"-2+3": D("-2.50")},
                                 total=D("-2.50"), lines=[line])])
    write_results(res, tmp_path)
    head, row = list(csv.reader((tmp_path / "lines.csv").open(newline="")))
    got = dict(zip(head, row))
    assert got["payee"] == "'=1+1" and got["component"] == "'-2+3"
    # a formula shown as text is text: a spreadsheet would compute -100.00 x 2.5% ...
    assert got["formula"] == "'-100.00 x 2.5%"
    assert got["sources"] == "deals:=1+1"  # does not start with a trigger
    assert got["note"] == "'@SUM(1+1)"
    # ... but the amounts we write are numbers, negative or not
    assert (got["amount"], got["exact"], got["basis_before"], got["basis_after"]) == (
        "-2.50", "-2.5", "-10", "-12.5")
    head, row = list(csv.reader((tmp_path / "payees.csv").open(newline="")))
    assert head[:4] == ["payee", "name", "'-2+3", "total"]
    assert row[:4] == ["'=1+1", "'\t=1+1", "-2.50", "-2.50"]


def register(rows):
    from compplan.store.export import Register
    run = SimpleNamespace(id=7, plan_id="x", period="2026-Q1", status="approved",
                          fingerprint="abc")
    return Register(run, rows, {"USD": sum(r[3] for r in rows)})


REGISTER_ROWS = [[f"p{i}", name, "bonus", D("-2.50") if i == 0 else D("100.00"), "USD",
                  "2026-Q1", 7, "-CC1"] for i, name in enumerate(PAYLOADS)]


def test_issue17_item1_payroll_csv(tmp_path):
    from compplan.store import export
    path = export.write(register(REGISTER_ROWS), tmp_path / "reg.csv", "csv")
    rows = list(csv.reader(path.open(newline="")))
    assert [r[1] for r in rows[1:]] == SAFE
    assert rows[1] == ["p0", SAFE[0], "bonus", "-2.50", "USD", "2026-Q1", "7", "'-CC1"]


def test_issue17_item1_payroll_xlsx_has_no_formula_cells(tmp_path):
    from compplan.store import export
    path = export.write(register(REGISTER_ROWS), tmp_path / "reg.xlsx", "xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["payouts"]
    cells = [c for row in ws.iter_rows() for c in row] + \
        [c for row in wb["control"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = [ws.cell(r, 2) for r in range(2, 2 + len(PAYLOADS))]
    # the text is kept exactly, as a string cell marked as text (the quote prefix);
    # XML itself reads a lone CR back as a newline
    assert [(c.value, c.data_type, c.quotePrefix) for c in names] == [
        (p.replace("\r", "\n"), "s", True) for p in PAYLOADS]
    # the amount is the exact text of the number, as before, with no quote
    assert (ws["D2"].value, ws["D2"].quotePrefix) == ("-2.50", False)
    assert ws["G2"].value == 7


def test_issue17_item1_statement_csv(tmp_path):
    from compplan.render.statement import StatementLine
    from compplan.render.tables import lines_csv
    ln = StatementLine(1, "=1+1", "Label", "credit", D("-2.50"), D("-2.5"), "x.yaml:1:1",
                       "-2+3", ["deals:D1"], D("-100"), [], D("-1"), D("-2"), "money",
                       "ratio", "money", "", None, '=HYPERLINK("http://x","y")', {})
    st = SimpleNamespace(lines=[ln])
    head, row = list(csv.reader(io.StringIO(lines_csv(st))))
    got = dict(zip(head, row))
    assert (got["component"], got["formula"], got["note"]) == (
        "'=1+1", "'-2+3", "'=HYPERLINK(\"http://x\",\"y\")")
    assert (got["amount"], got["exact"], got["credit"], got["basis_before"]) == (
        "-2.50", "-2.5", "-100", "-1")


def test_issue17_item1_target_sheets_csv_and_xlsx_and_back(tmp_path):
    from compplan.targets.model import Target
    from compplan.targets.sheets import LONG, long_rows, read_targets, write_table
    targets = [Target(f"p{i}", "revenue", "2026-04", D("-5"), "money", how=p)
               for i, p in enumerate(PAYLOADS)]
    rows = long_rows(targets)
    path = write_table(tmp_path / "t.csv", LONG, rows)
    got = list(csv.DictReader(path.open(newline="")))
    assert [g["how"] for g in got] == SAFE
    assert {g["value"] for g in got} == {"-5"}
    back, problems = read_targets(path)
    assert problems == []
    # read back, the sheet gives the text as it was (tab and CR aside, which are trimmed)
    assert [t.how for t in back][:5] == PAYLOADS[:5]
    xlsx = write_table(tmp_path / "t.xlsx", LONG, rows)
    ws = openpyxl.load_workbook(xlsx).active
    hows = [ws.cell(r, LONG.index("how") + 1) for r in range(2, 2 + len(PAYLOADS))]
    assert [(c.value, c.data_type) for c in hows] == [(p.replace("\r", "\n"), "s")
                                                      for p in PAYLOADS]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_issue17_item1_impact_csv(tmp_path):
    from compplan.diff.impact import Impact, PayeeImpact
    from compplan.diff.render import impact_csv
    i = Impact("a", "b", "d", "2026-Q1", "USD",
               [PayeeImpact("p", p, "USD", D("10.00"), D("-2.50")) for p in PAYLOADS])
    rows = list(csv.reader(io.StringIO(impact_csv(i))))
    assert [r[1] for r in rows[1:-1]] == SAFE
    # before, after, difference and change are numbers: -12.50 is 10.00 -> -2.50, -125%
    assert rows[1][3:] == ["10.00", "-2.50", "-12.50", "-125.00"]


def test_issue17_item1_xlsx_append_keeps_types():
    wb = openpyxl.Workbook()
    ws = wb.active
    xlsx_append(ws, ["h1", "h2", "h3"])
    xlsx_append(ws, ["=1+1", D("-2.50"), 3])
    assert [(c.value, c.data_type) for c in ws[2]] == [("=1+1", "s"), ("-2.50", "s"),
                                                      (3, "n")]
