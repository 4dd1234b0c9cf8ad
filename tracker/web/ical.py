"""`/calendar.ics`: effective dates, ends of validity and repeals as all-day events (RFC 5545).

Pure: dated documents in, calendar text out. Written by hand rather than through a library
because 10,000 documents must render in well under a second; `tests/test_web_feeds.py` checks
the result with the `icalendar` package. UIDs are stable (`<kind>-<document id>@<host>`),
so a subscribed calendar updates its events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from storage.web_queries import DatedDocument

PRODID = "-//policy-tracker//tracker web//ZH"
_MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped, controls dropped."""
    value = "".join(ch for ch in value if ch >= " " or ch == "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def fold(line: str) -> str:
    """Content lines of at most 75 octets, continued with CRLF + space, never splitting a character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > _MAX_OCTETS - (1 if parts else 0):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


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
    stamp_text = stamp.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "X-WR-CALNAME:政策日历 Policy calendar", "X-WR-TIMEZONE:Asia/Shanghai"]
    for document in documents:
        page = f"{base_url}/documents/{document.id}" if base_url else None
        description = escape_text(f"{document.title}\n{page or document.url}")
        for kind, day, summary in calendar_events(document):
            lines += [
                "BEGIN:VEVENT",
                f"UID:{kind}-{document.id}@{host}",
                f"DTSTAMP:{stamp_text}",
                f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                f"SUMMARY:{escape_text(summary)}",
                f"DESCRIPTION:{description}",
                "TRANSP:TRANSPARENT",
            ]
            if page:
                lines.append(f"URL:{page}")
            lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
