"""Where the two plans of a diff come from: a file, or `REV:path` out of git.

`REV:path` is read with `git show REV:path` in the current folder, so `HEAD~1:plans/ae.yaml`
and `main:./ae.yaml` work as they do for git itself. A name that is an existing file is
always the file (a Windows drive letter or a colon in a file name is not a revision).
Problems come back as records, like every other stage's.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import Problem
from ..lang import check_source
from ..lang.check import Checked, check_file


def is_git_spec(spec: str) -> bool:
    if Path(spec).exists() or ":" not in spec:
        return False
    rev, _, path = spec.partition(":")
    return bool(rev) and bool(path) and not (len(rev) == 1 and rev.isalpha())


def read_plan(spec: str) -> Checked:
    """Check the plan named by `spec` (a path or REV:path)."""
    if not is_git_spec(spec):
        return check_file(spec)
    text, problem = git_show(spec)
    if problem is not None:
        c = check_source("", spec)
        c.problems.items[:] = [problem]
        return c
    return check_source(text, spec)


def git_show(spec: str, cwd: str | None = None) -> tuple[str, Problem | None]:
    try:
        done = subprocess.run(["git", "show", spec], capture_output=True, cwd=cwd,
                              check=False)
    except OSError as e:
        return "", Problem(spec, None, None, f"cannot run git: {e.strerror}",
                           "install git, or give the plan as a file", code="io")
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return "", Problem(spec, None, None, f"git show {spec} failed: "
                           f"{why[-1] if why else 'exit ' + str(done.returncode)}",
                           "name a revision and a path git knows, e.g. HEAD~1:plans/ae.yaml",
                           code="io")
    try:
        return done.stdout.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        return "", Problem(spec, None, None, f"the file is not UTF-8 text (byte {e.start})",
                           "save it as UTF-8", code="encoding")
