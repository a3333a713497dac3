"""Issue 16 item 2: a bare number where a percentage is meant is warned of by `check`;
`validate`, `run` and `test` must say it too (they said '0 warnings' while the sample's
total went from 56,480.00 to 124,475.56)."""
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DATA = str(ROOT / "plans" / "data" / "ae")


def _plan(tmp_path) -> str:
    text = (ROOT / "plans" / "ae.yaml").read_text()
    assert "  renewal_credit: 50%" in text
    plan = tmp_path / "ae.yaml"
    plan.write_text(text.replace("  renewal_credit: 50%", "  renewal_credit: 50 "))
    return str(plan)


WARNING = "warning: 'renewal_credit' is 50, a number without %"


def test_issue16_item2_validate_counts_the_plans_warning(tmp_path):
    r = CliRunner().invoke(cli, ["validate", _plan(tmp_path), "--data", DATA, "--period",
                                 "2026-Q1"])
    assert r.exit_code == 0  # a warning, not an error: it is for a person to look at
    assert WARNING in r.output
    # where it is used as a ratio: read from the plan, since labels move lines
    text = (ROOT / "plans" / "ae.yaml").read_text().splitlines()
    line = next(i for i, s in enumerate(text, 1) if "(renewal_credit if" in s)
    col = text[line - 1].index("renewal_credit") + 1
    assert f"ae.yaml:{line}:{col}" in r.output


def test_issue16_item2_run_and_test_say_it_on_stderr(tmp_path):
    plan = _plan(tmp_path)
    r = CliRunner().invoke(cli, ["run", plan, "--data", DATA, "--period", "2026-Q1", "--out",
                                 str(tmp_path / "out")])
    assert r.exit_code == 0 and WARNING in r.output
    quiet = CliRunner().invoke(cli, ["run", plan, "--data", DATA, "--period", "2026-Q1",
                                     "--out", str(tmp_path / "out"), "--quiet"])
    assert WARNING not in quiet.output  # --quiet: nothing but errors
    t = CliRunner().invoke(cli, ["test", plan])
    assert WARNING in t.output
