"""The data of each page as plain dictionaries: the HTML templates and `/api/` serve the same values.

Application code: it combines the read models of `storage/` with the pure builders
(`timeline`) and the CLI's JSON shapes (`tracker.json_shapes`); it never writes.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from typing import Any

from sqlmodel import Session

from storage.lifecycle import assess_documents, expiring_documents
from storage.queries import relations_from, relations_to, versions_of
from storage.tables import Document
from storage.web_queries import DocumentFilter, dated_documents, filtered_documents, source_names, sources_with_last_check
from tracker.core.config import Settings, SourceConfig
from tracker.core.model import Status
from tracker.json_shapes import show_json, source_health
from tracker.pipeline.history import diff_versions
from tracker.web.timeline import build_timeline

#: Statuses whose end of validity is still ahead and worth a countdown.
COUNTING_DOWN = ("in_force", "expiring", "not_yet_effective")
EXPIRING_WINDOW_DAYS = 90
DAY_ITEMS = 8  # per day of the month grid; the rest are counted ("另有 N 份")


def status_label(status: str) -> str:
    try:
        return Status(status).label_zh
    except ValueError:
        return status


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def days_left(document: Document, on: dt.date) -> int | None:
    """Days until the end of validity, for a document still running on `on`."""
    if document.expires_on is None or document.status not in COUNTING_DOWN or document.expires_on < on:
        return None
    return (document.expires_on - on).days


def document_row(document: Document, source: str | None, on: dt.date) -> dict[str, Any]:
    """One row of the document list (and of `/api/documents`)."""
    return {
        "id": document.id,
        "url": document.url,
        "title": document.title,
        "enclosed_title": document.enclosed_title,
        "doc_number": document.doc_number,
        "issuer": document.issuer,
        "issued_on": _iso(document.issued_on),
        "published_on": _iso(document.published_on),
        "effective_from": _iso(document.effective_from),
        "expires_on": _iso(document.expires_on),
        "status": document.status,
        "status_label": status_label(document.status),
        "days_left": days_left(document, on),
        "source": source,
        "is_placeholder": document.is_placeholder,
    }


def documents_view(session: Session, spec: DocumentFilter, on: dt.date) -> dict[str, Any]:
    page = filtered_documents(session, spec)
    return {
        "as_of": on.isoformat(),
        "total": page.total,
        "page": spec.page,
        "pages": max(1, -(-page.total // spec.per_page)),
        "documents": [document_row(document, source, on) for document, source in page.rows],
        "sources": source_names(session),
        "statuses": [{"value": s.value, "label": s.label_zh} for s in Status],
    }


def document_view(session: Session, document: Document, on: dt.date, warning_days: int) -> dict[str, Any]:
    """`tracker show --json` for `on`, plus the drawn timeline."""
    assert document.id is not None
    assessment = assess_documents(session, on, document_ids=[document.id], warning_days=warning_days)[document.id]
    versions = versions_of(session, document.id)
    data = show_json(
        session, document, assessment, on, relations_from(session, document.id), relations_to(session, document.id), versions
    )
    timeline = build_timeline(
        issued=document.issued_on,
        published=document.published_on,
        effective=document.effective_from,
        changed=[v.fetched_at.date() for v in versions if v.number > 1],
        expires=document.expires_on,
        repealed=assessment.since if assessment.status is Status.REPEALED else None,
        today=on,
        warning_days=warning_days,
    )
    data["timeline"] = dataclasses.asdict(timeline) if timeline else None
    return data


def redline_view(session: Session, document: Document, old: int | None, new: int | None) -> dict[str, Any]:
    """`tracker diff --json` between two versions (default the last two), with the document's name."""
    assert document.id is not None
    changes = diff_versions(session, document.id, old, new)
    return {
        "id": document.id,
        "title": document.title,
        "doc_number": document.doc_number,
        "versions": [v.number for v in versions_of(session, document.id)],
        "summary": changes.summary(),
        **changes.to_json(),
    }


def calendar_view(session: Session, on: dt.date, month: tuple[int, int], warning_days: int) -> dict[str, Any]:
    """A month's grid of effective dates, ends and repeals, and what ends within 90 days of `on`."""
    year, number = month
    first = dt.date(year, number, 1)
    last = dt.date(year, number, calendar.monthrange(year, number)[1])
    by_day: dict[str, list[dict[str, Any]]] = {}
    for document in dated_documents(session, first, last):
        name = document.enclosed_title or document.title
        for kind, day in (("effective", document.effective_from), ("expires", document.expires_on), ("repealed", document.repealed_on)):
            if day is not None and first <= day <= last:
                by_day.setdefault(day.isoformat(), []).append(
                    {"id": document.id, "kind": kind, "title": name, "doc_number": document.doc_number}
                )
    weeks = [
        [
            {
                "date": day.isoformat(),
                "day": day.day,
                "in_month": day.month == number,
                "items": by_day.get(day.isoformat(), [])[:DAY_ITEMS],
                "more": max(0, len(by_day.get(day.isoformat(), [])) - DAY_ITEMS),
            }
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, number)
    ]
    ending = expiring_documents(session, on, within_days=EXPIRING_WINDOW_DAYS, warning_days=warning_days)
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (last + dt.timedelta(days=1)).strftime("%Y-%m")
    return {
        "as_of": on.isoformat(),
        "month": first.strftime("%Y-%m"),
        "previous": previous,
        "next": following,
        "weeks": weeks,
        "expiring": [
            {**document_row(document, None, on), "status": a.status.value, "status_label": a.status.label_zh, "days_left": left}
            for document, a, left in ending
        ],
        "within_days": EXPIRING_WINDOW_DAYS,
    }


def sources_view(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """`tracker sources --json` for the configured sources, then any stored source no longer configured."""
    stored = sources_with_last_check(session)
    configs = list(settings.sources)
    configured = {config.name for config in configs}
    configs += [SourceConfig(name=name, kind=row.kind) for name, (row, _check) in stored.items() if name not in configured]
    return [source_health(config, *stored.get(config.name, (None, None))) for config in configs]
