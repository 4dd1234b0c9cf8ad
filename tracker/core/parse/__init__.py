"""Policy pages → `PolicyDocument`s: metadata, clauses, and the documents they repeal or cite.

Pure: bytes or text in, documents out; no I/O, no clock. Steps, one module each:
`decode` (bytes → text; traditional script is read through `tracker.core.chinese_script`),
`pagekind` (challenge / JS shell / login / empty pages), `blocks` (HTML or Markdown →
labelled fields + ordered body blocks), `chrome` (site furniture dropped, header labels
lifted), `layout` (header, notice wrapper, signature, attachments; one layout per document
of a compilation page), `header_note` (题注 of laws and regulations), `metadata` (field
strings → values), `evidence` (one value per field, with provenance), `dates` (date forms
and validity phrases), `references` (repeals and citations), `clauses` (numbering → paths).
docs/parsing.md says which value each field takes.

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
from typing import Any, Sequence

from tracker.core.chinese_script import has_traditional, restorer, to_simplified
from tracker.core.errors import DecodeError, NotADocumentError, ParseError
from tracker.core.model import Clause, DocRef, PageKind, PolicyDocument, Provenance
from tracker.core.parse.attachments.merge import AttachmentText, own_documents, with_attachments
from tracker.core.parse.blocks import Block, Page
from tracker.core.parse.chrome import strip_chrome
from tracker.core.parse.clauses import build_clauses
from tracker.core.parse.cleanup import with_cleanup_relations
from tracker.core.parse.dates import DATE, parse_date, validity_from_text
from tracker.core.parse.decode import decode_bytes
from tracker.core.parse.evidence import DERIVED, HEADER_NOTE, META, SIGNATURE, TABLE, TEXT, Candidate, candidate, resolve
from tracker.core.parse.html_page import html_page
from tracker.core.parse.layout import Layout, analyse, enclosed_name, header_starts, join_title
from tracker.core.parse.metadata import (
    best_title_hint,
    clean_title,
    field_date,
    field_doc_number,
    field_issuer,
    field_text,
    issuer_from_title,
    published_from_meta,
    split_number_from_title,
)
from tracker.core.parse.pagekind import detect_non_document
from tracker.core.parse.references import extract_references
from tracker.core.parse.signatures import is_organ
from tracker.core.parse.text_page import looks_like_html, text_page

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
#: A title made up from the first line of the text keeps at most this many characters.
_FALLBACK_TITLE_CHARS = 60
#: A repost's lead sentence: `2025年6月13日杭州市人民政府下发通知《…》…内容如下:` — who issued it, and when.
_LEAD_ACT_RE = re.compile(rf"^(?P<date>{DATE})\s*(?P<organ>[\u4e00-\u9fff、]{{2,40}}?)(?:下发|印发|发布|转发|公布)")
_DECREE_ORGAN_RE = re.compile(r"^(?:中华人民共和国)?(?P<organ>[\u4e00-\u9fff]{2,20})令\s*(?:第|(?:19|20)\d{2}\s*年)")


def parse_document(
    content: bytes | str,
    *,
    url: str | None = None,
    content_type: str | None = None,
    attachments: Sequence[AttachmentText] = (),
) -> list[PolicyDocument]:
    """Every policy document on a page (usually one; compilation pages hold several).

    `attachments` are the texts read from the page's attachment files: they are read as
    part of the page, after its own text, unless one is a document of its own (its own
    title and 文号), which follows the page's documents (`tracker.core.parse.attachments.merge`)."""
    text = decode_bytes(content, content_type) if isinstance(content, bytes) else content
    inline, own = own_documents(text, attachments)
    if has_traditional(text):
        simplified = to_simplified(text)
        back = restorer(text, simplified)
        documents = [_in_script(doc, back) for doc in _parse_text(simplified, url, content_type, inline)]
    else:
        documents = _parse_text(text, url, content_type, inline)
    if own:  # attachments that are documents of their own: after the page's, which cites them
        documents[0] = documents[0].replace(cites=[*documents[0].cites, *(ref for _, ref in own)])
        documents += [doc for attachment, _ in own for doc in parse_document("\n".join(attachment.paragraphs), url=url)]
    return documents


