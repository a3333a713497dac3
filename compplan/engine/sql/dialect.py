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

    def guarded_divisor(self, b: str, taken: str) -> str:
        """The divisor of decimals' 64-bit path, a CASE branch taken only where `taken`
        holds (the divisor is not 0 and a remainder times 10^9 fits 64 bits): as it is
        where a branch not taken is not worked out (DuckDB)."""
        return b

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



# a / b of two whole numbers >= 0 (DECIMAL(38,0)), truncated. Spark's own `div` gives a
# BIGINT and wraps silently past 2^63 (99999999999999999999999999999999 div 2 is
# -4407203516670541825 even with ANSI on). So: x / y, which Spark works out exactly and
# rounds half up to the scale of its type, floored; a rounding up to the next whole
# number is undone by the remainder check (x - q y < 0: q one less). The type of x / y
# without precision loss is DECIMAL(38, d) with fewer whole digits the wider y's type,
# so y is cast to the narrowest of four widths that holds it: quotients up to 10^36 for
# y < 10^5, 10^33 for y < 10^10 (the quotient is below 10^33 there), 10^28 and 10^20
# beyond; past that Spark's overflow error (ANSI), which the run reports as the rule's
# out-of-range error.
def _spark_idiv() -> str:
    tiers = [("100000", 5), ("10000000000", 10), ("100000000000000000000", 20)]
    parts = " ".join(f"WHEN y < CAST('{lim}' AS DECIMAL(38,0)) THEN "
                     f"CAST(floor(x / CAST(y AS DECIMAL({p},0))) AS DECIMAL(38,0))"
                     for lim, p in tiers)
    return ("CREATE OR REPLACE TEMPORARY FUNCTION cp_q(x DECIMAL(38,0), y DECIMAL(38,0)) "
            f"RETURNS DECIMAL(38,0) RETURN CASE {parts} ELSE CAST(floor(x / y) AS "
            "DECIMAL(38,0)) END")


SPARK_SETUP = [
    _spark_idiv(),
    "CREATE OR REPLACE TEMPORARY FUNCTION cp_fix(q DECIMAL(38,0), x DECIMAL(38,0), "
    "y DECIMAL(38,0)) RETURNS DECIMAL(38,0) RETURN q - CASE WHEN x - q * y < 0 THEN 1 "
    "ELSE 0 END",
    "CREATE OR REPLACE TEMPORARY FUNCTION cp_idiv(x DECIMAL(38,0), y DECIMAL(38,0)) "
    "RETURNS DECIMAL(38,0) RETURN cp_fix(cp_q(x, y), x, y)",
]


