"""A fourth sample site whose measure lives only in a PDF attachment (杭州市经信局 通知公告).

The notice page prints only the 印发 wrapper of seed 000 (文号, addressee, the sentence that
issues the measure, signature) and a link `附件：关于…若干措施.pdf`; the measure itself,
with its clauses, validity and the 500 万元 cap, is in the PDF, made at start from the seed
text with a running header, page numbers and the cap's clause broken across a page break.
On the next day the PDF says 300 万元 while the page stays byte for byte the same (it
answers 304): only the file changed, as when a site replaces an attachment in place.
"""

from __future__ import annotations

import html
from functools import cache

from sources.samplesite.documents import SampleDocument, seed
from sources.samplesite.files import pdf_bytes
from sources.samplesite.server import Request, Response

NOTICE_DIR = "/jxj/tzgg"
NOTICE_PATH = f"{NOTICE_DIR}/art_20251215_58.html"
ATTACHMENT_PATH = f"{NOTICE_DIR}/files/P020251215_58.pdf"
_EDIT_OLD = "单个项目最高补助 500 万元"
_EDIT_NEW = "单个项目最高补助 300 万元"
_BREAK_INSIDE = "实际到账资金的 25%"
_MEASURE_START = "关于支持类脑智能未来产业"


def split_seed() -> tuple[SampleDocument, tuple[str, ...], tuple[str, ...]]:
    """Seed 000 as (document, the notice's paragraphs, the measure's paragraphs)."""
    document = seed("000")
    start = next(i for i, p in enumerate(document.paragraphs) if p.startswith(_MEASURE_START))
    return document, document.paragraphs[:start], document.paragraphs[start:]


@cache
def measure_pdf(day: int) -> bytes:
    """The attachment as served on `day` (1: as issued; 2 and later: the cap edited)."""
    _document, _notice, measure = split_seed()
    paragraphs = [p.replace(_EDIT_OLD, _EDIT_NEW) if day >= 2 else p for p in measure]
    return pdf_bytes(paragraphs, header=measure[0].replace(" ", ""), break_inside=_BREAK_INSIDE)


class NoticeSite:
    """杭州市经济和信息化局 通知公告: one notice whose measure is a PDF attachment."""

    name = "notices"

    def __init__(self) -> None:
        self.day = 1

    def respond(self, request: Request) -> Response:
        if request.path == f"{NOTICE_DIR}/index.html":
            return Response(200, self._listing(), "text/html; charset=utf-8")
        if request.path == NOTICE_PATH:
            return Response(200, self._notice(), "text/html; charset=utf-8")
        if request.path == ATTACHMENT_PATH:
            return Response(200, measure_pdf(self.day), "application/pdf")
        return Response(404, "<html><body>页面不存在 Not Found</body></html>".encode(), "text/html; charset=utf-8", validators=False)

    def _listing(self) -> bytes:
        document, _notice, _measure = split_seed()
        return (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>通知公告 杭州市经济和信息化局</title></head><body>"
            f"<ul class=\"list\"><li><a href=\"{NOTICE_PATH.rsplit('/', 1)[1]}\">{html.escape(document.title)}</a>"
            f"<span class=\"date\">{document.published.isoformat()}</span></li></ul></body></html>"
        ).encode("utf-8")

    def _notice(self) -> bytes:
        document, notice, measure = split_seed()
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in notice)
        link = f"<p>附件：<a href=\"files/{ATTACHMENT_PATH.rsplit('/', 1)[1]}\">{html.escape(measure[0].replace(' ', ''))}.pdf</a></p>"
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(document.title)}</title></head><body>
<div class="article"><h2 class="title">{html.escape(document.title)}</h2>
<div class="info">发布日期：{document.published.isoformat()}</div>
<div class="content">
{paragraphs}
{link}
</div></div></body></html>
""".encode("utf-8")
