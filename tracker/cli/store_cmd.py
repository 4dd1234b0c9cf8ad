"""Commands over the stored history: init, ingest, history, diff, events, search.

Also the helpers the other read commands share: opening the database with a one-line
error when it is missing or outdated, and resolving DOC (id, URL or 文号 in any form).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from storage.engine import init_database
from storage.events import list_events
from storage.queries import find_document, suggest_documents, versions_of
from storage.search import search
from storage.tables import Document
from tracker.cli.app import app, cell, cli_context, console, database_engine, fail, load_cli_settings, print_json
from tracker.core.errors import DatabaseError, ParseError, SearchQueryError, VersionNotFound
from tracker.core.model import ClauseChange, ClauseDiff
from tracker.json_shapes import event_json
from tracker.pipeline import ingest_file
from tracker.pipeline.history import diff_versions

DISPLAY_TIMEZONE = ZoneInfo("Asia/Shanghai")
DELETED = "red strike"
INSERTED = "green underline"

STARTER_CONFIG = """\
# tracker.toml — written by `tracker init`. See docs/configuration.md for every option.

[tracker]
timezone = "Asia/Shanghai"
warning_days = 90
reminder_days = [90, 30, 7]

# Ready-made sources for real sites are in sources/catalog/*.toml; copy a table here.
# [[source]]
# name = "hz-gfxwj"                  # 杭州市人民政府 规范性文件 (Hanweb CMS, read by column id)
# kind = "hanweb"
# start_urls = ["https://www.hangzhou.gov.cn/col/col1229063387/index.html"]
# allowed_hosts = ["www.hangzhou.gov.cn"]
# api = "jpaas"
# column_id = "1229063387"
# site_id = "149"
# schedule = "every 6h"

# [[subscription]]
# name = "me"
# channel = "console"
# events = ["document_added", "document_changed", "status_changed", "expiry_reminder"]
"""


@contextmanager
def database_session(ctx: typer.Context) -> Iterator[Session]:
    """A session on the configured database, or a one-line error telling what to do."""
    with database_engine(ctx) as engine, Session(engine) as session:
        yield session


def document_or_fail(session: Session, ref: str) -> Document:
    """The document DOC names; otherwise say so, suggest close matches and exit 2."""
    document = find_document(session, ref)
    if document is not None:
        return document
    suggestions = suggest_documents(session, ref)
    names = ", ".join(f"{d.doc_number or d.title} (id {d.id})" for d in suggestions)
    hint = f"; did you mean {names}" if suggestions else ""
    fail(f"no document {ref!r}{hint}")


def local_time(value: dt.datetime) -> str:
    return value.astimezone(DISPLAY_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def parse_when(value: str, *, now: dt.datetime) -> dt.datetime:
    """ISO date/datetime (UTC when no offset is given) or an age such as `7d`, `12h`."""
    age = re.fullmatch(r"(\d+)\s*([dhm])", value.strip())
    if age:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[age.group(2)]
        return now - dt.timedelta(**{unit: int(age.group(1))})
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"cannot read {value!r} as a date or time: use 2026-02-01, 2026-02-01T09:00+08:00 or 7d")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database or upgrade it to this version; write a starter tracker.toml if none exists."""
    context = cli_context(ctx)
    try:
        revision = init_database(context.db_url)
    except DatabaseError as exc:
        fail(str(exc))
    console.print(f"database ready at schema {revision}", markup=False)
    if not context.config_path.exists():
        context.config_path.write_text(STARTER_CONFIG, encoding="utf-8")
        console.print(f"wrote {context.config_path}", markup=False)