class Spark(Duck):
    """Spark SQL 4.1 and later (pyspark; engine/sql/spark.py runs it), with ANSI mode on
    (an overflow is an error, never NULL or a wrapped number), double-quoted
    identifiers, and decimalOperations.allowPrecisionLoss off: a product or sum keeps
    its scale and errors when DECIMAL(38) cannot hold it, as DuckDB's does (with the
    default, DECIMAL(38,2) x DECIMAL(38,16) would be rounded to 6 places silently).

    Spark has lateral column aliases, `* EXCEPT (...)`, GROUP BY ALL, QUALIFY and
    recursive CTEs, so most of the engine's text stands; what differs: no HUGEINT (whole
    numbers are DECIMAL(38,0)), no `//` (cp_idiv, above), no numeric trunc(), sign() a
    DOUBLE, no macros (cp_units is written out), VARCHAR needs a length (STRING), tier
    parts an array of named structs, and ascending ORDER BY puts NULLs first where
    DuckDB puts them last (finish() says NULLS LAST where DuckDB's order was implied).

    fx.py's and hierarchy.py's rows, whose columns only the data decides (`* REPLACE`,
    `EXCLUDE`, a union by name, a table made again), are written out when the statement
    runs from the columns Spark's analyzer gives, as for PostgreSQL (pgexpand.py,
    spark._execute)."""

    name = "spark"
    EXPANDED = Postgres.EXPANDED
    keeps_helpers = False
    glot = "spark"
    lateral = True
    hugeint = "DECIMAL(38,0)"
    text = "STRING"

    def setup(self) -> list[str]:
        return list(SPARK_SETUP)

    def intdiv(self, a: str, b: str) -> str:
        return f"cp_idiv({a}, {b})"

    def guarded_divisor(self, b: str, taken: str) -> str:
        # cp_idiv is a SQL function, and Spark works out a SQL function's arguments
        # before the CASE around it (a branch not taken included): ANSI mode then
        # refused a remainder by 0 (REMAINDER_BY_ZERO: AE's running basis over a zero
        # quota) and a remainder by a divisor of 9 x 10^9 units or more times 10^9
        # (ARITHMETIC_OVERFLOW: a basis over a quota of 0.0024657534246575, 16 places).
        # NULL where the branch is not taken: every step of it is NULL there
        return f"(CASE WHEN {taken} THEN {b} END)"

    def exclude(self, cols: str) -> str:
        return f" EXCEPT ({cols})" if cols else ""

    def thousands(self, x: str) -> str:
        return f"format_number(CAST({x} AS DECIMAL(38,0)), 0)"

    def grouped(self, x: str) -> str:
        return self.thousands(x)

    def union_by_name(self, parts: list[str], aligned: bool = False) -> str:
        if not aligned:  # written out when it runs (pgexpand.py)
            return super().union_by_name(parts)
        return " UNION ALL ".join(parts)

    def tiers_type(self, scale: int) -> str:
        t = f"DECIMAL(38,{scale})"
        return f"ARRAY<STRUCT<tier: INT, amount: {t}, rate: {t}, pays: {t}>>"

    def tier_part(self, tier: str, amount: str, rate: str, pays: str, scale: int) -> str:
        t = f"DECIMAL(38,{scale})"
        return (f"named_struct('tier', CAST({tier} AS INT), 'amount', CAST({amount} AS {t}), "
                f"'rate', CAST({rate} AS {t}), 'pays', CAST({pays} AS {t}))")

    def tier_list(self, items: list[str]) -> str:
        return f"filter(array({', '.join(items)}), x -> x IS NOT NULL)"

    def tier_one(self, item: str) -> str:
        return f"array({item})"

    def element(self, parts: str, i: int, field: str) -> str:
        # DuckDB's list[i] beyond the end is NULL; ANSI Spark's element_at is an error
        return f"try_element_at({parts}, {i}).{field}"

    def length(self, parts: str) -> str:
        return f"size({parts})"

    def replace(self, star: str, items: list[tuple[str, str]], pos=None, what: str = "",
                columns: list[str] | None = None) -> str:
        if columns is None:  # written out when it runs, from Spark's analyzer (pgexpand.py)
            return super().replace(star, items)
        return POSTGRES.replace(star, items, pos, what, columns)

    def date_text(self, x: str) -> str:
        return f"date_format({x}, 'yyyy-MM-dd')"

    def extract(self, part: str, x: str) -> str:
        return {"isoyear": f"extract(YEAROFWEEK FROM {x})",
                "week": f"weekofyear({x})"}[part]

    def date_part(self, part: str) -> str:
        return {"isodow": "DAYOFWEEK_ISO"}.get(part, part)

    def arg_min(self, x: str, by: str) -> str:
        return f"min_by({x}, {by})"

    def contains(self, text: str, piece: str) -> str:
        return f"contains({text}, {piece})"

    def in_list_text(self, item: str, text: str) -> str:
        return f"array_contains(split({text}, ','), {item})"

    def days_between(self, a: str, b: str) -> str:
        return f"datediff({b}, {a})"

    def refuse(self, what: str, sql: str) -> None:
        """A DuckDB-only form left in a statement (a call site that does not ask the
        dialect) is refused when the plan compiles, at the rule it comes from."""
        from .exprs import Unsupported
        text = re.sub(r"'(?:[^']|'')*'", "''", sql)
        for pattern, name in _SPARK_LACKS:
            if name in self.EXPANDED:  # written out when the statement runs (pgexpand.py)
                continue
            if re.search(pattern, text):
                m = re.search(r"(\S+):(\d+):(\d+)", what)
                pos = None
                if m:
                    from ...errors import Pos
                    pos = Pos(m.group(1), int(m.group(2)), int(m.group(3)))
                raise Unsupported(pos, f"{name} in '{what.split(':', 1)[0]}' (Spark dialect)")

    def finish(self, sql: str) -> str:
        """The statement in Spark's words: the rewrites that are not a call site's (see
        the class's docstring), each outside text literals. A temporary view cannot be
        deleted from: `DELETE FROM t WHERE c` (hierarchy.py's parts of the period) is t
        made again of the rows c is not true of (NULL kept, as DELETE keeps it)."""
        m = _DELETE.match(sql)
        if m:
            sql = (f"CREATE OR REPLACE TEMP TABLE {m.group(1)} AS SELECT * FROM {m.group(1)} "
                   f"WHERE ({m.group(2)}) IS NOT TRUE")
        return spark_text(sql)


