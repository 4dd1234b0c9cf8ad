"""The single-instance lock: a second daemon on the same database is refused, and the lock
dies with its holder (even on SIGKILL), on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.engine import create_engine
from storage.lock import ADVISORY_KEY, lock_holder_alive, scheduler_lock
from tests.conftest import wait_for
from tracker.core.errors import LockHeld

HOLD = """
import sys, time
from storage.lock import scheduler_lock
lock = scheduler_lock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def hold_in_subprocess(url: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, url], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def check_lock_follows_its_holder(url: str) -> None:
    engine = create_engine(url)
    try:
        assert not lock_holder_alive(engine)
        holder = hold_in_subprocess(url)
        try:
            assert lock_holder_alive(engine)
            with pytest.raises(LockHeld, match="already running"):
                scheduler_lock(url).acquire()
        finally:
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait()
        # The server ends the dead client's session when it notices the closed socket: soon, not at once.
        wait_for(lambda: not lock_holder_alive(engine), "the killed holder's lock to be released")
        mine = scheduler_lock(url)
        mine.acquire()
        assert lock_holder_alive(engine)
        mine.release()
        assert not lock_holder_alive(engine)
    finally:
        engine.dispose()


def test_sqlite_lock_file_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    check_lock_follows_its_holder(url)
    assert (tmp_path / "tracker.db.lock").exists()


def test_sqlite_refusal_names_the_holder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    holder = hold_in_subprocess(url)
    try:
        with pytest.raises(LockHeld) as caught:
            scheduler_lock(url).acquire()
        assert f"pid {holder.pid}" in str(caught.value)
        assert str(tmp_path / "tracker.db") in str(caught.value)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()


def test_different_sqlite_databases_do_not_block_each_other(tmp_path: Path) -> None:
    first, second = scheduler_lock(f"sqlite:///{tmp_path / 'a.db'}"), scheduler_lock(f"sqlite:///{tmp_path / 'b.db'}")
    first.acquire()
    second.acquire()
    first.release()
    second.release()


def test_postgres_advisory_lock(postgres_url: str) -> None:
    check_lock_follows_its_holder(postgres_url)


def terminate_lock_holders(url: str) -> int:
    """What a PostgreSQL restart does to the lock: end the session that holds it.

    Only on this test's database: every daemon of every database uses the same advisory
    key, so without the filter this would end other xdist workers' daemons' locks too.
    """
    engine = create_engine(url)
    with engine.connect() as connection:
        ended = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid = :high AND objid = :low AND objsubid = 1"
            ),
            {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF},
        ).scalar()
        connection.commit()
    engine.dispose()
    return int(ended or 0)


def test_postgres_lock_lost_with_its_connection_is_noticed_and_retaken(postgres_url: str) -> None:
    lock = scheduler_lock(postgres_url)
    lock.acquire()
    assert lock.held()
    assert terminate_lock_holders(postgres_url) == 1
    assert not lock.held()
    lock.release()
    lock.acquire()
    assert lock.held()
    lock.release()
    assert not lock.held()


def test_sqlite_lock_is_held_until_released(tmp_path: Path) -> None:
    lock = scheduler_lock(f"sqlite:///{tmp_path / 'tracker.db'}")
    lock.acquire()
    assert lock.held()
    lock.release()
    assert not lock.held()


def test_in_memory_sqlite_cannot_host_a_daemon() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        scheduler_lock("sqlite:///:memory:")
