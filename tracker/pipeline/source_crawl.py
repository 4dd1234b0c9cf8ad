"""One run of one source: walk its listings, fetch and store, look for removals, record the outcome."""

from __future__ import annotations

import asyncio
import collections

import sqlalchemy as sa
from sqlmodel import Session

from sources.base import DocumentRef
from sources.http import HttpClient
from sources.registry import create_source
from sources.responses import Fetched, RequestStats
from storage import crawl_state
from storage.crawl_state import Known
from storage.events import record_spec
from storage.tables import utcnow
from tracker.core.config import Settings, SourceConfig
from tracker.core.crawl_rules import Walk, first_error, health_after_run, is_removed, run_outcome, unlisted_to_check
from tracker.core.errors import BlockedError, DisallowedError, FetchError, NotADocumentError, ParseError
from tracker.core.events.documents import removed_event
from tracker.core.events.sources import baseline_event, health_event
from tracker.core.model import PageKind
from tracker.pipeline.attachments import FileRecheck, page_attachments
from tracker.pipeline.outbox import enqueue
from tracker.pipeline.source_run import CrawlProgress, SourceRun
from tracker.pipeline.workers import BatchWriter, DatabaseThread, ParserPool

_GONE_STATUSES = (404, 410)
_RUN_COUNTERS = ("pages", "documents", "new", "changed", "unchanged", "removed", "blocked", "errors")
_PAGES_AHEAD = 1




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
        return run_outcome(listing_failed=listing_failed, documents=run.documents, blocked=run.blocked, errors=run.errors)

    def _start_check_now(self) -> int | None:
        """Open the run's CheckRun. A source that never finished a run that stored anything
        (ok or partial) is on its baseline, unless its `baseline` option is off: a first run
        that was killed or failed leaves the next one the baseline still."""
        start = crawl_state.start_check(self.engine, self.source_id, self.started)
        self.baseline = self.source.baseline and not start.finished_before
        self.full_walk = start.full_walk_at is None or self.started - start.full_walk_at >= self.source.full_walk_every
        return start.check_id

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
        return crawl_state.remember_listing(self.engine, self.source_id, refs, listing, page, self.started)

    def _touch_unfetched_now(self, urls: list[str]) -> None:
        crawl_state.touch_unfetched(self.engine, urls, self.started)

    def _known_now(self, urls: list[str]) -> dict[str, Known]:
        return crawl_state.known_documents(self.engine, urls)

    async def _record_not_modified(self) -> None:
        batch, self._not_modified = self._not_modified, []
        if batch:
            await self.database.run(self._touch_not_modified_now, batch)

    def _touch_not_modified_now(self, batch: list[tuple[Known, Fetched]]) -> None:
        """Record a page's 304s in one transaction: last_seen, and validators if the server changed them."""
        answers = [(known, fetched.etag, fetched.last_modified) for known, fetched in batch]
        crawl_state.touch_not_modified(self.engine, answers, utcnow())

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
        """The stored documents of this source's listings that the walk should have seen but
        did not (`tracker.core.crawl_rules.unlisted_to_check`)."""
        entries = crawl_state.listed_entries(self.engine, self.source_id)
        return unlisted_to_check(entries, walk, self.source.listings(), self.started)

    def _mark_unlisted_now(self, urls: list[str]) -> None:
        crawl_state.mark_unlisted(self.engine, self.source_id, urls, self.started)

    def _missing_now(self, known: Known, url: str, status: int | None) -> bool:
        """One more run without the document; at the threshold it is removed (event + gone_at).

        Returns whether it was removed now.
        """
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            document = crawl_state.count_missing_run(session, known.document_id)
            removed = is_removed(document.missing_runs, self.settings.tracker.removal_after_runs, already_gone=document.gone_at is not None)
            if removed:
                document.gone_at = now
                session.add(document)
                spec = removed_event(
                    known.document_id, url=url, title=document.title, doc_number=document.doc_number, http_status=status,
                    missing_runs=document.missing_runs, source_id=self.source_id, when=now.isoformat(),
                )
                enqueue(session, [record_spec(session, spec, now)], self.settings.subscriptions)
            session.commit()
        return removed

    def _finish_now(self, check_id: int | None, walked_to_the_end: bool) -> None:
        """Close the run, record the source's health, and send the health or baseline alert it makes."""
        run, finished = self.result, utcnow()
        failing = run.outcome in ("failed", "blocked")
        with Session(self.engine, expire_on_commit=False) as session:
            before = crawl_state.source_health(session, self.source_id)
            health = health_after_run(failing=failing, consecutive_failures=before)
            last_error = first_error(run.error_details, failing=failing)
            counters = {name: getattr(run, name) for name in (*_RUN_COUNTERS, "requests", "outcome")}
            crawl_state.finish_check(
                session,
                check_id,
                self.source_id,
                finished=finished,
                counters={**counters, "error_details": list(run.error_details)},
                last_error=last_error,
                consecutive_failures=health.consecutive_failures,
                succeeded=not failing,
                full_walk_at=self.started if walked_to_the_end else None,
            )
            specs = []
            if health.event is not None:
                specs.append(
                    health_event(health.event, self.source_id, check_id, source=self.config.name, outcome=run.outcome, error=last_error if failing else None)
                )
            if not failing and self.baseline:
                counts = crawl_state.status_counts(session, self.source_id)
                specs.append(baseline_event(self.source_id, self.config.name, counts, self.settings.tracker.warning_days))
            enqueue(session, [record_spec(session, spec) for spec in specs], self.settings.subscriptions)
            session.commit()


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
