"""Fuzzing the language layer: whatever an admin types, the checker answers with problems.

(a) any text given to the expression parser raises nothing but ExprSyntaxError;
(b) near-valid plans (plans/ae.yaml, mutated) never make check_source raise, and
    every problem it reports points inside the text;
(c) arithmetic parses with the precedence and associativity of school arithmetic.
"""
from __future__ import annotations

import textwrap
from decimal import Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compplan.errors import Pos
from compplan.lang import ast, check_source
from compplan.lang.parse import MAX_DEPTH, MAX_LENGTH, ExprSyntaxError, parse_expression

ROOT = Path(__file__).resolve().parents[2]
AE = (ROOT / "plans" / "ae.yaml").read_text(encoding="utf-8")

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _at(offset: int) -> Pos:
    return Pos("expr", 1, offset + 1)


# ---------------------------------------------------------------- (a) the parser

# pieces of the language, so random text reaches deep into the grammar
TOKENS = ["amount", "deals.amount", "payee.region", "kpis.csat", "sum", "min", "tiered",
          "(", ")", "[", "]", ",", ".", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=",
          "=", "if", "else", "and", "or", "not", "in", "between", "where", "true", "false",
          "missing", "0", "1", "1_000", "8%", "12.5%", "0.5", "2026-03-31", "2026-02-30",
          "9999-99-99", '"hw"', "'new'", '"unclosed', "\\", "#", "&&", "||", "%", " ", "\n",
          "\t", "é", "_", "1e5", "--", "((", "))"]

expression_like = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)


