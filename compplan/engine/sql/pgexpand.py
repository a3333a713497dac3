"""DuckDB's star modifiers written out for PostgreSQL when a statement runs (issue 13).

fx.py (amounts in other currencies, payees paid in theirs) and hierarchy.py (dated
reporting lines: a report's part of the period) write forms PostgreSQL lacks over rows
whose columns only the data decides: `t.* EXCLUDE (a) REPLACE (expr AS b)`, `* REPLACE
(...)`, `A UNION ALL BY NAME B` and `CREATE OR REPLACE TEMP TABLE`. The PostgreSQL
engine runs statements one by one in the database, so when one has such a form the
database is asked for the columns it stands for (the same query's FROM, with LIMIT 0)
and the form is written out: each column in order, the replaced ones by their new
value, the excluded left out; a union by name as a union by position, a column one
side lacks as NULL there; a table made again as a new table that takes the old one's
name. `compplan sql --dialect postgres` prints the statements before this step.

A scan over the text that skips quoted strings, as dialect.alias_subqueries does.
"""
from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
# `alias.* EXCLUDE (...) REPLACE (...)`, either or both; or `* REPLACE (...)`
_STAR = re.compile(r"((?:[A-Za-z_][A-Za-z_0-9]*|\"[^\"]+\")\.)?\*\s+(?=EXCLUDE\s*\(|REPLACE\s*\()")
_CREATE_AGAIN = re.compile(r"^\s*CREATE OR REPLACE TEMP TABLE\s+(\"[^\"]+\"|\w+)\s+AS\s+", re.S)


def needed(sql: str) -> bool:
    """Whether the statement has a form this module writes out."""
    text = _blank_literals(sql)
    return bool(_STAR.search(text) or " BY NAME " in text or
                _CREATE_AGAIN.match(text))


def expand(sql: str, columns_of) -> list[str]:
    """The statement as PostgreSQL runs it (one or more statements). `columns_of(query)`
    gives the column names a SELECT query would return."""
    m = _CREATE_AGAIN.match(sql)
    head, body, again = "", sql, None
    if m:
        again = m.group(1)
        head, body = f"CREATE TEMP TABLE {_new_name(again)} AS ", sql[m.end():]
    else:
        m = re.match(r"^\s*CREATE\s+(?:TEMP\s+)?(?:TABLE|VIEW)\s+(\"[^\"]+\"|\w+)\s+AS\s+",
                     sql, re.S)
        if m:
            head, body = sql[:m.end()], sql[m.end():]
    with_part, query = _split_with(body)
    while True:  # in the WITH's tables, each read with the tables before it
        found = _deepest(with_part)
        if found is None:
            break
        with_part = _expand_star(with_part, found, _with_before(with_part, found.start()),
                                 columns_of)
    while True:
        found = _deepest(query)
        if found is None:
            break
        query = _expand_star(query, found, with_part, columns_of)
    query = _union_by_name(query, with_part, columns_of)
    out = [head + with_part + query]
    if again is not None:
        out += [f"DROP TABLE {again}", f"ALTER TABLE {_new_name(again)} RENAME TO "
                f"{again}"]
    return out


def _deepest(sql: str):
    """The innermost star with a modifier (an outer one's probe reads the inner's
    rows), or None."""
    text = _blank_literals(sql)
    stars = list(_STAR.finditer(text))
    if not stars:
        return None
    depths = _depths(text)
    return max(stars, key=lambda m: depths[m.start()])


def _with_before(with_part: str, at: int) -> str:
    """The WITH clause's tables defined before the one the position `at` is in, as a
    WITH clause of their own ('' if none)."""
    text = _blank_literals(with_part)
    depths = _depths(text)
    starts = [m.start() for m in re.finditer(r"(?:\bWITH\s+|,\s*)(?=(?:\"[^\"]+\"|\w+)\s+AS\s*\()",
                                             text) if depths[m.start()] == 0]
    cut = max((i for i in starts if i < at), default=0)
    head = with_part[:cut].rstrip().rstrip(",")
    return head + " " if head.strip() and head.strip().upper() != "WITH" else ""


def _new_name(name: str) -> str:
    bare = name.strip('"')
    return f'"{bare}__cp_new"'


