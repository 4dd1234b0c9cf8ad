"""Policy pages → `PolicyDocument`s: metadata, clauses, and the documents they repeal or cite.

Pure: bytes or text in, documents out; no I/O, no clock. Steps, one module each:
`decode` (bytes → text), `pagekind` (challenge / JS shell / login / empty pages),
`blocks` (HTML or Markdown → labelled fields + ordered body blocks), `layout` (header,
notice wrapper, signature, attachments; one layout per document of a compilation page),
`metadata` (field strings → values), `dates` (date forms and validity phrases),
`references` (repeals and citations), `clauses` (numbering → paths).

Decisions worth knowing:
- A 印发 notice keeps the notice's title, number and signature date; the measure it
  issues is `enclosed_title`. The notice text becomes clauses under `通知` (`通知/一` if
  numbered), so the measure keeps its own paths (`序言`, `一`, `一/（一）`, …, `结语`).
  A decree (`国务院令 第707号`) is titled by the regulation it promulgates; its short
  promulgation text is the `令` segment.
- A 转发 notice keeps the forwarded document inside it (its title is `enclosed_title`,
  its own 文号 is a citation); only a second title + 文号 header that is not the
  enclosed document starts another document of a compilation page.
- An unnumbered closing statement after numbered clauses (`本办法自…起施行`) is `结语`;
  attachments are `附件`/`附件1`… with their own numbering below them.
- The addressee line, signature blocks and notes like `（此件公开发布）` are not clauses.
- Labelled fields of the page (gov.cn/Hanweb tables, front matter, `<meta>`) beat
  values found in the text; on a compilation page they belong to its first document.
- `自发布之日起施行` uses the publication date, or the issue date when the page
  does not give one.
"""

from __future__ import annotations

import re

from tracker.model import DecodeError, NotADocumentError, PageKind, ParseError, PolicyDocument
from tracker.parse.blocks import Block, Page, html_page, looks_like_html, text_page
from tracker.parse.cleanup import with_cleanup_relations
from tracker.parse.clauses import build_clauses
from tracker.parse.dates import validity_from_text
from tracker.parse.decode import decode_bytes
from tracker.parse.layout import Layout, analyse, enclosed_name, header_starts, is_organ, join_title
from tracker.parse.metadata import (
    best_title_hint,
    field_date,
    field_doc_number,
    field_issuer,
    field_text,
    issuer_from_title,
    published_from_meta,
    split_number_from_title,
)
from tracker.parse.pagekind import detect_non_document
from tracker.parse.references import extract_references

__all__ = [
    "DecodeError",
    "NotADocumentError",
    "ParseError",
    "decode_bytes",
    "detect_non_document",
    "parse_document",
]


#: Above this share of linked text the "body" is a listing of other pages, not a document.
_LISTING_LINK_SHARE = 0.6
_DECREE_ORGAN_RE = re.compile(r"^(?:中华人民共和国)?(?P<organ>[\u4e00-\u9fff]{2,20})令\s*第")


def parse_document(
    content: bytes | str, *, url: str | None = None, content_type: str | None = None
) -> list[PolicyDocument]:
    """Every policy document on a page (usually one; compilation pages hold several)."""
    text = decode_bytes(content, content_type) if isinstance(content, bytes) else content
    if looks_like_html(text, content_type):
        problem = detect_non_document(text)
        if problem:
            raise problem
        page = html_page(text)
        if page.link_share > _LISTING_LINK_SHARE:
            raise NotADocumentError(PageKind.NOT_A_POLICY, "the page is a list of links (a listing or index page)")
    else:
        page = text_page(text)
    if sum(len(b.text) for b in page.blocks) < 20:
        raise NotADocumentError(PageKind.EMPTY, "no document text on the page")
    starts = header_starts(page.blocks)
    if len(starts) < 2:
        return [with_cleanup_relations(_document(page.blocks, page, url, first=True), text)]
    bounds = [0, *starts[1:], len(page.blocks)]
    return [
        _document(page.blocks[a:b], page, url, first=k == 0)
        for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]


def _document(blocks: list[Block], page: Page, url: str | None, *, first: bool) -> PolicyDocument:
    fields = page.fields if first else {}
    declared_title = field_text(fields.get("title")) or (field_text(page.meta.get("articletitle")) if first else None)
    hint = best_title_hint(page.title_hints) if first else None
    layout = analyse(blocks, known_title=declared_title, fallback_title=hint)
    title, enclosed_title = _titles(layout, declared_title, hint)
    if not title:
        raise ParseError("no document title found on the page")
    signature = layout.signatures[0] if layout.signatures else None
    issued_on = field_date(fields.get("issued_on")) or (signature.date if signature else None) or layout.promulgated_on
    published_on = field_date(fields.get("published_on")) or published_from_meta(page.meta)
    body_text = "\n".join(b.text for b in layout.wrapper + layout.main)
    validity = validity_from_text(
        body_text, issued_on=issued_on, published_on=published_on, effective_on=field_date(fields.get("effective_from"))
    )
    title, number_in_title = split_number_from_title(title)
    doc_number = field_doc_number(fields.get("doc_number")) or layout.doc_number or number_in_title
    segments: list[tuple[str | None, list[Block]]] = []
    if layout.wrapper:
        segments.append(("令" if layout.decree else "通知", layout.wrapper))
    segments.append((None, layout.main))
    segments.extend(layout.attachments)
    paragraphs = [b.text for _, seg in segments for b in seg]
    # A forwarded (转发) document is another document with its own number: a citation.
    own_enclosed = None if "转发" in title else enclosed_title
    references = extract_references(paragraphs, own=[title, own_enclosed, doc_number, layout.doc_number])
    return PolicyDocument(
        title=title,
        doc_number=doc_number,
        issuer=_issuer(fields, layout, title, doc_number, page.meta if first else {}),
        issued_on=issued_on,
        published_on=published_on,
        effective_from=validity.effective_from,
        expires_on=field_date(fields.get("expires_on")) or validity.expires_on,
        repeals=references.repeals,
        cites=references.cites,
        amends=references.amends,
        clauses=build_clauses(segments),
        enclosed_title=enclosed_title,
        validity=field_text(fields.get("validity")),
        index_number=field_text(fields.get("index_number")),
        registration_number=field_text(fields.get("registration_number")),
        topic=field_text(fields.get("topic")),
        url=url,
    )


def _titles(layout: Layout, declared: str | None, hint: str | None) -> tuple[str | None, str | None]:
    """(title, enclosed_title): the document's own title and the measure a notice issues."""
    body_title = join_title(layout.title_lines) or None
    enclosed = join_title(layout.enclosed_title_lines) or None
    if layout.decree:
        return declared or enclosed or body_title, None
    title = declared or body_title or hint or enclosed
    if not enclosed and body_title and title and body_title != title:
        name = enclosed_name(title)
        if name and "".join(name.split()) == "".join(body_title.split()):
            enclosed = body_title
    return title, enclosed


def _issuer(
    fields: dict[str, str], layout: Layout, title: str, doc_number: str | None, meta: dict[str, str]
) -> str | None:
    from_field = field_issuer(fields.get("issuer"))
    if from_field:
        return from_field
    for signature in layout.signatures[:1]:
        if signature.issuer:
            return signature.issuer
    decree = _DECREE_ORGAN_RE.match(doc_number or "")
    if decree and is_organ(decree.group("organ")):
        return decree.group("organ")
    from_title = issuer_from_title(title)
    if from_title:
        return from_title
    source = field_text(meta.get("contentsource"))
    return source if source and is_organ(source) else None
