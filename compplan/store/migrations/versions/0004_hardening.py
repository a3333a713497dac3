"""hardening (issue 17): paid runs, their lines, payments and the audit log refuse
UPDATE and DELETE (triggers); server-side portal sessions; accounts tied to a plan

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The triggers stop a mistake or a casual edit in SQL; an owner of the database can drop
them, which is why the audit chain also records run statuses and payments and is
anchored by a signed head kept outside the database (see compplan/store/audit.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# table -> (SQL condition on the row, in SQLite's and PostgreSQL's words; what it is)
PAID = "(SELECT status FROM runs WHERE id = {row}.run_id) = 'paid'"
GUARDED = {
    "audit_log": (None, "the audit log is append-only"),
    "payments": (None, "payments are never changed; pay corrections as adjustments"),
    "runs": ("{row}.status = 'paid'", "a paid run is never changed"),
    "periods": ("{row}.status = 'paid'", "a paid period is never changed"),
    "line_items": (PAID, "the lines of a paid run are never changed"),
    "payee_results": (PAID, "the results of a paid run are never changed"),
}


def _sqlite_up() -> None:
    for table, (cond, why) in GUARDED.items():
        for op_name in ("UPDATE", "DELETE"):
            when = f" WHEN {cond.format(row='OLD')}" if cond else ""
            op.execute(f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON "
                       f"{table}{when} BEGIN SELECT RAISE(ABORT, '{why} "
                       f"(compplan: {op_name} refused)'); END")
        if cond and "run_id" in cond:  # no new lines or results under a paid run either
            op.execute(f"CREATE TRIGGER {table}_no_insert BEFORE INSERT ON {table} "
                       f"WHEN {cond.format(row='NEW')} BEGIN SELECT RAISE(ABORT, '{why} "
                       "(compplan: INSERT refused)'); END")


def _pg_up() -> None:
    op.execute("""
CREATE OR REPLACE FUNCTION compplan_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE guarded boolean;
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    RAISE EXCEPTION '% (compplan: % refused)', TG_ARGV[0], TG_OP;
  END IF;
  IF TG_ARGV[1] = 'always' THEN
    guarded := true;
  ELSIF TG_ARGV[1] = 'status' THEN
    guarded := OLD.status = 'paid';
  ELSE  -- 'run': the row belongs to a run
    IF TG_OP = 'INSERT' THEN
      SELECT status = 'paid' INTO guarded FROM runs WHERE id = NEW.run_id;
    ELSE
      SELECT status = 'paid' INTO guarded FROM runs WHERE id = OLD.run_id;
    END IF;
  END IF;
  IF coalesce(guarded, false) THEN
    RAISE EXCEPTION '% (compplan: % refused)', TG_ARGV[0], TG_OP;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$""")
    for table, (cond, why) in GUARDED.items():
        kind = "always" if cond is None else ("run" if "run_id" in cond else "status")
        events = "UPDATE OR DELETE OR INSERT" if kind == "run" else "UPDATE OR DELETE"
        op.execute(f"CREATE TRIGGER {table}_guard BEFORE {events} ON {table} FOR EACH ROW "
                   f"EXECUTE FUNCTION compplan_refuse('{why}', '{kind}')")
        if kind == "always":  # TRUNCATE skips row triggers
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION compplan_refuse('{why}', "
                       f"'{kind}')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_up()
    else:
        _sqlite_up()
    op.create_table('portal_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_portal_sessions_account_id', ['account_id'], unique=False)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.String(length=200), nullable=True))
    # an account made before this was linked to a payee id in every plan; tie it to the
    # plan when the store has just one, else it sees no figures until an admin ties it
    # (compplan accounts tie LOGIN --plan PLAN)
    op.execute("UPDATE accounts SET plan_id = (SELECT min(plan_id) FROM plan_versions) "
               "WHERE payee IS NOT NULL AND (SELECT count(DISTINCT plan_id) FROM "
               "plan_versions) = 1")


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('plan_id')
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_sessions_account_id')
    op.drop_table('portal_sessions')
    pg = op.get_bind().dialect.name == "postgresql"
    for table, (cond, _why) in GUARDED.items():
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            for name in ("update", "delete", "insert"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{name}")
    if pg:
        op.execute("DROP FUNCTION IF EXISTS compplan_refuse()")
