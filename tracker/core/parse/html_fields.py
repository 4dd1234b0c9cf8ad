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
    normalize_label,
)
from tracker.core.parse.html_body import drop_element, tag_name, text_of

_NEXT_LABEL_RE = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[：:]")




def _metadata_tables_in(body: etree._Element) -> list[etree._Element]:
    """Tables inside the body that are a 信息公开 metadata table (several label cells)."""
    tables = []
    for table in body.iter("table"):
        cells = [cell for row in islice(table.iter("tr"), 8) for cell in row if tag_name(cell) in ("td", "th")]
        if sum(1 for cell in cells if is_label(text_of(cell))) >= 3:
            tables.append(table)
    return tables


def labelled_fields(root: etree._Element, body: etree._Element) -> dict[str, str]:
    """Metadata label → value pairs outside the body: table cells, `label：value` lines, dt/dd.

    A metadata table that a CMS placed inside the body counts too; it is removed from the body.
    """
    inner_tables = _metadata_tables_in(body)
    inner_rows = {row for table in inner_tables for row in table.iter("tr")}
    for table in inner_tables:
        drop_element(table)
    body_nodes = set(body.iter())
    found: dict[str, str] = {}

    def put(label: str, value: str) -> None:
        key = LABELS.get(normalize_label(label))
        value = clean_space(value)
        if key and value and key not in found:
            found[key] = value

    for row in [*root.iter("tr"), *inner_rows]:
        if row in body_nodes:
            continue
        cells = [c for c in row if tag_name(c) in ("td", "th")]
        texts = [clean_space(text_of(c)) for c in cells]
        for i, text in enumerate(texts):
            if is_label(text) and i + 1 < len(texts) and not is_label(texts[i + 1]):
                put(text, texts[i + 1])
            elif (match := LABEL_VALUE_RE.match(text)) and match.group(2):
                put(match.group(1), _before_next_label(match.group(2)))
    for dt_el in root.iter("dt"):
        dd = dt_el.getnext()
        if dt_el not in body_nodes and dd is not None and tag_name(dd) == "dd":
            put(clean_space(text_of(dt_el)), text_of(dd))
    for el in root.iter("li", "p", "span", "div", "em", "label", "font", "b", "strong", "h2", "h3", "h4", "h5", "h6"):
        if el in body_nodes or len(el) > 8:
            continue
        text = clean_space(text_of(el))
        if not text or len(text) > 160:
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
                if sibling is not None and sibling not in body_nodes:
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
