"""The printed layout of an official document: header, notice wrapper, body, signature, attachments.

GB/T 9704 fixes the order: title (one or more lines), 文号, addressee (`各区、县（市）人民政府：`),
body, signature (issuer line(s) + date), notes (`（此件公开发布）`), attachments. A 印发
notice prints its short notice, its signature, then the measure it issues under the
measure's own title; a decree (`中华人民共和国国务院令 第707号`) does the same for the
regulation it promulgates. A compilation page prints several such headers one after
another; every title + 文号 (or title + issue note `（2023年5月6日…令第350号公布）`) header
followed by real text starts a new document, except the document a 转发/印发 notice
encloses. Page-break halves are re-joined here, before the signature and wrapper are
found, and a masthead (`XX人民政府办公室文件`) or compilation heading is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.core.parse.blocks import Block
from tracker.core.parse.clauses import match_marker
from tracker.core.parse.dates import is_date_only
from tracker.core.parse.header_note import HeaderNote, looks_like_note, parse_note
from tracker.core.parse.line_kinds import (
    ATTACHMENT_RE,
    BROKEN_NUMBER_RE,
    COLLECTION_RE,
    DECREE_NUMBER_RE,
    ORGAN_SPLIT_RE,
    SHORT_PAREN_RE,
    TITLE_DATE_RE,
    TITLE_END_RE,
    is_note,
    is_title_like,
    standalone_number,
)
from tracker.core.parse.paragraphs import join_broken_paragraphs
from tracker.core.parse.signatures import Signature, is_organ, is_organ_line, remove_signatures

#: The heading of a decree (`…令`) or of a congress announcement (`…常务委员会公告`) that promulgates a text.
_DECREE_TITLE_RE = re.compile(r"(?:令|公告)$")
_ADDRESSEE_RE = re.compile(r"(?:人民政府|政府|各|委|局|厅|部门|单位|办公室|机构|学校|公司|区|县|市|省|军区|院|会)")
_NOT_ADDRESSEE_RE = re.compile(r"如下|为了|为进一步|为加快|为深入|为贯彻|现就|现将|提出|制定|特此|通知|意见|根据|按照")
_WRAPPER_TITLE_RE = re.compile(r"(?:印发|发布|公布|转发|颁布|下发)[^。]*(?:通知|决定|令|公告)$")
_ENCLOSED_IN_TITLE_RE = re.compile(r"(?:印发|发布|公布|转发|颁布|下发)\s*《?(.+?)》?\s*的?(?:通知|决定|令|公告)$")
#: A repost's lead sentence (`…下发通知《关于印发…的通知》,其中附件:《…》内容如下:`): the document follows it.
_LEAD_RE = re.compile(r"《[^《》]+》.*(?:如下|全文|原文)\s*[:：]$")
#: A province before a city in an organ line (`福建省厦门市人民政府办公厅`): the city's organ is meant.
_PROVINCE_PREFIX_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:省|自治区)(?=[\u4e00-\u9fff]{1,8}?(?:市|州|盟|地区))")
_PLACE_RE = re.compile(r"^(?:中共|中国共产党)?(?P<place>[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|州|盟|县|区))")
_NATIONAL_PREFIX_RE = re.compile(r"^中华人民共和国")
#: `（2023年5月6日杭州市人民政府令第350号公布）`, `（2019年3月1日市政府第20次常务会议通过）`
_ISSUE_NOTE_RE = re.compile(r"^[（(][^（()）]{0,60}?(?:19|20)\d{2}\s*年[^（()）]{0,80}(?:发布|公布|通过|印发)[^（()）]{0,40}[）)]$")
#: How an issue note, a header note or a title date may start: a bracket, a tag, a date's first digit.
_HEAD_LINE_FIRST_CHARS = frozenset("（(【[0123456789０１２３４５６７８９〇零○ＯOo一二三四五六七八九")
_MASTHEAD_RE = re.compile(r"^[\u4e00-\u9fff、\s]{2,40}文件$")
_MAX_TITLE_LINES = 5
_SECTION_HEADING_CHARS = 6
_TITLE_CONTINUATIONS = ("的", "和", "及", "与", "、", "（", "(", "暨", "等", "之")
_TITLE_WRAP_RE = re.compile(r"(?<=[\u4e00-\u9fff“”《》（）])\s+(?=[\u4e00-\u9fff“”《》（）])")
_SPACE_OR_PAREN_RE = re.compile(r"[（()）\s]")


@dataclass
class Layout:
    title_lines: list[str] = field(default_factory=list)
    doc_number: str | None = None
    decree: bool = False
    decree_organs: list[str] = field(default_factory=list)  # who promulgates: `国家发展和改革委员会`, `商务部`
    addressee: str | None = None
    wrapper: list[Block] = field(default_factory=list)
    enclosed_title_lines: list[str] = field(default_factory=list)
    main: list[Block] = field(default_factory=list)
    attachments: list[tuple[str, list[Block]]] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    lead: str | None = None  # a repost's sentence introducing the document
    issuer_line: str | None = None  # an organ line under a reposted title (`福建省厦门市人民政府办公厅`)
    header_note: HeaderNote | None = None  # 题注: `2022年4月14日 …令第56号公布`, `（…通过 …批准）`


def join_title(lines: list[str]) -> str:
    """Title lines → one title; spaces between two CJK characters are line-wrap artefacts."""
    text = "".join(line.strip() for line in lines)
    return _TITLE_WRAP_RE.sub("", text).strip()


def _is_addressee(text: str) -> bool:
    """`各区、县（市）人民政府，市政府各部门：` — organs only, no sentence introducing a list."""
    if not text.endswith(("：", ":")) or len(text) > 400 or match_marker(text) or _NOT_ADDRESSEE_RE.search(text):
        return False
    return bool(_ADDRESSEE_RE.search(text))


def header_starts(blocks: list[Block]) -> list[int]:
    """Indices where a document header (title lines + standalone 文号 or issue note) begins.

    The document a 转发/印发 notice prints under its own header stays inside that notice.
    """
    starts: list[int] = []
    wrapped: str | None = None
    for i, block in enumerate(blocks):
        if i == 0 or not _heads_document(block.text):
            continue
        j = i
        while j > 0 and i - j < _MAX_TITLE_LINES and is_title_like(blocks[j - 1]):
            j -= 1
        if j == i or (starts and j <= starts[-1] + 2):
            continue
        title = "".join(join_title([b.text for b in blocks[j:i]]).split())
        if starts and wrapped and title.startswith(wrapped):
            continue
        if not _has_body(blocks, i + 1):  # a title/number pair in a list, not a document
            continue
        starts.append(j)
        wrapped = "".join((enclosed_name(title) or "").split()) or None
    return starts


def enclosed_name(title: str | None) -> str | None:
    """`…关于印发《X》的通知` / `…印发X的通知` → X."""
    if not title:
        return None
    match = _ENCLOSED_IN_TITLE_RE.search(title)
    return match.group(1).strip("《》 ") if match else None


def analyse(blocks: list[Block], known_title: str | None = None, fallback_title: str | None = None) -> Layout:
    """Split one document's blocks into header, wrapper, main text, signatures, attachments."""
    layout = Layout()
    blocks = [b for b in blocks if not is_note(b.text)]
    i = 0
    # 版头 `XX人民政府办公室文件`, or the heading of a compilation page
    while i < len(blocks) and i < 2 and (_MASTHEAD_RE.match(blocks[i].text) or COLLECTION_RE.search(blocks[i].text)):
        i += 1
    if i < len(blocks) and _LEAD_RE.search(blocks[i].text) and not match_marker(blocks[i].text):
        layout.lead = blocks[i].text
        i += 1
    if i < len(blocks) and standalone_number(blocks[i].text):
        layout.doc_number = standalone_number(blocks[i].text)
        i += 1
    i = _read_title(blocks, i, layout.title_lines)
    if i < len(blocks) and layout.doc_number is None:
        number = standalone_number(blocks[i].text)
        if number:
            layout.doc_number, i = number, i + 1
        elif layout.title_lines and _DECREE_TITLE_RE.search(layout.title_lines[-1]) and DECREE_NUMBER_RE.match(
            blocks[i].text
        ):
            layout.decree = True
            heading = _decree_heading(layout.title_lines)
            layout.title_lines = layout.title_lines[: len(layout.title_lines) - len(heading)]
            layout.decree_organs = [_NATIONAL_PREFIX_RE.sub("", line) for line in heading if is_organ(line)] or [
                _NATIONAL_PREFIX_RE.sub("", heading[-1][: -len(_DECREE_TITLE_RE.search(heading[-1]).group(0))])
            ]
            if heading[-1].endswith("令"):  # an announcement's number promulgates the text, it does not number it
                layout.doc_number = "".join(heading) + _SPACE_OR_PAREN_RE.sub("", blocks[i].text)
            i += 1
    notes: list[str] = []
    while i < len(blocks) and (looks_like_note(blocks[i].text) or TITLE_DATE_RE.match(blocks[i].text)):
        notes.append(blocks[i].text)
        i += 1
    layout.header_note = parse_note(notes)
    layout.title_lines, layout.issuer_line = _title_from_lines(layout.title_lines, layout.decree)
    i = _skip_repeated_title(blocks, i, layout)
    if i < len(blocks) and _is_addressee(blocks[i].text):
        layout.addressee = blocks[i].text
        i += 1
    while i < len(blocks) and is_date_only(blocks[i].text):  # a date line under the title is not a signature
        i += 1
    rest = join_broken_paragraphs(blocks[i:])
    body, signatures = remove_signatures(rest)
    layout.signatures = [s for _, s in signatures]
    title = known_title or join_title(layout.title_lines) or fallback_title
    is_wrapper = layout.decree or bool(_WRAPPER_TITLE_RE.search(title or ""))
    split = _wrapper_split(body, signatures, title) if is_wrapper else None
    offset = 0
    if split is not None:
        layout.wrapper = body[:split]
        while layout.wrapper and (m := ATTACHMENT_RE.match(layout.wrapper[-1].text)) and not m.group("rest"):
            layout.wrapper.pop()  # the bare `附件` label printed above the issued measure
        j = split
        label = ATTACHMENT_RE.match(body[j].text)
        if label and label.group("rest"):  # `附件：X办法` names the measure that follows
            layout.enclosed_title_lines.append(label.group("rest").strip("《》 "))
            j += 1
            if j < len(body) and "".join(body[j].text.split()) == "".join(label.group("rest").strip("《》 ").split()):
                j += 1
        j = _read_title(body, j, layout.enclosed_title_lines)
        notes = []
        while j < len(body) and looks_like_note(body[j].text):  # the promulgated text's own header note
            notes.append(body[j].text)
            j += 1
        layout.header_note = layout.header_note or parse_note(notes)
        if j < len(body) and standalone_number(body[j].text):  # a forwarded document's own 文号
            j += 1
        if j < len(body) and _is_addressee(body[j].text):
            j += 1
        body, offset = body[j:], j
    list_end = max((p for p, _ in signatures), default=0) - offset
    layout.main, layout.attachments = _split_attachments(body, list_end)
    return layout


