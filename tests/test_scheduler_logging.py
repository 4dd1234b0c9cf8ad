"""The daemon's log lines: one line per event, with its facts as fields, in JSON or text."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tracker.logging import configure_logging, log_context


@pytest.fixture
def restore_root_logging() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_event_and_its_fields(restore_root_logging: object) -> None:
    stream = io.StringIO()
    configure_logging("json", "info", stream)
    logging.getLogger("tracker.daemon").info(
        "crawl finished", extra={"source": "hz-gfxwj", "url": "https://例子.gov.cn/a", "outcome": "ok", "duration": 1.25}
    )
    logging.getLogger("tracker.daemon").debug("not shown at info")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["event"] == "crawl finished"
    assert line["level"] == "info"
    assert (line["source"], line["url"], line["outcome"], line["duration"]) == ("hz-gfxwj", "https://例子.gov.cn/a", "ok", 1.25)
    assert line["ts"].endswith("Z")


def test_text_lines_are_greppable_key_value_pairs(restore_root_logging: object) -> None:
    stream = io.StringIO()
    configure_logging("text", "debug", stream)
    logging.getLogger("tracker.daemon").warning(
        "config reload refused",
        extra={"reason": "source[0].schedule: bad value", "jobs": 3, "changed": ["crawl:a", "sweep"], "events": {"status_changed": 2}},
    )
    (line,) = stream.getvalue().splitlines()
    assert " WARNING config reload refused " in line
    assert line.endswith('reason="source[0].schedule: bad value" jobs=3 changed=crawl:a,sweep events=status_changed:2')


def test_a_second_configuration_replaces_the_first(restore_root_logging: object) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("text", "info", first)
    configure_logging("json", "info", second)
    logging.getLogger("x").info("once")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="json"):
        configure_logging("yaml", "info")


def test_httpx_request_lines_become_fetch_events_with_the_job_context(restore_root_logging: object) -> None:
    stream = io.StringIO()
    configure_logging("json", "info", stream)
    with log_context(job="crawl:hz", source="hz"):
        logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "GET", "http://127.0.0.1/a.html", "HTTP/1.1", 304, "Not Modified")
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "GET", "http://127.0.0.1/b.html", "HTTP/1.1", 200, "OK")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["event"], first["method"], first["url"], first["status"]) == ("http request", "GET", "http://127.0.0.1/a.html", 304)
    assert (first["job"], first["source"]) == ("crawl:hz", "hz")
    assert "source" not in second
