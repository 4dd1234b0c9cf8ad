"""What a fetch returns and how to read it: the answer (`Fetched`), whether it is an anti-bot
challenge or a JavaScript shell instead of content, and which hosts a source may visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

import httpx

from tracker.core.errors import DecodeError, NotADocumentError
from tracker.core.model import PageKind
from tracker.core.parse.decode import decode_bytes
from tracker.core.parse.pagekind import detect_non_document

CHALLENGE_STATUSES = frozenset({412, 521})
_DETECT_LIMIT = 256 * 1024  # challenge shells are small; full documents are not re-scanned


#: What counts as "blocked" for an article: a challenge, or a shell asking for JavaScript
#: (how throttled sites answer). Listing pages pass CHALLENGE_ONLY: an empty result there is no block.
DOCUMENT_BLOCKS = frozenset({PageKind.CHALLENGE, PageKind.JS_SHELL})


CHALLENGE_ONLY = frozenset({PageKind.CHALLENGE})


@dataclass
class Fetched:
    """One answered request: the final URL, status, headers and the raw body bytes."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def text(self) -> str:
        """The body decoded like the parser does: header charset, `<meta>`, then detection."""
        return decode_bytes(self.content, self.content_type)


@dataclass
class RequestStats:
    """Counters a caller passes in to learn what its fetches cost."""

    requests: int = 0
    retries: int = 0
    blocked: int = 0
    bytes: int = 0


def host_allowed(url: str, allowed_hosts: tuple[str, ...]) -> bool:
    """True when `url`'s host is one of `allowed_hosts` (`.example.org` also allows subdomains)."""
    host = (urlsplit(url).hostname or "").lower()
    if not allowed_hosts:
        return True
    for allowed in allowed_hosts:
        allowed = allowed.lower()
        if host == allowed.lstrip(".") or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def detect_block(fetched: Fetched, blocked_kinds: frozenset[PageKind]) -> NotADocumentError | None:
    """Why this answer is an anti-bot or throttle page of one of `blocked_kinds`, or None."""
    if fetched.status in CHALLENGE_STATUSES:
        # The status is the challenge: sites serve these shells as any type and size.
        fallback = NotADocumentError(PageKind.CHALLENGE, f"HTTP {fetched.status} challenge status")
        return _scan(fetched) or fallback
    if not 200 <= fetched.status < 300:
        return None
    detected = _scan(fetched)
    return detected if detected is not None and detected.kind in blocked_kinds else None


def _scan(fetched: Fetched) -> NotADocumentError | None:
    """The detector's verdict on a small text body; binary and large bodies are not decoded."""
    content_type = (fetched.content_type or "").lower()
    if content_type and "html" not in content_type and "text" not in content_type:
        return None
    if len(fetched.content) > _DETECT_LIMIT:
        return None
    try:
        return detect_non_document(fetched.text(), fetched.status)
    except DecodeError:
        return None


def sets_cookie(fetched: Fetched) -> bool:
    headers = fetched.headers
    if isinstance(headers, httpx.Headers):
        return bool(headers.get_list("set-cookie"))
    return "set-cookie" in headers
