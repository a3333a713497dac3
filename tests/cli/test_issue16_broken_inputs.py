"""Issue 16, "Crashes instead of errors": every command that reads data files is fed the
broken files people really send (tests/cli/broken_corpus.py). Each gives a FILE[:ROW]
message with a hint and exits 1 (diff: 2), never a traceback, and writes nothing: no
result files, no run in the store. The messages are golden (validate's, in
tests/cli/golden/broken_inputs.txt; regenerate with UPDATE_GOLDEN=1)."""
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

from broken_corpus import SHEET, corpus

ROOT = Path(__file__).resolve().parents[2]
PLAN = str(ROOT / "plans" / "ae.yaml")
GOLDEN = Path(__file__).parent / "golden" / "broken_inputs.txt"
CASES = corpus()
HEADER_ONLY = "header-only"  # a valid file with no rows: read, not refused


def invoke(*args, env=None):
    # catch_exceptions=False: a traceback fails the test
    return CliRunner(env=env).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _data(tmp_path: Path, case: str) -> Path:
    suffix, data = CASES[case]
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "plans" / "data" / "ae", folder)
    (folder / "deals.csv").unlink()
    (folder / ("deals" + suffix)).write_bytes(data)
    return folder


def _first_message(output: str) -> str:
    return next(ln for ln in output.splitlines() if ": error: " in ln)


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output and "Error:" not in output.replace("error:", "")


@pytest.mark.parametrize("case", [c for c in CASES if c != HEADER_ONLY])
def test_issue16_broken_data_files_give_a_message_and_write_nothing(tmp_path, case):
    data = _data(tmp_path, case)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    checked = invoke("validate", PLAN, "--data", data, "--period", "2026-Q1")
    assert checked.exit_code == 1
    message = _first_message(checked.output)
    assert message.startswith(f"{data / 'deals'}")
    assert "hint: " in checked.output or case in ("1e400", "nan", "unclosed-quote")
    for args, code in (
            (["run", PLAN, "--data", data, "--period", "2026-Q1", "--out", tmp_path / "out"], 1),
            (["run", PLAN, "--data", data, "--period", "2026-Q1", "--out", tmp_path / "out",
              "--save", "--db", db], 1),
            (["diff", PLAN, PLAN, "--data", data, "--period", "2026-Q1"], 2),
            (["open", PLAN, "--data", data, "--period", "2026-Q1", "--db", db], 1)):
        r = invoke(*args)
        assert (r.exit_code, _first_message(r.output)) == (code, message), args
        _no_traceback(r.output)
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert "no stored runs" in invoke("runs", "--db", db).output.lower() or \
        "run 1" not in invoke("runs", "--db", db).output


def test_issue16_broken_data_files_golden_messages(tmp_path):
    got = []
    for case in CASES:
        r = invoke("validate", PLAN, "--data", _data(tmp_path / case, case), "--period",
                   "2026-Q1")
        got.append(f"== {case}: exit {r.exit_code}\n"
                   + r.output.replace(str(tmp_path / case), "DATA"))
    text = "\n".join(got)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


@pytest.mark.parametrize("case, encoding", [("latin-1", "cp1252"), ("utf-16", "utf-16")])
def test_issue16_an_encoding_on_the_input_reads_a_windows_file(tmp_path, case, encoding):
    data = _data(tmp_path, case)
    plan = tmp_path / "ae.yaml"
    plan.write_text(Path(PLAN).read_text().replace(
        "deals:  {key: deal_id,", f"deals:  {{key: deal_id, encoding: {encoding},"))
    r = invoke("validate", plan, "--data", data, "--period", "2026-Q1", "--format", "json")
    # read in its encoding, the row is read: 'rénew' is only a text, no error
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(plan.read_text().replace(f"encoding: {encoding}", "encoding: base64"))
    r = invoke("check", bad)
    assert "inputs.deals.encoding: Value error, 'base64' is not a text encoding" in r.output


@pytest.mark.parametrize("case", list(CASES))
def test_issue16_broken_target_sheets_give_a_message(tmp_path, case):
    suffix, data = corpus(SHEET)[case]
    sheet = tmp_path / ("sheet" + suffix)
    sheet.write_bytes(data)
    r = invoke("targets", "import", sheet, "--set", "bottom-up", "--db",
               f"sqlite:///{tmp_path / 'store.db'}")
    _no_traceback(r.output)
    if case == HEADER_ONLY:
        return
    assert r.exit_code == 1
    assert _first_message(r.output).startswith(str(sheet))
    if case in ("1e400", "nan"):
        assert _first_message(r.output).startswith(f"{sheet}:2: error: column value: ")


@pytest.fixture(scope="module")
def open_period(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ingest")
    db = f"sqlite:///{tmp / 'store.db'}"
    r = invoke("open", PLAN, "--data", ROOT / "plans" / "data" / "ae", "--period", "2026-Q1",
               "--db", db)
    assert r.exit_code == 0, r.output
    return db


@pytest.mark.parametrize("case", list(CASES))
def test_issue16_broken_files_to_ingest_give_a_message(tmp_path, open_period, case):
    suffix, data = CASES[case]
    path = tmp_path / ("new" + suffix)
    path.write_bytes(data)
    r = invoke("ingest", path, "--plan", "ae-2026", "--db", open_period)
    _no_traceback(r.output)
    assert r.exit_code == 1, r.output
    assert str(path) in r.output


@pytest.mark.parametrize("value", [".nan", "1.0e+400"])
def test_issue16_scenario_values_that_are_no_numbers_are_errors_at_their_place(tmp_path,
                                                                                value):
    text = Path(PLAN).read_text()
    first = text.index("amount: 60000,")
    plan = tmp_path / "ae.yaml"
    plan.write_text(text[:first] + f"amount: {value}," + text[first + len("amount: 60000,"):])
    r = invoke("test", plan)
    assert r.exit_code == 1
    _no_traceback(r.output)
    line = text[:first].count("\n") + 1
    col = first - text.rindex("\n", 0, first) + len("amount: ")
    assert f"{plan}:{line}:{col}: error: '{value}' is not an amount" in r.output


def test_issue16_old_mac_line_endings_still_read(tmp_path):
    from compplan.engine.data import read_records
    path = tmp_path / "cr.csv"
    path.write_bytes(b'a,b\rx,"1\r2"\ry,2\r')
    header, rows = read_records(path)
    assert (header, list(rows)) == (["a", "b"], [(2, ["x", "1\r2"]), (3, ["y", "2"])])


def test_issue16_a_plan_or_catalogue_that_is_not_utf8_is_a_message(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_bytes("plan: x\nname: Caf\xe9\n".encode("latin-1"))
    data = ROOT / "plans" / "data" / "ae"
    for args in (["validate", plan, "--data", data, "--period", "2026-Q1"],
                 ["run", plan, "--data", data, "--period", "2026-Q1", "--out", tmp_path / "o"],
                 ["test", plan]):
        r = invoke(*args)
        assert r.exit_code == 1
        _no_traceback(r.output)
        assert f"{plan}: error: the file is not UTF-8 text" in r.output
    r = invoke("targets", "review", "--set", "s", "--kpis", plan, "--history",
               ROOT / "plans" / "data" / "field_daily" / "history.csv", "--period", "2026-04",
               "--db", f"sqlite:///{tmp_path / 'store.db'}")
    assert r.exit_code == 1
    _no_traceback(r.output)
    assert f"{plan}: error: line 2 is not UTF-8 text (byte 0xe9)" in r.output
