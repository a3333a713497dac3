"""Currencies on the SQL engine: transactions in their own currency, payees paid in theirs
(the Python engine: engine/fx.py for which rate, prepare._convert_currencies for the
rows, pay._pay_in for the lines).

Which rate applies is worked out once, in Python, by engine/fx.py itself (the rates
input is small: a row per currency and span): `create_rates` reads the rates input
back from DuckDB and writes two tables the script joins,

    fx_period   currency -> the period's rate (the most specific row holding the whole
                period; on daily rates, their average), and its text
    fx_day      (currency, day) -> the rate of that day (`fx.at: date`) for every day a
                transaction in another currency has, and where it came from

so the engines cannot disagree on the choice. The rest is SQL over whole tables:

- `convert`: each transaction input with a `currency:` column is replaced by its rows
  with every money column multiplied by the rate (decimals.mul: the arithmetic rule),
  and `_fx`, the note a line on the row shows ('amount EUR 1,000.45 x 1.1 = USD
  1,100.50'); credits carry it into the lines' note (plan.py, compile_credits).
- `pay_in`: the lines of a payee paid in another currency, each line's exact value
  divided by the period's rate and rounded once, in the currency paid, with the plan's
  mode; a cap or floor line makes what it limits come to the limit converted, so the
  lines still add up to the payee's total (pay._pay_in, as window sums: a limit line's
  'before' is the lines before it, or the limit line just before it).
"""
from __future__ import annotations

from decimal import Decimal

from ..data import ROW, Table
from ..fx import Rates
from ..ir import CompiledPlan
from ..money import MINOR_UNITS
from ..periods import Period
from . import decimals as dec, rounding
from . import show
from .decimals import Num
from .exprs import text_literal
from .hierarchy import insert_rows

RATES = " fx rates"  # the columns entry with the rates' scale (never an input's name)
ASSUMED_RATE_PLACES = 6  # `compplan sql` without data


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def converted_inputs(compiled: CompiledPlan) -> list[str]:
    """The transaction inputs whose money is converted (prepare._convert_currencies:
    an input with `currency:`; one-row-per-payee inputs are read before conversion)."""
    plan = compiled.plan
    if plan.fx is None:
        return []
    return [name for name, inp in plan.inputs.items()
            if inp.currency and inp.key and name != "payees"]


def checked_inputs(compiled: CompiledPlan) -> list[str]:
    """The inputs whose rows prepare converts, and so checks for a rate: every input with
    `currency:` but payees (a one-row-per-payee input's rows were read before)."""
    plan = compiled.plan
    if plan.fx is None:
        return []
    return [name for name, inp in plan.inputs.items() if inp.currency and name != "payees"]


def pays_in_currencies(compiled: CompiledPlan) -> bool:
    """Whether payees may be paid in a currency of their own (payees' `currency:`)."""
    pinp = compiled.plan.inputs.get("payees")
    return pinp is not None and bool(pinp.currency)


def _cur(sql: str, plan_currency: str) -> str:
    """A row's currency as prepare reads it: upper case, empty is the plan's."""
    return f"upper(coalesce(nullif(CAST({sql} AS VARCHAR), ''), {text_literal(plan_currency)}))"


def _exists(con, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                       [table]).fetchone()[0] > 0


# ---------------------------------------------------------------- the runner's part
def rates_table(compiled: CompiledPlan, source) -> Table | None:
    """The rates input as the Python reader reads it: from the run's tables (a dict), or
    from the data folder (a path; the file is small). A rate's text on a line is its
    cell's ('1.1', not DuckDB's '1.10000' at the column's scale)."""
    plan = compiled.plan
    if plan.fx is None:
        return None
    name = plan.fx.from_
    if isinstance(source, dict):
        return source.get(name)
    from ..data import find_file, load_table, read_records
    inp = plan.inputs[name]
    try:
        path = find_file(source, name, inp)
        if path is None:
            return None
        header, records = read_records(path, inp.encoding, f"inputs.{name}")
        found: list = []
        table = load_table(name, inp, header, records, str(path), found) if header else None
        return None if found else table
    except Exception:  # the folder's reader (direct.py) has read it; DuckDB's rows serve
        return None


