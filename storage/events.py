"""Recording events: one row per fact, made idempotent by a unique dedupe key.

The insert is `INSERT … ON CONFLICT (dedupe_key) DO NOTHING`, which both SQLite and
PostgreSQL run inside the caller's transaction without aborting it, so a pipeline step can
record "the same" event twice (a retried crawl, a daily sweep) and only the first counts.
Like every storage function this flushes but never commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.attach import DriverStatement, loaded
from storage.tables import Event, utcnow
from tracker.core.events import EventSpec


def record_event(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    document_id: int | None = None,
    version_id: int | None = None,
    source_id: int | None = None,
    payload: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> Event | None:
    """The new Event, or None when an event with this dedupe key already exists.

    An INSERT returning only the id (prebuilt driver SQL, `storage.attach.DriverStatement`);
    the Event is then built from the values it was given as if loaded (`storage.attach.loaded`). Every saved document records one event, and the ORM's
    INSERT … RETURNING of the whole row cost four times the statement itself.
    """
    session.flush()
    values = {
        "kind": kind,
        "dedupe_key": dedupe_key,
        "document_id": document_id,
        "version_id": version_id,
        "source_id": source_id,
        "payload": payload or {},
        "occurred_at": occurred_at or utcnow(),
    }
    event_id = _INSERT_EVENT.execute(session.connection(), values).scalar()
    if event_id is None:
        return None
    return loaded(session, Event, {"id": event_id, **values})


def record_spec(session: Session, spec: EventSpec, occurred_at: dt.datetime | None = None) -> Event | None:
    """`record_event` for an event the core decided on (`tracker.core.events`)."""
    return record_event(
        session,
        kind=spec.kind,
        dedupe_key=spec.dedupe_key,
        document_id=spec.document_id,
        version_id=spec.version_id,
        source_id=spec.source_id,
        payload=spec.payload,
        occurred_at=occurred_at,
    )


def _insert_event(dialect: str) -> sa.Insert:
    """The dialect's INSERT … ON CONFLICT DO NOTHING (`DriverStatement` compiles it once)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Event.__table__  # type: ignore[attr-defined]
    parameters = {name: sa.bindparam(name, type_=table.c[name].type) for name in _EVENT_VALUES}
    return insert(table).values(parameters).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


_EVENT_VALUES = ("kind", "dedupe_key", "document_id", "version_id", "source_id", "payload", "occurred_at")
_INSERT_EVENT = DriverStatement(_insert_event)


def list_events(
    session: Session,
    *,
    since: dt.datetime | None = None,
    kind: str | None = None,
    document_id: int | None = None,
    limit: int | None = None,
) -> list[Event]:
    """Events oldest first, optionally filtered."""
    query = select(Event)
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if document_id is not None:
        query = query.where(Event.document_id == document_id)
    query = query.order_by(sa.asc(Event.occurred_at), sa.asc(Event.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))
