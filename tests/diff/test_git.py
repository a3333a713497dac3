"""`git diff` on plan files shows the diff by meaning: a real repository made in the
test, the committed .gitattributes line, and the driver configured as the README says."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path):
    """A repository with plans/ae.yaml at v3, then v4 (the golden pair)."""
    env = {**os.environ, "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_EXTERNAL_DIFF", None)
    path = tmp_path / "repo"
    (path / "plans").mkdir(parents=True)

    def git(*args, check=True):
        done = subprocess.run(["git", *args], cwd=path, env=env, capture_output=True,
                              text=True)
        if check:
            assert done.returncode == 0, done.stderr
        return done

    git("init", "-q")
    shutil.copy(ROOT / ".gitattributes", path / ".gitattributes")
    # the command the README gives, with this checkout's interpreter and entry point
    git("config", "diff.compplan.command", f'"{sys.executable}" "{ROOT / "cli.py"}" diff --git')
    shutil.copy(GOLDEN / "ae_v3.yaml", path / "plans" / "ae.yaml")
    git("add", ".")
    git("commit", "-q", "-m", "v3")
    shutil.copy(GOLDEN / "ae_v4.yaml", path / "plans" / "ae.yaml")
    git("commit", "-q", "-am", "v4")
    git.path = path
    return git


def test_the_committed_gitattributes_names_the_driver():
    assert "plans/*.yaml diff=compplan" in (ROOT / ".gitattributes").read_text().splitlines()


def test_git_diff_shows_the_semantic_diff(repo):
    out = repo("diff", "HEAD~1", "HEAD").stdout
    # exactly the golden output, under git's a/ and b/ names
    expected = (GOLDEN / "ae_v3_v4.expected").read_text() \
        .replace("tests/diff/golden/ae_v3.yaml", "a/plans/ae.yaml") \
        .replace("tests/diff/golden/ae_v4.yaml", "b/plans/ae.yaml")
    assert out == "diff --compplan a/plans/ae.yaml b/plans/ae.yaml\n" + expected
    assert "ae_tiers tier 3 rate: 12% -> 14%" in out
    # git log needs --ext-diff to use a driver, as for any external diff
    log = repo("log", "-p", "--ext-diff", "-1").stdout
    assert "ae_tiers tier 3 rate: 12% -> 14%" in log
    # and --no-ext-diff still gives the text
    assert "-      - {to: 150%, rate: 12%}" in repo("diff", "--no-ext-diff", "HEAD~1").stdout


def test_reformatting_in_the_work_tree_is_no_change(repo):
    plan = repo.path / "plans" / "ae.yaml"
    text = plan.read_text()
    plan.write_text("# reflowed, nothing else\n" + text.replace(
        "rounding: {to: 0.01, mode: half_up}", "rounding:\n  mode: half_up\n  to: 0.01"))
    out = repo("diff").stdout
    assert out == ("diff --compplan a/plans/ae.yaml b/plans/ae.yaml\n"
                   "a/plans/ae.yaml -> b/plans/ae.yaml: no change in meaning\n")


def test_a_broken_plan_shows_its_problems_and_the_text_and_git_goes_on(repo):
    plan = repo.path / "plans" / "ae.yaml"
    plan.write_text(plan.read_text().replace("value: tiered(ae_tiers)", "value: tiered(nope)"))
    (repo.path / "notes.txt").write_text("x\n")
    repo("add", "notes.txt")
    done = repo("diff", "HEAD")
    assert "the plans cannot be compared by meaning:" in done.stdout
    assert "b/plans/ae.yaml:" in done.stdout and "tiered() needs the name of a rate table" \
        in done.stdout
    assert "+    value: tiered(nope)" in done.stdout  # the text diff beside it
    assert "+x" in done.stdout  # the next file (no driver for it) is still shown


def test_a_new_plan_file(repo):
    shutil.copy(GOLDEN / "ae_v3.yaml", repo.path / "plans" / "other.yaml")
    repo("add", "plans/other.yaml")
    out = repo("diff", "--cached").stdout
    assert out.startswith("diff --compplan a/plans/other.yaml b/plans/other.yaml\n"
                          "new plan file\n")
    assert "+plan: ae-2026" in out


def test_rev_colon_path_is_read_with_git_show(repo, monkeypatch):
    monkeypatch.chdir(repo.path)
    r = CliRunner().invoke(cli, ["diff", "HEAD~1:plans/ae.yaml", "plans/ae.yaml"])
    assert r.exit_code == 1
    assert r.output.startswith("HEAD~1:plans/ae.yaml -> plans/ae.yaml: 8 changes in meaning")
    r = CliRunner().invoke(cli, ["diff", "HEAD~1:plans/ae.yaml", "HEAD:plans/ae.yaml"])
    assert "renamed  renewal_credit -> renewal_share" in r.output
    r = CliRunner().invoke(cli, ["diff", "HEAD~5:plans/ae.yaml", "plans/ae.yaml"])
    assert r.exit_code == 2 and "git show HEAD~5:plans/ae.yaml failed" in r.output
