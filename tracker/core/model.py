"""The values that flow between the pure steps (parse, diff, lifecycle) and the edges.

Plain dataclasses, no I/O: the parser returns them, storage persists them, the diff
and the lifecycle engine compare them, notifiers render them. Dates are `datetime.date`
in memory and `YYYY-MM-DD` strings in JSON (see `to_json`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Any

from tracker.core.docnumber import normalize_doc_number

_UNITS_RE = re.compile(r"[（(]\s*(?:责任|牵头|配合|推进|实施|主办|协办)单位[：:](?P<units>[^（）()]*)[）)]\s*$")
_UNIT_SPLIT_RE = re.compile(r"[、，,；;]|列第一位的为牵头单位|下同|(?:牵头|配合|推进|责任)单位[：:]")


class Status(str, enum.Enum):
    """A document's legal status on a date (DOMAIN.md §5)."""

    NOT_YET_EFFECTIVE = "not_yet_effective"
    IN_FORCE = "in_force"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REPEALED = "repealed"
    UNKNOWN = "unknown"

    @property
    def label_zh(self) -> str:
        return _STATUS_LABELS_ZH[self]

    @property
    def label(self) -> str:
        """Bilingual label for human output, e.g. `现行有效 in force`."""
        return f"{self.label_zh} {self.value.replace('_', ' ')}"


_STATUS_LABELS_ZH = {
    Status.NOT_YET_EFFECTIVE: "尚未生效",
    Status.IN_FORCE: "现行有效",
    Status.EXPIRING: "即将失效",
    Status.EXPIRED: "已失效",
    Status.REPEALED: "已废止",
    Status.UNKNOWN: "状态不明",
}


class PageKind(str, enum.Enum):
    """What a fetched page turned out to be when it is not a policy document."""

    CHALLENGE = "challenge"  # 瑞数 $_ts, 加速乐 __jsl_clearance, 412/521 bodies
    JS_SHELL = "js_shell"  # empty shell that needs JavaScript to show anything
    LOGIN = "login"
    EMPTY = "empty"
    NOT_A_POLICY = "not_a_policy"


@dataclass(frozen=True)
class DocRef:
    """A document named by another one: `《title》（doc_number）` as written.

    `evidence` is the sentence that names it, kept so a repeal can be shown with its proof.
    """

    title: str | None = None
    doc_number: str | None = None
    evidence: str | None = None

    @property
    def doc_number_normalized(self) -> str | None:
        return normalize_doc_number(self.doc_number) if self.doc_number else None

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "doc_number": self.doc_number}


@dataclass(frozen=True)
class Clause:
    """One numbered unit of a document, flattened in reading order.

    `path` joins the numbering of every enclosing level with `/` (e.g. `二/（八）`,
    `第三章/第十二条`); text without numbering (preamble) has the path `序言` / `正文`.
    """

    path: str
    text: str
    heading: str | None = None

    @property
    def units(self) -> list[str]:
        """Responsible units named in the trailing `（责任单位：…）`, in order."""
        match = _UNITS_RE.search(self.text)
        if not match:
            return []
        parts = (p.strip(" 。.") for p in _UNIT_SPLIT_RE.split(match.group("units")))
        return [p for p in parts if p]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "heading": self.heading, "text": self.text}


@dataclass(frozen=True)
class Provenance:
    """Where one metadata value came from, so a user can check it: `source` is `table` (the
    page's labelled fields), `meta` (`<meta>` / `<title>` / front matter), `header_note` (题注),
    `signature`, `text` (a sentence or line of the body) or `derived` (computed from another
    value, e.g. `有效期三年`); `snippet` is what it was read from. `others` keeps the values other
    evidence gave when they disagree, as (source, value, snippet), with the rule that chose."""

    source: str
    snippet: str | None = None
    others: tuple[tuple[str, str, str | None], ...] = ()
    rule: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "snippet": self.snippet}
        if self.others:
            data["others"] = [{"source": s, "value": v, "snippet": n} for s, v, n in self.others]
        if self.rule:
            data["rule"] = self.rule
        return data


