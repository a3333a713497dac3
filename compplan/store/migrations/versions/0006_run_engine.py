"""runs.engine: which engine worked a run out (issue 12): 'python' or 'duckdb'

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Runs stored before this were all the Python engine's. The column is added in place
(ALTER TABLE ... ADD COLUMN, no copy of the table), so the guard triggers of 0004 stay
and a paid run's row is not rewritten: the default fills old rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('engine', sa.String(length=20), nullable=False,
                                    server_default='python'))


def downgrade() -> None:
    # in place too (SQLite 3.35+): a copy of the table would lose the guard triggers
    op.drop_column('runs', 'engine')
