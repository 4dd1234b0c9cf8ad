"""The schedule grammar of `tracker.toml`: a 5-field cron expression or `every 6h`, optionally `jitter 5m`.

Cron weekdays are counted the crontab way (0 or 7 = Sunday). Intervals get a default
jitter of a tenth of the interval (at most five minutes) so many sources on the same
schedule do not hit their sites in the same second; cron times stay exact unless asked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker.core.errors import ConfigError

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_RE = re.compile(r"(\d+)\s*([smhd])")
_DURATIONS_RE = re.compile(r"(?:\d+\s*[smhd]\s*)+")
_INTERVAL_RE = re.compile(r"every\s+(.+)")
DEFAULT_JITTER_SHARE = 0.1
DEFAULT_JITTER_CAP = 300.0
#: Longer intervals are typos (`every 99999999999d` overflows the scheduler); a yearly job is a cron.
MAX_INTERVAL = 366 * 86400.0
#: A cron time may be spread over at most a day; an interval's jitter over at most the interval.
MAX_CRON_JITTER = 86400.0
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the text as configured (for logs and change detection) and its trigger."""

    text: str
    trigger: BaseTrigger


def parse_duration(text: str) -> float:
    """`"90s"`, `"5m"`, `"1h30m"`, `"2d"` → seconds. ValueError when it is not one."""
    compact = text.strip().lower()
    if not compact or not _DURATIONS_RE.fullmatch(compact):
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 6h, 1h30m or 1d")
    return float(sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_RE.findall(compact)))


def parse_schedule(text: str, *, key: str, where: str, timezone: dt.tzinfo) -> Schedule:
    """A schedule string from the config → Schedule; ConfigError naming `where` and `key` otherwise."""
    try:
        trigger = _trigger(text, timezone)
        # A cron that can never fire (`0 0 30 2 *`) would otherwise count as "due now" at every start.
        if trigger.get_next_fire_time(None, dt.datetime.now(timezone)) is None:
            raise ValueError("it never fires (no such date)")
    except (ValueError, OverflowError) as exc:
        raise ConfigError(f"{where}: {key}: invalid schedule {text!r}: {exc}") from exc
    return Schedule(text=text, trigger=trigger)


def _trigger(text: str, timezone: dt.tzinfo) -> BaseTrigger:
    spec, _, jitter_text = text.strip().lower().partition(" jitter ")
    spec = spec.strip()
    jitter = parse_duration(jitter_text) if jitter_text else None
    interval = _INTERVAL_RE.fullmatch(spec)
    if interval:
        seconds = parse_duration(interval.group(1))
        if not 0 < seconds <= MAX_INTERVAL:
            raise ValueError(f"the interval must be longer than zero and at most 366d, got {seconds:.0f}s")
        if jitter is None:
            jitter = min(seconds * DEFAULT_JITTER_SHARE, DEFAULT_JITTER_CAP)
        if jitter > seconds:
            raise ValueError(f"jitter {jitter:.0f}s is longer than the interval {seconds:.0f}s")
        return IntervalTrigger(seconds=seconds, jitter=jitter or None, timezone=timezone)
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected 'every <duration>' or a cron expression with 5 fields "
            f"(minute hour day month weekday), got {len(fields)} field(s)"
        )
    minute, hour, day, month, weekday = fields
    if jitter is not None and jitter > MAX_CRON_JITTER:
        raise ValueError(f"jitter {jitter:.0f}s is longer than a day")
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_weekdays(weekday),
        timezone=timezone,
        jitter=jitter or None,
    )


def _crontab_weekdays(field: str) -> str:
    """Crontab weekday numbers (0/7 = Sunday) → APScheduler names (its 0 is Monday).

    Names (`mon-fri`) and `*` pass through unchanged; numbers, ranges and steps are
    expanded to an explicit list of names so the two numberings can never be confused.
    """
    if not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"weekday step must be at least 1 in {field!r}")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = _weekday_number(first_text, field), _weekday_number(last_text, field)
            if last == 0 and first > 0:
                last = 7
        else:
            first = _weekday_number(base, field)
            last = 6 if step_text else first
        if last < first:
            raise ValueError(f"weekday range {base!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _weekday_number(text: str, field: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    raise ValueError(f"weekday {text!r} in {field!r} is not 0-7 or a name such as mon")
