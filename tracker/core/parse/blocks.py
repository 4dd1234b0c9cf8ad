"""HTML or Markdown/plain text → the page's labelled fields and the body as ordered text blocks.

A block is one visual line of the body (a paragraph, a `<br>`-separated line, a table row,
a Markdown line) with hints the later steps need: the bold runs it contains and whether
it was marked up as a heading. Everything that is not the document is dropped here:
scripts, styles, navigation, share/QR widgets, footers, Markdown front matter, `<!--more-->`,
horizontal rules and "原文链接" sections, and page-break debris (`第4页`, `- 4 -`, lone page
numbers) left by PDF conversion.

The body is found by known CMS selectors (gov.cn `#UCAP-CONTENT` / `td.b12c`, TRS
`.TRS_UEDITOR` / `.trs_editor_view`, Hanweb `#zoom`, …) and, when none matches, by text
density: the element whose paragraphs carry the most non-link text. lxml is used directly
(not through BeautifulSoup): it is an order of magnitude faster on large pages.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from lxml import etree

from tracker.core.errors import ParseError


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

_BODY_SELECTORS = (
    "#UCAP-CONTENT", "td.b12c", "div.TRS_UEDITOR", ".trs_editor_view", ".TRS_Editor", "#zoom", "#Zoom",
    ".article-content", ".article_content", ".pages_content", ".news_content", "#ivs_content", ".zw-content",
    "#zwContent", ".gz_content", ".xxgk_content", ".detail-content", ".content-text", ".main-txt", "#mainText",
    "#zoomcon", ".news_cont_d_wrap", ".article_con", "#content_text", ".xl-content", ".view-content", "#js_content",
)  # fmt: skip
_DROP_TAGS = {"script", "style", "noscript", "iframe", "nav", "footer", "form", "button", "select", "input",
              "textarea", "svg", "canvas", "object", "embed", "template", "head", "map", "audio", "video"}  # fmt: skip
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tbody", "thead", "tfoot",
               "tr", "blockquote", "pre", "section", "article", "header", "dl", "dt", "dd", "center", "address",
               "hr", "main", "figure", "figcaption", "caption", "aside", "td", "th"}  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_NOISE_ATTR_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|footer|breadcrumb|crumbs?|share|bdshare|fenxiang|qr|qrcode|ewm|erweima|sidebar|"
    r"copyright|toolbar|print|related|comments?|banner|pager|pagination|search|login|xglj|xgwj|relevant)(?:$|[\s_-])",
    re.I,
)
# GB/T 9704 sets level-1 headings in 黑体 and level-2 headings in 楷体: on pages converted
# from the official layout those fonts mark a lead heading just as bold does.
_BOLD_STYLE_RE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)|font-family\s*:[^;\"]*(?:楷体|黑体|kaiti|simhei)", re.I)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_DEBRIS_RE = re.compile(
    r"^(?:第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|共\s*\d{1,3}\s*页|[-－—–]{1,2}\s*\d{1,3}\s*[-－—–]{1,2}|"
    r"\d{1,3}|\d{1,3}\s*/\s*\d{1,3}|page\s*\d{1,3}(?:\s*of\s*\d{1,3})?)$",
    re.I,
)
_LABEL_VALUE_RE = re.compile(r"^\s*([^\s：:]{2,8}(?:\s+[^\s：:]{1,4}){0,3})\s*[：:]\s*(.*)$")
_NEXT_LABEL_RE = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[：:]")
#: gov.cn article pages without a table: `2024-01-05 10:00 来源： 中国政府网`.
_DATE_SOURCE_RE = re.compile(r"^(?P<date>(?:19|20)\d{2}[-年./]\d{1,2}[-月./]\d{1,2}日?)\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*来源")
_INFO_LABELS = "|".join(sorted({*LABELS, "来源", "信息来源", "浏览次数", "点击数", "访问量", "作者", "阅读次数"}, key=len, reverse=True))
_INFO_LINE_RE = re.compile(rf"^(?:{_INFO_LABELS})\s*[：:]")
#: Whole widget lines; the QR-code prompt (`扫一扫在手机打开`) anywhere in a line is furniture too.
_FURNITURE_LINE_RE = re.compile(
    r"(?:【[^】]{1,8}】\s*)+$|(?:字号|字体)\s*[：:]?\s*[【\[]?\s*[大中小](?:\s*[】\]]?\s*[【\[]?\s*[大中小])*\s*[】\]]?$"
    r"|(?:打印本页|关闭窗口|返回顶部|打印|关闭|收藏)(?:\s+(?:打印本页|关闭窗口|返回顶部|打印|关闭|收藏))*$"
)
_QR_PROMPT_RE = re.compile(r"扫一扫在手机(?:上)?打开")
_SIMPLE_SELECTOR_RE = re.compile(r"^(?P<tag>[a-z0-9]*)(?:#(?P<id>[\w-]+)|\.(?P<cls>[\w-]+))$", re.I)
_LABEL_PADDING_RE = re.compile(r"[\s\u00a0\u3000：:\[\]【】]+")  # `[发布日期]`, `【索引号】` too
#: Splits `发布时间：2024-01-05 来源：中国政府网` before each further label.
_LABEL_SPLIT_RE = re.compile(r"(?<=\S)\s+(?=[\u4e00-\u9fff]{2,6}\s*[：:])")
_LONGEST_LABEL = max(map(len, LABELS))
#: The longest `_DEBRIS_RE` match once spaces are collapsed (`第 123 页 , 共 123 页`): longer lines are text.
_DEBRIS_MAX_CHARS = 17
_LABEL_PREFIX = 64
_MIN_BODY_CHARS = 30
#: A page with fewer links (a notice whose text is an attached PDF) is never a listing.
_LISTING_MIN_LINKS = 5


def clean_space(text: str) -> str:
    """Collapse every kind of whitespace (incl. U+3000, nbsp) to one space; drop zero-width marks.

    Substring tests find the marks ~50x faster than the character-class search on long texts."""
    if "\u200b" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text or "\ufeff" in text:
        text = _ZERO_WIDTH_RE.sub("", text)
    return " ".join(text.split())


def normalize_label(text: str) -> str:
    """`标　　题：` → `标题`: labels are padded with spaces or U+3000 on gov.cn."""
    return _LABEL_PADDING_RE.sub("", text)


def _is_label(text: str) -> bool:
    """`normalize_label(text) in LABELS`, without normalizing in full a layout cell that holds the whole page:
    once its first characters leave more than a label's length, it cannot be one."""
    head = normalize_label(text[:_LABEL_PREFIX])
    if len(head) > _LONGEST_LABEL:
        return False
    return (head if len(text) <= _LABEL_PREFIX else normalize_label(text)) in LABELS