def _skip_repeated_title(blocks: list[Block], i: int, layout: Layout) -> int:
    """Past the title printed again below the header (law databases and reposts print the formal
    header `title / 法释〔2023〕8号` again, sometimes after a garbled 文号), taking its 文号;
    `i` itself when the title does not repeat."""
    title = "".join(join_title(layout.title_lines).split())
    if not title:
        return i
    j = i + 1 if i < len(blocks) and BROKEN_NUMBER_RE.match(blocks[i].text) and len(blocks[i].text) <= 20 else i
    repeated: list[str] = []
    j = _read_title(blocks, j, repeated)
    if not repeated or "".join(join_title(repeated).split()) != title:
        return i
    if j < len(blocks) and layout.doc_number is None and standalone_number(blocks[j].text):
        layout.doc_number = standalone_number(blocks[j].text)
        j += 1
    return j


def _title_from_lines(lines: list[str], decree: bool) -> tuple[list[str], str | None]:
    """The title among the lines read as one, and an organ line printed with it.

    Reposts print the title several times around an organ line (`T / T / 辽宁省沈阳市人民政府 /
    T`), sometimes decorated (`鲁政发〔2014〕20号《T》`) or cut short; a site name stands above
    a title that names its own issuer (`怒江州人民政府` / `云南省民政厅办公室关于…`)."""
    if len(lines) < 2:
        return lines, None
    compact = ["".join(line.split()) for line in lines]
    for k, core in enumerate(compact):
        if len(core) < 6:
            continue
        others = [j for j in range(len(lines)) if j != k]
        repeats = [j for j in others if compact[j] == core or core in compact[j]]
        rest = [j for j in others if j not in repeats and not (core.startswith(compact[j]) and len(compact[j]) >= 6)]
        if repeats and all(is_organ_line(lines[j]) or _is_decree_header(lines[j]) for j in rest):
            organ = next((lines[j] for j in rest if is_organ_line(lines[j])), None)
            return [lines[k]], _PROVINCE_PREFIX_RE.sub("", organ) if organ else None
    rest = "".join(compact[1:])
    if not decree and is_organ_line(lines[0]) and _names_issuer(rest) and not _same_place(compact[0], rest):
        return lines[1:], None  # a site name; joint issuers of one place (中共X市委 / X市人民政府) stay
    return lines, None