@dataclass
class PolicyDocument:
    """A parsed policy document: metadata, references and the clause list.

    `title` is the document's own title (for a 通知 that 印发 a measure, the notice);
    `enclosed_title` keeps the title of the measure it issues. `validity` is the page's
    own 有效性 field (有效/失效/废止) when it has one — evidence for the lifecycle engine.
    `amends`/`confirms` come from amending documents and clean-up notices (修改 / 继续有效).
    """

    title: str
    doc_number: str | None = None
    issuer: str | None = None
    issued_on: dt.date | None = None
    published_on: dt.date | None = None
    effective_from: dt.date | None = None
    expires_on: dt.date | None = None
    repeals: list[DocRef] = field(default_factory=list)
    cites: list[DocRef] = field(default_factory=list)
    amends: list[DocRef] = field(default_factory=list)
    confirms: list[DocRef] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    enclosed_title: str | None = None
    validity: str | None = None
    index_number: str | None = None
    registration_number: str | None = None
    topic: str | None = None
    url: str | None = None
    provenance: dict[str, Provenance] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def doc_number_normalized(self) -> str | None:
        return normalize_doc_number(self.doc_number) if self.doc_number else None

    @property
    def text(self) -> str:
        """The body as clause texts joined by blank lines: what full-text search indexes."""
        return "\n\n".join(c.text for c in self.clauses)

    def metadata(self) -> dict[str, Any]:
        """The fields a metadata diff compares, dates as ISO strings."""
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issuer": self.issuer,
            "issued_on": _iso(self.issued_on),
            "published_on": _iso(self.published_on),
            "effective_from": _iso(self.effective_from),
            "expires_on": _iso(self.expires_on),
        }

    def to_json(self) -> dict[str, Any]:
        """The parsed-document JSON contract of DESIGN.md, plus the extra fields."""
        return {
            **self.metadata(),
            "doc_number_normalized": self.doc_number_normalized,
            "enclosed_title": self.enclosed_title,
            "validity": self.validity,
            "index_number": self.index_number,
            "registration_number": self.registration_number,
            "topic": self.topic,
            "repeals": [r.to_json() for r in self.repeals],
            "cites": [r.to_json() for r in self.cites],
            "amends": [r.to_json() for r in self.amends],
            "confirms": [r.to_json() for r in self.confirms],
            "clauses": [c.to_json() for c in self.clauses],
            "provenance": {name: p.to_json() for name, p in self.provenance.items()},
            "warnings": list(self.warnings),
        }

    def replace(self, **changes: Any) -> PolicyDocument:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class FigureChange:
    """A number that changed inside a modified clause: money, percentage, date, duration."""

    kind: str  # money | percent | date | duration | number
    old: str | None
    new: str | None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class InlineOp:
    """One run of a character-level diff: `equal`, `insert` or `delete`."""

    op: str
    text: str

    def to_json(self) -> list[str]:
        return [self.op, self.text]


@dataclass(frozen=True)
class ClauseChange:
    change: str  # added | removed | modified | moved
    old_path: str | None
    new_path: str | None
    old_text: str | None
    new_text: str | None
    inline: tuple[InlineOp, ...] = ()
    figures: tuple[FigureChange, ...] = ()
    heading: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "old_path": self.old_path,
            "new_path": self.new_path,
            "old_text": self.old_text,
            "new_text": self.new_text,
            "heading": self.heading,
            "inline": [op.to_json() for op in self.inline],
            "figures": [f.to_json() for f in self.figures],
        }


@dataclass(frozen=True)
class FieldChange:
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new}


@dataclass
class ClauseDiff:
    """What changed between two versions of one document."""

    from_version: int | None
    to_version: int | None
    metadata: dict[str, FieldChange] = field(default_factory=dict)
    clauses: list[ClauseChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.metadata and not self.clauses

    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "modified": 0, "moved": 0}
        for change in self.clauses:
            counts[change.change] += 1
        return counts

    def summary(self) -> str:
        """One line for `tracker history` and alert titles, e.g. `1 modified, 1 added; expires_on`."""
        parts = [f"{n} {kind}" for kind, n in self.counts().items() if n]
        text = ", ".join(parts) if parts else "no clause changes"
        if self.metadata:
            text += "; " + ", ".join(sorted(self.metadata))
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "metadata": {k: v.to_json() for k, v in self.metadata.items()},
            "clauses": [c.to_json() for c in self.clauses],
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