def is_debris(text: str) -> bool:
    return bool(_DEBRIS_RE.match(text))


# ---- HTML ---------------------------------------------------------------------------


def _parse_selector(selector: str) -> tuple[str | None, str | None, str | None]:
    """`tag#id` / `tag.class` / `#id` / `.class` → (tag, id, class)."""
    match = _SIMPLE_SELECTOR_RE.match(selector)
    if not match:
        raise ValueError(f"unsupported selector {selector!r}")
    return match.group("tag") or None, match.group("id"), match.group("cls")


_BODY_RULES = tuple(_parse_selector(s) for s in _BODY_SELECTORS)
_BODY_IDS = {rule[1] for rule in _BODY_RULES if rule[1]}
_BODY_CLASSES = {rule[2] for rule in _BODY_RULES if rule[2]}


_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Depths at which `_flatten_deep` stops nesting, tried in turn: far below libxml2's 2,048 levels,
#: so that its rough model of libxml2's tree building cannot reach the limit.
_FLATTEN_DEPTHS = (256, 16)
_TAG_TOKEN_RE = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)[^>]*>", re.S)
#: Elements whose content is text up to their end tag, never markup.
_RAW_TEXT_TAGS = frozenset(("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"))
_VOID_TAGS = frozenset(("area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
                        "link", "meta", "param", "source", "track", "wbr"))  # fmt: skip
#: libxml2's `htmlEndPriority`: an end tag never closes an element of higher priority to reach its own
#: (`</span>` inside an open `<div>` is ignored); 100 for all other elements.
_END_PRIORITY = {"div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180, "tfoot": 180,
                 "table": 190, "head": 200, "body": 200, "html": 220}  # fmt: skip
_STYLE_ATTR_RE = re.compile(r"""\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*))""", re.I)


