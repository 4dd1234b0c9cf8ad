"""Fetched attachment files → what a version stores of them, and the texts the parser reads.

Runs with `tracker.core.prepare.prepare_page` in the crawler's parser processes: extraction is
the CPU-bound (and, on hostile input, slow) share of the work, so it stays off the event
loop and a worker that dies on a file fails only its page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tracker.core.parse.attachments.merge import AttachmentText
from tracker.core.parse.attachments.registry import NOT_FETCHED, OK, extract


@dataclass(frozen=True)
class FetchedAttachment:
    """What the crawler got for one attachment link: the file, or why it has none."""

    url: str
    label: str
    content_type: str | None = None
    content: bytes | None = None
    reason: str | None = None  # why `content` is None (over the size cap, HTTP 404, …)
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class PreparedAttachment:
    """An attachment as a version stores it: the file compressed, its hash, and its extraction status."""

    url: str
    label: str
    content_type: str | None
    sha256: str | None
    size: int | None
    compressed: bytes | None
    status: str
    reason: str | None
    pages: int
    etag: str | None = None
    last_modified: str | None = None


def prepare_attachments(
    fetched: Sequence[FetchedAttachment], compress: Callable[[bytes], bytes]
) -> tuple[tuple[PreparedAttachment, ...], list[AttachmentText]]:
    """Each file read (`compress` as the page body is), and the texts of those whose text was read."""
    prepared: list[PreparedAttachment] = []
    texts: list[AttachmentText] = []
    for item in fetched:
        if item.content is None:
            prepared.append(
                PreparedAttachment(item.url, item.label, item.content_type, None, None, None, NOT_FETCHED, item.reason, 0)
            )
            continue
        extraction = extract(item.content, name=item.url, content_type=item.content_type)
        prepared.append(
            PreparedAttachment(
                url=item.url,
                label=item.label,
                content_type=item.content_type,
                sha256=hashlib.sha256(item.content).hexdigest(),
                size=len(item.content),
                compressed=compress(item.content),
                status=extraction.status,
                reason=extraction.reason,
                pages=extraction.pages,
                etag=item.etag,
                last_modified=item.last_modified,
            )
        )
        if extraction.status == OK:
            texts.append(AttachmentText(item.label, extraction.paragraphs))
    return tuple(prepared), texts
