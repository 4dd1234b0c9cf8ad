"""document: indexes for the lookups every save runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Resolving references and claiming placeholders look documents up by exact title or
enclosed title, and the lifecycle refresh by status_by_document_id; without indexes each
save scanned the whole table (tens of milliseconds at 10,000 documents).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_document_title", "document", ["title"])
    op.create_index("ix_document_enclosed_title", "document", ["enclosed_title"])
    op.create_index("ix_document_status_by_document_id", "document", ["status_by_document_id"])


def downgrade() -> None:
    op.drop_index("ix_document_status_by_document_id", table_name="document")
    op.drop_index("ix_document_enclosed_title", table_name="document")
    op.drop_index("ix_document_title", table_name="document")