def _tag(el: etree._Element) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def text_of(el: etree._Element) -> str:
    """The element's text content, as `"".join(el.itertext())` gives it, serialised by libxml2
    in one call: several times faster than iterating the subtree in Python."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _text_len(el: etree._Element) -> int:
    return len(clean_space(text_of(el)))


def _by_density(root: etree._Element) -> etree._Element:
    """The container whose paragraphs hold the most text that is not links (readability-style)."""
    scores: dict[etree._Element, float] = {}
    for el in root.iter("p", "td", "li", "pre", "div", "span", "font"):
        own = (el.text or "") + "".join(child.tail or "" for child in el)
        length = len(clean_space(own))
        if length < 15:
            continue
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + length
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0) + length / 2
    if not scores:
        return root
    best, best_score = root, 0.0
    for el, score in sorted(scores.items(), key=lambda kv: -kv[1])[:10]:
        total = _text_len(el) or 1
        links = sum(len(clean_space(text_of(a))) for a in el.iter("a"))
        adjusted = score * (1 - links / total)
        if adjusted > best_score:
            best, best_score = el, adjusted
    return best


def _find_body(root: etree._Element) -> etree._Element:
    """The first known selector (in priority order) that holds text; else the densest element."""
    candidates: list[etree._Element] = []
    for el in root.iter():
        el_id, el_class = el.get("id"), el.get("class")
        if (el_id and el_id in _BODY_IDS) or (el_class and not _BODY_CLASSES.isdisjoint(el_class.split())):
            candidates.append(el)
    for tag, el_id, el_class in _BODY_RULES:
        sized = [
            (el, _text_len(el))
            for el in candidates
            if (tag is None or el.tag == tag)
            and (el_id is None or el.get("id") == el_id)
            and (el_class is None or el_class in (el.get("class") or "").split())
        ]
        matches = [(el, length) for el, length in sized if length >= _MIN_BODY_CHARS]
        if matches:
            return max(matches, key=lambda match: match[1])[0]
    return _by_density(root)


@functools.lru_cache(maxsize=1024)
def _hides(style: str) -> bool:
    """Cached: pages converted from Word repeat a hundred style strings over thousands of elements."""
    return bool(_HIDDEN_STYLE_RE.search(style))


@functools.lru_cache(maxsize=1024)
def _emboldens(style: str) -> bool:
    return bool(_BOLD_STYLE_RE.search(style))


@functools.lru_cache(maxsize=1024)
def _names_noise(id_and_class: str) -> bool:
    return bool(_NOISE_ATTR_RE.search(id_and_class))


def _drop_noise(body: etree._Element) -> None:
    doomed = []
    for el in body.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            if isinstance(el, etree._Comment):
                doomed.append(el)
            continue
        if tag in _DROP_TAGS:
            doomed.append(el)
            continue
        style = el.get("style")
        if style and _hides(style):
            doomed.append(el)
            continue
        el_id, el_class = el.get("id"), el.get("class")
        if (el_id or el_class) and _names_noise(f"{el_id or ''} {el_class or ''}"):
            doomed.append(el)
    for el in doomed:
        _drop(el)


_SECOND = operator.itemgetter(1)  # a run's bold flag


class _BlockWriter:
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
        block_tags, drop_tags, heading_tags = _BLOCK_TAGS, _DROP_TAGS, _HEADING_TAGS
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
            elif tag == "tr" and (cells := _data_row(el)) is not None:
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
            if left.tag in _BLOCK_TAGS:  # type: ignore[union-attr] - `parent` is never left
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


_BOLD_TAGS = frozenset(("b", "strong"))


def _following(el: etree._Element, root: etree._Element) -> etree._Element | None:
    """The node after `el`'s subtree in `root.iter()` order; None when the subtree ends `root`."""
    while el is not root:
        after = el.getnext()
        if after is not None:
            return after
        el = el.getparent()
    return None


def _is_bold(el: etree._Element, tag: str) -> bool:
    if tag in _BOLD_TAGS:
        return True
    style = el.get("style")
    return bool(style) and _emboldens(style)


def _has_block_children(el: etree._Element) -> bool:
    """A block or br element below `el` (a plain loop: lxml's tag-filtered iteration costs more
    to set up for this many tags than it saves)."""
    for descendant in el.iterdescendants():
        tag = descendant.tag
        if tag in _BLOCK_TAGS or tag == "br":
            return True
    return False


def _data_row(row: etree._Element) -> list[str] | None:
    """The cell texts of a row of a real table (several plain cells); None for a row of a layout
    table, whose single cell holds paragraphs (its text is never joined: it can be the whole page)."""
    cells = [cell for cell in row if _tag(cell) in ("td", "th")]
    if len(cells) < 2 or any(_has_block_children(cell) for cell in cells):
        return None
    texts = [clean_space(text_of(cell)) for cell in cells]
    return texts if sum(1 for text in texts if text) > 1 else None


