"""Clean-up notices (规范性文件清理结果): the documents they repeal, confirm or amend.

A clean-up notice lists many documents at once, as HTML tables (a header row with
文件名称 / 文号, and either a 清理结果 / 处理意见 column or section headings such as
`一、废止的规范性文件（3件）` above or inside the table), as Markdown pipe tables, or as
plain numbered lists under the same headings. Every listed document becomes a `DocRef`
whose evidence names the verdict and the row, e.g. `清理结果：废止 —— 《…》（杭政〔2017〕66号）`.

Only a list item under a verdict heading, or a row of such a table, counts: a sentence that
merely uses the words (修改或废止不相适应的…, 在有效期内…) names no listed document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from tracker.core.model import DocRef, PolicyDocument
from tracker.core.parse.references import DOC_NUMBER_RE

REPEALS = "repeals"
CONFIRMS = "confirms"
AMENDS = "amends"

# Checked in order: 修改后继续有效 is an amendment, 宣布失效 a repeal, 继续有效 a confirmation.
_VERDICTS = (
    (AMENDS, re.compile(r"修改|修订")),
    (REPEALS, re.compile(r"废止|宣布失效|失效|停止执行|不再执行|停止施行")),
    (CONFIRMS, re.compile(r"继续有效|继续施行|继续执行|保留|^有效$")),
)
_BOOK_TITLE_RE = re.compile(r"《([^《》]+)》")
_NUMBERING_RE = re.compile(r"^\s*(?:#+\s*|附件\s*\d*\s*[：:]?\s*|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+\s*[.、．])\s*")
_HEADING_NOUN_RE = re.compile(r"文件|目录|清单|规章|名单|政策")
_HTML_RE = re.compile(r"<\s*(?:html|body|table|tr|td|p|div|br)\b", re.IGNORECASE)
_NAME_HEADERS = ("文件名称", "名称", "标题", "文件")
_NUMBER_HEADERS = ("文号", "字号", "编号")
_VERDICT_HEADERS = ("清理结果", "处理意见", "清理意见", "处理结果", "清理情况", "结果", "意见")
# Cheap test run on every page before the table pass: a clean-up notice always has a verdict
# column (清理结果), a verdict list heading (废止的规范性文件…) or a numbered verdict section
# (二、宣布失效). Each of them holds a trigger word, so only the places of those are looked at.
# They are found by their first character (a one-character `str.find` is several times faster
# than a regex scan); no trigger overlaps another, or itself, so each place is one trigger.
_NOTICE_TRIGGERS = ("清理结果", "处理意见", "清理意见", "处理结果", "废止", "失效", "继续有效", "继续施行", "修改", "保留")
_TRIGGERS_BY_FIRST = {
    first: tuple(word for word in _NOTICE_TRIGGERS if word[0] == first) for first in dict.fromkeys(w[0] for w in _NOTICE_TRIGGERS)
}
_VERDICT_COLUMNS = frozenset(("清理结果", "处理意见", "清理意见", "处理结果"))
_VERDICT_LIST_RE = re.compile(r"(?:废止|失效|继续有效|继续施行|修改|保留)的[^。\n<>]{0,10}(?:文件|规章|目录|清单|名单|政策)")
_SECTION_VERDICTS = frozenset(("废止", "失效", "继续有效", "修改"))  # and 宣布失效, found by its 失效
_SECTION_LEADS = ("决定", "予以")
_CN_NUMERALS = frozenset("一二三四五六七八九十")
_SECTION_RE = re.compile(r"^\s*(?:#+\s*|[一二三四五六七八九十]+、)")
_MAX_HEADING_CHARS = 40
_MAX_BARE_HEADING_CHARS = 6
_MAX_ITEM_REST_CHARS = 12
_EMPTY_PARENS_RE = re.compile(r"[（(]\s*[)）]")
_PIPE_RULE_CELL_RE = re.compile(r":?-{2,}:?")


@dataclass(frozen=True)
class _Columns:
    name: int
    number: int | None
    verdict: int | None


def cleanup_relations(html_or_text: str, *, title: str | None = None) -> tuple[list[DocRef], list[DocRef], list[DocRef]]:
    """The documents a clean-up notice repeals, confirms and amends, in the order listed.

    `title` (the notice's own title) only words the evidence; without it the evidence
    says 清理结果. Text that is not a clean-up notice gives three empty lists.
    """
    if not _looks_like_notice(html_or_text):
        return [], [], []
    source = f"《{title}》" if title else "清理结果"
    found: dict[str, list[DocRef]] = {REPEALS: [], CONFIRMS: [], AMENDS: []}
    seen: set[tuple[str, str | None, str | None]] = set()
    for kind, ref in _listed(html_or_text, source):
        key = (kind, ref.title, ref.doc_number_normalized)
        if key not in seen:
            seen.add(key)
            found[kind].append(ref)
    return found[REPEALS], found[CONFIRMS], found[AMENDS]


def _looks_like_notice(text: str) -> bool:
    """A verdict column word, `<verdict>的…文件`, or `<numeral>、[决定|予以]<verdict>` anywhere in the text.

    The trigger words are found first, then anchored tests run at each: a search for the whole
    pattern is several times slower on large pages."""
    for first, words in _TRIGGERS_BY_FIRST.items():
        start = text.find(first)
        while start >= 0:
            for word in words:
                if text.startswith(word, start):
                    if _triggers(text, word, start):
                        return True
                    break
            start = text.find(first, start + 1)
    return False


def _triggers(text: str, word: str, start: int) -> bool:
    """The trigger `word` at `start` heads a verdict column, a verdict list or a numbered verdict section."""
    if word in _VERDICT_COLUMNS or _VERDICT_LIST_RE.match(text, start):
        return True
    if word in _SECTION_VERDICTS:
        starts = [start]
        if word == "失效" and start >= 2 and text[start - 2 : start] == "宣布":
            starts.append(start - 2)
        if any(_numbered_section_before(text, s) for s in starts):
            return True
    return False


def _numbered_section_before(text: str, verdict_start: int) -> bool:
    r"""`[一…十]+、\s*(?:决定|予以)?` ends right before `verdict_start`."""
    if verdict_start >= 2 and text[verdict_start - 2 : verdict_start] in _SECTION_LEADS:
        if _numeral_and_comma_before(text, verdict_start - 2):
            return True
    return _numeral_and_comma_before(text, verdict_start)


def _numeral_and_comma_before(text: str, end: int) -> bool:
    r"""`[一…十]+、\s*` ends right before `end`."""
    j = end
    while j > 0 and text[j - 1].isspace():
        j -= 1
    return j >= 2 and text[j - 1] == "、" and text[j - 2] in _CN_NUMERALS


def with_cleanup_relations(doc: PolicyDocument, html_or_text: str) -> PolicyDocument:
    """`doc` with the notice's lists as its repeals, confirms and amends.

    The lists are authoritative for the documents they name: a reference the sentence
    parser found for the same document (by normalised number, else title) — a repeal
    without title, or a mere citation of a row — is replaced by the listed one.
    """
    repeals, confirms, amends = cleanup_relations(html_or_text, title=doc.title)
    listed = {_ref_key(ref) for ref in (*repeals, *confirms, *amends)}
    if not listed:
        return doc

    listed_titles = {ref.title for ref in (*repeals, *confirms, *amends) if ref.title}

    def others(refs: list[DocRef]) -> list[DocRef]:
        # `《A》等2件规范性文件予以废止` names by title what the table lists with its number
        return [ref for ref in refs if _ref_key(ref) not in listed and not (ref.title in listed_titles and not ref.doc_number)]

    return doc.replace(
        repeals=[*others(doc.repeals), *repeals],
        confirms=[*others(doc.confirms), *confirms],
        amends=[*others(doc.amends), *amends],
        cites=others(doc.cites),
    )


def _ref_key(ref: DocRef) -> str | None:
    return ref.doc_number_normalized or ref.title


def _listed(html_or_text: str, source: str) -> Iterator[tuple[str, DocRef]]:
    if not _HTML_RE.search(html_or_text):
        yield from _from_lines(html_or_text.splitlines(), source)
        return
    soup = BeautifulSoup(html_or_text, "lxml")
    for table in soup.find_all("table"):
        if table.find_parent("table") is None:
            yield from _from_rows(_html_rows(table), _heading_before(table), source)
    for table in soup.find_all("table"):
        table.decompose()
    yield from _from_lines(soup.get_text("\n").splitlines(), source)


def _verdict(text: str) -> str | None:
    for kind, pattern in _VERDICTS:
        if pattern.search(text):
            return kind
    return None


def _heading_verdict(line: str) -> tuple[str, str] | None:
    """(kind, heading text) when the line is a verdict heading such as `一、废止的规范性文件（3件）`."""
    text = line.strip()
    if not text or len(text) > _MAX_HEADING_CHARS or "《" in text or DOC_NUMBER_RE.search(text):
        return None
    bare = _NUMBERING_RE.sub("", text).strip(" ：:")
    kind = _verdict(bare)
    if kind is None:
        return None
    if not _HEADING_NOUN_RE.search(bare) and len(bare) > _MAX_BARE_HEADING_CHARS:
        return None
    return kind, _verdict_word(bare)


def _verdict_word(text: str) -> str:
    for _, pattern in _VERDICTS:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return text


def _heading_before(table: Tag) -> tuple[str, str] | None:
    """The verdict heading nearest above the table, outside any other table."""
    for string in table.find_all_previous(string=True):
        if string.find_parent("table") is not None:
            continue
        heading = _heading_verdict(str(string))
        if heading is not None:
            return heading
    return None


def _html_rows(table: Tag) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        rows.append([_clean(cell.get_text(" ")) for cell in tr.find_all(["td", "th"])])
    return rows


def _clean(text: str) -> str:
    return " ".join(text.split())  # U+3000 is whitespace too


def _columns(row: list[str]) -> _Columns | None:
    """The column layout when `row` is a header row (文件名称 + 文号 or a verdict column)."""

    def find(names: tuple[str, ...]) -> int | None:
        for name in names:
            for index, cell in enumerate(row):
                if name in cell.replace(" ", ""):
                    return index
        return None

    number = find(_NUMBER_HEADERS)
    verdict = find(_VERDICT_HEADERS)
    name = find(_NAME_HEADERS)
    if name is None or name in (number, verdict) or (number is None and verdict is None):
        return None
    return _Columns(name=name, number=number, verdict=verdict)


def _from_rows(rows: Iterable[list[str]], heading: tuple[str, str] | None, source: str) -> Iterator[tuple[str, DocRef]]:
    """Rows of one table: a header row first; section rows inside the table switch the verdict."""
    columns: _Columns | None = None
    for row in rows:
        cells = [cell for cell in row if cell]
        if columns is None:
            columns = _columns(row)
            if columns is None and len(cells) == 1:
                heading = _heading_verdict(cells[0]) or heading
            continue
        if len(cells) == 1 and _heading_verdict(cells[0]) is not None:
            heading = _heading_verdict(cells[0])
            continue
        verdict_text = _cell(row, columns.verdict)
        kind = _verdict(verdict_text) if verdict_text else None
        word = _verdict_word(verdict_text) if kind else None
        if kind is None and heading is not None:
            kind, word = heading
        ref = _row_ref(_cell(row, columns.name), _cell(row, columns.number))
        if kind is None or ref is None:
            continue
        yield kind, _with_evidence(ref, f"{source}：{word} —— {' | '.join(cells)}")


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _row_ref(name: str, number: str) -> DocRef | None:
    """The document a table row names; the number may sit in the name cell as `（…号）`."""
    match = DOC_NUMBER_RE.search(number) or DOC_NUMBER_RE.search(name)
    doc_number = match.group(0).strip() if match else None
    title = _title(name, doc_number)
    if not title and not doc_number:
        return None
    return DocRef(title=title or None, doc_number=doc_number)


def _title(text: str, doc_number: str | None) -> str:
    quoted = _BOOK_TITLE_RE.search(text)
    if quoted:
        return quoted.group(1).strip()
    if doc_number:
        text = text.replace(doc_number, "")
    text = _EMPTY_PARENS_RE.sub("", text)
    return _NUMBERING_RE.sub("", text).strip(" 。；;，,")


def _from_lines(lines: Iterable[str], source: str) -> Iterator[tuple[str, DocRef]]:
    """Numbered lists under verdict headings; Markdown pipe tables are read like HTML tables."""
    heading: tuple[str, str] | None = None
    table: list[list[str]] = []
    for line in [*lines, ""]:
        text = line.strip()
        if text.startswith("|"):
            cells = [_clean(cell) for cell in text.strip("|").split("|")]
            if not all(_PIPE_RULE_CELL_RE.fullmatch(cell) for cell in cells if cell):
                table.append(cells)
            continue
        if table:
            yield from _from_rows(table, heading, source)
            table = []
        if not text:
            continue
        new_heading = _heading_verdict(text)
        if new_heading is not None or _SECTION_RE.match(text):
            heading = new_heading
            continue
        ref = _item_ref(text) if heading is not None else None
        if heading is not None and ref is not None:
            yield heading[0], _with_evidence(ref, f"{source}：{heading[1]} —— {text}")


def _item_ref(text: str) -> DocRef | None:
    """The document a list item names: `1.《title》（number）` or `1. title（number）`, not a sentence."""
    if not _NUMBERING_RE.match(text) and not text.startswith("《"):
        return None
    quoted = _BOOK_TITLE_RE.search(text)
    number = DOC_NUMBER_RE.search(text)
    if quoted is None and number is None:
        return None
    if quoted is not None:
        rest = _NUMBERING_RE.sub("", text.replace(quoted.group(0), "").replace(number.group(0) if number else "", ""))
        if len(rest.strip(" （）()。；;，,、")) > _MAX_ITEM_REST_CHARS:
            return None
    return _row_ref(text, "")


def _with_evidence(ref: DocRef, evidence: str) -> DocRef:
    return DocRef(title=ref.title, doc_number=ref.doc_number, evidence=evidence)