def _same_place(organ: str, title: str) -> bool:
    """Both name the same place first (`中共杭州市委` and `杭州市人民政府关于…`)."""
    first, second = _PLACE_RE.match(organ), _PLACE_RE.match(title)
    return bool(first and second and first.group("place") == second.group("place"))


def _decree_heading(lines: list[str]) -> list[str]:
    """The heading lines of a decree at the end of the title lines: `商务部令`, or joint organs
    printed one per line above a lone `令`."""
    heading = [lines[-1]]
    while len(heading) < len(lines) and (heading[0] in ("令", "公告") or is_organ_line(heading[0])):
        previous = lines[-len(heading) - 1]
        if not is_organ_line(previous):
            break
        heading.insert(0, previous)
    return heading


def _is_decree_header(text: str) -> bool:
    """`内蒙古自治区人民政府令`: the heading of a decree."""
    return text.endswith("令") and is_organ(text[:-1])


def _names_issuer(title: str) -> bool:
    """The title starts with its own issuing organ (`云南省民政厅办公室关于…`)."""
    head = title.split("关于", 1)[0] if "关于" in title else ""
    return bool(head) and all(is_organ(part) for part in ORGAN_SPLIT_RE.split(head) if part)


def _heads_document(text: str) -> bool:
    """A line printed right under a document's title: its 文号, its header note, or its date."""
    if standalone_number(text):
        return True
    first = text[:1]  # asked of every line of a page: most start like none of the three
    if first not in _HEAD_LINE_FIRST_CHARS and not first.isspace():
        return False
    if "年" in text and (_ISSUE_NOTE_RE.match(text) or TITLE_DATE_RE.match(text)):  # both hold a year: 2023年
        return True
    return looks_like_note(text)


