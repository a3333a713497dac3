"""Regressions found in review: expression limits and syntax error wording.

Each test names what it fixes; each failed before its fix.
"""
from __future__ import annotations

import pytest

from compplan.errors import Pos
from compplan.lang.parse import (MAX_DEPTH, MAX_TREE_DEPTH, ExprSyntaxError,
                                 parse_expression)


def at(offset: int) -> Pos:
    return Pos("p", 1, offset + 1)


def parse(text: str):
    return parse_expression(text, at)


def problem(text: str):
    with pytest.raises(ExprSyntaxError) as e:
        parse(text)
    return e.value.problem


def test_a_sum_of_150_terms_is_not_too_deep():
    """Regression: a flat chain of more than 120 '+' terms was 'nested too deeply'."""
    parse(" + ".join(f"m{i}" for i in range(150)))


def test_a_chain_past_the_limit_says_how_deep_and_what_to_do():
    p = problem(" + ".join(f"m{i}" for i in range(MAX_TREE_DEPTH + 20)))
    assert p.message.startswith("expression is nested too deeply: 2")
    assert f"(the limit is {MAX_TREE_DEPTH})" in p.message
    assert "'+'" in p.message
    assert "named measures" in p.hint


def test_brackets_inside_texts_do_not_count_toward_the_bracket_limit():
    """Regression: `name == "((((...")` counted the text's brackets as nesting."""
    parse('payee.name == "' + "(" * (MAX_DEPTH + 5) + '"')
    parse("payee.name == '" + "[" * (MAX_DEPTH + 5) + "'")


def test_real_brackets_past_the_limit_are_still_refused():
    p = problem("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    assert p.message.startswith("expression is nested too deeply (more than 40 levels")


def test_chained_comparison_lists_no_closers_when_no_bracket_is_open():
    """Regression: it listed ',', ')', ']' and 'where' with no bracket open."""
    p = problem("0 < attainment < 100%")
    assert p.message == ("unexpected '<'; expected the end of the expression, 'and', 'else', "
                         "'if', '-', 'or' or '+'")


def test_chained_comparison_in_a_call_lists_only_what_closes_the_call():
    p = problem("max(0 < a < 1, 2)")
    assert "')'" in p.message and "','" in p.message and "']'" not in p.message
    p = problem("(0 < a < 1)")
    assert "')'" in p.message and "','" not in p.message and "where" not in p.message
    assert "the end of the expression" not in p.message
