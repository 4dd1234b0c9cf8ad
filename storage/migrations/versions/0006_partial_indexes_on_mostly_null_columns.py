"""document: enclosed_title and status_by_document_id indexes only over non-NULL values

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Most documents have no enclosed title and no deciding document, so once SQLite has
statistics (ANALYZE, PRAGMA optimize) it sees one value shared by every row in these
indexes and scans the whole table for every lookup — each save's placeholder claim and
reference resolution (milliseconds per query at 10,000 documents). The lookups only ever
compare with a value, which implies NOT NULL, so partial indexes over the non-NULL rows
serve them and carry statistics of the values that can actually match.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = {
    "ix_document_enclosed_title": "enclosed_title",
    "ix_document_status_by_document_id": "status_by_document_id",
}


def upgrade() -> None:
    for name, column in _COLUMNS.items():
        not_null = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="document")
        op.create_index(name, "document", [column], sqlite_where=not_null, postgresql_where=not_null)


def downgrade() -> None:
    for name, column in _COLUMNS.items():
        op.drop_index(name, table_name="document")
        op.create_index(name, "document", [column])
