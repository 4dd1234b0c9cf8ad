"""`tracker worker`: run queued jobs from the PostgreSQL job queue, as many processes as wanted."""

from __future__ import annotations

import asyncio
import functools
import logging

import typer

from tracker.cli.app import app, cli_context, fail, load_validated_settings, start_logging, workers_package
from tracker.core.errors import ConfigError, DatabaseError
from tracker.logging import LOG_FORMATS, LOG_LEVELS


@app.command("worker")
def worker_command(
    ctx: typer.Context,
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Jobs this worker runs at once."),
    stalled_after: float = typer.Option(
        60.0, "--stalled-after", min=1.0, help="Seconds without a worker's heartbeat before its jobs are queued again."
    ),
    host_lease: float = typer.Option(
        150.0, "--host-lease", min=1.0, help="Seconds a killed worker can keep a host from the others (outlasts any request)."
    ),
    shutdown_timeout: float = typer.Option(
        30.0, "--shutdown-timeout", min=0.0, help="Seconds running jobs get to finish after SIGTERM/SIGINT."
    ),
    log_format: str = typer.Option("text", "--log-format", help=f"One of: {', '.join(LOG_FORMATS)}."),
    log_level: str = typer.Option("info", "--log-level", help=f"One of: {', '.join(LOG_LEVELS)}."),
) -> None:
    """Run queued crawls, sweeps, digests and deliveries (PostgreSQL); start any number, on any machines."""
    context = cli_context(ctx)
    start_logging(log_format, log_level)
    if log_level != "debug":  # procrastinate logs every job's start and end at info
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    workers = workers_package()
    load = functools.partial(load_validated_settings, context.config_path)
    try:
        load()  # a bad tracker.toml stops the worker now, not at its first job
        options = workers.WorkerOptions(
            concurrency=concurrency, stalled_after=stalled_after, host_lease=host_lease, shutdown_timeout=shutdown_timeout
        )
        asyncio.run(workers.run_worker(context.db_url, load, options))
    except (ConfigError, DatabaseError) as exc:
        fail(str(exc))