def _has_body(blocks: list[Block], start: int) -> bool:
    """A real paragraph follows within the next few blocks, before any further 文号 line."""
    for block in blocks[start : start + 6]:
        if _heads_document(block.text):
            return False
        if len(block.text) >= 30 and not block.table:
            return True
    return False


def _read_title(blocks: list[Block], i: int, lines: list[str]) -> int:
    """Append the title lines starting at block i; return the index after them."""
    while i < len(blocks) and len(lines) < _MAX_TITLE_LINES:
        block = blocks[i]
        if TITLE_DATE_RE.match(block.text) or (lines and not _continues_title(lines[-1], block.text)):
            break
        if not (is_title_like(block) or (lines and SHORT_PAREN_RE.match(block.text))):
            break
        lines.append(block.text)
        i += 1
    return i


def _continues_title(previous: str, text: str) -> bool:
    """After a line that ends like a whole title (`…实施办法`), only `的通知`-style or bracketed
    continuations belong to it: `说明`, `总则` below it are the text's first heading."""
    if not TITLE_END_RE.search(previous) or len(text) > _SECTION_HEADING_CHARS:
        return True
    return text.startswith(_TITLE_CONTINUATIONS)


def _wrapper_split(body: list[Block], signatures: list[tuple[int, Signature]], title: str | None) -> int | None:
    """Where the issued measure starts after the notice (or decree) text, if it is printed here."""
    name = "".join((enclosed_name(title) or "").split())
    signed_at = signatures[0][0] if signatures else 0
    for position in range(min(len(body), 40)):
        block = body[position]
        compact = "".join(block.text.split())
        if name and compact and (compact == name or (is_title_like(block) and name.startswith(compact) and len(compact) >= 6)):
            if position > 0 or not signatures:
                return position
        label = ATTACHMENT_RE.match(block.text)
        if name and label and position >= signed_at > 0 and "".join(label.group("rest").split()).strip("《》") == name:
            return position  # `附件：X办法` after the signature, then the measure itself
    if signatures:
        position = signatures[0][0]
        if 0 < position < len(body) and is_title_like(body[position]):
            return position
    return None


def _split_attachments(body: list[Block], list_end: int) -> tuple[list[Block], list[tuple[str, list[Block]]]]:
    """Main text and attachments; an attachment line before the signature only lists them (`附件`)."""
    main: list[Block] = []
    attachments: list[tuple[str, list[Block]]] = []
    for index, block in enumerate(body):
        match = ATTACHMENT_RE.match(block.text) if block.text.startswith("附") else None  # the pattern's first character
        if match and len(block.text) <= 80:
            number = "" if index < list_end else match.group("n")
            name = "附件" + number.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            first = [Block(match.group("rest"), block.bolds, True)] if match.group("rest") else []
            attachments.append((name, first))
        elif attachments:
            attachments[-1][1].append(block)
        else:
            main.append(block)
    return main, attachments
