"""The SQL a database speaks, asked of one object: the generator's DuckDB-only forms.

The SQL engine writes its statements as text (plan.py and its helpers), in DuckDB's own
SQL. Each construct only DuckDB has is asked of the dialect in force instead of being
written at the call site: exact long division, integer division and HUGEINT, thousands
separators, lateral column aliases (`SELECT a // b AS _cp1, _cp1 * 10 ...`) and the
`EXCLUDE` that drops them, lists of tier parts (a list of structs in DuckDB), unions by
column name, `GROUP BY ALL`, and date parts. `Duck` writes exactly what the engine wrote
before this module existed (its tests hold the DuckDB engine's output unchanged);
`Postgres` writes PostgreSQL 15's forms, and raises Unsupported for what it cannot
write yet, so a plan that needs it is refused when it compiles, with its position.

Which dialect is in force is a context variable (`use`), as decimals.statement() holds
the statement being built: the call sites ask `current()` and need no new argument.
Why text and not sqlglot expressions: docs/design/columnar.md, "Dialects".
"""
from __future__ import annotations

import contextlib
import contextvars
import re
from decimal import Decimal


class Duck:
    """DuckDB: the engine's own SQL, unchanged."""

    name = "duckdb"
    keeps_helpers = False  # EXCLUDE drops a statement's helper columns
    glot = "duckdb"  # sqlglot's name of the dialect (pretty)
    lateral = True  # a SELECT may name an alias it defines (lateral column aliases)
    hugeint = "HUGEINT"  # an exact integer of 38 digits and more
    text = "VARCHAR"

    def setup(self) -> list[str]:
        """Statements the script needs first (functions of its own)."""
        from .decimals import MACROS
        return list(MACROS)

    def div(self, a: str, b: str, scale: int) -> str | None:
        """a / b at `scale` places half up, or None: decimals.div's long division on
        HUGEINT with lateral steps (DuckDB)."""
        return None

    def let_select(self, items: list[tuple[str, str]]) -> str:
        """A statement's named steps (decimals.Lets) as select items, each followed by a
        comma: lateral column aliases."""
        return "".join(f"{sql} AS {alias}, " for alias, sql in items)

    def let_joins(self, items: list[tuple[str, str]]) -> str:
        """The same steps as joins after the FROM items (a dialect without lateral
        aliases); "" here."""
        return ""

    def intdiv(self, a: str, b: str) -> str:
        """a // b of two exact integers (truncated; both are >= 0 where it is used)."""
        return f"{a} // {b}"

    def exclude(self, cols: str) -> str:
        """` EXCLUDE (cols)` after a `*`: the helper columns a statement drops ("" none)."""
        return f" EXCLUDE ({cols})" if cols else ""

    def thousands(self, x: str) -> str:
        """An exact whole number >= 0 as text with thousands separators (12,345)."""
        return (f"(CASE WHEN abs({x}) < 1000000000000000000 THEN format('{{:,}}', CAST({x} AS "
                f"BIGINT)) ELSE format('{{:,}}', CAST({x} AS HUGEINT)) END)")

    def grouped(self, x: str) -> str:
        """A whole number >= 0 of any size, thousands separated (pools.grouped)."""
        return f"format('{{:,}}', CAST({x} AS HUGEINT))"

    def group_by_all(self, keys: list[str]) -> str:
        return "GROUP BY ALL"

    def union_by_name(self, parts: list[str], aligned: bool = False) -> str:
        """UNION ALL matching columns by name; `aligned`: every part selects the same
        columns in the same order (so a union by position is the same)."""
        return " UNION ALL BY NAME ".join(parts)

    def qualify(self, select: str, window: str) -> str:
        """`select` keeping the rows whose window value is 1 (QUALIFY)."""
        return f"{select} QUALIFY {window} = 1"

    # tier parts: a list of structs
    def tiers_type(self, scale: int) -> str:
        return (f"STRUCT(tier INTEGER, amount DECIMAL(38,{scale}), rate "
                f"DECIMAL(38,{scale}), pays DECIMAL(38,{scale}))[]")

    def tier_part(self, tier: str, amount: str, rate: str, pays: str, scale: int) -> str:
        t = f"DECIMAL(38,{scale})"
        return (f"{{'tier': CAST({tier} AS INTEGER), 'amount': CAST({amount} AS {t}), "
                f"'rate': CAST({rate} AS {t}), 'pays': CAST({pays} AS {t})}}")

    def tier_list(self, items: list[str]) -> str:
        """The parts that are not NULL, as a list."""
        return f"[x FOR x IN [{', '.join(items)}] IF x IS NOT NULL]"

    def tier_one(self, item: str) -> str:
        """A list of one part."""
        return f"[{item}]"

    def element(self, parts: str, i: int, field: str) -> str:
        """Field `field` of the i-th part (from 1)."""
        return f"{parts}[{i}].{field}"

    def length(self, parts: str) -> str:
        return f"len({parts})"

    def replace(self, star: str, items: list[tuple[str, str]], pos=None, what: str = "",
                columns: list[str] | None = None) -> str:
        """`t.*` with some columns given new values (`items`: (expr, column) pairs).
        `columns`: the row's columns in order, where the caller knows them (a dialect
        without REPLACE writes them out); else `what` (at `pos`) names the construct
        such a dialect refuses."""
        return f"{star} REPLACE ({', '.join(f'{e} AS {c}' for e, c in items)})"

    def date_text(self, x: str) -> str:
        """A date as text, 2026-03-31."""
        return f"strftime({x}, '%Y-%m-%d')"

    def extract(self, part: str, x: str) -> str:
        """isoyear or week (ISO) of a date."""
        return f"{part}({x})"

    def refuse(self, what: str, sql: str) -> None:
        """Raise Unsupported for a statement with a form this dialect lacks (none)."""

    def date_part(self, part: str) -> str:
        """The name extract() knows a part of a date by (ISO weekday: isodow)."""
        return part

    def arg_min(self, x: str, by: str) -> str:
        """The x of the row with the least `by` (an aggregate)."""
        return f"arg_min({x}, {by})"

    def contains(self, text: str, piece: str) -> str:
        """Whether `piece` is in `text`."""
        return f"contains({text}, {piece})"

    def in_list_text(self, item: str, text: str) -> str:
        """Whether `item` is one of the comma-separated words of `text`."""
        return f"list_contains(string_split({text}, ','), {item})"

    def days_between(self, a: str, b: str) -> str:
        """Whole days from date a to date b."""
        return f"datediff('day', {a}, {b})"

    def finish(self, sql: str) -> str:
        """A statement as the database takes it."""
        return sql

    def pretty(self, sql: str) -> str:
        """The statement laid out for a reader by sqlglot (one clause a line, nested
        queries indented); the text as run where sqlglot cannot read it."""
        import sqlglot
        text = self.finish(sql)
        try:
            return sqlglot.transpile(text, read=self.glot, write=self.glot, pretty=True)[0]
        except sqlglot.errors.SqlglotError:  # a form sqlglot does not know: shown as run
            return text


