"""Which jobs the daemon runs (crawl per source, dispatch, sweep, digests), when each first fires, and what one run does."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import sqlalchemy as sa
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker import pipeline
from tracker.core.config import Settings
from tracker.core.errors import DigestError
from tracker.daemon.schedules import Schedule, parse_schedule

log = logging.getLogger("tracker.daemon")

DISPATCH_JOB = "dispatch"
SWEEP_JOB = "sweep"
CRAWL_PREFIX = "crawl:"
DIGEST_PREFIX = "digest:"
DEFAULT_SOURCE_SCHEDULE = "every 6h"


@dataclass(frozen=True)
class PlannedJob:
    """One job the daemon should have: its id, what it does and when.

    `catch_up_first` says whether a job that has never run (new database, new source)
    runs as soon as the daemon starts; digests wait for their first scheduled time.
    """

    id: str
    kind: str  # crawl | sweep | digest | dispatch
    target: str | None
    schedule: Schedule
    catch_up_first: bool


def plan_jobs(settings: Settings, *, dispatch_every: float) -> list[PlannedJob]:
    """Every job the configuration asks for; ConfigError (with the key path) for a bad schedule."""
    where = str(settings.path or "config")
    timezone = settings.tracker.tz
    jobs: list[PlannedJob] = []
    for index, source in enumerate(settings.sources):
        if not source.enabled:
            continue
        schedule = parse_schedule(
            source.schedule or DEFAULT_SOURCE_SCHEDULE, key=f"source[{index}].schedule", where=where, timezone=timezone
        )
        jobs.append(PlannedJob(CRAWL_PREFIX + source.name, "crawl", source.name, schedule, catch_up_first=True))
    hour, minute = settings.tracker.sweep_time.split(":")
    sweep = Schedule(f"{int(minute)} {int(hour)} * * *", CronTrigger(hour=hour, minute=minute, timezone=timezone))
    jobs.append(PlannedJob(SWEEP_JOB, "sweep", None, sweep, catch_up_first=True))
    for index, subscription in enumerate(settings.subscriptions):
        if subscription.mode != "digest" or not subscription.schedule:
            continue
        schedule = parse_schedule(
            subscription.schedule, key=f"subscription[{index}].schedule", where=where, timezone=timezone
        )
        jobs.append(PlannedJob(DIGEST_PREFIX + subscription.name, "digest", subscription.name, schedule, catch_up_first=False))
    dispatch = Schedule(f"every {dispatch_every:g}s", IntervalTrigger(seconds=dispatch_every, timezone=timezone))
    jobs.append(PlannedJob(DISPATCH_JOB, "dispatch", None, dispatch, catch_up_first=True))
    return jobs


def first_run_time(
    trigger: BaseTrigger, *, last_run: dt.datetime | None, now: dt.datetime, catch_up_first: bool
) -> dt.datetime:
    """When a job should first fire after the daemon (re)starts, given when it last ran.

    The last run comes from our tables, so a restart neither repeats a run that already
    happened nor forgets one that fell due while the daemon was down: an overdue job runs
    once, now, however many times it was missed.
    """
    if last_run is None:
        upcoming = trigger.get_next_fire_time(None, now)
        return now if catch_up_first or upcoming is None else upcoming
    due = trigger.get_next_fire_time(last_run, last_run + dt.timedelta(microseconds=1))
    if due is None or due <= now:
        return now
    return due


@dataclass(frozen=True)
class DaemonOptions:
    """How the daemon runs, as opposed to what it runs (that is tracker.toml)."""

    dispatch_every: float = 5.0
    heartbeat_every: float = 10.0
    shutdown_timeout: float = 30.0
    misfire_grace: float = 86400.0


JobWork = Callable[[PlannedJob, Settings, sa.Engine], Mapping[str, Any]]
"""Does one job's work through the pipeline and returns facts worth logging.

It receives the settings the job started with (a reload never changes a running job's
configuration) and the daemon's engine.
"""


def run_planned_job(job: PlannedJob, settings: Settings, engine: sa.Engine) -> Mapping[str, Any]:
    """The daemon's JobWork: each kind of job is one pipeline entry point."""
    return run_job(job.kind, job.target, settings, engine)


def run_job(kind: str, target: str | None, settings: Settings, engine: sa.Engine) -> Mapping[str, Any]:
    """One run of a job of `kind` (crawl, sweep, digest, dispatch) for `target`; facts worth logging."""
    now = dt.datetime.now(dt.timezone.utc)
    if kind == "crawl":
        assert target is not None
        (run,) = pipeline.crawl(engine, settings, [target], progress=FailedFetchLogger(target))
        return crawl_facts(run)
    if kind == "sweep":
        on = now.astimezone(settings.tracker.tz).date()
        result = pipeline.sweep_statuses(engine, settings.tracker, on, occurred_at=now, subscriptions=settings.subscriptions)
        return {"as_of": on.isoformat(), "assessed": result.assessed, "updated": result.updated, "events": result.counts()}
    if kind == "digest":
        assert target is not None
        digest = pipeline.send_digest(engine, settings, target)
        if digest.error:
            raise DigestError(digest.error)
        return {"alerts": digest.count, "sent": digest.sent}
    report = pipeline.dispatch_due(engine, settings)
    return {"sent": report.sent, "retrying": report.retrying, "dead": report.dead, "deferred": report.deferred}


def crawl_facts(run: pipeline.SourceRun) -> dict[str, Any]:
    """What a crawl's log line and job result say about it."""
    return {
        "outcome": run.outcome,
        **{name: getattr(run, name) for name in ("pages", "requests", "new", "changed", "unchanged", "removed", "blocked", "errors")},
    }


class FailedFetchLogger:
    """Crawl progress → one log line per URL that failed or was blocked, as it happens."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.logged = 0

    def __call__(self, run: pipeline.SourceRun) -> None:
        for detail in run.error_details[self.logged :]:
            log.warning(
                "fetch failed",
                extra={"source": self.source, "url": detail["url"], "outcome": detail["kind"], "reason": detail["reason"]},
            )
        self.logged = len(run.error_details)
