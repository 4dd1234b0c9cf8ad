"""Opening the database: URL handling, connection settings and the schema-version gate.

SQLite is the default (`sqlite:///./tracker.db`), PostgreSQL is used when the URL says so
(`postgresql://…` is mapped to the psycopg 3 driver). Every engine writes JSON without
`\\u` escapes so payloads stay readable in the database. The schema is owned by Alembic
(`storage.migrations`): `init_database` creates or upgrades it, `open_database` refuses a
database that is missing, older or newer than the code, with a one-line reason. Any other
URL (a bare path, `sqlite://file.db`, MySQL, a driver that is not installed) is refused
before SQLAlchemy sees it, with a line showing what a valid URL looks like.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tracker.core.errors import DatabaseError
from tracker.core.redact import redact_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VALID_URLS = "sqlite:///tracker.db (relative path), sqlite:////var/lib/tracker/tracker.db (absolute) or postgresql://user@host/dbname"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
# How long a SQLite statement waits for another process's transaction (the daemon's longest
# is a first crawl's batch or a sweep) before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 120_000


def url_problem(url: str) -> str | None:
    """Why `url` is not a database URL the tracker can use, or None."""
    if "\x00" in url:
        return "it contains a NUL character"
    if url.startswith("sqlite:"):
        if not url.startswith("sqlite:///"):
            return "a SQLite URL has three slashes before a relative path, four before an absolute one"
        return None
    if url.startswith(_POSTGRES_SCHEMES):
        return None
    if "://" not in url:
        return "it is not a URL"
    return f"the scheme {url.partition('://')[0]!r} is not supported"


def shown_url(url: str) -> str:
    """`url` for a message: its password masked."""
    return redact_url(url)


def normalize_url(url: str) -> str:
    """Map the plain PostgreSQL schemes to the psycopg 3 driver SQLAlchemy needs."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _sqlite_connect_settings(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so SQLAlchemy's BEGIN/SAVEPOINT
    # statements reach SQLite as written (see SQLAlchemy "Serializable isolation / Savepoints").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL every ~40 MB instead of SQLite's 4 MB: a saved document writes ~100 KB
    # (text, clauses, search rows, FTS5 segments), so the default copied the same hot index
    # pages back into the database every few dozen documents. Measured on 10,000 stored
    # documents: per-document ingest went from ~58 to ~80 documents/s. The WAL file is cut
    # back to 64 MB after a checkpoint.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA journal_size_limit=67108864")
    cursor.close()


def sqlite_begin(connection: sa.Connection) -> None:
    """Every transaction takes SQLite's write lock when it begins, waiting its turn.

    A deferred BEGIN reads first and asks for the write lock at its first write; if another
    process (the daemon beside a manual `tracker crawl`) committed in between, SQLite
    answers "database is locked" at once, without waiting: the busy timeout only covers a
    lock that is free to take. BEGIN IMMEDIATE waits (up to the busy timeout) at the start,
    where nothing is lost by waiting. Readers wait for a writer's transaction too; writers
    commit in small batches, so that is a fraction of a second.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _cannot_open(exc: sa.exc.DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines() or ["unknown error"]
    return f"cannot open database: {lines[0]}"


def create_engine(url: str) -> sa.Engine:
    """An engine with the project's settings, without checking the schema.

    DatabaseError (one line) for a URL the tracker does not support."""
    problem = url_problem(url)
    if problem is not None:
        raise DatabaseError(f"cannot use database URL {shown_url(url)!r}: {problem}; use {VALID_URLS}")
    try:
        engine = sa.create_engine(normalize_url(url), json_serializer=_json_dumps)
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {shown_url(url)!r}: {exc}; use {VALID_URLS}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect_settings)
        sa.event.listen(engine, "begin", sqlite_begin)
    return engine


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic configuration built in code: users never need an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def schema_head() -> str:
    """The newest revision in storage/migrations: what the code expects."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations has no revision"
    return head


def schema_revision(engine: sa.Engine) -> str | None:
    """The Alembic revision the database is at, None when it was never initialised."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _refuse_newer(revision: str | None, engine: sa.Engine) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(revision)
    except Exception as exc:  # alembic raises several kinds for an unknown revision
        raise DatabaseError(
            f"database {engine.url.render_as_string(hide_password=True)} has schema revision {revision}, "
            "newer than this version of tracker knows; upgrade tracker instead of using it"
        ) from exc


def init_database(url: str) -> str:
    """Create the schema or upgrade it to the code's head; return the resulting revision.

    An older database is migrated in place (data kept); a newer one is refused.
    """
    engine = create_engine(url)
    try:
        _refuse_newer(schema_revision(engine), engine)
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        return schema_head()
    except sa.exc.DBAPIError as exc:
        raise DatabaseError(_cannot_open(exc)) from exc
    except ValueError as exc:  # the driver refusing the path itself (a NUL byte)
        raise DatabaseError(f"cannot open database: {exc}") from exc
    finally:
        engine.dispose()


def open_database(url: str) -> sa.Engine:
    """An engine on a database whose schema is exactly the code's; otherwise DatabaseError."""
    engine = create_engine(url)
    try:
        revision = schema_revision(engine)
        if revision is None:
            raise DatabaseError("database is not initialised: run `tracker init` first")
        _refuse_newer(revision, engine)
        if revision != schema_head():
            raise DatabaseError(
                f"database schema {revision} is older than this tracker: run `tracker init` to upgrade it"
            )
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise DatabaseError(_cannot_open(exc)) from exc
    except ValueError as exc:  # the driver refusing the path itself (a NUL byte)
        engine.dispose()
        raise DatabaseError(f"cannot open database: {exc}") from exc
    except DatabaseError:
        engine.dispose()
        raise
    return engine
