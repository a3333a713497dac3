"""Rate tables: tiers sorted, contiguous and in the basis's unit; lookup rows complete,
their keys and values of one type each."""
from __future__ import annotations


from . import ast
from .types import (BOOLEAN, DATE, INTEGER, MONEY, NUMBER, RATIO,
                    T_CONST_INT, T_RATIO, T_MONEY, TEXT, Type, UnitError, unify)
from .checked import Checked, Path
from .types import article as _a
from .curves import (check_curve, check_tier_boundaries, check_units, curve_value_type,
                     is_curve)
from .known import Known, is_plain_number, known


def pass_rates(c: Checked) -> None:
    """Rate tables: tiers sorted, contiguous and typed; lookup rows complete."""
    for name, rt in c.plan.rates.items():
        base = ("rates", name)
        pos = c.source.key_pos(base)
        if rt.tiers is not None and rt.keys is not None:
            c.error(pos, f"rate table '{name}' has both 'tiers' and 'keys'",
                    "a table is either tiers on a basis or a lookup by keys",
                    code="rate-table")
            continue
        if rt.mode == "interpolate" or rt.points is not None:
            check_curve(c, name, rt)
        elif rt.tiers is not None:
            _check_tiers(c, name, rt)
        elif rt.keys is not None:
            _check_lookup(c, name, rt)
        else:
            c.error(pos, f"rate table '{name}' needs 'tiers' (with a basis) or 'keys' and "
                    "'rows' (a lookup table)", code="rate-table")


def _const_value(c: Checked, path: Path) -> Known | None:
    """A bound's value when the checker can know it (a literal, or a param that is one);
    None for other expressions of params, whose order the engine checks."""
    return known(c, c.exprs.get(path))


def is_zero_literal(node: ast.Node | None) -> bool:
    """A literal 0: it is 0% and 0 money alike, so it agrees with any unit."""
    return isinstance(node, ast.Number) and node.value == 0


def basis_text(c: Checked, name: str) -> str:
    rt = c.plan.rates[name]
    return str(rt.basis).strip() if rt.basis is not None else name


