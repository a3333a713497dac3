"""Changing the store behind compplan's back, as the owner of the database could: the
guard triggers (migration 0004) first dropped, then any SQL."""
from sqlalchemy import text

GUARDED = ("audit_log", "payments", "runs", "periods", "line_items", "payee_results")


def drop_guards(store) -> None:
    with store.engine.begin() as c:
        for table in GUARDED:
            if store.dialect == "postgresql":
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}"))
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
            else:
                for name in ("update", "delete", "insert"):
                    c.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{name}"))


def sql(store, *statements: str) -> None:
    with store.engine.begin() as c:
        for statement in statements:
            c.execute(text(statement))
