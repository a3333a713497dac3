"""What names mean: the symbol table a checked plan carries to the compiler.

Every `Ref` in the AST resolves to one `Resolution` (a column of the current row, a
param, a measure, the payee's attribute, ...). The checker records them once; the
compiler and the explainers read them, so nothing downstream looks names up again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Pos
from .types import Type

PERIOD_ATTRS = {"start": "date", "end": "date", "days": "integer", "label": "text"}


@dataclass(frozen=True)
class Resolution:
    """kind is one of:

    column        a field of the current row (`amount` in a credit rule)
    param         a plan parameter
    measure       a per-payee measure
    earning       another earning's total for the payee
    payee         an attribute of the payee (`payee.region`)
    period        an attribute of the period (`period.days`)
    payee_table   a column of a one-row-per-payee table (`quotas.amount`)
    set           a credit set or transaction table, as an aggregate's argument
    set_column    a column of a set, as an aggregate's argument (`deals.amount`)
    rate          a rate table, as a rate function's argument
    """

    kind: str
    name: str
    column: str | None = None
    type: Type | None = None
    # a column read inside a `where` from the row of an enclosing place, this many
    # `where`s out (a correlated filter: sum(sales.amount where sale_date == shift_date)
    # in an earning per shift reads shift_date from the shift)
    outer: int = 0


@dataclass
class TableInfo:
    """An input table or a credit set, as the checker sees it: its row's columns."""

    name: str
    kind: str  # transactions | per_payee | payees | credits
    columns: dict[str, Type] = field(default_factory=dict)
    pos: Pos | None = None
    key: str | None = None
    payee: str | None = None
    date: str | None = None
    source: str | None = None  # credits: the input they come from


@dataclass
class Symbols:
    params: dict[str, Type | None] = field(default_factory=dict)
    measures: dict[str, Type | None] = field(default_factory=dict)
    earnings: dict[str, Type | None] = field(default_factory=dict)
    tables: dict[str, TableInfo] = field(default_factory=dict)  # inputs and credits
    rates: dict[str, Type | None] = field(default_factory=dict)  # value type of the table
    broken: set[str] = field(default_factory=set)  # names whose definition did not validate
    positions: dict[str, Pos] = field(default_factory=dict)

    def kind_of(self, name: str) -> str | None:
        if name in self.params:
            return "param"
        if name in self.measures:
            return "measure"
        if name in self.earnings:
            return "earning"
        if name in self.tables:
            return "credit" if self.tables[name].kind == "credits" else "input"
        if name in self.rates:
            return "rate"
        return None

    def all_names(self) -> set[str]:
        return (set(self.params) | set(self.measures) | set(self.earnings)
                | set(self.tables) | set(self.rates))