def create_rates(con, compiled: CompiledPlan, period: Period, columns: dict,
                 table: Table | None = None) -> dict:
    """fx_period, fx_day and fx_bad (the rates input's own problems, counted) from the
    rates input (`table`, else as loaded in DuckDB); -> columns with RATES (the rates'
    scale) added."""
    plan = compiled.plan
    if plan.fx is None and not pays_in_currencies(compiled):
        return columns
    rates, problems = None, []
    src = plan.fx.from_ if plan.fx is not None else None
    if src is not None and _exists(con, "in_" + src):
        if table is None:
            cur = con.execute(f"SELECT * FROM {q('in_' + src)} ORDER BY {ROW}")
            names = [d[0] for d in cur.description]
            table = Table(src, src, [dict(zip(names, r)) for r in cur.fetchall()])
        fx_inp = plan.inputs[src]
        rates = Rates(table, plan.fx.currency, plan.fx.rate, fx_inp.period, fx_inp.date,
                      problems)
    by_period = []
    if rates is not None:
        for c in rates.by_currency:
            r = rates.for_period(c, period)
            if r is not None:
                by_period.append((c, r.value, str(r.value), ""))  # (shown: fx.at date's)
    by_day = []
    if rates is not None and plan.fx.at == "date":
        days = set()
        for name in checked_inputs(compiled):
            inp = plan.inputs[name]
            if not inp.date or not _exists(con, "in_" + name):
                continue
            days |= set(con.execute(
                f"SELECT DISTINCT {_cur(q(inp.currency), plan.currency)}, {q(inp.date)} FROM "
                f"{q('in_' + name)} WHERE {q(inp.date)} IS NOT NULL").fetchall())
        for c, day in sorted(days):
            r = rates.on(c, day) if c != plan.currency else None
            if r is not None:
                by_day.append((c, day, r.value, str(r.value),
                               f" ({r.source})" if r.source else ""))
    places = max([0] + [max(0, -v.as_tuple().exponent)
                        for v in [x[1] for x in by_period] + [x[2] for x in by_day]])
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_period (currency VARCHAR, rate "
                f"DECIMAL(38,{places}), rate_text VARCHAR, shown VARCHAR, exponent INTEGER)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_day (currency VARCHAR, day DATE, rate "
                f"DECIMAL(38,{places}), rate_text VARCHAR, shown VARCHAR, exponent INTEGER)")
    # (rates as exact text: DuckDB casts it to the column's DECIMAL)
    insert_rows(con, "fx_period", [(c, format(v, "f"), t, s, v.as_tuple().exponent)
                                   for c, v, t, s in by_period])
    insert_rows(con, "fx_day", [(c, d, format(v, "f"), t, s, v.as_tuple().exponent)
                                for c, d, v, t, s in by_day])
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_bad AS SELECT {len(problems)} AS n, "
                f"{rates is not None} AS loaded")
    out = dict(columns)
    out[RATES] = {"rate": _Scale(places)}
    return out


class _Scale:
    """A column entry with a scale only (plan.Column's shape, without importing plan)."""

    def __init__(self, scale: int):
        self.name, self.scale = "rate", scale


def suspicious(con, compiled: CompiledPlan) -> bool:
    """Whether prepare would find a currency problem: a bad or doubled rate row, a row in
    a currency with no rate (or, `fx.at: date`, no date), a payee paid in a currency
    with no rate for the period. The Python preparation then names them."""
    plan = compiled.plan
    if not _exists(con, "fx_bad"):
        return False
    bad, loaded = con.execute("SELECT n, loaded FROM fx_bad").fetchone()
    if bad:
        return True
    home = text_literal(plan.currency)
    if loaded:
        for name in checked_inputs(compiled):
            inp = plan.inputs[name]
            if not _exists(con, "in_" + name):
                continue
            cur = _cur(f"t.{q(inp.currency)}", plan.currency)
            if plan.fx.at == "date":
                day = f"t.{q(inp.date)}" if inp.date else "NULL"
                miss = (f"{day} IS NULL OR NOT EXISTS (SELECT 1 FROM fx_day r WHERE "
                        f"r.currency = {cur} AND r.day = {day})")
            else:
                miss = f"{cur} NOT IN (SELECT currency FROM fx_period)"
            n = con.execute(f"SELECT count(*) FROM {q('in_' + name)} t WHERE {cur} <> {home} "
                            f"AND ({miss})").fetchone()[0]
            if n:
                return True
    pinp = plan.inputs.get("payees")
    if pays_in_currencies(compiled) and _exists(con, "in_payees"):
        cur = _cur(q(pinp.currency), plan.currency)
        n = con.execute(f"SELECT count(*) FROM in_payees WHERE {cur} <> {home} AND {cur} NOT "
                        "IN (SELECT currency FROM fx_period)").fetchone()[0]
        if n:
            return True
    return False


