"""Issue 16, smaller things: after `compplan demo`, the README's stored-run commands
(`compplan runs`, `show 3`, approve, export, pay...) work as written. The demo runs on
the first three samples (to be quick), from a folder laid out as the README assumes."""
from click.testing import CliRunner

import readme_demo  # tests/readme_demo.py
from compplan.cli.main import cli


def test_issue16_the_readmes_stored_run_commands_work_after_the_demo(tmp_path, monkeypatch):
    output = readme_demo.demo(tmp_path, monkeypatch)
    assert "export COMPPLAN_DB=sqlite:///out/demo.db" in output

    # before the README's first line, the default store is empty and says where to look
    r = CliRunner().invoke(cli, ["runs"], catch_exceptions=False)
    assert "the runs of `compplan demo` are in out/demo.db" in r.output

    outputs = readme_demo.run_lines(readme_demo.commands("### Stored runs"))
    runs, show = outputs[0], outputs[1]
    assert [ln.split()[:3] for ln in runs.splitlines()[1:]] == [
        ["1", "textbook", "2026-Q1"], ["2", "ae-2026", "2026-Q1"], ["3", "sdr-2026", "2026-03"]]
    assert show.startswith("run 3: sdr-2026 2026-03, draft")
    assert any("saved as run 4 (replacing draft run 2)" in o for o in outputs)
