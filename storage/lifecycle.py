"""Statuses in the database: bulk-load documents and relations, assess purely, write what changed.

The daily sweep (`sweep`) and the pipeline's per-document step (`refresh_statuses`) share
one path: load the documents' dates and the repeal/amend/confirm relations pointing at them
in two queries, run `tracker.core.lifecycle.assess` in memory, write only the rows whose status,
reason or evidence changed, and record `status_changed` / `expiry_reminder` events with one
INSERT … ON CONFLICT (dedupe_key) DO NOTHING — what `storage.events.record_event` does one
event at a time — so re-running, restarting or re-ingesting never records a fact twice.
Like every storage function this flushes but never commits: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.tables import Document, Event, Relation
from tracker.core.lifecycle import (
    DEFAULT_REMINDER_DAYS,
    DEFAULT_WARNING_DAYS,
    LIFECYCLE_RELATION_KINDS,
    Assessment,
    DatedDocument,
    EventSpec,
    IncomingRelation,
    StoredStatus,
    assess,
    expiry_reminder_event,
    status_change_event,
)
from tracker.core.model import Status

_T = TypeVar("_T")
_CHUNK = 500
_STATUS_FIELDS = ("status", "status_since", "status_reason", "status_evidence", "status_by_document_id", "amended")
_STATUS_UPDATES = sa.Table(
    "lifecycle_status_update",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String),
    sa.Column("status_since", sa.Date),
    sa.Column("status_reason", sa.String),
    sa.Column("status_evidence", sa.String),
    sa.Column("status_by_document_id", sa.Integer),
    sa.Column("amended", sa.Boolean),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
# Changed rows up to this many are updated one statement each (executemany): the per-document
# refresh changes one to three rows, where creating and dropping the temporary table costs more.
_ROW_BY_ROW_UPDATES = 20

# The statements every save runs are built once, with expanding IN parameters: building and
# cache-keying a fresh statement per call costs several times more than executing it.
_IDS = sa.bindparam("ids", expanding=True)
_DOCUMENT_DATES = sa.select(
    Document.id,
    sa.func.coalesce(Document.enclosed_title, Document.title),
    Document.doc_number,
    Document.issued_on,
    Document.published_on,
    Document.effective_from,
    Document.expires_on,
    Document.validity,
    Document.is_placeholder,
    *(getattr(Document, name) for name in _STATUS_FIELDS),
)
_DOCUMENT_DATES_BY_ID = _DOCUMENT_DATES.where(col(Document.id).in_(_IDS))
_INCOMING = sa.select(Relation.target_document_id, Relation.from_document_id, Relation.kind, Relation.evidence).where(
    col(Relation.target_document_id).is_not(None),
    col(Relation.kind).in_(LIFECYCLE_RELATION_KINDS),
    Relation.target_document_id != Relation.from_document_id,
)
_INCOMING_BY_TARGET = _INCOMING.where(col(Relation.target_document_id).in_(_IDS))
_AFFECTED = sa.union(
    sa.select(Relation.target_document_id).where(
        col(Relation.from_document_id).in_(_IDS),
        col(Relation.kind).in_(LIFECYCLE_RELATION_KINDS),
        col(Relation.target_document_id).is_not(None),
    ),
    sa.select(Document.id).where(col(Document.status_by_document_id).in_(_IDS)),
)


@dataclass
class SweepResult:
    """What one pass did: how many documents it assessed, how many rows it rewrote, the new events."""

    on: dt.date
    assessed: int = 0
    updated: int = 0
    events: list[Event] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = defaultdict(int)
        for event in self.events:
            kinds[event.kind] += 1
        return dict(kinds)


@dataclass(frozen=True, slots=True)
class _Stored:
    """A document's stored status columns (`values`, in `_STATUS_FIELDS` order) and what events need."""

    values: tuple[object, ...]
    status: StoredStatus
    expires_on: dt.date | None
    is_placeholder: bool


def sweep(
    session: Session,
    on: dt.date,
    *,
    occurred_at: dt.datetime,
    warning_days: int = DEFAULT_WARNING_DAYS,
    reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
) -> SweepResult:
    """Recompute every document's status on `on`; record transitions and the expiry reminders due."""
    return _apply(session, on, None, occurred_at, warning_days, reminder_days)


def refresh_statuses(
    session: Session,
    document_ids: Iterable[int],
    on: dt.date,
    *,
    occurred_at: dt.datetime,
    warning_days: int = DEFAULT_WARNING_DAYS,
) -> SweepResult:
    """Recompute, on `on`, these documents, every document their repeals/amends/confirms point to,
    and every document whose status they decided (a new version may have dropped a repeal).

    The pipeline calls it after saving a version, in the same transaction. Expiry
    reminders are left to the daily sweep.
    """
    ids = set(document_ids)
    if not ids:
        return SweepResult(on)
    session.flush()
    ids.update(session.connection().execute(_AFFECTED, {"ids": list(ids)}).scalars())
    return _apply(session, on, ids, occurred_at, warning_days, ())