def _metadata_tables_in(body: etree._Element) -> list[etree._Element]:
    """Tables inside the body that are a 信息公开 metadata table (several label cells)."""
    tables = []
    for table in body.iter("table"):
        cells = [cell for row in islice(table.iter("tr"), 8) for cell in row if _tag(cell) in ("td", "th")]
        if sum(1 for cell in cells if _is_label(text_of(cell))) >= 3:
            tables.append(table)
    return tables


def _labelled_fields(root: etree._Element, body: etree._Element) -> dict[str, str]:
    """Metadata label → value pairs outside the body: table cells, `label：value` lines, dt/dd.

    A metadata table that a CMS placed inside the body counts too; it is removed from the body.
    """
    inner_tables = _metadata_tables_in(body)
    inner_rows = {row for table in inner_tables for row in table.iter("tr")}
    for table in inner_tables:
        _drop(table)
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
        cells = [c for c in row if _tag(c) in ("td", "th")]
        texts = [clean_space(text_of(c)) for c in cells]
        for i, text in enumerate(texts):
            if _is_label(text) and i + 1 < len(texts) and not _is_label(texts[i + 1]):
                put(text, texts[i + 1])
            elif (match := _LABEL_VALUE_RE.match(text)) and match.group(2):
                put(match.group(1), _before_next_label(match.group(2)))
    for dt_el in root.iter("dt"):
        dd = dt_el.getnext()
        if dt_el not in body_nodes and dd is not None and _tag(dd) == "dd":
            put(clean_space(text_of(dt_el)), text_of(dd))
    for el in root.iter("li", "p", "span", "div", "em", "label", "font", "b", "strong", "h2", "h3", "h4", "h5", "h6"):
        if el in body_nodes or len(el) > 8:
            continue
        text = clean_space(text_of(el))
        if not text or len(text) > 160:
            continue
        dated_source = _DATE_SOURCE_RE.match(text)
        if dated_source:
            put("发布时间", dated_source.group("date"))
        for part in _LABEL_SPLIT_RE.split(text):
            match = _LABEL_VALUE_RE.match(part)
            if match:
                put(match.group(1), match.group(2))
            elif _is_label(part):
                sibling = el.getnext()
                if sibling is not None and sibling not in body_nodes:
                    put(part, text_of(sibling))
    return found


def _before_next_label(text: str) -> str:
    """`_NEXT_LABEL_RE.split(text)[0]` without splitting the rest of a long cell."""
    match = _NEXT_LABEL_RE.search(text)
    return text[: match.start()] if match else text


def _meta_tags(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or el.get("http-equiv") or "").strip().lower()
        content = clean_space(el.get("content") or "")
        if name and content and name not in meta:
            meta[name] = content
    return meta


def _html_parser() -> etree.HTMLParser:
    """A parser of its own for each page, so that its error log is that page's.

    `huge_tree` raises libxml2's depth limit from 256 to 2,048 levels."""
    return etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)


def _hit_depth_limit(parser: etree.HTMLParser) -> bool:
    """libxml2 stops building the tree at its depth limit, dropping all the text after it, and
    says so only in the parser's error log (a fatal resource-limit error)."""
    return any(error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for error in parser.error_log)


def _parse_html(html: str) -> etree._Element | None:
    """The page's tree with all its text, however deep the markup nests.

    Word-exported pages leave hundreds of `<span>`/`<font>`/`<div>` unclosed; past libxml2's
    limit the rest of the page would silently vanish. Such a page is parsed again with the
    elements below a safe depth flattened (see `_flatten_deep`); the check is libxml2's own
    report, so ordinary pages pay nothing for it."""
    html = _XML_DECLARATION_RE.sub("", html, count=1)
    try:
        parser = _html_parser()
        root = etree.fromstring(html, parser)
        for depth in _FLATTEN_DEPTHS:
            if not _hit_depth_limit(parser):
                return root
            parser = _html_parser()
            root = etree.fromstring(_flatten_deep(html, depth), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"HTML could not be parsed: {exc}") from exc
    if _hit_depth_limit(parser):
        raise ParseError("HTML nests too deeply to be parsed without losing text")
    return root


