"""The job queue shared by every `tracker worker`: procrastinate on the tracker's PostgreSQL.

Jobs are the daemon's kinds of work (crawl a source, sweep, send a digest, dispatch the
outbox), deferred by `tracker run --schedule-only` or `tracker crawl --enqueue` and run by
whichever worker fetches them. A job's locks come from its kind and target: its
`queueing_lock` keeps one waiting job per crawl (or sweep, digest, dispatch), and its
`lock` keeps one crawl of a source running at a time across all workers. Dispatch runs
without a `lock`: two dispatchers are safe, the outbox claim skips rows another one holds.
"""

from __future__ import annotations

from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate.exceptions import AlreadyEnqueued

from storage.engine import normalize_url
from tracker.core.errors import ConfigError

__all__ = ["JOB_KINDS", "TASK_NAME", "defer_job", "job_app", "job_lock"]

JOB_KINDS = ("crawl", "sweep", "digest", "dispatch")
TASK_NAME = "tracker.job"


def job_app(db_url: str) -> procrastinate.App:
    """A procrastinate app on the tracker's PostgreSQL database (the `tracker init`ed one).

    Deferring needs only the task's name; the workers register what runs it (`tracker.workers.worker`).
    """
    url = sa.make_url(normalize_url(db_url))
    if url.get_backend_name() != "postgresql":
        raise ConfigError(f"workers share their jobs through PostgreSQL; {url.get_backend_name()} has no job queue")
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))


def job_lock(kind: str, target: str | None) -> str:
    return f"{kind}:{target}" if target else kind


def defer_job(app: procrastinate.App, kind: str, target: str | None = None) -> bool:
    """Queue one job; False when the same job already waits (its queueing lock), so a
    scheduler that fires while a crawl is still queued adds nothing. The app must be open."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    options: dict[str, Any] = {"queueing_lock": job_lock(kind, target)}
    if kind != "dispatch":
        options["lock"] = job_lock(kind, target)
    try:
        app.configure_task(TASK_NAME, **options).defer(kind=kind, target=target)
    except AlreadyEnqueued:
        return False
    return True
