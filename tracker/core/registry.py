"""The tables of what can be named in `tracker.toml`: source kinds, channels and event kinds.

Each entry declares itself where it is defined (a `Source` subclass with `kind = "rss"`, a
`Channel` subclass with `kind = "teams"`, an `EventKind(...)` in `tracker.core.events`), so
adding one is one new module and nothing else: `sources.kinds` and `notifiers.channels`
import every module they hold, and configuration asks these tables what exists. The core
only keeps the tables; it never imports the packages that fill them.
"""

from __future__ import annotations

from typing import Any, Generic, Iterator, Mapping, Protocol, TypeVar

from tracker.core.errors import TrackerError

__all__ = ["CHANNELS", "SOURCE_KINDS", "ChannelKind", "Registry", "RegistryError", "SourceKind"]

T = TypeVar("T")


class RegistryError(TrackerError, LookupError):
    """A name no module declared, or one declared twice."""


class Registry(Generic[T]):
    """Names → what declared them, in declaration order."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}

    def declare(self, name: str, entry: T) -> T:
        """Add `entry` under `name`. Declaring the same entry again (a module imported twice
        under two names, a test module reloaded) replaces it; another entry under a taken
        name is refused, so two modules cannot silently fight over one name."""
        current = self._entries.get(name)
        if current is not None and _identity(current) != _identity(entry):
            raise RegistryError(f"{self.what} {name!r} is declared twice ({_identity(current)} and {_identity(entry)})")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise RegistryError(f"unknown {self.what} {name!r} (expected {', '.join(self._entries) or 'none declared'})") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)


def _identity(entry: Any) -> str:
    """Where an entry was defined: the same class or value re-declared is no conflict."""
    return f"{getattr(entry, '__module__', type(entry).__module__)}.{getattr(entry, '__qualname__', repr(entry))}"


class SourceKind(Protocol):
    """What configuration needs of a source kind: a check of a `[[source]]` table's options."""

    kind: str

    @classmethod
    def validate(cls, config: Any) -> None: ...


class ChannelKind(Protocol):
    """What configuration needs of a channel: a check of a `[[subscription]]`'s options."""

    kind: str

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None: ...


SOURCE_KINDS: Registry[type[SourceKind]] = Registry("source kind")
CHANNELS: Registry[type[ChannelKind]] = Registry("channel")
