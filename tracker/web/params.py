"""Query parameters → the read models' filters, with one-line messages for bad values.

Pure: a mapping in, a filter out. The same parameters drive a page, its JSON twin and its
feed, so `/events?kind=status_changed` and `/feeds/events.atom?kind=status_changed` agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from storage.web_queries import PER_PAGE, DocumentFilter, EventFilter
from tracker.core.events import EVENT_KINDS
from tracker.core.model import Status

MAX_PAGE = 10_000
MAX_TEXT = 200
MAX_ID = 2**63 - 1
STATUS_VALUES = tuple(status.value for status in Status)


class BadQuery(ValueError):
    """A query parameter the page cannot use; `str()` names it and says what would do."""


def text_param(params: Mapping[str, str], key: str) -> str | None:
    """A free-text parameter, stripped; None when empty. A NUL (which PostgreSQL cannot compare) is refused."""
    value = (params.get(key) or "").strip()
    if len(value) > MAX_TEXT:
        raise BadQuery(f"{key}: at most {MAX_TEXT} characters")
    if "\x00" in value:
        raise BadQuery(f"{key}: contains a NUL character")
    return value or None


def _date(params: Mapping[str, str], key: str) -> dt.date | None:
    value = text_param(params, key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{key}: {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-01-31") from None


def whole_number(params: Mapping[str, str], key: str, default: int, lowest: int, highest: int) -> int:
    value = text_param(params, key)
    if value is None:
        return default
    if not value.isdigit() or not lowest <= int(value) <= highest:
        raise BadQuery(f"{key}: {value!r} is not a whole number from {lowest} to {highest}")
    return int(value)


def status_param(params: Mapping[str, str]) -> str | None:
    status = text_param(params, "status")
    if status is not None and status not in STATUS_VALUES:
        raise BadQuery(f"status: unknown status {status!r}; use one of {', '.join(STATUS_VALUES)}")
    return status


def document_filter(params: Mapping[str, str]) -> DocumentFilter:
    """`status`, `source`, `issuer`, `from`, `to` (成文 dates), `q` and `page` of the document list."""
    issued_from, issued_to = _date(params, "from"), _date(params, "to")
    if issued_from and issued_to and issued_from > issued_to:
        raise BadQuery(f"from: {issued_from} is after to: {issued_to}")
    return DocumentFilter(
        status=status_param(params),
        source=text_param(params, "source"),
        issuer=text_param(params, "issuer"),
        issued_from=issued_from,
        issued_to=issued_to,
        keyword=text_param(params, "q"),
        page=whole_number(params, "page", 1, 1, MAX_PAGE),
        per_page=PER_PAGE,
    )


def event_filter(params: Mapping[str, str]) -> EventFilter:
    """`kind`, `source`, `status` and `q` of the events page and feed."""
    kind = text_param(params, "kind")
    if kind is not None and kind not in EVENT_KINDS:
        raise BadQuery(f"kind: unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS.names())}")
    source = text_param(params, "source")
    return EventFilter(
        kinds=(kind,) if kind else (),
        sources=(source,) if source else (),
        status=status_param(params),
        keyword=text_param(params, "q"),
    )


def document_id(value: str) -> int | None:
    """A document id from the path; None for one no database row can have (beyond 64 bits)."""
    number = int(value)
    return number if number <= MAX_ID else None


def version_pair(params: Mapping[str, str]) -> tuple[int | None, int | None]:
    """`from` and `to` version numbers of a redline; either may be left to its default."""
    numbers = [whole_number(params, key, 0, 1, 1_000_000) or None for key in ("from", "to")]
    return numbers[0], numbers[1]