def _check_tiers(c: Checked, name: str, rt) -> None:
    base = ("rates", name)
    pos = c.source.key_pos(base)
    # every tier after the first saying its own at_boundary leaves none to the table
    own = len(rt.tiers or ()) > 1 and all(t.at_boundary for t in rt.tiers[1:])
    for key, words in (("basis", "what picks the tier, e.g. 'basis: attainment'"),
                       ("mode", "'mode: marginal' (each band at its rate) or 'mode: whole' "
                                "(the whole amount at the reached tier's rate)"),
                       ("at_boundary", "which tier a value exactly on a bound takes: "
                                       "'at_boundary: upper' or 'at_boundary: lower'")):
        if getattr(rt, key) is None and not (key == "at_boundary" and own):
            c.error(pos, f"rate table '{name}' must say {key}", f"add {words}",
                    code="missing-field")
    if not rt.tiers:
        c.error(pos, f"rate table '{name}' has no tiers", code="rate-table")
        return
    basis_t = c.type_of(c.expr(*base, "basis"))
    rate_types: list[str] = []
    prev_to = None
    n = len(rt.tiers)
    bad_bounds: set[tuple[int, str]] = set()  # reported once: nothing more about them
    for i, tier in enumerate(rt.tiers):
        tpos = c.source.pos(base + ("tiers", i))
        lo = _const_value(c, base + ("tiers", i, "from")) if tier.from_ is not None else None
        hi = _const_value(c, base + ("tiers", i, "to")) if tier.to is not None else None
        for key, v in (("from", lo), ("to", hi)):
            node = c.expr(*base, "tiers", i, key)
            t = c.type_of(node)
            if node is None or basis_t is None or t is None:
                bad_bounds.add((i, key))
                continue  # absent, or mistyped (reported where it is)
            if basis_t.kind == RATIO and is_plain_number(c, node):
                bad_bounds.add((i, key))
                c.error(node.pos, f"tier bound {known(c, node).text} is a plain number, but "
                        f"the basis '{basis_text(c, name)}' is a ratio",
                        "write bounds on a ratio as percentages: 100% is the whole "
                        "(not 1 or 100)", code="unit-mismatch")
                continue
            try:
                unify(basis_t, t, "tier bound")
            except UnitError:
                bad_bounds.add((i, key))
                c.error(node.pos, f"tier bound is {_a(t)} but the basis is {_a(basis_t)}",
                        "write bounds in the basis's unit (e.g. 100% for attainment)",
                        code="unit-mismatch")
        rnode = c.expr(*base, "tiers", i, "rate")
        rtype = c.type_of(rnode)
        if rtype is not None:
            if is_zero_literal(rnode):
                pass  # 0 pays nothing in either unit
            elif rtype.kind in (RATIO, MONEY, NUMBER, INTEGER) or rtype.const:
                # a number from params (visit_rate * 150%) is an amount per unit, as
                # the plain numbers it is worked out from
                rate_types.append(RATIO if rtype.kind == RATIO else MONEY)
            else:
                c.error(rnode.pos, f"a tier's rate must be a percentage or an amount, "
                        f"not {_a(rtype)}", code="unit-mismatch")
        if tier.to is None and i < n - 1:
            c.error(tpos, f"tier {i + 1} of '{name}' has no upper bound but is not the last",
                    "give it 'to:', or move it to the end", code="tier-bounds")
        if (tier.from_ is not None and lo is None) or (tier.to is not None and hi is None):
            prev_to = None  # a bound not written out: order cannot be checked across it
            continue
        if lo is not None and hi is not None and hi <= lo:
            c.error(c.source.pos(base + ("tiers", i, "to")),
                    f"tier {i + 1} of '{name}' ends at {_fmt(hi)}, not above its start "
                    f"{_fmt(lo)}", "bounds must rise from tier to tier", code="tier-bounds")
        if prev_to is not None:
            start = lo if lo is not None else prev_to
            if hi is not None and hi <= prev_to:
                c.error(c.source.pos(base + ("tiers", i, "to")),
                        f"tiers of '{name}' are not in order: tier {i + 1} ends at "
                        f"{_fmt(hi)}, not above the previous tier's end {_fmt(prev_to)}",
                        "list tiers from the lowest bound to the highest", code="tier-bounds")
            elif lo is not None and start > prev_to:
                c.error(c.source.pos(base + ("tiers", i, "from")),
                        f"gap between tiers of '{name}': nothing covers {_fmt(prev_to)} to "
                        f"{_fmt(lo)}", f"start tier {i + 1} at {_fmt(prev_to)}",
                        code="tier-bounds")
            elif lo is not None and start < prev_to:
                c.error(c.source.pos(base + ("tiers", i, "from")),
                        f"tiers of '{name}' overlap: tier {i + 1} starts at {_fmt(lo)}, "
                        f"below the previous tier's end {_fmt(prev_to)}",
                        f"start tier {i + 1} at {_fmt(prev_to)}", code="tier-bounds")
        if hi is not None:
            prev_to = max(prev_to, hi) if prev_to is not None else hi
    check_tier_boundaries(c, name, rt)
    check_units(c, name, rt, basis_t)
    last = rt.tiers[-1]
    if last.to is not None and (n - 1, "to") not in bad_bounds:
        # above a bounded last tier nothing would be paid, silently (issue 16 item 5)
        bound = str(last.to).strip()
        c.error(c.source.pos(base + ("tiers", n - 1, "to")),
                f"the last tier of '{name}' ends at {bound}, so a basis above {bound} "
                "would pay nothing, and the table does not say that is meant",
                f"to pay the last rate above {bound}, leave out its 'to'; to pay nothing "
                f"above it, say so with a last tier '{{from: {bound}, rate: 0%}}'",
                code="tier-bounds")
    kinds = set(rate_types)
    if len(kinds) > 1:
        c.error(pos, f"the tiers of '{name}' mix percentages and amounts",
                "use percentages (of an amount) or amounts (per unit), not both",
                code="unit-mismatch")
    c.symbols.rates[name] = rate_value_type(c, name) if len(kinds) <= 1 else None
    if c.symbols.rates[name] == T_MONEY and basis_t is not None and basis_t.kind == MONEY:
        c.error(pos, f"the tiers of '{name}' pay an amount per unit, but the basis is money",
                "write the rates as percentages", code="unit-mismatch")


def _fmt(v) -> str:
    return v.text


def rate_value_type(c: Checked, name: str) -> Type | None:
    """What a rate table gives, from the types of all its cells (quietly: pass_rates
    reports what disagrees). Tiers: ratio (percentages) or money (amounts per unit), a
    0 agreeing with either. Lookups: the rows' common type; untyped numbers (500) stay
    untyped constants, so `booked + lookup(bonus, payee.region)` is money."""
    rt = c.plan.rates[name]
    if is_curve(rt):
        return curve_value_type(c, name)
    if rt.tiers is not None:
        kinds = set()
        for i in range(len(rt.tiers)):
            node = c.expr("rates", name, "tiers", i, "rate")
            t = c.type_of(node)
            if t is None or is_zero_literal(node):
                continue
            if t.kind in (MONEY, NUMBER, INTEGER) or (t.const and t.kind != RATIO):
                kinds.add(MONEY)
            elif t.kind == RATIO:
                kinds.add(RATIO)
        if len(kinds) > 1:
            return None
        return Type(kinds.pop()) if kinds else T_RATIO  # all 0: pays nothing
    value_t: Type | None = None
    zero = False
    for i, row in enumerate(rt.rows or ()):
        node = c.expr("rates", name, "rows", i, len(row) - 1)
        t = c.type_of(node)
        if t is None or len(row) != len(rt.keys or ()) + 1:
            continue
        if is_zero_literal(node):
            zero = True  # 0 agrees with any unit
            continue
        try:
            value_t = t if value_t is None else _unify_values(value_t, t)
        except UnitError:
            return None
    return value_t if value_t is not None or not zero else T_CONST_INT


