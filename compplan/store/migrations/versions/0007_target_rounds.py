"""target rounds (issue 19): a round of target setting with the reps and managers, its
lines, every step of every line, its assumptions and the history it shows

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Tables only; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa
import compplan.store.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _money(name, nullable=False):
    return sa.Column(name, compplan.store.types.Money(length=64), nullable=nullable)


def upgrade() -> None:
    op.create_table('target_rounds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('set_name', sa.String(length=200), nullable=False),
    sa.Column('plan_id', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('kpis', sa.Text(), nullable=False),
    sa.Column('team', sa.Text(), nullable=False),
    sa.Column('top_down', sa.Text(), nullable=False),
    sa.Column('kpi_info', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('target_round_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('kpi', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    _money('proposed'),
    sa.Column('proposed_how', sa.Text(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    _money('rep_figure', True),
    sa.Column('rep_reason', sa.Text(), nullable=False),
    _money('manager_figure', True),
    sa.Column('manager_reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('cites', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['target_rounds.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('target_round_lines', schema=None) as batch_op:
        batch_op.create_index('ix_target_round_lines_round_who', ['round_id', 'who'],
                              unique=False)
    op.create_table('target_round_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    _money('figure'),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['target_round_lines.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('target_round_steps', schema=None) as batch_op:
        batch_op.create_index('ix_target_round_steps_line_id', ['line_id'], unique=False)
    op.create_table('target_round_assumptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('kpi', sa.String(length=100), nullable=False),
    sa.Column('applies_to', sa.String(length=200), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['target_rounds.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('target_round_assumptions', schema=None) as batch_op:
        batch_op.create_index('ix_target_round_assumptions_round_id', ['round_id'],
                              unique=False)
    op.create_table('target_round_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('kpi', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    _money('actual'),
    _money('target', True),
    sa.ForeignKeyConstraint(['round_id'], ['target_rounds.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('target_round_history', schema=None) as batch_op:
        batch_op.create_index('ix_target_round_history_round_who', ['round_id', 'who', 'kpi'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('target_round_history')
    op.drop_table('target_round_assumptions')
    op.drop_table('target_round_steps')
    op.drop_table('target_round_lines')
    op.drop_table('target_rounds')
