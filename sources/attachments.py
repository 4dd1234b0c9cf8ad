"""Fetching an article's attachment files through the source's own polite client.

The same delay, robots.txt, size cap, deadline and challenge detection as the page itself
(`Source.fetch`). A file that cannot be had for a lasting reason (over the size cap,
404/410, robots.txt, a host outside `allowed_hosts`) is recorded as `not_fetched` with
that reason and the page is read without it; a passing failure (5xx, a timeout, an
anti-bot page) raises, so the page is not stored half-read and is tried again next run.
The `[[source]]` option `attachments` (`sources.attachment_option`) says which files are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sources.base import Source, absolute_url
from sources.responses import host_allowed
from tracker.core.errors import BlockedError, DisallowedError, FetchError, TooLargeError
from tracker.core.parse.attachments import AttachmentLink, FetchedAttachment, extension_of, format_for

#: Statuses that say the file is not there and will not be: recorded, the page read without it.
LASTING_STATUSES = frozenset({401, 403, 404, 410, 451})


async def fetch_attachments(
    source: Source, page_url: str, links: Sequence[AttachmentLink], wanted: frozenset[str]
) -> list[FetchedAttachment]:
    """The files behind `links`, in order; raises `FetchError` for a passing failure."""
    fetched: list[FetchedAttachment] = []
    for link in links:
        url = absolute_url(page_url, link.href)
        if url is None or url == page_url:
            continue
        if not host_allowed(url, source.allowed_hosts):
            reason = f"not_fetched: host {urlsplit(url).hostname} is not in allowed_hosts"
            fetched.append(FetchedAttachment(url, link.label, reason=reason))
            continue
        try:
            answer = await source.fetch(url)
        except BlockedError:
            if extension_of(url) in wanted:
                raise  # an anti-bot page instead of the file: try the page again next run
            continue  # a labelled link to a page that asks for JavaScript: no attachment
        except DisallowedError:
            fetched.append(FetchedAttachment(url, link.label, reason="not_fetched: disallowed by robots.txt"))
            continue
        except TooLargeError as exc:
            fetched.append(FetchedAttachment(url, link.label, reason=f"not_fetched: {exc.reason}"))
            continue
        except FetchError as exc:
            if exc.status not in LASTING_STATUSES:
                raise
            fetched.append(FetchedAttachment(url, link.label, reason=f"not_fetched: {exc.reason}"))
            continue
        if _is_wanted(answer.content, url, answer.content_type, wanted):
            fetched.append(
                FetchedAttachment(url, link.label, answer.content_type, answer.content, None, answer.etag, answer.last_modified)
            )
    return fetched


def _is_wanted(content: bytes, url: str, content_type: str | None, wanted: frozenset[str]) -> bool:
    """A file of a wanted type; a labelled link that turned out to be a page is no attachment."""
    if extension_of(url) in wanted:
        return True
    fmt = format_for(content, name=url, content_type=content_type)
    return fmt is not None and bool(set(fmt.extensions) & wanted)
