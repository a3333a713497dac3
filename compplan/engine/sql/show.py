"""A line's formula and inputs as SQL text columns, worded as the Python engine words them.

The Python engine builds each line's formula with its values filled in
(`40,000.00 x 4% + 30,000.00 x 8% = 4,000.00`, `1000 x min(99 / 90, 1.2) = 1,100.00`)
while it pays (compplan/engine/python/compile.py, the explaining closures, and
compplan/engine/money.py for numbers). Here the same words are written as SQL string
expressions, computed in the same statement as the line's amount: no Python per line,
and the text is the one a reader of a Python run sees. The numbers are formatted from
the exact DECIMAL values (DuckDB's `format` goes through DOUBLE for decimals, so only
whole numbers are handed to it).

    money(x)    fmt_money: half up to the cent, thousands separated, '-' kept
    ratio(x)    fmt_ratio: 1.125 -> '112.5%', at most 4 places of percent
    number(x)   fmt_number: whole numbers thousands separated, else the value's places
                (6 at most)
    value(x,t)  fmt_value: by the value's type; 'missing' for NULL, text in quotes
    plain(x,t)  the `inputs` column's value: exact, without the scale's trailing zeros
"""
from __future__ import annotations

import re
from typing import Callable

from ...lang import ast
from ...lang.functions import SHOWS_CALL
from ...lang.types import BOOLEAN, DATE, MONEY, RATIO, TEXT, Type
from ..formula import SHOW_OP, precedence
from . import dialect
from .decimals import Num
from .exprs import ExprCompiler, text_literal


def _whole(x: str) -> str:
    """An exact whole number (a DECIMAL of scale 0 or a HUGEINT), thousands separated.
    `format` is ten times slower on HUGEINT than on BIGINT: BIGINT where it fits."""
    return dialect.current().thousands(x)


def money(x: str, places: int = 2) -> str:
    m = f"CAST({x} AS DECIMAL(38,{places}))"  # half away from zero: the CONTEXT's half up
    body = _whole(f"trunc(abs({m}))")
    if places:
        body += f" || '.' || right(CAST({m} AS VARCHAR), {places})"
    # the sign of the value, not of its rounding: -0.004 is '-0.00', as format() writes it
    return f"(CASE WHEN {m} IS NULL THEN 'missing' ELSE (CASE WHEN {x} < 0 THEN '-' " \
           f"ELSE '' END) || {body} END)"


def money_column(x: str, scale: int | None) -> str:
    """money() of a column (or a plain name) of the query of that scale, cheaper: where
    the value fits DECIMAL(15, scale) it is rounded (half away from zero, as money's
    CAST) to a BIGINT count of cents in 64-bit decimals (each cast a TRY_CAST, the one
    product below 10^18), and the text put together from integers, thousands separated
    by arithmetic below a billion (format() is the dearest part of money); else, or
    with a scale unknown, money(). Above scale 15 (a split's parts at 16 places) the
    one rounding to cents is money's own 128-bit CAST, the rest as below: 1M values
    0.99 -> 0.57 CPU-s. It names x a dozen times: for columns, not for expressions
    over lateral aliases."""
    if scale is None or dialect.current().name != "duckdb":
        return money(x)  # TRY_CAST and 64-bit decimals are DuckDB's
    cents = f"TRY_CAST({x} AS DECIMAL(15,{scale}))" if scale <= 15 else \
        f"CAST({x} AS DECIMAL(38,2))"  # rounded as money() rounds: half away from zero
    c = f"TRY_CAST(TRY_CAST({cents} AS DECIMAL(16,2)) * 100 AS BIGINT)"
    w = f"(abs({c}) // 100)"
    whole = (f"(CASE WHEN {w} < 1000 THEN CAST({w} AS VARCHAR) WHEN {w} < 1000000 THEN "
             f"CAST({w} // 1000 AS VARCHAR) || ',' || lpad(CAST({w} % 1000 AS VARCHAR), 3, '0') "
             f"WHEN {w} < 1000000000 THEN CAST({w} // 1000000 AS VARCHAR) || ',' || "
             f"lpad(CAST({w} // 1000 % 1000 AS VARCHAR), 3, '0') || ',' || "
             f"lpad(CAST({w} % 1000 AS VARCHAR), 3, '0') ELSE format('{{:,}}', {w}) END)")
    return (f"(CASE WHEN {c} IS NULL THEN {money(x)} ELSE (CASE WHEN {x} < 0 THEN '-' ELSE "
            f"'' END) || {whole} || '.' || lpad(CAST(abs({c}) % 100 AS VARCHAR), 2, '0') END)")


