"""Expression text -> AST, with errors in the words a comp admin uses.

The Lark parser is built once per process (LALR, contextual lexer) from
grammar/compplan.lark. Each expression is parsed with a map from its offsets to the
YAML file's line and column, so every AST node knows where it was written.
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import Pos, Problem
from . import ast

MAX_LENGTH = 4000  # characters in one expression
MAX_DEPTH = 40  # nesting of brackets: '(' and '[' (not those inside a text)
MAX_TREE_DEPTH = 200  # levels of operators and calls: a + b + c is two levels deep

PosMap = Callable[[int], Pos]


def grammar_path() -> Path:
    """grammar/compplan.lark: inside the installed package, or at the checkout's top."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / "compplan.lark",
                      here.parent / "grammar" / "compplan.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/compplan.lark is missing from the installation")


@functools.lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr",
                lexer="contextual", propagate_positions=True, maybe_placeholders=True)


class ExprSyntaxError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


# How terminals read in an error message.
_WORDS = {
    "NUMBER": "a number", "PERCENT": "a percentage", "DATE": "a date", "STRING": "a text",
    "NAME": "a name", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'",
    "COMMA": "','", "DOT": "'.'", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'",
    "SLASH": "'/'", "COMPARE": "a comparison (==, <, >=, ...)", "WHERE": "'where'",
    "IF": "'if'", "ELSE": "'else'", "AND": "'and'", "OR": "'or'", "NOT": "'not'",
    "IN": "'in'", "BETWEEN": "'between'", "TRUE": "true", "FALSE": "false",
    "MISSING": "missing", "$END": "the end of the expression",
}
_VALUE_STARTS = {"NUMBER", "PERCENT", "DATE", "STRING", "NAME", "LPAR", "MINUS", "TRUE",
                 "FALSE", "MISSING", "NOT"}


def _expected_words(expected: set[str], text: str = "") -> str:
    names = set(expected)
    if len(names & _VALUE_STARTS) >= 4:
        words = ["a value (a number, a name, a text or '(')"]
        if "RPAR" in names:
            words.append("')'")
        return " or ".join(words)
    if len(names & {"PLUS", "STAR", "SLASH", "COMPARE"}) >= 2:
        words = ["an operator"]
        if "$END" in names:
            words.append("the end of the expression")
        if "RPAR" in names and text.count("(") > text.count(")"):
            words.append("')'")
        return " or ".join(words)
    words = []
    for n in sorted(names):
        w = _WORDS.get(n)
        if w is None or n.startswith("__ANON"):
            continue
        if w not in words:
            words.append(w)
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the expression"
    return f"'{tok.value}'"


def _syntax_hint(text: str, found: str, expected: set[str]) -> str | None:
    if found in ("'='",):
        return "to compare, write '=='"
    if found == "','" and "RPAR" not in expected and "RSQB" not in expected:
        return "write thousands as 1_000 or 1000, not 1,000"
    if found in ("'<'", "'>'", "'<='", "'>='", "'=='", "'!='") and "COMPARE" not in expected:
        return "comparisons cannot be chained: write 'x between a and b' or 'a < x and x < b'"
    if "RPAR" in expected and text.count("(") > text.count(")"):
        return "a '(' is not closed"
    if found == "')'" and text.count(")") > text.count("("):
        return "there is a ')' without a matching '('"
    if found in ("'&&'", "'&'"):
        return "write 'and'"
    if found in ("'||'", "'|'"):
        return "write 'or'"
    return None


def parse_expression(text: str, at: PosMap) -> ast.Node:
    """Parse one expression. Raises ExprSyntaxError with a positioned Problem."""
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(Problem.at(at(0), f"expression is too long ({len(text)} "
                                         f"characters; the limit is {MAX_LENGTH})",
                                         "split it into named measures or params",
                                         code="expression-too-large"))
    depth = 0
    for i, ch in _code_chars(text):
        if ch in "([":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExprSyntaxError(Problem.at(
                    at(i), f"expression is nested too deeply (more than {MAX_DEPTH} levels "
                    "of brackets)", "split it into named measures or params",
                    code="expression-too-large"))
        elif ch in ")]":
            depth -= 1
    if not text.strip():
        raise ExprSyntaxError(Problem.at(at(0), "empty expression",
                                         "write a value or a formula here",
                                         code="syntax"))
    try:
        tree = parser().parse(text)
    except UnexpectedInput as e:
        raise ExprSyntaxError(_syntax_problem(e, text, at)) from None
    _check_depth(tree, at)
    return _Builder(text, at).build(tree)


