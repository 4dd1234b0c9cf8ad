"""Event kinds: what can happen to a document or a source, declared one family per module.

An `EventKind` holds what every other part needs to know of a kind: its label for people
(`文件变更 document changed`), what it is about (a document, or a source as a whole:
subscription keyword and status filters apply only to the former) and the digest section
it goes in. The modules of this package declare them (`declare(EventKind(...))`) next to
the functions that build their payloads; importing the package imports every module in
it, so a new kind is one new module here and nothing else. Configuration, routing,
rendering and the digest ask `EVENT_KINDS`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from tracker.core.registry import Registry

__all__ = ["EVENT_KINDS", "EventKind", "EventSpec", "declare", "event_kind", "group"]


@dataclass(frozen=True)
class EventSpec:
    """An event to record: `dedupe_key` is unique per fact, so recording it twice is a no-op."""

    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    document_id: int | None = None
    version_id: int | None = None
    source_id: int | None = None


def _other(_payload: Mapping[str, Any]) -> str:
    return "other"


@dataclass(frozen=True)
class EventKind:
    """One kind of event. `digest_group` picks the digest section from the event's payload
    (a status change is filed under the status it reached)."""

    name: str
    label: str
    label_en: str
    about: Literal["document", "source"] = "document"
    digest_group: Callable[[Mapping[str, Any]], str] = field(default=_other, compare=False, repr=False)


EVENT_KINDS: Registry[EventKind] = Registry("event kind")


def declare(kind: EventKind) -> EventKind:
    return EVENT_KINDS.declare(kind.name, kind)


def event_kind(name: str) -> EventKind:
    """The declared kind; an event of a kind no module declares any more (a stored event from
    an older release, a removed plugin) still gets a label: its own name."""
    return EVENT_KINDS.get(name) if name in EVENT_KINDS else EventKind(name, name, name)


def group(name: str) -> Callable[[Mapping[str, Any]], str]:
    """A digest section that does not depend on the payload."""

    def always(_payload: Mapping[str, Any]) -> str:
        return name

    return always


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
