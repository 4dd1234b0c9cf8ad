"""Sending due deliveries: claim, send, record — at most one duplicate after a crash.

Each delivery is claimed (`sending`, attempts + 1, next_attempt_at = now + stale_after)
in its own committed transaction before the HTTP call, and marked `sent` in another one
after it. A process killed in between leaves a `sending` row that becomes due again once
`stale_after` (2 minutes, well above the 15 s a chat send may take) has passed: it is
resent once, with the same idempotency key, so a receiver that honours the key sees it
once. Chat platforms have no such key, so the resend may be a visible double post: the
row is marked `unconfirmed` (last_error_code) when its dead claim is taken over, and keeps
the mark once sent, so `tracker deliveries` shows which sends may have gone out twice. Failures are classified by the channel: retryable ones
are rescheduled with exponential backoff (or the server's Retry-After), permanent ones
and exhausted retries go to `dead` with the provider's code and message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import sqlalchemy as sa
from sqlmodel import Session

from notifiers.alert import Alert
from notifiers.channels import Channel, ChannelContext, Outgoing, build_channel
from notifiers.channels.email import EmailChannel
from notifiers.ratelimit import RATE_LIMITS, schedule_slots
from notifiers.render import build_digest
from storage.outbox import DueDelivery, OutboxStore
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import DeliveryError
from tracker.pipeline.outbox import load_alerts

log = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
#: How long a claim holds: the window in which a send whose process died is not repeated.
STALE_AFTER = dt.timedelta(minutes=2)
def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at an hour, after the `attempts`-th failure."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def digest_key(subscription: str, delivery_ids: Iterable[int]) -> str:
    """A digest's idempotency key: the same batch of deliveries always gets the same key."""
    ids = ",".join(str(i) for i in sorted(delivery_ids))
    return f"digest:{subscription}:{hashlib.sha256(ids.encode()).hexdigest()[:16]}"


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DigestResult:
    """What a digest run did: how many alerts it covered and whether a message went out."""

    subscription: str
    count: int
    sent: bool
    error: str | None = None
    preview: str | None = None


