"""A manual `tracker crawl` while `tracker run` crawls the same SQLite database waits its
turn: no failed crawl, no source marked failing, no false `source_failing` alert. Health
events carry a one-line reason, never an SQL statement."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
import tomli_w
from sqlmodel import Session, select

from sources.http import HttpPolicy
from sources.samplesite import SampleSite
from storage.engine import create_engine, init_database
from storage.tables import CheckRun, Event
from tests.test_daemon_run import PATIENCE, TRACKER, DaemonProcess, finished_crawls, wait_for
from tracker.core.config import settings_from_dict
from tracker.pipeline import crawl

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
MANUAL_CRAWLS = 6


def test_manual_crawls_beside_the_daemon_wait_their_turn(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    init_database(db_url)
    engine = create_engine(db_url)
    config = tmp_path / "tracker.toml"
    with SampleSite() as site:
        sources = [{**table, "schedule": "every 1s jitter 0s", "baseline": False} for table in site.source_tables(delay=0.01)]
        subscriptions = [{"name": "console", "channel": "console"}]
        config.write_text(tomli_w.dumps({"source": sources, "subscription": subscriptions}), encoding="utf-8")
        daemon = DaemonProcess(tmp_path, db_url, config, "daemon")
        try:
            wait_for(lambda: finished_crawls(engine) >= 3, "the daemon's first crawls")
            manual = []
            for _ in range(MANUAL_CRAWLS // 2):  # two at a time, beside the daemon's own crawls every second
                running = [
                    subprocess.Popen(
                        [TRACKER, "--db", db_url, "--config", str(config), "crawl"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    )
                    for _ in range(2)
                ]  # fmt: skip
                manual += [(process.wait(timeout=PATIENCE), *process.communicate()) for process in running]
            code, _took = daemon.stop()
        finally:
            daemon.kill()
    assert code == 0
    assert [(exit_code, err) for exit_code, _out, err in manual if exit_code != 0] == []
    assert all("database is locked" not in err for _code, _out, err in manual)
    with Session(engine) as session:
        outcomes = {outcome for outcome in session.exec(select(CheckRun.outcome))}
        failing = session.exec(select(Event).where(Event.kind == "source_failing")).all()
    engine.dispose()
    assert outcomes == {"ok"}
    assert failing == []
    errors = [line for line in daemon.logs() if line["level"] in ("error", "warning")]
    assert errors == []


def test_a_storage_error_reaches_the_health_event_as_one_line(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracker.pipeline.source_crawl as source_crawl

    def locked(*_args: object) -> set[str]:
        raise sa.exc.OperationalError(
            "UPDATE listing_entry SET last_listed_at=? WHERE listing_entry.source_id = ?", ("2026-12-05", 1), Exception("database is locked")
        )

    monkeypatch.setattr(source_crawl.SourceCrawl, "_remember_listing_now", locked)
    with SampleSite() as site:
        settings = settings_from_dict(
            {"source": site.source_tables(delay=0), "subscription": [{"name": "console", "channel": "console"}]}
        )
        runs = crawl(engine, settings, ["sample-mh"], policy=HttpPolicy(default_delay=0, retries=0))
    with Session(engine) as session:
        (event,) = session.exec(select(Event).where(Event.kind == "source_failing")).all()
    assert runs[0].outcome == "failed"
    assert event.payload["error"].startswith("listing: storage: database is locked (")
    assert "\n" not in event.payload["error"] and "UPDATE" not in event.payload["error"]
