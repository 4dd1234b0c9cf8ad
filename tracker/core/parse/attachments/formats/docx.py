"""Word attachments (.docx, python-docx): body paragraphs and table rows in document order.

Running headers and footers live outside the body in a .docx, so they never reach the text.
A table row is one paragraph, its cells joined by a space (merged cells once).
"""

from __future__ import annotations

import io

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from tracker.core.parse.attachments.registry import OK, Extraction, Format


def extract(data: bytes) -> Extraction:
    document = docx.Document(io.BytesIO(data))
    found: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            found.append(item.text.strip())
        elif isinstance(item, Table):
            found.extend(_rows(item))
    return Extraction(OK, tuple(text for text in found if text))


def _rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells if cell.text.strip()))
        rows.append(" ".join(cells))
    return rows


def _sniff(data: bytes) -> bool:
    return data[:2] == b"PK" and b"word/document.xml" in data[:65536]


FORMAT = Format(
    name="docx",
    extensions=("docx",),
    mime_types=("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    extract=extract,
    sniff=_sniff,
)
