"""target rounds (issue 19): a line's own deadline when the admin reopens it, and the
shape of the plan's targets input a round exports to

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Two nullable columns; existing rows keep working (no line deadline: the round's; no
targets input: the plan open in the portal, else the long sheet).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('target_round_lines') as t:
        t.add_column(sa.Column('deadline', sa.Date(), nullable=True))
    with op.batch_alter_table('target_rounds') as t:
        t.add_column(sa.Column('targets_input', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('target_rounds') as t:
        t.drop_column('targets_input')
    with op.batch_alter_table('target_round_lines') as t:
        t.drop_column('deadline')
