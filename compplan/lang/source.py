"""YAML with source positions.

A plan's structure is YAML; its values are expressions. To point an error at the exact
character of an expression, even one inside a block scalar or a flow mapping, we keep
PyYAML's node marks for every value and key, indexed by their path in the document
(`("earnings", "commission", "value")`).

Scalars are kept as the strings the admin wrote: YAML would read `0.05` as a binary
float, and money is never a float. The plan model converts what needs converting.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Pos, Problem

Path = tuple  # of str | int

# Values a plan file may hold once its aliases are expanded. A real plan has a few
# thousand; a handful of nested aliases ("billion laughs") can name billions.
MAX_VALUES = 200_000


class _TooManyValues(Exception):
    pass


@dataclass
class Located:
    """Where a YAML node (or its key) stands in the file."""

    start: int  # character offset
    end: int
    style: str | None = None  # scalar style: None (plain), '"', "'", '|', '>'
    is_scalar: bool = False


@dataclass
class SourceFile:
    """The text of one file, its parsed data, and a position for every value."""

    name: str
    text: str
    data: Any = None
    nodes: dict[Path, Located] = field(default_factory=dict)
    keys: dict[Path, Located] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list)

    def __post_init__(self):
        starts = [0]
        for i, ch in enumerate(self.text):
            if ch == "\n":
                starts.append(i + 1)
        self._line_starts = starts

    def pos_of_offset(self, offset: int) -> Pos:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return Pos(self.name, line + 1, offset - self._line_starts[line] + 1)

    def pos(self, path: Path) -> Pos:
        """Position of the value at `path`, or of the nearest ancestor that exists."""
        path = tuple(path)
        while path not in self.nodes and path:
            path = path[:-1]
        loc = self.nodes.get(path)
        if loc is None:
            return Pos(self.name, 1, 1)
        start = loc.start
        if loc.is_scalar and loc.style in ("|", ">"):
            start = self._block_body_start(loc)
        return self.pos_of_offset(start)

    def key_pos(self, path: Path) -> Pos:
        """Position of the key that introduces `path` (falls back to the value)."""
        loc = self.keys.get(tuple(path))
        if loc is None:
            return self.pos(path)
        return self.pos_of_offset(loc.start)

    def has(self, path: Path) -> bool:
        return tuple(path) in self.nodes

    def _block_body_start(self, loc: Located) -> int:
        nl = self.text.find("\n", loc.start)
        if nl < 0:
            return loc.start
        i = nl + 1
        while i < loc.end and self.text[i] in " \t":
            i += 1
        return i

    def offset_map(self, path: Path, value: str):
        """A function from an offset in the value string to its `Pos` in the file.

        The value of a scalar is the source text with quotes, escapes, indentation and
        line folding taken away; walking both in step recovers where each character of
        the value came from.
        """
        loc = self.nodes.get(tuple(path))
        if loc is None or not loc.is_scalar:
            fallback = self.pos(path)
            return lambda offset: fallback
        text = self.text
        i = loc.start
        if loc.style in ('"', "'"):
            i += 1
        elif loc.style in ("|", ">"):
            i = self._block_body_start(loc)
        end = loc.end
        where: list[int] = []
        for ch in value:
            j = i
            while j < end and text[j] != ch:
                j += 1
            if j >= end:  # could not align (an escape we do not model): stay put
                j = i
            where.append(j)
            i = j + 1
        last = where[-1] + 1 if where else i

        def at(offset: int) -> Pos:
            if offset < len(where):
                return self.pos_of_offset(where[offset])
            return self.pos_of_offset(last)

        return at


class _DuplicateKey(Exception):
    pass


def read_yaml_file(path) -> tuple[str, list[Problem]]:
    """A YAML file's text (UTF-8), or a problem naming the file: a file that cannot be
    read or is not UTF-8 text (a catalogue saved in a Windows code page) is no
    traceback."""
    name = str(path)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        return "", [Problem(name, None, None, f"cannot read the file: {e.strerror or e}",
                            "check the path", code="io")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        return "", [Problem(name, None, None, f"line {line} is not UTF-8 text (byte "
                            f"0x{raw[e.start:e.start + 1].hex()})", "save it as UTF-8",
                            code="encoding")]


def load_yaml(text: str, name: str) -> tuple[SourceFile, list[Problem]]:
    """Parse YAML text into plain data (strings, lists, dicts) with positions.

    Returns the source and the problems found: a YAML syntax error (then data is None)
    or duplicate keys (the later value is dropped and reported).
    """
    src = SourceFile(name, text)
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        raw = (e.problem or "invalid YAML").strip()
        words, hint, at_start = _yaml_words(raw, (e.context or "").strip())
        # an unclosed quote or a key without ':' is best shown where it starts
        mark = (e.context_mark if at_start and e.context_mark else None) or \
            e.problem_mark or e.context_mark
        # by offset: PyYAML also counts U+2028 and other rare breaks as new lines
        pos = src.pos_of_offset(mark.index) if mark else None
        hint = hint or _yaml_hint(raw, text, pos.line if pos else None)
        quoted = _quoted_start(text, e.problem_mark.index) if e.problem_mark else None
        if quoted is not None:
            pos = src.pos_of_offset(quoted[0])
            words = "this value starts with a quoted text and goes on after it"
            hint = ("quote the whole value in single quotes, so YAML keeps the double "
                    f"quotes as part of the expression: {quoted[1]}")
        problems.append(Problem(name, pos.line if pos else None, pos.col if pos else None,
                                f"YAML syntax error: {words}", hint, code="yaml-syntax"))
        return src, problems
    except yaml.reader.ReaderError as e:  # a control character, often pasted in
        pos = src.pos_of_offset(e.position)
        problems.append(Problem(name, pos.line, pos.col, "the file contains a character "
                                f"that YAML does not allow (U+{e.character:04X})",
                                "delete it: it may have come in with text pasted from "
                                "another program", code="yaml-syntax"))
        return src, problems
    except yaml.YAMLError as e:  # pragma: no cover - PyYAML marks nearly everything
        problems.append(Problem(name, 1, 1, f"YAML syntax error: {e}", code="yaml-syntax"))
        return src, problems
    except RecursionError:
        problems.append(_too_deep(name))
        return src, problems
    if root is None:
        src.data = None
        return src, problems
    try:
        src.data = _convert(root, (), src, problems, budget=[MAX_VALUES])
    except RecursionError:
        src.data = None
        problems.append(_too_deep(name))
    except _TooManyValues:
        src.data = None
        src.nodes.clear()
        src.keys.clear()
        problems.append(Problem(name, 1, 1, "the file expands to too many values (YAML "
                                f"aliases?): more than {MAX_VALUES:,}", "write the values "
                                "out instead of repeating aliases ('*name') of lists or "
                                "mappings", code="too-large"))
    return src, problems


def _quoted_start(text: str, at: int) -> tuple[int, str] | None:
    """Where PyYAML stopped just after a quoted scalar that is only the start of a
    value (`t: "west" == payee.region`): the offset of the value's first quote, and the
    value written as it should be (`'"west" == payee.region'`)."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start:end if end >= 0 else len(text)]
    col = at - start
    k = col - 1
    while k >= 0 and line[k] in " \t":
        k -= 1
    if k <= 0 or k == col - 1 or line[k] not in "\"'" or col >= len(line.rstrip()):
        return None
    j = line.rfind(line[k], 0, k)
    if j < 0:
        return None
    b = j - 1
    while b >= 0 and line[b] in " \t":
        b -= 1
    if b >= 0 and line[b] not in ":-{[,":
        return None
    before = line[:j]
    flow = before.count("{") > before.count("}") or before.count("[") > before.count("]")
    rest = line[k + 1:]
    if flow:  # inside a flow mapping or list: the value ends at the next ',', '}' or ']'
        stop = min((i for i in (rest.find(","), rest.find("}"), rest.find("]")) if i >= 0),
                   default=len(rest))
        rest = rest[:stop]
        key = before.rstrip()
        key = key[max(key.rfind("{"), key.rfind(","), key.rfind("[")) + 1:].strip()
    else:
        rest = rest.split(" #")[0]
        key = before.strip().lstrip("-").strip()
    # the text in double quotes, which the expression language reads as a text
    value = '"' + line[j + 1:k] + '"' + rest.rstrip()
    example = "'" + value.replace("'", "''") + "'"
    if key.endswith(":"):
        example = key + " " + example
    return start + j, example


