"""Pools in SQL (issue 20 item 4, issue 12): one amount shared among the members of a
group of payees who qualify, as engine/groups.py (Context.pool_lines, share_out) does.

Three statements per pool earning E, on the payee layer:

    pool_E_payees  each payee's group (the payees column `by`; blank is none), and, from
                   their own figures, whether they share (`members`) and by how much
                   (`share`); with the pool's value and its formula text at that payee
    pool_E_groups  each group: the pool (the value at its first member in id order,
                   where the Python engine works it out, rounded once to the plan's step
                   and mode), the sharers' ids, their shares and how many members
    lines_E        a line per sharer: pool x share / shares (16 places, the arithmetic
                   rule), rounded down to the step, and one step more for the largest
                   remainders (ties: payee id) until the parts add up to the pool

What is not paid is said as the Python engine says it (a payee with no group, a pool
that is missing, a group where nobody shares): `pc.extra_warnings`.
"""
from __future__ import annotations

from decimal import Decimal

from . import dialect
from . import decimals as dec, rounding, show
from .decimals import Num
from .exprs import Unsupported, text_literal


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pool_earning(pc, name: str, index: int) -> str:
    """The lines table of pool earning `name` (index: its place among the steps), and
    its total per payee as a layer column (pc.with_total)."""
    spec = pc.plan.earnings[name]
    step = next(e for e in pc.cp.earnings if e.name == name)
    by = spec.pool.by
    value_node = pc.c.expr("earnings", name, "value")
    members_node = pc.c.expr("earnings", name, "pool", "members")
    share_node = pc.c.expr("earnings", name, "pool", "share")
    share_t = pc.c.types.get(share_node) if share_node is not None else None
    pc.team_columns(value_node, members_node, share_node)
    ex = pc.payee_exprs("l")
    p_col = f"CAST(l.{_q('p_' + by)} AS VARCHAR)"
    key = f"CASE WHEN trim({p_col}) = '' THEN NULL ELSE {p_col} END" \
        if "payees" in pc.columns and by in pc.columns["payees"] else "CAST(NULL AS VARCHAR)"
    with dec.statement() as lets:
        v = ex.sql(value_node)
        if v.scale is None:
            raise Unsupported(value_node.pos, "a pool that is not an amount")
        text = pc.shower(ex, "l").text(value_node)
        ok = ex.sql(members_node).sql if members_node is not None else "TRUE"
        w = ex.sql(share_node) if share_node is not None else dec.literal(1)
        pool_v = rounding.round_to(v, pc.step, pc.mode)
    payees_t = f"pool_{name}_payees"
    pc.script.add(
        f"pool {name}: {step.pos} (each payee's group, share and the pool at that payee)",
        f"CREATE TEMP TABLE {_q(payees_t)} AS SELECT *{lets.exclude()} FROM (SELECT l._pid, "
        f"{lets.select()}{key} AS _gk, {pool_v.sql} AS _pv, {text} AS _pt, "
        f"(({ok}) IS TRUE AND {w.sql} IS NOT NULL AND {w.sql} > 0) AS _sh, "
        f"(({ok}) IS TRUE) AS _mb, "
        f"CAST({w.sql} AS DECIMAL(38,{w.scale or 0})) AS _w FROM {_q(pc.layer)} l"
        f"{lets.lateral()})")
    ws = w.scale or 0
    groups_t = f"pool_{name}_groups"
    pc.script.add(
        f"pool {name}: each group's pool (at its first member), sharers and shares",
        f"CREATE TEMP TABLE {_q(groups_t)} AS SELECT g._gk, f._pv AS pool, f._pt AS pool_text, "
        f"g.members, g.sharers, g.sharing, g.shares FROM (SELECT _gk, min(_pid) AS first, "
        f"count(*) AS members, count(*) FILTER (WHERE _sh) AS sharers, string_agg(_pid, ', ' "
        f"ORDER BY _pid) FILTER (WHERE _sh) AS sharing, CAST(coalesce(sum(_w) FILTER "
        f"(WHERE _sh), 0) AS DECIMAL(38,{ws})) AS shares FROM {_q(payees_t)} WHERE _gk IS "
        f"NOT NULL GROUP BY _gk) g JOIN {_q(payees_t)} f ON f._pid = g.first")
    lines = f"lines_{name}"
    pc.rounding_notes.add(lines)
    pc.script.add(f"pool {name}: {step.pos} (a part per sharer, by largest remainder)",
                  f"CREATE TEMP TABLE {_q(lines)} AS " + _lines_sql(
                      pc, name, index, str(step.pos), by, payees_t, groups_t, pool_v.scale, ws,
                      str(spec.pool.share) if spec.pool.share is not None else "1", share_t))
    _warnings(pc, name, by, payees_t, groups_t, index)
    scale = pool_v.scale
    total = (f"(SELECT payee AS _pid, sum(amount) AS v FROM {_q(lines)} WHERE _when "
             "GROUP BY payee)")
    pc.with_total(name, Num(f"coalesce(CAST(t.v AS DECIMAL(38,{scale})), "
                             f"CAST(0 AS DECIMAL(38,{scale})))", scale),
                   total, step, index, scale)
    return lines