# ---------------------------------------------------------------- the script's part
def convert(pc) -> None:
    """Statements that convert each transaction input's money to the plan currency
    (prepare._convert_currencies); pc.columns gets the new scales and `_fx`."""
    plan = pc.plan
    names = [n for n in converted_inputs(pc.cp) if n in pc.columns]
    if not names:
        return
    pc.columns = dict(pc.columns)
    rate_scale = pc.columns.get(RATES, {}).get("rate")
    rate_scale = rate_scale.scale if rate_scale is not None else ASSUMED_RATE_PLACES
    by_date = plan.fx.at == "date"
    for name in names:
        inp = plan.inputs[name]
        cols = dict(pc.columns[name])
        cur = "t._fx_cur"
        money = [c for c, t in inp.columns.items() if t == "money" and c in cols]
        replace, notes = [], []
        rate = Num("r.rate", rate_scale)
        for col in money:
            v = Num(f"t.{q(col)}", cols[col].scale or 0)
            with dec.inline():
                product = dec.mul(v, rate)
            scale = max(v.scale, product.scale)
            replace.append(f"CASE WHEN r.rate IS NULL THEN CAST({v.sql} AS DECIMAL(38,"
                           f"{scale})) ELSE CAST({product.sql} AS DECIMAL(38,{scale})) END "
                           f"AS {q(col)}")
            notes.append(f"CASE WHEN {v.sql} IS NOT NULL THEN {text_literal(col + ' ')} || "
                         f"{cur} || ' ' || {show.money(v.sql)} || ' x ' || r.rate_text || "
                         f"r.shown || ' = ' || {text_literal(plan.currency + ' ')} || "
                         f"{show.money(product.sql)} END")
            cols[col] = type(cols[col])(cols[col].name, scale)
        note = f"concat_ws('; ', {', '.join(notes)})" if notes else "''"
        if by_date:
            join = (f"LEFT JOIN fx_day r ON r.currency = {cur} AND r.day = "
                    f"t.{q(inp.date)} AND {cur} <> {text_literal(plan.currency)}")
        else:
            join = (f"LEFT JOIN fx_period r ON r.currency = {cur} AND {cur} <> "
                    f"{text_literal(plan.currency)}")
        sel = f"t.* EXCLUDE (_fx_cur) REPLACE ({', '.join(replace)})" if replace else \
            "t.* EXCLUDE (_fx_cur)"
        pc.script.add(
            f"{name} in {plan.currency}: each row in another currency at its rate "
            f"({'the rate of its date' if by_date else 'the period' + chr(39) + 's rate'}; "
            "fx_period, fx_day: engine/fx.py's choice)",
            f"CREATE OR REPLACE TEMP TABLE {q('in_' + name)} AS SELECT {sel}, CASE WHEN "
            f"r.rate IS NULL THEN NULL ELSE nullif({note}, '') END AS _fx, CASE WHEN r.rate "
            f"IS NULL THEN {rate_scale} ELSE {rate_scale} + r.exponent END AS _fx_less "
            f"FROM (SELECT *, "
            f"{_cur(q(inp.currency), plan.currency)} AS _fx_cur FROM {q('in_' + name)}) t "
            f"{join}")
        cols["_fx"] = type(next(iter(cols.values())))("_fx", None)
        # the places the row's money has beyond Python's (its rate's are fewer than the
        # column's): a line's exact value is shown at its own places (pay_in)
        cols["_fx_less"] = type(next(iter(cols.values())))("_fx_less", 0)
        pc.columns[name] = cols


def credit_note(pc, src: str, base: str) -> str:
    """A credit's note with the conversion first (pay._line_notes: via, fx, split)."""
    if "_fx" not in pc.columns.get(src, {}):
        return base
    return (f"SELECT * REPLACE (nullif(concat_ws('; ', _fx, _credit_note), '') AS "
            f"_credit_note) FROM ({base})")


AMOUNT_PLACES = 3  # the most places a currency has (MINOR_UNITS)


def _places_case(cur: str) -> str:
    """money.minor_unit's places of a currency, as SQL."""
    by = {}
    for c, p in MINOR_UNITS.items():
        by.setdefault(p, []).append(c)
    whens = " ".join(f"WHEN {cur} IN ({', '.join(text_literal(c) for c in cs)}) THEN {p}"
                     for p, cs in sorted(by.items()) if p != 2)
    return f"(CASE {whens} ELSE 2 END)"


