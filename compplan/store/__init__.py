"""The store: plan versions, the data of each run, runs and their lifecycle, results,
adjustments, balances, payments and the audit chain, in SQLAlchemy.

    db         where the store is (SQLite file by default, PostgreSQL when configured),
               opening it and bringing its schema up to date (Alembic)
    types      Money: exact decimals in and out on every database
    models     the tables
    audit      the append-only, hash-chained audit log; the run statuses and payments
               it records; its head signed with a key kept outside the store
    lifecycle  draft -> approved -> paid, reopen; atomic, one run of a period at a time
"""
from .db import Store, open_store

__all__ = ["Store", "open_store"]
