"""Reading what an alert shows: Event rows joined with their documents, sources and repealers.

Returns plain values (`AlertRow`); `notifiers.alert.alert_from_rows` turns them into the
render-ready `Alert`, so storage never depends on how an alert is presented.

A handful of `IN` queries for a whole batch, not one per event, so a digest of hundreds of
events or an outbox step after a big crawl stays cheap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlmodel import Session, col, select

from storage.tables import Clause, Document, Event, Source


@dataclass(frozen=True)
class AlertRow:
    """An event with what it concerns: its document's current fields, its source's name and,
    for a repeal, the repealing document's (title, doc_number, url)."""

    event_id: int
    kind: str
    occurred_at: dt.datetime
    payload: dict[str, Any] | None
    document: dict[str, Any] | None
    source: str | None
    repealed_by: tuple[str, str | None, str] | None


def _document_fields(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "url": document.url,
        "doc_number": document.doc_number,
        "issuer": document.issuer,
        "status": document.status,
        "expires_on": document.expires_on.isoformat() if document.expires_on else None,
        "effective_from": document.effective_from.isoformat() if document.effective_from else None,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "validity": document.validity,
    }


def _repealer_id(event: Event, document: Document | None) -> int | None:
    if event.kind != "status_changed" or (event.payload or {}).get("to") != "repealed":
        return None
    by_id = (event.payload or {}).get("by_document_id")
    if isinstance(by_id, int):
        return by_id
    return document.status_by_document_id if document else None


def load_alert_rows(session: Session, events: Iterable[Event]) -> dict[int, AlertRow]:
    """What the alerts of the given (flushed) events show, by event id."""
    events = [e for e in events if e.id is not None]
    document_ids = {e.document_id for e in events if e.document_id is not None}
    documents = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(document_ids)))} if document_ids else {}
    repealer_ids = {r for e in events if (r := _repealer_id(e, documents.get(e.document_id))) is not None}
    repealers = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(repealer_ids)))} if repealer_ids else {}
    source_ids = {e.source_id or getattr(documents.get(e.document_id), "source_id", None) for e in events} - {None}
    sources = {s.id: s.name for s in session.exec(select(Source).where(col(Source.id).in_(source_ids)))} if source_ids else {}
    rows: dict[int, AlertRow] = {}
    for event in events:
        assert event.id is not None
        document = documents.get(event.document_id)
        repealer = repealers.get(_repealer_id(event, document))
        source_id = event.source_id or (document.source_id if document else None)
        rows[event.id] = AlertRow(
            event_id=event.id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            payload=event.payload,
            document=_document_fields(document) if document else None,
            source=sources.get(source_id) if source_id else None,
            repealed_by=(repealer.title, repealer.doc_number, repealer.url) if repealer else None,
        )
    return rows


def version_texts(session: Session, version_ids: Iterable[int]) -> dict[int, str]:
    """The clause text of each version, joined: what a new document's keywords are matched against."""
    ids = set(version_ids)
    texts: dict[int, list[str]] = {}
    if ids:
        for version_id, text in session.exec(select(Clause.version_id, Clause.text).where(col(Clause.version_id).in_(ids))):
            texts.setdefault(version_id, []).append(text)
    return {version_id: "\n".join(parts) for version_id, parts in texts.items()}