def _syntax_problem(e: UnexpectedInput, text: str, at: PosMap) -> Problem:
    if isinstance(e, UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        two = text[e.pos_in_stream:e.pos_in_stream + 2]
        found = f"'{two}'" if two in ("&&", "||") else f"'{ch}'"
        expected = _closable(set(e.allowed or ()), text, e.pos_in_stream)
        msg = f"unexpected character {found}"
        if expected:
            msg += f"; expected {_expected_words(expected, text)}"
        hint = _syntax_hint(text, found, expected)
        return Problem.at(at(e.pos_in_stream), msg, hint, code="syntax")
    if isinstance(e, UnexpectedToken):
        tok = e.token
        found = _describe_token(tok)
        offset = tok.start_pos if tok.type != "$END" and tok.start_pos is not None else len(text.rstrip())
        expected = _closable(set(e.expected or ()), text, offset)
        msg = f"unexpected {found}; expected {_expected_words(expected, text)}"
        if tok.type == "$END":
            msg = f"the expression ends too early; expected {_expected_words(expected, text)}"
        return Problem.at(at(offset), msg, _syntax_hint(text, found, expected), code="syntax")
    if isinstance(e, UnexpectedEOF):
        return Problem.at(at(len(text.rstrip())), "the expression ends too early",
                          None, code="syntax")
    return Problem.at(at(0), f"syntax error: {e}", code="syntax")  # pragma: no cover


def _check_depth(tree: Tree, at: PosMap) -> None:
    """Refuse a tree deeper than MAX_TREE_DEPTH: every operator is a level, so a sum of
    many terms (a + b + c + ...) is as deep as it has '+'s."""
    stack = [(tree, 1)]
    deepest, where = 0, 0
    while stack:
        node, d = stack.pop()
        if d > deepest:
            deepest = d
            where = node.meta.start_pos if not node.meta.empty else where
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, d + 1))
    if deepest > MAX_TREE_DEPTH:
        raise ExprSyntaxError(Problem.at(
            at(0), f"expression is nested too deeply: {deepest} levels of operators and "
            f"calls (the limit is {MAX_TREE_DEPTH}); each '+' or '*' in a chain adds one",
            "split it into named measures and combine those, e.g. measures q1_bonus and "
            "q2_bonus, then q1_bonus + q2_bonus", code="expression-too-large"))


def _code_chars(text: str):
    """(offset, character) of the expression's text outside its quoted texts."""
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote or ch == "\n":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            yield i, ch
        i += 1


def _open_brackets(text: str, upto: int) -> list[str]:
    """The brackets still open before `upto`: '(' of a call as 'call', of a group as
    '(', and '['."""
    stack: list[str] = []
    prev = ""
    for i, ch in _code_chars(text[:upto]):
        if ch == "(":
            stack.append("call" if prev.isalnum() or prev == "_" else "(")
        elif ch == "[":
            stack.append("[")
        elif ch in ")]" and stack:
            stack.pop()
        if not ch.isspace():
            prev = ch
    return stack


def _closable(expected: set[str], text: str, upto: int) -> set[str]:
    """Only the closers that can close a bracket open at `upto` (LALR's lookahead set
    lists every closer of the grammar, open bracket or not)."""
    stack = _open_brackets(text, upto)
    top = stack[-1] if stack else None
    keep = {None: set(), "(": {"RPAR"}, "call": {"RPAR", "COMMA", "WHERE"},
            "[": {"RSQB", "COMMA"}}[top]
    return {e for e in expected if e not in ("RPAR", "RSQB", "COMMA", "WHERE", "$END")
            or e in keep or (e == "$END" and top is None)}


_DECIMAL_ERRORS = (InvalidOperation, ValueError)


