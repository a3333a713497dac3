"""Money in the database, exactly.

SQLite has no exact decimal type (its NUMERIC affinity turns 0.1 into a binary float),
so amounts are kept there as their decimal text. PostgreSQL's unconstrained NUMERIC is
exact and keeps the scale it was given (2000.00 stays 2000.00), so it is used there.
Either way a Decimal goes in and the same Decimal comes out.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.types import TypeDecorator


class Money(TypeDecorator):
    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError("money must be a Decimal, never a float")
            value = Decimal(value)
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)