@app.command()
def ingest(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Local HTML, text or Markdown file."),
    url: str = typer.Option(..., "--url", help="The document's canonical URL (its identity)."),
    at: str | None = typer.Option(None, "--at", help="When it was fetched (ISO; default now)."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Store a local file as a fetched version of document URL: parse, save, diff, events."""
    now = dt.datetime.now(dt.timezone.utc)
    fetched_at = parse_when(at, now=now) if at else now
    settings = load_cli_settings(ctx, missing_ok=True, require_env=False)
    if not path.is_file():
        fail(f"no such file: {path}")
    with database_engine(ctx) as engine:
        try:
            results = ingest_file(
                engine,
                path,
                url=url,
                fetched_at=fetched_at,
                lifecycle=settings.tracker,
                subscriptions=settings.subscriptions,
            )
        except ParseError as exc:
            fail(f"{path}: {exc}")
    rows = []
    for result in results:
        outcome = "added" if result.created else "changed" if result.changed else "unchanged"
        version = result.version or result.previous
        rows.append(
            {
                "document_id": result.document.id,
                "url": result.document.url,
                "title": result.document.title,
                "outcome": outcome,
                "version": version.number if version else None,
                "summary": result.diff.summary() if result.diff else None,
                "events": [event.kind for event in result.events],
            }
        )
    if json_output:
        print_json(rows)
        return
    for row in rows:
        detail = {"added": "first version", "changed": row["summary"], "unchanged": "unchanged, last seen updated"}
        console.print(
            f"{row['outcome']}: [{row['document_id']}] {row['title']} v{row['version']} — {detail[row['outcome']]}",
            markup=False,
        )


@app.command()
def history(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="Document id, URL or 文号."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """A document's versions, newest first, with a one-line change summary each."""
    with database_session(ctx) as session:
        document = document_or_fail(session, doc)
        assert document.id is not None
        versions = versions_of(session, document.id)
        if json_output:
            print_json(
                {
                    "id": document.id,
                    "title": document.title,
                    "versions": [
                        {
                            "version": v.number,
                            "fetched_at": v.fetched_at.isoformat(),
                            "content_hash": v.content_hash,
                            "summary": v.change_summary,
                        }
                        for v in versions
                    ],
                }
            )
            return
        table = Table(title=cell(f"{document.title} ({document.doc_number or 'no 文号'})"))
        for column in ("version", "fetched", "changes"):
            table.add_column(column)
        for version in versions:
            table.add_row(str(version.number), local_time(version.fetched_at), cell(version.change_summary or ""))
        console.print(table)


@app.command()
def diff(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="Document id, URL or 文号."),
    from_version: int | None = typer.Option(None, "--from", help="Old version number (default: the one before --to)."),
    to_version: int | None = typer.Option(None, "--to", help="New version number (default: the latest)."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Clause-level changes between two versions, as a redline (default: the last two)."""
    with database_session(ctx) as session:
        document = document_or_fail(session, doc)
        assert document.id is not None
        try:
            changes = diff_versions(session, document.id, from_version, to_version)
        except VersionNotFound as exc:
            fail(f"{document.title}: {exc}")
        if json_output:
            print_json(changes.to_json())
            return
        render_redline(document, changes)


def render_redline(document: Document, changes: ClauseDiff) -> None:
    """Deletions struck through in red, insertions underlined in green, inline."""
    console.print(
        f"{document.title}: v{changes.from_version or '—'} → v{changes.to_version} ({changes.summary()})", markup=False
    )
    for field, change in changes.metadata.items():
        line = Text(f"  {field}: ")
        line.append(_marked("delete", str(change.old)), style=DELETED)
        line.append(" → ")
        line.append(_marked("insert", str(change.new)), style=INSERTED)
        console.print(line)
    for change in changes.clauses:
        console.print(_clause_header(change), markup=False)
        if change.change == "moved":
            continue  # same text under a new number: the header says everything
        body = Text("    ")
        for op in change.inline:
            body.append(_marked(op.op, op.text), style={"delete": DELETED, "insert": INSERTED}.get(op.op, ""))
        console.print(body)
        for figure in change.figures:
            console.print(f"    {figure.kind}: {figure.old or '—'} → {figure.new or '—'}", markup=False)


def _marked(op: str, text: str) -> str:
    """Without colours (a pipe, a file) deletions read `[-…-]` and insertions `{+…+}`, as in wdiff."""
    if console.color_system is not None or op == "equal":
        return text
    return f"[-{text}-]" if op == "delete" else f"{{+{text}+}}"


def _clause_header(change: ClauseChange) -> str:
    where = {
        "added": change.new_path,
        "removed": change.old_path,
        "moved": f"{change.old_path} → {change.new_path}",
        "modified": change.new_path if change.old_path == change.new_path else f"{change.old_path} → {change.new_path}",
    }[change.change]
    heading = f" {change.heading}" if change.heading else ""
    return f"\n  {change.change} {where}{heading}"


@app.command()
def events(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help="ISO date/time or an age such as 7d, 12h."),
    kind: str | None = typer.Option(None, "--kind", help="Only this event kind, e.g. document_changed."),
    limit: int = typer.Option(200, "--limit", help="At most this many (the latest)."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """What happened: events oldest first."""
    cutoff = parse_when(since, now=dt.datetime.now(dt.timezone.utc)) if since else None
    with database_session(ctx) as session:
        found = list_events(session, since=cutoff, kind=kind)[-limit:]
        if json_output:
            print_json([event_json(event) for event in found])
            return
        table = Table()
        for column in ("id", "when", "kind", "document", "what"):
            table.add_column(column)
        for event in found:
            payload = event.payload
            table.add_row(
                str(event.id),
                local_time(event.occurred_at),
                event.kind,
                str(event.document_id or ""),
                cell(payload.get("summary") or payload.get("title") or payload.get("reason") or ""),
            )
        console.print(table)


@app.command(name="search")
def search_command(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Words to find (two characters or more), e.g. 脑机 or 首台（套）."),
    status: str | None = typer.Option(None, "--status", help="Only documents with this status."),
    limit: int = typer.Option(20, "--limit", help="At most this many hits."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Full-text search over the current versions' titles and clauses, best first."""
    with database_session(ctx) as session:
        try:
            hits = search(session, text, status=status, limit=limit)
        except SearchQueryError as exc:
            fail(str(exc))
        if json_output:
            print_json([hit.to_json() for hit in hits])
            return
        if not hits:
            console.print(f"no match for {text!r}", markup=False)
            return
        table = Table()
        for column in ("doc", "title", "where", "snippet"):
            table.add_column(column, overflow="fold")
        for hit in hits:
            start, end = hit.highlight
            snippet = Text(hit.snippet[:start])
            snippet.append(hit.snippet[start:end], style="bold yellow")
            snippet.append(hit.snippet[end:])
            table.add_row(str(hit.document_id), cell(hit.title), cell(hit.path or "title"), snippet)
        console.print(table)