def _too_deep(name: str) -> Problem:
    return Problem(name, 1, 1, "the plan is nested too deeply to read (lists or mappings "
                   "inside each other hundreds of levels deep)", "flatten the structure",
                   code="yaml-syntax")


# PyYAML's problems in a comp admin's words: (problem starts with, context contains,
# message, hint, point at where the construct started rather than where PyYAML gave up)
_YAML_WORDS = [
    ("expected <block end>", "", "this line's indentation does not match the lines above it",
     "check the indentation of this line against the lines above it", False),
    ("did not find expected key", "", "this line's indentation does not match the lines "
     "above it", "check the indentation of this line against the lines above it", False),
    ("mapping values are not allowed", "", "unexpected ':' in this value",
     "a value containing ': ' must be quoted, or the indentation of this line is off", False),
    ("found character '\\t'", "", "a tab cannot be used here",
     "YAML does not allow tabs for indentation; use spaces", False),
    ("found unexpected end of stream", "quoted scalar", "this quoted value is never closed",
     "add the closing quote", True),
    ("could not find expected ':'", "simple key", "this key has no ':' after it",
     "write 'key: value'", True),
    ("expected ',' or '}'", "", "a '{ ... }' mapping is missing a ',' or its closing '}'",
     "separate entries with ', ' and close the mapping with '}'", False),
    ("expected ',' or ']'", "", "a '[ ... ]' list is missing a ',' or its closing ']'",
     "separate items with ', ' and close the list with ']'", False),
    ("found undefined alias", "", "a value cannot start with '*' unless it is quoted",
     "put the value in quotes", False),
    ("but found another document", "", "'---' starts a second document; a plan file holds "
     "one", "remove the '---' line", False),
]
_YAML_TOKENS = {"<block end>": "the end of the block", "<block mapping start>": "a new key",
                "<block sequence start>": "a list", "<scalar>": "a value",
                "<stream end>": "the end of the file", "<document start>": "'---'"}


