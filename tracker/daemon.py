"""APScheduler 3 wiring for `tracker run`: which jobs exist, when they fire, how the daemon lives.

Schedules are written in `tracker.toml` as a 5-field cron expression (`"0 */6 * * *"`,
weekdays counted the crontab way, 0 or 7 = Sunday) or as an interval (`"every 6h"`,
`"every 30s"`), either optionally followed by `jitter <duration>`. Intervals get a default
jitter of a tenth of the interval (at most five minutes) so many sources on the same
schedule do not hit their sites in the same second; cron times stay exact unless asked.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage.engine import DatabaseError, open_database
from storage.lock import (
    AdvisoryLock,
    FileLock,
    LockHeld,
    delivery_counts,
    holder_description,
    is_sqlite,
    load_daemon_state,
    lock_holder_alive,
    save_daemon_state,
    scheduler_lock,
    source_last_runs,
    sources_with_last_run,
)
from tracker import pipeline
from tracker.core.config import ConfigError, Settings
from tracker.logging import flush_logs, log_context

log = logging.getLogger("tracker.daemon")

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_RE = re.compile(r"(\d+)\s*([smhd])")
_DURATIONS_RE = re.compile(r"(?:\d+\s*[smhd]\s*)+")
_INTERVAL_RE = re.compile(r"every\s+(.+)")
DEFAULT_JITTER_SHARE = 0.1
DEFAULT_JITTER_CAP = 300.0
#: Longer intervals are typos (`every 99999999999d` overflows the scheduler); a yearly job is a cron.
MAX_INTERVAL = 366 * 86400.0
#: A cron time may be spread over at most a day; an interval's jitter over at most the interval.
MAX_CRON_JITTER = 86400.0
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the text as configured (for logs and change detection) and its trigger."""

    text: str
    trigger: BaseTrigger


def parse_duration(text: str) -> float:
    """`"90s"`, `"5m"`, `"1h30m"`, `"2d"` → seconds. ValueError when it is not one."""
    compact = text.strip().lower()
    if not compact or not _DURATIONS_RE.fullmatch(compact):
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 6h, 1h30m or 1d")
    return float(sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_RE.findall(compact)))


def parse_schedule(text: str, *, key: str, where: str, timezone: dt.tzinfo) -> Schedule:
    """A schedule string from the config → Schedule; ConfigError naming `where` and `key` otherwise."""
    try:
        trigger = _trigger(text, timezone)
        # A cron that can never fire (`0 0 30 2 *`) would otherwise count as "due now" at every start.
        if trigger.get_next_fire_time(None, dt.datetime.now(timezone)) is None:
            raise ValueError("it never fires (no such date)")
    except (ValueError, OverflowError) as exc:
        raise ConfigError(f"{where}: {key}: invalid schedule {text!r}: {exc}") from exc
    return Schedule(text=text, trigger=trigger)


def _trigger(text: str, timezone: dt.tzinfo) -> BaseTrigger:
    spec, _, jitter_text = text.strip().lower().partition(" jitter ")
    spec = spec.strip()
    jitter = parse_duration(jitter_text) if jitter_text else None
    interval = _INTERVAL_RE.fullmatch(spec)
    if interval:
        seconds = parse_duration(interval.group(1))
        if not 0 < seconds <= MAX_INTERVAL:
            raise ValueError(f"the interval must be longer than zero and at most 366d, got {seconds:.0f}s")
        if jitter is None:
            jitter = min(seconds * DEFAULT_JITTER_SHARE, DEFAULT_JITTER_CAP)
        if jitter > seconds:
            raise ValueError(f"jitter {jitter:.0f}s is longer than the interval {seconds:.0f}s")
        return IntervalTrigger(seconds=seconds, jitter=jitter or None, timezone=timezone)
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected 'every <duration>' or a cron expression with 5 fields "
            f"(minute hour day month weekday), got {len(fields)} field(s)"
        )
    minute, hour, day, month, weekday = fields
    if jitter is not None and jitter > MAX_CRON_JITTER:
        raise ValueError(f"jitter {jitter:.0f}s is longer than a day")
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_weekdays(weekday),
        timezone=timezone,
        jitter=jitter or None,
    )


