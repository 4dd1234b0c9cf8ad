"""The daily lifecycle sweep: every document's status on a date, and the events it owes."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from tracker.pipeline.outbox import enqueue
from storage.lifecycle import SweepResult, preview_sweep, sweep
from tracker.core.config import SubscriptionConfig, TrackerSettings


def sweep_statuses(
    engine: sa.Engine,
    lifecycle: TrackerSettings,
    on: dt.date,
    *,
    occurred_at: dt.datetime,
    subscriptions: Sequence[SubscriptionConfig] = (),
) -> SweepResult:
    """The daily lifecycle sweep (`tracker sweep`, the scheduler): every status on `on`, one transaction."""
    with Session(engine, expire_on_commit=False) as session:
        result = sweep(
            session, on, occurred_at=occurred_at, warning_days=lifecycle.warning_days, reminder_days=lifecycle.reminder_days
        )
        enqueue(session, result.events, subscriptions)
        session.commit()
    return result


def preview_statuses(engine: sa.Engine, lifecycle: TrackerSettings, on: dt.date, *, occurred_at: dt.datetime) -> SweepResult:
    """What the sweep would record on `on`, writing nothing: a what-if date is never history."""
    with Session(engine, expire_on_commit=False) as session:
        result = preview_sweep(
            session, on, occurred_at=occurred_at, warning_days=lifecycle.warning_days, reminder_days=lifecycle.reminder_days
        )
        session.rollback()
    return result
