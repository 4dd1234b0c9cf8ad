"""The validated settings: `[tracker]`, each `[[source]]` and `[[subscription]]`, and their defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from tracker.core.errors import ConfigError
from tracker.core.events import EVENT_KINDS
from tracker.core.model import Status

STATUSES = tuple(status.value for status in Status)
MAX_PARSE_WORKERS = 4
DEFAULT_USER_AGENT = "policy-tracker/0.1 (+https://github.com/policy-tracker; polite government-policy monitor)"



@dataclass(frozen=True)
class TrackerSettings:
    timezone: str = "Asia/Shanghai"
    warning_days: int = 90
    reminder_days: tuple[int, ...] = (90, 30, 7)
    user_agent: str = DEFAULT_USER_AGENT
    sweep_time: str = "06:00"
    removal_after_runs: int = 3
    parse_workers: int | None = None  # None: one fewer than the CPUs, at most MAX_PARSE_WORKERS
    base_url: str | None = None  # where `tracker web` is reached: alerts then link its pages

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def parser_processes(self) -> int:
        """How many worker processes parse fetched pages during a crawl (0: in the crawler)."""
        if self.parse_workers is not None:
            return self.parse_workers
        return min(MAX_PARSE_WORKERS, (os.cpu_count() or 1) - 1)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    start_urls: tuple[str, ...] = ()
    schedule: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    delay: float = 1.0
    max_pages: int = 10
    enabled: bool = True
    obey_robots: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    unset_env: tuple[str, ...] = ()  # variables it names that were not set (loaded with require_env=False)


@dataclass(frozen=True)
class SubscriptionConfig:
    name: str
    channel: str
    url: str | None = None
    secret: str | None = None
    events: tuple[str, ...] = field(default_factory=lambda: EVENT_KINDS.names())
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    mode: str = "immediate"
    schedule: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    unset_env: tuple[str, ...] = ()  # variables it names that were not set (loaded with require_env=False)


@dataclass(frozen=True)
class WebSettings:
    """`[web]`: where `tracker web` listens and the token it asks for off the loopback interface."""

    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    unset_env: tuple[str, ...] = ()  # the token's variable when it was not set (loaded with require_env=False)


@dataclass(frozen=True)
class Settings:
    tracker: TrackerSettings = field(default_factory=TrackerSettings)
    web: WebSettings = field(default_factory=WebSettings)
    sources: tuple[SourceConfig, ...] = ()
    subscriptions: tuple[SubscriptionConfig, ...] = ()
    path: Path | None = None
    env_values: Mapping[str, str] = field(default_factory=dict)  # expanded value → the variable's name

    def mask(self, text: str) -> str:
        """`text` with every value that came from `${VAR}` written back as `${VAR}`."""
        return mask_env_values(text, self.env_values)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"{self.path or 'config'}: no source named {name!r}")

    def subscription(self, name: str) -> SubscriptionConfig:
        for sub in self.subscriptions:
            if sub.name == name:
                return sub
        raise ConfigError(f"{self.path or 'config'}: no subscription named {name!r}")



def mask_env_values(text: str, env_values: Mapping[str, str]) -> str:
    """`text` with each expanded value (longest first) written back as the `${VAR}` it came from."""
    for value in sorted(env_values, key=len, reverse=True):
        if len(value) >= 3:
            text = text.replace(value, f"${{{env_values[value]}}}")
    return text
