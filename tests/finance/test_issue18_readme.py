"""Issue 18: the README's finance example runs as written after `compplan demo`, and
prints the figures it quotes (worked by hand in the README's own words: ann's 10,400.00
earned by February 28, January's 395.27 of amortization, the 3,080.00 expensed under
the practical expedient, the tie to the 56,480.00 the run paid)."""
import os
import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
TITLE = "### Finance: accruals, contract costs, forecasts"


def _blocks() -> tuple[list[list[str]], list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(TITLE):]
    commands = re.search(r"```sh\n(.*?)```", section, re.S).group(1).replace("\\\n", " ")
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return ([shlex.split(line, comments=True) for line in commands.splitlines()
             if line.strip()], [ln for ln in shown.splitlines() if ln.strip()])


def test_issue18_the_readmes_finance_example_prints_what_it_says(tmp_path, monkeypatch):
    plans = tmp_path / "plans"
    (plans / "data").mkdir(parents=True)
    samples = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())
    first = samples["samples"][:3]  # textbook, ae, sdr: runs 1, 2, 3
    (plans / "data" / "samples.yaml").write_text(yaml.safe_dump({"samples": first}))
    for s in first:
        os.symlink(ROOT / "plans" / s["plan"], plans / s["plan"])
        os.symlink(ROOT / "plans" / s["data"], plans / s["data"])
    os.symlink(ROOT / "plans" / "finance", plans / "finance")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPPLAN_DB", raising=False)
    r = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert r.exit_code == 0, r.output

    commands, shown = _blocks()
    env, outputs = {}, []
    for words in commands:
        if words[0] == "export":
            name, value = words[1].split("=", 1)
            env[name] = value
            continue
        assert words[0] == "compplan", words
        r = CliRunner(env={**env, "COMPPLAN_USER": "fin"}).invoke(cli, words[1:],
                                                                 catch_exceptions=False)
        assert r.exit_code == 0, (words, r.output)
        outputs.append(r.output)
    printed = "\n".join(outputs).splitlines()
    for line in shown:
        assert line in printed, line
    assert len(shown) == 10