@FUZZ
@given(st.one_of(st.text(max_size=200), expression_like))
@example("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
@example("- " * 1500 + "1")
@example("not " * 900 + "true")
@example(" + ".join(["amount"] * 500))
@example("1" * (MAX_LENGTH + 1))
@example("2026-13-45")
@example("")
@example("sum(deals where)")
def test_parser_raises_only_expr_syntax_error(text):
    try:
        node = parse_expression(text, _at)
    except ExprSyntaxError as e:
        problem = e.problem
        assert problem.message and problem.file == "expr"
        assert 1 <= problem.col <= len(text) + 1
    else:
        assert isinstance(node, ast.Node)
        for n in ast.walk(node):
            assert 1 <= n.pos.col <= len(text) + 1


# ---------------------------------------------------------------- (b) the checker

AE_LINES = AE.splitlines(keepends=True)
VALUE_LINES = [i for i, line in enumerate(AE_LINES)
               if ": " in line and not line.lstrip().startswith(("#", "-", "{"))]
WORDS = ["bookings", "booked", "attainment", "ae_tiers", "amount", "deals", "quotas",
         "kpis", "payee", "period", "value", "when", "each", "from", "to", "rate", "tiers",
         "basis", "mode", "sum", "tiered", "if", "else", "and", "100%", "0", "1_000",
         "2026-01-01", "money", "text", "[", "]", "{", "}", ":", "-", "|", ">", "'", '"',
         "&anchor", "*alias", "!!str", "? ", "---", "\t", "", "null", "~"]
expr_text = st.one_of(expression_like, st.text(max_size=60))


@st.composite
def mutated_plan(draw) -> str:
    lines = list(AE_LINES)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert",
                                     "nest", "long", "block"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines = ["plan: x\n"]
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            text = "".join(lines)
            j = draw(st.integers(0, max(0, len(text) - 2)))
            text = text[:j] + text[j + 1:j + 2] + text[j:j + 1] + text[j + 2:]
            lines = text.splitlines(keepends=True) or ["\n"]
        elif kind == "replace":
            words = lines[i].split(" ")
            k = draw(st.integers(0, len(words) - 1))
            words[k] = draw(st.sampled_from(WORDS))
            lines[i] = " ".join(words)
            if not lines[i].endswith("\n"):
                lines[i] += "\n"
        else:
            v = draw(st.sampled_from(VALUE_LINES))
            v = min(v, len(lines) - 1)
            head = lines[v].split(": ", 1)[0] if ": " in lines[v] else lines[v].rstrip("\n")
            if kind == "insert":
                body = draw(expr_text)
            elif kind == "nest":
                depth = draw(st.integers(1, 3 * MAX_DEPTH))
                body = "(" * depth + "amount" + ")" * draw(st.integers(0, depth))
            elif kind == "long":
                body = " + ".join(["amount * 8%"] * draw(st.integers(1, 600)))
            else:  # a block scalar with an expression over several lines
                indent = " " * (len(head) - len(head.lstrip()) + 2)
                parts = draw(st.lists(expr_text, min_size=1, max_size=4))
                body = "|\n" + "".join(indent + p.replace("\n", " ") + "\n" for p in parts)
            lines[v] = f"{head}: {body}\n" if kind != "block" else f"{head}: {body}"
    return "".join(lines)


def _assert_inside(text: str, problems) -> None:
    lines = text.split("\n")
    for p in problems:
        assert p.file == "ae.yaml", p
        assert p.message, p
        assert p.line is not None and p.col is not None, p
        assert 1 <= p.line <= len(lines), p
        assert 1 <= p.col <= len(lines[p.line - 1]) + 1, p


@FUZZ
@given(mutated_plan())
def test_mutated_plan_is_checked_never_raises(text):
    checked = check_source(text, "ae.yaml")
    _assert_inside(text, checked.problems.items)
    if checked.ok:
        assert checked.plan is not None


@FUZZ
@given(st.text(max_size=300))
@example("# note\u2028more\nplan: demo\n")  # PyYAML counts U+2028 as a line break
@example("plan: demo\x0c\n")  # a control character PyYAML refuses
@example("plan: 'x\n")
def test_any_text_as_a_plan_never_raises(text):
    checked = check_source(text, "ae.yaml")
    _assert_inside(text, checked.problems.items)


def test_the_unmutated_plan_is_clean():
    """The fuzz above starts from a clean plan: every problem it finds is the mutation's."""
    assert check_source(AE, "ae.yaml").ok


# ---------------------------------------------------------------- (c) precedence

# A tree of + - * over decimal literals, printed with only the parentheses that school
# arithmetic needs; parsing the text must give back the same tree.
literals = st.one_of(
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False,
                allow_infinity=False).map(lambda d: (str(d), d)),
    st.integers(0, 10**9).map(lambda n: (f"{n:_}", Decimal(n))),  # 1_000_000
    st.integers(0, 500).map(lambda n: (f"{n}%", Decimal(n) / 100)),
)

PREC = {"+": 1, "-": 1, "*": 2}


def _trees():
    return st.recursive(
        literals.map(lambda lit: ("lit", *lit)),
        lambda sub: st.tuples(st.sampled_from("+-*"), sub, sub).map(lambda t: ("op", *t)),
        max_leaves=12)


def _render(tree) -> str:
    """Minimal parentheses: a left operand needs them only if it binds looser; a right
    operand also when it binds equally (a - (b - c), a * (b * c) stays grouped)."""
    if tree[0] == "lit":
        return tree[1]
    _, op, left, right = tree
    ltext, rtext = _render(left), _render(right)
    if left[0] == "op" and PREC[left[1]] < PREC[op]:
        ltext = f"({ltext})"
    if right[0] == "op" and PREC[right[1]] <= PREC[op]:
        rtext = f"({rtext})"
    return f"{ltext} {op} {rtext}"


def _shape(tree) -> str:
    """Fully parenthesized: the structure, and nothing else."""
    if tree[0] == "lit":
        return str(tree[2])
    _, op, left, right = tree
    return f"({_shape(left)} {op} {_shape(right)})"


