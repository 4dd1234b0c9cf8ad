"""The one place that wires the edges together: parse → store → diff → events.

Every fetched body is parsed and prepared by `prepare_page` (pure: the crawler runs it in
worker processes), saved by `save_documents` and followed up by `settle` (statuses, outbox
deliveries); `store_fetched` does all three. They run inside the caller's session and never
commit; the entry points here own the unit of work. `ingest_file` commits once per page;
the crawler commits a batch of pages at once, each under its own savepoint, and settles
the batch once. Either way a fetched page is stored completely — versions, clauses,
relations, events and whatever later steps add — or not at all. Steps that react to saved
documents belong in `settle`.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import functools
import mimetypes
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Sequence, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.documents import PreparedDocument, SaveResult, compress_raw, prepare_document, save_prepared
from tracker.parse import parse_document
from sources.base import DocumentRef
from sources.http import BlockedError, Fetched, FetchError, HttpClient, HttpPolicy, RequestStats
from sources.registry import create_source
from storage.documents import touch
from storage.events import record_event
from storage.lifecycle import SweepResult, refresh_statuses, sweep
from storage.tables import CheckRun, Document, ListingEntry, Version, utcnow
from notifiers.channels import ChannelContext, open_context
from notifiers.dispatcher import DigestResult, Dispatcher, DispatchReport
from notifiers.outbox import enqueue
from storage.tables import Source as SourceRow
from tracker.config import Settings, SourceConfig, SubscriptionConfig, TrackerSettings
from tracker.model import NotADocumentError, PageKind, ParseError, PolicyDocument


def parse_page(body: bytes, *, url: str, content_type: str | None = None) -> list[PolicyDocument]:
    """The documents of one fetched page, each with its own URL (`<url>`, `<url>#2`, …).

    Raises the parser's errors (NotADocumentError, DecodeError, ParseError).
    """
    documents = parse_document(body, url=url, content_type=content_type)
    return [document.replace(url=url if index == 0 else f"{url}#{index + 1}") for index, document in enumerate(documents)]


def prepare_page(body: bytes, *, url: str, content_type: str | None = None) -> list[PreparedDocument]:
    """`parse_page`, then the rest of the pure work of saving (hashes, the compressed body).

    Pure and picklable both ways, so the crawler runs it in its parser processes.
    """
    documents = parse_page(body, url=url, content_type=content_type)
    compressed = compress_raw(body)
    return [prepare_document(document, body, compressed_raw=compressed) for document in documents]


def store_fetched(
    session: Session,
    body: bytes,
    *,
    url: str,
    fetched_at: dt.datetime,
    content_type: str | None = None,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    lifecycle: TrackerSettings = TrackerSettings(),
    subscriptions: Sequence[SubscriptionConfig] = (),
) -> list[SaveResult]:
    """Parse a fetched body and save each document in it (a page may hold several).

    The parser's errors are raised before anything is written; then `save_documents` and `settle`.
    """
    results = save_documents(
        session,
        prepare_page(body, url=url, content_type=content_type),
        fetched_at=fetched_at,
        content_type=content_type,
        source_id=source_id,
        etag=etag,
        last_modified=last_modified,
    )
    settle(session, results, fetched_at=fetched_at, lifecycle=lifecycle, subscriptions=subscriptions)
    return results


def save_documents(
    session: Session,
    documents: Sequence[PreparedDocument],
    *,
    fetched_at: dt.datetime,
    content_type: str | None = None,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> list[SaveResult]:
    """The versions, clauses, relations and save events of one page's documents, without `settle`."""
    results = []
    for prepared in documents:
        url = prepared.document.url
        if url is None:
            raise ValueError("save_documents needs each document's URL (parse_page sets it)")
        results.append(
            save_prepared(
                session,
                prepared,
                url=url,
                fetched_at=fetched_at,
                source_id=source_id,
                etag=etag,
                last_modified=last_modified,
                content_type=content_type,
            )
        )
    return results