def _rounded(x: Num, places: str, mode: str) -> str:
    """x rounded to the currency's unit (places 0, 2 or 3) with the plan's mode."""
    arms = []
    for p in sorted(set(MINOR_UNITS.values()) | {2}):
        r = rounding.round_to(x, Decimal(1).scaleb(-p), mode)
        arms.append(f"WHEN {p} THEN CAST({r.sql} AS DECIMAL(38,{AMOUNT_PLACES}))")
    return f"(CASE {places} {' '.join(arms)} END)"


def _money_at(x: str, places: str) -> str:
    """fmt_money(x, places) for places 0, 2 or 3."""
    arms = " ".join(f"WHEN {p} THEN {show.money(x, p)}"
                    for p in sorted(set(MINOR_UNITS.values()) | {2}))
    return f"(CASE {places} {arms} END)"


def _step_text(places: str) -> str:
    return f"(CASE {places} WHEN 0 THEN '1' ELSE '0.' || repeat('0', {places} - 1) || '1' END)"


def _quotient(x: str, ideal: str, exact: bool = False) -> str:
    """fmt_number of a quotient as Decimal gives it: a whole number thousands separated;
    else, divided exactly, at the ideal places (the dividend's less the divisor's) or
    the places it needs, whichever are more; 6 places at most (an inexact quotient has
    16). `exact`: a line's exact value, at its own places (`ideal`)."""
    needed = "0" if exact else \
        f"length(split_part({show.trimmed(f'CAST({x} AS VARCHAR)')}, '.', 2))"
    arms = " ".join(f"WHEN {p} THEN CAST(CAST({x} AS DECIMAL(38,{p})) AS VARCHAR)"
                    for p in range(1, 6))
    whole = show.number(Num(f"trunc({x})", 0))
    # whole: no places left once trimmed (DuckDB ran `x = trunc(x)` around the nested
    # CASE six times slower: 4.5 against 0.7 CPU-s on 425,744 lines)
    integral = f"{x} = trunc({x})" if exact else f"{needed} = 0"
    return (f"(CASE WHEN {integral} THEN {whole} ELSE (CASE greatest({ideal}, "
            f"{needed}) {arms} ELSE CAST(CAST({x} AS DECIMAL(38,6)) AS VARCHAR) END) END)")


def _str_quotient(x: str, ideal: str, rate: str, dividend: str) -> str:
    """str() of a quotient as Decimal gives it: divided exactly (x times the rate is the
    dividend), at the ideal places or the places it needs, whichever are more; else
    rounded at 16 places, all of them shown (5.7187401574803150)."""
    needed = f"length(split_part({show.trimmed(f'CAST({x} AS VARCHAR)')}, '.', 2))"
    arms = " ".join(f"WHEN {p} THEN CAST(CAST({x} AS DECIMAL(38,{p})) AS VARCHAR)"
                    for p in range(0, dec.DIV_SCALE))
    return (f"(CASE WHEN {x} * {rate} = {dividend} THEN (CASE greatest({ideal}, {needed}) "
            f"{arms} ELSE CAST({x} AS VARCHAR) END) ELSE CAST({x} AS VARCHAR) END)")


def amount_text(amount: str, places: str) -> str:
    """A line's amount as Python writes it (str of a value rounded to its unit)."""
    arms = " ".join(f"WHEN {p} THEN CAST(CAST({amount} AS DECIMAL(38,{p})) AS VARCHAR)"
                    for p in sorted(set(MINOR_UNITS.values()) | {2}))
    return f"(CASE {places} {arms} ELSE CAST({amount} AS VARCHAR) END)"


