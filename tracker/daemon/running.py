"""The running daemon: one single-instance lock, APScheduler jobs, reloads, heartbeats and a clean stop."""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Mapping

import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from storage.engine import open_database
from storage.lock import AdvisoryLock, FileLock, holder_description, is_sqlite, scheduler_lock
from storage.status import load_daemon_state, save_daemon_state, source_last_runs
from tracker.core.config import Settings
from tracker.core.errors import ConfigError, DatabaseError, LockHeld
from tracker.daemon.planning import CRAWL_PREFIX, DaemonOptions, JobWork, PlannedJob, first_run_time, plan_jobs
from tracker.logging import flush_logs, log_context

log = logging.getLogger("tracker.daemon")

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
