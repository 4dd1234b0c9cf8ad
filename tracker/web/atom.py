"""Atom feeds of events (RFC 4287), built from plain values through `feedgen`.

Entry ids come from each event's dedupe key (a UUID5 URN), so an entry keeps its id across
database copies and re-renders and a reader never shows it twice. Page text is made
XML-safe here (control characters dropped); escaping is the XML writer's job.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from notifiers.escape import printable

_NAMESPACE = uuid.UUID("6c1a3f1e-9a0b-5d5e-8f2a-70f1c1e0b0a1")


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: dt.datetime
    link: str | None
    content_html: str
    category: str


def entry_id(dedupe_key: str) -> str:
    """A stable, globally unique entry id for one event."""
    return uuid.uuid5(_NAMESPACE, dedupe_key).urn


def atom_feed(
    *, feed_id: str, title: str, self_url: str, alternate_url: str, updated: dt.datetime, entries: Sequence[FeedEntry]
) -> bytes:
    """The feed document, entries in the order given (newest first)."""
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(printable(title))
    feed.author({"name": "policy-tracker"})
    feed.link(href=self_url, rel="self")
    feed.link(href=alternate_url, rel="alternate")
    feed.language("zh-CN")
    feed.updated(updated)
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(printable(item.title))
        entry.updated(item.updated)
        if item.link:
            entry.link(href=item.link, rel="alternate")
        entry.content(printable(item.content_html), type="html")
        entry.category(term=item.category)
    return feed.atom_str(pretty=False)
