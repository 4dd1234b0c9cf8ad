"""The typer app and the options every command shares (`--db`, `--config`).

Command modules register themselves on `app`; `tracker.cli` imports them all. Helpers
here keep output conventions in one place: `--json` prints machine output on stdout and
nothing else; errors are one line on stderr with exit code 2, never a traceback, and
never a secret: every error line goes through `tracker.core.redact`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.segment import Segment
from rich.text import Text

import notifiers.channels  # noqa: F401  (declares the channels tracker.toml may name)
import sources  # noqa: F401  (declares the source kinds tracker.toml may name)
from storage.engine import open_database
from tracker.core.config import Settings, load_settings
from tracker.core.errors import ConfigError, DatabaseError
from tracker.core.redact import redact, register_secret
from tracker.daemon import plan_jobs
from tracker.logging import configure_logging, redact_unconfigured_logs

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

#: C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides that
#: make a terminal show text in another order than it is stored.
_UNPRINTABLE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with control characters written as visible escapes (`\\x1b`), so a scraped title
    with a screen-clear or an OSC 8 link shows as text instead of acting on the terminal."""
    return _UNPRINTABLE_RE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def cell(value: object) -> Text:
    """Scraped text for a table cell: no control characters, and `[x]` shown, not read as markup."""
    return Text(printable(str(value)))


class SafeConsole(Console):
    """A rich Console that never writes a control character it did not generate itself.

    Every human output of the CLI passes here: data segments (titles, clauses, evidence,
    snippets) are made `printable` after layout; rich's own control segments (colours,
    cursor moves) pass as they are. `--json` output does not come through here.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control else Segment(printable(segment.text), segment.style, segment.control)
            for segment in buffer
        )


console = SafeConsole(highlight=False, soft_wrap=True)
err_console = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


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
    redact_unconfigured_logs()


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


def load_validated_settings(path: Path, *, missing_ok: bool = False, require_env: bool = True) -> Settings:
    """tracker.toml with every check the daemon would make: source kinds, channel options, schedules.

    The same checks for every command, so a typo fails at `tracker crawl` as it would at
    `tracker run`, with the file and key in the message (ConfigError). Every value that
    came from `${VAR}` is registered with the redactor, so no log line or message of this
    process shows it.
    """
    settings = load_settings(
        path,
        missing_ok=missing_ok,
        require_env=require_env,
    )
    for value in settings.env_values:
        register_secret(value)
    try:
        plan_jobs(settings, dispatch_every=1.0)
    except ConfigError as exc:
        raise ConfigError(settings.mask(str(exc))) from exc
    return settings


def load_cli_settings(ctx: typer.Context, *, missing_ok: bool = False, require_env: bool = True) -> Settings:
    """`load_validated_settings` for `--config`, or a one-line error and exit 2.

    `missing_ok` gives the defaults when the file does not exist, for commands that are
    useful without any configuration (ingest, sweep, docs). Commands that send nothing pass
    `require_env=False`: they run without the ops secrets (`tracker.core.config`).
    """
    try:
        return load_validated_settings(cli_context(ctx).config_path, missing_ok=missing_ok, require_env=require_env)
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
    err_console.print(f"error: {redact(message)}", markup=False)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    """Machine output: UTF-8 JSON on stdout, Chinese left readable."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def workers_package() -> ModuleType:
    """`tracker.workers`, or a one-line error when the job queue's library is not installed
    (it comes with PostgreSQL support; a SQLite install has no workers)."""
    try:
        import tracker.workers
    except ImportError as exc:
        fail(f"workers need PostgreSQL support ({exc.name} is missing): pip install 'policy-tracker[postgres]'")
    return tracker.workers


def start_logging(log_format: str, log_level: str) -> None:
    """Structured logs for a long-running command (`run`, `worker`); a one-line error for a bad format or level."""
    try:
        configure_logging(log_format, log_level)
    except ValueError as exc:
        fail(str(exc))
