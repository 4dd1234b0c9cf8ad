"""Reading and repairing the outbox: what `tracker deliveries` lists and `retry` requeues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import Delivery, Document, Event, utcnow

UNCONFIRMED = "unconfirmed"  # the dispatcher's last_error_code for a send whose claimer died

STATES = ("pending", "sending", "sent", "failed", "dead")


class DeliveryNotFound(LookupError):
    """No delivery with that id."""


class NotRetryable(ValueError):
    """The delivery is not in a state that can be retried (it was sent, or is being sent)."""


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
