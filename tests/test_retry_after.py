"""`Retry-After` in its two forms, as the crawler and the channels read it."""

from __future__ import annotations

import datetime as dt

from tracker.core.retry_after import retry_after_seconds

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.timezone.utc)


def test_delta_seconds_and_http_dates() -> None:
    assert retry_after_seconds("120", NOW) == 120.0
    assert retry_after_seconds(" 7 ", NOW) == 7.0
    assert retry_after_seconds("Sun, 22 Nov 2026 12:00:30 GMT", NOW) == 30.0
    assert retry_after_seconds("Sun, 22 Nov 2026 12:00:30", NOW) == 30.0  # no zone: UTC, not local time


def test_past_dates_wait_nothing_and_nonsense_is_ignored() -> None:
    assert retry_after_seconds("Sun, 22 Nov 2026 11:00:00 GMT", NOW) == 0.0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds("", NOW) is None
    assert retry_after_seconds(None, NOW) is None