def _parse_text(
    text: str, url: str | None, content_type: str | None, attachments: Sequence[AttachmentText] = ()
) -> list[PolicyDocument]:
    if looks_like_html(text, content_type):
        problem = detect_non_document(text)
        if problem:
            raise problem
        page = html_page(text)
        if page.link_share > _LISTING_LINK_SHARE:
            raise NotADocumentError(PageKind.NOT_A_POLICY, "the page is a list of links (a listing or index page)")
    else:
        page = text_page(text)
    page.blocks = with_attachments(strip_chrome(page.blocks, page.fields), list(attachments))
    if sum(len(b.text) for b in page.blocks) < 20:
        raise NotADocumentError(PageKind.EMPTY, "no document text on the page")
    starts = header_starts(page.blocks)
    if len(starts) < 2:
        return [with_cleanup_relations(_document(page.blocks, page, url, first=True), text)]
    # What precedes the first document of a compilation is its cover and 目录, no document; the
    # page's own fields then describe the compilation, not its first document.
    bounds = [starts[0], *starts[1:], len(page.blocks)]
    return [
        _document(page.blocks[a:b], page, url, first=k == 0 and a == 0)
        for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]


def _in_script(doc: PolicyDocument, back: dict[int, str]) -> PolicyDocument:
    """The document with its text put back into the page's own (traditional) script."""
    if not back:
        return doc

    def shown(value: str | None) -> str | None:
        return value.translate(back) if value else value

    def refs(items: list[DocRef]) -> list[DocRef]:
        return [DocRef(shown(r.title), shown(r.doc_number), shown(r.evidence)) for r in items]

    return doc.replace(
        title=shown(doc.title),
        doc_number=shown(doc.doc_number),
        issuer=shown(doc.issuer),
        enclosed_title=shown(doc.enclosed_title),
        repeals=refs(doc.repeals),
        cites=refs(doc.cites),
        amends=refs(doc.amends),
        confirms=refs(doc.confirms),
        clauses=[Clause(c.path, c.text.translate(back), shown(c.heading)) for c in doc.clauses],
        provenance={
            name: Provenance(p.source, shown(p.snippet), tuple((s, shown(v), shown(n)) for s, v, n in p.others), p.rule)
            for name, p in doc.provenance.items()
        },
    )


