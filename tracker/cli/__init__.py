"""The `tracker` command. Each command group lives in its own module and registers on `app`."""

from __future__ import annotations

# Command modules register themselves on import; keep one import per line.
from tracker.cli import (
    crawl_cmd,  # noqa: E402,F401
    daemon_cmd,  # noqa: E402,F401
    docs_cmd,  # noqa: E402,F401
    lifecycle_cmd,  # noqa: E402,F401
    notify_cmd,  # noqa: E402,F401
    parse_cmd,  # noqa: E402,F401
    store_cmd,  # noqa: E402,F401
    web_cmd,  # noqa: E402,F401
    worker_cmd,  # noqa: E402,F401
)
from tracker.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