class Dispatcher:
    """Sends due deliveries for the configured subscriptions.

    `clock` and `sleep` are injectable so tests can move time; `max_wait` bounds how long
    one `dispatch_due` call waits for rate-limit slots or short Retry-After delays
    before returning to its scheduler.
    """

    def __init__(
        self,
        engine: sa.Engine,
        subscriptions: Sequence[SubscriptionConfig],
        *,
        context: ChannelContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stale_after: dt.timedelta = STALE_AFTER,
        max_attempts: int = 8,
        max_wait: dt.timedelta = dt.timedelta(seconds=10),
        batch_size: int = 200,
    ) -> None:
        self.engine = engine
        self.outbox = OutboxStore(engine)
        self.subscriptions = {s.name: s for s in subscriptions}
        self.context = context or ChannelContext()
        self.sleep = sleep
        self.stale_after = stale_after
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.batch_size = batch_size
        self._channels: dict[str, Channel] = {}

    def now(self) -> dt.datetime:
        return self.context.clock()

    # ── immediate deliveries ────────────────────────────────────────────────

    def dispatch_due(self) -> DispatchReport:
        """Send everything due now; wait (up to `max_wait`) for slots that open soon."""
        report = DispatchReport()
        deadline = self.now() + self.max_wait
        while True:
            touched = self._dispatch_pass(report)
            upcoming = self.outbox.next_due()
            now = self.now()
            if upcoming is None or upcoming > deadline:
                return report
            if not touched and upcoming > now:
                self.sleep((upcoming - now).total_seconds())

    def _dispatch_pass(self, report: DispatchReport) -> int:
        due = self.outbox.due(self.now(), self.batch_size)
        by_target: dict[tuple[str, str], list[DueDelivery]] = {}
        digests: dict[str, list[DueDelivery]] = {}
        for item in due:
            subscription = self.subscriptions.get(item.subscription)
            channel = self._channel(item.subscription, report) if subscription else None
            if subscription is None or channel is None:
                reason = "subscription is no longer configured" if subscription is None else "subscription is misconfigured"
                self._finish_dead([item.id], reason, "config", report)
                continue
            if item.mode == "digest":
                digests.setdefault(item.subscription, []).append(item)
            else:
                by_target.setdefault((subscription.channel, subscription.url or subscription.name), []).append(item)
        for (kind, target), items in by_target.items():
            self._send_to_target(kind, target, items, report)
        for name, items in digests.items():
            self._send_batch(self.subscriptions[name], [i.id for i in items], report)
        return len(due)

    def _channel(self, name: str, report: DispatchReport) -> Channel | None:
        if name not in self._channels:
            try:
                self._channels[name] = build_channel(self.subscriptions[name], self.context)
            except ValueError as exc:
                report.errors.append(f"subscription {name}: {exc}")
                log.error("subscription %s is misconfigured: %s", name, exc)
                return None
        return self._channels[name]

    def _send_to_target(self, kind: str, target: str, items: list[DueDelivery], report: DispatchReport) -> None:
        limit = RATE_LIMITS.get(kind)
        now = self.now()
        slots = [now] * len(items)
        if limit is not None:
            sharing = [s.name for s in self.subscriptions.values() if (s.channel, s.url or s.name) == (kind, target)]
            slots = schedule_slots(self.outbox.sent_since(sharing, now - limit.per), len(items), limit, now)
        for item, slot in zip(items, slots):
            if slot > now:
                self.outbox.defer(item.id, slot)
                report.deferred += 1
            else:
                self._send_batch(self.subscriptions[item.subscription], [item.id], report)

    # ── digests ─────────────────────────────────────────────────────────────

    def send_digest(self, name: str, *, preview: bool = False) -> DigestResult:
        """Send one subscription's digest: every pending delivery since the last one.

        An empty period sends nothing unless the subscription sets `send_empty = true`.
        `preview` renders the message without sending or changing any row.
        """
        subscription = self.subscriptions[name]
        now = self.now()
        ids = self.outbox.waiting_digest(name)
        send_empty = bool(subscription.options.get("send_empty", False))
        if not ids and not send_empty and not preview:
            return DigestResult(name, 0, sent=False)
        if preview:
            channel = build_channel(subscription, self.context)
            outgoing = self._outgoing(subscription, ids, digest=True, now=now)
            return DigestResult(name, len(ids), sent=False, preview=self._preview(channel, outgoing))
        report = DispatchReport()
        self._send_batch(subscription, ids, report, digest=True)
        error = report.errors[-1] if report.errors else None
        return DigestResult(name, len(ids), sent=report.sent > 0, error=error)

    def _preview(self, channel: Channel, outgoing: Outgoing) -> str:
        if isinstance(channel, EmailChannel):
            message = channel.compose(outgoing)
            headers = "".join(f"{name}: {message[name]}\n" for name in ("Subject", "From", "To"))
            return headers + "\n" + message.get_body(("plain",)).get_content()
        renderer = self.context.renderer
        digest = build_digest(channel.subscription.name, outgoing.alerts, outgoing.period_start, self.now(), renderer.tz)
        return renderer.digest_text(digest)

    # ── one message: claim, send, record ────────────────────────────────────

    def _outgoing(self, subscription: SubscriptionConfig, ids: list[int], *, digest: bool, now: dt.datetime) -> Outgoing:
        with Session(self.engine) as session:
            events = self.outbox.events_of(session, ids)
            alerts_by_event = load_alerts(session, events)
            period_start = self.outbox.last_digest_sent(session, subscription.name) if digest else None
        alerts: list[Alert] = sorted(alerts_by_event.values(), key=lambda a: (a.occurred_at, a.event_id or 0))
        if digest:
            key = digest_key(subscription.name, ids) if ids else f"digest:{subscription.name}:empty:{now.isoformat()}"
            return Outgoing(alerts=tuple(alerts), idempotency_key=key, digest=True, period_start=period_start, period_end=now)
        (event_id,) = [event.id for event in events]
        return Outgoing(alerts=tuple(alerts), idempotency_key=f"{event_id}:{subscription.name}")

    def _send_batch(self, subscription: SubscriptionConfig, ids: list[int], report: DispatchReport, *, digest: bool | None = None) -> None:
        """Claim `ids`, send them as one message (a digest when there are several), record."""
        now = self.now()
        digest = subscription.mode == "digest" if digest is None else digest
        attempts = self.outbox.claim(ids, now, self.stale_after)
        if ids and attempts is None:
            return  # another dispatcher got there first
        channel = self._channel(subscription.name, report)
        if channel is None:
            self._finish_dead(ids, "subscription is misconfigured", "config", report)
            return
        try:
            outgoing = self._outgoing(subscription, ids, digest=digest, now=now)
            channel.send(outgoing)
        except DeliveryError as exc:
            self._finish_failed(ids, attempts or 1, exc, report)
            return
        except Exception as exc:  # a bug in rendering must not stop the other deliveries
            log.exception("delivery %s to %s failed unexpectedly", ids, subscription.name)
            self._finish_failed(ids, attempts or 1, DeliveryError(f"{type(exc).__name__}: {exc}", code="internal", retryable=True), report)
            return
        self._finish_sent(ids, report)

    def _finish_sent(self, ids: list[int], report: DispatchReport) -> None:
        self.outbox.mark_sent(ids, self.now())
        report.sent += 1

    def _finish_failed(self, ids: list[int], attempts: int, error: DeliveryError, report: DispatchReport) -> None:
        if not error.retryable or attempts >= self.max_attempts:
            self._finish_dead(ids, error.message, error.code, report)
            return
        now = self.now()
        wait = dt.timedelta(seconds=error.retry_after) if error.retry_after is not None else backoff(attempts)
        self.outbox.mark_failed(ids, now + wait, error.message, error.code)
        report.retrying += 1
        report.errors.append(error.message)
        log.warning("delivery %s failed (%s), retrying in %s: %s", ids, error.code, wait, error.message)

    def _finish_dead(self, ids: list[int], message: str, code: str | None, report: DispatchReport) -> None:
        self.outbox.mark_dead(ids, message, code)
        report.dead += 1
        report.errors.append(message)
        log.error("delivery %s is dead (%s): %s", ids, code, message)
