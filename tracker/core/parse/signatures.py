"""Signature blocks (issuer line(s) + date) and the organ names they are made of."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.core.parse.blocks import Block
from tracker.core.parse.clauses import match_marker
from tracker.core.parse.dates import DATE, is_date_only, parse_date
from tracker.core.parse.line_kinds import ORGAN_SPLIT_RE

_DATE_RE = re.compile(DATE)

_ORGAN_SUFFIX = (
    "人民政府", "政府", "办公厅", "办公室", "委员会", "委", "局", "厅", "部", "院", "署", "会", "中心", "办",
    "处", "所", "行", "司", "法院", "检察院", "党委", "省委", "市委", "区委", "县委", "总局", "管委会", "组",
)  # fmt: skip

_ISSUER_DATE_RE = re.compile(rf"^(?P<issuer>[\u4e00-\u9fff（）()、·\s]{{2,60}}?)\s*(?P<date>{DATE})$")

#: `总理 李克强`, `自治区主席 乌力吉`, or the office alone (`省长`) where the name was not reproduced.
_SIGNATORY_RE = re.compile(
    r"^[\u4e00-\u9fff]{0,4}?(?:总理|副总理|省长|市长|区长|县长|州长|主席|主任|部长|局长|厅长|书记)(?:\s*[\u4e00-\u9fff·]{2,5})?$"
)

_ORGAN_LINE_RE = re.compile(r"^[\u4e00-\u9fff（）()、·\s]{2,60}$")

#: Every date form ends in 日 or a digit: lines ending otherwise cannot end in a signature date.
_DATE_LAST_CHARS = frozenset("日0123456789０１２３４５６７８９")
#: How a line that ends a signature may end: its date, or a bracket around it (or a space).
_SIGNATURE_LAST_CHARS = _DATE_LAST_CHARS | frozenset("（）()")


@dataclass
class Signature:
    issuer_lines: list[str]
    date_text: str

    @property
    def issuer(self) -> str | None:
        lines = [line for line in self.issuer_lines if not _SIGNATORY_RE.match(line)]
        organs = [part for line in lines for part in ORGAN_SPLIT_RE.split(line) if part]
        return "、".join(organs) or None

    @property
    def text(self) -> str:
        return "\n".join([*self.issuer_lines, self.date_text])

    @property
    def date(self) -> dt.date | None:
        match = _DATE_RE.search(self.date_text)
        return parse_date(match.group(0)) if match else None


def _signature_at(blocks: list[Block], i: int) -> tuple[int, Signature] | None:
    """A signature ending at block i: (index of its first block, signature)."""
    if blocks[i].table:
        return None
    text = blocks[i].text
    if is_date_only(text):
        j = i
        while j > 0 and i - j < 3 and is_organ_line(blocks[j - 1].text):
            j -= 1
        return j, Signature([b.text for b in blocks[j:i]], text)
    match = _ISSUER_DATE_RE.match(text) if text.rstrip("\n")[-1:] in _DATE_LAST_CHARS else None
    if match and is_organ_line(match.group("issuer").strip()):
        return i, Signature([match.group("issuer").strip()], match.group("date"))
    return None


def is_organ(text: str) -> bool:
    """A name that ends like an organ of government (人民政府, 办公厅, 委员会, 局, …)."""
    return text.endswith(_ORGAN_SUFFIX)


def is_organ_line(text: str) -> bool:
    """A signature line: one or more organ names (or `总理 李克强`), nothing else."""
    if _SIGNATORY_RE.match(text):
        return True
    if len(text) > 60 or not _ORGAN_LINE_RE.match(text) or match_marker(text):
        return False
    return all(is_organ(part) for part in ORGAN_SPLIT_RE.split(text.strip()) if part)


def remove_signatures(blocks: list[Block]) -> tuple[list[Block], list[tuple[int, Signature]]]:
    """Body without signature blocks; each signature with the body index it stood at."""
    kept: list[Block] = []
    signatures: list[tuple[int, Signature]] = []
    for i, block in enumerate(blocks):
        last = block.text[-1:]  # a signature ends in its date, perhaps bracketed: most lines cannot
        found = _signature_at(blocks, i) if last in _SIGNATURE_LAST_CHARS or last.isspace() else None
        if found:
            first, signature = found
            drop = i - first
            if drop:
                del kept[len(kept) - drop :]
            signatures.append((len(kept), signature))
        else:
            kept.append(block)
    return kept, signatures
