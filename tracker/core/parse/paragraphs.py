"""Re-joining paragraphs a page break or a hard line wrap cut in two, before any structure is read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.core.parse.blocks import Block
from tracker.core.parse.clauses import match_marker
from tracker.core.parse.dates import is_date_only
from tracker.core.parse.line_kinds import ATTACHMENT_RE, TITLE_END_RE, is_note, is_title_like
from tracker.core.parse.signatures import is_organ_line

_PUNCTUATION_RE = re.compile("[。，,；;]")

#: A paragraph ending in one of these (with its parentheses closed) is complete.
_CLOSED_ENDINGS = tuple("。；;！!？?：:）)」』”\"")


@dataclass(slots=True)
class _Paragraph:
    """A paragraph being re-assembled from blocks (kept in pieces: joining is linear)."""

    first: Block
    pieces: list[str]
    bolds: list[str]
    length: int
    open_parens: int
    has_punctuation: bool
    ends_signature: bool  # a signature date or a note: the line after it starts something new

    @classmethod
    def start(cls, block: Block) -> _Paragraph:
        text = block.text
        paragraph = cls(block, [], [], 0, 0, False, is_date_only(text) or is_note(text))
        paragraph.add(block)
        return paragraph

    def add(self, block: Block) -> None:
        text = block.text
        self.pieces.append(text)
        self.bolds.extend(block.bolds)
        self.length += len(text)
        self.open_parens += text.count("（") + text.count("(") - text.count("）") - text.count(")")
        if not self.has_punctuation:
            self.has_punctuation = _PUNCTUATION_RE.search(text) is not None

    def block(self) -> Block:
        if len(self.pieces) == 1:
            return self.first
        return Block("".join(self.pieces), tuple(self.bolds), self.first.heading, self.first.table)


def _continues(previous: _Paragraph, block: Block) -> bool:
    """True when `block` is the second half of a paragraph split by a page or line break."""
    head, b = previous.first, block.text
    if head.table or block.table or head.heading or block.heading or previous.length < 15:
        return False
    if len(previous.pieces) == 1 and head.bolds and head.bolds[0] == head.text:  # a bold title or heading
        return False
    if previous.length <= 40:
        whole = previous.block()
        if is_title_like(whole) and (b.startswith(("（", "(")) or TITLE_END_RE.search(whole.text)):
            return False
    if previous.pieces[-1].endswith(_CLOSED_ENDINGS) and previous.open_parens <= 0:
        return False
    if match_marker(head.text) and (previous.length < 25 or not previous.has_punctuation):
        return False
    if match_marker(b) or ATTACHMENT_RE.match(b) or is_date_only(b) or is_note(b):
        return False
    return not (len(b) <= 40 and is_organ_line(b))


def join_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Re-join paragraphs that a page break (or hard line wrap) cut in two.

    A line right after a signature date or a note is the next title, never a continuation.
    """
    paragraphs: list[_Paragraph] = []
    for block in blocks:
        before = paragraphs[-2] if len(paragraphs) > 1 else None
        after_signature = before is not None and len(before.pieces) == 1 and before.ends_signature
        if paragraphs and not after_signature and _continues(paragraphs[-1], block):
            paragraphs[-1].add(block)
        else:
            paragraphs.append(_Paragraph.start(block))
    return [paragraph.block() for paragraph in paragraphs]