def _document(blocks: list[Block], page: Page, url: str | None, *, first: bool) -> PolicyDocument:
    fields = page.fields if first else {}
    meta = page.meta if first else {}
    declared = candidate(field_text(fields.get("title")), TABLE, fields.get("title")) or candidate(
        field_text(meta.get("articletitle")), META, meta.get("articletitle")
    )
    hint = best_title_hint(page.title_hints) if first else None
    layout = analyse(blocks, known_title=declared.value if declared else None, fallback_title=hint)
    warnings: list[str] = []
    headline = clean_title(page.headline) if first else None
    title, title_from, enclosed_title = _titles(layout, declared, hint, headline, warnings)
    title, number_in_title = split_number_from_title(title)
    note = layout.header_note
    signature = layout.signatures[0] if layout.signatures else None
    provenance: dict[str, Provenance] = {"title": title_from}
    table = TABLE

    def choose(name: str, candidates: list[Candidate | None], rule: str | None = None) -> Any:
        value, origin = resolve(candidates, rule)
        if origin is not None:
            provenance[name] = origin
        return value

    signed = candidate(signature.date, SIGNATURE, signature.text) if signature else None
    tabled = candidate(field_date(fields.get("issued_on")), table, fields.get("issued_on"))
    lead = _LEAD_ACT_RE.match(layout.lead or "")
    lead_date = candidate(parse_date(lead.group("date")), TEXT, layout.lead) if lead else None
    issued_order = [tabled, candidate(note.issued_on, HEADER_NOTE, note.text) if note else None, signed, lead_date]
    issued_rule = "a table's 成文日期 is used unless it is later than the signature date (then it is the web date)"
    if tabled and signed and tabled.value > signed.value:
        issued_order = [signed, *issued_order[:2]]
    issued_on = choose("issued_on", issued_order, issued_rule)
    published_on = choose(
        "published_on",
        [
            candidate(field_date(fields.get("published_on")), table, fields.get("published_on")),
            candidate(note.published_on, HEADER_NOTE, note.text) if note else None,
            signed if layout.decree else None,  # a decree or announcement is dated the day it promulgates
            _meta_published(meta),
        ],
    )
    body_text = "\n".join([b.text for b in layout.wrapper + layout.main])
    field_effective = field_date(fields.get("effective_from"))
    note_effective = note.effective_from if note else None
    own_titles = frozenset("".join(t.split()) for t in (title, enclosed_title, enclosed_name(title)) if t)
    validity = validity_from_text(
        body_text,
        issued_on=issued_on,
        published_on=published_on,
        effective_on=field_effective or note_effective,
        own_titles=own_titles,
    )
    choose(
        "effective_from",
        [
            candidate(field_effective, table, fields.get("effective_from")),
            candidate(note_effective, HEADER_NOTE, note.text) if note else None,
            candidate(validity.text_effective, TEXT, validity.effective_evidence),
        ],
    )
    expires_on = choose(
        "expires_on",
        [
            candidate(field_date(fields.get("expires_on")), table, fields.get("expires_on")),
            candidate(validity.expires_on, DERIVED if validity.expires_derived else TEXT, validity.expires_evidence),
        ],
    )
    doc_number = choose(
        "doc_number",
        [
            candidate(field_doc_number(fields.get("doc_number")), table, fields.get("doc_number")),
            candidate(layout.doc_number, TEXT, layout.doc_number),
            candidate(note.doc_number, HEADER_NOTE, note.text) if note else None,
            candidate(number_in_title, TEXT, title),
        ],
    )
    segments: list[tuple[str | None, list[Block]]] = []
    if layout.wrapper:
        segments.append((_wrapper_label(layout), layout.wrapper))
    segments.append((None, layout.main))
    segments.extend(layout.attachments)
    paragraphs = [b.text for _, seg in segments for b in seg]
    # A forwarded (转发) document is another document with its own number: a citation.
    own_enclosed = None if "转发" in title else enclosed_title or enclosed_name(title)
    references = extract_references(paragraphs, own=[title, own_enclosed, doc_number, layout.doc_number])
    issuer = choose("issuer", *_issuer_candidates(fields, table, layout, title, doc_number, meta))
    clauses = build_clauses(segments)
    if not clauses:
        warnings.append("no clauses: the page holds a title but no body text")
    return PolicyDocument(
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        issued_on=issued_on,
        published_on=published_on,
        effective_from=validity.effective_from,
        expires_on=expires_on,
        repeals=references.repeals,
        cites=references.cites,
        amends=references.amends,
        clauses=clauses,
        enclosed_title=enclosed_title,
        validity=field_text(fields.get("validity")),
        index_number=field_text(fields.get("index_number")),
        registration_number=field_text(fields.get("registration_number")),
        topic=field_text(fields.get("topic")),
        url=url,
        provenance=provenance,
        warnings=warnings,
    )


_ISSUER_RULE = (
    "a table's 发布机构 that the title does not name is the site that published the page (a repost); "
    "the issuer the title names is kept"
)


def _wrapper_label(layout: Layout) -> str:
    """The path of the text printed before the measure: `令`, `公告` or `通知`."""
    if not layout.decree:
        return "通知"
    return "令" if layout.doc_number or not layout.decree_organs else "公告"