def _crontab_weekdays(field: str) -> str:
    """Crontab weekday numbers (0/7 = Sunday) → APScheduler names (its 0 is Monday).

    Names (`mon-fri`) and `*` pass through unchanged; numbers, ranges and steps are
    expanded to an explicit list of names so the two numberings can never be confused.
    """
    if not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"weekday step must be at least 1 in {field!r}")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = _weekday_number(first_text, field), _weekday_number(last_text, field)
            if last == 0 and first > 0:
                last = 7
        else:
            first = _weekday_number(base, field)
            last = 6 if step_text else first
        if last < first:
            raise ValueError(f"weekday range {base!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _weekday_number(text: str, field: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    raise ValueError(f"weekday {text!r} in {field!r} is not 0-7 or a name such as mon")


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
    now = dt.datetime.now(dt.timezone.utc)
    if job.kind == "crawl":
        assert job.target is not None
        (run,) = pipeline.crawl(engine, settings, [job.target], progress=_FailedFetchLogger(job.target))
        return {
            "outcome": run.outcome,
            **{name: getattr(run, name) for name in ("pages", "requests", "new", "changed", "unchanged", "removed", "blocked", "errors")},
        }
    if job.kind == "sweep":
        on = now.astimezone(settings.tracker.tz).date()
        result = pipeline.sweep_statuses(engine, settings.tracker, on, occurred_at=now, subscriptions=settings.subscriptions)
        return {"as_of": on.isoformat(), "assessed": result.assessed, "updated": result.updated, "events": result.counts()}
    if job.kind == "digest":
        assert job.target is not None
        digest = pipeline.send_digest(engine, settings, job.target)
        if digest.error:
            raise DigestError(digest.error)
        return {"alerts": digest.count, "sent": digest.sent}
    report = pipeline.dispatch_due(engine, settings)
    return {"sent": report.sent, "retrying": report.retrying, "dead": report.dead, "deferred": report.deferred}


class DigestError(Exception):
    """A digest that could not be sent (it stays owed and is retried by the dispatcher)."""


class _FailedFetchLogger:
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


class Daemon:
    """One scheduler process on one database, from start to a clean exit.

    The main thread only waits for signals (SIGHUP reloads, SIGTERM/SIGINT stop) and writes
    the heartbeat; jobs run on APScheduler's thread pool, at most one instance per job, and
    overdue runs coalesce into one. On SQLite, which has one writer at a time and fails a
    transaction whose read was overtaken by another commit, jobs take turns (one worker)
    and the heartbeat is skipped while a job holds the database; PostgreSQL runs up to
    four jobs at once.
    """

    def __init__(
        self,
        *,
        db_url: str,
        config_path: Path,
        work: JobWork,
        load: Callable[[Path], Settings],
        options: DaemonOptions = DaemonOptions(),
    ) -> None:
        self.db_url = db_url
        self.config_path = config_path
        self.work = work
        self.load = load
        self.options = options
        self._stopping = threading.Event()
        self._signals: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._running: set[str] = set()
        self._sqlite = is_sqlite(db_url)
        self._database = threading.RLock()
        self._idle = threading.Condition()
        self._last_runs: dict[str, dt.datetime] = {}
        self._plan: dict[str, PlannedJob] = {}
        self._settings = Settings()
        self._started_at = dt.datetime.now(dt.timezone.utc)
        self._engine: sa.Engine | None = None
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1 if self._sqlite else 4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(options.misfire_grace)},
            timezone=dt.timezone.utc,
        )
        self._scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        logging.getLogger("apscheduler.scheduler").addFilter(_drop_skip_warnings)
        logging.getLogger("apscheduler.executors.default").addFilter(_drop_skip_warnings)

    def run(self) -> int:
        """Start, serve until SIGTERM/SIGINT, stop within the deadline; return the exit code.

        Raises ConfigError, DatabaseError or LockHeld before anything is scheduled.
        """
        settings = self.load(self.config_path)
        plan = plan_jobs(settings, dispatch_every=self.options.dispatch_every)
        lock = scheduler_lock(self.db_url)
        self._engine = open_database(self.db_url)
        try:
            lock.acquire()
        except LockHeld:
            self._engine.dispose()
            raise
        try:
            self._install_signal_handlers()
            self._last_runs = self._recorded_last_runs()
            self._scheduler.start(paused=True)
            self._apply(settings, plan)
            self._save_state()
            self._scheduler.resume()
            log.info(
                "daemon started",
                extra={"holder": holder_description(), "config": str(self.config_path), "jobs": sorted(self._plan)},
            )
            code = self._serve(lock)
            return self._stop(lock, code)
        except BaseException:
            lock.release()
            raise

    def _recorded_last_runs(self) -> dict[str, dt.datetime]:
        """Last runs from the tables: crawls from the sources (manual crawls count), the rest from daemon_state."""
        assert self._engine is not None
        state = load_daemon_state(self._engine)
        runs = {
            job_id: dt.datetime.fromisoformat(job["last_run"])
            for job_id, job in (state.jobs if state else {}).items()
            if job.get("last_run")
        }
        for name, moment in source_last_runs(self._engine).items():
            job_id = CRAWL_PREFIX + name
            runs[job_id] = max(moment, runs.get(job_id, moment))
        return runs

    def _install_signal_handlers(self) -> None:
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, _frame: self._signals.put(number))

    def _serve(self, lock: FileLock | AdvisoryLock) -> int:
        """Wait for signals, beating the heartbeat; the exit code once it is time to stop."""
        while True:
            try:
                signum = self._signals.get(timeout=self.options.heartbeat_every)
            except queue.Empty:
                if not self._keep(lock):
                    return 1
                # APScheduler sleeps on the monotonic clock, which stands still while the
                # machine is suspended; a nudge on every heartbeat makes a run that fell due
                # during the sleep start within one heartbeat of waking (coalesced to one).
                self._scheduler.wakeup()
                self._save_state(wait=False)
                continue
            if signum == signal.SIGHUP:
                self.reload()
                continue
            log.info("stop requested", extra={"signal": signal.Signals(signum).name})
            return 0

    def _keep(self, lock: FileLock | AdvisoryLock) -> bool:
        """Still the only daemon? A PostgreSQL restart drops the lock with its connection: retake it."""
        if lock.held():
            return True
        log.error("single-instance lock lost with its database connection; taking it again")
        lock.release()
        try:
            lock.acquire()
        except LockHeld as exc:
            log.error("another daemon took over; stopping", extra={"reason": str(exc)})
            return False
        except DatabaseError as exc:
            log.error("database unreachable; will retry at the next heartbeat", extra={"error": str(exc)})
            return True
        log.info("single-instance lock taken again")
        return True

    def reload(self) -> None:
        """Re-read tracker.toml; an invalid file keeps the running schedule and says why."""
        try:
            settings = self.load(self.config_path)
            plan = plan_jobs(settings, dispatch_every=self.options.dispatch_every)
        except ConfigError as exc:
            log.error("config reload refused, keeping the running schedule", extra={"reason": str(exc)})
            return
        changed = self._apply(settings, plan)
        log.info("config reloaded", extra={"changed": changed, "jobs": len(plan)})
        self._save_state(wait=False)

    def _apply(self, settings: Settings, plan: list[PlannedJob]) -> list[str]:
        """Make the scheduler's jobs match `plan`; return the ids added, rescheduled or removed.

        A job whose schedule text is unchanged keeps its next run time, so a reload that
        only touched other jobs does not delay or repeat it.
        """
        now = dt.datetime.now(dt.timezone.utc)
        wanted = {job.id: job for job in plan}
        changed: list[str] = []
        for job_id in sorted(set(self._plan) - set(wanted)):
            self._scheduler.remove_job(job_id)
            changed.append(job_id)
        for job_id, job in wanted.items():
            current = self._plan.get(job_id)
            same_zone = self._settings.tracker.timezone == settings.tracker.timezone
            if current is not None and current.schedule.text == job.schedule.text and same_zone:
                continue
            first = first_run_time(
                job.schedule.trigger, last_run=self._last_runs.get(job_id), now=now, catch_up_first=job.catch_up_first
            )
            if current is None:
                self._scheduler.add_job(
                    self._execute, job.schedule.trigger, args=(job_id,), id=job_id, name=job_id, next_run_time=first
                )
            else:
                self._scheduler.modify_job(job_id, trigger=job.schedule.trigger, next_run_time=first)
            changed.append(job_id)
        self._settings, self._plan = settings, wanted
        return changed

    def _execute(self, job_id: str) -> None:
        """Run one job; whatever goes wrong is logged, never raised into the scheduler."""
        job, settings = self._plan.get(job_id), self._settings
        if job is None or self._stopping.is_set():
            return
        with self._idle:
            self._running.add(job_id)
        fields: dict[str, Any] = {"job": job_id}
        if job.target:
            fields["source" if job.kind == "crawl" else "subscription"] = job.target
        try:
            with log_context(**fields), self._database_turn():
                self._run_work(job, settings)
                if job.kind != "dispatch":
                    self._save_state()
        finally:
            with self._idle:
                self._running.discard(job_id)
                self._idle.notify_all()

    def _on_skipped(self, event: JobEvent) -> None:
        """A run not started because the previous one is still going, or far too late."""
        reason = "previous run still going" if event.code == EVENT_JOB_MAX_INSTANCES else "missed by more than the grace time"
        job = self._plan.get(event.job_id)
        level = logging.DEBUG if job is None or job.kind == "dispatch" else logging.INFO
        log.log(level, "run skipped", extra={"job": event.job_id, "outcome": "skipped", "reason": reason})

    def _run_work(self, job: PlannedJob, settings: Settings) -> None:
        started_at = dt.datetime.now(dt.timezone.utc)
        clock = time.monotonic()
        try:
            assert self._engine is not None
            facts = self.work(job, settings, self._engine)
            log.log(_log_level(job, facts), f"{job.kind} finished", extra={"outcome": "ok", **facts, "duration": _since(clock)})
        except Exception as exc:
            log.error(
                f"{job.kind} failed",
                extra={"outcome": "error", "error": f"{type(exc).__name__}: {exc}", "duration": _since(clock)},
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
        finally:
            self._last_runs[job.id] = started_at

    @contextmanager
    def _database_turn(self, wait: bool = True) -> Iterator[bool]:
        """On SQLite, hold the daemon's one write turn; yields whether it was had."""
        if not self._sqlite:
            yield True
            return
        had = self._database.acquire(blocking=wait)
        try:
            yield had
        finally:
            if had:
                self._database.release()

    def _save_state(self, wait: bool = True) -> None:
        """Heartbeat, next and last run per job, for `tracker status`; a failed write is only logged.

        With `wait=False` (the periodic heartbeat) it is skipped while a job has the database.
        """
        assert self._engine is not None
        next_runs = {job.id: job.next_run_time for job in self._scheduler.get_jobs()}
        jobs = {
            job_id: {
                "kind": job.kind,
                "target": job.target,
                "schedule": job.schedule.text,
                "next_run": next_runs[job_id].isoformat() if next_runs.get(job_id) else None,
                "last_run": self._last_runs[job_id].isoformat() if job_id in self._last_runs else None,
            }
            for job_id, job in self._plan.items()
        }
        try:
            with self._database_turn(wait) as had:
                if not had:
                    return
                save_daemon_state(
                    self._engine,
                    holder=holder_description(),
                    started_at=self._started_at,
                    config_path=str(self.config_path),
                    jobs=jobs,
                    stopped=self._stopping.is_set(),
                )
        except sa.exc.SQLAlchemyError as exc:
            log.warning("heartbeat not recorded", extra={"error": str(exc).splitlines()[0]})

    def _stop(self, lock: FileLock | AdvisoryLock, code: int) -> int:
        """No new jobs; wait for running ones up to the deadline; abandon the rest; exit with `code`."""
        self._stopping.set()
        self._scheduler.pause()
        deadline = time.monotonic() + self.options.shutdown_timeout
        with self._idle:
            while self._running and time.monotonic() < deadline:
                self._idle.wait(timeout=max(0.0, deadline - time.monotonic()))
            abandoned = sorted(self._running)
        if abandoned:
            # Each document is written in one transaction, so an abandoned crawl loses only
            # the page in flight; the database rolls back what the dying connection held.
            log.warning("abandoning jobs at the shutdown deadline", extra={"jobs": abandoned})
            flush_logs()
            os._exit(code)
        self._save_state()
        self._scheduler.shutdown(wait=False)
        assert self._engine is not None
        self._engine.dispose()
        lock.release()
        log.info("daemon stopped", extra={"uptime": _since_datetime(self._started_at)})
        flush_logs()
        return code


def _drop_skip_warnings(record: logging.LogRecord) -> bool:
    """APScheduler's own lines for skipped runs; `Daemon._on_skipped` logs them structured."""
    return not (record.msg.startswith("Execution of job") or record.msg.startswith("Run time of job"))


def _log_level(job: PlannedJob, facts: Mapping[str, Any]) -> int:
    """Quiet when the dispatcher had nothing to do; loud when a crawl failed or was blocked."""
    if job.kind == "dispatch" and not any(facts.values()):
        return logging.DEBUG
    if facts.get("outcome") in ("failed", "blocked"):
        return logging.WARNING
    return logging.INFO


def _since(clock: float) -> float:
    return round(time.monotonic() - clock, 3)


def _since_datetime(moment: dt.datetime) -> float:
    return round((dt.datetime.now(dt.timezone.utc) - moment).total_seconds(), 3)



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
