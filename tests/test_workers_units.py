"""The pieces the workers share through PostgreSQL, one at a time: a host's turn and delay
(`host_pace`), the outbox claim that skips rows another worker is claiming, and the CLI's
answers for queueing jobs (and for asking it of SQLite)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.engine import open_database
from storage.host_pacing import Refused, end_turn, take_turn
from storage.outbox import OutboxStore
from storage.tables import Delivery
from tests.receivers.events import document, event, source
from tracker.core.config import SubscriptionConfig
from tracker.pipeline.outbox import enqueue

TRACKER = str(Path(sys.executable).with_name("tracker"))
HOST = "127.0.0.2:8080"
ONE_SOURCE = '[[source]]\nname = "minhang"\nkind = "listing"\nstart_urls = ["http://127.0.0.1:9/list.html"]\nitem = "li"\n'


def test_a_host_has_one_turn_and_its_delay_counts_from_the_end_of_the_last_request(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        assert take_turn(engine, HOST, "worker-a", lease=60) is None
        refused = take_turn(engine, HOST, "worker-b", lease=60)
        assert isinstance(refused, Refused) and refused.held and refused.seconds > 50

        end_turn(engine, HOST, "worker-b", spacing=30)  # not the holder: changes nothing
        assert isinstance(take_turn(engine, HOST, "worker-b", lease=60), Refused)

        end_turn(engine, HOST, "worker-a", spacing=30)
        refused = take_turn(engine, HOST, "worker-b", lease=60)
        assert isinstance(refused, Refused) and not refused.held and 25 < refused.seconds <= 30
        assert take_turn(engine, "127.0.0.3:8080", "worker-b", lease=60) is None  # other hosts are free
    finally:
        engine.dispose()


def test_a_dead_holders_lease_runs_out(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        assert take_turn(engine, HOST, "killed-worker", lease=0) is None  # its lease is already over
        assert take_turn(engine, HOST, "worker-b", lease=60) is None
    finally:
        engine.dispose()


def test_a_claim_skips_rows_another_worker_is_claiming(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        with Session(engine) as session:
            doc, version = document(session, "杭州市促进脑机接口产业发展若干措施", source_id=source(session).id)
            enqueue(session, [event(session, "document_added", doc, version)], [SubscriptionConfig(name="all", channel="console")])
            session.commit()
            [delivery_id] = session.exec(select(Delivery.id)).all()
        assert delivery_id is not None
        now = dt.datetime.now(dt.timezone.utc)
        with engine.connect() as other:  # another worker's claim, in its transaction
            other.execute(sa.select(Delivery.id).where(col(Delivery.id) == delivery_id).with_for_update())
            assert OutboxStore(engine).claim([delivery_id], now, dt.timedelta(minutes=2)) is None  # no wait
            other.rollback()
        assert OutboxStore(engine).claim([delivery_id], now, dt.timedelta(minutes=2)) == 1
    finally:
        engine.dispose()


def test_enqueue_queues_each_crawl_once(postgres_url: str, tmp_path: Path) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(ONE_SOURCE, encoding="utf-8")
    command = [TRACKER, "--db", postgres_url, "--config", str(config), "crawl", "--enqueue"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60)
    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert (first.returncode, first.stdout) == (0, "queued: minhang\n")
    assert (again.returncode, again.stdout) == (0, "already queued: minhang\n")


def test_workers_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    database, config = f"sqlite:///{tmp_path}/tracker.db", tmp_path / "tracker.toml"
    config.write_text(ONE_SOURCE, encoding="utf-8")
    subprocess.run([TRACKER, "--db", database, "--config", str(config), "init"], check=True, capture_output=True)
    base = [TRACKER, "--db", database, "--config", str(config)]
    for args in (["worker"], ["crawl", "--enqueue"], ["run", "--schedule-only"]):
        result = subprocess.run([*base, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, args
        assert result.stderr == "error: workers share their jobs through PostgreSQL; sqlite has no job queue\n", args
