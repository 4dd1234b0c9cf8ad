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
_CLOSED_ENDINGS = frozenset("。；;！!？?：:）)」』”\"")


def _joined(parts: list[Block]) -> Block:
    """The paragraph the blocks make: the first block's flags, every block's text and bold runs."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    bolds = tuple([bold for part in parts for bold in part.bolds])
    return Block("".join([part.text for part in parts]), bolds, first.heading, first.table)


def _has_punctuation(parts: list[Block]) -> bool:
    for part in parts:
        if _PUNCTUATION_RE.search(part.text):
            return True
    return False


def _ends_signature(text: str) -> bool:
    """A signature date or a note: the line after it starts something new."""
    return is_date_only(text) or is_note(text)


def _continues(parts: list[Block], length: int, block: Block) -> bool:
    """True when `block` is the second half of the paragraph `parts` (`length` characters),
    split by a page or line break. The caller has ruled out a closed paragraph (ending in
    `。` and the like with its brackets closed) and a table or heading on either side."""
    head, b = parts[0], block.text
    if length < 15:
        return False
    single = len(parts) == 1
    if single and head.bolds and head.bolds[0] == head.text:  # a bold title or heading
        return False
    if length <= 40:
        whole = _joined(parts)
        if is_title_like(whole) and (b.startswith(("（", "(")) or TITLE_END_RE.search(whole.text)):
            return False
    if match_marker(head.text) and (length < 25 or not _has_punctuation(parts)):
        return False
    if match_marker(b) or ATTACHMENT_RE.match(b) or _ends_signature(b):
        return False
    return not (len(b) <= 40 and is_organ_line(b))


def join_broken_paragraphs(blocks: list[Block]) -> list[Block]:
    """Re-join paragraphs that a page break (or hard line wrap) cut in two.

    A line right after a signature date or a note is the next title, never a continuation.
    The paragraph being assembled is kept as its blocks and its length (joining is linear).
    Most paragraphs end closed (`。` with every bracket closed), so that is tested first; its
    brackets are counted only when its last block ends like that, each block once.
    """
    joined: list[Block] = []
    parts: list[Block] = []  # the paragraph being assembled
    length = 0
    open_parens = counted = 0  # brackets left open in its first `counted` blocks
    before: Block | None = None  # the paragraph before it, when that was a single block
    for block in blocks:
        if parts:
            ends_closed = parts[-1].text[-1:] in _CLOSED_ENDINGS
            if ends_closed:
                for part in parts[counted:]:
                    text = part.text
                    # testing for each bracket is much cheaper than counting it, and most lines hold none
                    if "（" in text or "(" in text or "）" in text or ")" in text:
                        open_parens += text.count("（") + text.count("(") - text.count("）") - text.count(")")
                counted = len(parts)
            if (
                not (ends_closed and open_parens <= 0)
                and not (block.table or block.heading or parts[0].table or parts[0].heading)
                and _continues(parts, length, block)
                and not (before is not None and _ends_signature(before.text))
            ):
                parts.append(block)
                length += len(block.text)
                continue
            single = len(parts) == 1
            joined.append(parts[0] if single else _joined(parts))
            before = parts[0] if single else None
        parts = [block]
        length = len(block.text)
        open_parens = counted = 0
    if parts:
        joined.append(_joined(parts))
    return joined
