"""Positioned lines of fixed-layout pages (PDF, OFD) → paragraphs in reading order.

Fixed layouts print a paragraph as lines broken at the page width and repeat running
headers, footers and page numbers on every page. This module undoes both, so a clause
broken across a page break reads as one paragraph and `tracker.core.parse` sees the same text
as on a web page: a line that is indented (a paragraph's first line, a centred title)
starts a paragraph, and so does a line after one that stops short of the right margin.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from tracker.core.parse.dates import is_date_only
from tracker.core.parse.line_kinds import standalone_number

#: Lines this close to a page's top or bottom are candidates for running headers and footers.
_EDGE_LINES = 2
#: `- 3 -`, `— 3 —`, `第3页`, `3/12`, `第 3 页 共 12 页`, a bare `3`.
_PAGE_NUMBER_RE = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–\s]*$")
#: A clause's own numbering at the start of a line: `一、`, `（二）`, `3.`, `第四条`.
_CLAUSE_START_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第[一二三四五六七八九十百零\d]+[章节条])")
_ENDS_SENTENCE = tuple("。；：！？）)")


@dataclass(frozen=True)
class Line:
    """One printed line: its page (0-based), left and right edges, and distance from the page top."""

    page: int
    x0: float
    x1: float
    top: float
    text: str


def paragraphs(lines: list[Line]) -> tuple[str, ...]:
    """The paragraphs printed by `lines` (any order), running headers and page numbers removed."""
    ordered = sorted((line for line in lines if line.text.strip()), key=lambda line: (line.page, line.top, line.x0))
    body = _without_running_lines(_rows(ordered))
    if not body:
        return ()
    left = min(line.x0 for line in body)
    right = max(line.x1 for line in body)
    char = statistics.median((line.x1 - line.x0) / max(len(line.text), 1) for line in body)
    result: list[str] = []
    previous: Line | None = None
    for line in body:
        if previous is None or _starts_paragraph(line, previous, left, right, char):
            result.append(line.text)
        else:
            result[-1] = _join(result[-1], line.text)
        previous = line
    return tuple(result)


def _rows(lines: list[Line]) -> list[Line]:
    """Pieces of text on the same baseline of a page (table cells, split runs) as one line."""
    rows: list[Line] = []
    for line in lines:
        text = line.text.strip()
        last = rows[-1] if rows else None
        if last is not None and last.page == line.page and abs(last.top - line.top) < 2:
            gap = " " if line.x0 - last.x1 > 2 else ""
            rows[-1] = Line(last.page, min(last.x0, line.x0), max(last.x1, line.x1), last.top, last.text + gap + text)
        else:
            rows.append(Line(line.page, line.x0, line.x1, line.top, text))
    return rows


def _without_running_lines(lines: list[Line]) -> list[Line]:
    """Drop page numbers, and lines repeated at the top or bottom of most pages (digits aside)."""
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    edge_lines = [line for page in by_page.values() for line in _edges(page)]
    edges = {id(line) for line in edge_lines}
    counts = Counter(_shape(line.text) for line in edge_lines)
    repeated = {shape for shape, count in counts.items() if len(by_page) > 1 and count >= max(2, len(by_page) // 2)}
    return [
        line
        for line in lines
        if not (id(line) in edges and (_PAGE_NUMBER_RE.match(line.text) or _shape(line.text) in repeated))
    ]


def _edges(page: list[Line]) -> list[Line]:
    """The first and last `_EDGE_LINES` lines of a page (each once)."""
    return page if len(page) <= 2 * _EDGE_LINES else page[:_EDGE_LINES] + page[-_EDGE_LINES:]


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", "".join(text.split()))


def _starts_paragraph(line: Line, previous: Line, left: float, right: float, char: float) -> bool:
    if _stands_alone(line.text) or _stands_alone(previous.text):
        return True  # a 文号 or a date line is a paragraph of its own, however wide the title above it
    if line.x0 > left + 1.5 * char:
        return True  # indented: a paragraph's first line, or a centred title
    if previous.x1 < right - 2 * char:
        return True  # the line before stopped short: its paragraph ended there
    return bool(_CLAUSE_START_RE.match(line.text)) and previous.text.endswith(_ENDS_SENTENCE)


def _stands_alone(text: str) -> bool:
    return bool(standalone_number(text) or is_date_only(text))


def _join(first: str, second: str) -> str:
    """Two pieces of one paragraph: Chinese runs on without a space, Latin words keep one."""
    if first[-1:].isascii() and first[-1:].isalnum() and second[:1].isascii() and second[:1].isalnum():
        return f"{first} {second}"
    return first + second
