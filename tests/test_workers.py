"""`tracker worker` processes sharing one PostgreSQL database: each document stored once,
each delivery sent once, every host paced across workers, and a worker SIGKILLed mid-crawl
costs nothing: another one finishes its crawl.

The site is spread over three loopback addresses and every source visits every host, so
crawls run by different workers press on the same hosts at once. Gaps are measured at the
servers: a host's next request leaves only after the previous answer arrived, plus the delay.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import tomli_w
from sqlmodel import Session, func, select

from benchmarks.multihost import SpreadSite, source_tables, start_servers
from storage.engine import open_database
from storage.tables import Delivery, Document, Event
from tests.conftest import wait_for
from tests.receivers.platforms import WebhookReceiver
from tests.test_crawl_kill import assert_every_document_whole

TRACKER = str(Path(sys.executable).with_name("tracker"))
ADDRESSES = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
DOCUMENTS = 150
DELAY = 0.1


def write_config(path: Path, site: SpreadSite, hook: WebhookReceiver) -> Path:
    tables = [{**table, "schedule": "every 1h", "baseline": False} for table in source_tables(site, ADDRESSES, DELAY)]
    config = {
        "tracker": {"parse_workers": 0},
        "source": tables,
        "subscription": [{"name": "hook", "channel": "webhook", "url": hook.webhook_url, "secret": "w"}],
    }
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


def running(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> bool:
    """True while every process runs; a process that exited fails the test with its log."""
    for process, log in zip(processes, logs):
        if process.poll() is not None:
            raise AssertionError(f"{log.name} exited {process.returncode}: {log.read_text()[-2000:]}")
    return True


def count(engine: sa.Engine, query: sa.Select) -> int:  # type: ignore[type-arg]
    with Session(engine) as session:
        return int(session.execute(query).scalar_one())


def queue_states(engine: sa.Engine) -> dict[str, int]:
    """The crawl jobs by state (finished ones are deleted by the workers)."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT status, count(*) FROM procrastinate_jobs WHERE args->>'kind' = 'crawl' GROUP BY status"
        ).all()
    return {status: n for status, n in rows}


@pytest.mark.slow
def test_three_workers_store_once_pace_hosts_and_survive_a_sigkill(postgres_url: str, tmp_path: Path) -> None:
    site = SpreadSite(DOCUMENTS, sources=3)
    servers = start_servers(site, ADDRESSES)
    hook = WebhookReceiver("w")
    hook.start()
    config = write_config(tmp_path / "tracker.toml", site, hook)
    base = [TRACKER, "--db", postgres_url, "--config", str(config)]
    worker = [*base, "worker", "--concurrency", "1", "--stalled-after", "6", "--host-lease", "6", "--log-level", "warning"]
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    workers = [subprocess.Popen(worker, stdout=log.open("w"), stderr=subprocess.STDOUT) for log in logs]
    scheduler = subprocess.Popen(
        [*base, "run", "--schedule-only", "--dispatch-every", "0.5", "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = open_database(postgres_url)
    stored = select(func.count()).select_from(Document).where(Document.is_placeholder.is_(False))  # type: ignore[attr-defined]
    try:
        # every worker is on a crawl (one job each) and some documents are in: kill one
        wait_for(
            lambda: running(workers, logs) and queue_states(engine).get("doing") == 3 and count(engine, stored) >= 20,
            "three crawls under way",
        )
        victim = workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        assert count(engine, stored) < DOCUMENTS

        survivors = (workers[1:], logs[1:])
        wait_for(
            lambda: running(*survivors) and count(engine, stored) == DOCUMENTS and not queue_states(engine),
            "every crawl finished",
            150,
        )
        # every event (documents added, and the statuses and reminders they bring) has one delivery
        events = select(func.count()).select_from(Event)
        delivered = select(func.count()).select_from(Delivery).where(Delivery.state == "sent")
        wait_for(lambda: running(*survivors) and count(engine, delivered) == count(engine, events), "every delivery sent", 90)

        assert_every_document_whole(engine)
        urls = select(func.count(sa.distinct(Document.url))).where(Document.is_placeholder.is_(False))  # type: ignore[attr-defined]
        assert count(engine, urls) == DOCUMENTS
        assert count(engine, events.where(Event.kind == "document_added")) == DOCUMENTS
        assert count(engine, select(func.count()).select_from(Delivery)) == count(engine, events)
        with Session(engine) as session:
            event_ids = session.exec(select(Event.id)).all()
            unconfirmed = set(session.exec(select(Delivery.event_id).where(Delivery.last_error_code == "unconfirmed")).all())
        # each delivery reached the receiver once; only a send the killed worker had claimed may repeat
        # (marked unconfirmed, same idempotency key, so the receiver keeps it once)
        assert sorted(set(hook.keys)) == sorted(f"{event_id}:hook" for event_id in event_ids)
        repeated = {key for key in hook.keys if hook.keys.count(key) > 1}
        assert {int(key.split(":")[0]) for key in repeated} <= unconfirmed
        assert len(hook.accepted) == len(event_ids)

        for server in servers:
            arrivals = sorted(entry.at for entry in server.log)
            assert len(arrivals) > DOCUMENTS // len(ADDRESSES)
            gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
            assert min(gaps) >= DELAY, (server.base_url, min(gaps))
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
        hook.stop()
        for server in servers:
            server.stop()
