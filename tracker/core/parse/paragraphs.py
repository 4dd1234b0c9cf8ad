"""Re-joining paragraphs a page break or a hard line wrap cut in two, before any structure is read."""

from __future__ import annotations

import re

from tracker.core.parse.blocks import Block
from tracker.core.parse.clauses import match_marker
from tracker.core.parse.dates import is_date_only
from tracker.core.parse.line_kinds import ATTACHMENT_RE, TITLE_END_RE, is_note, is_title_like
from tracker.core.parse.signatures import is_organ_line

_PUNCTUATION_RE = re.compile("[。，,；;]")

#: A paragraph ending in one of these (with its parentheses closed) is complete.
_CLOSED_ENDINGS = tuple("。；;！!？?：:）)」』”\"")


class _Paragraph:
    """A paragraph being re-assembled from blocks (kept as its blocks: joining is linear)."""

    __slots__ = ("first", "parts", "length", "open_parens")

    def __init__(self, block: Block) -> None:
        text = block.text
        self.first = block
        self.parts = [block]
        self.length = len(text)
        self.open_parens = text.count("（") + text.count("(") - text.count("）") - text.count(")")

    def add(self, block: Block) -> None:
        text = block.text
        self.parts.append(block)
        self.length += len(text)
        self.open_parens += text.count("（") + text.count("(") - text.count("）") - text.count(")")

    def has_punctuation(self) -> bool:
        return any(_PUNCTUATION_RE.search(part.text) for part in self.parts)

    def block(self) -> Block:
        parts = self.parts
        if len(parts) == 1:
            return self.first
        bolds = tuple(bold for part in parts for bold in part.bolds)
        return Block("".join(part.text for part in parts), bolds, self.first.heading, self.first.table)


def _ends_signature(text: str) -> bool:
    """A signature date or a note: the line after it starts something new."""
    return is_date_only(text) or is_note(text)


def _continues(previous: _Paragraph, block: Block) -> bool:
    """True when `block` is the second half of a paragraph split by a page or line break.

    The tests are independent: the cheap ones that settle most blocks come first."""
    head, b = previous.first, block.text
    if head.table or block.table or head.heading or block.heading or previous.length < 15:
        return False
    if previous.parts[-1].text.endswith(_CLOSED_ENDINGS) and previous.open_parens <= 0:
        return False
    single = len(previous.parts) == 1
    if single and head.bolds and head.bolds[0] == head.text:  # a bold title or heading
        return False
    if previous.length <= 40:
        whole = head if single else previous.block()
        if is_title_like(whole) and (b.startswith(("（", "(")) or TITLE_END_RE.search(whole.text)):
            return False
    if match_marker(head.text) and (previous.length < 25 or not previous.has_punctuation()):
        return False
    if match_marker(b) or ATTACHMENT_RE.match(b) or _ends_signature(b):
        return False
    return not (len(b) <= 40 and is_organ_line(b))


def join_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Re-join paragraphs that a page break (or hard line wrap) cut in two.

    A line right after a signature date or a note is the next title, never a continuation.
    """
    joined: list[Block] = []
    current: _Paragraph | None = None
    before: Block | None = None  # the paragraph before `current` when it was a single block
    for block in blocks:
        if current is not None:
            if _continues(current, block) and not (before is not None and _ends_signature(before.text)):
                current.add(block)
                continue
            joined.append(current.block())
            before = current.first if len(current.parts) == 1 else None
        current = _Paragraph(block)
    if current is not None:
        joined.append(current.block())
    return joined
