"""Routing events to subscriptions: the Delivery rows, written in the event's own transaction.

`enqueue` runs inside the pipeline's session before its commit, so an event and the
deliveries it owes are stored together or not at all: a crash can never leave an event
that nobody will be told about. Inserting is idempotent (unique event × subscription).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from sqlmodel import Session

from notifiers.alert import Alert, DocumentLink, alert_from_rows
from notifiers.routing import subscription_matches
from storage.alert_rows import load_alert_rows, version_texts
from storage.outbox import insert_deliveries
from storage.tables import Delivery, Event, utcnow
from tracker.core.config import SubscriptionConfig


def load_alerts(session: Session, events: Iterable[Event]) -> dict[int, Alert]:
    """The render-ready alerts of the given (flushed) events, by event id."""
    return {
        event_id: alert_from_rows(
            event_id=row.event_id,
            kind=row.kind,
            occurred_at=row.occurred_at,
            payload=row.payload,
            document=row.document,
            source=row.source,
            repealed_by=DocumentLink(*row.repealed_by) if row.repealed_by else None,
        )
        for event_id, row in load_alert_rows(session, events).items()
    }

def enqueue(
    session: Session,
    events: Iterable[Event | None],
    subscriptions: Sequence[SubscriptionConfig],
    *,
    now: dt.datetime | None = None,
) -> list[Delivery]:
    """Create the pending Delivery rows the new events owe; flushes, never commits.

    `events` may contain None (an event that was already recorded); those are skipped.
    Returns the rows created (an event already enqueued for a subscription is skipped).
    """
    events = [e for e in events if e is not None]
    if not events or not subscriptions:
        return []
    session.flush()
    now = now or utcnow()
    alerts = load_alerts(session, events)
    added_versions = [e.version_id for e in events if e.kind == "document_added" and e.version_id is not None]
    texts = version_texts(session, added_versions) if any(s.keywords for s in subscriptions) else {}
    rows = []
    for event in events:
        assert event.id is not None
        alert = alerts[event.id]
        extra = texts.get(event.version_id, "") if event.version_id is not None else ""
        rows += [
            {
                "event_id": event.id,
                "subscription": subscription.name,
                "channel": subscription.channel,
                "mode": subscription.mode,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for subscription in subscriptions
            if subscription_matches(subscription, alert, extra)
        ]
    return insert_deliveries(session, rows)
