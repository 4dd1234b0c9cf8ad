"""Attachment text into the page's blocks (pure), so the parser reads a page whose measure is
in a file exactly as it reads one that prints the measure inline.

Each attachment read is appended after the page's own text under an `附件` label line, as
a printed notice shows its attachments: `附件：<name>` when the link names the file, `附件N`
otherwise; when the page's last line is the link itself, that line is the label. A 印发/转发 wrapper whose measure is that attachment is then split by
`tracker.core.parse.layout` the usual way (the label names the measure, its text follows), so
the measure's clauses keep their own paths; any other attachment becomes `附件` clauses.
An attachment headed by its own title and 文号 that the page does not name by that 文号 is
a document of its own (`own_documents`): it is parsed apart, and the page cites it.
A link line of the page (`附件：若干措施.pdf`) loses its file extension, so the notice's
text does not change when the link is renamed to `.ofd`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.core.model import DocRef
from tracker.core.parse.blocks import Block
from tracker.core.parse.line_kinds import standalone_number

_FILE_EXTENSION_RE = re.compile(r"\.(?:pdf|docx?|wps|ofd)\b", re.I)
_LABEL_PREFIX_RE = re.compile(r"^(?:相关)?附件\s*\d*\s*[：:.．、]?\s*")
_GENERIC_NAMES = re.compile(r"^(?:点击下载|下载|附件|查看附件|\d+)?$")


@dataclass(frozen=True)
class AttachmentText:
    """The text read from one attachment and the link text it was shown with."""

    label: str
    paragraphs: tuple[str, ...]


def with_attachments(blocks: list[Block], attachments: list[AttachmentText]) -> list[Block]:
    """The page's blocks with each attachment's text appended under its `附件` label."""
    if not attachments:
        return blocks
    merged = [Block(_FILE_EXTENSION_RE.sub("", b.text), b.bolds, b.heading, b.table) for b in blocks]
    numbered = len(attachments) > 1
    for index, attachment in enumerate(attachments, start=1):
        name = _name(attachment.label)
        label = "附件" + (str(index) if numbered else "")
        line = f"{label}：{name}" if name else label
        if not (merged and _compact(merged[-1].text) in (_compact(line), _compact(_FILE_EXTENSION_RE.sub("", attachment.label)))):
            merged.append(Block(line, (), True))  # unless the page's link line is right there
        merged.extend(Block(text) for text in attachment.paragraphs)
    return merged


def _compact(text: str) -> str:
    return "".join(text.split())


def _name(label: str) -> str:
    """`附件1：关于…的若干措施.pdf` → `关于…的若干措施`; '' for `点击下载` and file numbers."""
    name = _FILE_EXTENSION_RE.sub("", _LABEL_PREFIX_RE.sub("", label.strip())).strip()
    return "" if _GENERIC_NAMES.match(name) else name


#: The title and 文号 of a document of its own are among its first lines.
_HEADER_LINES = 4


def own_documents(
    page_text: str, attachments: Sequence[AttachmentText]
) -> tuple[list[AttachmentText], list[tuple[AttachmentText, DocRef]]]:
    """(attachments read as part of the page, attachments that are documents of their own).

    An attachment is a document of its own when a title line is followed by a line that is
    only a 文号, and the page names neither that 文号 nor `《title》` (a 印发/转发 notice names
    what it issues or forwards, which is then read inline). Each comes with the reference the page makes to it."""
    compact_page = _compact(page_text)
    merged: list[AttachmentText] = []
    own: list[tuple[AttachmentText, DocRef]] = []
    for attachment in attachments:
        head = attachment.paragraphs[:_HEADER_LINES]
        number_at = next((i for i, line in enumerate(head) if i and standalone_number(line)), None)
        number = standalone_number(head[number_at]) if number_at is not None else None
        title = "".join(head[:number_at or 0])
        if number is None or _compact(number) in compact_page or f"《{_compact(title)}》" in compact_page:
            merged.append(attachment)
            continue
        own.append((attachment, DocRef(title, number, f"附件：{attachment.label}")))
    return merged, own