def _meta_published(meta: dict[str, str]) -> Candidate | None:
    value = published_from_meta(meta)
    return candidate(value, META, value.isoformat()) if value else None


def _titles(
    layout: Layout, declared: Candidate | None, hint: str | None, headline: str | None, warnings: list[str]
) -> tuple[str, Provenance, str | None]:
    """(title, where it came from, enclosed_title): the document's own title and the measure a notice issues.

    A page with text but no recognisable title still gives a document: the page's `<title>`
    (minus the site name), else its first line, with a warning saying so."""
    body_title = join_title(layout.title_lines) or None
    enclosed = join_title(layout.enclosed_title_lines) or None
    body = candidate(body_title, TEXT, "\n".join(layout.title_lines))
    hinted = candidate(hint, META, hint)
    if layout.decree:
        chosen = declared or candidate(enclosed, TEXT, enclosed) or body
        enclosed = None
    else:
        chosen = declared or body or hinted or candidate(enclosed, TEXT, enclosed)
    if chosen is None:
        first = next((b.text for b in layout.main if b.text), "")
        chosen = Candidate(first[:_FALLBACK_TITLE_CHARS], TEXT, first)
        warnings.append(f"no document title found; the first line of the text stands in: {chosen.value}")
    elif chosen is hinted and hint != headline:
        warnings.append("no title in the text or an <h1>; the page's <title> minus the site name stands in")
    title = chosen.value
    if not enclosed and body_title and title and body_title != title:
        name = enclosed_name(title)
        if name and "".join(name.split()) == "".join(body_title.split()):
            enclosed = body_title
    others = tuple(
        (c.source, c.value, c.snippet)
        for c in (body, hinted)
        if c and c is not chosen and not _same_text(c.value, title) and not (enclosed and _same_text(c.value, enclosed))
    )
    return title, Provenance(chosen.source, chosen.snippet, others[:1]), enclosed


def _same_text(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _issuer_candidates(
    fields: dict[str, str], table: str, layout: Layout, title: str, doc_number: str | None, meta: dict[str, str]
) -> tuple[list[Candidate | None], str | None]:
    """Issuer evidence in order of trust. A table's 发布机构 that the title does not name, when the
    title names an issuer of its own, is the organ or site that reposted the page."""
    from_field = candidate(field_issuer(fields.get("issuer")), table, fields.get("issuer"))
    from_title = candidate(issuer_from_title(title), TEXT, title)
    note = layout.header_note
    from_note = candidate(note.issuer, HEADER_NOTE, note.text) if note else None
    signed = next((s for s in layout.signatures[:1] if s.issuer), None)
    from_signature = candidate(signed.issuer, SIGNATURE, signed.text) if signed else None
    decree = _DECREE_ORGAN_RE.match(doc_number or "")
    if layout.decree_organs:
        from_decree = candidate("、".join(layout.decree_organs), TEXT, doc_number or "、".join(layout.decree_organs))
    else:
        from_decree = candidate(decree.group("organ"), TEXT, doc_number) if decree and is_organ(decree.group("organ")) else None
    source = field_text(meta.get("contentsource"))
    from_meta = candidate(source, META, source) if source and is_organ(source) else None
    from_line = candidate(layout.issuer_line, TEXT, layout.issuer_line)
    lead = _LEAD_ACT_RE.match(layout.lead or "")
    from_lead = candidate(lead.group("organ"), TEXT, layout.lead) if lead and is_organ(lead.group("organ")) else None
    if from_field and from_title and not _names(title, from_field.value):
        return [from_title, from_field], _ISSUER_RULE
    return [from_field, from_note, from_signature, from_decree, from_line, from_title, from_lead, from_meta], None


def _names(title: str, issuer: str) -> bool:
    """The title names this issuer (or each of joint issuers)."""
    compact = "".join(title.split())
    return all(part in compact for part in issuer.split("、"))