def trimmed(text: str) -> str:
    """'4.5000' -> '4.5', '4.0000' -> '4', '0.0000' -> '0' (text of a DECIMAL with places)."""
    t = f"rtrim(rtrim({text}, '0'), '.')"
    return f"(CASE WHEN {t} IN ('', '-') THEN '0' ELSE {t} END)"


def decimal_text(x: str, scale: int | None) -> str:
    """places_trimmed of a DECIMAL column of that scale, its text made in 64 bits where
    the value fits DECIMAL(18, scale) (the same digits: a DECIMAL(38, s) prints about
    twice as slowly), chosen by the value's size, not by TRY_CAST. In DuckDB 2.0 a
    TRY_CAST that fails costs about as much as the text itself (0.6 us a value: it makes
    the error's message before it drops it), and a cast to fewer places divides in 128
    bits: the old form (TRY_CAST, first at 6 places) wrote 2.4M exact values in 2.0
    CPU-s, this one in 0.5-0.8 (docs/design/columnar.md). Not for a scale of 0."""
    text = f"CAST({x} AS VARCHAR)"
    if not scale:
        return text
    if dialect.current().name != "duckdb" or scale > 18:
        return places_trimmed(text)
    fast = f"CAST(CAST({x} AS DECIMAL(18,{scale})) AS VARCHAR)"
    return places_trimmed(f"(CASE WHEN abs({x}) < {10 ** (18 - scale)} THEN {fast} "
                          f"ELSE {text} END)")


def places_trimmed(text: str) -> str:
    """trimmed, for the text of a DECIMAL of scale above 0 (it always has a point):
    '4.5000' -> '4.5', '4.0000' -> '4', '0.0000' -> '0', '100.00' -> '100'. One
    regexp_replace runs about twice as fast in DuckDB as the two rtrim and the test."""
    return f"regexp_replace({text}, '\\.?0+$', '')"


def ratio(x: Num) -> str:
    # the percent to 4 places, half up; a whole percent shows no places
    pct = f"CAST(CAST({x.sql} AS DECIMAL(38,{x.scale})) * 100 AS DECIMAL(38,4))"
    return f"(CASE WHEN {x.sql} IS NULL THEN 'missing' ELSE " \
           f"{places_trimmed(f'CAST({pct} AS VARCHAR)')} || '%' END)"


def number(x: Num) -> str:
    if not x.scale:
        return f"(CASE WHEN {x.sql} IS NULL THEN 'missing' ELSE {_whole(x.sql)} END)"
    shown = f"CAST({x.sql} AS VARCHAR)" if x.scale <= 6 else \
        f"CAST(CAST({x.sql} AS DECIMAL(38,6)) AS VARCHAR)"
    return (f"(CASE WHEN {x.sql} IS NULL THEN 'missing' WHEN {x.sql} = trunc({x.sql}) THEN "
            f"{_whole(f'trunc({x.sql})')} ELSE {shown} END)")


def units(x: str, places: int) -> str:
    """fmt_number of units worked out at `places`: whole numbers thousands separated,
    else with those places (6 at most), as format(Decimal, 'f') writes them."""
    shown = f"CAST(CAST({x} AS DECIMAL(38,{min(places, 6)})) AS VARCHAR)"
    return (f"(CASE WHEN {x} IS NULL THEN 'missing' WHEN {x} = trunc({x}) THEN "
            f"{_whole(f'trunc({x})')} ELSE {shown} END)")


