"""Document files made at run time from the sample texts: PDF, DOCX and OFD.

The sample site serves a notice whose measure is only in a PDF, and the tests read the
same texts as every attachment format, so no binary file is kept in the repository. Each
builder prints paragraphs the way government files do: a running header and a page number
on every page, first lines indented two characters, lines broken at the page width, and a
paragraph running on across a page break. `break_inside` puts a page break inside the
paragraph holding that text (after its first line), to break a clause across pages.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from functools import cache

import docx
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"  # reportlab's built-in CID font: Chinese text without a font file
_SIZE = 12
_MARGIN = 72
_LINE = _SIZE * 1.6


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, width: float, indent: float) -> list[str]:
    """`text` broken into lines that fit `width` (the first line `indent` narrower)."""
    lines, rest, room = [], text, width - indent
    while rest:
        end = 1
        while end < len(rest) and pdfmetrics.stringWidth(rest[: end + 1], _font(), _SIZE) <= room:
            end += 1
        lines.append(rest[:end])
        rest, room = rest[end:], width
    return lines


def pdf_bytes(
    paragraphs: Sequence[str], *, header: str = "", break_inside: str | None = None, encrypt: str | None = None
) -> bytes:
    """A PDF printing `paragraphs` with a running header and `- N -` page numbers."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt=encrypt, invariant=1)
    width, height = A4
    state = {"page": 1, "y": height - 100.0}

    def furniture() -> None:
        pdf.setFont(_font(), 9)
        if header:
            pdf.drawString(_MARGIN, height - 50, header)
        pdf.drawCentredString(width / 2, 40, f"- {state['page']} -")
        pdf.setFont(_font(), _SIZE)

    def new_page() -> None:
        pdf.showPage()
        state["page"] += 1
        state["y"] = height - 100.0
        furniture()

    furniture()
    for paragraph in paragraphs:
        if break_inside and break_inside in paragraph:
            if state["y"] < 80 + _LINE:
                new_page()
            state["y"] = 80.0  # one line left on this page: the paragraph runs on to the next
        indent = 2 * _SIZE
        for line in _wrap(paragraph, width - 2 * _MARGIN, indent):
            if state["y"] < 80:
                new_page()
            pdf.drawString(_MARGIN + indent, state["y"], line)
            state["y"] -= _LINE
            indent = 0
    pdf.save()
    return out.getvalue()


def image_only_pdf_bytes(pages: int = 2) -> bytes:
    """A PDF whose pages are drawings without any text: what a scan looks like to a reader."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    for _ in range(pages):
        pdf.rect(100, 100, 300, 500, fill=1)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def docx_bytes(paragraphs: Sequence[str], *, header: str = "", table: Sequence[Sequence[str]] = ()) -> bytes:
    """A .docx with `paragraphs`, a running header, and `table` (rows of cells) at the end."""
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table):
            for cell, text in zip(row.cells, cells):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_OFD_NS = "http://www.ofdspec.org/2016"
_OFD_PAGE_LINES = 30
_OFD_CHARS = 40  # characters per line at 3.5 mm on a 210 mm page with 35 mm margins
_OFD_SIZE = 3.5


def ofd_bytes(paragraphs: Sequence[str], *, header: str = "") -> bytes:
    """An OFD package (GB/T 33190): OFD.xml, Document.xml and one Content.xml per page,
    with a TextObject per printed line, a header line and a page number on every page."""
    lines: list[tuple[float, str]] = []
    for paragraph in paragraphs:
        indent, rest = 2, paragraph
        while rest:
            room = _OFD_CHARS - indent
            lines.append((indent, rest[:room]))
            rest, indent = rest[room:], 0
    pages = [lines[i : i + _OFD_PAGE_LINES] for i in range(0, len(lines), _OFD_PAGE_LINES)] or [[]]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.1" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>sample</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        entries = "".join(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
        package.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_OFD_NS}"><ofd:CommonData>'
            '<ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
            f"</ofd:CommonData><ofd:Pages>{entries}</ofd:Pages></ofd:Document>",
        )
        for number, page in enumerate(pages):
            objects = []
            if header:
                objects.append(_text_object(35, 15, header, 3.0))
            for row, (indent, text) in enumerate(page):
                objects.append(_text_object(35 + indent * _OFD_SIZE, 30 + row * 7.5, text, _OFD_SIZE))
            objects.append(_text_object(100, 280, f"- {number + 1} -", 3.0))
            package.writestr(
                f"Doc_0/Pages/Page_{number}/Content.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_OFD_NS}"><ofd:Content>'
                f'<ofd:Layer ID="{number + 100}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>',
            )
    return out.getvalue()


def _text_object(x: float, y: float, text: str, size: float) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    box = f"{x} {y} {size * len(text) + 1} {size * 1.5}"
    return f'<ofd:TextObject ID="1" Boundary="{box}" Font="1" Size="{size}"><ofd:TextCode X="0" Y="{size}">{escaped}</ofd:TextCode></ofd:TextObject>'
