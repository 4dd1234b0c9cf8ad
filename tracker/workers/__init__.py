"""Workers on a shared job queue: `tracker worker`, `tracker crawl --enqueue`, `tracker run --schedule-only`.

The queue is procrastinate's, in the tracker's own PostgreSQL database (`queue`); workers
run its jobs with host pacing shared through the database (`worker`); the daemon can
schedule only, queueing each run for them (`scheduling`). See docs/running.md.
"""

from tracker.workers.queue import JOB_KINDS, defer_job, job_app
from tracker.workers.scheduling import JobDeferrer
from tracker.workers.worker import WorkerOptions, run_worker

__all__ = ["JOB_KINDS", "JobDeferrer", "WorkerOptions", "defer_job", "job_app", "run_worker"]
