"""A page's own metadata: labelled table rows and label lines (gov.cn, Hanweb 信息公开) and `<meta>` tags."""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from tracker.core.parse.blocks import (
    DATE_SOURCE_RE,
    LABEL_SPLIT_RE,
    LABEL_VALUE_RE,
    LABELS,
    clean_space,
    is_label,
    may_start_label,
    normalize_label,
)
from tracker.core.parse.html_body import drop_element, text_of

_NEXT_LABEL_RE = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[：:]")
#: Elements whose text can be a `label：value` line of the page's header or footer.
_LINE_TAGS = frozenset(("li", "p", "span", "div", "em", "label", "font", "b", "strong", "h2", "h3", "h4", "h5", "h6"))
_CELL_TAGS = ("td", "th")
#: A label line is at most this long once its spaces are collapsed.
_MAX_LINE_CHARS = 160
#: Longer texts are first cleaned only this far: layout cells and wrappers hold the whole page, and
#: their first characters already show that they are no label (line).
_HEAD_CHARS = 256


def _metadata_tables_in(body: etree._Element) -> list[etree._Element]:
    """Tables inside the body that are a 信息公开 metadata table (several label cells)."""
    tables = []
    for table in body.iter("table"):
        labels = 0
        for row in islice(table.iter("tr"), 8):
            labels += sum(1 for cell in row if cell.tag in _CELL_TAGS and is_label(text_of(cell)))
            if labels >= 3:
                tables.append(table)
                break
    return tables


def _outside(root: etree._Element, body: etree._Element) -> list[etree._Element]:
    """The elements of `root`'s tree outside `body`'s subtree, in document order: the page's own
    fields are never read from the body, and its header and footer are a fraction of the tree."""
    elements = []
    walk = etree.iterwalk(root, events=("start",))
    for _, el in walk:
        if el is body:
            walk.skip_subtree()
        else:
            elements.append(el)
    return elements


def _cell_text(cell: etree._Element) -> str:
    """`clean_space(text_of(cell))`; for a long cell that can be neither a label nor a `label：value`
    line, only its start (which decides both, as `is_label` and `LABEL_VALUE_RE` read it)."""
    raw = text_of(cell)
    if len(raw) > _HEAD_CHARS:
        head = clean_space(raw[:_HEAD_CHARS])  # a prefix of the cleaned whole
        if not may_start_label(head) and not LABEL_VALUE_RE.match(head):
            return head
    return clean_space(raw)


def _line_text(el: etree._Element) -> str | None:
    """`clean_space(text_of(el))`, or None when that is longer than a label line can be."""
    raw = text_of(el)
    if len(raw) > _HEAD_CHARS and len(clean_space(raw[:_HEAD_CHARS])) > _MAX_LINE_CHARS:
        return None
    text = clean_space(raw)
    return text if len(text) <= _MAX_LINE_CHARS else None


def labelled_fields(root: etree._Element, body: etree._Element) -> dict[str, str]:
    """Metadata label → value pairs outside the body: table cells, `label：value` lines, dt/dd.

    A metadata table that a CMS placed inside the body counts too; it is removed from the body.
    """
    inner_tables = _metadata_tables_in(body)
    inner_rows = list(dict.fromkeys(row for table in inner_tables for row in table.iter("tr")))
    for table in inner_tables:
        drop_element(table)
    outside = _outside(root, body)
    found: dict[str, str] = {}

    def put(label: str, value: str) -> None:
        key = LABELS.get(normalize_label(label))
        value = clean_space(value)
        if key and value and key not in found:
            found[key] = value

    for row in [*(el for el in outside if el.tag == "tr"), *inner_rows]:
        texts = [_cell_text(c) for c in row if c.tag in _CELL_TAGS]
        labels = [is_label(text) for text in texts]
        for i, text in enumerate(texts):
            if labels[i] and i + 1 < len(texts) and not labels[i + 1]:
                put(text, texts[i + 1])
            elif (match := LABEL_VALUE_RE.match(text)) and match.group(2):
                put(match.group(1), _before_next_label(match.group(2)))
    for dt_el in outside:
        if dt_el.tag == "dt":
            dd = dt_el.getnext()
            if dd is not None and dd.tag == "dd":
                put(clean_space(text_of(dt_el)), text_of(dd))
    for el in outside:
        if el.tag not in _LINE_TAGS or len(el) > 8:
            continue
        text = _line_text(el)
        if not text:
            continue
        dated_source = DATE_SOURCE_RE.match(text)
        if dated_source:
            put("发布时间", dated_source.group("date"))
        for part in LABEL_SPLIT_RE.split(text):
            match = LABEL_VALUE_RE.match(part)
            if match:
                put(match.group(1), match.group(2))
            elif is_label(part):
                sibling = el.getnext()
                if sibling is not None and sibling is not body:
                    put(part, text_of(sibling))
    return found


def _before_next_label(text: str) -> str:
    """`_NEXT_LABEL_RE.split(text)[0]` without splitting the rest of a long cell."""
    match = _NEXT_LABEL_RE.search(text)
    return text[: match.start()] if match else text


def meta_tags(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or el.get("http-equiv") or "").strip().lower()
        content = clean_space(el.get("content") or "")
        if name and content and name not in meta:
            meta[name] = content
    return meta
