"""One scheduler per database: the single-instance lock held by `tracker run`.

The lock must vanish with the process however it dies, so it is never a row that a
crash could leave behind: on SQLite it is an `flock` on a file beside the database
(`tracker.db.lock`, which also records the holder's pid and host for the error message);
on PostgreSQL it is a session-level advisory lock held by a dedicated connection, which
the server drops when that connection closes. `lock_holder_alive` answers "is a daemon
running?" for `tracker status` without taking the lock away from anyone; the
`daemon_state` row adds what the daemon last said about itself (heartbeat, next runs),
and the read functions at the end gather the rest of what `tracker status` shows.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import time
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from storage.engine import create_engine, normalize_url
from tracker.core.errors import DatabaseError, LockHeld

# A fixed 63-bit key for pg_advisory_lock: every tracker daemon on a database competes for it.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"policy-tracker scheduler").digest()[:8], "big") >> 1
# `tracker status` probes the SQLite lock for an instant; a starting daemon retries this long.
_ACQUIRE_PATIENCE = 1.0


def holder_description() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases and for `:memory:`."""
    parsed = sa.make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def is_sqlite(url: str) -> bool:
    return sa.make_url(normalize_url(url)).get_backend_name() == "sqlite"


class FileLock:
    """`flock` on `<database>.lock`; the kernel releases it when the process exits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + _ACQUIRE_PATIENCE
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    handle.close()
                    raise LockHeld(f"another `tracker run` ({holder}) is already running on {self.path.with_suffix('')}")
                time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(holder_description())
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def held(self) -> bool:
        """Ours until released: the kernel keeps an flock for as long as this process lives."""
        return self._file is not None

    def held_by_someone(self) -> bool:
        """Probe without keeping the lock: a shared lock fails while a daemon holds it exclusively."""
        if not self.path.exists():
            return False
        with open(self.path, encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False


class AdvisoryLock:
    """`pg_try_advisory_lock` on a connection kept open for the daemon's whole life."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None
        self._connection: sa.Connection | None = None

    def acquire(self) -> None:
        engine = create_engine(self.url)
        try:
            connection = engine.connect()
            got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
            connection.commit()
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise DatabaseError(f"cannot take the daemon lock: {reason}") from exc
        if not got:
            connection.close()
            engine.dispose()
            database = engine.url.render_as_string(hide_password=True)
            raise LockHeld(f"another `tracker run` is already running on {database}")
        self._engine, self._connection = engine, connection

    def release(self) -> None:
        """Unlock and close; a connection the server already dropped has nothing left to unlock."""
        if self._connection is not None and self._engine is not None:
            try:
                self._connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                self._connection.commit()
                self._connection.close()
            except sa.exc.SQLAlchemyError:
                self._connection.invalidate()
            self._engine.dispose()
            self._connection = self._engine = None

    def held(self) -> bool:
        """Whether the lock's connection is alive and still holds it (a restarted server drops both)."""
        if self._connection is None:
            return False
        try:
            count = self._connection.execute(_HELD_BY_THIS_SESSION, _key_halves()).scalar()
            self._connection.commit()
        except sa.exc.SQLAlchemyError:
            return False
        return bool(count)


# A bigint advisory key shows in pg_locks as classid = high half, objid = low half, objsubid = 1.
_ADVISORY_ROW = (
    "locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = :high AND objid = :low AND objsubid = 1"
)
_HELD_BY_ANYONE = sa.text(f"SELECT count(*) FROM pg_locks WHERE {_ADVISORY_ROW}")
_HELD_BY_THIS_SESSION = sa.text(f"SELECT count(*) FROM pg_locks WHERE {_ADVISORY_ROW} AND pid = pg_backend_pid()")


def _key_halves() -> dict[str, int]:
    return {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF}


def scheduler_lock(url: str) -> FileLock | AdvisoryLock:
    """The lock that keeps a second daemon off database `url` (not yet acquired)."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is None:
            raise ValueError("the daemon needs a database file or server, not an in-memory SQLite database")
        return FileLock(path.with_name(path.name + ".lock"))
    return AdvisoryLock(url)


def lock_holder_alive(engine: sa.Engine) -> bool:
    """Whether some `tracker run` currently holds the lock on this engine's database."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        path = sqlite_path(url)
        return path is not None and FileLock(path.with_name(path.name + ".lock")).held_by_someone()
    with engine.connect() as connection:
        count = connection.execute(_HELD_BY_ANYONE, _key_halves()).scalar()
    return bool(count)


