"""`tracker sweep` (the daily status pass) and `tracker expiring` (documents ending soon).

Also the pieces `docs` and `show` share for lifecycle output: the configured warning
window, `--as-of` dates, and a status with its evidence as JSON or human lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import typer
from rich.table import Table
from sqlmodel import Session

from storage.lifecycle import assess_documents, expiring_documents
from storage.queries import document_json
from storage.tables import utcnow
from tracker.cli.app import app, cell, console, database_engine, fail, load_cli_settings, print_json
from tracker.cli.store_cmd import database_session
from tracker.core.config import TrackerSettings
from tracker.core.lifecycle import Assessment
from tracker.core.model import Status
from tracker.json_shapes import status_json
from tracker.pipeline import preview_statuses, sweep_statuses

AS_OF_HELP = "Date to evaluate statuses on (YYYY-MM-DD; default today in the configured time zone)."


def lifecycle_settings(ctx: typer.Context) -> TrackerSettings:
    """warning_days, reminder_days and the time zone."""
    return load_cli_settings(ctx, missing_ok=True, require_env=False).tracker


def today(settings: TrackerSettings) -> dt.date:
    return utcnow().astimezone(settings.tz).date()


def as_of_date(value: str | None, settings: TrackerSettings) -> dt.date:
    if value is None:
        return today(settings)
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        fail(f"cannot read --as-of {value!r} as a date: use YYYY-MM-DD, e.g. 2026-11-22")


def assessments_on(
    ctx: typer.Context, session: Session, as_of: str | None, document_ids: Collection[int] | None = None
) -> tuple[dt.date, dict[int, Assessment]]:
    """The date `--as-of` names (default today) and every (or these) document's status on it."""
    settings = lifecycle_settings(ctx)
    on = as_of_date(as_of, settings)
    return on, assess_documents(session, on, document_ids=document_ids, warning_days=settings.warning_days)


def status_option(value: str | None) -> Status | None:
    """`--status S` checked against the status vocabulary."""
    if value is None:
        return None
    try:
        return Status(value)
    except ValueError:
        fail(f"unknown status {value!r}: use one of {', '.join(s.value for s in Status)}")


def status_lines(assessment: Assessment) -> list[tuple[str, str]]:
    """Human lines for `show`: status since when, by whom, why, the evidence."""
    status = assessment.status.label + (f" since {assessment.since}" if assessment.since else "")
    if assessment.amended:
        status += " (已被修改 amended)"
    lines = [("status", status)]
    if assessment.by_label:
        lines.append(("by", f"{assessment.by_label} [{assessment.by_document_id}]"))
    lines.append(("reason", assessment.reason))
    if assessment.evidence:
        lines.append(("evidence", assessment.evidence))
    return lines


@app.command()
def sweep(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Recompute every document's status; record status changes and expiry reminders once each, and queue their alerts.

    With `--as-of` another day than today it is a what-if: it prints what the sweep would
    record on that day and writes nothing.
    """
    settings = load_cli_settings(ctx, missing_ok=True, require_env=False)
    on = as_of_date(as_of, settings.tracker)
    recorded = on == today(settings.tracker)
    with database_engine(ctx) as engine:
        if recorded:
            result = sweep_statuses(engine, settings.tracker, on, occurred_at=utcnow(), subscriptions=settings.subscriptions)
        else:
            result = preview_statuses(engine, settings.tracker, on, occurred_at=utcnow())
    events = [{"id": e.id, "kind": e.kind, "document_id": e.document_id, "payload": e.payload} for e in result.events]
    if json_output:
        print_json(
            {"as_of": on.isoformat(), "recorded": recorded, "assessed": result.assessed, "updated": result.updated, "events": events}
        )
        return
    counts = result.counts()
    if recorded:
        console.print(
            f"swept {result.assessed} documents as of {on}: {result.updated} updated, "
            f"{counts.get('status_changed', 0)} status changes, {counts.get('expiry_reminder', 0)} reminders",
            markup=False,
        )
    else:
        console.print(
            f"what-if as of {on}, nothing recorded: of {result.assessed} documents {result.updated} would change, "
            f"{counts.get('status_changed', 0)} status changes, {counts.get('expiry_reminder', 0)} reminders",
            markup=False,
        )
    for event in result.events:
        payload = event.payload
        if event.kind == "status_changed":
            change = f"{Status(payload['from']).label} → {Status(payload['to']).label}"
            console.print(f"  [{event.document_id}] {change}: {payload['reason']}", markup=False)
        else:
            console.print(
                f"  [{event.document_id}] ends {payload['expires_on']} ({payload['days_left']} days left)", markup=False
            )


@app.command()
def expiring(
    ctx: typer.Context,
    within: int | None = typer.Option(None, "--within", min=0, max=36500, help="Days ahead (default: warning_days)."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Documents in force on the date whose validity period ends within DAYS, soonest first."""
    settings = lifecycle_settings(ctx)
    on = as_of_date(as_of, settings)
    days = settings.warning_days if within is None else within
    with database_session(ctx) as session:
        ending = expiring_documents(session, on, within_days=days, warning_days=settings.warning_days)
        if json_output:
            print_json(
                [{**document_json(session, d), **status_json(a, on), "days_left": left} for d, a, left in ending]
            )
            return
        table = Table(title=f"ending within {days} days of {on}")
        for column in ("id", "expires", "days left", "status", "title", "文号"):
            table.add_column(column)
        for d, a, left in ending:
            table.add_row(str(d.id), str(d.expires_on), str(left), a.status.label, cell(d.enclosed_title or d.title), cell(d.doc_number or ""))
        console.print(table)
