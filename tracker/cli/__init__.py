"""The `tracker` command. Each command group lives in its own module and registers on `app`."""

from __future__ import annotations

from tracker.cli.app import app

# Command modules register themselves on import; keep one import per line.
from tracker.cli import parse_cmd  # noqa: E402,F401
from tracker.cli import store_cmd  # noqa: E402,F401
from tracker.cli import docs_cmd  # noqa: E402,F401
from tracker.cli import lifecycle_cmd  # noqa: E402,F401
from tracker.cli import crawl_cmd  # noqa: E402,F401
from tracker.cli import notify_cmd  # noqa: E402,F401
from tracker.cli import daemon_cmd  # noqa: E402,F401
from tracker.cli import web_cmd  # noqa: E402,F401


def main() -> None:
    app()
