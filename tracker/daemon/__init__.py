"""The daemon behind `tracker run`: schedule grammar, job planning, the running daemon, its status.

APScheduler 3 fires the planned jobs; one single-instance lock per database keeps two
daemons from crawling the same sites.
"""

from tracker.daemon.planning import (
    DaemonOptions,
    FailedFetchLogger,
    JobWork,
    PlannedJob,
    crawl_facts,
    first_run_time,
    plan_jobs,
    run_job,
    run_planned_job,
)
from tracker.daemon.running import Daemon
from tracker.daemon.schedules import Schedule, parse_duration, parse_schedule
from tracker.daemon.status import daemon_status

__all__ = [
    "Daemon",
    "DaemonOptions",
    "FailedFetchLogger",
    "JobWork",
    "PlannedJob",
    "Schedule",
    "crawl_facts",
    "daemon_status",
    "first_run_time",
    "parse_duration",
    "parse_schedule",
    "plan_jobs",
    "run_job",
    "run_planned_job",
]
