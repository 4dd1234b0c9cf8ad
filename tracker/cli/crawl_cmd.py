"""`tracker crawl [SOURCE…]` and `tracker sources`: run sources now, and show their health."""

from __future__ import annotations

from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from storage.status import sources_with_last_run
from tracker.cli.app import (
    app,
    cli_context,
    console,
    database_engine,
    err_console,
    fail,
    load_cli_settings,
    print_json,
    workers_package,
)
from tracker.core.config import Settings
from tracker.core.errors import ConfigError
from tracker.json_shapes import source_health
from tracker.pipeline import SourceRun, crawl, select_sources

_FAILED_OUTCOMES = ("failed", "blocked")


def _describe(run: SourceRun) -> str:
    return (
        f"{run.source}: {run.pages} pages, {run.documents} docs — "
        f"new {run.new}, changed {run.changed}, unchanged {run.unchanged}, removed {run.removed}, "
        f"blocked {run.blocked}, errors {run.errors}" + (f", disallowed by robots.txt {run.disallowed}" if run.disallowed else "")
    )


@app.command("crawl")
def crawl_command(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(None, help="Source names (default: every enabled source)."),
    json_output: bool = typer.Option(False, "--json", help="Print the per-source results as JSON."),
    enqueue: bool = typer.Option(
        False, "--enqueue", help="Queue the crawls for `tracker worker` (PostgreSQL) instead of running them here."
    ),
) -> None:
    """Run sources now: fetch what is new or changed, store versions, record events."""
    settings = load_cli_settings(ctx, require_env=False)  # a crawl sends nothing: no channel secrets needed
    try:
        configs = select_sources(settings, sources or ())
    except ConfigError as exc:
        fail(str(exc))
    for config in configs:
        if config.unset_env:
            fail(f"{settings.path}: source {config.name}: environment variable {config.unset_env[0]} is not set")
    if not configs:
        fail(f"{settings.path}: no enabled [[source]] to crawl")
    if enqueue:
        _enqueue(ctx, [c.name for c in configs], json_output)
        return
    with database_engine(ctx) as engine:
        if json_output:
            runs = crawl(engine, settings, [c.name for c in configs])
        else:
            runs = _crawl_with_progress(engine, settings, [c.name for c in configs])
    if json_output:
        print_json({"sources": [run.to_json() for run in runs]})
    else:
        _print_summary(runs)
    if any(run.outcome in _FAILED_OUTCOMES for run in runs):
        raise typer.Exit(1)


def _enqueue(ctx: typer.Context, names: list[str], json_output: bool) -> None:
    """Queue one crawl job per source; a source whose crawl already waits is not queued twice."""
    workers = workers_package()
    try:
        queue = workers.job_app(cli_context(ctx).db_url)
        with database_engine(ctx), queue.open():
            queued = {name: workers.defer_job(queue, "crawl", name) for name in names}
    except ConfigError as exc:
        fail(str(exc))
    if json_output:
        print_json({"queued": [n for n, q in queued.items() if q], "already_queued": [n for n, q in queued.items() if not q]})
        return
    for name, fresh in queued.items():
        console.print(f"{'queued' if fresh else 'already queued'}: {name}", markup=False)


def _crawl_with_progress(engine: Any, settings: Settings, names: list[str]) -> list[SourceRun]:
    """One bar per source over the documents found so far: it fills as they are visited and
    its end moves on as each listing page adds more."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}
    with progress:
        for name in names:
            tasks[name] = progress.add_task(f"{name}: starting", total=None)

        def update(run: SourceRun) -> None:
            finished = run.outcome != "running"
            progress.update(
                tasks[run.source],
                description=_describe(run),
                completed=run.visited,
                total=run.to_visit if run.to_visit or finished else None,
            )

        return crawl(engine, settings, names, progress=update)


def _print_summary(runs: list[SourceRun]) -> None:
    """One line per source (tables get cut on narrow terminals), then every recorded error."""
    for run in runs:
        console.print(f"{run.outcome:<8} {_describe(run)}, {run.requests} requests", markup=False)
    for run in runs:
        for detail in run.error_details:
            console.print(f"{run.source}: {detail['kind']}: {detail['reason']} — {detail['url']}", markup=False)


@app.command("sources")
def sources_command(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="Machine output on stdout."),
) -> None:
    """Configured sources with their health: last run, outcome, consecutive failures, last error."""
    settings = load_cli_settings(ctx, require_env=False)
    with database_engine(ctx) as engine:
        stored = {row.name: (row, check) for row, check in sources_with_last_run(engine)}
    entries = [source_health(config, *stored.get(config.name, (None, None))) for config in settings.sources]
    if json_output:
        print_json({"sources": entries})
        return
    table = Table(title="sources")
    for column in ("name", "kind", "last run", "outcome", "failures", "last error"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        check = entry["last_check"] or {}
        flags = ("" if entry["enabled"] else " (disabled)") + (" (unverified)" if entry["verified"] is False else "")
        flags += "" if entry["obey_robots"] else " (ignores robots.txt)"
        table.add_row(
            entry["name"] + flags,
            entry["kind"],
            entry["last_run_at"][:16].replace("T", " ") if entry["last_run_at"] else "never",
            check.get("outcome", "-"),
            str(entry["consecutive_failures"]),
            entry["last_error"] or "",
        )
    console.print(table)