def settle(
    session: Session,
    results: Sequence[SaveResult],
    *,
    fetched_at: dt.datetime,
    lifecycle: TrackerSettings = TrackerSettings(),
    subscriptions: Sequence[SubscriptionConfig] = (),
) -> None:
    """What follows saving: statuses and the outbox.

    Statuses are recomputed as of the fetch date (`lifecycle`: time zone, warning window)
    for each saved document and every document it repeals, amends or confirms. Every event
    recorded, by the saves and by the status changes, is routed to `subscriptions`
    (Delivery rows, same session).
    """
    saved = [result.document.id for result in results if result.version is not None and result.document.id is not None]
    on = fetched_at.astimezone(lifecycle.tz).date()
    refreshed = refresh_statuses(session, saved, on, occurred_at=fetched_at, warning_days=lifecycle.warning_days)
    enqueue(session, [event for result in results for event in result.events] + refreshed.events, subscriptions)


def ingest_file(
    engine: sa.Engine,
    path: Path,
    *,
    url: str,
    fetched_at: dt.datetime,
    lifecycle: TrackerSettings = TrackerSettings(),
    subscriptions: Sequence[SubscriptionConfig] = (),
) -> list[SaveResult]:
    """Store a local file as a fetched version of the document at `url` (`tracker ingest`)."""
    body = path.read_bytes()
    content_type, _encoding = mimetypes.guess_type(path.name)
    if content_type is None and path.suffix.lower() in (".md", ".markdown"):
        content_type = "text/markdown"
    with Session(engine, expire_on_commit=False) as session:
        results = store_fetched(
            session,
            body,
            url=url,
            fetched_at=fetched_at,
            content_type=content_type,
            lifecycle=lifecycle,
            subscriptions=subscriptions,
        )
        session.commit()
    return results


def sweep_statuses(
    engine: sa.Engine,
    lifecycle: TrackerSettings,
    on: dt.date,
    *,
    occurred_at: dt.datetime,
    subscriptions: Sequence[SubscriptionConfig] = (),
) -> SweepResult:
    """The daily lifecycle sweep (`tracker sweep`, the scheduler): every status on `on`, one transaction."""
    with Session(engine, expire_on_commit=False) as session:
        result = sweep(
            session, on, occurred_at=occurred_at, warning_days=lifecycle.warning_days, reminder_days=lifecycle.reminder_days
        )
        enqueue(session, result.events, subscriptions)
        session.commit()
    return result


# ── Crawling: sources → parse → store, in batches ────────────────────────────────────────
#
# `crawl` runs configured sources concurrently over one polite HTTP client. A source walks
# each of its listings (start URLs) page by page; an item is fetched when it is new, when
# its listing entry changed, or (revisit = "listed", the default) conditionally when it is
# known, so a silent edit is still caught and an unchanged page costs a 304. Paging a
# listing stops at a page whose entries are all known and unchanged. A document last listed
# on a page the walk covered, and not listed now, is fetched again: 404/410 counts a missing
# run, and after `removal_after_runs` of them it becomes `document_removed`. Nothing one
# listing or document does can stop the others; a source's result is a CheckRun row and its
# health on the Source row.
#
# Three kinds of work overlap so a first crawl uses every core: the event loop fetches,
# worker processes parse (`[tracker] parse_workers`), and one database thread runs every
# statement of the crawl in order, saving parsed pages in batches (`_BatchWriter`).

_GONE_STATUSES = (404, 410)
_MAX_ERROR_DETAILS = 100
_RUN_COUNTERS = ("pages", "documents", "new", "changed", "unchanged", "removed", "blocked", "errors")
_MAX_BATCH = 50
_PAGES_AHEAD = 1
_GATHER_SECONDS = 0.1


