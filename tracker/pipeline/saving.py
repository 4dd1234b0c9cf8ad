"""A fetched page → stored versions, statuses and deliveries: the unit of work of every entry point.

Every fetched body is parsed and prepared by `tracker.core.prepare.prepare_page` (pure: the
crawler runs it in worker processes), saved by `save_documents` and followed up by `settle` (statuses, outbox
deliveries); `store_fetched` does all three. They run inside the caller's session and never
commit; the entry points own the unit of work. `ingest_file` commits once per page; the
crawler commits a batch of pages at once, each under its own savepoint, and settles the
batch once (`workers.BatchWriter`). Either way a fetched page is stored completely —
versions, clauses, relations, events and whatever later steps add — or not at all. Steps
that react to saved documents belong in `settle`.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from storage.attachments import save_attachments
from storage.documents import find_by_url, load_version_document, store_version, touch
from storage.events import record_spec
from storage.lifecycle import refresh_statuses
from storage.tables import Document, Event, Version
from tracker.core.config import SubscriptionConfig, TrackerSettings
from tracker.core.diff import diff_documents
from tracker.core.events.documents import added_event, changed_event
from tracker.core.model import ClauseDiff, PolicyDocument
from tracker.core.prepare import PreparedDocument, prepare_document, prepare_page
from tracker.pipeline.outbox import enqueue


@dataclass
class SaveResult:
    """What saving one document did. `version` is None when the content was unchanged."""

    document: Document
    version: Version | None
    previous: Version | None
    diff: ClauseDiff | None
    created: bool  # the document had no version before
    changed: bool  # a new version of a known document
    events: list[Event] = field(default_factory=list)


def save_prepared(
    session: Session,
    prepared: PreparedDocument,
    *,
    url: str,
    fetched_at: dt.datetime,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str | None = None,
) -> SaveResult:
    """Store a fetched document: a new version when its content changed, else only `touch`.

    The same content hash is the same version. A new version is diffed against the
    previous one (clause by clause, in the core), and the save makes `document_added` or,
    when a reader would see a difference, `document_changed`.
    """
    document, previous = find_by_url(session, url)
    if document is not None and previous is not None and previous.content_hash == prepared.content_hash:
        touch(session, document, seen_at=fetched_at, etag=etag, last_modified=last_modified)
        return SaveResult(document, None, previous, None, created=False, changed=False)
    number = previous.number + 1 if previous else 1
    diff = None
    if previous is not None:
        diff = diff_documents(load_version_document(session, previous), prepared.document, from_version=previous.number, to_version=number)
    document, version = store_version(
        session,
        document,
        prepared,
        url=url,
        number=number,
        change_summary=diff.summary() if diff is not None else "first version",
        fetched_at=fetched_at,
        source_id=source_id,
        etag=etag,
        last_modified=last_modified,
        content_type=content_type,
    )
    assert document.id is not None and version.id is not None
    facts = {"title": document.title, "doc_number": document.doc_number, "url": document.url, "source_id": source_id}
    spec = added_event(document.id, version.id, **facts) if diff is None else changed_event(document.id, version.id, diff, **facts)
    event = record_spec(session, spec, fetched_at) if spec is not None else None
    return SaveResult(
        document, version, previous, diff, created=previous is None, changed=previous is not None, events=[event] if event else []
    )


def save_version(
    session: Session,
    doc: PolicyDocument,
    *,
    url: str,
    raw: bytes,
    fetched_at: dt.datetime,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str | None = None,
) -> SaveResult:
    """`save_prepared` for a parsed document (hashes, compressed body and bigrams worked out here)."""
    return save_prepared(
        session,
        prepare_document(doc, raw),
        url=url,
        fetched_at=fetched_at,
        source_id=source_id,
        etag=etag,
        last_modified=last_modified,
        content_type=content_type,
    )


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
    """The versions, clauses, relations, attachments and save events of one page's documents, without `settle`."""
    results = []
    for prepared in documents:
        url = prepared.document.url
        if url is None:
            raise ValueError("save_documents needs each document's URL (parse_page sets it)")
        result = save_prepared(
            session,
            prepared,
            url=url,
            fetched_at=fetched_at,
            source_id=source_id,
            etag=etag,
            last_modified=last_modified,
            content_type=content_type,
        )
        if result.version is not None and result.version.id is not None and prepared.attachments:
            save_attachments(session, result.version.id, prepared.attachments)
        results.append(result)
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
