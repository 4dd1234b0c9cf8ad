"""Schedule strings from tracker.toml → triggers: when would each one fire next?"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tracker.core.errors import ConfigError
from tracker.daemon import parse_duration, parse_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Sunday, noon in Shanghai.
NOON = dt.datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI)


def next_fire(text: str, now: dt.datetime = NOON, previous: dt.datetime | None = None) -> dt.datetime:
    trigger = parse_schedule(text, key="source[0].schedule", where="tracker.toml", timezone=SHANGHAI).trigger
    fire = trigger.get_next_fire_time(previous, now)
    assert fire is not None
    return fire


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("6h", 21600), ("1h30m", 5400), ("2d", 172800), (" 10 s ", 10)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_every_30s_fires_30s_after_the_previous_run_plus_at_most_3s_jitter() -> None:
    for _ in range(20):
        delay = (next_fire("every 30s", previous=NOON) - NOON).total_seconds()
        assert 30 <= delay <= 33


def test_every_6h_jitter_is_capped_at_five_minutes() -> None:
    delays = [(next_fire("every 6h", previous=NOON) - NOON).total_seconds() for _ in range(20)]
    assert all(21600 <= d <= 21600 + 300 for d in delays)


def test_explicit_zero_jitter_is_exact() -> None:
    assert next_fire("every 1h30m jitter 0s", previous=NOON) == NOON + dt.timedelta(minutes=90)


def test_cron_with_five_fields_in_the_configured_timezone() -> None:
    assert next_fire("0 */6 * * *") == NOON  # a cron time that is now fires now
    assert next_fire("0 */6 * * *", now=NOON + dt.timedelta(seconds=1)) == dt.datetime(2026, 11, 22, 18, 0, tzinfo=SHANGHAI)
    assert next_fire("30 6 * * *") == dt.datetime(2026, 11, 23, 6, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("weekday", "expected_day"),
    [
        ("1", 23),  # crontab 1 = Monday (APScheduler alone would read it as Tuesday)
        ("0", 29),  # crontab 0 = Sunday; noon already passed today
        ("7", 29),  # 7 = Sunday as well
        ("MON", 23),
        ("2-4", 24),  # Tuesday..Thursday
        ("5-0", 27),  # Friday..Sunday wraps
        ("*/3", 25),  # Sunday, Wednesday, Saturday
    ],
)
def test_cron_weekdays_count_the_crontab_way(weekday: str, expected_day: int) -> None:
    assert next_fire(f"0 9 * * {weekday}") == dt.datetime(2026, 11, expected_day, 9, 0, tzinfo=SHANGHAI)


def test_cron_jitter_only_delays() -> None:
    fire = next_fire("0 9 * * 1 jitter 2m")
    assert dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI) <= fire <= dt.datetime(2026, 11, 23, 9, 2, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("every 0s", "longer than zero"),
        ("every fortnight", "not a duration"),
        ("every 5", "not a duration"),
        ("0 9 * *", "5 fields"),
        ("0 0 9 * * *", "5 fields"),
        ("61 * * * *", "61"),
        ("0 9 * * 8", "weekday '8'"),
        ("0 9 * * 1 jitter soon", "not a duration"),
        ("hourly", "5 fields"),
    ],
)
def test_invalid_schedule_is_a_config_error_naming_file_and_key(text: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_schedule(text, key="source[2].schedule", where="/etc/tracker.toml", timezone=SHANGHAI)
    message = str(caught.value)
    assert message.startswith(f"/etc/tracker.toml: source[2].schedule: invalid schedule {text!r}: ")
    assert reason in message
