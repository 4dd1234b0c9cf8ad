"""PDF attachments (pdfminer.six): text lines in reading order → paragraphs.

Pages past `MAX_PAGES` are not read: pdfminer on a hostile or enormous file can take
minutes, and a policy is never that long. A PDF with pages but no text layer is a scan:
`image_only`, never an empty document. A password-protected PDF is `encrypted`.
"""

from __future__ import annotations

import io

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTFigure, LTImage, LTLayoutContainer, LTPage, LTTextContainer, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from tracker.core.parse.attachments.lines import Line, paragraphs
from tracker.core.parse.attachments.registry import ENCRYPTED, IMAGE_ONLY, OK, Extraction, ExtractionFailed, Format

MAX_PAGES = 300
#: Lines are put in reading order by position (`lines.paragraphs`), so pdfminer's own ordering
#: of text boxes is skipped: a quarter of the time of a page.
_LAYOUT = LAParams(boxes_flow=None)


def extract(data: bytes) -> Extraction:
    lines: list[Line] = []
    pages = images = 0
    try:
        for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=_LAYOUT, maxpages=MAX_PAGES)):
            pages += 1
            lines.extend(_lines(page, number))
            images += _has_images(page)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ExtractionFailed(ENCRYPTED, f"encrypted: the PDF needs a password to be read ({type(exc).__name__})") from exc
    text = paragraphs(lines)
    if not text:
        scanned = f", {images} of them images" if images else ""
        return Extraction(IMAGE_ONLY, reason=f"image_only: no text layer on its {pages} page(s){scanned} (OCR is not done)", pages=pages)
    reason = f"only the first {MAX_PAGES} pages were read" if pages >= MAX_PAGES else None
    return Extraction(OK, text, reason, pages)


def _lines(page: LTPage, number: int) -> list[Line]:
    found = []
    for element in _text_lines(page):
        text = element.get_text().strip()
        if text:
            found.append(Line(number, element.x0, element.x1, page.height - element.y1, text))
    return found


def _text_lines(container: LTLayoutContainer) -> list[LTTextLine]:
    result: list[LTTextLine] = []
    for element in container:
        if isinstance(element, LTTextLine):
            result.append(element)
        elif isinstance(element, (LTTextContainer, LTFigure)):
            result.extend(_text_lines(element))
    return result


def _has_images(container: LTLayoutContainer) -> bool:
    return any(isinstance(e, LTImage) or (isinstance(e, LTFigure) and _has_images(e)) for e in container)


FORMAT = Format(
    name="pdf",
    extensions=("pdf",),
    mime_types=("application/pdf", "application/x-pdf"),
    extract=extract,
    sniff=lambda data: data[:1024].lstrip().startswith(b"%PDF-"),
)
