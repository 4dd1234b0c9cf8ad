"""`tracker status`: running or not (from the lock), next and last run per source, deliveries owed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import Session

from storage.engine import create_engine
from storage.lock import scheduler_lock
from storage.status import save_daemon_state
from storage.tables import CheckRun, Delivery, Event, Source
from tests.conftest import Cli

UTC = dt.timezone.utc
CONFIG = """
[[source]]
name = "hz"
kind = "files"
paths = ["."]
schedule = "0 */6 * * *"

[[source]]
name = "new-one"
kind = "files"
paths = ["."]
"""


@pytest.fixture
def setup(db_url: str, tmp_path: Path) -> tuple[str, Path]:
    config = tmp_path / "tracker.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return db_url, config


def status(db_url: str, config: Path, *extra: str) -> str:
    code, out, err = Cli()("status", *extra, db=db_url, config=config)
    assert code == 0, err
    return out


def record_history(db_url: str) -> None:
    """One finished crawl of `hz` (2 new, 1 error), a run still going, and deliveries in three states."""
    engine = create_engine(db_url)
    finished = dt.datetime(2026, 11, 22, 4, 0, 30, tzinfo=UTC)
    with Session(engine) as session:
        source = Source(name="hz", kind="files", last_run_at=finished, last_error="HTTP 503 (http://x/a.html)")
        session.add(source)
        session.flush()
        assert source.id is not None
        session.add(CheckRun(source_id=source.id, started_at=finished - dt.timedelta(seconds=30), finished_at=finished,
                             outcome="partial", new=2, changed=0, errors=1))  # fmt: skip
        session.add(CheckRun(source_id=source.id, started_at=finished + dt.timedelta(hours=6)))
        event = Event(kind="document_added", dedupe_key="k1", payload={})
        session.add(event)
        session.flush()
        assert event.id is not None
        for state, subscription in (("pending", "a"), ("dead", "b"), ("sent", "c")):
            session.add(Delivery(event_id=event.id, subscription=subscription, channel="console", state=state))
        session.commit()
    engine.dispose()


def daemon_state(db_url: str, *, stopped: bool) -> None:
    engine = create_engine(db_url)
    save_daemon_state(
        engine,
        holder="pid 4242 on host",
        started_at=dt.datetime(2026, 11, 22, 4, 0, tzinfo=UTC),
        config_path="tracker.toml",
        jobs={
            "crawl:hz": {"schedule": "0 */6 * * *", "next_run": "2026-11-22T10:00:00+00:00", "last_run": "2026-11-22T04:00:00+00:00"},
            "sweep": {"schedule": "0 6 * * *", "next_run": "2026-11-22T22:00:00+00:00", "last_run": None},
            "dispatch": {"schedule": "every 5s", "next_run": "2026-11-22T04:00:05+00:00", "last_run": None},
        },
        stopped=stopped,
    )
    engine.dispose()


def test_never_started(setup: tuple[str, Path]) -> None:
    db_url, config = setup
    output = status(db_url, config)
    assert output.startswith("daemon: not running (never started on this database; start it with `tracker run`)")
    report = json.loads(status(db_url, config, "--json"))
    assert report["daemon"]["running"] is False
    assert [(s["name"], s["schedule"], s["next_run"], s["last_outcome"]) for s in report["sources"]] == [
        ("hz", "0 */6 * * *", None, None),
        ("new-one", "every 6h", None, None),
    ]
    assert report["deliveries"] == {"pending": 0, "sending": 0, "failed": 0, "dead": 0, "sent": 0}


def test_running_daemon_shows_next_runs_last_outcomes_and_owed_deliveries(setup: tuple[str, Path]) -> None:
    db_url, config = setup
    record_history(db_url)
    daemon_state(db_url, stopped=False)
    lock = scheduler_lock(db_url)
    lock.acquire()
    try:
        report = json.loads(status(db_url, config, "--json"))
        text = status(db_url, config)
    finally:
        lock.release()
    assert report["daemon"]["running"] is True and report["daemon"]["holder"] == "pid 4242 on host"
    hz = report["sources"][0]
    # Times in the configured zone (Asia/Shanghai); the run still going does not hide the last outcome.
    assert (hz["next_run"], hz["last_run"], hz["last_outcome"]) == ("2026-11-22T18:00:00+08:00", "2026-11-22T12:00:30+08:00", "partial")
    assert hz["last_counts"] == {"new": 2, "changed": 0, "removed": 0, "errors": 1}
    assert report["jobs"] == {"sweep": {"schedule": "0 6 * * *", "next_run": "2026-11-23T06:00:00+08:00", "last_run": None}}
    assert report["deliveries"] == {"pending": 1, "sending": 0, "failed": 0, "dead": 1, "sent": 1}
    assert text.startswith("daemon: running (pid 4242 on host, since 2026-11-22 12:00:00")
    assert "hz: last error: HTTP 503 (http://x/a.html)" in text
    assert "deliveries: 1 pending, 0 failed (retrying), 1 dead, 1 sent" in text


def test_stopped_daemon_hides_stale_next_runs(setup: tuple[str, Path]) -> None:
    db_url, config = setup
    daemon_state(db_url, stopped=True)
    report = json.loads(status(db_url, config, "--json"))
    assert report["daemon"]["running"] is False and report["daemon"]["stopped_at"] is not None
    assert all(source["next_run"] is None for source in report["sources"])
    assert status(db_url, config).startswith("daemon: not running (the last one, pid 4242 on host, stopped ")


def test_killed_daemon_is_not_running_although_its_row_says_otherwise(setup: tuple[str, Path]) -> None:
    db_url, config = setup
    daemon_state(db_url, stopped=False)
    output = status(db_url, config)
    assert output.startswith("daemon: not running (the last one, pid 4242 on host, died without stopping; last heartbeat ")


def test_uninitialised_database_is_a_one_line_error(tmp_path: Path, cli: Cli) -> None:
    code, out, err = cli("status", db=f"sqlite:///{tmp_path / 'none.db'}", config=tmp_path / "x.toml")
    assert (code, out) == (2, "")
    assert err.strip() == "error: database is not initialised: run `tracker init` first"
