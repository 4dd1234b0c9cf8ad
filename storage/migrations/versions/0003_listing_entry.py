"""listing_entry: per-source listing memory for incremental crawls

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:33:54.580920
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables  # noqa: F401  (custom column types such as UTCDateTime)

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('listing_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('listed_on', sa.Date(), nullable=True),
    sa.Column('first_listed_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_listed_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'url')
    )
    with op.batch_alter_table('listing_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_entry_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_entry_url'), ['url'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('listing_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_entry_url'))
        batch_op.drop_index(batch_op.f('ix_listing_entry_source_id'))

    op.drop_table('listing_entry')
