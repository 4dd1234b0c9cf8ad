"""Which jobs a tracker.toml asks for, and when each first fires after a (re)start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger

from tracker.core.config import load_settings
from tracker.core.errors import ConfigError
from tracker.daemon import first_run_time, parse_schedule, plan_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai

CONFIG = """
[tracker]
sweep_time = "06:30"

[[source]]
name = "fast"
kind = "files"
paths = ["."]
schedule = "every 30s"

[[source]]
name = "nightly"
kind = "files"
paths = ["."]
schedule = "0 2 * * *"

[[source]]
name = "unscheduled"
kind = "files"
paths = ["."]

[[source]]
name = "off"
kind = "files"
paths = ["."]
schedule = "every 1m"
enabled = false

[[subscription]]
name = "weekly"
channel = "console"
mode = "digest"
schedule = "0 9 * * 1"

[[subscription]]
name = "now"
channel = "console"
"""


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tracker.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_has_one_job_per_enabled_source_plus_sweep_digests_and_dispatch(tmp_path: Path) -> None:
    plan = plan_jobs(load_settings(write_config(tmp_path, CONFIG)), dispatch_every=2)
    assert [(job.id, job.schedule.text) for job in plan] == [
        ("crawl:fast", "every 30s"),
        ("crawl:nightly", "0 2 * * *"),
        ("crawl:unscheduled", "every 6h"),
        ("sweep", "30 6 * * *"),
        ("digest:weekly", "0 9 * * 1"),
        ("dispatch", "every 2s"),
    ]
    sweep = next(job for job in plan if job.id == "sweep")
    assert sweep.schedule.trigger.get_next_fire_time(None, NOW) == dt.datetime(2026, 11, 23, 6, 30, tzinfo=SHANGHAI)
    digest = next(job for job in plan if job.kind == "digest")
    assert (digest.target, digest.catch_up_first) == ("weekly", False)


def test_invalid_source_schedule_names_the_source_index(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG.replace('schedule = "0 2 * * *"', 'schedule = "at two"'))
    with pytest.raises(ConfigError, match=r"tracker\.toml: source\[1\]\.schedule: invalid schedule 'at two'"):
        plan_jobs(load_settings(path), dispatch_every=5)


def test_invalid_digest_schedule_names_the_subscription_index(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG.replace('"0 9 * * 1"', '"0 9 * * funday"'))
    with pytest.raises(ConfigError, match=r"subscription\[0\]\.schedule: invalid schedule"):
        plan_jobs(load_settings(path), dispatch_every=5)


def every(text: str) -> BaseTrigger:
    return parse_schedule(text, key="k", where="w", timezone=SHANGHAI).trigger


def test_never_run_crawl_starts_now_but_a_digest_waits_for_its_time() -> None:
    assert first_run_time(every("every 6h jitter 0s"), last_run=None, now=NOW, catch_up_first=True) == NOW
    digest = first_run_time(every("0 9 * * 1"), last_run=None, now=NOW, catch_up_first=False)
    assert digest == dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def test_restart_continues_the_interval_from_the_last_run_instead_of_repeating_it() -> None:
    last = NOW - dt.timedelta(hours=2)
    assert first_run_time(every("every 6h jitter 0s"), last_run=last, now=NOW, catch_up_first=True) == last + dt.timedelta(hours=6)


def test_runs_missed_while_down_happen_once_now() -> None:
    three_days_ago = NOW - dt.timedelta(days=3)
    assert first_run_time(every("every 6h"), last_run=three_days_ago, now=NOW, catch_up_first=True) == NOW
    assert first_run_time(every("0 2 * * *"), last_run=three_days_ago, now=NOW, catch_up_first=False) == NOW


def test_cron_job_that_already_ran_today_waits_for_tomorrow() -> None:
    ran_at_two = dt.datetime(2026, 11, 22, 2, 0, 5, tzinfo=SHANGHAI)
    assert first_run_time(every("0 2 * * *"), last_run=ran_at_two, now=NOW, catch_up_first=True) == dt.datetime(
        2026, 11, 23, 2, 0, tzinfo=SHANGHAI
    )