def _flatten_deep(html: str, depth: int) -> str:
    """`html` with every element that would open below `depth` levels replaced by what it shows:
    a line break for a block element, nothing for an inline one, its text kept in place.

    Nesting is followed as libxml2 builds it from unclosed tags (an end tag closes the nearest open
    element of its name, unless an element of higher end priority lies between; raw-text elements
    are copied whole); libxml2's implied end tags are not modelled, which only makes the depth
    seen here larger. Bold markup among the flattened elements becomes one flat `<b>` per bold
    stretch, so bold lead headings are still found."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, bold) of each open element; those from `depth` on are flattened
    bold_open = 0  # flattened bold elements now open
    position = 0
    while match := _TAG_TOKEN_RE.search(html, position):
        out.append(html[position : match.start()])
        position = match.end()
        name = (match.group(2) or "").lower()
        if not name:  # a comment
            out.append(match.group())
        elif match.group(1):  # an end tag
            found = _open_index(stack, name)
            if found is None:  # libxml2 ignores it too
                out.append(match.group())
                continue
            for tag, bold in reversed(stack[max(found, depth) :]):  # flattened elements it closes
                bold_open -= bold
                if bold and not bold_open:
                    out.append("</b>")
                if tag in _BLOCK_TAGS:
                    out.append("<br>")
            if found < depth:
                out.append(match.group())
            del stack[found:]
        elif name in _VOID_TAGS:
            out.append(match.group())
        elif name in _RAW_TEXT_TAGS:
            end = re.compile(rf"</{name}\s*>", re.I).search(html, position)
            position = end.end() if end else len(html)
            out.append(match.group() + html[match.end() : position])
        elif len(stack) < depth:
            stack.append((name, False))
            out.append(match.group())
        else:
            bold = name in _BOLD_TAGS or _tag_emboldens(match.group())
            stack.append((name, bold))
            bold_open += bold
            if bold and bold_open == 1:
                out.append("<b>")
            if name in _BLOCK_TAGS:
                out.append("<br>")
    out.append(html[position:])
    return "".join(out)


def _open_index(stack: list[tuple[str, bool]], name: str) -> int | None:
    """Where the element an end tag `name` closes sits in `stack`; None when libxml2 ignores the tag."""
    priority = _END_PRIORITY.get(name, 100)
    for index in range(len(stack) - 1, -1, -1):
        tag = stack[index][0]
        if tag == name:
            return index
        if _END_PRIORITY.get(tag, 100) > priority:
            return None
    return None


def _tag_emboldens(start_tag: str) -> bool:
    """A start tag's `style` makes its text bold (as `_is_bold` reads it from the tree)."""
    match = _STYLE_ATTR_RE.search(start_tag)
    return bool(match) and _emboldens(next(value for value in match.groups() if value is not None))


def html_page(html: str) -> Page:
    """Parse HTML into the body blocks and the page's own metadata."""
    root = _parse_html(html)
    if root is None:
        raise ParseError("HTML has no elements")
    meta = _meta_tags(root)
    hints = []
    for el in root.iter("h1"):
        text = clean_space(text_of(el))
        if 4 <= len(text) <= 120:
            hints.append(text)
            break
    title_el = root.find(".//title")
    if title_el is not None and clean_space(text_of(title_el)):
        hints.append(clean_space(text_of(title_el)))
    for el in list(root.iter("script", "style", "noscript", "template")):
        _drop(el)
    body = _find_body(root)
    fields = _labelled_fields(root, body)
    _drop_noise(body)
    links = [len(clean_space(text_of(a))) for a in body.iter("a")]
    link_share = sum(links) / (_text_len(body) or 1) if len(links) >= _LISTING_MIN_LINKS else 0.0
    writer = _BlockWriter()
    writer.walk(body, bold=False)
    writer.flush()
    headline = hints[0] if len(hints) > 1 or (hints and title_el is None) else None
    return Page(_without_page_furniture(writer.blocks, fields), fields, meta, hints, headline=headline, link_share=link_share)


