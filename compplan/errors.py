"""Problems as data.

Every stage reports what is wrong as `Problem` records rather than raising at the first
one, so `compplan check` can list every problem in a plan in one pass (as beancount
does with its error tuples). The CLI turns them into text with a caret, or JSON.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Iterable


class Word(str):
    """A value of a refusal's sentence that is itself a word of the catalogs (a status,
    what was asked for): an error page says it in the reader's words too (issue 15),
    programs read it as the English it is."""

    __slots__ = ()


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a source file: 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan or its data, and where."""

    file: str
    line: int | None
    col: int | None
    message: str
    hint: str | None = None
    severity: str = "error"  # error | warning
    code: str = "error"  # a short stable name for the class of problem
    row: int | None = None  # data files: the row number (header is row 1)
    column: str | None = None  # data files: the column name

    @classmethod
    def at(cls, pos: Pos | None, message: str, hint: str | None = None, *,
           code: str = "error", severity: str = "error", file: str = "") -> "Problem":
        if pos is None:
            return cls(file, None, None, message, hint, severity, code)
        return cls(pos.file, pos.line, pos.col, message, hint, severity, code)

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        elif self.row is not None:
            parts.append(str(self.row))  # a data file's row is its line (header = 1)
        return ":".join(parts)

    @property
    def text(self) -> str:
        """The message, naming the data column where there is one."""
        if self.line is None and self.column:
            return f"column {self.column}: {self.message}"
        return self.message

    def sort_key(self):
        return (self.file, self.line or 0, self.col or 0, self.row or 0, self.message)


class CompplanError(Exception):
    """Raised when a stage cannot go on; carries the problems that stopped it."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(f"{p.where}: {p.severity}: {p.message}"
                                   for p in self.problems))


# Problems of each severity kept by a collector; the rest are counted, not kept. A plan
# of 20,000 unknown keys is one mistake (or an attack), and nobody reads past the first
# screens: keeping every problem cost time and memory, and printing it a wall of text.
MAX_KEPT = 200


@dataclass
class Problems:
    """A collector that stages append to: each problem once, the first MAX_KEPT of each
    severity kept, the others counted (`more`), so adding one is O(1) however many
    there are."""

    items: list[Problem] = field(default_factory=list)
    limit: int = MAX_KEPT
    more: dict[str, int] = field(default_factory=dict)  # severity -> problems not kept
    _seen: set = field(default_factory=set, repr=False)
    _kept: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, problem: Problem) -> None:
        if problem in self._seen:
            return
        self._seen.add(problem)
        sev = problem.severity
        if self._kept.get(sev, 0) >= self.limit:
            self.more[sev] = self.more.get(sev, 0) + 1
            return
        self._kept[sev] = self._kept.get(sev, 0) + 1
        self.items.append(problem)

    def _untold(self, severity: str) -> list[Problem]:
        """One problem saying how many more of a severity were found and not kept."""
        n = self.more.get(severity, 0)
        if not n:
            return []
        file = self.items[0].file if self.items else ""
        word = "error" if severity == "error" else "warning"
        return [Problem(file, None, None, f"{n} more {word}{'s' if n != 1 else ''} not "
                        f"shown (the first {self.limit} are)", "fix these and check again",
                        severity, "more-problems")]

    def error(self, pos: Pos | None, message: str, hint: str | None = None,
              code: str = "error") -> None:
        self.add(Problem.at(pos, message, hint, code=code))

    def warning(self, pos: Pos | None, message: str, hint: str | None = None,
                code: str = "warning") -> None:
        self.add(Problem.at(pos, message, hint, code=code, severity="warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"] + self._untold("error")

    def __bool__(self) -> bool:
        return bool(self.errors)

    def sorted(self) -> list[Problem]:
        """The problems kept, in file order, then how many more there were."""
        return sorted(self.items, key=Problem.sort_key) + self._untold("error") + \
            self._untold("warning")


def format_text(problems: Iterable[Problem], sources: dict[str, str] | None = None) -> str:
    """`FILE:LINE:COL: error: MESSAGE`, the source line, a caret, then the hint."""
    sources = sources or {}
    out: list[str] = []
    for p in problems:
        out.append(f"{p.where}: {p.severity}: {p.text}")
        text = sources.get(p.file)
        if text is not None and p.line is not None:
            # lines end at '\n' only, as positions count them (not str.splitlines's
            # form feeds and U+2028), so the line shown is the line named
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if 0 < p.line <= len(lines):
                src = lines[p.line - 1].rstrip("\r")
                out.append(f"    {src}")
                if p.col is not None:
                    # keep tabs so the caret lines up under them
                    pad = "".join("\t" if c == "\t" else " " for c in src[: p.col - 1])
                    out.append(f"    {pad}^")
        if p.hint:
            out.append(f"    hint: {p.hint}")
    return "\n".join(out) + ("\n" if out else "")


def format_json(problems: Iterable[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], indent=2) + "\n"


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None."""
    import difflib

    cands = sorted(set(candidates))
    close = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    if not close:
        lower = {c.lower(): c for c in cands}
        if name.lower() in lower:
            close = [lower[name.lower()]]
    return f"did you mean '{close[0]}'?" if close else None
