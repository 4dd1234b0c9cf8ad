"""Attachment links of an article page (pure): which links point at document files.

A link counts when its target's extension (in the path, or in a `filename=` query value as
CMS download scripts have it, or at the end of the link text) is a document extension
asked for, or when it is labelled as an attachment (附件 / 相关附件 / 点击下载) and
points at no page and no other known file type: such a link is fetched and its
`Content-Type` decides. Links in navigation, headers and footers are not looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

from tracker.core.errors import DecodeError
from tracker.core.parse.attachments.registry import SCRIPT_EXTENSIONS, extension_of
from tracker.core.parse.blocks import clean_space
from tracker.core.parse.text_page import looks_like_html
from tracker.core.parse.decode import decode_bytes

#: At most this many attachments are read per page (a page linking hundreds is an index).
MAX_LINKS = 10
_LABEL_RE = re.compile(r"附件|点击下载")
#: A labelled link to a page is a page, whatever its label says.
_PAGE_EXTENSIONS = frozenset({"htm", "html", "shtml"})
_CHROME_TAGS = ("nav", "header", "footer", "script", "style")
#: A label inside a link's text or just before a link, in UTF-8 or GBK bytes (a GBK byte is never `<`):
#: a page that merely mentions 附件 in its text (「详见附件」) is no reason to parse it twice.
_LABELLED_LINK_RES = tuple(
    (label, re.compile(re.escape(label) + rb"(?:[^\n]{0,80}?</a|[^<>]{0,30}<a\s)", re.I))
    for label in (word.encode(codec) for word in ("附件", "点击下载") for codec in ("utf-8", "gb18030"))
)


@dataclass(frozen=True)
class AttachmentLink:
    """A link to a document file: its `href` as written (the fetching side resolves it) and its text."""

    href: str
    label: str


def may_link_documents(body: bytes, extensions: frozenset[str]) -> bool:
    """A cheap test on the raw page: could it link a document at all? Most pages cannot."""
    pattern = rb"\.(?:" + b"|".join(re.escape(ext.encode()) for ext in sorted(extensions)) + rb")(?![a-z0-9])"
    if re.search(pattern, body, re.I):
        return True
    # `in` first: a regex opening on a multibyte label is tried at every byte of the page
    # (3 ms on a 260 KB page), a substring search is not.
    return any(label in body and pattern.search(body) for label, pattern in _LABELLED_LINK_RES)


def attachment_links(html: str, extensions: frozenset[str]) -> list[AttachmentLink]:
    """The document links of an article page, in page order, each target once."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()
    found: dict[str, AttachmentLink] = {}
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        label = clean_space(anchor.get_text(" ")) or clean_space(str(anchor.get("title") or ""))
        if not href or href.startswith(("#", "javascript:", "mailto:")) or href in found:
            continue
        ext = extension_of(href)
        if ext in SCRIPT_EXTENSIONS and extension_of(label) in extensions:
            ext = extension_of(label)  # `downfile.jsp?id=3` shown as `若干措施.pdf`
        labelled = ext in SCRIPT_EXTENSIONS - _PAGE_EXTENSIONS and _LABEL_RE.search(label + _lead_in(anchor))
        if ext in extensions or labelled:
            found[href] = AttachmentLink(href, label)
        if len(found) >= MAX_LINKS:
            break
    return list(found.values())


def _lead_in(anchor: object) -> str:
    """The text just before a link (`附件：` printed ahead of it), up to 8 characters."""
    previous = getattr(anchor, "previous_sibling", None)
    return str(previous)[-8:] if isinstance(previous, str) else ""


def document_links(body: bytes, content_type: str | None, extensions: frozenset[str]) -> list[AttachmentLink]:
    """`attachment_links` of a fetched body; none when it is no HTML page or cannot be decoded."""
    try:
        text = decode_bytes(body, content_type)
    except DecodeError:
        return []
    return attachment_links(text, extensions) if looks_like_html(text, content_type) else []