def _lines_sql(pc, name, index, rule, by, payees_t, groups_t, pool_scale, ws, share_text,
               share_t) -> str:
    step = Decimal(pc.step)
    places = rounding.places(step)
    size = Num("abs(g.pool)", pool_scale)
    with dec.inline():
        x = dec.div(dec.mul(size, Num("p._w", ws)), Num("g.shares", ws))
        down = rounding.round_to(Num("x", x.scale), step, "down")
    big = dialect.current().hugeint
    units = f"CAST('{10 ** places}' AS {big})"
    step_units = f"CAST('{int(step.scaleb(places))}' AS {big})"
    st = dec.literal(step).sql
    # parts: the exact share and its part rounded down, then the steps left over
    left = dialect.current().intdiv(f"CAST((abs(pool) - sum(down) OVER (PARTITION BY _gk)) * "
                                    f"{units} AS {big})", step_units)
    parts = (f"SELECT *, {left} AS _left, row_number() OVER (PARTITION BY _gk ORDER "
             f"BY x - down DESC, payee) AS _rank FROM (SELECT *, {down.sql} AS down FROM ("
             f"SELECT p._pid AS payee, p._gk, p._w, g.pool, g.pool_text, g.members, g.sharers, "
             f"g.sharing, g.shares, {x.sql} AS x FROM {_q(payees_t)} p JOIN {_q(groups_t)} g "
             f"ON g._gk = p._gk WHERE p._sh AND g.pool IS NOT NULL))")
    signed = "(CASE WHEN pool < 0 THEN -1 ELSE 1 END)"
    amount = (f"CAST({signed} * (down + CASE WHEN _rank <= _left THEN {st} ELSE 0 END) AS "
              f"DECIMAL(38,{places}))")
    exact = f"CAST({signed} * x AS DECIMAL(38,{x.scale}))"
    with dec.inline():
        exact_down = rounding.round_to(Num("exact", x.scale), step, "down")
    shown_exact = (f"CASE WHEN exact = {exact_down.sql} THEN {show.money('exact')} "
                   f"ELSE {grouped('exact')} END")
    share = show.value(Num("_w", ws), share_t)
    shares = show.value(Num("shares", ws), share_t)
    formula = (f"{text_literal('pool of ' + by + ' ')} || _gk || ': ' || pool_text || ' = ' || "
               f"{show.money('pool')} || '; ' || {show.money('pool')} || "
               f"{text_literal(' x ' + share_text + ' ')} || {share} || ' / ' || {shares} || "
               f"' (shared by ' || sharing || ': ' || sharers || ' of ' || members || "
               f"' members) = ' || {shown_exact} || CASE WHEN exact <> amount THEN ' -> ' || "
               f"{show.money('(CASE WHEN _extra THEN amount - ' + st + ' ELSE amount END)')}"
               f" || {text_literal(f' (down to {step})')} || CASE WHEN _extra THEN "
               f"{text_literal(f' + {step} (largest remainder)')} ELSE '' END || ' = ' || "
               f"{show.money('amount')} ELSE '' END")
    # the words of groups.py's Line.rounding (the pool, rounded to the step, unchanged)
    note = (f"CASE WHEN exact <> amount THEN {show.trimmed('CAST(exact AS VARCHAR)')} || ' -> ' "
            f"|| CAST(amount AS VARCHAR) || {text_literal(f' (pool shared by largest remainder: down to {step}')}"
            f" || CASE WHEN _extra THEN {text_literal(f', +{step}')} ELSE '' END || ')' END")
    # as every number in the inputs column: without trailing zeros (25000.10 -> 25000.1)
    pool_text = "CAST(pool AS VARCHAR)"
    pool_text = f"(CASE WHEN strpos({pool_text}, '.') > 0 THEN " \
        f"{show.places_trimmed(pool_text)} ELSE {pool_text} END)"
    inputs = show.inputs([("pool", pool_text),
                          (by, "_gk"), ("share", show.plain(Num("_w", ws), None)),
                          ("shares", show.plain(Num("shares", ws), None)),
                          ("sharing", "sharing")])
    from .plan import tiers_type
    return (f"SELECT payee, component, kind, amount, exact, rule, source, date, _key, via, "
            f"tiers, {formula} AS formula, {inputs} AS inputs, {note} AS rounding_note, "
            f"run_before, run_after, "
            f"split_source, _srow, _level, credit_note, _e, _k, _when FROM (SELECT *, "
            f"{text_literal(name)} AS component, 'bonus' AS kind, {amount} AS amount, {exact} "
            f"AS exact, _rank <= _left AS _extra, {text_literal(rule)} AS rule, CAST(NULL AS "
            f"VARCHAR) AS source, CAST(NULL AS DATE) AS date, CAST(NULL AS VARCHAR) AS _key, "
            f"CAST(NULL AS VARCHAR) AS via, CAST(NULL AS {tiers_type()}) AS tiers, NULL AS "
            f"run_before, NULL AS run_after, CAST(NULL AS VARCHAR) AS split_source, CAST(NULL "
            f"AS BIGINT) AS _srow, 0 AS _level, CAST(NULL AS VARCHAR) AS credit_note, {index} "
            f"AS _e, 0 AS _k, TRUE AS _when FROM ({parts}))")


