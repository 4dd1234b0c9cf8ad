"""`tracker worker`: runs the queued jobs, any number of processes on any number of machines.

Each worker runs up to `concurrency` jobs at once on one event loop: a crawl runs there
(with its parser processes and database thread, as under `tracker crawl`), the other
kinds on threads. Every crawl's HTTP client takes each host's turn from `host_pace`
(`storage.host_pacing`), so a host's delay holds across workers and machines.

A worker killed mid-job stops its heartbeat; every worker looks for jobs whose worker has
been silent for `stalled_after` seconds and puts them back in the queue, so another one
picks the job up within about that bound. A crawl picked up again saves nothing twice:
what its first run committed is known (same content, same events), what was lost with the
batch in flight is fetched again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

import procrastinate
import sqlalchemy as sa
from procrastinate.exceptions import ProcrastinateException

from sources.http import HttpPolicy
from storage.engine import open_database
from storage.host_pacing import DatabasePacer
from tracker import pipeline
from tracker.core.config import Settings
from tracker.daemon import FailedFetchLogger, crawl_facts, run_job
from tracker.logging import log_context
from tracker.workers.queue import TASK_NAME, job_app, job_lock

__all__ = ["WorkerOptions", "run_worker"]

log = logging.getLogger("tracker.worker")


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker runs. `host_lease` must outlast the longest request: it is how long a
    killed worker can keep a host from everyone; each request's deadline is kept below it."""

    concurrency: int = 4
    stalled_after: float = 60.0
    host_lease: float = 150.0
    shutdown_timeout: float = 30.0


@dataclass
class _Runtime:
    engine: sa.Engine
    pacer: DatabasePacer
    load: Callable[[], Settings]
    host_lease: float

    def policy(self, settings: Settings) -> HttpPolicy:
        limit = max(self.host_lease * 0.8, 1.0)
        base = HttpPolicy(user_agent=settings.tracker.user_agent)
        return HttpPolicy(
            user_agent=settings.tracker.user_agent,
            attempt_deadline=min(base.attempt_deadline, limit),
            deadline=min(base.deadline, limit),
            timeout=min(base.timeout, limit),
        )


async def run_tracker_job(context: procrastinate.JobContext, kind: str, target: str | None) -> dict[str, Any]:
    """The one task: a job of the daemon's kinds, with tracker.toml as it is now."""
    runtime: _Runtime = context.additional_context["tracker"]
    settings = runtime.load()
    clock = time.monotonic()
    fields = {"job": job_lock(kind, target), "attempt": context.job.attempts if context.job else 0}
    with log_context(**fields, **({"source" if kind == "crawl" else "subscription": target} if target else {})):
        if kind == "crawl":
            assert target is not None
            [run] = await pipeline.crawl_async(
                runtime.engine,
                settings,
                [settings.source(target)],
                policy=runtime.policy(settings),
                pacer=runtime.pacer,
                progress=FailedFetchLogger(target),
            )
            facts = crawl_facts(run)
        else:
            facts = dict(await asyncio.to_thread(run_job, kind, target, settings, runtime.engine))
        level = logging.DEBUG if kind == "dispatch" and not any(facts.values()) else logging.INFO
        log.log(level, f"{kind} finished", extra={**facts, "duration": round(time.monotonic() - clock, 3)})
    return facts


async def _recover_stalled(app: procrastinate.App, stalled_after: float) -> None:
    """Put back in the queue every job whose worker has been silent for `stalled_after` seconds."""
    while True:
        await asyncio.sleep(stalled_after / 2)
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
        except ProcrastinateException as exc:
            log.warning("stalled jobs not checked", extra={"error": str(exc)})
            continue
        for job in stalled:
            try:
                await app.job_manager.retry_job(job)
            except ProcrastinateException:  # another worker put it back first
                continue
            log.warning("job of a silent worker queued again", extra={"job_id": job.id, "task_args": job.task_kwargs})


async def run_worker(db_url: str, load: Callable[[], Settings], options: WorkerOptions = WorkerOptions()) -> None:
    """Serve jobs until SIGTERM/SIGINT; running jobs get `shutdown_timeout` seconds to end."""
    app = job_app(db_url)
    engine = open_database(db_url)
    pacer = DatabasePacer(engine, lease=options.host_lease)
    app.task(name=TASK_NAME, pass_context=True)(run_tracker_job)
    runtime = _Runtime(engine, pacer, load, options.host_lease)
    try:
        async with app.open_async():
            recovery = asyncio.create_task(_recover_stalled(app, options.stalled_after))
            log.info("worker started", extra={"concurrency": options.concurrency})
            try:
                await app.run_worker_async(
                    concurrency=options.concurrency,
                    additional_context={"tracker": runtime},
                    update_heartbeat_interval=options.stalled_after / 4,
                    stalled_worker_timeout=options.stalled_after,
                    shutdown_graceful_timeout=options.shutdown_timeout,
                    delete_jobs="successful",
                )
            finally:
                recovery.cancel()
    finally:
        pacer.close()
        engine.dispose()
        log.info("worker stopped")
