"""The header note (题注) of laws, regulations and rules: who adopted, promulgated and amended
the text, and when it takes effect.

Printed under the title, one event per line (`2022年4月14日 国家市场监督管理总局令第56号公布`,
`2022年7月1日 施行`) or as one bracketed block (`（2017年8月24日…常务委员会第五次会议通过
2017年9月30日…批准）`, optionally tagged `【题注】`). Each event is a date, the body that
acted and a verb: 通过 (adopted), 批准 (approved by a higher body), 公布/发布/颁布 (promulgated),
施行/生效 (takes effect), 修正/修订 (amended). A verb counts only where its event ends: `…通过的
《决定》修正` is one amendment, not an adoption.

What the fields take (docs/parsing.md says the same):
- an un-amended text: issued_on = the adoption date (通过), else the promulgation date;
  published_on = the promulgation date; effective_from = the `施行` line; doc_number = the
  decree number (`…令第N号`) it was promulgated with; issuer = the body that adopted it
  (the approving body of a city regulation is not its issuer), else the promulgating one;
- an amended text (修正/修订, or adopted again) keeps its latest version: issued_on = the date
  of the last amendment, published_on = a promulgation on or after it, effective_from = a
  `施行` line on or after it (older ones belong to an earlier version), doc_number = the decree
  number of the last event when it carries one; issuer = the body of the first adoption.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.core.parse.dates import DATE, parse_date

ADOPTED, APPROVED, PROMULGATED, EFFECTIVE, AMENDED = "adopted", "approved", "promulgated", "effective", "amended"
_VERBS = {
    "通过": ADOPTED, "讨论通过": ADOPTED, "批准": APPROVED, "公布": PROMULGATED, "发布": PROMULGATED,
    "颁布": PROMULGATED, "公布施行": PROMULGATED, "发布施行": PROMULGATED, "施行": EFFECTIVE, "生效": EFFECTIVE,
    "起施行": EFFECTIVE, "起生效": EFFECTIVE, "修正": AMENDED, "修订": AMENDED, "修改": AMENDED,
}  # fmt: skip
_VERB_RE = re.compile("|".join(sorted(map(re.escape, _VERBS), key=len, reverse=True)))
#: Where an event ends: the verb is followed by nothing, a space, a closing bracket or punctuation.
_EVENT_END_RE = re.compile(r"(?=$|\s|[）)】\]，,；;。]|根据)")
_DATE_RE = re.compile(DATE)
_TAG_RE = re.compile(r"^【[^】]{1,4}】\s*")
_BRACKETS = "（(【[]】)）"
_TITLE_RE = re.compile(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》|<[^<>]*>|〈[^〈〉]*〉")
_DECREE_RE = re.compile(r"(?P<organ>[\u4e00-\u9fff、]{2,40}?)(?:令\s*第\s*(?P<n>[0-9０-９]{1,5})\s*号|第\s*(?P<n2>[0-9０-９]{1,5})\s*号令)")
_CONGRESS_RE = re.compile(
    r"(?P<place>[\u4e00-\u9fff]{0,12}?)第[一二三四五六七八九十百零〇\d]+届(?P<national>全国)?人民代表大会(?P<standing>常务委员会)?"
)
_STANDING_NOTICE_RE = re.compile(r"(?P<organ>[\u4e00-\u9fff]{2,20}?人民代表大会常务委员会)公告")
_COURT_RE = re.compile(r"(最高人民法院|最高人民检察院)")
_MEETING_RE = re.compile(r"(?P<organ>[\u4e00-\u9fff]{2,30}?)第[一二三四五六七八九十百零〇\d]+次(?:常务|全体)?会议")
_LEADING_WORDS_RE = re.compile(r"^(?:经|由|根据|并经)")
_ANNOUNCEMENT_RE = re.compile(r"(?P<organ>[\u4e00-\u9fff、]{2,40}?)公告")
#: A note line: starts with a date (or a bracket / tag before it) and holds an event verb.
_NOTE_START_RE = re.compile(rf"^(?:【[^】]{{1,4}}】\s*)?[（(【\[]?\s*(?:{DATE})")
_MAX_NOTE_CHARS = 600


@dataclass(frozen=True)
class NoteEvent:
    date: dt.date
    act: str  # ADOPTED | APPROVED | PROMULGATED | EFFECTIVE | AMENDED
    body: str | None  # the organ that acted, normalised (`上海市人民代表大会常务委员会`)
    number: str | None  # a decree number (`国家市场监督管理总局令第47号`)
    text: str  # the event as printed
    also_effective: bool = False  # `公布施行`


@dataclass(frozen=True)
class HeaderNote:
    events: tuple[NoteEvent, ...]
    text: str

    @property
    def amended(self) -> bool:
        adoptions = {e.date for e in self.events if e.act == ADOPTED}
        return any(e.act == AMENDED for e in self.events) or len(adoptions) > 1

    @property
    def version_date(self) -> dt.date | None:
        """The date of the text as printed: its adoption, or its latest amendment."""
        acts = (AMENDED, ADOPTED) if self.amended else (ADOPTED,)
        dates = [e.date for e in self.events if e.act in acts]
        if dates:
            return max(dates) if self.amended else min(dates)
        return self._first(PROMULGATED)

    @property
    def issued_on(self) -> dt.date | None:
        return self.version_date

    @property
    def published_on(self) -> dt.date | None:
        floor = self.version_date if self.amended else None
        dates = [e.date for e in self.events if e.act == PROMULGATED and (floor is None or e.date >= floor)]
        return max(dates) if self.amended and dates else (min(dates) if dates else None)

    @property
    def effective_from(self) -> dt.date | None:
        floor = self.version_date if self.amended else None
        dates = [
            e.date
            for e in self.events
            if (e.act == EFFECTIVE or e.also_effective) and (floor is None or e.date >= floor)
        ]
        return max(dates) if dates else None

    @property
    def doc_number(self) -> str | None:
        numbered = [e for e in self.events if e.number]
        if not numbered:
            return None
        if self.amended:
            last = max(self.events, key=lambda e: e.date)
            return last.number
        return numbered[0].number if len({e.number for e in numbered}) == 1 else None

    @property
    def issuer(self) -> str | None:
        for acts in ((ADOPTED,), (PROMULGATED, AMENDED)):
            for event in self.events:
                if event.act in acts and event.body:
                    return event.body
        return None

    def _first(self, act: str) -> dt.date | None:
        dates = [e.date for e in self.events if e.act == act]
        return min(dates) if dates else None


def looks_like_note(text: str) -> bool:
    """A header-note line or block: starts with a date and records an adoption, promulgation,
    approval, amendment or entry into force. Never a title, never a clause."""
    if len(text) > _MAX_NOTE_CHARS or not _NOTE_START_RE.match(text):
        return False
    return bool(note_events(text))


def note_events(text: str) -> list[NoteEvent]:
    """The events of one note line or block, in the order printed."""
    body = _TAG_RE.sub("", text.strip()).strip(_BRACKETS + " ")
    events: list[NoteEvent] = []
    start = 0
    for verb in _VERB_RE.finditer(body):
        if not _EVENT_END_RE.match(body, verb.end()):
            continue
        segment = body[start : verb.end()]
        start = verb.end()
        event = _event(segment, verb.group(0))
        if event is not None:
            events.append(event)
    return events


def parse_note(texts: list[str]) -> HeaderNote | None:
    """The header note printed as these lines, or None when they hold no event."""
    events = [event for text in texts for event in note_events(text)]
    if not events:
        return None
    return HeaderNote(tuple(events), "\n".join(texts))


def _event(segment: str, verb: str) -> NoteEvent | None:
    date_match = _DATE_RE.search(_TITLE_RE.sub(lambda m: "□" * len(m.group(0)), segment))
    if date_match is None:
        return None
    date = parse_date(date_match.group(0))
    if date is None:
        return None
    actor = segment[date_match.end() : len(segment) - len(verb)].strip()
    number = _decree_number(actor)
    act = _VERBS[verb]
    return NoteEvent(
        date=date,
        act=act,
        body=_body(actor),
        number=number,
        text=segment.strip(" ，,；;"),
        also_effective=verb.endswith("施行") and act == PROMULGATED,
    )


def _decree_number(actor: str) -> str | None:
    """`…令第N号` of one organ; a joint `A、B第4号令` is numbered by neither organ alone."""
    match = _DECREE_RE.search(_TITLE_RE.sub("", actor))
    if not match or match.group("n2"):
        return None
    return f"{match.group('organ')}令第{match.group('n')}号"


def _body(actor: str) -> str | None:
    """The organ named in an event (`第八届全国人民代表大会常务委员会第四次会议` →
    `全国人民代表大会常务委员会`); None when the event names none of its own."""
    actor = _LEADING_WORDS_RE.sub("", _TITLE_RE.sub("", actor)).strip(" 的")
    if not actor:
        return None
    congress = _CONGRESS_RE.search(actor)
    if congress:
        place = "全国" if congress.group("national") else congress.group("place")
        return f"{place}人民代表大会{congress.group('standing') or ''}"
    court = _COURT_RE.match(actor)
    if court:
        return court.group(1)
    decree = _DECREE_RE.search(actor)
    if decree and not decree.group("n2"):
        return decree.group("organ")
    notice = _STANDING_NOTICE_RE.search(actor) or _ANNOUNCEMENT_RE.match(actor)
    if notice:
        return notice.group("organ")
    meeting = _MEETING_RE.match(actor)
    if meeting:
        return meeting.group("organ")
    if re.fullmatch(r"[\u4e00-\u9fff、]{2,40}", actor):
        return actor
    return None
