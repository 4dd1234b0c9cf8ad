"""Routing events to subscriptions: the Delivery rows, written in the event's own transaction.

`enqueue` runs inside the pipeline's session before its commit, so an event and the
deliveries it owes are stored together or not at all: a crash can never leave an event
that nobody will be told about. Inserting is idempotent (unique event × subscription).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Iterable, Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from notifiers.alert import Alert
from notifiers.loading import load_alerts, version_texts
from storage.tables import Delivery, Event, utcnow
from tracker.core.config import SubscriptionConfig

# Events about a source as a whole: document filters (keywords, statuses) do not apply.
SOURCE_KINDS = frozenset({"source_failing", "source_recovered", "source_baseline"})


def _fold(text: str) -> str:
    """Width- and case-insensitive form for keyword matching (全角 ＡＩ matches AI)."""
    return unicodedata.normalize("NFKC", text).casefold()


def subscription_matches(subscription: SubscriptionConfig, alert: Alert, extra_text: str = "") -> bool:
    """Whether a subscription wants this alert.

    Event kind and source always filter. Keywords (any of them, as substrings, so
    two-character Chinese terms work) are matched against the title, the document number
    and the changed clause text — for a new document, all its clauses (`extra_text`).
    Keywords and statuses describe documents, so they do not filter source events (health, baseline).
    """
    if alert.kind not in subscription.events:
        return False
    if subscription.sources and alert.source not in subscription.sources:
        return False
    if alert.kind in SOURCE_KINDS:
        return True
    if subscription.statuses and alert.status not in subscription.statuses:
        return False
    if subscription.keywords:
        haystack = _fold(alert.searchable_text + "\n" + extra_text)
        return any(_fold(keyword) in haystack for keyword in subscription.keywords)
    return True


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
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
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
    if not rows:
        return []
    statement = (
        insert(Delivery).values(rows).on_conflict_do_nothing(index_elements=["event_id", "subscription"]).returning(Delivery.id)
    )
    ids = list(session.execute(statement).scalars())
    return list(session.exec(select(Delivery).where(col(Delivery.id).in_(ids)).order_by(Delivery.id))) if ids else []