def pay_in(pc, plan_places: int) -> None:
    """The lines of payees paid in another currency, converted and rounded once in it
    (pay._pay_in). `lines` keeps its columns, amount at AMOUNT_PLACES or the plan's
    places, and gains amount_places (the unit the amount is rounded to) and fx_rounding
    (the rounding text of a converted line; '' for a limit line; NULL: as before)."""
    if not pays_in_currencies(pc.cp) or "payees" not in pc.columns:
        return
    plan = pc.plan
    pinp = plan.inputs["payees"]
    home = text_literal(plan.currency)
    mode = plan.rounding.mode
    wide = max(plan_places, AMOUNT_PLACES)
    cur = _cur(q("p_" + pinp.currency), plan.currency)
    pc.script.add(
        "payee_fx: each payee paid in another currency, at the period's rate",
        f"CREATE TEMP TABLE payee_fx AS SELECT c._pid, c.cur AS currency, r.rate, "
        f"r.rate_text, r.exponent, {_places_case('c.cur')} AS places FROM (SELECT _pid, {cur} AS cur "
        f"FROM payees) c JOIN fx_period r ON r.currency = c.cur WHERE c.cur <> {home}")
    rate = pc.columns.get(RATES, {}).get("rate")
    rs = rate.scale if rate is not None else ASSUMED_RATE_PLACES
    r = Num("f.rate", rs)
    with dec.inline():
        x = dec.div(Num("l.exact", dec.DIV_SCALE), r)
        lx = dec.div(Num("(CASE WHEN starts_with(l.component, 'total_') THEN _aa ELSE _ac "
                         "END)", dec.DIV_SCALE), r)
        p = _rounded(Num("_x", x.scale), "_places", mode)
        lp = _rounded(Num("_lx", lx.scale), "_places", mode)
    # each converted row's places beyond Python's, found by the line's source
    less, less_join = [], ""
    for i, name in enumerate(n for n in converted_inputs(pc.cp) if n in pc.columns):
        key = q(plan.inputs[name].key)
        less_join += (f" LEFT JOIN (SELECT {text_literal(name + ':')} || CAST({key} AS "
                      f"VARCHAR) AS _src, _fx_less FROM {q('in_' + name)}) s{i} ON s{i}._src "
                      "= l.source")
        less.append(f"s{i}._fx_less")
    less_sql = f"coalesce({', '.join(less)}, 0)" if less else "0"
    pc.script.add(
        "lines paid in another currency, 1: each line's value in it, and each limit's",
        f"CREATE TEMP TABLE lines_fx1 AS SELECT *, {p} AS _p, {lp} AS _lp FROM (SELECT l.*, "
        f"f.currency AS _cur, f.rate_text AS _rate_text, f.places AS _places, "
        f"f.exponent AS _rate_exp, f.rate AS _rate, {less_sql} AS _less, "
        f"l.kind IN ('cap', 'floor') AS _lim, {x.sql} AS _x, CASE WHEN l.kind IN ('cap', "
        f"'floor') THEN {lx.sql} END AS _lx FROM (SELECT *, "
        "sum(amount) OVER (PARTITION BY payee, component ORDER BY line) AS _ac, sum(amount) "
        "OVER (PARTITION BY payee ORDER BY line) AS _aa FROM lines WHERE payee IN (SELECT _pid "
        f"FROM payee_fx)) l JOIN payee_fx f ON f._pid = l.payee{less_join})")
    # a component's limit: before it, the component's lines, or the limit just before it
    prev = "OVER (PARTITION BY payee, component ORDER BY line)"
    before_c = (f"CASE WHEN lag(_lim) {prev} THEN lag(_lp) {prev} ELSE coalesce(sum(CASE "
                f"WHEN _lim THEN NULL ELSE _p END) OVER (PARTITION BY payee, component ORDER "
                f"BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) END")
    pc.script.add(
        "lines paid in another currency, 2: a component's cap or floor",
        f"CREATE TEMP TABLE lines_fx2 AS SELECT *, CASE WHEN NOT _lim THEN _p WHEN NOT "
        f"starts_with(component, 'total_') THEN _lp - _before END AS _paid FROM (SELECT *, "
        f"CASE WHEN _lim THEN {before_c} END AS _before FROM lines_fx1 WHERE _cur IS NOT "
        "NULL)")
    every = "OVER (PARTITION BY payee ORDER BY line)"
    before_t = (f"CASE WHEN lag(_lim AND starts_with(component, 'total_')) {every} THEN "
                f"lag(_lp) {every} ELSE coalesce(sum(_paid) OVER (PARTITION BY payee ORDER BY "
                "line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) END")
    pc.script.add(
        "lines paid in another currency, 3: the total's cap or floor",
        "CREATE TEMP TABLE lines_fx3 AS SELECT * REPLACE (CASE WHEN _paid IS NULL THEN _lp - "
        "_before ELSE _paid END AS _paid) FROM (SELECT * REPLACE (CASE WHEN _lim AND "
        f"starts_with(component, 'total_') THEN {before_t} ELSE _before END AS _before) "
        "FROM lines_fx2)")
    mode_text = mode.replace("_", " ")
    # fmt_number shows a value at its own places: a line's exact value at its earning's
    # scale (plan.py exact_scales), a quotient at Decimal's ideal places or more
    scales = getattr(pc, "exact_scales", {})
    ideal = " ".join(f"WHEN {text_literal(c)} THEN {k}" for c, k in scales.items())
    ideal = f"(CASE component {ideal} ELSE {dec.DIV_SCALE} END - _less)" if ideal else \
        str(dec.DIV_SCALE)
    exact_text = _quotient("exact", ideal, exact=True)
    how_line = (f"'paid in ' || _cur || ': ' || {home} || ' ' || {exact_text} || ' / ' || "
                f"_rate_text || ' = ' || {_quotient('_x', f'{ideal} + _rate_exp')} || ' -> ' "
                f"|| _cur || ' ' || {_money_at('_p', '_places')}")
    limit = "(CASE WHEN starts_with(component, 'total_') THEN _aa ELSE _ac END)"
    how_limit = (f"'paid in ' || _cur || ': limit ' || {home} || ' ' || {show.money(limit)} "
                 f"|| ' / ' || _rate_text || ' = ' || "
                 f"{_quotient('_lx', f'{plan_places} + _rate_exp')} || "
                 f"' -> ' || _cur || ' ' || {_money_at('_lp', '_places')} || ', less ' || "
                 f"{_money_at('_before', '_places')} || ' before it'")
    x_text = _str_quotient("_x", f"{ideal} + _rate_exp", "_rate", "exact")
    fx_rounding = (f"CASE WHEN _lim THEN '' WHEN _p <> _x THEN {x_text} || ' -> ' || "
                   f"{amount_text('_p', '_places')} || ' ({mode_text} to ' || "
                   f"{_step_text('_places')} || ')' ELSE '' END")
    keep = "_cur, _rate_text, _rate_exp, _rate, _less, _places, _lim, _x, _lx, _ac, _aa, _p, _lp, _before, _paid"
    pc.script.add(
        "lines: with those paid in another currency converted (pay._pay_in)",
        f"CREATE OR REPLACE TEMP TABLE lines AS SELECT l.* REPLACE (CAST(l.amount AS "
        f"DECIMAL(38,{wide})) AS amount), {plan_places} AS amount_places, CAST(NULL AS "
        f"VARCHAR) AS fx_rounding FROM lines l WHERE l.payee NOT IN (SELECT _pid FROM "
        f"payee_fx) UNION ALL BY NAME SELECT * EXCLUDE ({keep}) REPLACE (CAST(_paid AS "
        f"DECIMAL(38,{wide})) AS amount, CAST(CASE WHEN _lim THEN _lx - _before ELSE _x END "
        f"AS DECIMAL(38,{dec.DIV_SCALE})) AS exact, concat_ws('; ', credit_note, "
        f"coalesce({how_limit}, {how_line})) AS credit_note), _places AS "
        f"amount_places, {fx_rounding} AS fx_rounding FROM lines_fx3")


