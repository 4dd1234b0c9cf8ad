"""`/calendar.ics`: effective dates, ends of validity and repeals as all-day events (RFC 5545).

Pure: dated documents in, calendar text out. Written by hand rather than through a library
because 10,000 documents must render in well under a second; `tests/test_web_feeds.py` checks
the result with the `icalendar` package. UIDs are stable (`<kind>-<document id>@<host>`),
so a subscribed calendar updates its events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from storage.web_queries import DatedDocument

PRODID = "-//policy-tracker//tracker web//ZH"
_MAX_OCTETS = 75


_SPECIAL = re.compile(r"[\\;,\n\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped, controls dropped."""
    if _SPECIAL.search(value) is None:
        return value
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def fold(line: str) -> str:
    """Content lines of at most 75 octets, continued with CRLF + space, never splitting a character."""
    data = line.encode("utf-8")
    if len(data) <= _MAX_OCTETS:
        return line
    parts: list[bytes] = []
    start, room = 0, _MAX_OCTETS
    while len(data) - start > room:
        end = start + room
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end])
        start, room = end, _MAX_OCTETS - 1  # a continuation line starts with its space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def _name(document: DatedDocument) -> str:
    return document.enclosed_title or document.title


def calendar_events(document: DatedDocument) -> Iterator[tuple[str, dt.date, str]]:
    """(UID kind, day, summary) of each event the document contributes."""
    number = document.doc_number
    if document.effective_from is not None:
        yield "effective", document.effective_from, f"{number or _name(document)} 施行"
    if document.expires_on is not None:
        yield "expires", document.expires_on, f"{_name(document)}{f'（{number}）' if number else ''} 有效期至 {document.expires_on.isoformat()}"
    if document.repealed_on is not None:
        yield "repealed", document.repealed_on, f"{number or _name(document)} 已废止"


def calendar_text(documents: Iterable[DatedDocument], *, host: str, base_url: str | None, stamp: dt.datetime) -> str:
    """The whole VCALENDAR. `base_url` adds each document page as the event's URL; `stamp` is DTSTAMP."""
    stamp_line = f"DTSTAMP:{stamp.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}"
    chunks = [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
        fold(f"PRODID:{PRODID}") + "\r\n",
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
        fold("X-WR-CALNAME:政策日历 Policy calendar") + "\r\nX-WR-TIMEZONE:Asia/Shanghai\r\n",
    ]
    one_day = dt.timedelta(days=1)
    for document in documents:
        page = f"{base_url}/documents/{document.id}" if base_url else None
        description = fold("DESCRIPTION:" + escape_text(f"{document.title}\n{page or document.url}"))
        url = fold(f"URL:{page}") + "\r\n" if page else ""
        for kind, day, summary in calendar_events(document):
            chunks.append(
                f"BEGIN:VEVENT\r\n{fold(f'UID:{kind}-{document.id}@{host}')}\r\n{stamp_line}\r\n"
                f"DTSTART;VALUE=DATE:{_date(day)}\r\nDTEND;VALUE=DATE:{_date(day + one_day)}\r\n"
                f"{fold('SUMMARY:' + escape_text(summary))}\r\n{description}\r\nTRANSP:TRANSPARENT\r\n{url}END:VEVENT\r\n"
            )
    chunks.append("END:VCALENDAR\r\n")
    return "".join(chunks)
