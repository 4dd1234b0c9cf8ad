"""Documents named inside a document: which ones it repeals, amends, or only cites.

A reference is `《title》`, optionally followed by its 文号 in parentheses
(`《…》（杭政〔2017〕66号）`, the number belongs to that title), or a bare 文号.
A repeal needs both a lifecycle verb (同时废止, 停止执行, 予以废止, 不再执行, 宣布失效, …)
and a specific document named in the same sentence: either before the verb in a
sub-clause that is not a citation (`根据《…》`), or right after it (`废止《…》`), or in the
list that follows `下列文件同时废止：`. Sentences with the verb but no named document
("修改或废止不相适应的法律规范") repeal nothing. Verbs inside a title
(《国务院关于废止部分行政法规的决定》) are masked before matching. Amendments follow
the same rules with 修改/修订/删去/…, and so does repealing only part of a document
(`《A》第三条同时废止`): the document is amended, not repealed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.core.docnumber import normalize_doc_number
from tracker.core.model import DocRef
from tracker.core.parse.dates import DATE

_D = "[0-9０-９]"
_YEAR = rf"[〔\[［(（【〖]\s*(?:19|20|１９|２０){_D}{{2}}\s*[〕\]］)）】〗]"
_CODE = r"[\u4e00-\u9fffA-Za-z]{1,16}"
# Possessive runs (`{1,16}+`) never give back characters: a code is the whole run of letters
# right before the bracket (or ends in 令/公告), so backtracking could only fail again — slowly.
DOC_NUMBER = (
    rf"(?:{_CODE}+\s*{_YEAR}\s*第?\s*{_D}{{1,5}}\s*号"
    rf"|[\u4e00-\u9fff]{{1,17}}+(?:(?<=令第)|(?<=令)\s*[（(]?\s*第)\s*{_D}{{1,5}}\s*号\s*[）)]?"
    rf"|[\u4e00-\u9fff]{{1,18}}+(?:(?<=公告)|(?<=令))\s*(?:19|20){_D}{{2}}\s*年\s*第\s*{_D}{{1,5}}\s*号)"
)
DOC_NUMBER_RE = re.compile(DOC_NUMBER)
#: `normalize_doc_number`, cached: the own-number, merge and known-reference tests ask about the same numbers.
_number_key = functools.lru_cache(maxsize=1024)(normalize_doc_number)
_TITLE_RE = re.compile(r"《([^《》]{2,120})》")
_DOC_TYPE = r"(?:通知|意见|办法|规定|决定|方案|计划|细则|批复|条例|公告|通告|措施|规划|纲要|指引|规则|准则|标准|目录|清单|规程)"
#: A 文号 in parentheses; a title written without 《》 may stand right before it:
#: `杭州市人民政府关于X的通知（杭政〔2015〕3号）`.
_PAREN_NUMBER_RE = re.compile(rf"[（(]\s*(?P<number>{DOC_NUMBER})\s*[）)]")
_UNQUOTED_TITLE_RE = re.compile(rf"(?:关于|印发).*{_DOC_TYPE}$")
_TITLE_STOP = "，,。；;：:》“”\"　 "
_UNQUOTED_LEAD_RE = re.compile(
    r"^(?:根据|依据|依照|按照|参照|贯彻落实|贯彻|落实|执行|原|前发的?|此前印发的|此前|同时将?|将|对|现决定|决定|废止|以|经|\d{1,3}[.．、])+"
)
_PAREN_AFTER_RE = re.compile(r"\s*[（(]((?:[^（()）]|[（(][^（()）]{0,8}[）)]){0,80})[）)]")  # one nesting level: （浙政发（2015）12号）
# Words that never occur inside an issuer code (杭经信, 浙政办发 …): a greedy match that ran
# back into the sentence (`根据杭政…`, `年发布的市政府令…`) is cut after the last of them.
_BREAK_WORDS_RE = re.compile(
    r"根据|依据|依照|按照|参照|贯彻|落实|执行|印发|转发|下发|废止|前发|的|和|及|与|或|于|在|日|年|以|按|对|将|原|该|其"
)
_VERB_RE = re.compile(
    r"(?:同时|予以|即行|一并|自行|相应|均|即|现|决定)?(?:废止|废除|失效|撤销)"
    r"|停止(?:执行|施行|实施|使用)|不再(?:执行|施行|实施|适用)|宣布(?:失效|废止)"
)
_CITE_MARKER_RE = re.compile(r"^(?:根据|依据|依照|按照|参照|对照|结合|遵照|为(?:贯彻|落实|深入)|贯彻|落实|经)")
_SENTENCE_RE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?[”’」』]*")
_SUBCLAUSE_SPLIT_RE = re.compile(r"[，,]")
_ALIAS_RE = re.compile(r"(?:以下|下)简称\s*[“\"《]([^”\"》]{1,40})[”\"》]")
# `根据…第一次修订` in a regulation's history note tells how *this* text was revised.
_AMEND_VERB_RE = re.compile(
    r"修改为|修订为|改为|删去|删除|作如下修改|作出如下修改|予以修改|予以修订|进行修改|进行修订|(?<!次)修改|(?<!次)修订"
)
# `推动修订《…法》`, `适时废止…`: a plan to act later, not the act.
_PLAN_RE = re.compile(r"(?:推动|加快|研究|适时|启动|抓紧|配合|积极|推进|开展|完成|做好|建议|争取|及时|组织|协调|牵头)$")
#: `已被撤销的`, `废止的文件`: a verb describing a state (followed by 的), not an act.
_STATE_RE = re.compile(r"的|后|前|以后|之后|之前")  # `废止的文件`, `废止后`: a state or a time, not the act
#: `不予废止`, `已被撤销`, `已自动失效`, `拟废止`: a negation, a state already reached, or a plan.
_NOT_AN_ACT_RE = re.compile(r"(?:不予|不再|不得|未|不|被|拟|已(?:经)?(?:自动|依法)?|因[^，,。]{0,12}(?:届满|到期)[^，,。]{0,4})$")
_EARLIER_RE = re.compile(rf"{DATE}[^，。；;《》]{{0,80}}的\s*$")
_PROMULGATED_BY_RE = re.compile(r"\s*(?:公布|发布|印发|颁布|颁发|下发)?\s*的?\s*")
_HISTORY_NOTE_RE = re.compile(r"^[（(].*(?:发布|公布|通过|修订|修正)[^（()）]*[）)]$")
_PARTIAL_RE = re.compile(r"第[一二三四五六七八九十百零〇\d]+(?:条|款|项|章|节)|中(?:关于|有关)|的(?:有关|相关)?(?:规定|条款|内容|部分)")
_LIST_INTRO_RE = re.compile(
    r"(?:(?:下列|以下|如下).{0,20}(?:废止|失效|停止执行|不再执行)|(?:废止|宣布失效|停止执行|不再执行)(?:下列|以下|如下)).{0,12}[：:]\s*$"
)
#: Every `_LIST_INTRO_RE` match holds one of these verbs: paragraphs without any skip the regex.
_LIST_INTRO_VERB_RE = re.compile("废止|失效|停止执行|不再执行")
_NUMBER_BRACKET_RE = re.compile(r"[〔\[［(（【〖]|令|公告")
_TRAILING_CLOSE_RE = re.compile(r"[）)]$")
_LEADING_OPEN_RE = re.compile(r"^[（(]")
_LEADING_JOINER_RE = re.compile(r"^[和及与、，,\s]+")
_VERB_LEAD_RE = re.compile(r"\s*(?:了|下列|以下|如下)?\s*[：:]?\s*")
_CHAIN_GAP_RE = re.compile(r"\s*(?:、|，|,|和|及|与|以及)\s*")
_NAMES_ONLY_FILLER_RE = re.compile(r"[\s、，,和及与原前发的以下文件：:]")
_LIST_ITEM_FILLER_RE = re.compile(r"[\s\d（）().．、，,；;。和及与原前发的以下文件：:一二三四五六七八九十]")


@dataclass(frozen=True)
class _Found:
    ref: DocRef
    start: int
    end: int


def _clean_number(raw: str) -> str:
    """A 文号 as written, minus words a greedy match took from the sentence before it."""
    number = raw.strip()
    bracket = _NUMBER_BRACKET_RE.search(number)
    if bracket:
        prefix, rest = number[: bracket.start()], number[bracket.start() :]
        if "中华人民共和国" in prefix:
            return prefix[prefix.index("中华人民共和国") :] + rest
        breaks = list(_BREAK_WORDS_RE.finditer(prefix))
        trimmed = prefix[breaks[-1].end() :] if breaks else prefix
        number = (trimmed if trimmed else prefix[-4:]) + rest
    opened = number.count("（") + number.count("(")
    closed = number.count("）") + number.count(")")
    if closed > opened:
        number = _TRAILING_CLOSE_RE.sub("", number)
    elif opened > closed:
        number = _LEADING_OPEN_RE.sub("", number)
    return number.strip()


def find_doc_numbers(text: str) -> list[tuple[int, int, str]]:
    """Every 文号 in `text` as (start, end, number). Every form ends in 号, so only the short
    window before each 号 is searched: scanning long text position by position is slow."""
    found: list[tuple[int, int, str]] = []
    last_end = 0
    position = text.find("号")
    while position != -1:
        window_start = max(last_end, position - 48)
        for m in DOC_NUMBER_RE.finditer(text, window_start, min(len(text), position + 2)):
            if m.start() >= last_end:
                found.append((m.start(), m.end(), _clean_number(m.group(0))))
                last_end = m.end()
        position = text.find("号", position + 1)
    return found


def _references(sentence: str) -> list[_Found]:
    """Every document named in one sentence, with its span."""
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []
    for m in _TITLE_RE.finditer(sentence):
        end, number = m.end(), None
        paren = _PAREN_AFTER_RE.match(sentence, m.end())
        if paren:
            inner = DOC_NUMBER_RE.search(paren.group(1))
            if inner:
                number, end = _clean_number(inner.group(0)), paren.end()
                taken.append((m.end(), paren.end()))
        found.append(_Found(DocRef(title=m.group(1).strip(), doc_number=number), m.start(), end))
        taken.append((m.start(), m.end()))
    for m in _PAREN_NUMBER_RE.finditer(sentence) if "号" in sentence else ():
        if any(a <= m.start() < b for a, b in taken):
            continue
        end = m.start()
        start = max(0, end - 80)
        start = max([start, *(i + 1 for i in range(start, end) if sentence[i] in _TITLE_STOP)])
        start = max([start, *(b for a, b in taken if start < b <= end)])
        raw = _LEADING_JOINER_RE.sub("", sentence[start:end])
        title = _UNQUOTED_LEAD_RE.sub("", raw)
        if len(title) < 6 or not _UNQUOTED_TITLE_RE.search(title):
            continue
        found.append(_Found(DocRef(title=title, doc_number=_clean_number(m.group("number"))), end - len(title), m.end()))
        taken.append((end - len(title), m.end()))
    for start, end, number in find_doc_numbers(sentence) if "号" in sentence else ():
        if any(a <= start < b or a < end <= b for a, b in taken):
            continue
        found.append(_Found(DocRef(doc_number=number), start, end))
    return _merge_numbered_titles(sentence, sorted(found, key=lambda f: f.start))


def _merge_numbered_titles(sentence: str, found: list[_Found]) -> list[_Found]:
    """`…令第8号发布的《关于…的规定》` names one document: its number, then its title."""
    merged: list[_Found] = []
    for ref in found:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.ref.title is None
            and ref.ref.title is not None
            and ref.ref.doc_number is None
            and _PROMULGATED_BY_RE.fullmatch(sentence[previous.end : ref.start])
        ):
            both = DocRef(title=ref.ref.title, doc_number=previous.ref.doc_number)
            merged[-1] = _Found(both, previous.start, ref.end)
            continue
        merged.append(ref)
    return merged


def _mask_titles(sentence: str) -> str:
    return _TITLE_RE.sub(lambda m: "《" + "□" * len(m.group(1)) + "》", sentence)


def _acted_on(masked: str, refs: list[_Found], verb_re: re.Pattern[str], partial: bool | None) -> list[_Found]:
    """The references a lifecycle verb applies to: named in the verb's sub-clause chain
    (or listed right after it), not cited. `partial`: True = only where an article or part is
    named between document and verb (`《A》第三条同时废止`), False = never there, None = either.
    """
    if not refs:
        return []
    verbs = [
        v
        for v in verb_re.finditer(masked)
        if not _PLAN_RE.search(masked[max(0, v.start() - 6) : v.start()])
        and not _STATE_RE.match(masked, v.end())
        and not _NOT_AN_ACT_RE.search(masked[max(0, v.start() - 8) : v.start()])
    ]
    if not verbs:
        return []
    bounds = [0] + [m.end() for m in _SUBCLAUSE_SPLIT_RE.finditer(masked)] + [len(masked) + 1]
    chosen: list[_Found] = []
    for verb in verbs:
        after = masked[verb.end() :]
        lead = _VERB_LEAD_RE.match(after)
        lead_end = verb.end() + (lead.end() if lead else 0)
        for ref in refs:
            if ref in chosen:
                continue
            if partial is not True and (
                ref.start == lead_end or (ref.start >= verb.end() and _chained(masked, refs, ref, lead_end))
            ):
                chosen.append(ref)
                continue
            if ref.end > verb.start():
                continue
            # `根据…修订的《A》同时废止`, `…修订的《A》，同时废止`: a document right before the verb
            # is what it acts on, whatever introduced its sub-clause.
            if partial is not True and not masked[ref.end : verb.start()].strip(" ，,"):
                chosen.append(ref)
                continue
            sub_start = max(b for b in bounds if b <= ref.start)
            sub_end = min(b for b in bounds if b > ref.start)
            if _CITE_MARKER_RE.match(masked[sub_start:sub_end].strip()):
                continue
            names_part = bool(_PARTIAL_RE.search(masked[ref.end : verb.start()]))
            if partial is not None and names_part != partial:
                continue
            # The verb must belong to this sub-clause or to the one right after a
            # sub-clause that only names documents (`《A》（x号），自…起废止`).
            verb_clause_start = max(b for b in bounds if b <= verb.start())
            if verb_clause_start == sub_start or (
                verb_clause_start == sub_end and _names_only(masked[sub_start:sub_end], refs, sub_start)
            ):
                chosen.append(ref)
    return chosen


def _chained(masked: str, refs: list[_Found], ref: _Found, lead_end: int) -> bool:
    """`废止《A》、《B》和《C》`: refs joined only by 、/和/及/与 after the verb."""
    position = lead_end
    for other in refs:
        if other.start < lead_end:
            continue
        gap = masked[position : other.start]
        if other.start != lead_end and not _CHAIN_GAP_RE.fullmatch(gap):
            return False
        if other is ref:
            return True
        position = other.end
    return False


def _names_only(clause: str, refs: list[_Found], offset: int) -> bool:
    """A sub-clause that is nothing but document names (and words like 原/前发/以及)."""
    rest = clause
    for ref in sorted(refs, key=lambda r: -r.start):
        a, b = ref.start - offset, ref.end - offset
        if 0 <= a and b <= len(clause):
            rest = rest[:a] + rest[b:]
    return len(_NAMES_ONLY_FILLER_RE.sub("", rest)) <= 4


def _is_list_item(paragraph: str) -> bool:
    """`1.《L办法》（杭政〔2010〕1号）`: a line that names documents and (almost) nothing else."""
    refs = _references(paragraph)
    rest = _strip_refs(paragraph, refs)
    return bool(refs) and len(_LIST_ITEM_FILLER_RE.sub("", rest)) <= 4


def _strip_refs(text: str, refs: list[_Found]) -> str:
    for ref in sorted(refs, key=lambda r: -r.start):
        text = text[: ref.start] + text[ref.end :]
    return text


def _sentences(paragraph: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in _SENTENCE_RE.finditer(paragraph)]


@dataclass
class References:
    repeals: list[DocRef]
    cites: list[DocRef]
    amends: list[DocRef]


def _key(ref: DocRef) -> str:
    if ref.doc_number:
        return "#" + _number_key(ref.doc_number)
    return "《" + "".join((ref.title or "").split())


def _dedupe(refs: Iterable[DocRef]) -> list[DocRef]:
    """One entry per document; a title-only entry merges into a numbered one with that title."""
    result: dict[str, DocRef] = {}
    for ref in refs:
        key = _key(ref)
        title_key = "《" + "".join((ref.title or "").split())
        if ref.doc_number and title_key in result and ref.title:
            del result[title_key]
        if not ref.doc_number and any(r.title == ref.title for r in result.values() if r.title):
            continue
        if key in result:
            existing = result[key]
            if not existing.title and ref.title:
                result[key] = DocRef(ref.title, existing.doc_number or ref.doc_number, existing.evidence)
            continue
        result[key] = ref
    return list(result.values())


def extract_references(paragraphs: list[str], own: Iterable[str | None] = ()) -> References:
    """Repeals and citations in the document's paragraphs; `own` = its own titles and number."""
    own_keys = {"".join(o.split()) for o in own if o}
    own_numbers = {_number_key(o) for o in own if o and DOC_NUMBER_RE.fullmatch(o.strip())}
    aliases = {m.group(1) for p in paragraphs if "简称" in p for m in _ALIAS_RE.finditer(p)}
    repeals: list[DocRef] = []
    amends: list[DocRef] = []
    cites: list[DocRef] = []
    list_evidence: str | None = None

    def is_own(ref: DocRef) -> bool:
        if ref.doc_number:  # an earlier document of the same title has another number
            return _number_key(ref.doc_number) in own_numbers
        return bool(ref.title and ("".join(ref.title.split()) in own_keys or ref.title in aliases))

    for paragraph in paragraphs:
        # A document is named by 《title》 or by a 文号 (…号): most paragraphs name none.
        if "《" not in paragraph and "号" not in paragraph:
            list_evidence = paragraph.strip() if _is_list_intro(paragraph) else None
            continue
        if list_evidence and not _is_list_item(paragraph):
            list_evidence = None
        paragraph_refs = 0
        history_note = _HISTORY_NOTE_RE.match(paragraph.strip())
        for _, sentence in _sentences(paragraph):
            refs = _references(sentence) if "《" in sentence or "号" in sentence else []
            if not refs:
                continue
            paragraph_refs += len(refs)
            evidence = sentence.strip()
            if history_note:
                repealed, amended = [], []
            elif list_evidence:
                repealed, amended = refs, []
                evidence = f"{list_evidence}{evidence}"
            else:
                masked = _mask_titles(sentence)
                repealed = _acted_on(masked, refs, _VERB_RE, partial=False)
                amended = _acted_on(masked, refs, _AMEND_VERB_RE, partial=None) + _acted_on(
                    masked, refs, _VERB_RE, partial=True
                )
            for found in refs:
                ref = DocRef(found.ref.title, found.ref.doc_number, evidence)
                if is_own(ref) and not _earlier_version(sentence, found.start):
                    continue
                if found in repealed:
                    repeals.append(ref)
                elif found in amended:
                    amends.append(ref)
                else:
                    cites.append(ref)
        if list_evidence and paragraph_refs == 0:
            list_evidence = None
        if _is_list_intro(paragraph):
            list_evidence = paragraph.strip()
    repeals = _dedupe(repeals)
    amends = [a for a in _dedupe(amends) if not _known(a, repeals)]
    cites = [c for c in _dedupe(cites) if not _known(c, repeals + amends)]
    return References(repeals, cites, amends)


def _earlier_version(sentence: str, start: int) -> bool:
    """`1977年4月21日颁发的《X》同时废止`: a dated text of the document's own name is its earlier version."""
    return bool(_EARLIER_RE.search(sentence[:start]))


def _is_list_intro(paragraph: str) -> bool:
    """`下列文件同时废止：` — the paragraphs after it list repealed documents."""
    if ("：" not in paragraph and ":" not in paragraph) or not _LIST_INTRO_VERB_RE.search(paragraph):
        return False
    return bool(_LIST_INTRO_RE.search(_mask_titles(paragraph)))


def _known(ref: DocRef, among: list[DocRef]) -> bool:
    keys = {_key(r) for r in among} | {"《" + "".join(r.title.split()) for r in among if r.title}
    return _key(ref) in keys or bool(ref.title and "《" + "".join(ref.title.split()) in keys)
