"""A plan's files stay inside its data folder.

A plan names each input's file relative to the data folder it is run on (`file:
exports/orders.xlsx`). A plan is data, and may come from someone who should not read or
write the machine's other files: `file: ../../../etc/passwd` or `/etc/hostname` would
make a run read them, and the store, which writes a run's data back into a folder of
its own to work it out again, would write there. So:

- `check` refuses a `file:` that is absolute or climbs out with `..` (the plan alone
  shows it), at the `file:` position;
- reading and writing resolve the path (symlinks too) and refuse one that ends up
  outside the folder.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

HINT = ("name a file inside the data folder, relative to it, such as 'deals.csv' or "
        "'exports/deals.csv'")


class OutsideFolder(ValueError):
    """A plan's file that would be read or written outside its data folder."""


def text_problem(file: str) -> str | None:
    """Why a plan's `file:` text cannot name a file inside the data folder, or None.
    Both separators count, so a plan written on Windows is judged the same way."""
    if not file.strip():
        return "is empty"
    if "\0" in file:
        return "holds a NUL character"
    text = file.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return "is an absolute path"
    norm = posixpath.normpath(text)
    if norm == ".." or norm.startswith("../"):
        return "climbs out of the data folder with '..'"
    if norm == ".":
        return "names the data folder itself, not a file"
    return None


def inside(folder: str | Path, file: str) -> Path:
    """`folder / file`, once the file is shown to resolve (following symlinks) to a
    place inside the folder; OutsideFolder otherwise."""
    why = text_problem(file)
    if why:
        raise OutsideFolder(f"the file '{file}' {why}")
    base = Path(folder).resolve()
    path = Path(folder) / file
    real = path.resolve()
    if real != base and base not in real.parents:
        raise OutsideFolder(f"the file '{file}' leads outside the data folder "
                            f"(to {real})")
    return path
