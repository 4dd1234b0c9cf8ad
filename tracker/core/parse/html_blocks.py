"""A body element → text blocks, one per visual line, with the bold runs and heading marks later
steps read (GB/T 9704 fonts count as bold).
"""

from __future__ import annotations

import operator

from lxml import etree

from tracker.core.parse.blocks import BLOCK_TAGS, DROP_TAGS, Block, clean_space, is_debris
from tracker.core.parse.html_body import emboldens, tag_name, text_of

#: The longest `_DEBRIS_RE` match once spaces are collapsed (`第 123 页 , 共 123 页`): longer lines are text.
_DEBRIS_MAX_CHARS = 17

_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


_SECOND = operator.itemgetter(1)  # a run's bold flag


class BlockWriter:
    """Walks the body, accumulating inline text runs, and emits a Block at every block boundary."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._runs: list[tuple[str, bool]] = []  # cleared, never replaced: `walk` keeps it in a local
        self._heading = False

    def walk(self, root: etree._Element, bold: bool) -> None:
        """Add `root` (its text, its descendants, its tail) to the blocks; `bold` = inside bold markup.

        The hottest loop of the parser (every element of the body). It follows libxml2's flat
        document-order iteration with a stack of open elements instead of recursing: Word-exported
        pages nest a thousand unclosed spans, past Python's recursion limit, and the flat loop is
        also faster. Attribute look-ups are kept local and whitespace-only text before a block's
        first text is never stored (`clean_space` would drop it, and it can start no bold run)."""
        runs = self._runs
        append_run = runs.append
        flush = self.flush
        block_tags, drop_tags, heading_tags = BLOCK_TAGS, DROP_TAGS, _HEADING_TAGS
        open_els = [root.getparent()]  # the elements entered and not yet left, below `root`'s parent
        bolds = [bold]  # whether the text of each open element is bold
        skipping = False  # inside a subtree taken whole (a data row) or dropped, until `resume`
        resume: etree._Element | None = None
        for el in root.iter():
            if skipping:
                if el is not resume:
                    continue
                skipping = False
            parent = el.getparent()
            if open_els[-1] is not parent:
                self._leave(open_els, bolds, parent)
            tag = el.tag
            inner_bold = bolds[-1]
            if tag == "br":
                flush()
            elif tag == "tr" and (cells := data_row(el)) is not None:
                self.row(cells)
                skipping, resume = True, _following(el, root)
            elif isinstance(tag, str) and tag not in drop_tags:
                inner_bold = inner_bold or _is_bold(el, tag)
                if tag in block_tags:
                    if runs:
                        flush()
                    else:  # what flush does with nothing to write
                        self._heading = False
                    if tag in heading_tags:
                        self._heading = True
                text = el.text
                if text and (runs or not text.isspace()):
                    append_run((text, inner_bold))
            elif len(el):
                skipping, resume = True, _following(el, root)
            open_els.append(el)
            bolds.append(inner_bold)
        self._leave(open_els, bolds, open_els[0])

    def _leave(self, open_els: list[etree._Element | None], bolds: list[bool], parent: etree._Element | None) -> None:
        """Leave the open elements down to `parent`: end their blocks, add their tails."""
        runs = self._runs
        while open_els[-1] is not parent:
            left = open_els.pop()
            bolds.pop()
            if left.tag in BLOCK_TAGS:  # type: ignore[union-attr] - `parent` is never left
                if runs:
                    self.flush()
                else:
                    self._heading = False
            tail = left.tail  # type: ignore[union-attr]
            if tail and (runs or not tail.isspace()):
                runs.append((tail, bolds[-1]))

    def flush(self) -> None:
        runs = self._runs
        if runs:
            text = clean_space("".join([t for t, _ in runs]))
            if text and (len(text) > _DEBRIS_MAX_CHARS or not is_debris(text)):
                self.blocks.append(Block(text, self._bold_runs(), self._heading))
            runs.clear()
        self._heading = False

    def _bold_runs(self) -> tuple[str, ...]:
        """Maximal runs of bold text, whitespace between bold pieces not breaking a run."""
        if not any(map(_SECOND, self._runs)):
            return ()
        bolds: list[str] = []
        current = ""
        for run, bold in self._runs:
            if bold:
                current += run
            elif run.strip():
                if current.strip():
                    bolds.append(clean_space(current))
                current = ""
        if current.strip():
            bolds.append(clean_space(current))
        return tuple(bolds)

    def row(self, cells: list[str]) -> None:
        self.flush()
        text = " ".join(c for c in cells if c)
        if text:
            self.blocks.append(Block(text, table=True))


BOLD_TAGS = frozenset(("b", "strong"))


def _following(el: etree._Element, root: etree._Element) -> etree._Element | None:
    """The node after `el`'s subtree in `root.iter()` order; None when the subtree ends `root`."""
    while el is not root:
        after = el.getnext()
        if after is not None:
            return after
        el = el.getparent()
    return None


def _is_bold(el: etree._Element, tag: str) -> bool:
    if tag in BOLD_TAGS:
        return True
    style = el.get("style")
    return bool(style) and emboldens(style)


def has_block_children(el: etree._Element) -> bool:
    """A block or br element below `el` (a plain loop: lxml's tag-filtered iteration costs more
    to set up for this many tags than it saves)."""
    for descendant in el.iterdescendants():
        tag = descendant.tag
        if tag in BLOCK_TAGS or tag == "br":
            return True
    return False


def data_row(row: etree._Element) -> list[str] | None:
    """The cell texts of a row of a real table (several plain cells); None for a row of a layout
    table, whose single cell holds paragraphs (its text is never joined: it can be the whole page)."""
    cells = [cell for cell in row if tag_name(cell) in ("td", "th")]
    if len(cells) < 2 or any(has_block_children(cell) for cell in cells):
        return None
    texts = [clean_space(text_of(cell)) for cell in cells]
    return texts if sum(1 for text in texts if text) > 1 else None
