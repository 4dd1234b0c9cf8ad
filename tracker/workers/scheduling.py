"""`tracker run --schedule-only`: the daemon keeps the schedules, the workers do the work.

The daemon's planner and triggers stay as they are (one scheduler per database, its lock,
reloads); each run that falls due becomes a queued job instead of running in the daemon.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

import procrastinate
import sqlalchemy as sa

from tracker.core.config import Settings
from tracker.daemon import PlannedJob
from tracker.workers.queue import defer_job, job_app

__all__ = ["JobDeferrer"]


class JobDeferrer:
    """A daemon `JobWork` that queues the job for the workers; its facts say whether it was queued
    (False: the same job still waits, so a slow queue never piles up runs)."""

    def __init__(self, db_url: str) -> None:
        self._app: procrastinate.App = job_app(db_url)
        self._opened = False
        self._lock = threading.Lock()

    def __call__(self, job: PlannedJob, settings: Settings, engine: sa.Engine) -> Mapping[str, Any]:
        with self._lock:
            if not self._opened:
                self._app.open()
                self._opened = True
        queued = defer_job(self._app, job.kind, job.target)
        return {} if job.kind == "dispatch" else {"queued": queued}
