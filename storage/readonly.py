"""A read-only engine for readers that must never write: `tracker web`.

SQLite: the connection refuses writes (`PRAGMA query_only`), and a transaction begins
deferred, so a page read takes no write lock and never makes the daemon's crawl wait.
PostgreSQL: every transaction is `READ ONLY`. The schema gate of `open_database` applies.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.engine import sqlite_begin, open_database


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _deferred_begin(connection: sa.Connection) -> None:
    """A snapshot for the request's reads without SQLite's write lock."""
    connection.exec_driver_sql("BEGIN")


def _read_only_postgres(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()


def open_read_only(url: str) -> sa.Engine:
    """`open_database(url)` whose connections cannot write; DatabaseError as there."""
    engine = open_database(url)
    engine.dispose()  # connections opened by the schema check were writable
    if engine.dialect.name == "sqlite":
        sa.event.remove(engine, "begin", sqlite_begin)
        sa.event.listen(engine, "connect", _query_only)
        sa.event.listen(engine, "begin", _deferred_begin)
    else:
        sa.event.listen(engine, "connect", _read_only_postgres)
    return engine