def natural(x: Num) -> str:
    """fmt_number of a value worked out exactly (a count of months: 1, 0.5, 1.032258): its
    own places, not its SQL scale's, and 6 at most."""
    six = f"CAST(CAST({x.sql} AS DECIMAL(38,6)) AS VARCHAR)"
    t = trimmed(f"CAST({x.sql} AS VARCHAR)")
    return (f"(CASE WHEN {x.sql} = trunc({x.sql}) THEN {_whole(f'trunc({x.sql})')} WHEN "
            f"length(split_part({t}, '.', 2)) <= 6 THEN {t} ELSE {six} END)")


def value(x: Num, t: Type | None) -> str:
    kind = t.kind if t is not None else None
    if x.scale is None or kind in (TEXT, DATE, BOOLEAN):
        if kind == TEXT:
            return f"coalesce('\"' || {x.sql} || '\"', 'missing')"
        if kind == BOOLEAN:
            return f"(CASE WHEN {x.sql} IS NULL THEN 'missing' WHEN {x.sql} THEN 'true' " \
                   f"ELSE 'false' END)"
        return f"coalesce(CAST({x.sql} AS VARCHAR), 'missing')"
    if kind == MONEY:
        return money(x.sql)
    if kind == RATIO:
        return ratio(x)
    return number(x)


def plain(x: Num, t: Type | None) -> str:
    """As the inputs column writes a value (results._plain): exact, None when missing."""
    kind = t.kind if t is not None else None
    if kind == BOOLEAN:
        return f"(CASE WHEN {x.sql} IS NULL THEN 'None' WHEN {x.sql} THEN 'True' " \
               f"ELSE 'False' END)"
    if x.scale is None or kind in (TEXT, DATE):
        return f"coalesce(CAST({x.sql} AS VARCHAR), 'None')"
    text = f"CAST({x.sql} AS VARCHAR)"
    if x.scale and _COLUMN.fullmatch(x.sql):  # a column: its text in 64 bits where it fits
        text = decimal_text(x.sql, x.scale)
    elif x.scale:
        text = places_trimmed(text)
    return f"coalesce({text}, 'None')"


# a table's column (`c.value`, `l."t_kpis_csat"`): named several times at no cost, where a
# lateral alias (`_cp3`, unqualified) is expanded each time it is named (decimal_text)
_COLUMN = re.compile(r'[A-Za-z_][A-Za-z_0-9]*\.("[^"]+"|[A-Za-z_][A-Za-z_0-9]*)')


def inputs(items: list[tuple[str, str]]) -> str:
    """The inputs column: 'label=value; label=value'."""
    if not items:
        return "''"
    return " || '; ' || ".join(f"{text_literal(label + '=')} || {sql}" for label, sql in items)


def split(parts: str, rates: dict[int, str], parens: bool = True,
          per_unit: bool = False, places: int | None = None) -> str:
    """A tier split as the formula shows it (compile._split_text): each part's amount
    times its rate, in parentheses when there are several (unless `parens` is off: a
    split that is the whole formula); '0.00' when none.

    `rates` is the rate text of each tier number (money.fmt_ratio of the plan's rates,
    known when the plan compiles). The parts are read by position, up to one per tier:
    top-level expressions, which DuckDB runs column-wise; a formatting lambda over the
    list ran five times slower. `per_unit`: the amounts are units (fmt_number, with
    `places` as the Python engine's Decimal has them), the rates amounts per unit
    (money; given in `rates` as text)."""
    def piece(i: int) -> str:
        d = dialect.current()
        rate = " ".join(f"WHEN {t} THEN {text_literal(' x ' + r)}" for t, r in rates.items())
        amount = units(d.element(parts, i, "amount"), places or 0) if per_unit else \
            money(d.element(parts, i, "amount"))
        return f"{amount} || (CASE {d.element(parts, i, 'tier')} {rate} ELSE ' x ' || " \
               f"{ratio(Num(d.element(parts, i, 'rate'), 16))} END)"
    size = len(rates)
    size_of = dialect.current().length(parts)
    many = piece(1) + "".join(f" || (CASE WHEN {size_of} >= {i} THEN ' + ' || {piece(i)} "
                              "ELSE '' END)" for i in range(2, size + 1))
    if parens:
        many = f"'(' || {many} || ')'"
    return (f"(CASE WHEN {parts} IS NULL OR {size_of} = 0 THEN '0.00' WHEN {size_of} = 1 "
            f"THEN {piece(1)} ELSE {many} END)")


