"""finance (issue 18): accruals with their lines, contract-cost schedules with their
months

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Tables only; nothing existing changes. An accrual points at a plan version and a dataset
(the run tables' own), so it is reproduced from the store as a run is. What is booked is
not rewritten: the database refuses UPDATE and DELETE of these tables (triggers, as
0004's for paid runs; on PostgreSQL with 0004's function), and each accrual's and
schedule's fingerprint is in the audit chain as well.
"""
from alembic import op
import sqlalchemy as sa
import compplan.store.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _money(name):
    return sa.Column(name, compplan.store.types.Money(length=64), nullable=False)


GUARDED = {
    "accruals": "a kept accrual is never changed; accrue a later date",
    "accrual_lines": "a kept accrual is never changed; accrue a later date",
    "cost_schedules": "a kept schedule is never changed; build a new one",
    "cost_schedule_months": "a kept schedule is never changed; build a new one",
}


def _guard() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table, why in GUARDED.items():
        if pg:
            op.execute(f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION compplan_refuse('{why}', 'always')")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION compplan_refuse('{why}', "
                       "'always')")
            continue
        for op_name in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON "
                       f"{table} BEGIN SELECT RAISE(ABORT, '{why} (compplan: {op_name} "
                       "refused)'); END")


def upgrade() -> None:
    op.create_table('accruals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('plan_version_id', sa.String(length=64), nullable=False),
    sa.Column('dataset_id', sa.String(length=64), nullable=False),
    sa.Column('finance_file', sa.String(length=500), nullable=False),
    sa.Column('finance_text', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    _money('earned'), _money('before'), _money('amount'),
    sa.Column('before_from', sa.String(length=200), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accruals', schema=None) as batch_op:
        batch_op.create_index('ix_accruals_plan_id', ['plan_id'], unique=False)
    op.create_table('accrual_lines',
    sa.Column('accrual_id', sa.Integer(), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('component', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('cost_centre', sa.String(length=200), nullable=False),
    _money('earned'), _money('before'), _money('amount'),
    sa.ForeignKeyConstraint(['accrual_id'], ['accruals.id'], ),
    sa.PrimaryKeyConstraint('accrual_id', 'payee', 'component')
    )
    op.create_table('cost_schedules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(length=200), nullable=False),
    sa.Column('through', sa.String(length=20), nullable=False),
    sa.Column('runs', sa.Text(), nullable=False),
    sa.Column('finance_file', sa.String(length=500), nullable=False),
    sa.Column('finance_text', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    _money('capitalized'), _money('closing'),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cost_schedules', schema=None) as batch_op:
        batch_op.create_index('ix_cost_schedules_plan_id', ['plan_id'], unique=False)
    op.create_table('cost_schedule_months',
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('contract', sa.String(length=300), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    _money('opening'), _money('additions'), _money('clawbacks'), _money('amortization'),
    _money('impairment'), _money('closing'),
    sa.ForeignKeyConstraint(['schedule_id'], ['cost_schedules.id'], ),
    sa.PrimaryKeyConstraint('schedule_id', 'contract', 'month')
    )
    _guard()


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table in GUARDED:
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            for name in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{name}")
    op.drop_table('cost_schedule_months')
    with op.batch_alter_table('cost_schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_cost_schedules_plan_id')
    op.drop_table('cost_schedules')
    op.drop_table('accrual_lines')
    with op.batch_alter_table('accruals', schema=None) as batch_op:
        batch_op.drop_index('ix_accruals_plan_id')
    op.drop_table('accruals')