def _yaml_words(problem: str, context: str) -> tuple[str, str | None, bool]:
    """(message, hint, point at the start) for a PyYAML problem."""
    for start, ctx, words, hint, at_start in _YAML_WORDS:
        if problem.startswith(start) and ctx in context:
            return words, hint, at_start
    message = f"{problem} {context}" if context else problem
    for token, words in _YAML_TOKENS.items():
        message = message.replace(f"'{token}'", words).replace(token, words)
    return message, None, False


def _yaml_hint(msg: str, text: str, line: int | None) -> str | None:
    if "\t" in text and ("tab" in msg or "found character" in msg):
        return "YAML does not allow tabs for indentation; use spaces"
    if "mapping values are not allowed" in msg:
        return ("a value containing ': ' must be quoted, or the indentation of this "
                "line is off")
    if "expected <block end>" in msg or "did not find expected key" in msg:
        return "check the indentation of this line against the lines above it"
    return None


def _convert(node: yaml.Node, path: Path, src: SourceFile, problems: list[Problem],
             _inside: frozenset = frozenset(), budget: list[int] | None = None):
    if budget is not None:
        budget[0] -= 1  # every value converted counts, however often an alias repeats it
        if budget[0] < 0:
            raise _TooManyValues()
    if id(node) in _inside:  # an alias to a value that contains it: `x: &a [*a]`
        problems.append(Problem.at(src.pos_of_offset(node.start_mark.index),
                                   "this value contains an alias ('*') to itself",
                                   "write the value out instead of using an alias",
                                   code="bad-alias"))
        return None
    if not isinstance(node, yaml.ScalarNode):
        _inside = _inside | {id(node)}
    src.nodes[path] = Located(node.start_mark.index, node.end_mark.index,
                              getattr(node, "style", None),
                              isinstance(node, yaml.ScalarNode))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem.at(src.pos_of_offset(key_node.start_mark.index),
                                           "a key must be a plain name, not a list or "
                                           "mapping", code="bad-key"))
                continue
            key = key_node.value
            if key == "<<":
                problems.append(Problem.at(src.pos_of_offset(key_node.start_mark.index),
                                           "YAML merge keys ('<<') are not supported "
                                           "in plans", "write the keys out", code="bad-key"))
                continue
            if key in out:
                first = src.keys[path + (key,)]
                first_pos = src.pos_of_offset(first.start)
                problems.append(Problem.at(
                    src.pos_of_offset(key_node.start_mark.index),
                    f"duplicate name '{key}': already defined at line {first_pos.line}",
                    "rename one of them, or remove the repeat", code="duplicate-name"))
                continue
            src.keys[path + (key,)] = Located(key_node.start_mark.index,
                                              key_node.end_mark.index)
            out[key] = _convert(value_node, path + (key,), src, problems, _inside, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), src, problems, _inside, budget)
                for i, item in enumerate(node.value)]
    # scalar: keep text; only explicit nulls become None
    if node.style is None and node.value in ("", "~", "null", "Null", "NULL"):
        return None
    return node.value
