"""Two crawls saving at once (workers, or the daemon's jobs on PostgreSQL) that both cite a
document not yet seen: the second one's placeholder insert waits for the first transaction
and fails on the unique URL when it commits. The page is saved once more and finds the
placeholder the other crawl committed, so neither page is lost and there is one placeholder."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from benchmarks.crawl import GeneratedSite
from sources.responses import Fetched
from storage.engine import open_database
from storage.tables import Document
from tests.conftest import wait_for
from tests.receivers.events import source
from tracker.core.config import Settings
from tracker.core.prepare import PreparedDocument, prepare_page
from tracker.pipeline import save_documents
from tracker.pipeline.saving import SaveResult
from tracker.pipeline.workers import BatchWriter, DatabaseThread

SITE = GeneratedSite(30)
NOW = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)


def page(n: int) -> tuple[str, Fetched, list[PreparedDocument]]:
    url = f"http://127.0.0.1:9/art/{n}.html"
    body = SITE.article(n)
    return url, Fetched(url, 200, {"content-type": "text/html"}, body), prepare_page(body, url=url, content_type="text/html")


def placeholders(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Document.url).where(col(Document.is_placeholder).is_(True)).order_by(Document.url)))


def waiting_on_a_lock(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        return bool(connection.exec_driver_sql(query).scalar_one())


def test_a_page_that_meets_another_crawls_placeholder_is_saved_once_more(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    _, _, first_documents = page(1)  # it repeals and cites documents by number
    second_url, second_fetched, second_documents = page(1 + len(SITE.templates))  # same template: same references
    outcome: list[list[SaveResult] | BaseException] = []
    with Session(engine) as session:
        source_id = source(session).id
        session.commit()
    assert source_id is not None

    async def second_crawl() -> list[SaveResult]:
        database = DatabaseThread(engine)
        try:
            return await BatchWriter(database, Settings()).save(source_id, second_url, second_fetched, second_documents, NOW)
        finally:
            database.close()

    def run_second() -> None:
        try:
            outcome.append(asyncio.run(second_crawl()))
        except BaseException as exc:  # reported by the assertion below
            outcome.append(exc)

    try:
        with Session(engine, expire_on_commit=False) as first:
            save_documents(first, first_documents, fetched_at=NOW, source_id=source_id)  # its placeholders, uncommitted
            assert placeholders(engine) == []
            other = threading.Thread(target=run_second)
            other.start()
            wait_for(lambda: bool(outcome) or waiting_on_a_lock(engine), "the second crawl to wait for the first one's placeholder")
            assert not outcome, outcome
            first.commit()
        other.join(timeout=60)

        [results] = outcome
        assert not isinstance(results, BaseException), results
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(Document).where(col(Document.is_placeholder).is_(False))).one()
        assert stored == 2
        cited = placeholders(engine)
        assert cited and len(cited) == len(set(cited))
    finally:
        engine.dispose()
