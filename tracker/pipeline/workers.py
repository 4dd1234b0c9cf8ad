"""The machinery that lets a first crawl use every core: one database thread, parser
processes, and the batch writer that saves parsed pages on that thread.

The event loop fetches; `ParserPool` runs `prepare_page` in worker processes
(`[tracker] parse_workers`); `DatabaseThread` runs every statement of a crawl in order; and
`BatchWriter` saves the parsed pages there, one transaction per batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Sequence, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from sources.responses import Fetched
from tracker import parser_process
from tracker.core.config import Settings
from tracker.core.errors import ParseError
from tracker.core.parse.attachments import FetchedAttachment
from tracker.core.prepare import PreparedDocument, prepare_page
from tracker.pipeline.saving import SaveResult, save_documents, settle

_MAX_BATCH = 50
_GATHER_SECONDS = 0.1

_T = TypeVar("_T")


class DatabaseThread:
    """The crawl's one database thread: every statement of a crawl runs there, in order.

    SQLite takes one writer at a time; with a single thread the crawl's own statements never
    wait on each other's locks, and the event loop keeps fetching while they run.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-db")

    async def run(self, function: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, functools.partial(function, *args))

    def close(self) -> None:
        self._thread.shutdown(wait=True)


class ParserPool:
    """Parses fetched pages in worker processes, or in the crawler itself when there are none.

    The pool is shared by every crawl of the process (the daemon runs many) and started on
    first use, so a crawl that only meets 304s starts no process. A worker that dies takes
    its page with it (a parse error) and the next page gets a fresh pool.
    """

    _pools: ClassVar[dict[int, ProcessPoolExecutor]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, processes: int) -> None:
        self.processes = processes

    async def prepare(
        self, body: bytes, *, url: str, content_type: str | None, attachments: Sequence[FetchedAttachment] = ()
    ) -> list[PreparedDocument]:
        job = functools.partial(prepare_page, body, url=url, content_type=content_type, attachments=attachments)
        return job() if self.processes == 0 else await self.run(job)

    async def run(self, job: Callable[[], _T]) -> _T:
        """Run a picklable job in the pool; a worker that died is a ParseError for this job."""
        pool = self._pool()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool as exc:
            with self._lock:
                if self._pools.get(self.processes) is pool:
                    del self._pools[self.processes]
            raise ParseError("the parser process stopped while parsing this page") from exc

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            pool = self._pools.get(self.processes)
            if pool is None:
                pool = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=parser_process.exit_with_parent,
                    initargs=(os.getpid(),),
                )
                self._pools[self.processes] = pool
            return pool


@dataclass
class PageToSave:
    url: str
    fetched: Fetched
    documents: list[PreparedDocument]
    fetched_at: dt.datetime
    source_id: int
    alerts: bool  # False during a source's baseline: events are recorded, nobody is told
    outcome: asyncio.Future[list[SaveResult]]


class BatchWriter:
    """Saves parsed pages on the database thread, as many as are waiting in one transaction.

    Each page is saved under its own savepoint, so a page that fails is rolled back alone
    and reported; the batch commits together. A page is reported stored only once its batch
    has committed; a crash loses at most the batch in flight, whose pages are not stored and
    are therefore fetched again by the next run. While one batch is written the next one
    gathers, so batches grow exactly when writing is the bottleneck; a short batch first
    waits `_GATHER_SECONDS` for company, since every commit costs SQLite an FTS5 segment.
    """

    def __init__(self, database: DatabaseThread, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._waiting: list[PageToSave] = []
        self._draining: asyncio.Task[None] | None = None

    async def save(
        self,
        source_id: int,
        url: str,
        fetched: Fetched,
        documents: list[PreparedDocument],
        fetched_at: dt.datetime,
        *,
        alerts: bool = True,
    ) -> list[SaveResult]:
        outcome: asyncio.Future[list[SaveResult]] = asyncio.get_running_loop().create_future()
        self._waiting.append(PageToSave(url, fetched, documents, fetched_at, source_id, alerts, outcome))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await outcome

    async def _drain(self) -> None:
        while self._waiting:
            if len(self._waiting) < _MAX_BATCH:
                await asyncio.sleep(_GATHER_SECONDS)
            batch, self._waiting = self._waiting[:_MAX_BATCH], self._waiting[_MAX_BATCH:]
            try:
                outcomes = await self.database.run(self._write, batch)
            except Exception as exc:  # the commit failed: nothing of the batch is stored
                outcomes = [exc] * len(batch)
            for page, outcome in zip(batch, outcomes):
                if isinstance(outcome, Exception):
                    page.outcome.set_exception(outcome)
                else:
                    page.outcome.set_result(outcome)

    def _write(self, batch: list[PageToSave]) -> list[list[SaveResult] | Exception]:
        outcomes: list[list[SaveResult] | Exception] = []
        with Session(self.database.engine, expire_on_commit=False) as session:
            for page in batch:
                outcomes.append(self._save_page(session, page))
            # Statuses and deliveries once for the batch, as of its last fetch: a document and the
            # one repealing it, saved in the same batch, change status once, not twice. Pages of a
            # source's baseline settle apart, with nobody to tell.
            last_fetch = max(page.fetched_at for page in batch)
            for alerts in (False, True):
                saved = [
                    result
                    for page, outcome in zip(batch, outcomes)
                    if page.alerts is alerts and not isinstance(outcome, Exception)
                    for result in outcome
                ]
                if saved:
                    settle(
                        session,
                        saved,
                        fetched_at=last_fetch,
                        lifecycle=self.settings.tracker,
                        subscriptions=self.settings.subscriptions if alerts else (),
                    )
            session.commit()
        return outcomes

    def _save_page(self, session: Session, page: PageToSave) -> list[SaveResult] | Exception:
        """One page under its own savepoint; its failure is its own and the batch goes on.

        Two crawls saving at once (workers, or the daemon's jobs on PostgreSQL) may both add
        the placeholder of a document they both cite: the second insert waits for the first
        transaction and fails on its unique URL once that commits. The page is then saved
        once more, and this time finds the placeholder the other crawl committed.
        """
        retried = False
        while True:
            try:
                with session.begin_nested():
                    return save_documents(
                        session,
                        page.documents,
                        fetched_at=page.fetched_at,
                        content_type=page.fetched.content_type,
                        source_id=page.source_id,
                        etag=page.fetched.etag,
                        last_modified=page.fetched.last_modified,
                    )
            except sa.exc.IntegrityError as exc:
                if retried:
                    return exc
                retried = True
            except Exception as exc:
                return exc
