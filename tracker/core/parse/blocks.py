"""The values the parse steps pass along, and the label and debris rules every reader shares.

A `Block` is one visual line of the body (a paragraph, a `<br>`-separated line, a table
row, a Markdown line) with the hints later steps need: the bold runs it contains and
whether it was marked up as a heading. `Page` is a page read by `html_page` or
`text_page`: its blocks and its own labelled fields. Everything that is not the document
is dropped before blocks are made, including page-break debris (`第4页`, `- 4 -`, lone page
numbers) left by PDF conversion (`is_debris`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    text: str
    bolds: tuple[str, ...] = ()
    heading: bool = False
    table: bool = False


@dataclass
class Page:
    """What the page says about itself besides the body blocks."""

    blocks: list[Block]
    fields: dict[str, str] = field(default_factory=dict)  # field key (see LABELS) → value as shown
    meta: dict[str, str] = field(default_factory=dict)  # <meta name> (lower-case) → content
    title_hints: list[str] = field(default_factory=list)  # <h1> and <title> texts, in that order
    headline: str | None = None  # the page's <h1>, a title the page itself displays
    link_share: float = 0.0  # share of the body's text inside links (0 with few links): listings are mostly links


# Labels of metadata tables (gov.cn table.bd1, Hanweb 信息公开) → PolicyDocument field.
LABELS: dict[str, str] = {
    "标题": "title", "文件名称": "title", "信息名称": "title", "名称": "title", "文件标题": "title",
    "发文字号": "doc_number", "文号": "doc_number", "文件编号": "doc_number", "发文号": "doc_number",
    "文件文号": "doc_number", "发文文号": "doc_number",
    "发文机关": "issuer", "发布机构": "issuer", "发文单位": "issuer", "发布单位": "issuer", "制发机关": "issuer",
    "发文机构": "issuer", "成文机关": "issuer", "发布机关": "issuer", "制定机关": "issuer", "颁布单位": "issuer",
    "颁布机关": "issuer",
    "成文日期": "issued_on", "生成日期": "issued_on", "发文日期": "issued_on", "印发日期": "issued_on",
    "签发日期": "issued_on", "成文时间": "issued_on",
    "发布日期": "published_on", "公开日期": "published_on", "颁布日期": "published_on", "公布时间": "published_on",
    "日期": "published_on", "发布时间": "published_on", "公布日期": "published_on",
    "公开时间": "published_on",
    "生效日期": "effective_from", "施行日期": "effective_from", "实施日期": "effective_from", "生效时间": "effective_from",
    "失效日期": "expires_on", "废止日期": "expires_on", "有效期至": "expires_on", "废止时间": "expires_on",
    "失效时间": "expires_on", "截止日期": "expires_on",
    "有效性": "validity", "时效性": "validity", "效力状态": "validity", "是否有效": "validity", "有效状态": "validity",
    "效力级别": "level",
    "索引号": "index_number",
    "统一编号": "registration_number", "登记号": "registration_number", "统一登记号": "registration_number",
    "登记编号": "registration_number",
    "主题分类": "topic", "组配分类": "topic", "主题类别": "topic", "分类": "topic",
    # 信息公开 labels the tracker keeps no field for: recognised so that they never enter a title.
    "公开目录": "catalog", "信息分类": "catalog", "体裁分类": "catalog", "服务对象": "catalog", "所属机构": "catalog",
    "公开方式": "disclosure", "公开范围": "disclosure", "公开时限": "disclosure", "公开形式": "disclosure",
    "关键词": "keywords", "主题词": "keywords", "内容概述": "summary", "摘要": "summary",
}  # fmt: skip

DROP_TAGS = {"script", "style", "noscript", "iframe", "nav", "footer", "form", "button", "select", "input",
              "textarea", "svg", "canvas", "object", "embed", "template", "head", "map", "audio", "video"}  # fmt: skip
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tbody", "thead", "tfoot",
               "tr", "blockquote", "pre", "section", "article", "header", "dl", "dt", "dd", "center", "address",
               "hr", "main", "figure", "figcaption", "caption", "aside", "td", "th"}  # fmt: skip
_ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_DEBRIS_RE = re.compile(
    r"^(?:第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|共\s*\d{1,3}\s*页|[-－—–]{1,2}\s*\d{1,3}\s*[-－—–]{1,2}|"
    r"\d{1,3}|\d{1,3}\s*/\s*\d{1,3}|page\s*\d{1,3}(?:\s*of\s*\d{1,3})?)$",
    re.I,
)
LABEL_VALUE_RE = re.compile(r"^\s*([^\s：:]{2,8}(?:\s+[^\s：:]{1,4}){0,3})\s*[：:]\s*(.*)$")
#: gov.cn article pages without a table: `2024-01-05 10:00 来源： 中国政府网`.
DATE_SOURCE_RE = re.compile(r"^(?P<date>(?:19|20)\d{2}[-年./]\d{1,2}[-月./]\d{1,2}日?)\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*来源")
_LABEL_PADDING_RE = re.compile(r"[\s\u00a0\u3000：:\[\]【】]+")  # `[发布日期]`, `【索引号】` too
#: Splits `发布时间：2024-01-05 来源：中国政府网` before each further label.
LABEL_SPLIT_RE = re.compile(r"(?<=\S)\s+(?=[\u4e00-\u9fff]{2,6}\s*[：:])")
_LONGEST_LABEL = max(map(len, LABELS))
_LABEL_FIRSTS = frozenset(label[0] for label in LABELS)
_LABEL_PREFIX = 64


def clean_space(text: str) -> str:
    """Collapse every kind of whitespace (incl. U+3000, nbsp) to one space; drop zero-width marks.

    Substring tests find the marks ~50x faster than the character-class search on long texts."""
    if "\u200b" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text or "\ufeff" in text:
        text = _ZERO_WIDTH_RE.sub("", text)
    return " ".join(text.split())


def normalize_label(text: str) -> str:
    """`标　　题：` → `标题`: labels are padded with spaces or U+3000 on gov.cn."""
    return _LABEL_PADDING_RE.sub("", text)


def is_label(text: str) -> bool:
    """`normalize_label(text) in LABELS`, without normalizing in full a layout cell that holds the whole page:
    once its first characters leave more than a label's length, it cannot be one. Most texts (values,
    paragraphs) are told apart by their first character after any padding, without normalizing."""
    padding = _LABEL_PADDING_RE.match(text)
    start = padding.end() if padding else 0
    if text[start : start + 1] not in _LABEL_FIRSTS:
        return False
    head = normalize_label(text[:_LABEL_PREFIX])
    if len(head) > _LONGEST_LABEL:
        return False
    return (head if len(text) <= _LABEL_PREFIX else normalize_label(text)) in LABELS


def may_start_label(head: str) -> bool:
    """False when no text that starts with `head` can be a label (`is_label`'s own early exit): its
    first characters already leave more than a label's length once normalized."""
    return len(head) < _LABEL_PREFIX or len(normalize_label(head[:_LABEL_PREFIX])) <= _LONGEST_LABEL


def is_debris(text: str) -> bool:
    return bool(_DEBRIS_RE.match(text))
