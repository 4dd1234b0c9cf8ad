"""The daemon's heartbeat and the read models of `tracker status` and `tracker sources`: each
source's last finished run, when each was last crawled, deliveries by state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.tables import CheckRun, DaemonState, Delivery, Source, utcnow


def save_daemon_state(
    engine: sa.Engine,
    *,
    holder: str,
    started_at: dt.datetime,
    config_path: str,
    jobs: dict[str, Any],
    stopped: bool,
) -> None:
    """Write the one daemon_state row (heartbeat now; stopped_at set on a clean stop).

    An UPDATE first, an INSERT only for a database that never had a daemon: a single
    writing statement waits for SQLite's lock instead of failing to upgrade a read.
    """
    now = utcnow()
    values = {
        "holder": holder,
        "config_path": config_path,
        "started_at": started_at,
        "heartbeat_at": now,
        "stopped_at": now if stopped else None,
        "jobs": jobs,
    }
    with Session(engine) as session:
        updated = session.execute(sa.update(DaemonState).values(**values))
        if not updated.rowcount:  # type: ignore[attr-defined]
            session.add(DaemonState(**values))
        session.commit()


def load_daemon_state(engine: sa.Engine) -> DaemonState | None:
    with Session(engine) as session:
        return session.exec(select(DaemonState)).first()


def source_last_runs(engine: sa.Engine) -> dict[str, dt.datetime]:
    """When each source was last crawled, by anyone (daemon or `tracker crawl`)."""
    with Session(engine) as session:
        rows = session.exec(select(Source.name, Source.last_run_at).where(Source.last_run_at.is_not(None))).all()  # type: ignore[union-attr]
    return {name: last_run for name, last_run in rows if last_run is not None}


def sources_with_last_run(engine: sa.Engine) -> list[tuple[Source, CheckRun | None]]:
    """Every source row with its most recent finished crawl run (None before the first).

    A run still going, or one abandoned by a daemon that was killed, has no outcome yet.
    """
    newest = (
        select(CheckRun.source_id, sa.func.max(CheckRun.id).label("id"))
        .where(CheckRun.finished_at.is_not(None))  # type: ignore[union-attr]
        .group_by(CheckRun.source_id)
        .subquery()
    )
    query = (
        select(Source, CheckRun)
        .outerjoin(newest, newest.c.source_id == Source.id)
        .outerjoin(CheckRun, CheckRun.id == newest.c.id)
        .order_by(Source.name)
    )
    with Session(engine, expire_on_commit=False) as session:
        return [(source, run) for source, run in session.exec(query).all()]


def delivery_counts(engine: sa.Engine) -> dict[str, int]:
    """Deliveries by state (pending, sending, sent, failed, dead)."""
    query = select(Delivery.state, sa.func.count()).group_by(Delivery.state)
    with Session(engine) as session:
        return {state: count for state, count in session.exec(query).all()}
