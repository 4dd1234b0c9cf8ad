"""An event as a person reads it: the render-ready value every channel formats.

Built from an Event row, its Document and the Event's payload (written by other parts
of the pipeline), it tolerates missing payload keys so one odd event never blocks an
outbox. `alert_from_rows` is pure; `storage.alert_rows` reads the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from tracker.core.events import event_kind
from tracker.core.model import Status

CHANGE_LABELS: dict[str, str] = {"added": "新增", "removed": "删除", "modified": "修改", "moved": "移动"}


def status_label(status: str | None) -> str | None:
    """`现行有效 in force` for a known status, the raw value otherwise."""
    if not status:
        return None
    try:
        return Status(status).label
    except ValueError:
        return status


@dataclass(frozen=True)
class FigureLine:
    """A number that changed inside a clause, e.g. 500万元 → 300万元."""

    old: str | None
    new: str | None
    kind: str | None = None


@dataclass(frozen=True)
class ClauseLine:
    """One changed clause: where it is, its text, and the runs deleted and inserted in it."""

    change: str
    path: str
    old_text: str | None = None
    new_text: str | None = None
    deleted: tuple[str, ...] = ()
    inserted: tuple[str, ...] = ()
    figures: tuple[FigureLine, ...] = ()
    inline: tuple[tuple[str, str], ...] = ()  # (equal | delete | insert, text) runs of the whole clause

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS.get(self.change, self.change)

    @property
    def redline(self) -> tuple[tuple[str, str], ...]:
        """The clause's inline diff as people read it: every change in place, with a little
        unchanged text around it and the rest cut to '…'. Empty when the event has no runs
        (recorded before they were kept)."""
        return redline_runs(self.inline)


REDLINE_CONTEXT = 24


def redline_runs(runs: tuple[tuple[str, str], ...], context: int = REDLINE_CONTEXT) -> tuple[tuple[str, str], ...]:
    """Unchanged runs cut to `context` characters next to each change (both ends between two)."""
    if not any(op != "equal" for op, _text in runs):
        return ()
    kept = []
    last = len(runs) - 1
    for index, (op, text) in enumerate(runs):
        if op == "equal":
            after_change, before_change = index > 0, index < last
            if after_change and before_change and len(text) > 2 * context:
                text = text[:context] + "…" + text[-context:]
            elif after_change and not before_change and len(text) > context:
                text = text[:context] + "…"
            elif before_change and not after_change and len(text) > context:
                text = "…" + text[-context:]
        kept.append((op, text))
    return tuple(kept)


@dataclass(frozen=True)
class DocumentLink:
    """Another document named by an alert (the one that repeals this one)."""

    title: str | None
    doc_number: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Alert:
    """Everything a message about one event shows. Text fields are untrusted page text."""

    kind: str
    occurred_at: dt.datetime
    title: str
    event_id: int | None = None
    document_id: int | None = None
    url: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    status: str | None = None
    source: str | None = None
    summary: str | None = None
    changes: tuple[ClauseLine, ...] = ()
    status_from: str | None = None
    status_to: str | None = None
    reason: str | None = None
    evidence: str | None = None
    days_left: int | None = None
    expires_on: str | None = None
    effective_from: str | None = None
    issued_on: str | None = None
    validity: str | None = None
    repealed_by: DocumentLink | None = None
    error: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind_zh(self) -> str:
        return event_kind(self.kind).label

    @property
    def kind_en(self) -> str:
        return event_kind(self.kind).label_en

    @property
    def kind_label(self) -> str:
        return f"{self.kind_zh} {self.kind_en}"

    @property
    def status_label(self) -> str | None:
        return status_label(self.status)

    @property
    def status_from_label(self) -> str | None:
        return status_label(self.status_from)

    @property
    def status_to_label(self) -> str | None:
        return status_label(self.status_to)

    @property
    def figures(self) -> tuple[FigureLine, ...]:
        return tuple(f for c in self.changes for f in c.figures)

    @property
    def searchable_text(self) -> str:
        """Title and changed clause text: what subscription keywords are matched against."""
        parts = [self.title, self.doc_number or ""]
        for change in self.changes:
            parts += [change.old_text or "", change.new_text or ""]
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The stable webhook representation (docs/webhook-schema.md)."""
        document = None
        if self.document_id is not None or self.url:
            document = {
                "id": self.document_id,
                "url": self.url,
                "title": self.title,
                "doc_number": self.doc_number,
                "issuer": self.issuer,
                "status": self.status,
                "status_label": self.status_label,
            }
        return {
            "event": {
                "id": self.event_id,
                "kind": self.kind,
                "kind_label": {"zh": self.kind_zh, "en": self.kind_en},
                "occurred_at": self.occurred_at.isoformat(),
                "payload": dict(self.payload),
            },
            "document": document,
            "source": self.source,
            "summary": self.summary,
            "changes": [
                {
                    "change": c.change,
                    "path": c.path,
                    "old_text": c.old_text,
                    "new_text": c.new_text,
                    "deleted": list(c.deleted),
                    "inserted": list(c.inserted),
                    "figures": [{"kind": f.kind, "old": f.old, "new": f.new} for f in c.figures],
                }
                for c in self.changes
            ],
            "status_change": (
                {"from": self.status_from, "to": self.status_to, "reason": self.reason, "evidence": self.evidence}
                if self.status_to
                else None
            ),
            "days_left": self.days_left,
            "expires_on": self.expires_on,
            "repealed_by": (
                {"title": self.repealed_by.title, "doc_number": self.repealed_by.doc_number, "url": self.repealed_by.url}
                if self.repealed_by
                else None
            ),
            "error": self.error,
        }


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _repealer_label(kind: str, payload: Mapping[str, Any]) -> DocumentLink | None:
    """The repealing document as the lifecycle wrote it (`by`), when its row is not at hand."""
    if kind == "status_changed" and payload.get("to") == "repealed" and _text(payload.get("by")):
        return DocumentLink(title=_text(payload.get("by")))
    return None