def _without_page_furniture(blocks: list[Block], fields: dict[str, str]) -> list[Block]:
    """Drop widget lines (`【打印】【关闭】`, `字号：大 中 小`) and the info lines some CMSs put at
    the top of the body (`发布时间：… 来源：… 浏览次数：…`), keeping the labelled values."""
    kept = []
    for index, block in enumerate(blocks):
        if _FURNITURE_LINE_RE.match(block.text) or _QR_PROMPT_RE.search(block.text):
            continue
        if index < 8 and not kept:  # info lines only lead the body
            dated_source = _DATE_SOURCE_RE.match(block.text)
            if dated_source:
                fields.setdefault("published_on", dated_source.group("date"))
                continue
            if _INFO_LINE_RE.match(block.text):
                for part in _LABEL_SPLIT_RE.split(block.text):
                    match = _LABEL_VALUE_RE.match(part)
                    key = LABELS.get(normalize_label(match.group(1))) if match else None
                    if key and key != "doc_number" and key not in fields and match.group(2).strip():
                        fields[key] = clean_space(match.group(2))
                if not _is_labelled(block.text, "doc_number"):
                    continue
        kept.append(block)
    return kept


def _is_labelled(text: str, key: str) -> bool:
    match = _LABEL_VALUE_RE.match(text)
    return bool(match and LABELS.get(normalize_label(match.group(1))) == key)


# ---- Markdown and plain text ----------------------------------------------------------

_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE_RE = re.compile(r"^(?:[-*_]\s*){3,}$")
_MD_BOLD_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: A tag has an ASCII name: `<中华人民共和国保险法>` in a law's header note is a title, not markup.
_HTML_TAG_RE = re.compile(r"</?[A-Za-z!][^<>\n]*>")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_URL_ONLY_RE = re.compile(r"^(?:<?https?://\S+>?\s*)+$", re.I)
_SOURCE_SECTION_RE = re.compile(r"^(?:原文链接|原文地址|来源链接|参考链接|相关链接|原文|来源|信息来源|参考资料|链接)[：:]?$")
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_QUOTE_LEAD_RE = re.compile(r"^>\s?")
_BULLET_LEAD_RE = re.compile(r"^[-*+]\s+(?!\d)")
_STRAY_BOLD_RE = re.compile(r"(?<!\*)\*\*(?!\*)")
_HTML_START_RE = re.compile(r"<(?:html|body|head|!doctype)\b")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    values = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t", "-")):
            values[key.strip().lower()] = value.strip().strip("\"'")
    return values, text[match.end() :]


def _markdown_lines(text: str) -> Iterator[tuple[str, bool]]:
    """(line, is_heading) for every content line; source-link sections are skipped."""
    skipping_level = 0
    for raw in _HTML_COMMENT_RE.sub("", text).splitlines():
        line = raw.strip()
        if not line or _MD_RULE_RE.match(line) or _TABLE_RULE_RE.match(line):
            continue
        heading = _MD_HEADING_RE.match(line)
        if heading:
            level, line = len(heading.group(1)), heading.group(2)
            if skipping_level and level > skipping_level:
                continue
            skipping_level = level if _SOURCE_SECTION_RE.match(clean_space(line)) else 0
            if skipping_level:
                continue
        elif skipping_level:
            continue
        line = _QUOTE_LEAD_RE.sub("", line)
        line = _BULLET_LEAD_RE.sub("", line)
        if line.startswith("|") and line.endswith("|"):
            line = " ".join(cell.strip() for cell in line.strip("|").split("|"))
        yield line, bool(heading)


def text_page(text: str) -> Page:
    """Plain text or Markdown (optionally with YAML front matter): one block per line."""
    front, body = _front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = []
    for line, heading in _markdown_lines(body):
        line = _MD_LINK_RE.sub(r"\1", _HTML_TAG_RE.sub("", line))
        if _URL_ONLY_RE.match(line):
            continue
        bolds = tuple(clean_space(a or b) for a, b in _MD_BOLD_RE.findall(line) if clean_space(a or b))
        plain = clean_space(_MD_BOLD_RE.sub(lambda m: m.group(1) or m.group(2), line))
        plain = _STRAY_BOLD_RE.sub("", plain)
        if plain and not is_debris(plain):
            blocks.append(Block(plain, bolds, heading))
    meta = {"articletitle": clean_space(front["title"])} if front.get("title") else {}
    return Page(blocks, {}, meta, [])


def looks_like_html(text: str, content_type: str | None = None) -> bool:
    """HTML (a page or a fragment) rather than plain text / Markdown that merely contains tags."""
    head = text.lstrip("\ufeff \t\r\n")[:4096].lower()
    if content_type and "html" in content_type.lower() and not head.startswith("---"):
        return True
    if _HTML_START_RE.search(head):
        return True
    if not head.startswith("<") or head.startswith(("<http://", "<https://")):
        return False
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    return sum(line.startswith("<") for line in lines) * 2 >= len(lines)
