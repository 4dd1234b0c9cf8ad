"""Page chrome: the lines a site prints around a document that are not the document.

Breadcrumbs (`您的位置: 首页 » …`), bylines (`作者: … 时间: … 浏览: 8552`), share/print/download
widgets, `【阅读全文】`, `返回顶部`, e-book viewer text (`发布时间:… | 杂志分类:…`, `长按二维码
查看电子书`) and document-site prefixes (`第一篇:`) are dropped wherever they stand, as whole
lines. In the page's header (the lines before the first sentence of text) the labelled lines
of a 信息公开 block are lifted into the page's fields, whether label and value share a line
(`索引号: … 组配分类: …`, `文      号:`) or stand on lines of their own (`• 发文字号:` ↵
`镇政发〔2024〕7号`); a web timestamp line (`• 2020-11-13 14:42`) is the publication date.
A byline's own `时间:` is when a portal posted its copy, never the document's date.
"""

from __future__ import annotations

import re

from tracker.core.parse.blocks import LABELS, Block, clean_space, normalize_label
from tracker.core.parse.dates import DATE

_BULLETS = "•·●▪■◆◇○◎►▶-*"
_BULLET_RE = re.compile(rf"^[{re.escape(_BULLETS)}]\s*")
_BREADCRUMB_RE = re.compile(r"^(?:您(?:当前)?的?(?:所在)?位置|当前位置|所在位置|位置)\s*[：:]|^首页\s*[>»›/＞]")
_BYLINE_LABELS = (
    "作者", "时间", "浏览", "浏览量", "浏览次数", "点击", "点击数", "点击量", "访问次数", "访问量", "阅读", "阅读次数",
    "阅读量", "来源", "信息来源", "文章来源", "责任编辑", "编辑", "审核", "录入", "字号", "下载地址", "分享到", "分享",
    "简介", "杂志分类", "粉丝", "打印", "更新时间",
)  # fmt: skip
_BYLINE_RE = re.compile(rf"^(?:{'|'.join(sorted(_BYLINE_LABELS, key=len, reverse=True))})\s*[：:]")
_WIDGET_RE = re.compile(
    r"^(?:【?(?:阅读全文|打印本页|关闭窗口|返回顶部|收藏本页|加入收藏|打印|关闭|返回)】?\s*)+$"
    r"|^(?:下载\s*\|\s*分享|免费制作|更多内容|文本内容|\[收起\]|\[展开\]|语音阅读正文|点击此处下载|下载本文)$"
    r"|^第[一二三四五六七八九十]+篇\s*[：:]"
    # links to other pages under an article, and social-media furniture
    r"|^(?:上一篇|下一篇|上一条|下一条|相关文件|相关解读|相关链接|相关阅读|相关稿件|政策解读|附件下载|相关附件|延伸阅读)\s*[：:]"
    r"|^(?:往期推荐|推荐阅读|点击(?:上方)?蓝字关注|点个[“\"]?在看[”\"]?|分享给更多人|阅读原文)"
)
#: Furniture recognised anywhere in a short line: QR prompts, and a 目录 entry's dotted leader.
_ANYWHERE_RE = re.compile("|".join(map(re.escape, ("二维码", "扫一扫", "扫码", "......", "…………", "······"))))
#: Whole lines of furniture by their start, or a byline's start (group `byline`), in one match.
_LINE_START_RE = re.compile(f"{_BREADCRUMB_RE.pattern}|{_WIDGET_RE.pattern}|(?P<byline>{_BYLINE_RE.pattern})")
#: A web timestamp: date and time of day, which no signed document carries.
_TIMESTAMP_RE = re.compile(rf"^(?P<date>{DATE})\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?$")
#: A bare date (optionally bracketed) as the first line of a page, above its title.
_TOP_DATE_RE = re.compile(rf"^[【\[（(]?\s*(?P<date>{DATE})\s*[】\]）)]?$")
_LABEL_VALUE_RE = re.compile(r"^\s*([^\s：:]{1,8}(?:\s+[^\s：:]{1,4}){0,4})\s*[：:]\s*(.*)$")
#: A place where another `label:` may begin: spaces, then up to a dozen characters and a colon.
_LABEL_START_RE = re.compile(r"(?<=\S)\s+(?=(?P<label>[^\s：:][^：:]{0,12}?)\s*[：:])")
_SENTENCE_END = ("。", "；", "！", "？")
#: Labels a page prints about its copy, not about the document (issuer is never a portal).
_PORTAL_FIELDS = {"来源", "信息来源"}
_HEADER_SCAN = 40
#: No line of furniture (a byline, a breadcrumb, a 目录 entry with its leader) is longer.
_CHROME_MAX_CHARS = 240
_LEADER_RE = re.compile(r"\.{6,}|…{3,}|·{6,}")
_SHORT_ENTRY_CHARS = 8


