"""Structured logs for the daemon: one line per event, as JSON or as readable text.

Every log call names an event and passes its facts as `extra` fields
(`log.info("crawl finished", extra={"source": "hz", "outcome": "ok", "duration": 1.2})`),
so an operator can grep the text form and a log shipper can parse the JSON form without
regular expressions. Timestamps are UTC ISO 8601. Every line, of every logger and level,
passes through `tracker.core.redact` on its way out, so a webhook URL logged by httpx or an
exception that quotes one never writes its token. Code deeper down (the crawler, httpx)
does not know which job it runs for; `log_context(source=…)` adds that to every line
logged inside it, and httpx's request lines become `http request` events with
`method`, `url` and `status` fields.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

from tracker.core.redact import redact

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")

# Attributes every LogRecord has; anything else on a record came from `extra`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_context: ContextVar[Mapping[str, Any]] = ContextVar("tracker_log_context", default={})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` to every record logged in this thread (and its asyncio tasks) meanwhile."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Adds the `log_context` fields to each record and gives httpx's request lines fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if record.name == "httpx" and record.msg == _HTTPX_REQUEST and isinstance(record.args, tuple) and len(record.args) == 5:
            method, url, _version, status, _reason = record.args
            record.msg, record.args = "http request", ()
            record.method, record.url, record.status = method, str(url), status
        return True


# The format string httpx logs every response with (httpx._client, "HTTP Request: GET url "HTTP/1.1 200 OK"").
_HTTPX_REQUEST = 'HTTP Request: %s %s "%s %d %s"'


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra` fields of a record, in the order they were given."""
    return {key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS}


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """`{"ts": …, "level": …, "logger": …, "event": …, <extra fields>}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update(event_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(_redacted(line), ensure_ascii=False, default=lambda value: redact(str(value)))


class TextFormatter(logging.Formatter):
    """`2026-11-22T06:00:00.000Z INFO  crawl finished source=hz outcome=ok duration=1.2`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={_text_value(value)}" for key, value in event_fields(record).items())
        line = f"{_timestamp(record)} {record.levelname:<7} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return redact(line)


def _redacted(value: Any) -> Any:
    """`value` with `redact` applied to every string inside it (before JSON escapes them)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_redacted(item) for item in value]
    return value


def _text_value(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        text = ",".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = ",".join(f"{key}:{item}" for key, item in value.items())
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return json.dumps(text, ensure_ascii=False) if (not text or any(c.isspace() or c == '"' for c in text)) else text


class RedactingFormatter(logging.Formatter):
    """The plain `%(message)s` of Python's last-resort handler, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def redact_unconfigured_logs() -> None:
    """Commands other than `tracker run` configure no handler, so Python prints their
    warnings through `logging.lastResort`: it gets the redactor too."""
    if logging.lastResort is not None:
        logging.lastResort.setFormatter(RedactingFormatter())


def configure_logging(log_format: str = "text", level: str = "info", stream: TextIO | None = None) -> None:
    """Send every logger's records to `stream` (stderr by default) in the chosen format.

    Replaces the root handlers so repeated calls (tests, reloads) never double the lines.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    if level.lower() not in LOG_LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler narrates every job start and Alembic every migration step at INFO;
    # our own log lines say what matters.
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def flush_logs() -> None:
    """Push buffered lines out before the process exits (including via os._exit)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
