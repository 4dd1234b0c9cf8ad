"""Every error the tracker raises on purpose, under one root.

A caller that wants "anything the tracker can say went wrong, as one line" catches
`TrackerError`; anything else that escapes is a bug. `str()` of each is a one-line
reason fit for a terminal, a log line or a `source_failing` alert. The packages that
raise them import them from here and re-export them, so `from sources.http import
FetchError` keeps working for code that thinks in packages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.core.redact import redact

if TYPE_CHECKING:
    from tracker.core.model import PageKind

__all__ = [
    "BlockedError",
    "ConfigError",
    "DatabaseError",
    "DecodeError",
    "DeliveryError",
    "DeliveryNotFound",
    "DigestError",
    "DisallowedError",
    "FetchError",
    "LockHeld",
    "NotADocumentError",
    "NotRetryable",
    "ParseError",
    "SearchQueryError",
    "TooLargeError",
    "TrackerError",
    "VersionNotFound",
]


class TrackerError(Exception):
    """The root: an expected failure with a one-line reason."""


class ConfigError(TrackerError):
    """Invalid configuration; the message names the file and the key."""


# ── parsing ──────────────────────────────────────────────────────────────────


class ParseError(TrackerError):
    """The input could not be turned into a document; `str()` is a one-line reason."""


class DecodeError(ParseError):
    """The bytes could not be decoded in any plausible encoding."""


class NotADocumentError(ParseError):
    """The page is an anti-bot challenge, a JS shell, a login page or otherwise not a policy."""

    def __init__(self, kind: PageKind, reason: str) -> None:
        super().__init__(f"not a policy document ({kind.value}): {reason}")
        self.kind = kind
        self.reason = reason

    def __reduce__(self) -> tuple[type[NotADocumentError], tuple[PageKind, str]]:
        # Raised in parser worker processes and unpickled in the crawler.
        return (type(self), (self.kind, self.reason))


# ── fetching ─────────────────────────────────────────────────────────────────


class FetchError(TrackerError):
    """A request that could not be answered usefully; `str()` is a one-line reason."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{reason} ({url})")
        self.url = url
        self.reason = reason
        self.status = status


class TooLargeError(FetchError):
    """The body is larger than the size cap: abandoned unread, and the same next time."""


class DisallowedError(FetchError):
    """The site's robots.txt disallows this URL for our user agent: skipped, not an error."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "disallowed by robots.txt")


class BlockedError(FetchError):
    """The site answered with an anti-bot challenge or a throttle page instead of content."""

    def __init__(self, url: str, detected: NotADocumentError, status: int) -> None:
        super().__init__(url, f"blocked by the site: {detected.reason}", status)
        self.detected = detected


# ── storage ──────────────────────────────────────────────────────────────────


class DatabaseError(TrackerError):
    """The database cannot be used: unreachable, missing, or its schema is older or newer."""


class LockHeld(TrackerError):
    """Another `tracker run` holds the lock; `str()` says who, for the one-line error."""


class VersionNotFound(TrackerError, LookupError):
    """A version number the document does not have; `str()` says which ones it has."""


class SearchQueryError(TrackerError, ValueError):
    """The query cannot be searched (fewer than two letters or digits)."""


class DeliveryNotFound(TrackerError, LookupError):
    """No delivery with that id."""


class NotRetryable(TrackerError, ValueError):
    """The delivery is not in a state that can be retried (it was sent, or is being sent)."""


# ── alerts ───────────────────────────────────────────────────────────────────


class DeliveryError(TrackerError):
    """A send failed. `code` is the provider's error code (or HTTP status) for the user.

    The message is redacted here, once: it is stored in the outbox, logged and printed, and
    a transport error or a platform's answer may quote the webhook URL with its token.
    """

    def __init__(self, message: str, *, code: str | None = None, retryable: bool, retry_after: float | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after


class DigestError(TrackerError):
    """A digest that could not be sent (it stays owed and is retried by the dispatcher)."""