_DELETE = re.compile(r'^\s*DELETE FROM ("(?:[^"]|"")+"|\w+) WHERE (.*)$', re.S)


# forms the Spark dialect does not write (Spark.refuse)
_SPARK_LACKS = [(r"\bREPLACE \(", "a column replaced in a row (REPLACE)"),
                (r"\bBY NAME\b", "a union by column name"),
                (r"\b(strftime|isoyear|week|list_contains|string_split|arg_min|struct_pack|"
                 r"list_transform|array_to_string|format|list_value|list_sum|len)\(",
                 "a DuckDB function"),
                (r"\[x FOR", "a list comprehension"), (r"\{'", "a struct"),
                (r"\(\[", "a list"), (r"\bSTRUCT\(", "a struct type")]


def _literal_end(sql: str, i: int) -> int:
    """The index after the quoted text or identifier that starts at i."""
    ch, j, n = sql[i], i + 1, len(sql)
    while j < n:
        if sql[j] == ch:
            if j + 1 < n and sql[j + 1] == ch:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _match(sql: str, i: int) -> int:
    """The index after the parenthesis that closes the one at i."""
    depth, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            i = _literal_end(sql, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _match_back(sql: str, i: int) -> int:
    """The index of the parenthesis that opens the one closing at i (no quotes inside:
    the operands of `//` are names, calls and numbers)."""
    depth = 0
    while i >= 0:
        if sql[i] == ")":
            depth += 1
        elif sql[i] == "(":
            depth -= 1
            if depth == 0:
                return i
        i -= 1
    return 0


def _args(inner: str) -> list[str]:
    """A call's arguments, split at its own commas."""
    out, depth, start, i, n = [], 0, 0, 0, len(inner)
    while i < n:
        ch = inner[i]
        if ch in "'\"":
            i = _literal_end(inner, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(inner[start:i].strip())
            start = i + 1
        i += 1
    out.append(inner[start:].strip())
    return out


def _code_spans(sql: str):
    """(start, end) of the text outside literals."""
    i, start, n = 0, 0, len(sql)
    while i < n:
        if sql[i] == "'":
            yield start, i
            i = _literal_end(sql, i)
            start = i
            continue
        i += 1
    yield start, n


def _find(sql: str, pattern: re.Pattern, at: int = 0):
    """The first match of `pattern` outside text literals from `at`."""
    for s, e in _code_spans(sql):
        if e <= at:
            continue
        m = pattern.search(sql, max(s, at), e)
        if m:
            return m
    return None


_CALL = re.compile(r"(?<![\w.\"])(cp_units|trunc|sign|rtrim|ltrim|strpos|starts_with)\(",
                   re.I)
_IDIV = re.compile(r"//")
_ORDER = re.compile(r"\bORDER BY\b")
_WORD_AT = re.compile(r"[\w.\"]+$")
_ORDER_END = re.compile(r"\b(ROWS|RANGE|LIMIT|OFFSET)\b")


def _call(name: str, args: list[str]) -> str:
    if name == "cp_units":  # a DECIMAL of scale s as a whole count of 10^-s (MACROS)
        x, p, pd = args
        return (f"(CAST(({x}) - ({x}) % 1 AS DECIMAL(38,0)) * {p} + "
                f"CAST((({x}) % 1) * {pd} AS DECIMAL(38,0)))")
    if name == "trunc":  # toward zero: % keeps the dividend's sign
        x = args[0]
        step = "1" if len(args) == 1 else f"CAST('{Decimal(1).scaleb(-int(args[1])):f}' AS " \
            f"DECIMAL(38,{int(args[1])}))"
        return f"(({x}) - ({x}) % {step})"
    if name == "strpos":  # Spark's instr: the same arguments, 1-based, 0 when absent
        return f"instr({', '.join(args)})"
    if name == "starts_with":  # Spark's startswith (fx.py's limits on a total)
        return f"startswith({', '.join(args)})"
    if name in ("rtrim", "ltrim"):  # Spark's two-argument form takes the characters first
        if len(args) == 1:
            return f"{name}({args[0]})"
        side = "TRAILING" if name == "rtrim" else "LEADING"
        return f"trim({side} {args[1]} FROM {args[0]})"
    return f"CAST(signum({args[0]}) AS INT)"  # sign: a DOUBLE in Spark


def spark_text(sql: str) -> str:
    """DuckDB's text as Spark reads it (Spark.finish)."""
    # function calls first, innermost last: each rewrite re-scans from its start
    at = 0
    while True:
        m = _find(sql, _CALL, at)
        if not m:
            break
        end = _match(sql, m.end() - 1)
        args = _args(sql[m.end():end - 1])
        new = _call(m.group(1).lower(), [spark_text(a) for a in args])
        sql = sql[:m.start()] + new + sql[end:]
        at = m.start() + 1
    # a // b: the operands are names, calls, numbers or parenthesised
    while True:
        m = _find(sql, _IDIV)
        if not m:
            break
        left_end = m.start()
        while sql[left_end - 1] == " ":
            left_end -= 1
        if sql[left_end - 1] == ")":
            ls = _match_back(sql, left_end - 1)
            w = _WORD_AT.search(sql[:ls])
            ls = w.start() if w else ls
        else:
            ls = _WORD_AT.search(sql[:left_end]).start()
        rs = m.end()
        while sql[rs] == " ":
            rs += 1
        w = re.compile(r"[\w.\"]*").match(sql, rs)
        re_ = w.end()
        if re_ < len(sql) and sql[re_] == "(":
            re_ = _match(sql, re_)
        sql = f"{sql[:ls]}cp_idiv({sql[ls:left_end]}, {sql[rs:re_]}){sql[re_:]}"
    sql = _sub_code(sql, re.compile(r"\bHUGEINT\b"), "DECIMAL(38,0)")
    sql = _sub_code(sql, re.compile(r"\bVARCHAR\b"), "STRING")
    return _nulls_last(_narrow_literals(_ordered_aggregates(sql)))


_ORDERED_AGG = re.compile(r"(?<![\w.\"])string_agg\(", re.I)


def _ordered_aggregates(sql: str) -> str:
    """DuckDB's `string_agg(x, sep ORDER BY k)` as Spark writes an ordered aggregate,
    `string_agg(x, sep) WITHIN GROUP (ORDER BY k)` (a FILTER after it stands): the order
    is the order of a pool's sharers and of a subtotal's sources, so it must be kept."""
    at = 0
    while True:
        m = _find(sql, _ORDERED_AGG, at)
        if not m:
            return sql
        end = _match(sql, m.end() - 1)
        inner = sql[m.end():end - 1]
        o = _top_level_order(inner)
        if o is None:
            at = end
            continue
        new = f"{sql[m.start():m.end()]}{inner[:o].rstrip()}) WITHIN GROUP ({inner[o:].strip()})"
        sql = sql[:m.start()] + new + sql[end:]
        at = m.start() + len(new)


def _top_level_order(inner: str) -> int | None:
    """Where `ORDER BY` starts in a call's arguments outside parentheses and literals."""
    depth, i, n = 0, 0, len(inner)
    while i < n:
        ch = inner[i]
        if ch in "'\"":
            i = _literal_end(inner, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and _ORDER.match(inner, i) and (i == 0 or not inner[i - 1].isalnum()):
            return i
        i += 1
    return None


_LITERAL = re.compile(r"CAST\('(-?)(\d+)(?:\.(\d*))?' AS DECIMAL\(38,(\d+)\)\)")


def _narrow_literals(sql: str) -> str:
    """Each exact literal `CAST('1' AS DECIMAL(38,0))` typed with its own digits,
    DECIMAL(1,0). Spark compares DECIMAL(38,16) with DECIMAL(38,0) as DECIMAL(38,0),
    rounding the first (0.9166666666666667 >= 1 is true; so is coalesce's type): with
    the literal's own precision the common type keeps 16 places."""
    def one(m: re.Match) -> str:
        sign, whole, frac, scale = m.group(1), m.group(2), m.group(3) or "", int(m.group(4))
        if len(frac) > scale:
            return m.group(0)
        digits = len(whole.lstrip("0") or "0") + scale
        return f"CAST('{sign}{whole}{'.' + frac if m.group(3) is not None else ''}' AS " \
            f"DECIMAL({max(digits, 1)},{scale}))"
    parts, last = [], 0
    for m in _LITERAL.finditer(sql):
        parts.append(sql[last:m.start()])
        parts.append(one(m))
        last = m.end()
    parts.append(sql[last:])
    return "".join(parts)


def _sub_code(sql: str, pattern: re.Pattern, new: str) -> str:
    parts, last = [], 0
    for s, e in _code_spans(sql):
        parts.append(sql[last:s])
        parts.append(pattern.sub(new, sql[s:e]))
        last = e
    parts.append(sql[last:])
    return "".join(parts)


def _nulls_last(sql: str) -> str:
    """Each ascending ORDER BY item without NULLS FIRST/LAST given NULLS LAST, DuckDB's
    default (Spark's is NULLS FIRST): rows tied but for a NULL keep DuckDB's order."""
    at = 0
    while True:
        m = _find(sql, _ORDER, at)
        if not m:
            return sql
        i, depth, n = m.end(), 0, len(sql)
        starts, ends = [i], []
        while i < n:
            ch = sql[i]
            if ch in "'\"":
                i = _literal_end(sql, i)
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and ch == ",":
                ends.append(i)
                starts.append(i + 1)
            elif depth == 0 and ch == ";":
                break
            elif depth == 0 and _ORDER_END.match(sql, i) and not sql[i - 1].isalnum() and \
                    sql[i - 1] != "_":
                break
            i += 1
        ends.append(i)
        items = [sql[s:e] for s, e in zip(starts, ends)]
        fixed = []
        for item in items:
            bare = item.rstrip()
            upper = bare.upper()
            if "NULLS FIRST" in upper or "NULLS LAST" in upper or upper.endswith(" DESC"):
                fixed.append(item)
            else:
                fixed.append(bare + " NULLS LAST" + item[len(bare):])
        new = ",".join(fixed)
        sql = sql[:m.end()] + new + sql[i:]
        at = m.end() + len(new)


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

DUCKDB, POSTGRES, SPARK = Duck(), Postgres(), Spark()
DIALECTS = {"duckdb": DUCKDB, "postgres": POSTGRES, "spark": SPARK}

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