def paid_in(con, compiled: CompiledPlan, payees: dict, with_lines: bool) -> None:
    """The run's result for payees paid in another currency (run._result): their
    currency, components as their lines add up, amounts at the currency's unit."""
    if not pays_in_currencies(compiled) or not _exists(con, "payee_fx"):
        return
    plan = compiled.plan
    home = Decimal(1).scaleb(-max(0, -_step(compiled).as_tuple().exponent))
    for pr in payees.values():
        pr.currency = plan.currency
    units = {}
    for pid, cur, places in con.execute("SELECT _pid, currency, places FROM payee_fx"
                                        ).fetchall():
        if pid in payees:
            payees[pid].currency = cur
            payees[pid].components = {}
            units[pid] = Decimal(1).scaleb(-places)
    for pid, comp, total in con.execute(
            "SELECT payee, component, sum(amount) FROM lines WHERE payee IN (SELECT _pid FROM "
            "payee_fx) GROUP BY payee, component ORDER BY payee, min(line)").fetchall():
        if pid in payees:
            payees[pid].components[comp] = total.quantize(units[pid])
    for pid, pr in payees.items():
        unit = units.get(pid, home)
        for ln in pr.lines:
            ln.amount = ln.amount.quantize(unit)
        if with_lines:
            pr.total = sum((ln.amount for ln in pr.lines), Decimal(0))
        elif pr.total is not None:
            pr.total = Decimal(pr.total).quantize(unit)


def _step(compiled: CompiledPlan) -> Decimal:
    from ..money import minor_unit
    plan = compiled.plan
    return plan.rounding.to or minor_unit(plan.currency)


__all__ = ["convert", "create_rates", "credit_note", "pay_in", "paid_in", "suspicious",
           "converted_inputs", "pays_in_currencies", "amount_text", "RATES"]
