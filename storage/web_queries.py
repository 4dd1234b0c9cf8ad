"""Read models for `tracker web`: filtered document lists, event feeds, dated documents, source health.

Each page needs one or two indexed queries even at 10,000 documents, so the filters are SQL,
not Python over every row. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import CheckRun, Document, Event, Source

PER_PAGE = 50


@dataclass(frozen=True)
class DocumentFilter:
    """The document list's filters; every field optional. Dates bound the 成文 date (else the publication date)."""

    status: str | None = None
    source: str | None = None
    issuer: str | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    keyword: str | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class DocumentPage:
    """One page of the filtered list: (document, source name) rows and how many match in all."""

    rows: list[tuple[Document, str | None]]
    total: int


def _contains(column: sa.ColumnElement[str] | sa.orm.InstrumentedAttribute[str], text: str) -> sa.ColumnElement[bool]:
    """A case-sensitive substring match with the LIKE wildcards in `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return col(column).like(f"%{escaped}%", escape="\\")


def filtered_documents(session: Session, spec: DocumentFilter) -> DocumentPage:
    """Documents matching `spec`, newest 成文 date first (undated last), one page of them."""
    dated = sa.func.coalesce(Document.issued_on, Document.published_on)
    conditions: list[sa.ColumnElement[bool]] = []
    if spec.status:
        conditions.append(col(Document.status) == spec.status)
    if spec.source:
        conditions.append(col(Source.name) == spec.source)
    if spec.issuer:
        conditions.append(_contains(Document.issuer, spec.issuer))  # type: ignore[arg-type]
    if spec.issued_from:
        conditions.append(dated >= spec.issued_from)
    if spec.issued_to:
        conditions.append(dated <= spec.issued_to)
    if spec.keyword:
        conditions.append(
            sa.or_(
                _contains(Document.title, spec.keyword),  # type: ignore[arg-type]
                _contains(Document.enclosed_title, spec.keyword),  # type: ignore[arg-type]
                _contains(Document.doc_number, spec.keyword),  # type: ignore[arg-type]
            )
        )
    joined = select(Document, Source.name).join(Source, col(Document.source_id) == Source.id, isouter=True)
    query = joined.where(*conditions)
    total = session.exec(
        select(sa.func.count()).select_from(Document).join(Source, col(Document.source_id) == Source.id, isouter=True).where(*conditions)
    ).one()
    page = query.order_by(dated.is_(None), dated.desc(), col(Document.id).desc())
    page = page.offset((max(spec.page, 1) - 1) * spec.per_page).limit(spec.per_page)
    return DocumentPage(rows=[(document, name) for document, name in session.exec(page)], total=int(total))


def source_names(session: Session) -> list[str]:
    return list(session.exec(select(Source.name).order_by(Source.name)))


def sources_with_last_check(session: Session) -> dict[str, tuple[Source, CheckRun | None]]:
    """Every stored source with its latest run, by name."""
    latest = (
        select(CheckRun.source_id, sa.func.max(col(CheckRun.id)).label("last_id")).group_by(col(CheckRun.source_id)).subquery()
    )
    query = (
        select(Source, CheckRun)
        .join(latest, latest.c.source_id == Source.id, isouter=True)
        .join(CheckRun, CheckRun.id == latest.c.last_id, isouter=True)  # type: ignore[arg-type]
        .order_by(Source.name)
    )
    return {source.name: (source, check) for source, check in session.exec(query)}


@dataclass(frozen=True)
class EventFilter:
    """Which events a feed shows: kinds and sources (any of), the document's status, a keyword
    in the document's title or 文号."""

    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    status: str | None = None
    keyword: str | None = None


def _event_query(spec: EventFilter, *columns: Any) -> sa.Select[Any]:
    source_id = sa.func.coalesce(Event.source_id, Document.source_id)
    query = (
        sa.select(*columns)
        .select_from(Event)
        .join(Document, col(Event.document_id) == Document.id, isouter=True)
        .join(Source, Source.id == source_id, isouter=True)  # type: ignore[arg-type]
    )
    if spec.kinds:
        query = query.where(col(Event.kind).in_(spec.kinds))
    if spec.sources:
        query = query.where(col(Source.name).in_(spec.sources))
    if spec.status:
        query = query.where(col(Document.status) == spec.status)
    if spec.keyword:
        query = query.where(
            sa.or_(
                _contains(Document.title, spec.keyword),  # type: ignore[arg-type]
                _contains(Document.doc_number, spec.keyword),  # type: ignore[arg-type]
            )
        )
    return query


def recent_events(session: Session, spec: EventFilter, *, limit: int = 100, before_id: int | None = None) -> list[Event]:
    """The latest recorded events matching `spec`, newest first; `before_id` pages further back."""
    query = _event_query(spec, Event)
    if before_id is not None:
        query = query.where(col(Event.id) < before_id)
    query = query.order_by(col(Event.id).desc()).limit(limit)
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class FeedState:
    """What a feed's validators are made of: if none of it moved, neither did the feed."""

    newest_id: int | None
    newest_at: dt.datetime | None
    count: int


def event_feed_state(session: Session, spec: EventFilter) -> FeedState:
    """One aggregate query, answered before a feed is rendered (a reader's conditional GET)."""
    row = session.execute(
        _event_query(spec, sa.func.max(col(Event.id)), sa.func.max(col(Event.occurred_at)), sa.func.count(col(Event.id)))
    ).one()
    return FeedState(newest_id=row[0], newest_at=_aware(row[1]), count=int(row[2]))


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """MAX() of a UTC datetime column: SQLite returns it as naive text, PostgreSQL as an aware datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


@dataclass(frozen=True)
class DatedDocument:
    """A document's calendar facts: when it takes effect, ends, or was repealed."""

    id: int
    title: str
    enclosed_title: str | None
    doc_number: str | None
    url: str
    status: str
    effective_from: dt.date | None
    expires_on: dt.date | None
    repealed_on: dt.date | None


def dated_documents(session: Session, start: dt.date | None = None, end: dt.date | None = None) -> list[DatedDocument]:
    """Documents with an effective date, an end of validity or a repeal date (inside [start, end] when given)."""
    repealed_on: sa.ColumnElement[dt.date | None] = sa.case(
        (col(Document.status) == "repealed", col(Document.status_since)), else_=None
    )

    def within(column: Any) -> sa.ColumnElement[bool]:
        condition: sa.ColumnElement[bool] = column.is_not(None)
        if start is not None:
            condition = sa.and_(condition, column >= start)
        if end is not None:
            condition = sa.and_(condition, column <= end)
        return condition

    query = (
        sa.select(
            col(Document.id),
            col(Document.title),
            col(Document.enclosed_title),
            col(Document.doc_number),
            col(Document.url),
            col(Document.status),
            col(Document.effective_from),
            col(Document.expires_on),
            repealed_on,
        )
        .where(sa.or_(within(col(Document.effective_from)), within(col(Document.expires_on)), within(repealed_on)))
        .order_by(col(Document.id))
    )
    return [DatedDocument(*row) for row in session.execute(query)]


def documents_state(session: Session) -> FeedState:
    """The newest document, the latest time any was saved or seen, and how many there are.

    Every change to a date or a status the calendar shows comes with a save, which moves
    `last_seen`; so this is the calendar's validator, read without reading the documents.
    """
    aggregates = sa.select(sa.func.max(col(Document.id)), sa.func.max(col(Document.last_seen)), sa.func.count(col(Document.id)))
    row = session.execute(aggregates).one()
    return FeedState(newest_id=row[0], newest_at=_aware(row[1]), count=int(row[2]))