class _Builder:
    """Lark tree -> AST dataclasses."""

    def __init__(self, text: str, at: PosMap):
        self.text = text
        self.at = at

    def pos(self, item) -> Pos:
        if isinstance(item, Token):
            return self.at(item.start_pos or 0)
        if isinstance(item, Tree) and not item.meta.empty:
            return self.at(item.meta.start_pos)
        return self.at(0)

    def build(self, t):
        if isinstance(t, Token):
            raise AssertionError(f"unexpected token {t!r}")  # grammar guarantees trees
        handler = getattr(self, "b_" + str(t.data))
        return handler(t)

    def b_number(self, t):
        tok = t.children[0]
        return ast.Number(self.pos(tok), Decimal(tok.value.replace("_", "")), False, tok.value)

    def b_duration(self, t):
        count, unit = t.children
        return ast.Duration(self.pos(count), Decimal(count.value.replace("_", "")),
                            str(unit), self.pos(unit))

    def b_percent(self, t):
        tok = t.children[0]
        value = Decimal(tok.value[:-1].replace("_", "")) / 100
        return ast.Number(self.pos(tok), value, True, tok.value)

    def b_date(self, t):
        tok = t.children[0]
        try:
            value = dt.date.fromisoformat(tok.value)
        except ValueError:
            raise ExprSyntaxError(Problem.at(self.pos(tok), f"'{tok.value}' is not a valid date",
                                             "write dates as YYYY-MM-DD", code="syntax")) from None
        return ast.DateLit(self.pos(tok), value)

    def b_string(self, t):
        tok = t.children[0]
        raw = tok.value[1:-1]
        out, i = [], 0
        while i < len(raw):
            if raw[i] == "\\" and i + 1 < len(raw):
                out.append({"n": "\n", "t": "\t"}.get(raw[i + 1], raw[i + 1]))
                i += 2
            else:
                out.append(raw[i])
                i += 1
        return ast.String(self.pos(tok), "".join(out))

    def b_true(self, t):
        return ast.Boolean(self.pos(t), True)

    def b_false(self, t):
        return ast.Boolean(self.pos(t), False)

    def b_missing(self, t):
        return ast.Missing(self.pos(t))

    def b_ref(self, t):
        return ast.Ref(self.pos(t.children[0]), tuple(str(c) for c in t.children),
                       tuple(self.pos(c) for c in t.children))

    def b_negate(self, t):
        operand = self.build(t.children[1])
        if isinstance(operand, ast.Number):
            return ast.Number(self.pos(t), -operand.value, operand.percent, "-" + operand.text)
        return ast.Negate(self.pos(t), operand)

    def b_binary(self, t):
        left, op, right = t.children
        return ast.Binary(self.pos(op), str(op), self.build(left), self.build(right))

    def b_compare(self, t):
        left, op, right = t.children
        return ast.Compare(self.pos(op), str(op), self.build(left), self.build(right))

    def b_between(self, t):
        v, lo, hi = t.children
        return ast.Between(self.pos(t), self.build(v), self.build(lo), self.build(hi))

    def b_in_list(self, t, negated=False):
        v, lst = t.children
        items = [self.build(c) for c in lst.children if c is not None]
        return ast.InList(self.pos(t), self.build(v), items, negated)

    def b_not_in_list(self, t):
        return self.b_in_list(t, negated=True)

    def b_and_op(self, t):
        return ast.Logic(self.pos(t), "and", self.build(t.children[0]), self.build(t.children[1]))

    def b_or_op(self, t):
        return ast.Logic(self.pos(t), "or", self.build(t.children[0]), self.build(t.children[1]))

    def b_not_op(self, t):
        return ast.Not(self.pos(t), self.build(t.children[0]))

    def b_conditional(self, t):
        then, cond, other = t.children
        return ast.Conditional(self.pos(t), self.build(then), self.build(cond), self.build(other))

    def b_call(self, t):
        name, args, _where_kw, where = t.children
        arg_nodes = [self.build(a) for a in args.children] if args is not None else []
        return ast.Call(self.pos(name), str(name), arg_nodes,
                        self.build(where) if where is not None else None)
