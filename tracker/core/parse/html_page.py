"""HTML → `Page`: the body blocks and the page's labelled fields, without page furniture."""

from __future__ import annotations

import re

from tracker.core.errors import ParseError
from tracker.core.parse.blocks import (
    DATE_SOURCE_RE,
    LABEL_SPLIT_RE,
    LABEL_VALUE_RE,
    LABELS,
    Block,
    Page,
    clean_space,
    normalize_label,
)
from tracker.core.parse.html_blocks import BlockWriter
from tracker.core.parse.html_body import drop_element, drop_noise, find_body, text_length, text_of
from tracker.core.parse.html_fields import labelled_fields, meta_tags
from tracker.core.parse.html_tree import parse_html

#: A page with fewer links (a notice whose text is an attached PDF) is never a listing.
_LISTING_MIN_LINKS = 5

_QR_PROMPT_RE = re.compile(r"扫一扫在手机(?:上)?打开")

#: Whole widget lines; the QR-code prompt (`扫一扫在手机打开`) anywhere in a line is furniture too.
_FURNITURE_LINE_RE = re.compile(
    r"(?:【[^】]{1,8}】\s*)+$|(?:字号|字体)\s*[：:]?\s*[【\[]?\s*[大中小](?:\s*[】\]]?\s*[【\[]?\s*[大中小])*\s*[】\]]?$"
    r"|(?:打印本页|关闭窗口|返回顶部|打印|关闭|收藏)(?:\s+(?:打印本页|关闭窗口|返回顶部|打印|关闭|收藏))*$"
)

_INFO_LABELS = "|".join(sorted({*LABELS, "来源", "信息来源", "浏览次数", "点击数", "访问量", "作者", "阅读次数"}, key=len, reverse=True))

_INFO_LINE_RE = re.compile(rf"^(?:{_INFO_LABELS})\s*[：:]")


def html_page(html: str) -> Page:
    """Parse HTML into the body blocks and the page's own metadata."""
    root = parse_html(html)
    if root is None:
        raise ParseError("HTML has no elements")
    meta = meta_tags(root)
    hints = []
    for el in root.iter("h1"):
        text = clean_space(text_of(el))
        if 4 <= len(text) <= 120:
            hints.append(text)
            break
    title_el = root.find(".//title")
    title = clean_space(text_of(title_el)) if title_el is not None else ""
    if title:
        hints.append(title)
    for el in list(root.iter("script", "style", "noscript", "template")):
        drop_element(el)
    body = find_body(root)
    fields = labelled_fields(root, body)
    drop_noise(body)
    links = list(body.iter("a"))
    link_share = 0.0
    if len(links) >= _LISTING_MIN_LINKS:  # their text is only read when they can make a listing
        link_share = sum(len(clean_space(text_of(a))) for a in links) / (text_length(body) or 1)
    writer = BlockWriter()
    writer.walk(body, bold=False)
    writer.flush()
    headline = hints[0] if len(hints) > 1 or (hints and title_el is None) else None
    return Page(_without_page_furniture(writer.blocks, fields), fields, meta, hints, headline=headline, link_share=link_share)


def _without_page_furniture(blocks: list[Block], fields: dict[str, str]) -> list[Block]:
    """Drop widget lines (`【打印】【关闭】`, `字号：大 中 小`) and the info lines some CMSs put at
    the top of the body (`发布时间：… 来源：… 浏览次数：…`), keeping the labelled values."""
    kept = []
    for index, block in enumerate(blocks):
        if _FURNITURE_LINE_RE.match(block.text) or ("扫" in block.text and _QR_PROMPT_RE.search(block.text)):
            continue
        if index < 8 and not kept:  # info lines only lead the body
            dated_source = DATE_SOURCE_RE.match(block.text)
            if dated_source:
                fields.setdefault("published_on", dated_source.group("date"))
                continue
            if _INFO_LINE_RE.match(block.text):
                for part in LABEL_SPLIT_RE.split(block.text):
                    match = LABEL_VALUE_RE.match(part)
                    key = LABELS.get(normalize_label(match.group(1))) if match else None
                    if key and key != "doc_number" and key not in fields and match.group(2).strip():
                        fields[key] = clean_space(match.group(2))
                if not _is_labelled(block.text, "doc_number"):
                    continue
        kept.append(block)
    return kept


def _is_labelled(text: str, key: str) -> bool:
    match = LABEL_VALUE_RE.match(text)
    return bool(match and LABELS.get(normalize_label(match.group(1))) == key)
