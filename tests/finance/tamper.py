"""Changing finance's tables behind compplan's back, as the database's owner could: the
guard triggers of migration 0005 dropped first."""
from sqlalchemy import text

GUARDED = ("accruals", "accrual_lines", "cost_schedules", "cost_schedule_months")


def drop_guards(store) -> None:
    with store.engine.begin() as c:
        for table in GUARDED:
            if store.dialect == "postgresql":
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}"))
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
            else:
                for name in ("update", "delete"):
                    c.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{name}"))
