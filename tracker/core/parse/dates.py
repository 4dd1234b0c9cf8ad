"""Dates as Chinese policy documents write them, and the validity phrases built on them.

Forms (DOMAIN.md §3): `2026年2月12日`, `2026 年 2 月 12 日`, full-width digits,
`二〇二五年十二月十二日`, `2025-12-12`, `2025.12.12`, `2025/12/12`. Chinese numerals are
converted only inside a matched date span with an explicit digit map: a general converter
such as cn2an also rewrites ordinary words (统一 → 统1), which must never happen here.

Validity phrases give the effective date and the *last valid day*: `有效期至D` → D;
`有效期从A至B` → A and B; `有效期三年` → the day before the third anniversary of the
effective date; `自印发之日起施行` → effective on the issue date, `自发布之日起施行` → on the
publication date (the issue date when the page does not say when it was published);
`本办法自D起废止` → the day before D. A period or end date counts only when the document
is the subject of its clause (`本办法…`, or no subject at all): `许可证有效期为3年` and
`《A》自D起废止` describe something else. Among several candidates, sentences about the
document itself and naming no other document win.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

_CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0, "0": 0,
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

_AR = "[0-9０-９]"
_CN = "[〇零○ＯOo一二三四五六七八九]"  # `二OO五年`: the letter O typed for 〇
_CN_SMALL = "[一二三四五六七八九十]"
ARABIC_DATE = rf"{_AR}{{4}}\s*年\s*{_AR}{{1,2}}\s*月\s*{_AR}{{1,2}}\s*日"
CHINESE_DATE = rf"{_CN}{{4}}\s*年\s*{_CN_SMALL}{{1,3}}\s*月\s*{_CN_SMALL}{{1,3}}\s*日"
NUMERIC_DATE = rf"(?<![0-9０-９.]){_AR}{{4}}\s*[-－./／]\s*{_AR}{{1,2}}\s*[-－./／]\s*{_AR}{{1,2}}(?![0-9０-９])"
#: Any single full date, without capture groups so that it can be embedded anywhere.
DATE = rf"(?:{ARABIC_DATE}|{CHINESE_DATE}|{NUMERIC_DATE})"
MONTH = rf"(?:{_AR}{{4}}|{_CN}{{4}})\s*年\s*(?:{_AR}{{1,2}}|{_CN_SMALL}{{1,3}})\s*月(?!\s*(?:{_AR}|{_CN_SMALL})+\s*日)"
YEAR_END = rf"(?:{_AR}{{4}}|{_CN}{{4}})\s*年\s*(?:底|末)"

_DATE_RE = re.compile(DATE)
#: Every date form ends in 日 or a digit: a cheap test that rules out most blocks before the regex.
_DATE_LAST_CHARS = frozenset("日0123456789０１２３４５６７８９")
#: What `is_date_only` allows after a date (with spaces): `（2024年1月5日）`.
_CLOSING_PARENS = "（）()"
_SPACE_OR_PAREN_RE = re.compile(r"[\s（）()]")
_PARTS_RE = re.compile(r"(\S+?)\s*[年\-－./／]\s*(\S+?)\s*[月\-－./／]\s*(\S+?)\s*日?$")
_MONTH_PARTS_RE = re.compile(r"(\S+?)\s*年\s*(\S+?)\s*月$")


def _cn_int(text: str) -> int | None:
    """A small number written in Arabic digits or Chinese numerals (up to 99), or None."""
    text = text.translate(_FULLWIDTH).strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        tens_value = _CN_DIGITS[tens] if tens else 1
        units_value = _CN_DIGITS[units] if units else 0
        return tens_value * 10 + units_value
    if len(text) == 1:
        return _CN_DIGITS[text]
    return None


def _year(text: str) -> int | None:
    text = text.translate(_FULLWIDTH).strip()
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    return None


def _make_date(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    if year is None or month is None or day is None or not 1900 <= year <= 2200:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def parse_date(span: str) -> dt.date | None:
    """One date span in any supported form → date; None when it is not a real date.

    Cached: a page gives the same few dates in its fields, signature, notes and sentences."""
    match = _PARTS_RE.match("".join(span.split()))
    if not match:
        return None
    return _make_date(_year(match.group(1)), _cn_int(match.group(2)), _cn_int(match.group(3)))


def parse_month_end(span: str) -> dt.date | None:
    """`2028年12月` → 2028-12-31 (last day of that month); `2027年底` → 2027-12-31."""
    compact = "".join(span.split())
    if compact.endswith(("年底", "年末")):
        return _make_date(_year(compact[:-2]), 12, 31)
    match = _MONTH_PARTS_RE.match(compact)
    if not match:
        return None
    year, month = _year(match.group(1)), _cn_int(match.group(2))
    if year is None or month is None or not 1 <= month <= 12:
        return None
    return _make_date(year, month, calendar.monthrange(year, month)[1])


def parse_any_date(span: str) -> dt.date | None:
    return parse_date(span) or parse_month_end(span)


def find_dates(text: str) -> list[tuple[int, int, dt.date]]:
    """Every full date in `text`: (start, end, date), in order."""
    found = []
    for match in _DATE_RE.finditer(text):
        value = parse_date(match.group(0))
        if value:
            found.append((match.start(), match.end(), value))
    return found


@functools.lru_cache(maxsize=4096)
def is_date_only(text: str) -> bool:
    """A block that is nothing but a date (a signature date line), parentheses allowed.

    Cached: the layout, paragraph joining and signature passes ask about the same lines."""
    last = text[-1:]
    if last not in _DATE_LAST_CHARS and not (last.isspace() or last in _CLOSING_PARENS):
        return False  # most lines: they end in neither a date nor what may follow one
    tail = text.rstrip()
    while tail and tail[-1] in _CLOSING_PARENS:
        tail = tail[:-1].rstrip()
    if not tail or tail[-1] not in _DATE_LAST_CHARS:
        return False
    stripped = _SPACE_OR_PAREN_RE.sub("", text)
    match = _DATE_RE.fullmatch(stripped)
    return bool(match and parse_date(match.group(0)))


def add_years_minus_one_day(start: dt.date, years: int = 0, months: int = 0) -> dt.date:
    """Last valid day of a period that starts on `start`: the day before the anniversary."""
    total = start.month - 1 + months
    year, month = start.year + years + total // 12, total % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:  # 29 February without a leap year: the period runs to month end
        return dt.date(year, month, last_day)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


# ---- validity phrases ------------------------------------------------------------

_ACT = r"(?:正式)?(?:施行|实施|执行|生效|试行|启用)"
_EXPLICIT_EFFECTIVE_RE = re.compile(rf"(?:自|于|从)\s*(?P<d>{DATE})\s*(?:起|开始)?\s*{_ACT}")
_EVENT_EFFECTIVE_RE = re.compile(
    rf"自\s*(?P<event>印发|发布|公布|颁布|下发|签发|公告|发文|发出|批准)之日起\s*(?:(?P<n>\d+)\s*日后)?\s*{_ACT}"
)
_RANGE_RE = re.compile(
    rf"有效期\s*(?:为|是)?\s*[：:]?\s*(?:自|从)?\s*(?P<a>{DATE})\s*(?:起)?\s*(?:至|到|—|－|-|～|~)\s*"
    rf"(?P<b>{DATE}|{MONTH}|{YEAR_END})"
)
_RUN_RANGE_RE = re.compile(
    rf"(?:自|从)\s*(?P<a>{DATE})\s*(?:起)?\s*(?:至|到)\s*(?P<b>{DATE}|{MONTH}|{YEAR_END})\s*(?:止)?\s*[，,]?\s*"
    rf"(?:施行|实施|执行|有效|试行)"
)
_UNTIL_RE = re.compile(
    rf"(?:有效期|执行期|实施期|施行期|执行期限|实施期限|有效期限)\s*(?:为|是|暂定)?\s*[：:]?\s*(?:至|到|截至)\s*"
    rf"(?P<b>{DATE}|{MONTH}|{YEAR_END})"
)
_RUN_UNTIL_RE = re.compile(
    rf"(?:施行|实施|执行|有效)\s*[，,]?\s*(?:至|到|截至)\s*(?P<b>{DATE}|{MONTH}|{YEAR_END})\s*(?:止|废止|失效|结束)?"
)
#: `本办法自2029年1月1日起废止` (last valid day: the day before) / `本办法2028年12月31日废止`.
_SELF_END_RE = re.compile(rf"(?P<from>自|从)?\s*(?:于|至)?\s*(?P<d>{DATE})\s*(?P<qi>起)?\s*(?:自动|同时|即行)?(?:废止|失效|停止执行|不再执行)")
_RELATIVE_RE = re.compile(
    r"(?:有效期|试行期|执行期|实施期)限?\s*(?:为|是|暂定为?)?\s*(?P<n>[0-9０-９]{1,2}|[一二两三四五六七八九十]{1,2})\s*(?P<unit>年|个月)"
)
_SELF_RE = re.compile(r"^(?:本|此|该)|(?:本|此)(?:措施|办法|意见|规定|细则|方案|计划|通知|决定|条例|规则|政策|文件|指引|准则|纲要|公告)")
_LEADING_MARKER_RE = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+条|[（(]?[一二三四五六七八九十\d]{1,3}[）).．、])\s*")
#: A sentence ends at one of these (or the text's end).
_SENTENCE_STOPS = "。；;！!？?\n"
_SENTENCE_STOP_RE = re.compile(f"[{_SENTENCE_STOPS}]")
_SUBJECT_TITLE_RE = re.compile(r"^《([^《》]+)》")
_PUBLISH_EVENTS = {"发布", "公布", "颁布", "公告"}
_ENDS_OTHER_RE = re.compile(r"废止|停止执行|失效|不再执行")
#: The words of a sentence that can state when the document takes effect or ends.
_VALIDITY_WORD_RE = re.compile(r"有效期|施行|实施|执行|生效|试行|启用")
#: Every phrase read below holds a date (年 or digits), `之日起` or a period (`N年`, `N个月`).
_STATES_WHEN_RE = re.compile(r"[年0-9０-９]|之日起|个月")


@dataclass(frozen=True)
class Validity:
    """What the document's own sentences say; `effective_from` is the anchor actually used
    (`effective_on` when given, else the text's), `*_evidence` the sentences they came from."""

    effective_from: dt.date | None = None
    expires_on: dt.date | None = None
    effective_evidence: str | None = None
    expires_evidence: str | None = None
    expires_derived: bool = False  # from a period (`有效期三年`), not a date in the text
    text_effective: dt.date | None = None  # what the text alone says, for provenance


def _is_own_subject(sentence: str, start: int) -> bool:
    """The sub-clause before `start` has no subject or is the document itself (本办法…)."""
    clause_start = max(sentence.rfind("，", 0, start), sentence.rfind(",", 0, start)) + 1
    subject = _LEADING_MARKER_RE.sub("", sentence[clause_start:start].strip())
    return not subject or subject.startswith(("本", "此", "该"))


def _sentence_score(sentence: str) -> int:
    score = 2 if _SELF_RE.search(sentence.strip()) else 0
    if "《" not in sentence:
        score += 1
    if "《" in sentence and _ENDS_OTHER_RE.search(sentence):
        score -= 3
    return score


#: (score, position, value, sentence)
_Found = tuple[int, int, dt.date, str]


def _best(candidates: list[_Found]) -> _Found | None:
    """Highest score wins; among equals the earliest in the text."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c[0], -c[1]))


def validity_from_text(
    text: str,
    *,
    issued_on: dt.date | None,
    published_on: dt.date | None,
    effective_on: dt.date | None = None,
    own_titles: frozenset[str] = frozenset(),
) -> Validity:
    """Effective date and last valid day stated by the document's own sentences.

    `effective_on` (a page field such as 施行日期, or a header note's 施行 line) wins over the
    text and anchors `有效期N年`.
    """
    effective: list[_Found] = []
    expires: list[_Found] = []
    relative: list[tuple[int, int, int, int, str]] = []  # score, position, years, months, sentence
    for pos, sentence in _validity_sentences(text):
        if not _STATES_WHEN_RE.search(sentence):
            continue
        score = _sentence_score(sentence)
        said = sentence.strip()
        if _about_another(said, own_titles):  # `《某条例》…自2024年3月1日起施行` in a notice about it
            continue
        for m in (*_RANGE_RE.finditer(sentence), *_RUN_RANGE_RE.finditer(sentence)):
            if m.re is _RANGE_RE and not _is_own_subject(sentence, m.start()):
                continue
            start, end = parse_date(m.group("a")), parse_any_date(m.group("b"))
            if start:
                effective.append((score, pos + m.start(), start, said))
            if end:
                expires.append((score + 1, pos + m.start(), end, said))
        for m in _EXPLICIT_EFFECTIVE_RE.finditer(sentence):
            value = parse_date(m.group("d"))
            if value:
                effective.append((score + 1, pos + m.start(), value, said))
        for m in _EVENT_EFFECTIVE_RE.finditer(sentence):
            base = published_on or issued_on if m.group("event") in _PUBLISH_EVENTS else issued_on or published_on
            if base:
                value = base + dt.timedelta(days=int(m.group("n") or 0))
                effective.append((score + 1, pos + m.start(), value, said))
        for regex in (_UNTIL_RE, _RUN_UNTIL_RE):
            for m in regex.finditer(sentence):
                value = parse_any_date(m.group("b"))
                if value and (regex is _RUN_UNTIL_RE or _is_own_subject(sentence, m.start())):
                    expires.append((score, pos + m.start(), value, said))
        if score >= 3 and _ENDS_OTHER_RE.search(sentence):  # only the document speaking of itself, naming no other document
            for m in _SELF_END_RE.finditer(sentence):
                value = parse_date(m.group("d"))
                if value and _is_own_subject(sentence, m.start()):
                    last_day = value - dt.timedelta(days=1) if m.group("from") or m.group("qi") else value
                    expires.append((score, pos + m.start(), last_day, said))
        for m in _RELATIVE_RE.finditer(sentence):
            n = _cn_int(m.group("n").replace("两", "二"))
            if n and _is_own_subject(sentence, m.start()):  # not `许可证有效期为3年`
                years, months = (n, 0) if m.group("unit") == "年" else (0, n)
                relative.append((score, pos + m.start(), years, months, said))
    text_effective = _best(effective)
    effective_from = effective_on or (text_effective[2] if text_effective else None)
    best_end = _best(expires)
    if best_end is not None:
        return Validity(effective_from, best_end[2], _said(text_effective), best_end[3], False, _value(text_effective))
    if relative:
        start = effective_from or issued_on or published_on
        if start:
            _, _, years, months, said = max(relative, key=lambda r: (r[0], -r[1]))
            end = add_years_minus_one_day(start, years, months)
            return Validity(effective_from, end, _said(text_effective), said, True, _value(text_effective))
    return Validity(effective_from, None, _said(text_effective), None, False, _value(text_effective))


def _validity_sentences(text: str) -> Iterator[tuple[int, str]]:
    """(start, sentence) of each sentence that says 有效期 or 施行/实施/…, in order.

    The next such word is searched for in the text and its sentence cut around it: going
    through every sentence of a long text costs more than the few that qualify."""
    end = 0
    word = _VALIDITY_WORD_RE.search(text)
    while word is not None:
        at = word.start()
        start = end  # after the last stop before the word
        for char in _SENTENCE_STOPS:
            found = text.rfind(char, start, at)
            if found != -1:
                start = found + 1
        stop = _SENTENCE_STOP_RE.search(text, word.end())
        end = stop.start() if stop else len(text)
        yield start, text[start:end]
        word = _VALIDITY_WORD_RE.search(text, end)


def _about_another(sentence: str, own_titles: frozenset[str]) -> bool:
    """The sentence's subject is another document: it starts with a 《title》 that is not this one."""
    subject = _SUBJECT_TITLE_RE.match(_LEADING_MARKER_RE.sub("", sentence))
    return bool(subject) and "".join(subject.group(1).split()) not in own_titles


def _said(found: _Found | None) -> str | None:
    return found[3] if found else None


def _value(found: _Found | None) -> dt.date | None:
    return found[2] if found else None
