"""Issue 16, smaller things: `run` on 1,000 payees prints a summary (each component's
total), the per-payee table on request (--table), nothing with --quiet, and on a
terminal a progress bar while a long run works out pay."""
import importlib.util
import io
import re
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.cli.run import Progress

ROOT = Path(__file__).resolve().parents[2]
PLAN = str(ROOT / "plans" / "ae.yaml")


def _generate(folder: Path, payees: int, deals: int) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.generate(folder, payees, deals)


def _run(*more):
    return CliRunner().invoke(cli, ["run", PLAN, *map(str, more)],
                                              catch_exceptions=False)


def test_issue16_run_on_1000_payees_prints_a_summary_the_table_on_request(tmp_path):
    data = tmp_path / "data"
    _generate(data, 1000, 3000)
    args = ("--data", data, "--period", "2026-Q1", "--out", tmp_path / "out")
    r = _run(*args)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    # the plan, a header, a rule, 2 components, a rule, TOTAL, the counts, where to look
    assert len(lines) == 9, r.stdout
    assert re.match(r"TOTAL +\d+ +[\d,]+\.\d\d$", lines[6])  # payees paid: not all are
    assert lines[7].startswith("1000 payees, ")
    assert "R000001" not in r.stdout
    table = _run(*args, "--table").stdout
    assert sum(1 for ln in table.splitlines() if ln.startswith("R0")) == 1000
    # the component totals are the per-payee table's totals
    assert lines[6].split()[-1] == table.splitlines()[-2].split()[-1]
    quiet = _run(*args, "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (tmp_path / "out" / "ae-2026" / "2026-Q1" / "payees.csv").exists()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_issue16_a_long_run_shows_a_progress_bar_on_a_terminal(monkeypatch):
    seen = []
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    shown = Progress(seen.append, enabled=True)
    shown.start(Progress.PROGRESS_FROM, 1)
    for i in range(Progress.PROGRESS_FROM):
        shown(i)
    shown.stop()
    assert seen == list(range(Progress.PROGRESS_FROM))  # every payee still reaches the writer
    assert "working out pay" in term.getvalue()
    assert f"{Progress.PROGRESS_FROM}/{Progress.PROGRESS_FROM}" in term.getvalue()
    # a short run, or not a terminal: no bar
    for n, out in ((10, _Terminal()), (Progress.PROGRESS_FROM, io.StringIO())):
        monkeypatch.setattr("sys.stderr", out)
        shown = Progress(seen.append, enabled=True)
        shown.start(n, 1)
        shown(0)
        shown.stop()
        assert out.getvalue() == ""
