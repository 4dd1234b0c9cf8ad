"""`tracker run` (the daemon) and `tracker status` (is it running, what runs next, what is owed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from tracker.cli.app import (
    app,
    cli_context,
    console,
    database_engine,
    fail,
    load_validated_settings,
    print_json,
    start_logging,
    workers_package,
)
from tracker.core.config import load_settings
from tracker.core.errors import ConfigError, DatabaseError, LockHeld
from tracker.daemon import Daemon, DaemonOptions, JobWork, daemon_status, run_planned_job
from tracker.logging import LOG_FORMATS, LOG_LEVELS


@app.command("run")
def run_command(
    ctx: typer.Context,
    log_format: str = typer.Option("text", "--log-format", help=f"One of: {', '.join(LOG_FORMATS)}."),
    log_level: str = typer.Option("info", "--log-level", help=f"One of: {', '.join(LOG_LEVELS)}."),
    dispatch_every: float = typer.Option(5.0, "--dispatch-every", min=0.1, help="Seconds between outbox deliveries."),
    shutdown_timeout: float = typer.Option(
        30.0, "--shutdown-timeout", min=0.0, help="Seconds running jobs get to finish after SIGTERM/SIGINT."
    ),
    heartbeat_every: float = typer.Option(10.0, "--heartbeat-every", min=0.1, help="Seconds between heartbeats."),
    schedule_only: bool = typer.Option(
        False, "--schedule-only", help="Queue each run for `tracker worker` instead of running it (PostgreSQL)."
    ),
) -> None:
    """The daemon: scheduled crawls, the daily lifecycle sweep, digests and deliveries. SIGHUP reloads tracker.toml."""
    context = cli_context(ctx)
    start_logging(log_format, log_level)
    work: JobWork = run_planned_job
    if schedule_only:
        try:
            work = workers_package().JobDeferrer(context.db_url)
        except ConfigError as exc:
            fail(str(exc))
    daemon = Daemon(
        db_url=context.db_url,
        config_path=context.config_path,
        work=work,
        load=load_validated_settings,
        options=DaemonOptions(
            dispatch_every=dispatch_every, heartbeat_every=heartbeat_every, shutdown_timeout=shutdown_timeout
        ),
    )
    try:
        code = daemon.run()
    except (ConfigError, DatabaseError, LockHeld, ValueError) as exc:
        fail(str(exc))
    raise typer.Exit(code)


@app.command("status")
def status_command(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine output.")) -> None:
    """Is the daemon running; next and last run per source; deliveries still owed."""
    try:
        # Structure only, not kind options or schedules: status must still answer while a
        # bad edit of tracker.toml waits and the daemon keeps running on its previous config.
        settings = load_settings(cli_context(ctx).config_path, missing_ok=True, require_env=False)
    except ConfigError as exc:
        fail(str(exc))
    with database_engine(ctx) as engine:
        report = daemon_status(engine, settings)
    if as_json:
        print_json(report)
        return
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    daemon = report["daemon"]
    if daemon["running"]:
        console.print(
            f"daemon: running ({daemon['holder']}, since {_short(daemon['started_at'])}, "
            f"last heartbeat {_short(daemon['heartbeat_at'])})"
        )
    elif daemon["stopped_at"]:
        console.print(f"daemon: not running (the last one, {daemon['holder']}, stopped {_short(daemon['stopped_at'])})")
    elif daemon["holder"]:
        console.print(
            f"daemon: not running (the last one, {daemon['holder']}, died without stopping; "
            f"last heartbeat {_short(daemon['heartbeat_at'])})"
        )
    else:
        console.print("daemon: not running (never started on this database; start it with `tracker run`)")
    table = Table("source", "schedule", "next run", "last run", "outcome", "new/chg/err", "fails")
    for source in report["sources"]:
        counts = source["last_counts"]
        table.add_row(
            source["name"] + ("" if source["enabled"] else " (disabled)"),
            source["schedule"] or "-",
            _short(source["next_run"]),
            _short(source["last_run"]),
            source["last_outcome"] or "-",
            f"{counts['new']}/{counts['changed']}/{counts['errors']}" if counts else "-",
            str(source["consecutive_failures"]),
        )
    console.print(table)
    for source in report["sources"]:
        if source["last_error"]:
            console.print(f"{source['name']}: last error: {source['last_error']}", markup=False)
    for job_id, job in report["jobs"].items():
        console.print(f"{job_id}: {job['schedule']}, next {_short(job['next_run'])}, last {_short(job['last_run'])}")
    deliveries = report["deliveries"]
    console.print(
        f"deliveries: {deliveries['pending']} pending, {deliveries['failed']} failed (retrying), "
        f"{deliveries['dead']} dead, {deliveries['sent']} sent"
    )


def _short(moment: str | None) -> str:
    """`2026-11-22T06:00:00+08:00` → `2026-11-22 06:00:00`: the zone is the configured one."""
    return dt.datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"