class Postgres(Duck):
    """PostgreSQL 15: NUMERIC is exact at any scale, so the long division is one
    integer division of NUMERICs (cp_div); no lateral aliases (each step a LATERAL
    subquery joined after the FROM items), no EXCLUDE (the helper columns stay in the table: every later reader names
    its columns), tier parts an array of a composite type (cp_tier)."""

    name = "postgres"
    # DuckDB's forms the engine writes out when the statement runs, from the columns
    # the database has (pgexpand.py): fx.py's and hierarchy.py's rows of data-decided
    # columns
    EXPANDED = ("a column replaced in a row (REPLACE)", "a union by column name", "EXCLUDE",
                "a table made again")
    keeps_helpers = True  # no EXCLUDE: helper columns stay in the table
    glot = "postgres"
    lateral = False
    hugeint = "NUMERIC"
    text = "VARCHAR"

    def setup(self) -> list[str]:
        t = "NUMERIC(38,16)"
        return [
            # a DECIMAL of scale s as an integer count of 10^-s (as DuckDB's cp_units)
            "CREATE FUNCTION cp_units(x NUMERIC, p NUMERIC, pd NUMERIC) RETURNS NUMERIC "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT trunc(x) * p + (x - trunc(x)) * pd $$",
            # |a| x p / |b| as a whole number rounded half up, with the sign of a / b;
            # NULL when b is 0 (decimals.div's rule; NUMERIC's div() is exact)
            "CREATE FUNCTION cp_div(a NUMERIC, b NUMERIC, p NUMERIC) RETURNS NUMERIC "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT sign(a) * sign(b) * (div(abs(a) * p, "
            "nullif(abs(b), 0)) + CASE WHEN 2 * mod(abs(a) * p, nullif(abs(b), 0)) >= "
            "abs(b) THEN 1 ELSE 0 END) $$",
            f"CREATE TYPE cp_tier AS (tier INTEGER, amount {t}, rate {t}, pays {t})",
            # any_value(), as DuckDB and PostgreSQL 16 have it (16's own comes first)
            "CREATE FUNCTION cp_first(a anyelement, b anyelement) RETURNS anyelement "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a, b) $$",
            "CREATE AGGREGATE any_value(anyelement) (SFUNC = cp_first, STYPE = anyelement)",
        ]

    def div(self, a: str, b: str, scale: int) -> str:
        unit = f"CAST('{Decimal(1).scaleb(-scale):f}' AS DECIMAL(38,{scale}))"
        return (f"CAST(cp_div({a}, {b}, CAST('{10 ** scale}' AS NUMERIC)) * {unit} AS "
                f"DECIMAL(38,{scale}))")

    def let_select(self, items: list[tuple[str, str]]) -> str:
        return ""

    def let_joins(self, items: list[tuple[str, str]]) -> str:
        # one LATERAL subquery a step, in order, each seeing the ones before; OFFSET 0
        # keeps the planner from pulling it up (which would copy the expression into
        # every use, and work it out as often)
        return "".join(f" CROSS JOIN LATERAL (SELECT {sql} AS {alias} OFFSET 0) {alias}_l"
                       for alias, sql in items)

    def intdiv(self, a: str, b: str) -> str:
        return f"div({a}, {b})"

    def exclude(self, cols: str) -> str:
        return ""

    def thousands(self, x: str) -> str:
        return f"regexp_replace(CAST(CAST({x} AS NUMERIC) AS VARCHAR), '(\\d)(?=(\\d{{3}})+$)', " \
               "'\\1,', 'g')"

    def grouped(self, x: str) -> str:
        return self.thousands(x)

    def group_by_all(self, keys: list[str]) -> str:
        return f"GROUP BY {', '.join(keys)}"

    def union_by_name(self, parts: list[str], aligned: bool = False) -> str:
        if not aligned:  # written out when it runs (pgexpand.py)
            return super().union_by_name(parts)
        return " UNION ALL ".join(parts)

    def qualify(self, select: str, window: str) -> str:
        return f"SELECT * FROM ({select.replace(' FROM ', f', {window} AS _cp_q FROM ', 1)}) " \
               "_cp_qs WHERE _cp_q = 1"

    def tiers_type(self, scale: int) -> str:
        return "cp_tier[]"

    def tier_part(self, tier: str, amount: str, rate: str, pays: str, scale: int) -> str:
        t = f"DECIMAL(38,{scale})"
        return (f"ROW(CAST({tier} AS INTEGER), CAST({amount} AS {t}), CAST({rate} AS {t}), "
                f"CAST({pays} AS {t}))::cp_tier")

    def tier_list(self, items: list[str]) -> str:
        return f"array_remove(ARRAY[{', '.join(items)}]::cp_tier[], NULL)"

    def tier_one(self, item: str) -> str:
        return f"ARRAY[{item}]"

    def element(self, parts: str, i: int, field: str) -> str:
        return f"({parts})[{i}].{field}"

    def length(self, parts: str) -> str:
        return f"cardinality({parts})"

    def replace(self, star: str, items: list[tuple[str, str]], pos=None, what: str = "",
                columns: list[str] | None = None) -> str:
        if columns is None:  # written out when it runs, from the database (pgexpand.py)
            return super().replace(star, items)
        new = {c: e for e, c in items}
        table = star[:-2]  # `b.*` -> `b`
        return ", ".join(f"{new[c]} AS {c}" if c in new else f'{table}."{c}"'
                         for c in columns)

    def date_text(self, x: str) -> str:
        return f"to_char({x}, 'YYYY-MM-DD')"

    def extract(self, part: str, x: str) -> str:
        return f"extract({part} FROM {x})"

    def refuse(self, what: str, sql: str) -> None:
        """A statement that still has a form only DuckDB has (a call site not yet asking
        the dialect) is refused when the plan compiles, at the rule it comes from."""
        from .exprs import Unsupported
        text = re.sub(r"'(?:[^']|'')*'", "''", sql)  # not inside text literals
        for pattern, name in _DUCK_ONLY:
            if name in self.EXPANDED:  # written out when the statement runs (pgexpand.py)
                continue
            if re.search(pattern, text):
                m = re.search(r"(\S+):(\d+):(\d+)", what)
                pos = None
                if m:
                    from ...errors import Pos
                    pos = Pos(m.group(1), int(m.group(2)), int(m.group(3)))
                raise Unsupported(pos, f"{name} in '{what.split(':', 1)[0]}' "
                                       "(PostgreSQL dialect)")

    def date_part(self, part: str) -> str:
        return part

    def arg_min(self, x: str, by: str) -> str:
        return f"(array_agg({x} ORDER BY {by}))[1]"

    def contains(self, text: str, piece: str) -> str:
        return f"(strpos({text}, {piece}) > 0)"

    def in_list_text(self, item: str, text: str) -> str:
        return f"({item} = ANY(string_to_array({text}, ',')))"

    def days_between(self, a: str, b: str) -> str:
        return f"(({b}) - ({a}))"

    def finish(self, sql: str) -> str:
        """Aliases for subqueries in FROM and JOIN (PostgreSQL 15 wants one)."""
        return alias_subqueries(sql)


# forms only DuckDB has, as they appear in a statement's text (Postgres.refuse)
_DUCK_ONLY = [(r"\bREPLACE \(", "a column replaced in a row (REPLACE)"),
              (r"\bBY NAME\b", "a union by column name"), (r"\bEXCLUDE \(", "EXCLUDE"),
              (r"\bQUALIFY\b", "QUALIFY"), (r"\bGROUP BY ALL\b", "GROUP BY ALL"),
              (r"\bCREATE OR REPLACE TEMP TABLE\b", "a table made again"),
              (r"\b(strftime|isoyear|week|list_contains|string_split|arg_min|datediff|"
               r"struct_pack|list_transform|array_to_string|format|contains)\(", "a DuckDB function"),
              (r"\bHUGEINT\b", "HUGEINT"), (r"//", "integer division"),
              (r"\[x FOR", "a list comprehension"), (r"\{'", "a struct"),
              (r"\(\[", "a list")]

DUCKDB, POSTGRES = Duck(), Postgres()
DIALECTS = {"duckdb": DUCKDB, "postgres": POSTGRES}

_current: contextvars.ContextVar[Duck] = contextvars.ContextVar("dialect", default=DUCKDB)


def current() -> Duck:
    return _current.get()


@contextlib.contextmanager
def use(dialect: Duck):
    """Compile with `dialect` in force."""
    token = _current.set(dialect)
    try:
        yield dialect
    finally:
        _current.reset(token)


_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_NO_ALIAS = {"WHERE", "GROUP", "ORDER", "LIMIT", "UNION", "JOIN", "LEFT", "RIGHT", "INNER",
             "FULL", "CROSS", "ON", "HAVING", "WINDOW", "QUALIFY", "EXCEPT", "INTERSECT",
             "USING", "NATURAL", "OFFSET", "FETCH", "FOR", "AND", "OR", "THEN", "END",
             "ELSE", "WHEN"}


def alias_subqueries(sql: str) -> str:
    """Every `FROM (SELECT ...)` / `JOIN (SELECT ...)` without an alias given one
    (_cp_sN). A scan over the text that skips quoted strings and identifiers."""
    out: list[str] = []
    stack: list[bool] = []  # per open parenthesis: a subquery that needs an alias?
    last_word = ""
    n, i, k = len(sql), 0, 0
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
            last_word = "" if ch == "'" else "_ident"
            continue
        if ch == "(":
            stack.append(last_word in ("FROM", "JOIN"))
            out.append(ch)
            last_word = ""
            i += 1
            continue
        if ch == ")":
            needs = stack.pop() if stack else False
            out.append(ch)
            i += 1
            if needs:
                m = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*|\"|,|\)|;|$)").match(sql, i)
                nxt = m.group(1) if m else ""
                if nxt == "" or nxt in (",", ")", ";") or nxt.upper() in _NO_ALIAS:
                    k += 1
                    out.append(f" _cp_s{k}")
            last_word = "_ident"
            continue
        m = _WORD.match(sql, i)
        if m:
            last_word = m.group(0).upper()
            out.append(m.group(0))
            i = m.end()
            continue
        if not ch.isspace():
            last_word = ""
        out.append(ch)
        i += 1
    return "".join(out)
