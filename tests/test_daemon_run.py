"""`tracker run` as a real process against the sample government site, with second-level schedules.

One daemon's life: it crawls on schedule, refuses a second instance, takes a new schedule
on SIGHUP (and refuses a broken one), delivers the next day's alerts, stops on SIGTERM
with exit 0; a restart continues without repeating a single event or delivery.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import tomli_w

from sources.samplesite import Fault, SampleSite
from sources.samplesite.sites import DATAPROXY_PATH
from storage.engine import create_engine, init_database
from storage.tables import CheckRun
from tests.conftest import wait_for
from tests.test_daemon_lock import terminate_lock_holders

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TRACKER = str(Path(sys.executable).with_name("tracker"))
SHUTDOWN_TIMEOUT = 15
# Starting Python with every dependency takes seconds on a busy CI machine.
PATIENCE = 90


class DaemonProcess:
    """One `tracker run` with its stdout (console alerts) and stderr (JSON logs) in files."""

    def __init__(
        self, workdir: Path, db_url: str, config: Path, name: str, shutdown_timeout: float = SHUTDOWN_TIMEOUT
    ) -> None:
        self.stdout = workdir / f"{name}.out"
        self.stderr = workdir / f"{name}.log"
        self.shutdown_timeout = shutdown_timeout
        self.process = subprocess.Popen(
            [TRACKER, "--db", db_url, "--config", str(config), "run", "--log-format", "json",
             "--dispatch-every", "0.5", "--heartbeat-every", "0.5", "--shutdown-timeout", str(shutdown_timeout)],
            stdout=self.stdout.open("w"),
            stderr=self.stderr.open("w"),
        )  # fmt: skip

    def logs(self) -> list[dict[str, Any]]:
        lines = self.stderr.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def logged(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.logs() if line["event"] == event]

    def alerts_printed(self) -> int:
        return self.stdout.read_text(encoding="utf-8").count("── console ──")

    def send_signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        """SIGTERM (or `signum`); the exit code and how long the exit took."""
        started = time.monotonic()
        self.send_signal(signum)
        code = self.process.wait(timeout=self.shutdown_timeout + 30)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()



@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def write_config(path: Path, site: SampleSite, schedule: str) -> None:
    (hanweb, *_others) = site.source_tables(delay=0.01)
    config = {
        "source": [{**hanweb, "schedule": schedule}],
        "subscription": [{"name": "console", "channel": "console"}],
    }
    path.write_text(tomli_w.dumps(config), encoding="utf-8")


def scalar(engine: sa.Engine, sql: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def finished_crawls(engine: sa.Engine) -> int:
    return int(scalar(engine, "SELECT count(*) FROM checkrun WHERE finished_at IS NOT NULL"))


def crawl_starts(engine: sa.Engine) -> list[float]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(CheckRun.started_at).order_by(CheckRun.id)).scalars().all()
    return [row.timestamp() for row in rows]


def status(db_url: str, config: Path) -> dict[str, Any]:
    done = subprocess.run(
        [TRACKER, "--db", db_url, "--config", str(config), "status", "--json"], capture_output=True, text=True, timeout=PATIENCE
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_daemon_schedules_reloads_stops_and_restarts_without_repeating(site: SampleSite, workdir: Path) -> None:
    db_url = f"sqlite:///{workdir / 'tracker.db'}"
    init_database(db_url)
    engine = create_engine(db_url)
    config = workdir / "tracker.toml"
    write_config(config, site, "every 1h")
    first = DaemonProcess(workdir, db_url, config, "first")
    try:
        # A new source is crawled at once; with "every 1h" that is the only crawl.
        wait_for(lambda: finished_crawls(engine) == 1, "the first crawl")

        second = subprocess.run(
            [TRACKER, "--db", db_url, "--config", str(config), "run"], capture_output=True, text=True, timeout=PATIENCE
        )
        assert second.returncode == 2
        assert "already running" in second.stderr and f"pid {first.process.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        assert finished_crawls(engine) == 1

        # SIGHUP with a second-level schedule: crawls now follow it.
        write_config(config, site, "every 2s jitter 0s")
        first.send_signal(signal.SIGHUP)
        wait_for(lambda: bool(first.logged("config reloaded")), "the reload")
        assert first.logged("config reloaded")[0]["changed"] == ["crawl:sample-hz"]
        wait_for(lambda: finished_crawls(engine) >= 4, "crawls every 2 s")
        starts = crawl_starts(engine)
        gaps = [later - earlier for earlier, later in zip(starts[1:], starts[2:])]
        # Fire times are exactly 2 s apart, not an hour; when a crawl records its start varies
        # with the machine's load, so the bound only says they did not come in a burst.
        assert all(gap >= 1.0 for gap in gaps), gaps

        # A broken file is refused with the key path; the running schedule stays.
        write_config(config, site, "every fortnight")
        first.send_signal(signal.SIGHUP)
        wait_for(lambda: bool(first.logged("config reload refused, keeping the running schedule")), "the refusal")
        refusal = first.logged("config reload refused, keeping the running schedule")[0]
        assert "source[0].schedule: invalid schedule 'every fortnight'" in refusal["reason"]
        crawled = finished_crawls(engine)
        wait_for(lambda: finished_crawls(engine) >= crawled + 2, "crawls continuing on the old schedule")

        # The next day: the change is crawled, and its alerts are delivered by the daemon.
        site.next_day()
        wait_for(
            lambda: scalar(engine, "SELECT count(*) FROM event WHERE kind = 'document_changed'") == 1,
            "the next day's change",
        )
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM delivery WHERE state <> 'sent'") == 0, "the deliveries")

        report = status(db_url, config)
        assert report["daemon"]["running"] is True
        (source,) = report["sources"]
        assert source["name"] == "sample-hz" and source["next_run"] is not None and source["last_outcome"] == "ok"
        assert report["deliveries"]["pending"] == 0 and report["deliveries"]["dead"] == 0

        code, took = first.stop()
        assert code == 0
        assert took < SHUTDOWN_TIMEOUT + 5
        assert first.logged("daemon stopped")
        errors = [line["event"] for line in first.logs() if line["level"] == "error"]
        assert errors == ["config reload refused, keeping the running schedule"]
    finally:
        first.kill()

    events = scalar(engine, "SELECT count(*) FROM event")
    deliveries = scalar(engine, "SELECT count(*) FROM delivery")
    assert first.alerts_printed() == deliveries > 0
    assert status(db_url, config)["daemon"]["running"] is False

    # Restart on the same database: crawls continue, nothing is recorded or sent twice.
    write_config(config, site, "every 2s jitter 0s")
    crawled = finished_crawls(engine)
    restarted = DaemonProcess(workdir, db_url, config, "restarted")
    try:
        wait_for(lambda: finished_crawls(engine) >= crawled + 2, "crawls after the restart")
        code, _took = restarted.stop(signal.SIGINT)
        assert code == 0
    finally:
        restarted.kill()
    assert restarted.logged("stop requested")[0]["signal"] == "SIGINT"
    assert scalar(engine, "SELECT count(*) FROM event") == events
    assert scalar(engine, "SELECT count(*) FROM delivery") == deliveries
    assert restarted.alerts_printed() == 0
    engine.dispose()


def test_a_crawl_hanging_at_sigterm_is_abandoned_at_the_deadline(site: SampleSite, workdir: Path) -> None:
    db_url = f"sqlite:///{workdir / 'tracker.db'}"
    init_database(db_url)
    engine = create_engine(db_url)
    config = workdir / "tracker.toml"
    write_config(config, site, "every 1h")
    site.server("hanweb").inject(DATAPROXY_PATH, Fault(hang=120))
    daemon = DaemonProcess(workdir, db_url, config, "hanging", shutdown_timeout=2)
    try:
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM checkrun") == 1, "the crawl to start")
        wait_for(lambda: not site.server("hanweb").fault_pending(DATAPROXY_PATH), "the listing request to hang")
        code, took = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0
    assert 2 <= took < 30  # the 2 s deadline, then exiting; generous for a loaded machine
    (abandoned,) = daemon.logged("abandoning jobs at the shutdown deadline")
    assert abandoned["jobs"] == ["crawl:sample-hz"]
    assert scalar(engine, "SELECT count(*) FROM document") == 0
    assert status(db_url, config)["daemon"]["running"] is False
    engine.dispose()


def test_invalid_schedule_at_start_is_one_line_and_exit_2(site: SampleSite, workdir: Path) -> None:
    db_url = f"sqlite:///{workdir / 'tracker.db'}"
    init_database(db_url)
    config = workdir / "tracker.toml"
    write_config(config, site, "0 9 * *")
    done = subprocess.run(
        [TRACKER, "--db", db_url, "--config", str(config), "run"], capture_output=True, text=True, timeout=PATIENCE
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {config}: source[0].schedule: invalid schedule '0 9 * *': expected 'every <duration>' or a cron "
        "expression with 5 fields (minute hour day month weekday), got 4 field(s)"
    )


def crawl_spans(engine: sa.Engine) -> list[tuple[float, float]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(CheckRun.started_at, CheckRun.finished_at).where(CheckRun.finished_at.is_not(None)).order_by(CheckRun.id)
        ).all()
    return [(started.timestamp(), finished.timestamp()) for started, finished in rows]


def test_daemon_on_postgresql_crawls_delivers_and_keeps_a_second_one_out(
    site: SampleSite, workdir: Path, postgres_url: str
) -> None:
    init_database(postgres_url)
    engine = create_engine(postgres_url)
    config = workdir / "tracker.toml"
    write_config(config, site, "every 1s jitter 0s")
    # Each crawl now takes longer than its interval; PostgreSQL has workers to spare, yet the
    # source's runs must not overlap.
    site.server("hanweb").inject(DATAPROXY_PATH, Fault(delay=2.5, times=None))
    daemon = DaemonProcess(workdir, postgres_url, config, "postgres")
    try:
        wait_for(lambda: finished_crawls(engine) >= 2, "two crawls")
        spans = crawl_spans(engine)
        assert all(later_start >= earlier_end for (_, earlier_end), (later_start, _) in zip(spans, spans[1:])), spans
        assert any(line["reason"] == "previous run still going" for line in daemon.logged("run skipped"))
        site.server("hanweb").clear_faults()
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM delivery WHERE state = 'sent'") > 0, "deliveries")
        # The server ends the lock's session (as a restart would): the daemon takes it again.
        assert terminate_lock_holders(postgres_url) == 1
        wait_for(lambda: bool(daemon.logged("single-instance lock taken again")), "the lock to be retaken")
        second = subprocess.run(
            [TRACKER, "--db", postgres_url, "--config", str(config), "run"], capture_output=True, text=True, timeout=PATIENCE
        )
        assert second.returncode == 2 and "already running" in second.stderr
        assert status(postgres_url, config)["daemon"]["running"] is True
        code, _took = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0
    errors = [line for line in daemon.logs() if line["level"] == "error"]
    assert [line["event"] for line in errors] == ["single-instance lock lost with its database connection; taking it again"], errors
    assert scalar(engine, "SELECT count(*) FROM delivery WHERE state <> 'sent'") == 0
    assert daemon.alerts_printed() == scalar(engine, "SELECT count(*) FROM delivery")
    engine.dispose()
