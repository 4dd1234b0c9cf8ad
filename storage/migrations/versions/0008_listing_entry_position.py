"""listing_entry: which listing (start URL) and page last showed each entry, and whether it left

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

A source may walk several listings (one per start URL), and a removed document is looked
for on the pages a run walked. Before this revision an entry only had its listed date, so
a listing without dates never had its removals noticed unless it was walked to the end.
`unlisted_checked_at` marks an entry whose document still answered, though no longer listed
where it was, so it is checked again weekly rather than on every run. Existing entries keep null in the
new columns until they are listed again; until then they are only checked after a run that
walked every listing of their source to its end.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("listing_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listing", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unlisted_checked_at", storage.tables.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("listing_entry", schema=None) as batch_op:
        batch_op.drop_column("unlisted_checked_at")
        batch_op.drop_column("page")
        batch_op.drop_column("listing")
