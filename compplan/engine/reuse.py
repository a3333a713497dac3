"""Which per-credit earnings a live batch may leave alone before its first new credit.

Under a running marginal tier a deal's line depends only on the bookings credited
before it (in date, then id order): the rep's 40th deal of the quarter pays at the band
the first 39 reached, whatever comes after. So when a batch adds deals that sort after
a payee's earlier ones, the earlier lines come out exactly as they did, and a live run
(engine/live.py) keeps them instead of working out every deal of the quarter again.

That holds only while a line reads nothing that a later credit can move: the credit's
own row, params, the payee's row and one-row-per-payee tables (a quota), the period,
functions of those, and the running position of a marginal tier. Anything that reads
the period as a whole (a sum(), attainment of the quarter, a `mode: whole` table, a
rate() at the payee's final basis, another earning, team(), group(), a window) makes a
line depend on credits after it, and the earning is worked out in full. The compiler
decides this once and writes it in the tree (`EarningStep.reuse`), as data.
"""
from __future__ import annotations

from ..lang import ast
from ..lang.check import AGGREGATES, Checked
from ..lang.windows import WINDOW_FUNCTIONS

# references whose value is the same however many credits arrive: the row's own
# columns, the plan's params, the payee's row, a one-row-per-payee table (quotas.amount),
# the period; a rate table is judged by the call that reads it
_FIXED = {"column", "param", "payee", "period", "payee_table", "rate"}
# calls that read the period's credits as a whole (sum(S) and the other aggregates
# too: their set is no fixed reference, so they are refused by what they read)
_WHOLE = set(WINDOW_FUNCTIONS) | {"team", "group"}


def reuses_lines(checked: Checked, name: str, running: dict, tier_tables: dict) -> bool:
    """Whether earning `name`'s line for a credit depends only on that credit, the
    payee's fixed figures and the running basis before it (see the module's words)."""
    spec = checked.plan.earnings[name]
    if not spec.each or spec.each not in checked.plan.credits or spec.pool is not None:
        return False
    nodes = [checked.expr("earnings", name, f) for f in ("when", "value")]
    # a line shows what the credit's rule read from its row among its inputs
    nodes.append(checked.expr("credits", spec.each, "value"))
    judge = _Judge(checked, running, tier_tables)
    return all(n is None or judge.fixed(n) for n in nodes)


def row_only(checked: Checked, where: ast.Node | None) -> bool:
    """Whether a running basis's `where` reads nothing a later credit can move (the
    credit's row, params, the payee's fixed figures): its verdict on a credit then
    never changes, and a live batch may keep the running sums before its credits."""
    return where is None or _Judge(checked, {}, {}).fixed(where)


class _Judge:
    def __init__(self, checked: Checked, running: dict, tier_tables: dict):
        self.c, self.running, self.tables = checked, running, tier_tables
        self.seen: dict[tuple, bool] = {}

    def fixed(self, node: ast.Node) -> bool:
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and not self._call(n):
                return False
            if isinstance(n, ast.Ref) and not self._ref(n):
                return False
        return True

    def _ref(self, n: ast.Ref) -> bool:
        res = self.c.resolved.get(n)
        if res is None:  # a word of a call (prorate(x, months)), not a value
            return True
        if res.kind == "measure":
            return self._memo(("measures", res.name))
        return res.kind in _FIXED

    def _call(self, n: ast.Call) -> bool:
        if n.name in _WHOLE or n.where is not None:
            return False
        if n.name in AGGREGATES and len(n.args) == 1:
            res = self.c.resolved.get(n.args[0])
            if res is not None and res.kind in ("set", "set_column"):
                return False  # sum(S), count(S): the period's credits
        if n.name not in ("tiered", "rate"):
            return True  # lookup(), min(), prorate() ...: functions of their arguments
        res = self.c.resolved.get(n.args[0]) if n.args else None
        if res is None or res.kind != "rate":
            return False
        rate = res.name
        if n.name == "tiered":
            # per credit at the running basis: a marginal table whose basis adds credits
            table, form = self.tables.get(rate), self.running.get(rate)
            if len(n.args) != 1 or table is None or form is None or table.mode != "marginal":
                return False
            factors = list(form.muls) + list(form.divs) + \
                ([form.where] if form.where is not None else [])
            if not all(self.fixed(f) for f in factors):
                return False
        elif len(n.args) < 2:
            return False  # rate(table): the rate at the payee's final basis
        # the table's own cells (a per-payee bound: to: targets.meetings)
        return all(self._memo(path) for path in self.c.exprs
                   if path[:2] == ("rates", rate) and path[2:3] != ("basis",))

    def _memo(self, path: tuple) -> bool:
        got = self.seen.get(path)
        if got is None:
            self.seen[path] = False  # a cycle (the checker refuses one) is not fixed
            node = self.c.expr(*path)
            got = self.seen[path] = node is None or self.fixed(node)
        return got
