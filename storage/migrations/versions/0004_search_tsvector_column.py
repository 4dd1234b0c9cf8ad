"""search_entry: stored tsvector on PostgreSQL, so phrase checks and ranking do not re-parse grams

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

PostgreSQL only: the GIN index moves from the expression `to_tsvector('simple', grams)`
to a generated column `grams_tsv`. With the expression index every candidate row had its
bigrams re-parsed for the phrase recheck and for ts_rank (seconds for a common term at
10,000 documents). SQLite keeps its FTS5 table unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_entry_grams_tsv")
    op.execute(
        "ALTER TABLE search_entry ADD COLUMN grams_tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', grams)) STORED"
    )
    op.execute("CREATE INDEX ix_search_entry_grams_tsv ON search_entry USING gin (grams_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_entry_grams_tsv")
    op.execute("ALTER TABLE search_entry DROP COLUMN grams_tsv")
    op.execute("CREATE INDEX ix_search_entry_grams_tsv ON search_entry USING gin (to_tsvector('simple', grams))")