@dataclass
class SourceRun:
    """What one source's crawl did; `progress` callbacks receive it after every change.

    `to_visit` counts the documents the run has found so far (listed, or checked because no
    longer listed) and `visited` those it is done with, whatever the outcome: the crawl's
    progress, which `documents` and the error counts alone do not give (a document missing
    for a first run is neither).
    """

    source: str
    outcome: str = "running"
    pages: int = 0
    requests: int = 0
    to_visit: int = 0
    visited: int = 0
    documents: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    blocked: int = 0
    errors: int = 0
    error_details: list[dict[str, Any]] = field(default_factory=list)

    def error(self, url: str, reason: str, *, blocked: bool = False) -> None:
        if blocked:
            self.blocked += 1
        else:
            self.errors += 1
        if len(self.error_details) < _MAX_ERROR_DETAILS:
            self.error_details.append({"url": url, "reason": reason, "kind": "blocked" if blocked else "error"})

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


CrawlProgress = Callable[[SourceRun], None]


@dataclass
class _Walk:
    """How far one run got through a source's listings: what the removal check relies on."""

    seen: set[str] = field(default_factory=set)  # URLs listed on the pages walked
    pages: dict[str, int] = field(default_factory=dict)  # listing → pages read
    complete: set[str] = field(default_factory=set)  # listings read to their last page
    failed: bool = False  # a listing could not be read, or listed nothing


@dataclass(frozen=True)
class _Known:
    """A stored document's id and the validators of its latest version (for conditional GETs)."""

    document_id: int
    etag: str | None
    last_modified: str | None


def crawl(
    engine: sa.Engine,
    settings: Settings,
    names: Sequence[str] = (),
    *,
    policy: HttpPolicy | None = None,
    progress: CrawlProgress | None = None,
) -> list[SourceRun]:
    """Run the named sources (all enabled ones when none are named) and return one result each.

    Unknown names raise `ConfigError` before anything runs.
    """
    configs = select_sources(settings, names)
    return asyncio.run(crawl_async(engine, settings, configs, policy=policy, progress=progress))


def select_sources(settings: Settings, names: Sequence[str]) -> list[SourceConfig]:
    if names:
        return [settings.source(name) for name in dict.fromkeys(names)]
    return [source for source in settings.sources if source.enabled]


async def crawl_async(
    engine: sa.Engine,
    settings: Settings,
    configs: Sequence[SourceConfig],
    *,
    policy: HttpPolicy | None = None,
    progress: CrawlProgress | None = None,
) -> list[SourceRun]:
    policy = policy or HttpPolicy(user_agent=settings.tracker.user_agent)
    database = _Database(engine)
    try:
        source_ids = await database.run(_source_ids, engine, configs)
        parser = _Parser(settings.tracker.parser_processes)
        writer = _BatchWriter(database, settings)
        async with HttpClient(policy) as client:
            crawls = [
                _SourceCrawl(database, parser, writer, config, source_ids[config.name], client, settings, progress).run()
                for config in configs
            ]
            return list(await asyncio.gather(*crawls))
    finally:
        database.close()


def _source_ids(engine: sa.Engine, configs: Sequence[SourceConfig]) -> dict[str, int]:
    with Session(engine, expire_on_commit=False) as session:
        rows = upsert_sources(session, configs)
        session.commit()
    ids = {name: row.id for name, row in rows.items()}
    return {name: id_ for name, id_ in ids.items() if id_ is not None}


def upsert_sources(session: Session, configs: Sequence[SourceConfig]) -> dict[str, SourceRow]:
    """Source rows for `configs`, created or updated by name (health columns untouched)."""
    rows = {}
    for config in configs:
        row = session.exec(select(SourceRow).where(SourceRow.name == config.name)).first()
        if row is None:
            row = SourceRow(name=config.name, kind=config.kind)
        row.kind = config.kind
        row.schedule = config.schedule
        row.enabled = config.enabled
        row.config = {
            "start_urls": list(config.start_urls),
            "allowed_hosts": list(config.allowed_hosts),
            "delay": config.delay,
            "max_pages": config.max_pages,
            "options": dict(config.options),
        }
        session.add(row)
        rows[config.name] = row
    session.flush()
    return rows


_T = TypeVar("_T")


class _Database:
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


