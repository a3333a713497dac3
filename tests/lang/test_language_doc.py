"""Every example in docs/language.md checks as the doc says (issue 16, docs).

How the doc's examples are read (docs/language.md says the same in its section 1):

- the ```yaml block that starts with `# The sample plan` is the sample plan; it checks
  clean;
- a block that starts a plan of its own (a top-level `plan:` key) is checked alone;
- any other ```yaml block is a fragment added to the sample plan: each entry of a
  section (`measures:`, `earnings:` ...) goes at the end of that section of the sample,
  replacing the sample's entry of the same name; a section the sample lacks goes at the
  end of the file; a top-level key such as `rounding:` replaces the sample's;
- when the next block after it is a ```text block with a `plan checked` line, the
  plan's `compplan check` output must be exactly that text, for a file named
  plan.yaml (a ```json block: the `--format json` output); otherwise the plan must check with no error and no warning;
- `<!-- doc-test: skip: why -->` on the line before a block leaves it out (a block
  that is not a plan: a CSV file, an editor setting).

To refresh the expected outputs after a deliberate change, run with
COMPPLAN_UPDATE_DOCS=1 and review the diff of docs/language.md by eye.
"""
from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from compplan.errors import format_json, format_text
from compplan.lang import check_source

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"
UPDATE = os.environ.get("COMPPLAN_UPDATE_DOCS") == "1"
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\s*$")
SKIP = re.compile(r"<!--\s*doc-test:\s*skip\b")


@dataclass
class Block:
    lang: str
    text: str
    line: int  # of the opening fence, 1-based
    end: int  # of the closing fence, 1-based
    indent: str
    skipped: bool


def blocks(doc: str) -> list[Block]:
    """The fenced blocks of the doc, in order."""
    lines = doc.split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m["lang"]:
            i += 1
            continue
        indent, start = m["indent"], i
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        body = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln
                         for ln in lines[start + 1:j])
        prev = lines[start - 1] if start > 0 else ""
        out.append(Block(m["lang"], body + "\n", start + 1, j + 1, indent,
                         bool(SKIP.search(prev))))
        i = j + 1
    return out


# ---------------------------------------------------------------- merging a fragment
TOP = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):(?P<rest>.*)$")
ENTRY = re.compile(r"^  (?P<key>[A-Za-z_][\w-]*|- )")