def assess_documents(
    session: Session,
    on: dt.date,
    *,
    document_ids: Collection[int] | None = None,
    warning_days: int = DEFAULT_WARNING_DAYS,
) -> dict[int, Assessment]:
    """Every (or these) document's status on `on`, computed without writing: `docs --as-of`, `expiring`, `show`."""
    documents, _ = _load_documents(session, document_ids)
    incoming = _load_incoming(session, document_ids, documents)
    return {doc_id: assess(doc, incoming.get(doc_id, ()), on, warning_days=warning_days) for doc_id, doc in documents.items()}


def expiring_documents(
    session: Session, on: dt.date, *, within_days: int, warning_days: int = DEFAULT_WARNING_DAYS
) -> list[tuple[Document, Assessment, int]]:
    """Documents in force on `on` whose validity ends within `within_days`: (document, status, days left), soonest first."""
    query = select(Document).where(
        col(Document.expires_on) >= on, col(Document.expires_on) <= on + dt.timedelta(days=within_days)
    )
    candidates = {document.id: document for document in session.exec(query) if document.id is not None}
    assessments = assess_documents(session, on, document_ids=candidates, warning_days=warning_days)
    ending = [
        (document, assessments[doc_id], (document.expires_on - on).days)
        for doc_id, document in candidates.items()
        if document.expires_on is not None and assessments[doc_id].status in (Status.IN_FORCE, Status.EXPIRING)
    ]
    return sorted(ending, key=lambda row: (row[2], row[0].id or 0))


def preview_sweep(
    session: Session,
    on: dt.date,
    *,
    occurred_at: dt.datetime,
    warning_days: int = DEFAULT_WARNING_DAYS,
    reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
) -> SweepResult:
    """What `sweep` would do on `on`, read-only: `tracker sweep --as-of` a day other than today.

    A what-if date must not become history (a status that flips on a future date and back
    the next day would alert twice), so nothing is written: the events returned are unsaved
    (no id), and those already recorded are left out, as recording would leave them out.
    """
    assessed, updates, specs = _plan(session, on, None, warning_days, reminder_days)
    keys = [spec.dedupe_key for spec in specs]
    known: set[str] = set()
    for chunk in _chunks(keys):
        assert chunk is not None
        known.update(session.exec(select(Event.dedupe_key).where(col(Event.dedupe_key).in_(chunk))))
    events = [
        Event(kind=spec.kind, dedupe_key=spec.dedupe_key, document_id=spec.document_id, payload=spec.payload, occurred_at=occurred_at)
        for spec in specs
        if spec.dedupe_key not in known
    ]
    return SweepResult(on, assessed=assessed, updated=len(updates), events=events)


def _apply(
    session: Session,
    on: dt.date,
    ids: Collection[int] | None,
    occurred_at: dt.datetime,
    warning_days: int,
    reminder_days: Sequence[int],
) -> SweepResult:
    session.flush()
    assessed, updates, specs = _plan(session, on, ids, warning_days, reminder_days)
    _write(session, updates)
    return SweepResult(on, assessed=assessed, updated=len(updates), events=_record_events(session, specs, occurred_at))


def _plan(
    session: Session,
    on: dt.date,
    ids: Collection[int] | None,
    warning_days: int,
    reminder_days: Sequence[int],
) -> tuple[int, list[dict[str, object]], list[EventSpec]]:
    """How many documents were assessed, the status rows to rewrite and the events to
    record on `on`, decided without writing."""
    documents, stored = _load_documents(session, ids)
    incoming = _load_incoming(session, ids, documents)
    updates: list[dict[str, object]] = []
    specs: list[EventSpec] = []
    reminders: list[EventSpec] = []
    for doc_id, before in stored.items():
        now = assess(documents[doc_id], incoming.get(doc_id, ()), on, warning_days=warning_days)
        values = (now.status.value, now.since, now.reason, now.evidence, now.by_document_id, now.amended)
        if values != before.values:
            updates.append({"id": doc_id, **dict(zip(_STATUS_FIELDS, values))})
            spec = status_change_event(doc_id, before.status, now, is_placeholder=before.is_placeholder)
            if spec is not None:
                specs.append(spec)
        reminder = expiry_reminder_event(doc_id, now.status, before.expires_on, on, reminder_days)
        if reminder is not None:
            reminders.append(reminder)
    return len(stored), updates, specs + reminders


