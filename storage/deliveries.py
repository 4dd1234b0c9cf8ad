"""Reading and repairing the outbox: what `tracker deliveries` lists, `retry` requeues and `discard` stops."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import Delivery, Document, Event, utcnow
from tracker.core.errors import DeliveryNotFound, NotRetryable

UNCONFIRMED = "unconfirmed"  # the dispatcher's last_error_code for a send whose claimer died

STATES = ("pending", "sending", "sent", "failed", "dead", "discarded")
# Waiting to go out: what `discard --all-pending` stops.
WAITING = ("pending", "failed")
# A row being sent right now is left to its dispatcher, and a sent one cannot be unsent.
DISCARDABLE = (*WAITING, "dead")


@dataclass(frozen=True)
class DeliveryView:
    id: int
    event_id: int
    event_kind: str
    document: str | None
    subscription: str
    channel: str
    mode: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error_code: str | None
    last_error: str | None
    unconfirmed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "event_kind": self.event_kind,
            "document": self.document,
            "subscription": self.subscription,
            "channel": self.channel,
            "mode": self.mode,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "last_error_code": self.last_error_code,
            "last_error": self.last_error,
            "unconfirmed": self.unconfirmed,
        }


def get_delivery(session: Session, delivery_id: int) -> DeliveryView:
    views = _views(session, Delivery.id == delivery_id, limit=1)
    if not views:
        raise DeliveryNotFound(f"no delivery {delivery_id}")
    return views[0]


def list_deliveries(
    session: Session, *, state: str | None = None, subscription: str | None = None, limit: int = 100
) -> list[DeliveryView]:
    """Deliveries newest first, with the event kind and the document's title."""
    condition = sa.and_(
        Delivery.state == state if state is not None else sa.true(),
        Delivery.subscription == subscription if subscription is not None else sa.true(),
    )
    return _views(session, condition, limit=limit)


def _views(session: Session, condition: sa.ColumnElement[bool], *, limit: int) -> list[DeliveryView]:
    query = (
        select(Delivery, Event.kind, Document.title)
        .join(Event, col(Event.id) == Delivery.event_id)
        .join(Document, col(Document.id) == Event.document_id, isouter=True)
        .where(condition)
        .order_by(sa.desc(Delivery.id))
        .limit(limit)
    )
    views = []
    now = utcnow()
    for delivery, kind, title in session.exec(query):
        assert delivery.id is not None
        views.append(
            DeliveryView(
                id=delivery.id,
                event_id=delivery.event_id,
                event_kind=kind,
                document=title,
                subscription=delivery.subscription,
                channel=delivery.channel,
                mode=delivery.mode,
                state=delivery.state,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                sent_at=delivery.sent_at,
                last_error_code=delivery.last_error_code,
                last_error=delivery.last_error,
                # a resend after a dead claim, or a claim whose process died and is not yet taken over
                unconfirmed=delivery.last_error_code == UNCONFIRMED
                or (delivery.state == "sending" and delivery.next_attempt_at <= now),
            )
        )
    return views


def requeue(session: Session, delivery_id: int, *, now: dt.datetime | None = None) -> Delivery:
    """Put a dead or failed delivery back in the queue with a fresh retry budget; commits."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise DeliveryNotFound(f"no delivery {delivery_id}")
    if delivery.state not in ("dead", "failed"):
        raise NotRetryable(f"delivery {delivery_id} is {delivery.state}; only dead or failed deliveries can be retried")
    delivery.state = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now or utcnow()
    session.add(delivery)
    session.commit()
    session.refresh(delivery)
    return delivery


@dataclass(frozen=True)
class Discarded:
    """What `discard` did: the rows it moved to `discarded`, and named rows it left as they were."""

    ids: list[int]
    left: dict[int, str]  # id → its state (sent, sending, already discarded)


def discard(
    session: Session,
    *,
    ids: Sequence[int] = (),
    event_id: int | None = None,
    subscription: str | None = None,
    all_pending: bool = False,
) -> Discarded:
    """Move the selected deliveries that were not sent to `discarded`; commits.

    The selectors narrow each other (ids, event, subscription); `all_pending` keeps only
    the deliveries still waiting to go out (pending, failed), and alone selects all of them.
    Otherwise dead ones are discarded too, to record that nobody will retry them. A discarded row is kept for the record and never
    sent: the dispatcher only claims pending and failed rows, and the UPDATE is conditional
    on the state, so a row the dispatcher claimed a moment ago is left to it, not half-stopped.
    """
    if not (ids or event_id is not None or subscription is not None or all_pending):
        raise ValueError("name the deliveries to discard: IDs, --event, --subscription or --all-pending")
    missing = sorted(set(ids) - set(session.exec(select(Delivery.id).where(col(Delivery.id).in_(ids))))) if ids else []
    if missing:
        raise DeliveryNotFound(f"no delivery {', '.join(map(str, missing))}")
    selected = sa.and_(
        col(Delivery.id).in_(ids) if ids else sa.true(),
        Delivery.event_id == event_id if event_id is not None else sa.true(),
        Delivery.subscription == subscription if subscription is not None else sa.true(),
    )
    states = WAITING if all_pending else DISCARDABLE
    moved = session.execute(
        sa.update(Delivery).where(selected, col(Delivery.state).in_(states)).values(state="discarded").returning(Delivery.id)
    )
    discarded = sorted(moved.scalars())
    session.commit()
    named = session.exec(select(Delivery.id, Delivery.state).where(col(Delivery.id).in_(ids))) if ids else []
    return Discarded(discarded, {row_id: state for row_id, state in named if row_id not in discarded})
