"""What one line of a document is: title-like, a note (`抄送：…`), an attachment label (`附件：`), a 文号 on its own.

Layout, paragraph joining and signature finding all ask these before they read structure.
"""

from __future__ import annotations

import functools
import re

from tracker.core.parse.blocks import Block
from tracker.core.parse.clauses import match_marker
from tracker.core.parse.dates import DATE, is_date_only
from tracker.core.parse.header_note import looks_like_note
from tracker.core.parse.references import DOC_NUMBER_RE

_TERMINAL = "。；;！!？?：:，,"


_TERMINAL_ENDINGS = tuple(_TERMINAL)


_NUMBER_LABEL_RE = re.compile(r"^(?:文号|发文字号|文件编号|发文号)\s*[：:]\s*")


#: The number under a decree's or announcement's heading: `第82号`, `（第82号）`, `2024年第23号`.
DECREE_NUMBER_RE = re.compile(r"^[（(]?\s*(?:(?:19|20)\d{2}\s*年\s*)?第\s*[0-9０-９]{1,5}\s*号\s*[）)]?$")


#: A note by how it starts (`（此件公开发布）`, `抄送：…`) …
_NOTE_HEAD_RE = re.compile(
    r"^[（(]\s*(?:此件|本文|此文|本件)[^）)]{0,12}[）)]$|^[（(]\s*联系(?:人|电话|方式)[^（()）]{0,60}[）)]$"
    r"|^(?:抄送|抄报|主送|公开方式|公开属性)[：:]"
)
#: … or by how it ends (`2024年1月5日印发`).
_NOTE_PRINTED_RE = re.compile(r"^(?:.{0,30}\s)?" + DATE + r"\s*印发$")


ATTACHMENT_RE = re.compile(r"^附\s*件\s*(?P<n>[0-9０-９]{0,2})\s*(?:[：:．.、]\s*|\s+|$)(?P<rest>.*)$")


SHORT_PAREN_RE = re.compile(r"^[（(][^（()）]{1,18}[）)]$")


#: A 文号 cut short in the copy (`广安区府办发〔202026`): never a line of the title.
BROKEN_NUMBER_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*(?:19|20)\d{2}[〕\]］)）]?\s*\d*$")


#: `（2022 年 10 月）` under a title: the month a policy of a compilation was issued.
TITLE_DATE_RE = re.compile(r"^[（(]\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*[）)]$")


TITLE_END_RE = re.compile(
    r"(?:通知|办法|意见|规定|决定|方案|计划|细则|批复|条例|公告|通告|措施|规划|纲要|指引|规则|准则|目录|清单|[（(][^（）()]*年(?:版|度)?[）)]|[（(](?:试行|暂行|修订|修正)[）)])$"
)


COLLECTION_RE = re.compile(r"汇编|选编|文件集")  # the heading of a compilation page, not a document title


ORGAN_SPLIT_RE = re.compile(r"[\s、]+")


#: Every `_NOTE_HEAD_RE` match starts with one of these: a cheap test before the regex.
_NOTE_STARTS = ("（", "(", "抄送", "抄报", "主送", "公开方式", "公开属性")


def standalone_number(text: str) -> str | None:
    """The 文号 when a block is nothing but a 文号 (optionally labelled)."""
    if "号" not in text:  # every 文号 ends in 号
        return None
    candidate = _NUMBER_LABEL_RE.sub("", text).strip()
    match = DOC_NUMBER_RE.fullmatch(candidate)
    return candidate if match else None


def is_title_like(block: Block) -> bool:
    text = block.text
    if len(text) > 80 or text.endswith(_TERMINAL_ENDINGS) or "。" in text:
        return False
    if text.startswith(("（", "(")) and text.endswith(("）", ")")) and not SHORT_PAREN_RE.match(text):
        return False
    if match_marker(text) or is_date_only(text) or standalone_number(text) or ATTACHMENT_RE.match(text):
        return False
    if DECREE_NUMBER_RE.match(text) or COLLECTION_RE.search(text) or TITLE_DATE_RE.match(text):
        return False
    if len(text) <= 20 and BROKEN_NUMBER_RE.match(text):
        return False
    return not is_note(text) and not looks_like_note(text)


@functools.lru_cache(maxsize=4096)
def is_note(text: str) -> bool:
    """`（此件公开发布）`, `抄送：…`, `2024年1月5日印发`: a note, not text of the document.

    Cached: the layout, paragraph joining and title tests ask about the same lines."""
    if text.startswith(_NOTE_STARTS) and _NOTE_HEAD_RE.match(text):
        return True
    return text.endswith(("印发", "印发\n")) and _NOTE_PRINTED_RE.match(text) is not None