def _load_documents(
    session: Session, ids: Collection[int] | None
) -> tuple[dict[int, DatedDocument], dict[int, _Stored]]:
    documents: dict[int, DatedDocument] = {}
    stored: dict[int, _Stored] = {}
    connection = session.connection()
    for chunk in _chunks(ids):
        rows = (connection.execute(_DOCUMENT_DATES) if chunk is None else connection.execute(_DOCUMENT_DATES_BY_ID, {"ids": chunk})).all()
        for row in rows:
            documents[row.id] = DatedDocument(*row[:8])
            status = StoredStatus(row.status, assessed=row.status_reason is not None)
            stored[row.id] = _Stored(tuple(row[9:]), status, row.expires_on, bool(row.is_placeholder))
    return documents, stored


def _load_incoming(
    session: Session, target_ids: Collection[int] | None, documents: dict[int, DatedDocument]
) -> dict[int, list[IncomingRelation]]:
    """Relations that can change a status, grouped by target; the documents they come from are loaded too."""
    rows = []
    connection = session.connection()
    for chunk in _chunks(target_ids):
        rows.extend(connection.execute(_INCOMING) if chunk is None else connection.execute(_INCOMING_BY_TARGET, {"ids": chunk}))
    missing = {row[1] for row in rows} - documents.keys()
    by_id = {**documents, **_load_documents(session, missing)[0]} if missing else documents
    incoming: dict[int, list[IncomingRelation]] = defaultdict(list)
    for target_id, from_id, kind, evidence in rows:
        incoming[target_id].append(IncomingRelation(kind, by_id[from_id], evidence))
    return incoming


_DOCUMENT_TABLE = Document.__table__  # type: ignore[attr-defined]
_UPDATE_ONE_STATUS = (
    sa.update(_DOCUMENT_TABLE)
    .where(_DOCUMENT_TABLE.c.id == sa.bindparam("doc_id"))
    .values({name: sa.bindparam(name) for name in _STATUS_FIELDS})
)
_UPDATE_FROM_STATUS_UPDATES = (
    sa.update(_DOCUMENT_TABLE)
    .where(_DOCUMENT_TABLE.c.id == _STATUS_UPDATES.c.id, _DOCUMENT_TABLE.c.id.in_(sa.select(_STATUS_UPDATES.c.id)))
    .values({name: _STATUS_UPDATES.c[name] for name in _STATUS_FIELDS})
)


def _write(session: Session, updates: list[dict[str, object]]) -> None:
    """Changed rows go to a temporary table in one executemany, then one UPDATE … FROM;
    a handful of rows are updated directly.

    A row-by-row UPDATE of `document` is twice as slow on SQLite (its foreign-key checks
    run per statement). The redundant IN makes SQLite drive the join from the temporary
    table, which has no statistics; otherwise it scans every document to update a few.
    Loaded Document objects forget their stale status fields.
    """
    if not updates:
        return
    connection = session.connection()
    if len(updates) <= _ROW_BY_ROW_UPDATES:
        rows = [{"doc_id": row["id"], **{name: row[name] for name in _STATUS_FIELDS}} for row in updates]
        connection.execute(_UPDATE_ONE_STATUS, rows)
    else:
        _STATUS_UPDATES.create(connection)
        connection.execute(sa.insert(_STATUS_UPDATES), updates)
        connection.execute(_UPDATE_FROM_STATUS_UPDATES)
        _STATUS_UPDATES.drop(connection)
    changed = {row["id"] for row in updates}
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Document) and instance.id in changed:
            session.expire(instance, list(_STATUS_FIELDS))


def _record_events(session: Session, specs: list[EventSpec], occurred_at: dt.datetime) -> list[Event]:
    """`record_event`'s INSERT … ON CONFLICT (dedupe_key) DO NOTHING, as one executemany for a whole sweep."""
    if not specs:
        return []
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = Event.__table__  # type: ignore[attr-defined]
    statement = dialect_insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    rows = [
        {
            "kind": spec.kind,
            "dedupe_key": spec.dedupe_key,
            "document_id": spec.document_id,
            "payload": spec.payload,
            "occurred_at": occurred_at,
        }
        for spec in specs
    ]
    ids = list(session.connection().execute(statement, rows).scalars())
    events: list[Event] = []
    for chunk in _chunks(ids):
        assert chunk is not None
        events.extend(session.exec(select(Event).where(col(Event.id).in_(chunk))))
    return sorted(events, key=lambda event: event.id or 0)


def _chunks(values: Collection[_T] | None) -> Iterable[list[_T] | None]:
    """`None` (everything) as one pass; a collection in slices small enough for an IN list."""
    if values is None:
        yield None
        return
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
