"""Numbering → clause paths, flattened in reading order.

Levels: `一、` → `（一）` → `1.`/`1、` → `（1）` → `①`, and `第X编/部分`, `第X章`, `第X节`,
`第X条` for laws and regulations. Which level nests in which is learnt from the order of
appearance (a stack): a marker kind already on the stack is a sibling there, a new kind is
one level deeper. A marker is accepted only when its number continues the sequence (1,
the next number at that level, or the next number after the last one of its kind, so
numbering that runs on across sections — `二/3.` then `三/4.` — works, and numbering that
restarts per section — seed 002's 附则 `五/1.` — works too); anything else is ordinary
text that happens to start with a number ("3、5年内…").

Paths join normalised labels: `二/（八）`, `第三章/第十二条`, `二/（一）/1.`. `1、` becomes
`1.` and ASCII parentheses become full-width so that a reformatted marker is not a change.
Text before the first marker is `序言` (`正文` when nothing is numbered); an unnumbered
closing statement after numbered clauses (`本办法自…起施行`, `本意见有效期…`,
`本…由…负责解释`) is `结语`; the notice wrapper of a 印发 notice and attachments are
separate segments whose paths are prefixed (`通知`, `通知/一`, `附件1/一`).

Headings: a bold lead (`**支持…**。…`), a Markdown/HTML heading, a marker line that stands
alone above its paragraphs (`（一）支持承担国家、省重点科技专项。`), or a short lead sentence
without commas (`1. 通用人工智能。加快…`). A clause's text is everything after its marker,
heading included, paragraphs joined by newlines.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from tracker.core.model import Clause
from tracker.core.parse.blocks import Block

_CN_NUMERAL = "[一二三四五六七八九十百零〇两]+"
_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_AFTER_LAW_MARKER = r"(?=\s|$|[^的之中和及、，,或与至])"

#: (kind, regex); the group `n` is the number, the match end is where the text starts.
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第\s*(?P<n>{_CN_NUMERAL}|\d+)\s*(?:编|部分){_AFTER_LAW_MARKER}\s*")),
    ("chapter", re.compile(rf"^第\s*(?P<n>{_CN_NUMERAL}|\d+)\s*章{_AFTER_LAW_MARKER}\s*")),
    ("section", re.compile(rf"^第\s*(?P<n>{_CN_NUMERAL}|\d+)\s*节{_AFTER_LAW_MARKER}\s*")),
    ("article", re.compile(rf"^第\s*(?P<n>{_CN_NUMERAL}|\d+)\s*条{_AFTER_LAW_MARKER}\s*")),
    # `一、二级医院…` enumerates numerals, it does not number a clause.
    ("cn", re.compile(rf"^(?P<n>{_CN_NUMERAL})\s*[、．.]\s*(?![一二三四五六七八九十]+[、级类档等])")),
    ("cn_paren", re.compile(rf"^[（(]\s*(?P<n>{_CN_NUMERAL})\s*[）)]\s*[、．.]?\s*")),
    # `1 通用人工智能` numbers a clause; `1 亿元以上`, `1 的比例` are a hard-wrapped line's figures.
    ("num", re.compile(r"^(?P<n>\d{1,3})\s*(?:[.．、](?![\d.．])|\s(?=[^\d\s年月日万亿千百元个%倍家项类名人次台套件位天周的以至到及和与或:：]))\s*")),
    ("num_paren", re.compile(r"^[（(]\s*(?P<n>\d{1,3})\s*[）)]\s*")),
    ("num_close", re.compile(r"^(?P<n>\d{1,3})\s*[）)]\s*")),
    ("circled", re.compile(rf"^(?P<n>[{_CIRCLED}])\s*")),
)
#: The marker kinds a block's first character can start, in `_MARKERS` order.
_MARKERS_BY_FIRST_CHAR: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    char: tuple((kind, regex) for kind, regex in _MARKERS if kind in kinds)
    for chars, kinds in (
        ("第", ("part", "chapter", "section", "article")),
        ("（(", ("cn_paren", "num_paren")),
        ("0123456789", ("num", "num_close")),
        ("一二三四五六七八九十百零〇两", ("cn",)),
        (_CIRCLED, ("circled",)),
    )
    for char in chars
}
_CLOSING_RE = re.compile(
    r"^本[\u4e00-\u9fff（）()]{1,12}?(?:(?:自|于|从)[^。]{0,40}(?:施行|实施|执行|生效|试行)|有效期|由[^。]{1,60}解释)"
)
_SENTENCE_END = "。；;！!？?"
_SENTENCE_END_RE = re.compile(f"[{_SENTENCE_END}]")
_SENTENCE_ENDINGS = tuple(_SENTENCE_END)
_LIST_INTRO_RE = re.compile(r"(?:下列|如下|以下|包括|是指|为)[^：:]*[：:]$")
_LEAD_SENTENCE_RE = re.compile(r"^([^。；;！!？?，,：:]{2,24})[。．]")
_LETTER_SPACING_RE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@functools.lru_cache(maxsize=512)
def cn_to_int(text: str) -> int | None:
    """`十二` → 12, `二十一` → 21, `一百零五` → 105; Arabic digits pass through.

    Cached: documents number their clauses with the same few numerals."""
    if text.isascii() and text.isdigit():
        return int(text)
    if text in _CIRCLED:
        return _CIRCLED.index(text) + 1
    total, current = 0, 0
    for char in text:
        if char in _CN_VALUES:
            current = _CN_VALUES[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


_LABELS = {
    "part": "第{}部分",
    "chapter": "第{}章",
    "section": "第{}节",
    "article": "第{}条",
    "cn": "{}",
    "cn_paren": "（{}）",
    "num": "{}.",
    "num_paren": "（{}）",
    "num_close": "{}）",
    "circled": "{}",
}


def _label(kind: str, raw: str) -> str:
    return _LABELS[kind].format(raw)


class Marker(NamedTuple):
    """The numbering a line starts with (a tuple: made for every numbered line, so made cheaply)."""

    kind: str
    number: int
    label: str
    rest: str


@functools.lru_cache(maxsize=4096)
def match_marker(text: str) -> Marker | None:
    """The numbering a block starts with, if any (sequence not checked here).

    Cached: the layout pass and the clause builder ask about the same lines several times."""
    markers = _MARKERS_BY_FIRST_CHAR.get(text[:1], ())
    for kind, regex in markers:
        match = regex.match(text)
        if match:
            number = cn_to_int(match.group("n"))
            if number is None or number == 0:
                return None
            return Marker(kind, number, _label(kind, match.group("n")), text[match.end() :].strip())
    return None


@dataclass
class _Draft:
    path: str
    lines: list[str]
    bolds: tuple[str, ...] = ()
    is_heading_block: bool = False
    numbered: bool = True
    kind: str | None = None
    depth: int = 0
    children: bool = False


def _strip_heading(text: str) -> str:
    """Heading without closing punctuation or the spaces of `总　则`-style letter spacing."""
    text = _LETTER_SPACING_RE.sub("", text)
    return text.strip().rstrip("。．.：:；;").strip()


def _heading(draft: _Draft) -> str | None:
    if not draft.lines:
        return None
    first = draft.lines[0]
    if not draft.numbered:
        return _strip_heading(first) if draft.is_heading_block and len(first) <= 60 else None
    if not first:
        return None
    for bold in draft.bolds:
        if len(bold) > 60:  # a whole paragraph set in bold is emphasis, not a heading
            continue
        if len(bold) >= 2 and first.startswith(bold):
            return _strip_heading(bold) or None
        marker = match_marker(bold)
        if marker and marker.rest and first.startswith(marker.rest):
            return _strip_heading(marker.rest) or None
    if draft.is_heading_block or draft.kind in ("part", "chapter", "section"):
        return _strip_heading(first) if len(first) <= 60 else None
    inner = first.rstrip(_SENTENCE_END + "：:")
    stands_alone = len(draft.lines) > 1 or draft.children
    if stands_alone and len(first) <= 50 and not _SENTENCE_END_RE.search(inner):
        if first.endswith(("：", ":")) and (_LIST_INTRO_RE.search(first) or len(first) > 20):
            return None
        return _strip_heading(first) or None
    lead = _LEAD_SENTENCE_RE.match(first)
    if lead and len(first) > lead.end() and draft.kind not in ("article",):
        return _strip_heading(lead.group(1))
    return None


def _has_body(draft: _Draft) -> bool:
    """More than a bare heading line such as `三、附则` (whose closing text belongs to it)."""
    return len(draft.lines) > 1 or len(draft.lines[0]) > 20 or draft.lines[0].endswith(_SENTENCE_ENDINGS)


@dataclass
class _Builder:
    prefix: str | None
    stack: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, number, path) of each open level
    last: dict[str, int] = field(default_factory=dict)
    drafts: list[_Draft] = field(default_factory=list)

    def open(self, marker: Marker, block: Block) -> bool:
        """Open the clause `marker` numbers, if its number continues the sequence (see the module
        docstring); False, and nothing changed, when it does not."""
        stack = self.stack
        for i, (kind, number, _) in enumerate(stack):
            if kind == marker.kind:
                if marker.number != number + 1:
                    return False
                del stack[i:]
                break
        else:
            if marker.number != 1 and marker.number != self.last.get(marker.kind, 0) + 1:
                return False
        parent = self.stack[-1][2] if self.stack else self.prefix
        path = f"{parent}/{marker.label}" if parent else marker.label
        self.stack.append((marker.kind, marker.number, path))
        self.last[marker.kind] = marker.number
        if self.drafts and self.drafts[-1].numbered and self.drafts[-1].depth < len(self.stack):
            self.drafts[-1].children = True
        self.drafts.append(
            _Draft(path, [marker.rest], block.bolds, block.heading, True, marker.kind, len(self.stack))
        )
        return True

    def text(self, block: Block) -> None:
        current = self.drafts[-1] if self.drafts else None
        if current is None:
            self.drafts.append(
                _Draft(self.prefix or "序言", [block.text], is_heading_block=bool(self.prefix and block.heading), numbered=False)
            )
        elif current.numbered and not self.prefix and _has_body(current) and _CLOSING_RE.match(block.text):
            self.stack.clear()
            self.drafts.append(_Draft("结语", [block.text], numbered=False))
        else:
            current.lines.append(block.text)


def build_clauses(segments: list[tuple[str | None, list[Block]]]) -> list[Clause]:
    """Clauses of every segment, in order; `None` prefix = the document's main text."""
    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    for prefix, blocks in segments:
        builder = _Builder(prefix)
        for block in blocks:
            marker = None if block.table else match_marker(block.text)  # a table's 序号 column numbers rows
            if marker is None or not builder.open(marker, block):
                builder.text(block)
        drafts = builder.drafts
        if prefix is None and len(drafts) == 1 and not drafts[0].numbered:
            drafts[0].path = "正文"
        for draft in drafts:
            text = "\n".join(filter(None, draft.lines))
            heading = _heading(draft)
            if not text and not heading:
                continue
            path = draft.path
            if path in seen:
                seen[path] += 1
                path = f"{path}#{seen[path]}"
            else:
                seen[path] = 1
            clauses.append(Clause(path, text, heading))
    return clauses
