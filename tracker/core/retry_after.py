"""The HTTP `Retry-After` header, shared by the crawler and the alert channels.

It is either delta-seconds or an HTTP date; both edges need "seconds to wait from now".
Pure: the current time is a parameter.
"""

from __future__ import annotations

import datetime as dt
import email.utils


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait (never negative); None when the header is absent or unreadable.

    An HTTP date without a zone is read as UTC, which is what RFC 9110 dates mean.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max((when - now).total_seconds(), 0.0)