def formula(text: str, exact: str, scale: int | None = None) -> str:
    """'<text> = <exact as money>', or the money alone when the text is just that
    (`exact` a column of the query of that scale: see money_column). Each of the two
    is named twice: for columns (formula_parts makes them), not for long expressions."""
    return formula_of(text, money_column(exact, scale))


def formula_parts(text: str, exact: str, scale: int | None = None) -> str:
    """formula's two halves as the select items _ftext and _fshown of a query below the
    one that puts them together (formula_of('_ftext', '_fshown')): DuckDB evaluates an
    expression each time a CASE names it, and a tier split's text named twice, with the
    money of the exact value named twice, was about a third of the earning's statement
    at 1M deals (docs/design/columnar.md)."""
    return f"{text} AS _ftext, {money_column(exact, scale)} AS _fshown"


def formula_of(text: str, shown: str) -> str:
    return f"(CASE WHEN {text} = {shown} THEN {shown} ELSE {text} || ' = ' || {shown} END)"


class ShowCompiler:
    """AST -> SQL text of the formula with values filled in (compile.Compiler._explain).

    `call(n)` gives the text of the calls that depend on where the rule runs (tiered(),
    team(), prorate()); None leaves the call to the general rules below."""

    def __init__(self, ex: ExprCompiler, types: dict, call: Callable[[ast.Call], str | None],
                 aggregate: Callable[[ast.Call], bool]):
        self.ex, self.types, self.call, self.aggregate = ex, types, call, aggregate

    def text(self, n: ast.Node) -> str:
        m = getattr(self, "t_" + type(n).__name__, None)
        if m is not None:
            return m(n)
        return value(self.ex.sql(n), self.types.get(n))

    def t_Number(self, n: ast.Number) -> str:
        return text_literal(n.text)

    def t_Binary(self, n: ast.Binary) -> str:
        a, b = self.text(n.left), self.text(n.right)
        my = precedence(n)
        if precedence(n.left) < my:
            a = f"'(' || {a} || ')'"
        if precedence(n.right) <= my and not (n.op in "+*" and precedence(n.right) == my):
            b = f"'(' || {b} || ')'"
        return f"({a} || ' {SHOW_OP[n.op]} ' || {b})"

    def t_Negate(self, n: ast.Negate) -> str:
        return f"('-' || {self.text(n.operand)})"

    def t_Conditional(self, n: ast.Conditional) -> str:
        c = self.ex.sql(n.cond).sql
        return f"(CASE WHEN {c} IS TRUE THEN {self.text(n.then)} ELSE {self.text(n.otherwise)} END)"

    def t_Call(self, n: ast.Call) -> str:
        done = self.call(n)
        if done is not None:
            return done
        if n.name in SHOWS_CALL and not self.aggregate(n):
            args = " || ', ' || ".join(self.text(a) for a in n.args)
            return f"('{n.name}(' || {args} || ')')"
        return value(self.ex.sql(n), self.types.get(n))


# lines.csv's lines end in CRLF as the Python engine's csv writer ends them (RFC 4180);
# DuckDB's COPY ends them in LF unless told (tests/engine/test_issue12_csv_parity.py)
CSV_OPTIONS = "(HEADER, NEW_LINE '\\r\\n')"
