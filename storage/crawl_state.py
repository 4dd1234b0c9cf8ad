"""What a crawl remembers between runs: check runs, listing entries, validators, missing runs.

`tracker.pipeline.source_crawl` calls these from its database thread. Each function that
takes an engine is one committed transaction; those that take a session add and flush
inside the caller's. Core statements rather than ORM objects where a page of a listing is
handled at once: on an unchanged page that is two SELECTs and one UPDATE, whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.documents import touch
from storage.tables import CheckRun, Document, ListingEntry, Version
from storage.tables import Source as SourceRow
from tracker.core.config import SourceConfig
from tracker.core.crawl_rules import ListedEntry

__all__ = [
    "CheckStart",
    "Known",
    "count_missing_run",
    "finish_check",
    "known_documents",
    "listed_entries",
    "mark_unlisted",
    "remember_listing",
    "source_health",
    "start_check",
    "status_counts",
    "touch_not_modified",
    "touch_unfetched",
    "upsert_sources",
]

_ENTRIES = ListingEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Known:
    """A stored document's id and the validators of its latest version (for conditional GETs)."""

    document_id: int
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class CheckStart:
    """A run's CheckRun, whether the source ever finished a run that stored anything, and
    when its listings were last walked to the end."""

    check_id: int | None
    finished_before: bool
    full_walk_at: dt.datetime | None


class Listed(Protocol):
    """A document link as a listing page showed it (`sources.DocumentRef`)."""

    url: str
    title: str | None
    date: dt.date | None


def start_check(engine: sa.Engine, source_id: int, started: dt.datetime) -> CheckStart:
    with Session(engine, expire_on_commit=False) as session:
        finished_before = session.exec(
            select(CheckRun.id).where(CheckRun.source_id == source_id, col(CheckRun.outcome).in_(("ok", "partial"))).limit(1)
        ).first()
        source = session.get(SourceRow, source_id)
        assert source is not None
        check = CheckRun(source_id=source_id, started_at=started)
        session.add(check)
        session.commit()
        return CheckStart(check.id, finished_before is not None, source.full_walk_at)


def remember_listing(
    engine: sa.Engine, source_id: int, refs: Sequence[Listed], listing: str, page: int, seen_at: dt.datetime
) -> set[str]:
    """Record the listing entries and where they were listed; return the URLs that are new
    or changed since last time (or whose document is not stored, or gone)."""
    if not refs:
        return set()
    urls = [ref.url for ref in refs]
    with Session(engine) as session:
        entries = {
            url: (title, listed_on)
            for url, title, listed_on in session.execute(
                sa.select(_ENTRIES.c.url, _ENTRIES.c.title, _ENTRIES.c.listed_on).where(
                    _ENTRIES.c.source_id == source_id, _ENTRIES.c.url.in_(urls)
                )
            )
        }
        stored = set(session.exec(select(Document.url).where(col(Document.url).in_(urls), col(Document.gone_at).is_(None))))
        fresh = {ref.url for ref in refs if entries.get(ref.url) != (ref.title, ref.date) or ref.url not in stored}
        new = [ref for ref in refs if ref.url not in entries]
        if new:
            session.execute(
                sa.insert(_ENTRIES),
                [
                    {"source_id": source_id, "url": ref.url, "title": ref.title, "listed_on": ref.date,
                     "listing": listing, "page": page, "first_listed_at": seen_at, "last_listed_at": seen_at}
                    for ref in new
                ],
            )  # fmt: skip
        for ref in refs:
            if ref.url in entries and entries[ref.url] != (ref.title, ref.date):
                session.execute(
                    sa.update(_ENTRIES)
                    .where(_ENTRIES.c.source_id == source_id, _ENTRIES.c.url == ref.url)
                    .values(title=ref.title, listed_on=ref.date)
                )
        session.execute(
            sa.update(_ENTRIES)
            .where(_ENTRIES.c.source_id == source_id, _ENTRIES.c.url.in_(urls))
            .values(last_listed_at=seen_at, listing=listing, page=page, unlisted_checked_at=None)
        )
        session.commit()
    return fresh


def touch_unfetched(engine: sa.Engine, urls: Sequence[str], seen_at: dt.datetime) -> None:
    """Listed again and left alone (unchanged listing entry): still there."""
    with Session(engine) as session:
        session.execute(sa.update(Document).where(col(Document.url).in_(list(urls))).values(last_seen=seen_at, missing_runs=0))
        session.commit()


