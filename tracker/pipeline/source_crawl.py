"""One run of one source: walk its listings, fetch and store, look for removals, record the outcome."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from notifiers.outbox import enqueue
from sources.base import DocumentRef
from sources.http import BlockedError, DisallowedError, Fetched, FetchError, HttpClient, RequestStats
from sources.registry import create_source
from storage.documents import touch
from storage.events import record_event
from storage.tables import CheckRun, Document, ListingEntry, Version, utcnow
from storage.tables import Source as SourceRow
from tracker.config import Settings, SourceConfig
from tracker.model import NotADocumentError, PageKind, ParseError
from tracker.pipeline.attachments import FileRecheck, page_attachments
from tracker.pipeline.workers import BatchWriter, DatabaseThread, ParserPool

_GONE_STATUSES = (404, 410)
_MAX_ERROR_DETAILS = 100
_RUN_COUNTERS = ("pages", "documents", "new", "changed", "unchanged", "removed", "blocked", "errors")
_PAGES_AHEAD = 1
#: A document found off its listing but still served is asked for again this often, so a
#: later deletion is still noticed without a request per run for every such document.
_UNLISTED_RECHECK = dt.timedelta(days=7)


@dataclass
class SourceRun:
    """What one source's crawl did; `progress` callbacks receive it after every change.

    `to_visit` counts the documents the run has found so far (listed, or checked because no
    longer listed) and `visited` those it is done with, whatever the outcome: the crawl's
    progress, which `documents` and the error counts alone do not give (a document missing
    for a first run is neither). `disallowed` counts URLs robots.txt kept us from: skipped
    on purpose, so neither errors nor a reason to call the run partial.
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
    disallowed: int = 0
    error_details: list[dict[str, Any]] = field(default_factory=list)

    def skip_disallowed(self, url: str) -> None:
        self.disallowed += 1
        if len(self.error_details) < _MAX_ERROR_DETAILS:
            self.error_details.append({"url": url, "reason": "disallowed by robots.txt", "kind": "disallowed"})

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
    fresh: set[str] = field(default_factory=set)  # those new or changed since the last run
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
        self.baseline = False  # decided when the run starts: see `_start_check_now`
        self.full_walk = False  # walk every listing to its end (or max_pages): decided there too
        self._not_modified: list[tuple[Known, Fetched]] = []
        self.files = FileRecheck(self.source, database, source_id)

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
        walked_to_the_end = not walk.failed and (self.full_walk or set(self.source.listings()) <= walk.complete)
        await self.database.run(self._finish_now, check_id, walked_to_the_end)
        return self.result

    def _outcome(self, listing_failed: bool) -> str:
        run = self.result
        if listing_failed and run.documents == 0:
            return "blocked" if run.blocked else "failed"
        if run.blocked and run.documents == 0:
            return "blocked"
        return "partial" if run.errors or run.blocked else "ok"

    def _start_check_now(self) -> int | None:
        """Open the run's CheckRun. A source that never finished a run that stored anything
        (ok or partial) is on its baseline, unless its `baseline` option is off: a first run
        that was killed or failed leaves the next one the baseline still."""
        with Session(self.engine, expire_on_commit=False) as session:
            finished_before = session.exec(
                select(CheckRun.id).where(CheckRun.source_id == self.source_id, col(CheckRun.outcome).in_(("ok", "partial"))).limit(1)
            ).first()
            self.baseline = self.source.baseline and finished_before is None
            source = session.get(SourceRow, self.source_id)
            assert source is not None
            last_full_walk = source.full_walk_at
            self.full_walk = last_full_walk is None or self.started - last_full_walk >= self.source.full_walk_every
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
                except DisallowedError as exc:
                    self.result.skip_disallowed(exc.url)
                    walk.failed = True
                except BlockedError as exc:
                    self.result.error(exc.url, exc.reason, blocked=True)
                    walk.failed = True
                except FetchError as exc:
                    self.result.error(exc.url, f"listing: {exc.reason}")
                    walk.failed = True
                except Exception as exc:  # a kind's parser choking on a page must not stop the rest
                    self.result.error(listing, f"listing: {one_line(exc)}")
                    walk.failed = True
        finally:
            await asyncio.gather(*in_progress)
        return walk

    async def _walk_listing(
        self, listing: str, walk: Walk, in_progress: collections.deque[asyncio.Task[list[bool]]]
    ) -> None:
        """Page through one listing until its end, or (incremental, not a full walk) until
        `extra_pages` pages in a row after a page with nothing new had nothing new either.

        Past the first page with nothing new, only new or changed entries are fetched: those
        pages are walked to discover entries inserted below the top, not to revisit.
        """
        number = found = quiet = 0
        incremental = self.source.incremental and not self.full_walk
        async for page in self.source.pages(listing):
            number += 1
            found += len(page.refs)
            self.result.pages += 1
            refs = []
            for ref in page.refs:  # each URL once per run, even when a page or listing repeats it
                if ref.url not in walk.seen:
                    walk.seen.add(ref.url)
                    refs.append(ref)
            self.result.to_visit += len(refs)
            fresh = await self.database.run(self._remember_listing_now, refs, listing, number)
            walk.fresh |= fresh
            walk.pages[listing] = number
            self._changed()
            revisit_all = self.source.revisit == "listed" and not (self.source.incremental and quiet)
            revisit = refs if revisit_all else [ref for ref in refs if ref.url in fresh]
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
            # Nothing new here, counting what this run found new on another listing. A page whose
            # every link was left out (other hosts) says nothing either way.
            if page.refs:
                quiet = 0 if any(ref.url in walk.fresh for ref in page.refs) else quiet + 1
            if incremental and quiet > self.source.extra_pages:
                break
        if not found:
            # Nothing listed at all is a broken selector or a redesigned page far more often than
            # an emptied column; it must neither pass as "ok" nor make every document look removed.
            self.result.error(listing, f"listing: no document links found {self._where_links_may_be()}")
            walk.failed = True

    def _where_links_may_be(self) -> str:
        if self.config.allowed_hosts:
            hosts = ", ".join(self.config.allowed_hosts)
            return f"on {hosts} (has the page layout changed, or do the documents live on a host not in allowed_hosts?)"
        return "(has the page layout changed?)"

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
                .values(last_listed_at=self.started, listing=listing, page=page, unlisted_checked_at=None)
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
        except DisallowedError:
            self.result.skip_disallowed(url)
        except BlockedError as exc:
            self.result.error(url, exc.reason, blocked=True)
        except FetchError as exc:
            if unlisted and known is not None and exc.status in _GONE_STATUSES:
                if await self.database.run(self._missing_now, known, url, exc.status):
                    self.result.removed += 1
            else:
                self.result.error(url, exc.reason)
        except Exception as exc:  # a bug tripped by one URL must not stop the rest of the source
            self.result.error(url, one_line(exc))
        else:
            served = True
            if fetched.not_modified and known is not None:
                fetched = await self._unless_attachments_changed(known, url, fetched)
            if fetched.not_modified and known is not None:
                self._not_modified.append((known, fetched))
                self.result.documents += 1
                self.result.unchanged += 1
            else:
                await self._store(url, fetched)
        self.result.visited += 1
        self._changed()
        return served

    async def _unless_attachments_changed(self, known: Known, url: str, fetched: Fetched) -> Fetched:
        """The 304 as it came, or the stored page to read again when a file it was read with changed."""
        try:
            again = await self.files.page_if_changed(known.document_id, fetched)
        except Exception as exc:  # a bug tripped by one page's files must not stop the rest of the source
            self.result.error(url, one_line(exc))
            return fetched
        return fetched if again is None else again

    async def _store(self, url: str, fetched: Fetched) -> None:
        fetched_at = utcnow()
        try:
            attachments = await page_attachments(self.source, self.parser, url, fetched)
        except FetchError as exc:  # a passing failure: the page is not stored half-read
            self.result.error(url, f"attachment {exc.url}: {exc.reason}", blocked=isinstance(exc, BlockedError))
            return
        except Exception as exc:  # a bug tripped by one page must not stop the rest of the source
            self.result.error(url, one_line(exc))
            return
        try:
            documents = await self.parser.prepare(
                fetched.content, url=url, content_type=fetched.content_type, attachments=attachments
            )
            results = await self.writer.save(self.source_id, url, fetched, documents, fetched_at, alerts=not self.baseline)
        except NotADocumentError as exc:
            self.result.error(url, exc.reason, blocked=exc.kind in (PageKind.CHALLENGE, PageKind.JS_SHELL))
            return
        except ParseError as exc:
            self.result.error(url, f"parse: {exc}")
            return
        except Exception as exc:  # a bug tripped by one page must not stop the rest of the source
            self.result.error(url, one_line(exc))
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
        """Fetch again the documents that this run should have seen listed but did not.

        One that answers 404/410 counts a missing run, and is fetched again on every run until
        it is removed or answers again. One the site still serves has moved down its listing
        or off it: it is asked for again weekly (`_UNLISTED_RECHECK`), not on every run, until
        it is listed again.
        """
        candidates = await self.database.run(self._unlisted_now, walk)
        self.result.to_visit += len(candidates)
        known = await self.database.run(self._known_now, candidates)
        served = await self._process_all([(url, known.get(url)) for url in candidates], unlisted=True)
        still_served = [url for url, answered in zip(candidates, served) if answered]
        if still_served:
            await self.database.run(self._mark_unlisted_now, still_served)

    def _unlisted_now(self, walk: Walk) -> list[str]:
        """The stored documents of this source's listings that the walk did not see though it
        should have: last listed on a page the walk covered, or on a listing walked to its end,
        or already missing on an earlier run, or found off its listing a week ago or more. An
        entry whose place is unknown (recorded before migration 0008, or on a start URL no
        longer configured) counts only after a walk of every listing to its end."""
        listings = set(self.source.listings())
        every_listing_complete = listings <= walk.complete
        table = ListingEntry.__table__  # type: ignore[attr-defined]
        query = (
            sa.select(table.c.url, table.c.listing, table.c.page, table.c.unlisted_checked_at, Document.missing_runs)
            .join(Document, col(Document.url) == table.c.url)
            .where(table.c.source_id == self.source_id, col(Document.gone_at).is_(None))
        )
        with Session(self.engine) as session:
            rows = session.execute(query).all()
        candidates = []
        for url, listing, page, unlisted_checked_at, missing_runs in rows:
            if url in walk.seen:
                continue
            if missing_runs:
                candidates.append(url)
            elif unlisted_checked_at is not None:
                if self.started - unlisted_checked_at >= _UNLISTED_RECHECK:
                    candidates.append(url)
            elif listing in listings and page is not None:
                if listing in walk.complete or page <= walk.pages.get(listing, 0):
                    candidates.append(url)
            elif every_listing_complete:
                candidates.append(url)
        return candidates

    def _mark_unlisted_now(self, urls: list[str]) -> None:
        table = ListingEntry.__table__  # type: ignore[attr-defined]
        with Session(self.engine) as session:
            session.execute(
                sa.update(table)
                .where(table.c.source_id == self.source_id, table.c.url.in_(urls))
                .values(unlisted_checked_at=self.started)
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

    def _finish_now(self, check_id: int | None, walked_to_the_end: bool) -> None:
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
            # URLs robots.txt kept us from are no error, unless they are all the run has to say.
            errors = [detail for detail in run.error_details if detail["kind"] != "disallowed"]
            first_error = (errors or (run.error_details if failing else []) or [None])[0]
            source.last_run_at = finished
            if walked_to_the_end:
                source.full_walk_at = self.started
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
                if self.baseline:
                    self._baseline_event(session)
            session.add(source)
            session.commit()

    def _baseline_event(self, session: Session) -> None:
        """The one alert of a source's first crawl: how many documents it has, and those
        that need attention now (expiring, repealed, expired); once per source, ever."""
        counts = dict(
            session.exec(
                select(Document.status, sa.func.count())
                .where(Document.source_id == self.source_id, col(Document.is_placeholder).is_(False))
                .group_by(Document.status)
            ).all()
        )
        payload = baseline_payload(self.config.name, counts, self.settings.tracker.warning_days)
        event = record_event(
            session, kind="source_baseline", dedupe_key=f"source_baseline:{self.source_id}", source_id=self.source_id, payload=payload
        )
        enqueue(session, [event], self.settings.subscriptions)

    def _health_event(self, session: Session, kind: str, check_id: int | None, error: str | None) -> None:
        event = record_event(
            session,
            kind=kind,
            dedupe_key=f"{kind}:{self.source_id}:{check_id}",
            source_id=self.source_id,
            payload={"source": self.config.name, "outcome": self.result.outcome, "error": error},
        )
        enqueue(session, [event], self.settings.subscriptions)


def baseline_payload(source: str, counts: dict[str, int], warning_days: int) -> dict[str, Any]:
    """The baseline summary of `source` from its documents counted by status."""
    total = sum(counts.values())
    expiring, repealed, expired = (counts.get(status, 0) for status in ("expiring", "repealed", "expired"))
    parts = [f"baseline: {total} documents of {source}", f"{expiring} of them expiring within {warning_days} days"]
    parts += [f"{repealed} repealed", f"{expired} expired"]
    return {
        "source": source,
        "title": f"首次收录 {source}：{total} 份文件",
        "summary": ", ".join(parts),
        "documents": total,
        "expiring": expiring,
        "repealed": repealed,
        "expired": expired,
        "warning_days": warning_days,
    }


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An unexpected error as one short line for the run's details, `last_error` and the
    `source_failing` alert: a database error by the database's own message (never the SQL
    statement and parameters SQLAlchemy appends), anything else as an internal error."""
    if isinstance(exc, sa.exc.SQLAlchemyError):
        text = f"storage: {getattr(exc, 'orig', None) or exc}"
    else:
        text = f"internal error: {type(exc).__name__}: {exc}"
    first = next((line.strip() for line in text.splitlines() if line.strip()), text)
    return first if len(first) <= limit else first[: limit - 1] + "…"
