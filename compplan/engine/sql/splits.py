"""A marginal tier split's text from its parts as columns, not from the list of parts.

A per-credit marginal split (plan.py _tiered_credit) is worked out band by band, each
band's amount and pay a step of the earning's statement. The line keeps the parts as a
list of structs (`tiers`: the store and Line objects read it), but its two texts, the
formula's `4,582.08 x 4% + 10,306.43 x 8%` and lines.csv's `tier 1: 4582.08 x 0.04 =
183.2832; ...`, are written from the band steps themselves: at their own scale (a
DECIMAL(38,3) prints several times faster than the list's DECIMAL(38,16)), each rate's
text known when the plan compiles, and no element read back from a list. At 1M deals
this took about 2 CPU-seconds off lines.csv's COPY (docs/design/columnar.md, Measured).

The words are those of the list-based texts (show.split for the formula, lines_text
for lines.csv); tests/engine/test_sql_differential.py compares them letter for letter
with the Python engine's.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from . import dialect
from . import show
from .decimals import DIV_SCALE, Num, cast
from .exprs import text_literal


@dataclass
class SplitParts:
    """A per-credit split as steps of the statement: `moved` is true where the credit
    moves the basis (the split is `parts`, each present where its band's share is not 0);
    otherwise one part, at the band the basis stands in (`band`, `value`, `pays`).
    `rates`: each tier's rate, tier 0 (below every band) paying 0."""

    moved: str
    parts: list[tuple[int, Num, Decimal, Num, str]]  # tier, amount, rate, pays, present
    band: str
    value: Num
    pays: Num
    rates: dict[int, Decimal]


def _at_most_16(n: Num) -> Num:
    # the list holds DECIMAL(38,16): a finer value would show as that cast rounds it
    return cast(n, DIV_SCALE) if n.scale is not None and n.scale > DIV_SCALE else n


def columns(split: SplitParts, prefix: str) -> tuple[list[str], list[str]]:
    """The inner query's columns the texts read: (select items, their names)."""
    items = [(f"{split.moved}", "m"), (split.band, "b"), (_at_most_16(split.value).sql, "za"),
             (_at_most_16(split.pays).sql, "zp")]
    for i, (_tier, amount, _rate, pays, present) in enumerate(split.parts, 1):
        items += [(present, f"h{i}"), (_at_most_16(amount).sql, f"a{i}"),
                  (_at_most_16(pays).sql, f"p{i}")]
    return ([f"{sql} AS {prefix}{name}" for sql, name in items],
            [f"{prefix}{name}" for _, name in items])


def plain(col: str, scale: int | None) -> str:
    """An exact value as lines.csv writes it: without the trailing zeros of its scale."""
    return show.decimal_text(col, scale)  # in 64 bits where it fits


def _rate16(rate: Decimal) -> str:
    """A rate as the list's DECIMAL(38,16) prints without trailing zeros."""
    r = rate.quantize(Decimal(1).scaleb(-DIV_SCALE), rounding=ROUND_HALF_UP)
    return "0" if r == 0 else format(r.normalize(), "f")


def _scale(n: Num) -> int | None:
    return _at_most_16(n).scale


def lines_text(split: SplitParts, prefix: str) -> str:
    """lines.csv's tiers cell (as lines_list_text writes it from the list)."""
    p = prefix
    band_rate = " ".join(f"WHEN {t} THEN {text_literal(_rate16(r))}"
                         for t, r in split.rates.items())
    still = (f"'tier ' || {p}b || ': ' || {plain(p + 'za', _scale(split.value))} || ' x ' || "
             f"(CASE {p}b {band_rate} END) || ' = ' || {plain(p + 'zp', _scale(split.pays))}")
    pieces = [f"CASE WHEN {p}h{i} THEN {text_literal(f'tier {tier}: ')} || "
              f"{plain(f'{p}a{i}', _scale(amount))} || {text_literal(f' x {_rate16(rate)} = ')}"
              f" || {plain(f'{p}p{i}', _scale(pays))} END"
              for i, (tier, amount, rate, pays, _) in enumerate(split.parts, 1)]
    return (f"(CASE WHEN NOT {p}m THEN {still} ELSE nullif(concat_ws('; ', "
            f"{', '.join(pieces)}), '') END)")


def formula_text(split: SplitParts, prefix: str, rate_texts: dict[int, str],
                 parens: bool = True) -> str:
    """The formula's split (as show.split writes it from the list): each part's amount
    as money times its rate, in parentheses when several (unless `parens` is off),
    '0.00' when none."""
    p = prefix
    band_rate = " ".join(f"WHEN {t} THEN {text_literal(' x ' + r)}" for t, r in rate_texts.items())
    still = f"{show.money_column(p + 'za', _scale(split.value))} || (CASE {p}b {band_rate} END)"
    pieces = [f"CASE WHEN {p}h{i} THEN {show.money_column(f'{p}a{i}', _scale(a))} || "
              f"{text_literal(' x ' + rate_texts[tier])} END"
              for i, (tier, a, _r, _p, _h) in enumerate(split.parts, 1)]
    count = " + ".join(f"coalesce(CAST({p}h{i} AS INTEGER), 0)"
                       for i in range(1, len(split.parts) + 1)) or "0"
    many = f"concat_ws(' + ', {', '.join(pieces)})" if pieces else "''"
    if parens:
        many = f"'(' || {many} || ')'"
    one = f"concat_ws('', {', '.join(pieces)})" if pieces else "''"
    return (f"(CASE WHEN NOT {p}m THEN {still} WHEN {count} = 0 THEN '0.00' WHEN {count} = 1 "
            f"THEN {one} ELSE {many} END)")


def lines_list_text(parts: str, most: int) -> str:
    """lines.csv's tiers cell from a line's list of parts (`tier 1: 4582.08 x 0.04 =
    183.2832; tier 2: ...`), read by position up to `most` parts (a lambda over the
    list formats five times slower): for the splits not written from columns."""
    def part(i: int) -> str:
        d = dialect.current()
        amount, rate, pays = (show.places_trimmed(f"CAST({d.element(parts, i, f)} AS VARCHAR)")
                              for f in ("amount", "rate", "pays"))
        return (f"'tier ' || {d.element(parts, i, 'tier')} || ': ' || {amount}"
                f" || ' x ' || {rate} || ' = ' || {pays}")
    size = dialect.current().length(parts)
    return (f"CASE WHEN {parts} IS NULL OR {size} = 0 THEN NULL ELSE {part(1)}" +
            "".join(f" || (CASE WHEN {size} >= {i} THEN '; ' || {part(i)} ELSE '' END)"
                    for i in range(2, most + 1)) + " END")
