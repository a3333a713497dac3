"""Issue 16, smaller things: after `compplan demo`, the README's stored-run commands
(`compplan runs`, `show 3`, approve, export, pay...) work as written. The demo runs on
the first three samples (to be quick), from a folder laid out as the README assumes."""
import os
import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _readme_block(title: str) -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(title):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_issue16_the_readmes_stored_run_commands_work_after_the_demo(tmp_path, monkeypatch):
    plans = tmp_path / "plans"
    (plans / "data").mkdir(parents=True)
    samples = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())
    first = samples["samples"][:3]  # textbook, ae, sdr: runs 1, 2, 3
    (plans / "data" / "samples.yaml").write_text(yaml.safe_dump({"samples": first}))
    for s in first:
        os.symlink(ROOT / "plans" / s["plan"], plans / s["plan"])
        os.symlink(ROOT / "plans" / s["data"], plans / s["data"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPPLAN_DB", raising=False)
    r = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "export COMPPLAN_DB=sqlite:///out/demo.db" in r.output

    # before the README's first line, the default store is empty and says where to look
    r = CliRunner().invoke(cli, ["runs"], catch_exceptions=False)
    assert "the runs of `compplan demo` are in out/demo.db" in r.output

    env = {}
    outputs = []
    for words in _readme_block("### Stored runs"):
        if words[0] == "export":
            name, value = words[1].split("=", 1)
            env[name] = value
            continue
        assert words[0] == "compplan", words
        r = CliRunner(env={**env, "COMPPLAN_USER": "fin"}).invoke(cli, words[1:],
                                                                 catch_exceptions=False)
        assert r.exit_code == 0, (words, r.output)
        outputs.append(r.output)
    runs, show = outputs[0], outputs[1]
    assert [ln.split()[:3] for ln in runs.splitlines()[1:]] == [
        ["1", "textbook", "2026-Q1"], ["2", "ae-2026", "2026-Q1"], ["3", "sdr-2026", "2026-03"]]
    assert show.startswith("run 3: sdr-2026 2026-03, draft")
    assert any("saved as run 4 (replacing draft run 2)" in o for o in outputs)
