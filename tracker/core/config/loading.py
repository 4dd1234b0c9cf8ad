"""`tracker.toml` → `Settings`: reading the file safely, the sections, and the checks the declared
kinds and channels make of their own options.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any, Mapping

from tracker.core.config.reader import TableReader
from tracker.core.config.settings import Settings, mask_env_values
from tracker.core.errors import ConfigError
from tracker.core.registry import CHANNELS, SOURCE_KINDS

#: A tracker.toml is a few kilobytes; this refuses a device or a runaway file before reading it all.
MAX_CONFIG_BYTES = 1024 * 1024


def load_settings(
    path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    missing_ok: bool = False,
    require_env: bool = True,
) -> Settings:
    """Read and validate `path`. `missing_ok` gives defaults when the file does not exist.

    Each source's and subscription's own options are checked by its declared kind or
    channel (ValueError with a message); errors come back as ConfigError naming the
    file and `source[i]` / `subscription[i]`. `require_env=False` tolerates unset `${VAR}`s
    (see the module docstring).
    """
    text = _read_config(path)
    if text is None:
        if missing_ok:
            return Settings(path=path)
        raise ConfigError(f"{path}: configuration file not found (run `tracker init` to write one)")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from exc
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    return settings_from_dict(
        raw,
        path=path,
        environ=environ,
        require_env=require_env,
    )


def _read_config(path: Path) -> str | None:
    """The file's text; None when it does not exist; ConfigError for anything but a small UTF-8 file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a directory; --config names the tracker.toml file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: is not a regular file; --config names the tracker.toml file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {info.st_size} bytes is too large for a configuration file (at most {MAX_CONFIG_BYTES})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc


def settings_from_dict(
    raw: Mapping[str, Any],
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    require_env: bool = True,
) -> Settings:
    where = str(path) if path else "config"
    env = os.environ if environ is None else environ
    reader = TableReader(where, env, require_env=require_env)
    try:
        return _settings(raw, reader, path)
    except ConfigError as exc:
        raise ConfigError(mask_env_values(str(exc), reader.env_values)) from exc.__cause__




def _settings(
    raw: Mapping[str, Any],
    reader: TableReader,
    path: Path | None,
) -> Settings:
    where = reader.where
    unknown = set(raw) - {"tracker", "source", "subscription", "web"}
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(sorted(unknown))} (expected tracker, source, subscription, web)")
    tracker_table = raw.get("tracker", {})
    if not isinstance(tracker_table, dict):
        raise ConfigError(f"{where}: tracker: must be written as one [tracker] table")
    tracker = reader.tracker(tracker_table)
    web_table = raw.get("web", {})
    if not isinstance(web_table, dict):
        raise ConfigError(f"{where}: web: must be written as one [web] table")
    web = reader.web(web_table)
    sources = tuple(reader.source(i, item) for i, item in enumerate(reader.table_list(raw, "source")))
    subscriptions = tuple(
        reader.subscription(i, item, {s.name for s in sources})
        for i, item in enumerate(reader.table_list(raw, "subscription"))
    )
    _unique(where, "source", [s.name for s in sources])
    _unique(where, "subscription", [s.name for s in subscriptions])
    for i, source in enumerate(sources):
        if source.unset_env:
            continue  # nothing can use it in this command; a command that does loads with require_env
        try:
            SOURCE_KINDS.get(source.kind).validate(source)
        except ValueError as exc:
            raise ConfigError(f"{where}: source[{i}] ({source.name}): {exc}") from exc
    for i, subscription in enumerate(subscriptions):
        if subscription.unset_env:
            continue
        try:
            CHANNELS.get(subscription.channel).check_options(subscription.options)
        except ValueError as exc:
            raise ConfigError(f"{where}: subscription[{i}] ({subscription.name}): {exc}") from exc
    return Settings(
        tracker=tracker, web=web, sources=sources, subscriptions=subscriptions, path=path, env_values=dict(reader.env_values)
    )


def _unique(where: str, section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{where}: {section} name {name!r} is used twice; names must be unique")
        seen.add(name)
