"""daemon_state: the running scheduler's heartbeat and next/last run per job (`tracker status`)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:30:01.796253
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables  # noqa: F401  (custom column types such as UTCDateTime)

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('daemon_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('config_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('started_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', storage.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('jobs', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('daemon_state')
