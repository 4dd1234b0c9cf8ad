"""Bytes a store takes per table, on SQLite (the `dbstat` table, pages in use) and PostgreSQL
(`pg_total_relation_size`: heap, TOAST and indexes), for the storage figures of the crawl
benchmark and of the storage budget test."""

from __future__ import annotations

import sqlalchemy as sa

# SQLite: each index and FTS5 shadow table counts against the table it belongs to. `pgsize`
# is the pages in use; `payload` the bytes of the rows alone, which do not depend on how
# full the pages happen to be (the storage budget test measures those).
_SQLITE_SIZES = (
    "SELECT coalesce(m.tbl_name, s.name) AS owner, sum(s.{measure}) AS bytes FROM dbstat s "
    "LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY owner"
)
_POSTGRES_SIZES = (
    "SELECT c.relname AS owner, pg_total_relation_size(c.oid) AS bytes FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
)


def table_bytes(engine: sa.Engine, *, payload: bool = False) -> dict[str, int]:
    """Bytes in use per table (with its indexes), largest first; on SQLite, `payload=True`
    counts the rows' bytes instead of their pages."""
    if engine.dialect.name == "sqlite":
        sql = _SQLITE_SIZES.format(measure="payload" if payload else "pgsize")
    else:
        sql = _POSTGRES_SIZES
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(sql).all()
    sizes: dict[str, int] = {}
    for name, size in rows:
        sizes[_owner(name)] = sizes.get(_owner(name), 0) + int(size)
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


def _owner(name: str) -> str:
    """FTS5 shadow tables (search_fts_data, _idx, _docsize, _config, _content) count as search_fts."""
    return "search_fts" if name.startswith("search_fts") else name


def describe(engine: sa.Engine, documents: int) -> str:
    """One line: total KB per document, then the tables that take more than 1 KB each."""
    sizes = table_bytes(engine)
    total = sum(sizes.values())
    parts = ", ".join(f"{name} {size / documents / 1000:.1f}" for name, size in sizes.items() if size / documents >= 1000)
    return f"{engine.dialect.name}: {total / documents / 1000:.1f} KB per document ({total / 1e6:.0f} MB) — {parts}"
