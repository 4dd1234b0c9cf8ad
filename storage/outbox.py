"""The outbox's rows: inserting deliveries, finding the due ones, claiming and recording sends.

`tracker.pipeline.dispatch` decides what to send and when; these functions only read and
write Delivery rows. `insert_deliveries` runs inside the caller's session (the event's own
transaction, never committed here); every other function is one committed transaction of
its own, so a claim is on record before the send it guards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.deliveries import UNCONFIRMED
from storage.tables import Delivery, Event

__all__ = ["DueDelivery", "OutboxStore", "insert_deliveries"]

UNCONFIRMED_NOTE = (
    "the process that claimed this send stopped before recording the answer; "
    "the platform may have received it before the resend"
)


def insert_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> list[Delivery]:
    """Insert pending deliveries, skipping an event × subscription already there; flushes only."""
    if not rows:
        return []
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Delivery).values(list(rows)).on_conflict_do_nothing(index_elements=["event_id", "subscription"]).returning(Delivery.id)
    )
    ids = list(session.execute(statement).scalars())
    return list(session.exec(select(Delivery).where(col(Delivery.id).in_(ids)).order_by(Delivery.id))) if ids else []


def _outstanding() -> sa.ColumnElement[bool]:
    """Rows the dispatcher owns: immediate ones not yet sent, and digests whose send failed.

    A `sending` row is included: its next_attempt_at is the claim's expiry, so it only
    comes due when the process that claimed it died.
    """
    immediate = sa.and_(Delivery.mode == "immediate", col(Delivery.state).in_(("pending", "failed", "sending")))
    digest_retry = sa.and_(Delivery.mode == "digest", col(Delivery.state).in_(("failed", "sending")))
    return sa.or_(immediate, digest_retry)


@dataclass(frozen=True)
class DueDelivery:
    id: int
    subscription: str
    mode: str


class OutboxStore:
    """The Delivery rows of one database, as the dispatcher reads and changes them."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def next_due(self) -> dt.datetime | None:
        with Session(self.engine) as session:
            return session.exec(select(sa.func.min(Delivery.next_attempt_at)).where(_outstanding())).one()

    def due(self, now: dt.datetime, limit: int) -> list[DueDelivery]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Delivery.id, Delivery.subscription, Delivery.mode)
                .where(_outstanding(), Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
            ).all()
        return [DueDelivery(id_, subscription, mode) for id_, subscription, mode in rows if id_ is not None]

    def sent_since(self, subscriptions: Sequence[str], since: dt.datetime) -> list[dt.datetime]:
        """When the given subscriptions' sends went out after `since` (for rate limits)."""
        with Session(self.engine) as session:
            times = session.exec(
                select(Delivery.sent_at).where(
                    col(Delivery.subscription).in_(subscriptions),
                    Delivery.state == "sent",
                    Delivery.sent_at > since,  # type: ignore[operator]
                )
            ).all()
        return [t for t in times if t is not None]

    def waiting_digest(self, subscription: str) -> list[int]:
        """The digest deliveries of a subscription not yet sent, oldest first."""
        with Session(self.engine) as session:
            ids = session.exec(
                select(Delivery.id)
                .where(Delivery.subscription == subscription, Delivery.mode == "digest", col(Delivery.state).in_(("pending", "failed")))
                .order_by(Delivery.id)
            )
            return [i for i in ids if i is not None]

    def events_of(self, session: Session, ids: Sequence[int]) -> list[Event]:
        return list(session.exec(select(Event).join(Delivery, col(Event.id) == Delivery.event_id).where(col(Delivery.id).in_(ids))))

    def last_digest_sent(self, session: Session, subscription: str) -> dt.datetime | None:
        return session.exec(
            select(sa.func.max(Delivery.sent_at)).where(
                Delivery.subscription == subscription, Delivery.mode == "digest", Delivery.state == "sent"
            )
        ).one()

    def claim(self, ids: Sequence[int], now: dt.datetime, hold: dt.timedelta) -> int | None:
        """Mark the rows `sending` until `now + hold` in a committed transaction; the highest
        attempt count, or None when another dispatcher holds them.

        A row another dispatcher is sending (`sending`, claim not yet expired) is left alone,
        so a `tracker deliveries retry` beside the daemon cannot send the same message twice.
        A dead claim taken over is marked `unconfirmed`: whether it went out is unknown.
        On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED` first: rows another worker
        is claiming at this instant are left to it rather than waited for.
        """
        if not ids:
            return 0
        claimable = sa.or_(
            col(Delivery.state).in_(("pending", "failed")),
            sa.and_(Delivery.state == "sending", Delivery.next_attempt_at <= now),
        )
        taken_over = Delivery.state == "sending"
        with Session(self.engine) as session:
            rows = col(Delivery.id).in_(ids)
            if session.get_bind().dialect.name == "postgresql":
                free = session.exec(select(Delivery.id).where(rows, claimable).with_for_update(skip_locked=True))
                rows = col(Delivery.id).in_(list(free))
            result = session.execute(
                sa.update(Delivery)
                .where(rows, claimable)
                .values(
                    state="sending",
                    attempts=Delivery.attempts + 1,
                    next_attempt_at=now + hold,
                    last_error_code=sa.case((taken_over, UNCONFIRMED), else_=Delivery.last_error_code),
                    last_error=sa.case((taken_over, UNCONFIRMED_NOTE), else_=Delivery.last_error),
                )
            )
            session.commit()
            if result.rowcount == 0:
                return None
            return session.exec(select(sa.func.max(Delivery.attempts)).where(col(Delivery.id).in_(ids))).one()

    def defer(self, delivery_id: int, when: dt.datetime) -> None:
        self._update([delivery_id], next_attempt_at=when)

    def mark_sent(self, ids: Sequence[int], now: dt.datetime) -> None:
        # an unconfirmed earlier send stays on record: the message may be there twice
        self._update(
            ids,
            state="sent",
            sent_at=now,
            last_error=sa.case((Delivery.last_error_code == UNCONFIRMED, Delivery.last_error), else_=None),
            last_error_code=sa.case((Delivery.last_error_code == UNCONFIRMED, UNCONFIRMED), else_=None),
        )

    def mark_failed(self, ids: Sequence[int], retry_at: dt.datetime, message: str, code: str | None) -> None:
        self._update(ids, state="failed", next_attempt_at=retry_at, last_error=message[:1000], last_error_code=code)

    def mark_dead(self, ids: Sequence[int], message: str, code: str | None) -> None:
        self._update(ids, state="dead", last_error=message[:1000], last_error_code=code)

    def _update(self, ids: Sequence[int], **values: Any) -> None:
        if not ids:
            return
        with Session(self.engine) as session:
            session.execute(sa.update(Delivery).where(col(Delivery.id).in_(list(ids))).values(**values))
            session.commit()