def _unify_values(a: Type, b: Type) -> Type:
    """The common type of two lookup values; a percentage and a plain number (5% and
    500) do not mix: one of them is surely meant otherwise."""
    if {a.kind, b.kind} <= {RATIO, NUMBER, INTEGER} and (
            (a.kind == RATIO and not a.const and b.const) or
            (b.kind == RATIO and not b.const and a.const)):
        raise UnitError("lookup values: percentages and plain numbers do not mix",
                        "write every value as a percentage (5%), or every value as an "
                        "amount (500)")
    return unify(a, b, "lookup values")


PLURAL = {TEXT: "texts", INTEGER: "numbers", NUMBER: "numbers", DATE: "dates",
           BOOLEAN: "true or false", MONEY: "amounts", RATIO: "percentages"}


def _value_word(t: Type) -> str:
    """A value as an admin wrote it: a percentage, an amount, a plain number."""
    if t.const and t.kind in (NUMBER, INTEGER):
        return "a plain number"
    return {RATIO: "a percentage", MONEY: "an amount"}.get(t.kind) or _a(t)


def _values_word(t: Type) -> str:
    if t.const and t.kind in (NUMBER, INTEGER):
        return "plain numbers"
    return PLURAL.get(t.kind, t.kind)


def lookup_key_types(c: Checked, name: str) -> list[Type | None]:
    """The type of each key column, from its cells ("*", the wildcard, fits any)."""
    rt = c.plan.rates[name]
    keys = rt.keys or []
    out: list[Type | None] = [None] * len(keys)
    for i, row in enumerate(rt.rows or ()):
        if len(row) != len(keys) + 1:
            continue
        for j in range(len(keys)):
            node = c.expr("rates", name, "rows", i, j)
            t = c.type_of(node)
            if t is None or (isinstance(node, ast.String) and node.value == "*"):
                continue
            try:
                out[j] = t if out[j] is None else unify(out[j], t, "keys")
            except UnitError:
                pass
    return out


def _check_lookup(c: Checked, name: str, rt) -> None:
    base = ("rates", name)
    width = len(rt.keys) + 1
    value_t: Type | None = None
    key_t: list[Type | None] = [None] * len(rt.keys)
    for i, row in enumerate(rt.rows or ()):
        if len(row) != width:
            c.error(c.source.pos(base + ("rows", i)),
                    f"row {i + 1} of '{name}' has {len(row)} values; expected {width} "
                    f"({', '.join(rt.keys)} and the value)", code="rate-table")
            continue
        _wildcards_last(c, name, rt, i)
        for j, key in enumerate(rt.keys):
            node = c.expr(*base, "rows", i, j)
            t = c.type_of(node)
            if t is None or (isinstance(node, ast.String) and node.value == "*"):
                continue
            try:
                key_t[j] = t if key_t[j] is None else unify(key_t[j], t, "keys")
            except UnitError:
                c.error(node.pos, f"row {i + 1} of '{name}' has {_a(t)} for '{key}', but "
                        f"the rows above have {_a(key_t[j])}",
                        "write every row's key in one kind: texts (hw), numbers or dates",
                        code="unit-mismatch")
        node = c.expr(*base, "rows", i, width - 1)
        t = c.type_of(node)
        if t is not None and not is_zero_literal(node):
            try:
                value_t = t if value_t is None else _unify_values(value_t, t)
            except UnitError as e:
                c.error(node.pos, str(e), e.hint, code="unit-mismatch")
    if not rt.rows:
        c.error(c.source.key_pos(base), f"lookup table '{name}' has no rows", code="rate-table")
    dnode = c.expr(*base, "default")
    dt_ = c.type_of(dnode)
    if dt_ is not None and value_t is not None and not is_zero_literal(dnode):
        try:
            _unify_values(value_t, dt_)
        except UnitError as e:
            c.error(dnode.pos, f"the default of '{name}' is {_value_word(dt_)}, but its "
                    f"rows are {_values_word(value_t)}",
                    e.hint or "write the default in the rows' unit", code="unit-mismatch")
    c.symbols.rates[name] = rate_value_type(c, name)


def _is_wildcard(node: ast.Node | None) -> bool:
    return isinstance(node, ast.String) and node.value == "*"


def _wildcards_last(c: Checked, name: str, rt, i: int) -> None:
    """`*` may stand only for a row's last keys: a lookup tries the exact keys, then
    the last key as `*`, then the last two, and so on, so a row with `*` before a
    written key (`[*, new, 5%]`) would never match (issue 16 item 11)."""
    cells = [c.expr("rates", name, "rows", i, j) for j in range(len(rt.keys))]
    first = next((j for j, node in enumerate(cells) if _is_wildcard(node)), None)
    if first is None:
        return
    later = next((j for j in range(first + 1, len(cells))
                  if cells[j] is not None and not _is_wildcard(cells[j])), None)
    if later is None:
        return
    c.error(cells[first].pos, f"row {i + 1} of '{name}' has \"*\" for '{rt.keys[first]}' "
            f"before a value for '{rt.keys[later]}': it would never match",
            "\"*\" stands only for the last keys of a row; list the keys that may be "
            f"anything last in 'keys:', or write a row for each {rt.keys[first]}",
            code="rate-table")