def is_chrome(text: str) -> bool:
    """A whole line of site furniture (see the module docstring)."""
    if len(text) > _CHROME_MAX_CHARS:  # furniture is short; body paragraphs are the bulk of a page
        return False
    line = _BULLET_RE.sub("", text) if text[:1] in _BULLETS else text
    if not line:
        return True
    start = _LINE_START_RE.match(line)  # a byline only when no furniture start matches
    if (start and start.lastgroup is None) or _ANYWHERE_RE.search(line):
        return True
    return bool(start) and _byline_only(line)


def _byline_only(line: str) -> bool:
    """Every `label:` of the line is a byline label (a 信息公开 label such as 发文字号 is a field)."""
    for part in _split_labels(line):
        match = _LABEL_VALUE_RE.match(part)
        if match and normalize_label(match.group(1)) in LABELS:
            return False
    return True


def strip_chrome(blocks: list[Block], fields: dict[str, str]) -> list[Block]:
    """The blocks without chrome; header labels and the web timestamp go into `fields`."""
    header_end = _header_end(blocks)
    kept: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if i < header_end:
            text = _BULLET_RE.sub("", block.text)
            taken = _lift_fields(blocks, i, header_end, fields)
            if taken:
                i += taken
                continue
            stamp = _TIMESTAMP_RE.match(text) or (None if kept else _TOP_DATE_RE.match(text))
            if stamp:  # a web timestamp, or a bare date above the title: when the page went up
                fields.setdefault("published_on", stamp.group("date"))
                i += 1
                continue
        if not is_chrome(block.text):
            kept.append(block)
        elif kept and _continued_entry(block.text) and not kept[-1].text.endswith(_SENTENCE_END):
            kept.pop()  # a 目录 entry broken over two lines: `…的实施意` ↵ `见........ 33`
        i += 1
    return kept


def _continued_entry(text: str) -> bool:
    """A table-of-contents line holding only the end of an entry before its leader."""
    leader = _LEADER_RE.search(text)
    return bool(leader) and len(text[: leader.start()].strip()) < _SHORT_ENTRY_CHARS


def _header_end(blocks: list[Block]) -> int:
    """Index of the first sentence of text: labels and timestamps are lifted only above it."""
    for index, block in enumerate(blocks[:_HEADER_SCAN]):
        if block.text.endswith(_SENTENCE_END) or ("。" in block.text and len(block.text) > 40):
            return index
    return min(len(blocks), _HEADER_SCAN)


def _lift_fields(blocks: list[Block], i: int, end: int, fields: dict[str, str]) -> int:
    """Blocks consumed from i as labelled fields: `label: value …` on one line, or a bare label
    line followed by its value line. 0 when block i is no field line."""
    text = _BULLET_RE.sub("", blocks[i].text)
    if _label_key(text) is not None:  # a bare label: its value is the next line unless that is a label too
        key = _label_key(text)
        following = _BULLET_RE.sub("", blocks[i + 1].text) if i + 1 < end else ""
        if following and _label_key(following) is None and not _LABEL_VALUE_RE.match(following) and key:
            _put(fields, key, following)
            return 2
        return 1
    parts = _split_labels(text)
    pairs = [_LABEL_VALUE_RE.match(part) for part in parts]
    if not pairs or not all(pairs):
        return 0
    keys = [(_label_key(m.group(1)) if m else None) for m in pairs]
    if not any(keys):
        return 0
    for match, key in zip(pairs, keys, strict=True):
        if match and key:
            _put(fields, key, match.group(2))
    return 1


def _split_labels(line: str) -> list[str]:
    """`信息分类: 通知   发布机构: …` → one part per label; a label may hold inner spaces
    (`文      号:`), so a split is made only before the text of a known label."""
    parts, start = [], 0
    for gap in _LABEL_START_RE.finditer(line):
        label = normalize_label(gap.group("label"))
        if label in LABELS or label in _BYLINE_LABELS:
            parts.append(line[start : gap.start()])
            start = gap.end()
    parts.append(line[start:])
    return parts


def _label_key(text: str) -> str | None:
    label = normalize_label(text)
    if label in _PORTAL_FIELDS or len(label) > 8:
        return None
    return LABELS.get(label)


def _put(fields: dict[str, str], key: str, value: str) -> None:
    value = clean_space(value)
    if value and key not in fields:
        fields[key] = value
