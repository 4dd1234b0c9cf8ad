"""One run of one source: walk its listings, fetch and store, look for removals, record the outcome."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from notifiers.outbox import enqueue
from sources.base import DocumentRef
from sources.http import BlockedError, Fetched, FetchError, HttpClient, RequestStats
from sources.registry import create_source
from storage.documents import touch
from storage.events import record_event
from storage.tables import CheckRun, Document, ListingEntry, Version, utcnow
from storage.tables import Source as SourceRow
from tracker.config import Settings, SourceConfig
from tracker.model import NotADocumentError, PageKind, ParseError
from tracker.pipeline.workers import BatchWriter, DatabaseThread, ParserPool

_GONE_STATUSES = (404, 410)
_MAX_ERROR_DETAILS = 100
_RUN_COUNTERS = ("pages", "documents", "new", "changed", "unchanged", "removed", "blocked", "errors")
_PAGES_AHEAD = 1


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
class Walk:
    """How far one run got through a source's listings: what the removal check relies on."""

    seen: set[str] = field(default_factory=set)  # URLs listed on the pages walked
    pages: dict[str, int] = field(default_factory=dict)  # listing → pages read
    complete: set[str] = field(default_factory=set)  # listings read to their last page
    failed: bool = False  # a listing could not be read, or listed nothing


@dataclass(frozen=True)
class Known:
    """A stored document's id and the validators of its latest version (for conditional GETs)."""

    document_id: int
    etag: str | None
    last_modified: str | None


class SourceCrawl:
    """One run of one source: walk, fetch, store, look for removals, record the outcome.

    Methods ending in `_now` touch the database and run on the database thread.
    """

    def __init__(
        self,
        database: DatabaseThread,
        parser: ParserPool,
        writer: BatchWriter,
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
        self._not_modified: list[tuple[Known, Fetched]] = []

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

    async def _walk(self) -> Walk:
        """Walk each listing of the source in turn; a listing that fails is recorded and the
        next one walked.

        The next listing page is read while the documents of the previous one are still being
        fetched, parsed and saved, so the pipeline does not drain at every page; at most
        `_PAGES_AHEAD` pages are in progress at once, which bounds the memory held.
        """
        walk = Walk()
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
        self, listing: str, walk: Walk, in_progress: collections.deque[asyncio.Task[list[bool]]]
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

    async def _process_all(self, items: list[tuple[str, Known | None]], *, unlisted: bool = False) -> list[bool]:
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

    def _known_now(self, urls: list[str]) -> dict[str, Known]:
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
            return {url: Known(id_, etag, last_modified) for id_, url, etag, last_modified in session.exec(query)}

    async def _record_not_modified(self) -> None:
        batch, self._not_modified = self._not_modified, []
        if batch:
            await self.database.run(self._touch_not_modified_now, batch)

    def _touch_not_modified_now(self, batch: list[tuple[Known, Fetched]]) -> None:
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

    async def _process(self, url: str, known: Known | None, *, unlisted: bool = False) -> bool:
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

    async def _check_unlisted(self, walk: Walk) -> None:
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

    def _unlisted_now(self, walk: Walk) -> list[tuple[str, str | None]]:
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

    def _place_beyond_walk_now(self, entries: list[tuple[str, str | None]], walk: Walk) -> None:
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

    def _missing_now(self, known: Known, url: str, status: int | None) -> bool:
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
