"""source.full_walk_at: when the source's listings were last walked to their end

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

An incremental crawl stops a few pages past the first page with nothing new, so an entry
inserted deep in a listing sorted by signing date (a document signed earlier but published
today) is only found by a walk to the end. Each listing is walked to its end at least every
`full_walk_hours`; this column says when that last happened. Null (existing sources) means
never, so their next crawl walks to the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_walk_at", storage.tables.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("full_walk_at")
