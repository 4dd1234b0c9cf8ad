"""Reading one TOML table into typed, bounded values, with errors that name the file and the key.

`${VAR}` is expanded here; every expanded value is remembered so that error messages can
write it back as `${VAR}` (`mask_env_values`).
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.core.config.settings import (
    DEFAULT_USER_AGENT,
    STATUSES,
    SourceConfig,
    SubscriptionConfig,
    TrackerSettings,
    WebSettings,
)
from tracker.core.errors import ConfigError
from tracker.core.events import EVENT_KINDS
from tracker.core.registry import CHANNELS, SOURCE_KINDS

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_HOST_LABEL_RE = re.compile(r"[\w-]+")
MAX_DAYS = 36500  # a hundred years: beyond any validity period, within what dates can count
MAX_DELAY = 3600.0
MAX_PAGES = 100_000
MAX_REMOVAL_RUNS = 10_000


class TableReader:
    """Typed access to one TOML table with error messages that name the key."""

    def __init__(self, where: str, env: Mapping[str, str], *, require_env: bool = True) -> None:
        self.where = where
        self.env = env
        self.require_env = require_env
        self.env_values: dict[str, str] = {}  # every expanded value → its variable, to mask errors
        self.unset: list[str] = []  # unset variables of the table being read (require_env=False)

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key}: {message}")

    def table_list(self, raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, f"must be written as [[{key}]] tables")
        return value

    def expand(self, key: str, value: str, *, strict: bool = False) -> str:
        """`${VAR}` → its value. An unset variable is an error, unless the reader tolerates
        them and the key is not `strict` (names, kinds, modes: the structure every command reads)."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                if strict or self.require_env:
                    raise self.error(key, f"environment variable {name} is not set")
                self.unset.append(name)
                return match.group(0)
            self.env_values[self.env[name]] = name
            return self.env[name]

        return _ENV_RE.sub(replace, value)

    def expand_value(self, key: str, value: Any) -> Any:
        """`${VAR}` expansion inside option values of any shape (strings, lists, tables)."""
        if isinstance(value, str):
            return self.expand(key, value)
        if isinstance(value, list):
            return [self.expand_value(key, item) for item in value]
        if isinstance(value, dict):
            return {k: self.expand_value(f"{key}.{k}", v) for k, v in value.items()}
        return value

    def string(
        self, table: Mapping[str, Any], prefix: str, key: str, default: str | None = None, *, strict: bool = False
    ) -> str | None:
        value = table.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"{prefix}.{key}", f"must be a string, got {type(value).__name__}")
        return self.expand(f"{prefix}.{key}", value, strict=strict)

    def required(self, table: Mapping[str, Any], prefix: str, key: str) -> str:
        value = self.string(table, prefix, key, strict=True)
        if not value:
            raise self.error(f"{prefix}.{key}", "is required")
        return value

    def strings(self, table: Mapping[str, Any], prefix: str, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"{prefix}.{key}", "must be a list of strings")
        if allowed is not None:
            bad = [v for v in value if v not in allowed]
            if bad:
                raise self.error(f"{prefix}.{key}", f"unknown value(s) {', '.join(bad)} (expected {', '.join(allowed)})")
        return tuple(self.expand(f"{prefix}.{key}", v) for v in value)

    def hosts(self, table: Mapping[str, Any], prefix: str) -> tuple[str, ...]:
        """`allowed_hosts` is compared with URL host names as written, so a URL-shaped entry would never match."""
        hosts = self.strings(table, prefix, "allowed_hosts")
        for host in hosts:
            if _ENV_RE.search(host):
                continue  # an unset variable, tolerated for this command
            problem = _host_problem(host)
            if problem is not None:
                raise self.error(f"{prefix}.allowed_hosts", f"{host!r} is not a host name ({problem})")
        return hosts

    def number(
        self, table: Mapping[str, Any], prefix: str, key: str, default: float, minimum: float, maximum: float
    ) -> float:
        value = table.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value))
            or not minimum <= value <= maximum  # exact for ints of any size, unlike float(value)
        ):
            raise self.error(f"{prefix}.{key}", f"must be a number from {minimum:g} to {maximum:g}, got {_shown(value)}")
        return float(value)

    def integer(self, table: Mapping[str, Any], prefix: str, key: str, default: int, minimum: int, maximum: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.error(f"{prefix}.{key}", f"must be a whole number from {minimum} to {maximum}, got {_shown(value)}")
        return value

    def boolean(self, table: Mapping[str, Any], prefix: str, key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"{prefix}.{key}", f"must be true or false, got {_shown(value)}")
        return value

    def tracker(self, table: Mapping[str, Any]) -> TrackerSettings:
        known = {"timezone", "warning_days", "reminder_days", "user_agent", "sweep_time", "removal_after_runs", "parse_workers", "base_url"}
        self.no_unknown(table, "tracker", known)
        timezone = self.string(table, "tracker", "timezone", "Asia/Shanghai", strict=True) or ""
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise self.error("tracker.timezone", f"unknown time zone {timezone!r} (an IANA name such as 'Asia/Shanghai')") from exc
        reminders = table.get("reminder_days", [90, 30, 7])
        if not isinstance(reminders, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 < d <= MAX_DAYS for d in reminders
        ):
            raise self.error("tracker.reminder_days", f"must be a list of whole numbers of days from 1 to {MAX_DAYS}")
        sweep_time = self.string(table, "tracker", "sweep_time", "06:00", strict=True) or ""
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", sweep_time):
            raise self.error("tracker.sweep_time", f"must be HH:MM, got {sweep_time!r}")
        return TrackerSettings(
            timezone=timezone,
            warning_days=self.integer(table, "tracker", "warning_days", 90, 0, MAX_DAYS),
            reminder_days=tuple(sorted(set(reminders), reverse=True)),
            user_agent=self.string(table, "tracker", "user_agent", DEFAULT_USER_AGENT) or DEFAULT_USER_AGENT,
            sweep_time=sweep_time,
            removal_after_runs=self.integer(table, "tracker", "removal_after_runs", 3, 1, MAX_REMOVAL_RUNS),
            parse_workers=self.parse_workers(table),
            base_url=self.base_url(table),
        )

    def base_url(self, table: Mapping[str, Any]) -> str | None:
        """`[tracker] base_url`: an http(s) URL without query, kept without its trailing slash."""
        value = self.string(table, "tracker", "base_url", strict=True)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise self.error("tracker.base_url", f"must be an http(s) URL such as 'https://policy.example.org', got {value!r}")
        return value.rstrip("/")

    def web(self, table: Mapping[str, Any]) -> WebSettings:
        self.no_unknown(table, "web", {"host", "port", "token"})
        self.unset = []
        token = self.string(table, "web", "token")
        unset = tuple(dict.fromkeys(self.unset))
        return WebSettings(
            host=self.string(table, "web", "host", "127.0.0.1", strict=True) or "127.0.0.1",
            port=self.integer(table, "web", "port", 8080, 1, 65535),
            token=None if unset or not token else token,
            unset_env=unset,
        )

    def parse_workers(self, table: Mapping[str, Any]) -> int | None:
        workers = table.get("parse_workers")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= 64):
            raise self.error("tracker.parse_workers", f"must be a whole number from 0 to 64, got {_shown(workers)}")
        return workers

    def no_unknown(self, table: Mapping[str, Any], prefix: str, known: set[str]) -> None:
        unknown = set(table) - known
        if unknown:
            raise self.error(prefix, f"unknown key(s) {', '.join(sorted(unknown))}")

    def source(self, index: int, table: Mapping[str, Any]) -> SourceConfig:
        prefix = f"source[{index}]"
        name = self.required(table, prefix, "name")
        if not _NAME_RE.match(name):
            raise self.error(f"{prefix}.name", f"{name!r} must be letters, digits, '-', '_' or '.'")
        kind = self.required(table, prefix, "kind")
        if kind not in SOURCE_KINDS:
            raise self.error(f"{prefix}.kind", f"unknown kind {kind!r} (expected {', '.join(SOURCE_KINDS.names())})")
        common = {"name", "kind", "start_urls", "schedule", "allowed_hosts", "delay", "max_pages", "enabled", "obey_robots"}
        options = {k: v for k, v in table.items() if k not in common}
        self.unset = []
        return SourceConfig(
            name=name,
            kind=kind,
            start_urls=self.strings(table, prefix, "start_urls"),
            schedule=self.string(table, prefix, "schedule", strict=True),
            allowed_hosts=self.hosts(table, prefix),
            delay=self.number(table, prefix, "delay", 1.0, 0, MAX_DELAY),
            max_pages=self.integer(table, prefix, "max_pages", 10, 1, MAX_PAGES),
            enabled=self.boolean(table, prefix, "enabled", True),
            obey_robots=self.boolean(table, prefix, "obey_robots", True),
            options={k: self.expand_value(f"{prefix}.{k}", v) for k, v in options.items()},
            unset_env=tuple(dict.fromkeys(self.unset)),
        )

    def subscription(self, index: int, table: Mapping[str, Any], source_names: set[str]) -> SubscriptionConfig:
        prefix = f"subscription[{index}]"
        self.unset = []
        name = self.required(table, prefix, "name")
        channel = self.required(table, prefix, "channel")
        if channel not in CHANNELS:
            raise self.error(f"{prefix}.channel", f"unknown channel {channel!r} (expected {', '.join(CHANNELS.names())})")
        mode = self.string(table, prefix, "mode", "immediate", strict=True)
        if mode not in ("immediate", "digest"):
            raise self.error(f"{prefix}.mode", f"must be 'immediate' or 'digest', got {mode!r}")
        schedule = self.string(table, prefix, "schedule", strict=True)
        if mode == "digest" and not schedule:
            raise self.error(f"{prefix}.schedule", "a digest subscription needs a schedule (cron, e.g. \"0 9 * * MON\")")
        url = self.string(table, prefix, "url")
        if CHANNELS.get(channel).needs_url and not url:
            raise self.error(f"{prefix}.url", f"is required for channel {channel}")
        sources = self.strings(table, prefix, "sources")
        unknown_sources = [s for s in sources if s not in source_names]
        if unknown_sources:
            raise self.error(f"{prefix}.sources", f"no source named {', '.join(unknown_sources)}")
        common = {"name", "channel", "url", "secret", "events", "sources", "keywords", "statuses", "mode", "schedule"}
        options = {k: v for k, v in table.items() if k not in common}
        return SubscriptionConfig(
            name=name,
            channel=channel,
            url=url,
            secret=self.string(table, prefix, "secret"),
            events=self.strings(table, prefix, "events", EVENT_KINDS.names()) or EVENT_KINDS.names(),
            sources=sources,
            keywords=self.strings(table, prefix, "keywords"),
            statuses=self.strings(table, prefix, "statuses", STATUSES),
            mode=mode,
            schedule=schedule,
            options={k: self.expand_value(f"{prefix}.{k}", v) for k, v in options.items()},
            unset_env=tuple(dict.fromkeys(self.unset)),
        )


def _shown(value: Any) -> str:
    """A value for an error message: its repr, cut at 40 characters (a 400-digit integer)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _host_problem(entry: str) -> str | None:
    """What keeps `entry` from being a host name, an IP address or `.domain`; None when it is one."""
    if not entry.strip():
        return "empty"
    if "://" in entry:
        return "drop the scheme"
    if any(char.isspace() for char in entry):
        return "remove the spaces"
    if "/" in entry:
        return "drop the path"
    if entry.startswith("["):
        return "write an IPv6 address without brackets"
    if _is_ip(entry):
        return None
    if ":" in entry:
        return "drop the port"
    if entry.startswith("*."):
        return f"write {entry[1:]!r} for the domain and its subdomains"
    labels = entry.removeprefix(".").split(".")
    if not all(_HOST_LABEL_RE.fullmatch(label) for label in labels):
        return "expected a host such as 'www.gov.cn', '.gov.cn' or '127.0.0.1'"
    return None


def _is_ip(entry: str) -> bool:
    try:
        ipaddress.ip_address(entry)
    except ValueError:
        return False
    return True
