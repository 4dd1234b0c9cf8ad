"""Leaner versions: the text is stored once, in the clause rows; the search index copies nothing

Revision ID: 0011_lean_versions
Revises: 0010
Create Date: 2026-12-06

A version's text was stored three times over (version.text, its clause rows, and the
search entries' text), and its bigrams twice (search_entry.grams and the index): about
45 of 99 KB per document. Now `version.text` is gone (a version's text is its clauses'),
clause.text is compressed (`tracker.core.packing`, a binary column),
a clause's search entry keeps an empty `text` and reads its clause row, and the bigrams live
only in the index: on SQLite a contentless FTS5 table rebuilt here from the old grams, on
PostgreSQL `grams_tsv`, no longer generated from a grams column but written with each row.
SQLite gives the freed pages back on `VACUUM`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from tracker.core.grams import grams_of
from tracker.core.packing import pack_text, unpack_text

revision: str = "0011_lean_versions"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BLOB = {"sqlite": "BLOB", "postgresql": "BYTEA"}
_EMPTY = {"BLOB": "x''", "BYTEA": "''", "VARCHAR": "''"}
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
    _convert_clause_text(_BLOB[op.get_bind().dialect.name], pack_text)


def _convert_clause_text(column_type: str, convert: Callable[[Any], Any]) -> None:
    """Rewrite clause.text through `convert` into a column of `column_type`: a new column
    filled row by row replaces it (no table rebuild, which SQLite's foreign keys forbid)."""
    connection = op.get_bind()
    op.execute(f"ALTER TABLE clause ADD COLUMN converted {column_type} DEFAULT {_EMPTY[column_type]} NOT NULL")
    rows = connection.exec_driver_sql("SELECT id, text FROM clause").all()
    if rows:
        connection.execute(
            sa.text("UPDATE clause SET converted = :converted WHERE id = :id"),
            [{"id": clause_id, "converted": convert(text)} for clause_id, text in rows],
        )
    op.execute("ALTER TABLE clause DROP COLUMN text")
    op.execute("ALTER TABLE clause RENAME COLUMN converted TO text")


def downgrade() -> None:
    connection = op.get_bind()
    _convert_clause_text("VARCHAR", unpack_text)
    op.execute("ALTER TABLE version ADD COLUMN text VARCHAR DEFAULT '' NOT NULL")
    texts: dict[int, list[str]] = defaultdict(list)
    for version_id, text in connection.exec_driver_sql("SELECT version_id, text FROM clause ORDER BY version_id, ordinal"):
        texts[version_id].append(text)
    if texts:
        connection.execute(
            sa.text("UPDATE version SET text = :text WHERE id = :id"),
            [{"id": version_id, "text": "\n\n".join(parts)} for version_id, parts in texts.items()],
        )
    op.execute(
        "UPDATE search_entry SET text = (SELECT c.text FROM clause c WHERE c.id = search_entry.clause_id) "
        "WHERE clause_id IS NOT NULL"
    )
    op.execute("ALTER TABLE search_entry ADD COLUMN grams VARCHAR DEFAULT '' NOT NULL")
    entries = connection.exec_driver_sql("SELECT id, text FROM search_entry").all()
    if entries:
        connection.execute(
            sa.text("UPDATE search_entry SET grams = :grams WHERE id = :id"),
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
