"""`tracker web`: the read-only web view, feeds and calendar over the `--db` database."""

from __future__ import annotations

import typer

from storage.readonly import open_read_only
from tracker.cli.app import app, cli_context, console, fail, load_cli_settings
from tracker.core.errors import DatabaseError
from tracker.web import serve
from tracker.web.serve import bind_problem, listen


def web_urls(host: str, port: int) -> str:
    """The lines that tell a person where to look: the pages, the feed and the calendar."""
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    return f"web view: {base}/documents\nAtom feed: {base}/feeds/events.atom\ncalendar:  {base}/calendar.ics"


@app.command("web")
def web_command(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default [web] host, 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port (default [web] port, 8080)."),
) -> None:
    """A read-only web view: documents, redlines, events, sources, Atom feeds, an iCalendar of dates, a JSON API."""
    settings = load_cli_settings(ctx, missing_ok=True, require_env=False)
    host = host or settings.web.host
    port = port or settings.web.port
    problem = bind_problem(host, settings.web)
    if problem is not None:
        fail(problem)
    try:
        engine = open_read_only(cli_context(ctx).db_url)
    except DatabaseError as exc:
        fail(str(exc))
    try:
        sock = listen(host, port)
    except OSError as exc:
        engine.dispose()
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    console.print(web_urls(host, port) + "\n(read-only; Ctrl-C stops)", markup=False)
    try:
        serve(engine, settings, sock)
    finally:
        sock.close()
        engine.dispose()
