"""The outbox's deliveries go out: `dispatch_due` every few seconds (the daemon's dispatch
job), `send_digest` on each digest subscription's schedule. The Delivery rows themselves are
written by the steps that record events, in the same transaction (`tracker.pipeline.outbox.enqueue`).
"""

from __future__ import annotations

import sqlalchemy as sa

from notifiers.channels import ChannelContext, open_context
from tracker.core.config import Settings
from tracker.pipeline.dispatch import DigestResult, Dispatcher, DispatchReport


def dispatch_due(engine: sa.Engine, settings: Settings, *, context: ChannelContext | None = None) -> DispatchReport:
    """Send the immediate deliveries (and failed digests) that are due now."""
    if context is not None:
        return Dispatcher(engine, settings.subscriptions, context=context).dispatch_due()
    with open_context(settings.tracker.tz, base_url=settings.tracker.base_url) as opened:
        return Dispatcher(engine, settings.subscriptions, context=opened).dispatch_due()


def send_digest(
    engine: sa.Engine, settings: Settings, subscription: str, *, preview: bool = False, context: ChannelContext | None = None
) -> DigestResult:
    """Send (or with `preview`, only render) one subscription's digest of everything since the last one.

    Raises ConfigError for an unknown subscription name.
    """
    settings.subscription(subscription)
    if context is not None:
        return Dispatcher(engine, settings.subscriptions, context=context).send_digest(subscription, preview=preview)
    with open_context(settings.tracker.tz, base_url=settings.tracker.base_url) as opened:
        return Dispatcher(engine, settings.subscriptions, context=opened).send_digest(subscription, preview=preview)
