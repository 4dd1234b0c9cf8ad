"""What `tracker status` reports: the lock decides "running", the last heartbeat the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from storage.lock import lock_holder_alive
from storage.status import delivery_counts, load_daemon_state, sources_with_last_run
from tracker.core.config import Settings
from tracker.daemon.planning import CRAWL_PREFIX, DEFAULT_SOURCE_SCHEDULE, DISPATCH_JOB


def daemon_status(engine: sa.Engine, settings: Settings) -> dict[str, Any]:
    """What `tracker status` reports, as JSON-ready values with times in the configured zone.

    "Running" is decided by the lock, so a daemon killed with SIGKILL shows as stopped even
    though its last heartbeat row is still there; next runs are only shown while it runs.
    """
    timezone = settings.tracker.tz
    running = lock_holder_alive(engine)
    state = load_daemon_state(engine)
    jobs: dict[str, dict[str, Any]] = state.jobs if state else {}

    def when(value: dt.datetime | str | None) -> str | None:
        if value is None:
            return None
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(timezone).isoformat(timespec="seconds")

    def next_run(job_id: str) -> str | None:
        return when(jobs.get(job_id, {}).get("next_run")) if running else None

    configured = {source.name: source for source in settings.sources}
    stored = {source.name: (source, run) for source, run in sources_with_last_run(engine)}
    sources = []
    for name in sorted(set(configured) | set(stored)):
        config = configured.get(name)
        row, run = stored.get(name, (None, None))
        sources.append(
            {
                "name": name,
                "configured": config is not None,
                "enabled": config.enabled if config else False,
                "schedule": jobs.get(CRAWL_PREFIX + name, {}).get("schedule")
                or (config.schedule or DEFAULT_SOURCE_SCHEDULE if config else None),
                "next_run": next_run(CRAWL_PREFIX + name),
                "last_run": when((row.last_run_at if row else None) or jobs.get(CRAWL_PREFIX + name, {}).get("last_run")),
                "last_outcome": run.outcome if run else None,
                "last_counts": {"new": run.new, "changed": run.changed, "removed": run.removed, "errors": run.errors}
                if run
                else None,
                "consecutive_failures": row.consecutive_failures if row else 0,
                "last_error": row.last_error if row else None,
            }
        )
    other_jobs = {
        job_id: {"schedule": job.get("schedule"), "next_run": next_run(job_id), "last_run": when(job.get("last_run"))}
        for job_id, job in sorted(jobs.items())
        if not job_id.startswith(CRAWL_PREFIX) and job_id != DISPATCH_JOB
    }
    counts = delivery_counts(engine)
    return {
        "daemon": {
            "running": running,
            "holder": state.holder if state else None,
            "config": state.config_path if state else None,
            "started_at": when(state.started_at if state else None),
            "heartbeat_at": when(state.heartbeat_at if state else None),
            "stopped_at": when(state.stopped_at if state else None),
        },
        "sources": sources,
        "jobs": other_jobs,
        "deliveries": {state_name: counts.get(state_name, 0) for state_name in ("pending", "sending", "failed", "dead", "sent")},
    }