def _runs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(run[0]), str(run[1]))
        for run in value
        if isinstance(run, list) and len(run) == 2 and run[0] in ("equal", "delete", "insert")
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value if v) if isinstance(value, list) else ()


def _clause_lines(raw: Any) -> tuple[ClauseLine, ...]:
    if not isinstance(raw, list):
        return ()
    lines = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        path = _text(item.get("new_path")) or _text(item.get("old_path")) or _text(item.get("path")) or "?"
        old_path = _text(item.get("old_path"))
        if item.get("change") == "moved" and old_path and old_path != path:
            path = f"{old_path} → {path}"
        change = str(item.get("change") or "modified")
        text = _text(item.get("text"))
        figures = tuple(
            FigureLine(old=_text(f.get("old")), new=_text(f.get("new")), kind=_text(f.get("kind")))
            for f in item.get("figures") or ()
            if isinstance(f, Mapping)
        )
        lines.append(
            ClauseLine(
                change=change,
                path=path,
                old_text=_text(item.get("old_text")) or (text if change == "removed" else None),
                new_text=_text(item.get("new_text")) or (text if change != "removed" else None),
                deleted=_strings(item.get("deleted")),
                inserted=_strings(item.get("inserted")),
                figures=figures,
                inline=_runs(item.get("inline")),
            )
        )
    return tuple(lines)


def alert_from_rows(
    *,
    event_id: int | None,
    kind: str,
    occurred_at: dt.datetime,
    payload: Mapping[str, Any] | None,
    document: Mapping[str, Any] | None,
    source: str | None,
    repealed_by: DocumentLink | None = None,
) -> Alert:
    """Combine an event's columns, its payload and its document's current fields.

    Payloads as written by `tracker.core.events.documents.change_payload` (document_changed: summary,
    clauses with path, text, deleted/inserted runs, figures), `tracker.core.lifecycle`
    (status_changed: from, to, reason, evidence, by; expiry_reminder: days_left,
    expires_on) and the crawler (source events: error).

    `document` holds the Document row's fields (title, url, doc_number, issuer, status,
    expires_on, effective_from); payload values win where both say something (a
    removed document keeps the title it had when the event happened).
    """
    payload = payload or {}
    document = document or {}
    title = (
        _text(payload.get("title"))
        or _text(document.get("title"))
        or _text(payload.get("url"))
        or _text(document.get("url"))
        or (f"来源 {source}" if source else event_kind(kind).label)
    )
    return Alert(
        kind=kind,
        occurred_at=occurred_at,
        title=title,
        event_id=event_id,
        document_id=_int(document.get("id")),
        url=_text(document.get("url")) or _text(payload.get("url")),
        doc_number=_text(payload.get("doc_number")) or _text(document.get("doc_number")),
        issuer=_text(document.get("issuer")),
        status=_text(payload.get("to")) or _text(document.get("status")),
        source=source,
        summary=_text(payload.get("summary")),
        changes=_clause_lines(payload.get("clauses")),
        status_from=_text(payload.get("from")) if kind == "status_changed" else None,
        status_to=_text(payload.get("to")) if kind == "status_changed" else None,
        reason=_text(payload.get("reason")),
        evidence=_text(payload.get("evidence")),
        days_left=_int(payload.get("days_left")),
        expires_on=_text(payload.get("expires_on")) or _text(document.get("expires_on")),
        effective_from=_text(payload.get("effective_from")) or _text(document.get("effective_from")),
        issued_on=_text(document.get("issued_on")),
        validity=_text(document.get("validity")),
        repealed_by=repealed_by or _repealer_label(kind, payload),
        error=_text(payload.get("error")) or _text(payload.get("last_error")),
        payload=payload,
    )
