"""Metadata values from what a page declares: labelled table fields, `<meta>` tags, titles.

Labelled fields (gov.cn `table.bd1`, Hanweb 信息公开 tables) are what the publisher itself
recorded, so they win over anything guessed from the text; this module only turns
their strings into values (dates, a clean 文号, joint issuers joined by `、`).
"""

from __future__ import annotations

import datetime as dt
import re

from tracker.core.parse.dates import DATE, parse_date
from tracker.core.parse.layout import join_title
from tracker.core.parse.references import DOC_NUMBER, DOC_NUMBER_RE
from tracker.core.parse.signatures import is_organ

_DATE_RE = re.compile(DATE)
_TITLE_ISSUER_RE = re.compile(r"^(?P<issuer>[\u4e00-\u9fff、（）()]{2,80}?)(?:关于|印发|转发|公布|发布)")
#: Joint issuers printed side by side without 、 (`中共杭州市委杭州市人民政府关于…`).
_JOINT_ORGANS_RE = re.compile(
    r"(?:(?<=委员会)|(?<=人民政府)|(?<=[市省区县党]委)|(?<=办公[厅室]))"
    r"(?=中共|中国共产党|[\u4e00-\u9fff]{2,4}(?:省|市|区|县))"
)
_DOC_TYPE_RE = re.compile(r"(?:通知|办法|意见|规定|决定|方案|计划|细则|批复|条例|公告|通告|函|措施|规划|纲要|指引|规则|命令|令|决议|报告|准则|标准|目录|清单)")
_SITE_NAME_RE = re.compile(r"网站|门户|政府网|首页|欢迎")
_TRAILING_DATE_RE = re.compile(rf"\s*(?:{DATE})\s*(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?$")
_TITLE_SPLIT_RE = re.compile(r"\s*(?:_|\||｜|\s-\s|——\s)\s*")
_PUBLISHED_META = ("pubdate", "firstpublishedtime", "publishdate", "article:published_time", "dc.date", "publishtime")
_TITLE_NUMBER_RE = re.compile(rf"\s*[（(]\s*(?P<number>{DOC_NUMBER})\s*[）)]\s*$")
_NONE_VALUES = {"无", "暂无", "-", "—", "/", "空"}
_DIGIT_RE = re.compile(r"[0-9０-９]")
_ISSUER_SPLIT_RE = re.compile(r"[\s、，,；;]+")


def field_date(value: str | None) -> dt.date | None:
    """The first date in a field value (`2019年01月27日`, `2019-02-15-10:00:00`, …)."""
    if not value:
        return None
    match = _DATE_RE.search(value)
    return parse_date(match.group(0)) if match else None


def field_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if not value or value in _NONE_VALUES else value


def field_doc_number(value: str | None) -> str | None:
    value = field_text(value)
    if not value or not _DIGIT_RE.search(value):
        return None
    match = DOC_NUMBER_RE.search(value)
    return match.group(0).strip() if match else value


def field_issuer(value: str | None) -> str | None:
    """Joint issuers as one `、`-separated string, whatever the page separated them with."""
    value = field_text(value)
    if not value:
        return None
    parts = [p for p in _ISSUER_SPLIT_RE.split(value) if p]
    if len(parts) > 1 and all(is_organ(p) for p in parts):
        return "、".join(parts)
    return value


def issuer_from_title(title: str | None) -> str | None:
    """`国务院办公厅、中央军委办公厅关于…` → the issuing organs before 关于 / 印发."""
    if not title:
        return None
    match = _TITLE_ISSUER_RE.match(title)
    if not match:
        return None
    parts = [p for p in _JOINT_ORGANS_RE.sub("、", match.group("issuer")).split("、") if p]
    return "、".join(parts) if parts and all(is_organ(p) for p in parts) else None


def published_from_meta(meta: dict[str, str]) -> dt.date | None:
    for name in _PUBLISHED_META:
        value = field_date(meta.get(name))
        if value:
            return value
    return None


def clean_title(text: str | None) -> str | None:
    """A title from `<title>` / `<h1>`: site names after `_` or `|` cut, wrap spaces removed."""
    if not text:
        return None
    parts = [p for p in _TITLE_SPLIT_RE.split(text) if p]
    named = [p for p in parts if not _SITE_NAME_RE.search(p)] or parts  # `龙岩市人民政府门户网站 - 标题`
    if not named:
        return None
    best = named[0] if len(named[0]) >= 6 else max(named, key=len)
    return _TRAILING_DATE_RE.sub("", join_title([best])) or None  # `<h1>…通知<span>2024-02-20</span>`


def split_number_from_title(title: str) -> tuple[str, str | None]:
    """`关于…的通知（杭政办〔2024〕1号）` → (`关于…的通知`, `杭政办〔2024〕1号`)."""
    match = _TITLE_NUMBER_RE.search(title)
    if not match:
        return title, None
    return title[: match.start()].strip(), match.group("number").strip()


def best_title_hint(hints: list[str]) -> str | None:
    """The `<h1>`/`<title>` text most like a document title: one naming a document type wins;
    site names (`…门户网站`) never do."""
    cleaned = [t for t in (clean_title(h) for h in hints) if t and not _SITE_NAME_RE.search(t)]
    typed = [t for t in cleaned if _DOC_TYPE_RE.search(t)]
    return (typed or [t for t in cleaned if len(t) >= 10] or [None])[0]
