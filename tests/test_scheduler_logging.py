"""The daemon's log lines: one line per event, with its facts as fields, in JSON or text."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tracker.logging import configure_logging


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
    logging.getLogger("tracker.scheduler").info(
        "crawl finished", extra={"source": "hz-gfxwj", "url": "https://例子.gov.cn/a", "outcome": "ok", "duration": 1.25}
    )
    logging.getLogger("tracker.scheduler").debug("not shown at info")
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
    logging.getLogger("tracker.scheduler").warning(
        "config reload refused", extra={"reason": "source[0].schedule: bad value", "jobs": 3}
    )
    (line,) = stream.getvalue().splitlines()
    assert " WARNING config reload refused " in line
    assert line.endswith('reason="source[0].schedule: bad value" jobs=3')


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