def _top_blocks(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """Split YAML lines into (top-level key, its lines); comments and blank lines
    before the first key come as (None, lines)."""
    out: list[tuple[str | None, list[str]]] = []
    for ln in lines:
        m = TOP.match(ln)
        if m:
            out.append((m["key"], [ln]))
        elif out:
            out[-1][1].append(ln)
        else:
            out.append((None, [ln]))
    return out


def _entries(body: list[str]) -> list[tuple[str, list[str]]]:
    """Split a section's body (indented two spaces) into named entries."""
    out: list[tuple[str, list[str]]] = []
    for ln in body:
        m = ENTRY.match(ln)
        if m and not ln.startswith("   "):
            key = m["key"]
            out.append((key if key != "- " else f"- #{len(out)}", [ln]))
        elif out:
            out[-1][1].append(ln)
        else:
            out.append(("", [ln]))
    return out


def _strip_blank_end(lines: list[str]) -> tuple[list[str], list[str]]:
    k = len(lines)
    while k and not lines[k - 1].strip():
        k -= 1
    return lines[:k], lines[k:]


def merge(sample: str, fragment: str) -> str:
    """The sample plan with the fragment added, as the module docstring says."""
    plan = _top_blocks(sample.rstrip("\n").split("\n"))
    for key, lines in _top_blocks(fragment.rstrip("\n").split("\n")):
        if key is None:
            continue
        content, _ = _strip_blank_end(lines)
        at = next((i for i, (k, _) in enumerate(plan) if k == key), None)
        inline = TOP.match(content[0])["rest"].strip()
        if at is None:
            last_content, _ = _strip_blank_end(plan[-1][1])
            plan[-1] = (plan[-1][0], last_content + [""])
            plan.append((key, content))
            continue
        if inline and not inline.startswith("#"):
            _, blank = _strip_blank_end(plan[at][1])
            plan[at] = (key, content + blank)
            continue
        head, *body = plan[at][1]
        body, blank = _strip_blank_end(body)
        entries = _entries(body)
        for name, entry in _entries(content[1:]):
            entry, _ = _strip_blank_end(entry)
            same = next((i for i, (n, _) in enumerate(entries) if n == name), None)
            if same is not None and not name.startswith("- #"):
                entries[same] = (name, entry)
            else:
                entries.append((name, entry))
        plan[at] = (key, [head] + [ln for _, e in entries for ln in e] + blank)
    return "\n".join(ln for _, lines in plan for ln in lines) + "\n"


# ---------------------------------------------------------------- checking
def check_output(text: str) -> str:
    """What `compplan check plan.yaml` prints for this plan text."""
    checked = check_source(text, "plan.yaml")
    problems = checked.problems.sorted()
    out = format_text(problems, {"plan.yaml": text}) if problems else ""
    n_err = len([p for p in problems if p.severity == "error"])
    n_warn = len(problems) - n_err
    summary = f"1 plan checked: {n_err} error{'s' if n_err != 1 else ''}"
    if n_warn:
        summary += f", {n_warn} warning{'s' if n_warn != 1 else ''}"
    return out + summary + "\n"


@dataclass
class Example:
    block: Block
    plan: str
    expected: Block | None  # the ```text block with the check's output


def examples(doc: str) -> list[Example]:
    found = blocks(doc)
    sample_block = next(b for b in found if b.lang == "yaml" and
                        b.text.startswith("# The sample plan"))
    sample = sample_block.text
    out = []
    for k, b in enumerate(found):
        if b.lang != "yaml" or b.skipped:
            continue
        nxt = found[k + 1] if k + 1 < len(found) else None
        expected = nxt if nxt is not None and (
            (nxt.lang == "text" and "plan checked" in nxt.text) or
            (nxt.lang == "json" and '"severity"' in nxt.text)) else None
        if b is sample_block or re.search(r"(?m)^plan:", b.text):
            text = b.text
        else:
            text = merge(sample, b.text)
        out.append(Example(b, text, expected))
    return out


DOC_TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = examples(DOC_TEXT)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"line{e.block.line}")
def test_issue16_every_doc_example_checks_as_the_doc_says(example):
    got = check_output(example.plan)
    if example.expected is not None and example.expected.lang == "json":
        got = format_json(check_source(example.plan, "plan.yaml").problems.sorted())
    if example.expected is None:
        assert got == "1 plan checked: 0 errors\n", \
            f"docs/language.md:{example.block.line}: the example should check clean:\n" \
            f"{got}\n--- the plan checked:\n{example.plan}"
        return
    if UPDATE and got != example.expected.text:
        _rewrite(example.expected, got)
        return
    assert got == example.expected.text, \
        f"docs/language.md:{example.expected.line}: the output differs\n--- plan:\n" \
        f"{example.plan}"


_SHIFT = [0]  # lines added above by earlier rewrites (the tests run in the doc's order)


def _rewrite(block: Block, text: str) -> None:
    """Put `text` in the doc in place of `block`'s body (COMPPLAN_UPDATE_DOCS=1)."""
    lines = DOC.read_text(encoding="utf-8").split("\n")
    opening = block.line - 1 + _SHIFT[0]
    closing = opening + 1
    while lines[closing].strip() != "```":
        closing += 1
    body = [(block.indent + ln) if ln else ln for ln in text.rstrip("\n").split("\n")]
    lines[opening + 1:closing] = body
    _SHIFT[0] += len(body) - (closing - opening - 1)
    DOC.write_text("\n".join(lines), encoding="utf-8")


def test_issue16_the_doc_has_examples_of_both_kinds():
    assert sum(e.expected is None for e in EXAMPLES) > 20
    assert sum(e.expected is not None for e in EXAMPLES) > 5


def test_issue16_merge_puts_entries_at_the_end_of_their_section():
    sample = textwrap.dedent("""\
        plan: p
        rounding: {to: 0.01}
        measures:
          booked: x

        earnings:
          commission:
            value: 1
        """)
    merged = merge(sample, textwrap.dedent("""\
        measures:
          extra: y
        earnings:
          commission:
            value: 2
        rounding: {to: 1}
        clawbacks:
          c: {}
        """))
    assert merged == textwrap.dedent("""\
        plan: p
        rounding: {to: 1}
        measures:
          booked: x
          extra: y

        earnings:
          commission:
            value: 2

        clawbacks:
          c: {}
        """)
