"""Which database objects Alembic's autogenerate should compare.

The full-text search structures are dialect-specific and created by hand in migrations:
SQLite's FTS5 table `search_fts` (plus its shadow tables and triggers) and PostgreSQL's
generated column `search_entry.grams_tsv` with its GIN index `ix_search_entry_grams_tsv`.
The job queue's tables (`procrastinate_*`, PostgreSQL only) are procrastinate's, created
from its own schema by migration 0012. Everything else must match the models.
"""

from __future__ import annotations

from typing import Any

SEARCH_OBJECT_PREFIXES = ("search_fts", "ix_search_entry_grams_tsv", "grams_tsv")
JOB_QUEUE_PREFIX = "procrastinate_"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (name or "").startswith((*SEARCH_OBJECT_PREFIXES, JOB_QUEUE_PREFIX))