def grouped(x: str) -> str:
    """groups._grouped: an exact share thousands separated, with its own places up to 6
    (8,333.366667), as format(Decimal, ',f') writes it."""
    text = show.trimmed(f"CAST(abs({x}) AS VARCHAR)")
    six = f"CAST(abs(CAST({x} AS DECIMAL(38,6))) AS VARCHAR)"
    frac = (f"(CASE WHEN length(split_part({text}, '.', 2)) > 6 THEN split_part({six}, '.', 2) "
            f"ELSE split_part({text}, '.', 2) END)")
    whole = (f"(CASE WHEN length(split_part({text}, '.', 2)) > 6 THEN "
             f"trunc(abs(CAST({x} AS DECIMAL(38,6)))) ELSE trunc(abs({x})) END)")
    return (f"((CASE WHEN {x} < 0 THEN '-' ELSE '' END) || {dialect.current().grouped(whole)}"
            f" || CASE WHEN {frac} = '' THEN '' ELSE '.' || {frac} END)")


def _warnings(pc, name: str, by: str, payees_t: str, groups_t: str, index: int) -> None:
    """What the Python engine warns of a pool (Context.pool_lines, _allocate): a payee
    with no group only where the pool's `members` would take them."""
    no_group = text_literal(f"{name}: payee ")
    pc.extra_warnings.append(
        f"SELECT _pid, {no_group} || _pid || {text_literal(f' has no {by}; no share of a pool')}"
        f", {index}, NULL::DATE, NULL::VARCHAR FROM {_q(payees_t)} WHERE _gk IS NULL AND _mb")
    pc.extra_warnings.append(
        f"SELECT p._pid, CASE WHEN g.pool IS NULL THEN "
        f"{text_literal(f'{name}: the pool of {by} ')} || g._gk || '"
        f" is missing; nobody is paid' ELSE {text_literal(f'{name}: nobody in {by} ')} || "
        f"g._gk || ' shares the pool of ' || {show.money('g.pool')} || "
        f"'; it is not paid' END, {index}, NULL::DATE, NULL::VARCHAR FROM {_q(payees_t)} p "
        f"JOIN {_q(groups_t)} g ON g._gk = p._gk WHERE g.pool IS NULL OR g.sharers = 0")