def known_documents(engine: sa.Engine, urls: Sequence[str]) -> dict[str, Known]:
    """Stored documents among `urls` with their latest validators, in one query."""
    if not urls:
        return {}
    latest_number = (
        select(sa.func.max(Version.number)).where(Version.document_id == Document.id).correlate(Document).scalar_subquery()
    )
    query = (
        select(Document.id, Document.url, Version.etag, Version.last_modified)
        .join(Version, sa.and_(Version.document_id == Document.id, Version.number == latest_number), isouter=True)
        .where(col(Document.url).in_(list(urls)))
    )
    with Session(engine) as session:
        return {url: Known(id_, etag, last_modified) for id_, url, etag, last_modified in session.exec(query)}


def touch_not_modified(engine: sa.Engine, answers: Sequence[tuple[Known, str | None, str | None]], seen_at: dt.datetime) -> None:
    """Record a page's 304s (known, etag, last_modified) in one transaction: last_seen, and
    the validators where the server changed them."""
    with Session(engine) as session:
        session.execute(
            sa.update(Document)
            .where(col(Document.id).in_([known.document_id for known, _etag, _modified in answers]))
            .values(last_seen=seen_at, missing_runs=0, gone_at=None)
        )
        for known, etag, last_modified in answers:
            if (etag or known.etag, last_modified or known.last_modified) != (known.etag, known.last_modified):
                document = session.get(Document, known.document_id)
                assert document is not None
                touch(session, document, seen_at=seen_at, etag=etag, last_modified=last_modified)
        session.commit()


def listed_entries(engine: sa.Engine, source_id: int) -> list[ListedEntry]:
    """Every listing entry of the source whose document is stored and not gone."""
    query = (
        sa.select(_ENTRIES.c.url, _ENTRIES.c.listing, _ENTRIES.c.page, _ENTRIES.c.unlisted_checked_at, Document.missing_runs)
        .join(Document, col(Document.url) == _ENTRIES.c.url)
        .where(_ENTRIES.c.source_id == source_id, col(Document.gone_at).is_(None))
    )
    with Session(engine) as session:
        return [ListedEntry(*row) for row in session.execute(query).all()]


def mark_unlisted(engine: sa.Engine, source_id: int, urls: Sequence[str], checked_at: dt.datetime) -> None:
    """These documents are still served though no longer listed: ask again in a week."""
    with Session(engine) as session:
        session.execute(
            sa.update(_ENTRIES)
            .where(_ENTRIES.c.source_id == source_id, _ENTRIES.c.url.in_(list(urls)))
            .values(unlisted_checked_at=checked_at)
        )
        session.commit()


def count_missing_run(session: Session, document_id: int) -> Document:
    """One more run without the document; flushes, never commits."""
    document = session.get(Document, document_id)
    assert document is not None
    document.missing_runs += 1
    session.add(document)
    session.flush()
    return document


def source_health(session: Session, source_id: int) -> int:
    """The source's current failure streak (consecutive failed runs)."""
    source = session.get(SourceRow, source_id)
    assert source is not None
    return source.consecutive_failures


def finish_check(
    session: Session,
    check_id: int | None,
    source_id: int,
    *,
    finished: dt.datetime,
    counters: dict[str, Any],
    last_error: str | None,
    consecutive_failures: int,
    succeeded: bool,
    full_walk_at: dt.datetime | None,
) -> None:
    """Close the run's CheckRun and record the source's health; flushes, never commits."""
    check = session.get(CheckRun, check_id)
    source = session.get(SourceRow, source_id)
    assert check is not None and source is not None
    check.finished_at = finished
    for name, value in counters.items():
        setattr(check, name, value)
    session.add(check)
    source.last_run_at = finished
    if full_walk_at is not None:
        source.full_walk_at = full_walk_at
    source.last_error = last_error
    source.consecutive_failures = consecutive_failures
    if succeeded:
        source.last_success_at = finished
    session.add(source)
    session.flush()


def status_counts(session: Session, source_id: int) -> dict[str, int]:
    """The source's documents (not placeholders) counted by status."""
    rows = session.exec(
        select(Document.status, sa.func.count())
        .where(Document.source_id == source_id, col(Document.is_placeholder).is_(False))
        .group_by(Document.status)
    ).all()
    return {status: count for status, count in rows}

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
