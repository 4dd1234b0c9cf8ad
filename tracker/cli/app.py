"""The typer app and the options every command shares (`--db`, `--config`).

Command modules register themselves on `app`; `tracker.cli` imports them all. Helpers
here keep output conventions in one place: `--json` prints machine output on stdout and
nothing else; errors are one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console

from notifiers.channels import validate_subscription
from sources.registry import validate_source
from storage.engine import DatabaseError, open_database
from tracker.config import ConfigError, Settings, load_settings
from tracker.scheduler import plan_jobs

DEFAULT_DATABASE_URL = "sqlite:///./tracker.db"
DEFAULT_CONFIG_PATH = Path("tracker.toml")

app = typer.Typer(
    name="tracker",
    help="Watch government policy pages: documents, clause-level changes, legal status, alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class CliContext:
    db_url: str
    config_path: Path


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: str = typer.Option(
        DEFAULT_DATABASE_URL, "--db", envvar="TRACKER_DATABASE_URL", help="Database URL (SQLite or PostgreSQL)."
    ),
    config: Path = typer.Option(DEFAULT_CONFIG_PATH, "--config", help="Path of tracker.toml."),
) -> None:
    ctx.obj = CliContext(db_url=db, config_path=config)
    _honour_columns()


def _honour_columns() -> None:
    """Rich reads COLUMNS once, at import; read it again for each invocation of the app."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        console.width = err_console.width = int(columns)


def cli_context(ctx: typer.Context) -> CliContext:
    """The global options; commands get them through the typer context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj


def load_validated_settings(path: Path, *, missing_ok: bool = False) -> Settings:
    """tracker.toml with every check the daemon would make: source kinds, channel options, schedules.

    The same checks for every command, so a typo fails at `tracker crawl` as it would at
    `tracker run`, with the file and key in the message (ConfigError).
    """
    settings = load_settings(
        path, missing_ok=missing_ok, validate_source=validate_source, validate_subscription=validate_subscription
    )
    plan_jobs(settings, dispatch_every=1.0)
    return settings


def load_cli_settings(ctx: typer.Context, *, missing_ok: bool = False) -> Settings:
    """`load_validated_settings` for `--config`, or a one-line error and exit 2.

    `missing_ok` gives the defaults when the file does not exist, for commands that are
    useful without any configuration (ingest, sweep, docs).
    """
    try:
        return load_validated_settings(cli_context(ctx).config_path, missing_ok=missing_ok)
    except ConfigError as exc:
        fail(str(exc))


@contextmanager
def database_engine(ctx: typer.Context) -> Iterator[sa.Engine]:
    """The `--db` database for one command, disposed afterwards; a one-line error when it cannot be used."""
    try:
        engine = open_database(cli_context(ctx).db_url)
    except DatabaseError as exc:
        fail(str(exc))
    try:
        yield engine
    finally:
        engine.dispose()


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and a non-zero exit: the contract for every user-facing error."""
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    """Machine output: UTF-8 JSON on stdout, Chinese left readable."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
