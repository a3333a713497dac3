"""The README's examples as a reader runs them: `compplan demo` in a folder laid out as
the README assumes, then a section's ```sh block line by line (`export` lines set the
environment of the commands after them)."""
import os
import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def section(title: str, fence: str = "sh") -> str:
    """The first ```fence block after the README heading `title`."""
    text = (ROOT / "README.md").read_text()
    return re.search(rf"```{fence}\n(.*?)```", text[text.index(title):], re.S).group(1)


def commands(title: str) -> list[list[str]]:
    block = section(title).replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def demo(tmp_path: Path, monkeypatch, also: tuple[str, ...] = ()) -> str:
    """`compplan demo` on the first three samples (textbook, ae, sdr: runs 1, 2, 3), from
    tmp_path with plans/ holding them (and the folders of plans/ named in `also`)."""
    plans = tmp_path / "plans"
    (plans / "data").mkdir(parents=True)
    samples = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())
    first = samples["samples"][:3]
    (plans / "data" / "samples.yaml").write_text(yaml.safe_dump({"samples": first}))
    for s in first:
        os.symlink(ROOT / "plans" / s["plan"], plans / s["plan"])
        os.symlink(ROOT / "plans" / s["data"], plans / s["data"])
    for name in also:
        os.symlink(ROOT / "plans" / name, plans / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPPLAN_DB", raising=False)
    r = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def run_lines(lines: list[list[str]], user: str = "fin") -> list[str]:
    """Each `compplan ...` line's output, as `user`; each must exit 0."""
    env, outputs = {}, []
    for words in lines:
        if words[0] == "export":
            name, value = words[1].split("=", 1)
            env[name] = value
            continue
        assert words[0] == "compplan", words
        r = CliRunner(env={**env, "COMPPLAN_USER": user}).invoke(cli, words[1:],
                                                                catch_exceptions=False)
        assert r.exit_code == 0, (words, r.output)
        outputs.append(r.output)
    return outputs
