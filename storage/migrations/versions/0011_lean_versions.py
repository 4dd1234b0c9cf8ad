"""Leaner versions: the text is stored once, in the clause rows; the search index copies nothing

Revision ID: 0011_lean_versions
Revises: 0010
Create Date: 2026-12-06

A version's text was stored three times over (version.text, its clause rows, and the
search entries' text), and its bigrams twice (search_entry.grams and the index): about
45 of 99 KB per document. Now `version.text` is gone (a version's text is its clauses'),
a clause's search entry keeps an empty `text` and reads its clause row, and the bigrams live
only in the index: on SQLite a contentless FTS5 table rebuilt here from the old grams, on
PostgreSQL `grams_tsv`, no longer generated from a grams column but written with each row.
SQLite gives the freed pages back on `VACUUM`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from alembic import op

from tracker.core.grams import grams_of

revision: str = "0011_lean_versions"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUTOMERGE = "INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 16)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(grams, content='', tokenize='unicode61')")
        op.execute(_AUTOMERGE)
        op.execute("INSERT INTO search_fts(rowid, grams) SELECT id, grams FROM search_entry")
    else:
        op.execute("ALTER TABLE search_entry ALTER COLUMN grams_tsv DROP EXPRESSION")
    op.execute("ALTER TABLE search_entry DROP COLUMN grams")
    op.execute("UPDATE search_entry SET text = '' WHERE clause_id IS NOT NULL")
    op.execute("ALTER TABLE version DROP COLUMN text")


def downgrade() -> None:
    connection = op.get_bind()
    op.execute("ALTER TABLE version ADD COLUMN text VARCHAR DEFAULT '' NOT NULL")
    texts: dict[int, list[str]] = defaultdict(list)
    for version_id, text in connection.exec_driver_sql("SELECT version_id, text FROM clause ORDER BY version_id, ordinal"):
        texts[version_id].append(text)
    if texts:
        connection.exec_driver_sql(
            "UPDATE version SET text = %(text)s WHERE id = %(id)s"
            if connection.dialect.name == "postgresql"
            else "UPDATE version SET text = :text WHERE id = :id",
            [{"id": version_id, "text": "\n\n".join(parts)} for version_id, parts in texts.items()],
        )
    op.execute("UPDATE search_entry SET text = (SELECT c.text FROM clause c WHERE c.id = search_entry.clause_id) WHERE clause_id IS NOT NULL")
    op.execute("ALTER TABLE search_entry ADD COLUMN grams VARCHAR DEFAULT '' NOT NULL")
    entries = connection.exec_driver_sql("SELECT id, text FROM search_entry").all()
    if entries:
        connection.exec_driver_sql(
            "UPDATE search_entry SET grams = %(grams)s WHERE id = %(id)s"
            if connection.dialect.name == "postgresql"
            else "UPDATE search_entry SET grams = :grams WHERE id = :id",
            [{"id": entry_id, "grams": grams_of(text)} for entry_id, text in entries],
        )
    if connection.dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(grams, content='search_entry', content_rowid='id', "
            "tokenize='unicode61')"
        )
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        op.execute(_AUTOMERGE)
    else:
        op.execute("DROP INDEX ix_search_entry_grams_tsv")
        op.execute("ALTER TABLE search_entry DROP COLUMN grams_tsv")
        op.execute(
            "ALTER TABLE search_entry ADD COLUMN grams_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', grams)) STORED"
        )
        op.execute("CREATE INDEX ix_search_entry_grams_tsv ON search_entry USING gin (grams_tsv)")