def _ast_shape(node: ast.Node) -> str:
    if isinstance(node, ast.Number):
        return str(node.value)
    assert isinstance(node, ast.Binary), node
    return f"({_ast_shape(node.left)} {node.op} {_ast_shape(node.right)})"


def _value(tree) -> Decimal:
    if tree[0] == "lit":
        return tree[2]
    _, op, left, right = tree
    a, b = _value(left), _value(right)
    return a + b if op == "+" else a - b if op == "-" else a * b


def _evaluate(node: ast.Node) -> Decimal:
    """A tiny evaluator over the parser's AST (no eval)."""
    if isinstance(node, ast.Number):
        return node.value
    a, b = _evaluate(node.left), _evaluate(node.right)
    return {"+": a + b, "-": a - b, "*": a * b}[node.op]


@FUZZ
@given(_trees())
@example(("op", "-", ("lit", "10", Decimal(10)),
          ("op", "-", ("lit", "4", Decimal(4)), ("lit", "3", Decimal(3)))))
@example(("op", "*", ("op", "+", ("lit", "1", Decimal(1)), ("lit", "2", Decimal(2))),
          ("lit", "8%", Decimal("0.08"))))
def test_arithmetic_parses_with_school_precedence(tree):
    text = _render(tree)
    node = parse_expression(text, _at)
    with localcontext() as ctx:
        ctx.prec = 200  # exact for these sizes: no rounding can hide a wrong tree
        assert _ast_shape(node) == _shape(tree), text
        assert _evaluate(node) == _value(tree), text


def test_precedence_examples_read_as_an_admin_expects():
    def shape(text):
        return _ast_shape(parse_expression(text, _at))

    assert shape("1 + 2 * 3") == "(1 + (2 * 3))"
    assert shape("1 - 2 - 3") == "((1 - 2) - 3)"
    assert shape("2 * 3 - 4 * 5") == "((2 * 3) - (4 * 5))"
    assert shape("(1 + 2) * 3") == "((1 + 2) * 3)"


# ---------------------------------------------------------------- YAML that recurses

BASE = "plan: demo\nname: Demo\nperiod: quarter\ncurrency: USD\n"


@pytest.mark.parametrize("depth", [10, 100, 300, 450, 600, 2000])
@pytest.mark.parametrize("where", ["plan: {open}1{close}\n",
                                   BASE + "params:\n  x: {open}1{close}\n",
                                   BASE + "earnings:\n  e:\n    value: {open}1{close}\n"])
def test_deeply_nested_yaml_is_a_problem_not_a_crash(depth, where):
    """Regression: 1000 nested '[' made PyYAML (and our converter) hit RecursionError."""
    text = where.format(open="[" * depth, close="]" * depth)
    checked = check_source(text, "ae.yaml")
    assert not checked.ok
    _assert_inside(text, checked.problems.items)


def test_deeply_indented_block_mapping_is_a_problem_not_a_crash():
    text = "".join("  " * i + f"k{i}:\n" for i in range(600))
    (problem,) = check_source(text, "ae.yaml").problems.items
    assert problem.message.startswith("the plan is nested too deeply")


@pytest.mark.parametrize("text", ["plan: &a [*a]\n", BASE + "params: &a {k: *a}\n",
                                  BASE + "params: &a {k: [1, {j: *a}]}\n"])
def test_alias_to_itself_is_a_problem_not_endless_recursion(text):
    """Regression: `x: &a [*a]` made the YAML converter recurse until it crashed."""
    problems = check_source(text, "ae.yaml").problems.items
    assert "this value contains an alias ('*') to itself" in [p.message for p in problems]
    _assert_inside(text, problems)


def test_an_alias_used_twice_is_fine():
    text = BASE + textwrap.dedent("""\
        inputs:
          deals: &d {key: deal_id, payee: rep_id, columns: {amount: money}}
          deals2: *d
        earnings:
          e: {value: sum(deals2.amount) * 8%}
        """)
    assert check_source(text, "ae.yaml").ok