class _Parser:
    """Parses fetched pages in worker processes, or in the crawler itself when there are none.

    The pool is shared by every crawl of the process (the daemon runs many) and started on
    first use, so a crawl that only meets 304s starts no process. A worker that dies takes
    its page with it (a parse error) and the next page gets a fresh pool.
    """

    _pools: ClassVar[dict[int, ProcessPoolExecutor]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, processes: int) -> None:
        self.processes = processes

    async def prepare(self, body: bytes, *, url: str, content_type: str | None) -> list[PreparedDocument]:
        if self.processes == 0:
            return prepare_page(body, url=url, content_type=content_type)
        return await self.run(functools.partial(prepare_page, body, url=url, content_type=content_type))

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
                    initializer=exit_with_parent,
                    initargs=(os.getpid(),),
                )
                self._pools[self.processes] = pool
            return pool


def exit_with_parent(parent: int) -> None:
    """Make this parser process end when the process that started it is gone.

    A worker waits on a queue whose writing end it holds itself, so it never sees the
    crawler go away when that one is killed (SIGKILL, a test runner's hard exit): without
    this, every such end left an idle 85 MB process behind.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


_PARENT_CHECK_SECONDS = 0.5


@dataclass
class _PageToSave:
    url: str
    fetched: Fetched
    documents: list[PreparedDocument]
    fetched_at: dt.datetime
    source_id: int
    outcome: asyncio.Future[list[SaveResult]]


class _BatchWriter:
    """Saves parsed pages on the database thread, as many as are waiting in one transaction.

    Each page is saved under its own savepoint, so a page that fails is rolled back alone
    and reported; the batch commits together. A page is reported stored only once its batch
    has committed; a crash loses at most the batch in flight, whose pages are not stored and
    are therefore fetched again by the next run. While one batch is written the next one
    gathers, so batches grow exactly when writing is the bottleneck; a short batch first
    waits `_GATHER_SECONDS` for company, since every commit costs SQLite an FTS5 segment.
    """

    def __init__(self, database: _Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._waiting: list[_PageToSave] = []
        self._draining: asyncio.Task[None] | None = None

    async def save(
        self, source_id: int, url: str, fetched: Fetched, documents: list[PreparedDocument], fetched_at: dt.datetime
    ) -> list[SaveResult]:
        outcome: asyncio.Future[list[SaveResult]] = asyncio.get_running_loop().create_future()
        self._waiting.append(_PageToSave(url, fetched, documents, fetched_at, source_id, outcome))
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

    def _write(self, batch: list[_PageToSave]) -> list[list[SaveResult] | Exception]:
        outcomes: list[list[SaveResult] | Exception] = []
        with Session(self.database.engine, expire_on_commit=False) as session:
            for page in batch:
                try:
                    with session.begin_nested():
                        outcomes.append(
                            save_documents(
                                session,
                                page.documents,
                                fetched_at=page.fetched_at,
                                content_type=page.fetched.content_type,
                                source_id=page.source_id,
                                etag=page.fetched.etag,
                                last_modified=page.fetched.last_modified,
                            )
                        )
                except Exception as exc:  # one page's failure is its own; the batch goes on
                    outcomes.append(exc)
            # Statuses and deliveries once for the batch, as of its last fetch: a document and the
            # one repealing it, saved in the same batch, change status once, not twice.
            saved = [result for outcome in outcomes if not isinstance(outcome, Exception) for result in outcome]
            last_fetch = max(page.fetched_at for page in batch)
            settle(
                session,
                saved,
                fetched_at=last_fetch,
                lifecycle=self.settings.tracker,
                subscriptions=self.settings.subscriptions,
            )
            session.commit()
        return outcomes


class _SourceCrawl:
    """One run of one source: walk, fetch, store, look for removals, record the outcome.

    Methods ending in `_now` touch the database and run on the database thread.
    """

    def __init__(
        self,
        database: _Database,
        parser: _Parser,
        writer: _BatchWriter,
        config: SourceConfig,
        source_id: int,
        client: HttpClient,
        settings: Settings,
        progress: CrawlProgress | None,
    ) -> None:
        self.database = database
        self.engine = database.engine
        self.parser = parser
        self.writer = writer
        self.config = config
        self.source_id = source_id
        self.settings = settings
        self.progress = progress
        self.stats = RequestStats()
        self.source = create_source(config, client, self.stats)
        self.result = SourceRun(config.name)
        self.started = utcnow()
        self._not_modified: list[tuple[_Known, Fetched]] = []

    def _changed(self) -> None:
        self.result.requests = self.stats.requests
        if self.progress is not None:
            self.progress(self.result)

    async def run(self) -> SourceRun:
        check_id = await self.database.run(self._start_check_now)
        walk = await self._walk()
        if walk.seen:
            await self._check_unlisted(walk)
        self.result.outcome = self._outcome(walk.failed)
        self._changed()
        await self.database.run(self._finish_now, check_id)
        return self.result

    def _outcome(self, listing_failed: bool) -> str:
        run = self.result
        if listing_failed and run.documents == 0:
            return "blocked" if run.blocked else "failed"
        if run.blocked and run.documents == 0:
            return "blocked"
        return "partial" if run.errors or run.blocked else "ok"

    def _start_check_now(self) -> int | None:
        with Session(self.engine, expire_on_commit=False) as session:
            check = CheckRun(source_id=self.source_id, started_at=self.started)
            session.add(check)
            session.commit()
            return check.id

    async def _walk(self) -> _Walk:
        """Walk each listing of the source in turn; a listing that fails is recorded and the
        next one walked.

        The next listing page is read while the documents of the previous one are still being
        fetched, parsed and saved, so the pipeline does not drain at every page; at most
        `_PAGES_AHEAD` pages are in progress at once, which bounds the memory held.
        """
        walk = _Walk()
        in_progress: collections.deque[asyncio.Task[list[bool]]] = collections.deque()
        try:
            for listing in self.source.listings():
                try:
                    await self._walk_listing(listing, walk, in_progress)
                except BlockedError as exc:
                    self.result.error(exc.url, exc.reason, blocked=True)
                    walk.failed = True
                except FetchError as exc:
                    self.result.error(exc.url, f"listing: {exc.reason}")
                    walk.failed = True
                except Exception as exc:  # a kind's parser choking on a page must not stop the rest
                    self.result.error(listing, f"listing: {type(exc).__name__}: {exc}")
                    walk.failed = True
        finally:
            await asyncio.gather(*in_progress)
        return walk

    async def _walk_listing(
        self, listing: str, walk: _Walk, in_progress: collections.deque[asyncio.Task[list[bool]]]
    ) -> None:
        """Page through one listing until its end, or (incremental) a page with nothing new."""
        number = found = 0
        async for page in self.source.pages(listing):
            number += 1
            found += len(page.refs)
            self.result.pages += 1
            refs = [ref for ref in page.refs if ref.url not in walk.seen]
            walk.seen.update(ref.url for ref in refs)
            self.result.to_visit += len(refs)
            fresh = await self.database.run(self._remember_listing_now, refs, listing, number)
            walk.pages[listing] = number
            self._changed()
            revisit = refs if self.source.revisit == "listed" else [ref for ref in refs if ref.url in fresh]
            skipped = [ref.url for ref in refs if ref not in revisit]
            if skipped:
                await self.database.run(self._touch_unfetched_now, skipped)
                self.result.documents += len(skipped)
                self.result.unchanged += len(skipped)
                self.result.visited += len(skipped)
            known = await self.database.run(self._known_now, [ref.url for ref in revisit])
            in_progress.append(asyncio.create_task(self._process_all([(ref.url, known.get(ref.url)) for ref in revisit])))
            while len(in_progress) > _PAGES_AHEAD:
                await in_progress.popleft()
            if page.last:
                # A last page without links says more about a broken page than about the listing.
                if page.refs:
                    walk.complete.add(listing)
                break
            if not fresh and self.source.incremental:
                break
        if not found:
            # Nothing listed at all is a broken selector or a redesigned page far more often than
            # an emptied column; it must neither pass as "ok" nor make every document look removed.
            self.result.error(listing, "listing: no document links found (has the page layout changed?)")
            walk.failed = True

    async def _process_all(self, items: list[tuple[str, _Known | None]], *, unlisted: bool = False) -> list[bool]:
        """`_process` each item; whether the site still serves each one, in order."""
        served = await asyncio.gather(*(self._process(url, known, unlisted=unlisted) for url, known in items))
        await self._record_not_modified()
        return served

    def _remember_listing_now(self, refs: list[DocumentRef], listing: str, page: int) -> set[str]:
        """Record the listing entries and where they were listed; return the URLs that are new
        or changed since last time.

        Core statements rather than ORM objects: on an unchanged page this is two SELECTs and
        one UPDATE, whatever the page size.
        """
        if not refs:
            return set()
        urls = [ref.url for ref in refs]
        table = ListingEntry.__table__  # type: ignore[attr-defined]
        with Session(self.engine) as session:
            entries = {
                url: (title, listed_on)
                for url, title, listed_on in session.execute(
                    sa.select(table.c.url, table.c.title, table.c.listed_on).where(
                        table.c.source_id == self.source_id, table.c.url.in_(urls)
                    )
                )
            }
            stored = set(session.exec(select(Document.url).where(col(Document.url).in_(urls), col(Document.gone_at).is_(None))))
            fresh = {ref.url for ref in refs if entries.get(ref.url) != (ref.title, ref.date) or ref.url not in stored}
            new = [ref for ref in refs if ref.url not in entries]
            if new:
                session.execute(
                    sa.insert(table),
                    [
                        {"source_id": self.source_id, "url": ref.url, "title": ref.title, "listed_on": ref.date,
                         "listing": listing, "page": page, "first_listed_at": self.started,
                         "last_listed_at": self.started}
                        for ref in new
                    ],
                )  # fmt: skip
            for ref in refs:
                if ref.url in entries and entries[ref.url] != (ref.title, ref.date):
                    session.execute(
                        sa.update(table)
                        .where(table.c.source_id == self.source_id, table.c.url == ref.url)
                        .values(title=ref.title, listed_on=ref.date)
                    )
            session.execute(
                sa.update(table)
                .where(table.c.source_id == self.source_id, table.c.url.in_(urls))
                .values(last_listed_at=self.started, listing=listing, page=page)
            )
            session.commit()
        return fresh

    def _touch_unfetched_now(self, urls: list[str]) -> None:
        with Session(self.engine) as session:
            session.execute(
                sa.update(Document)
                .where(col(Document.url).in_(urls))
                .values(last_seen=self.started, missing_runs=0)
            )
            session.commit()

    def _known_now(self, urls: list[str]) -> dict[str, _Known]:
        """Stored documents among `urls` with their latest validators, in one query."""
        if not urls:
            return {}
        latest_number = (
            select(sa.func.max(Version.number)).where(Version.document_id == Document.id).correlate(Document).scalar_subquery()
        )
        query = (
            select(Document.id, Document.url, Version.etag, Version.last_modified)
            .join(Version, sa.and_(Version.document_id == Document.id, Version.number == latest_number), isouter=True)
            .where(col(Document.url).in_(urls))
        )
        with Session(self.engine) as session:
            return {url: _Known(id_, etag, last_modified) for id_, url, etag, last_modified in session.exec(query)}

    async def _record_not_modified(self) -> None:
        batch, self._not_modified = self._not_modified, []
        if batch:
            await self.database.run(self._touch_not_modified_now, batch)

    def _touch_not_modified_now(self, batch: list[tuple[_Known, Fetched]]) -> None:
        """Record a page's 304s in one transaction: last_seen, and validators if the server changed them."""
        seen_at = utcnow()
        with Session(self.engine) as session:
            session.execute(
                sa.update(Document)
                .where(col(Document.id).in_([known.document_id for known, _fetched in batch]))
                .values(last_seen=seen_at, missing_runs=0, gone_at=None)
            )
            for known, fetched in batch:
                if (fetched.etag or known.etag, fetched.last_modified or known.last_modified) != (known.etag, known.last_modified):
                    document = session.get(Document, known.document_id)
                    assert document is not None
                    touch(session, document, seen_at=seen_at, etag=fetched.etag, last_modified=fetched.last_modified)
            session.commit()

    async def _process(self, url: str, known: _Known | None, *, unlisted: bool = False) -> bool:
        """Fetch one document and store what changed; returns whether the site still serves it."""
        served = False
        try:
            fetched = await self.source.fetch(
                url, etag=known.etag if known else None, last_modified=known.last_modified if known else None
            )
        except BlockedError as exc:
            self.result.error(url, exc.reason, blocked=True)
        except FetchError as exc:
            if unlisted and known is not None and exc.status in _GONE_STATUSES:
                if await self.database.run(self._missing_now, known, url, exc.status):
                    self.result.removed += 1
            else:
                self.result.error(url, exc.reason)
        except Exception as exc:  # a bug tripped by one URL must not stop the rest of the source
            self.result.error(url, f"internal error: {type(exc).__name__}: {exc}")
        else:
            served = True
            if fetched.not_modified and known is not None:
                self._not_modified.append((known, fetched))
                self.result.documents += 1
                self.result.unchanged += 1
            else:
                await self._store(url, fetched)
        self.result.visited += 1
        self._changed()
        return served

    async def _store(self, url: str, fetched: Fetched) -> None:
        fetched_at = utcnow()
        try:
            documents = await self.parser.prepare(fetched.content, url=url, content_type=fetched.content_type)
            results = await self.writer.save(self.source_id, url, fetched, documents, fetched_at)
        except NotADocumentError as exc:
            self.result.error(url, exc.reason, blocked=exc.kind in (PageKind.CHALLENGE, PageKind.JS_SHELL))
            return
        except ParseError as exc:
            self.result.error(url, f"parse: {exc}")
            return
        except sa.exc.SQLAlchemyError as exc:
            self.result.error(url, f"storage: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            return
        except Exception as exc:  # a bug tripped by one page must not stop the rest of the source
            self.result.error(url, f"internal error: {type(exc).__name__}: {exc}")
            return
        self.result.documents += 1
        for saved in results:
            if saved.created:
                self.result.new += 1
            elif saved.changed:
                self.result.changed += 1
            else:
                self.result.unchanged += 1

    async def _check_unlisted(self, walk: _Walk) -> None:
        """Fetch again the documents last listed on pages this run walked, but not listed there now.

        One the site still serves has moved further down its listing (or off it): its entry
        is placed just past the walked pages, so the next run does not ask for it again.
        """
        candidates = await self.database.run(self._unlisted_now, walk)
        self.result.to_visit += len(candidates)
        known = await self.database.run(self._known_now, [url for url, _listing in candidates])
        served = await self._process_all([(url, known.get(url)) for url, _listing in candidates], unlisted=True)
        moved = [candidate for candidate, answered in zip(candidates, served) if answered]
        if moved:
            await self.database.run(self._place_beyond_walk_now, moved, walk)

    def _unlisted_now(self, walk: _Walk) -> list[tuple[str, str | None]]:
        """(URL, listing) of the entries this run should have seen but did not."""
        every_listing_complete = set(self.source.listings()) <= walk.complete
        with Session(self.engine) as session:
            query = (
                select(ListingEntry.url, ListingEntry.listing, ListingEntry.page)
                .join(Document, col(Document.url) == col(ListingEntry.url))
                .where(ListingEntry.source_id == self.source_id, col(Document.gone_at).is_(None))
            )
            return [
                (url, listing)
                for url, listing, page in session.exec(query)
                if url not in walk.seen
                and (
                    listing in walk.complete
                    or (listing is not None and page is not None and page <= walk.pages.get(listing, 0))
                    or (listing is None and every_listing_complete)  # recorded before migration 0008
                )
            ]

    def _place_beyond_walk_now(self, entries: list[tuple[str, str | None]], walk: _Walk) -> None:
        table = ListingEntry.__table__  # type: ignore[attr-defined]
        by_listing: dict[str, list[str]] = collections.defaultdict(list)
        for url, listing in entries:
            if listing is not None:
                by_listing[listing].append(url)
        with Session(self.engine) as session:
            for listing, urls in by_listing.items():
                session.execute(
                    sa.update(table)
                    .where(table.c.source_id == self.source_id, table.c.url.in_(urls))
                    .values(page=walk.pages.get(listing, 0) + 1)
                )
            session.commit()

    def _missing_now(self, known: _Known, url: str, status: int | None) -> bool:
        """One more run without the document; at the threshold it is removed (event + gone_at).

        Returns whether it was removed now.
        """
        now = utcnow()
        removed = False
        with Session(self.engine, expire_on_commit=False) as session:
            document = session.get(Document, known.document_id)
            assert document is not None
            document.missing_runs += 1
            if document.missing_runs >= self.settings.tracker.removal_after_runs and document.gone_at is None:
                document.gone_at = now
                event = record_event(
                    session,
                    kind="document_removed",
                    dedupe_key=f"document_removed:{document.id}:{now.isoformat()}",
                    document_id=document.id,
                    source_id=self.source_id,
                    occurred_at=now,
                    payload={
                        "url": url,
                        "title": document.title,
                        "doc_number": document.doc_number,
                        "http_status": status,
                        "missing_runs": document.missing_runs,
                    },
                )
                enqueue(session, [event], self.settings.subscriptions)
                removed = True
            session.add(document)
            session.commit()
        return removed

    def _finish_now(self, check_id: int | None) -> None:
        run, finished = self.result, utcnow()
        failing = run.outcome in ("failed", "blocked")
        with Session(self.engine, expire_on_commit=False) as session:
            check = session.get(CheckRun, check_id)
            source = session.get(SourceRow, self.source_id)
            assert check is not None and source is not None
            check.finished_at = finished
            check.outcome = run.outcome
            for name in (*_RUN_COUNTERS, "requests"):
                setattr(check, name, getattr(run, name))
            check.error_details = list(run.error_details)
            session.add(check)
            first_error = run.error_details[0] if run.error_details else None
            source.last_run_at = finished
            source.last_error = f"{first_error['reason']} ({first_error['url']})" if first_error else None
            if failing:
                source.consecutive_failures += 1
                if source.consecutive_failures == 1:
                    self._health_event(session, "source_failing", check_id, source.last_error)
            else:
                if source.consecutive_failures:
                    self._health_event(session, "source_recovered", check_id, None)
                source.consecutive_failures = 0
                source.last_success_at = finished
            session.add(source)
            session.commit()

    def _health_event(self, session: Session, kind: str, check_id: int | None, error: str | None) -> None:
        event = record_event(
            session,
            kind=kind,
            dedupe_key=f"{kind}:{self.source_id}:{check_id}",
            source_id=self.source_id,
            payload={"source": self.config.name, "outcome": self.result.outcome, "error": error},
        )
        enqueue(session, [event], self.settings.subscriptions)


# ── Alerts: the outbox's deliveries go out ───────────────────────────────────────────────
#
# Every step above that records events also creates their Delivery rows (`enqueue`) in the
# same transaction. These entries send them: `dispatch_due` every few seconds (the daemon's
# dispatch job), `send_digest` on each digest subscription's schedule.


def dispatch_due(engine: sa.Engine, settings: Settings, *, context: ChannelContext | None = None) -> DispatchReport:
    """Send the immediate deliveries (and failed digests) that are due now."""
    if context is not None:
        return Dispatcher(engine, settings.subscriptions, context=context).dispatch_due()
    with open_context(settings.tracker.tz) as opened:
        return Dispatcher(engine, settings.subscriptions, context=opened).dispatch_due()


def send_digest(
    engine: sa.Engine, settings: Settings, subscription: str, *, preview: bool = False, context: ChannelContext | None = None
) -> DigestResult:
    """Send (or with `preview`, only render) one subscription's digest of everything since the last one.

    Raises ConfigError for an unknown subscription name.
    """
    settings.subscription(subscription)
    if context is not None:
        return Dispatcher(engine, settings.subscriptions, context=context).send_digest(subscription, preview=preview)
    with open_context(settings.tracker.tz) as opened:
        return Dispatcher(engine, settings.subscriptions, context=opened).send_digest(subscription, preview=preview)
