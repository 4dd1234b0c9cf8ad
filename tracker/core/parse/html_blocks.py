"""A body element → text blocks, one per visual line, with the bold runs and heading marks later
steps read (GB/T 9704 fonts count as bold).
"""

from __future__ import annotations

from lxml import etree

from tracker.core.parse.blocks import BLOCK_TAGS, DROP_TAGS, Block, clean_space, is_debris
from tracker.core.parse.html_body import emboldens, tag_name, text_of

#: The longest `_DEBRIS_RE` match once spaces are collapsed (`第 123 页 , 共 123 页`): longer lines are text.
_DEBRIS_MAX_CHARS = 17

_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class BlockWriter:
    """Walks the body, accumulating inline text runs, and emits a Block at every block boundary."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        # The runs of the block being written: their texts, and whether each is bold. Cleared,
        # never replaced: `walk` keeps them in locals.
        self._texts: list[str] = []
        self._bolds: list[bool] = []
        self._heading = False

    def walk(self, root: etree._Element, bold: bool) -> None:
        """Add `root` (its text, its descendants, its tail) to the blocks; `bold` = inside bold markup.

        The hottest loop of the parser (every element of the body). libxml2's own walk
        (`iterwalk`: a start and an end event per element) replaces recursion: Word-exported pages
        nest a thousand unclosed spans, past Python's recursion limit, and no stack of open
        elements is kept in Python. Bold is inherited, so it is only the outermost bold element
        (`bold_root`) that has to be left. The body holds elements only, as iterwalk walks them:
        the parser drops comments and processing instructions, and `drop_noise` any comment left.
        Whitespace-only text before a block's first text is never stored (`clean_space` would
        drop it, and it can start no bold run)."""
        texts, run_bolds = self._texts, self._bolds
        add_text, add_bold = texts.append, run_bolds.append
        flush = self.flush
        block_tags, drop_tags, heading_tags, bold_tags = BLOCK_TAGS, DROP_TAGS, _HEADING_TAGS, BOLD_TAGS
        in_bold = bold
        bold_root: etree._Element | None = None
        events = etree.iterwalk(root, events=("start", "end"))
        for event, el in events:
            tag = el.tag
            if event == "end":
                if tag in block_tags:
                    if texts:
                        flush()
                    else:
                        self._heading = False
                if el is bold_root:
                    in_bold = False
                    bold_root = None
                tail = el.tail
                if tail and (texts or not tail.isspace()):
                    add_text(tail)
                    add_bold(in_bold)
            elif tag == "br":
                flush()
            elif tag == "tr" and (cells := data_row(el)) is not None:
                self.row(cells)
                events.skip_subtree()
            elif tag in drop_tags:
                events.skip_subtree()
            else:
                if not in_bold:
                    if tag in bold_tags:
                        in_bold, bold_root = True, el
                    elif (style := el.get("style")) and emboldens(style):
                        in_bold, bold_root = True, el
                if tag in block_tags:
                    if texts:
                        flush()
                    else:
                        self._heading = False
                    if tag in heading_tags:
                        self._heading = True
                text = el.text
                if text and (texts or not text.isspace()):
                    add_text(text)
                    add_bold(in_bold)

    def flush(self) -> None:
        texts = self._texts
        if texts:
            text = clean_space("".join(texts))
            if text and (len(text) > _DEBRIS_MAX_CHARS or not is_debris(text)):
                self.blocks.append(Block(text, self._bold_runs() if any(self._bolds) else (), self._heading))
            texts.clear()
            self._bolds.clear()
        self._heading = False

    def _bold_runs(self) -> tuple[str, ...]:
        """Maximal runs of bold text, whitespace between bold pieces not breaking a run."""
        bolds: list[str] = []
        current = ""
        for run, bold in zip(self._texts, self._bolds):
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