def _blank_literals(sql: str) -> str:
    """The text with every quoted string's inside blanked (same length), so a scan for
    keywords and parentheses sees code only; identifiers in double quotes kept."""
    return re.sub(r"'(?:[^']|'')*'", lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", sql)


def _close(text: str, i: int) -> int:
    """The index after the parenthesis that closes the one at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unbalanced parentheses")


def _depths(text: str) -> list[int]:
    out, d = [], 0
    for ch in text:
        if ch == "(":
            d += 1
        out.append(d)
        if ch == ")":
            d -= 1
    return out


def _keyword_at(text: str, word: str, depths: list[int], depth: int, start: int,
                end: int, backwards: bool = False) -> int | None:
    rng = range(end - len(word), start - 1, -1) if backwards else range(start, end)
    for i in rng:
        if depths[i] != depth or not text.startswith(word, i):
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[i + len(word)] if i + len(word) < len(text) else " "
        if not (before.isalnum() or before in "_\"") and not (after.isalnum() or after in "_\""):
            return i
    return None


def _split_with(body: str) -> tuple[str, str]:
    """(`WITH c AS (...), ... ` or '', the query after it)."""
    text = _blank_literals(body)
    if not re.match(r"\s*WITH\b", text):
        return "", body
    depths = _depths(text)
    at = _keyword_at(text, "SELECT", depths, 0, 0, len(text))
    return body[:at], body[at:]


def _items(text: str) -> list[str]:
    """A parenthesised list's items, split at its top-level commas."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [x.strip() for x in out if x.strip()]


def _name(col: str) -> str:
    return col.strip().strip('"')


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _expand_star(query: str, found, with_part: str, columns_of) -> str:
    text = _blank_literals(query)
    depths = _depths(text)
    star_at = found.start()
    depth = depths[star_at]
    # the modifiers after the star
    i = found.end()
    exclude: set[str] = set()
    replace: dict[str, str] = {}
    while True:
        m = re.compile(r"\s*(EXCLUDE|REPLACE)\s*\(").match(text, i)
        if not m:
            break
        opened = m.end() - 1
        closed = _close(text, opened)
        inner = query[opened + 1:closed - 1]
        if m.group(1) == "EXCLUDE":
            exclude |= {_name(c) for c in _items(inner)}
        else:
            for item in _items(inner):
                expr, col = re.match(r"(?s)(.*)\s+AS\s+(\"[^\"]+\"|\w+)\s*$", item).groups()
                replace[_name(col)] = expr
        i = closed
    mod_end = i
    # the end of the query the star is in: the `)` around it, a UNION, or the text's end
    end = len(text)
    for j in range(mod_end, len(text)):
        if depth > 0 and text[j] == ")" and depths[j] == depth:
            end = j
            break
    frm = _keyword_at(text, "FROM", depths, depth, mod_end, end)
    union = _keyword_at(text, "UNION", depths, depth, mod_end, end)
    if union is not None:
        end = union
    alias = found.group(1) or ""
    probe = f"{with_part}SELECT {alias}* {query[frm:end]}"
    probe = re.sub(r"(?is)\s+ORDER BY\s+[^()]*$", "", probe) + " LIMIT 0"
    cols = columns_of(probe)
    written = ", ".join(
        f"{replace[c]} AS {_q(c)}" if c in replace else f"{alias}{_q(c)}"
        for c in cols if c not in exclude)
    return query[:star_at] + written + query[mod_end:]


def _union_by_name(query: str, with_part: str, columns_of) -> str:
    text = _blank_literals(query)
    depths = _depths(text)
    at = _keyword_at(text, "UNION ALL BY NAME", depths, 0, 0, len(text))
    if at is None:
        return query
    left, right = query[:at], query[at + len("UNION ALL BY NAME"):]
    right = _union_by_name(right, with_part, columns_of)  # A BY NAME B BY NAME C
    lc = columns_of(f"{with_part}SELECT * FROM ({left}) _cp_l LIMIT 0")
    rc = columns_of(f"{with_part}SELECT * FROM ({right}) _cp_r LIMIT 0")
    every = lc + [c for c in rc if c not in lc]

    def side(cols: list[str], sql: str, alias: str) -> str:
        return "SELECT " + ", ".join(f"{alias}.{_q(c)}" if c in cols else f"NULL AS {_q(c)}"
                                     for c in every) + f" FROM ({sql}) {alias}"
    return f"{side(lc, left, '_cp_l')} UNION ALL {side(rc, right, '_cp_r')}"
