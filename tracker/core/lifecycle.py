"""A document's legal status on any date, with the evidence, and the events its changes raise.

Pure: documents and the relations pointing at them go in, an `Assessment` comes out; the
date is always a parameter. The rules, in the order they are applied (DOMAIN.md §3–§5):

1. Repeal. Another document that repeals this one (同时废止, 停止执行, a clean-up list…)
   ends it from the day the repealing document takes effect (its effective date, else its
   issue or publish date). A repeal not yet in effect on the date does not count; when
   several are, the earliest wins. A repealing document with no date at all counts on every
   date (we know it exists, not since when), with `since` unknown.
2. Nothing known. No effective/issue/publish date and no validity field: `unknown`,
   unless a clean-up notice confirmed it (继续有效): then `in_force` from that notice.
3. Not yet effective: the date is before the effective date (else the issue/publish date —
   a document with no stated effective date is in force from its issue date).
4. Expired: the date is after `expires_on` (the expiry day itself is still in force).
5. The page's own validity field (有效性 / gkmlpt is_abolished): 废止 → `repealed`, 失效 →
   `expired`, with `since` unknown, because the issuer states the current status.
6. Otherwise `expiring` when at most `warning_days` days are left, else `in_force`.

Conflicting evidence is never hidden: when the page says 有效 but a repeal or the
validity period says otherwise, or the page says 废止/失效 while the dates say in force,
the reason names both and which one won. `amended` is a flag beside the status, set by any
amending document in effect on the date.

Events (see `status_change_event`, `expiry_reminder_event`) carry deterministic dedupe keys
so the daily sweep, a restart or a re-ingest never raises the same fact twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.core.events import EventSpec
from tracker.core.events.lifecycle import EXPIRY_REMINDER, STATUS_CHANGED
from tracker.core.model import Status

DEFAULT_WARNING_DAYS = 90
DEFAULT_REMINDER_DAYS = (90, 30, 7)

REPEALS = "repeals"
AMENDS = "amends"
CONFIRMS = "confirms"
LIFECYCLE_RELATION_KINDS = (REPEALS, AMENDS, CONFIRMS)

_VALIDITY_STATUS = (("废止", Status.REPEALED), ("失效", Status.EXPIRED), ("有效", Status.IN_FORCE))


@dataclass(frozen=True, slots=True)
class DatedDocument:
    """What the rules need to know about one document: its own dates and its page's validity field.

    `title` is the name people cite it by (for a 印发 notice, the measure it issues): it
    only words reasons such as `repealed by 《…》`.
    """

    id: int
    title: str | None = None
    doc_number: str | None = None
    issued_on: dt.date | None = None
    published_on: dt.date | None = None
    effective_from: dt.date | None = None
    expires_on: dt.date | None = None
    validity: str | None = None

    @property
    def starts_on(self) -> dt.date | None:
        """The first day in force: the stated effective date, else the issue or publish date."""
        return self.effective_from or self.issued_on or self.published_on

    @property
    def label(self) -> str:
        """`《title》（doc_number）` as a person would cite it."""
        parts = [f"《{self.title}》" if self.title else "", f"（{self.doc_number}）" if self.doc_number else ""]
        return "".join(parts) or f"document {self.id}"


@dataclass(frozen=True, slots=True)
class IncomingRelation:
    """Another document (`by`) that repeals, amends or confirms the one being assessed."""

    kind: str
    by: DatedDocument
    evidence: str | None = None

    @property
    def takes_effect_on(self) -> dt.date | None:
        return self.by.starts_on

    def in_effect_on(self, on: dt.date) -> bool:
        return self.takes_effect_on is None or self.takes_effect_on <= on


@dataclass(frozen=True)
class Assessment:
    """A status on a date with why: `reason` in words, `evidence` the sentence or row that proves it."""

    status: Status
    since: dt.date | None
    reason: str
    evidence: str | None = None
    by_document_id: int | None = None
    by_label: str | None = None
    amended: bool = False


@dataclass(frozen=True)
class StoredStatus:
    """The status last written for a document; `assessed` is false until the engine first ran on it."""

    status: str
    assessed: bool = False


def validity_status(validity: str | None) -> Status | None:
    """The status a page's own validity field states (有效/失效/废止, 全文废止, 现行有效…), if any.

    部分失效 / 部分废止 end only some clauses, so they state no status for the document.
    """
    if not validity or "部分" in validity:
        return None
    for word, status in _VALIDITY_STATUS:
        if word in validity:
            return status
    return None


def assess(
    document: DatedDocument,
    incoming: Sequence[IncomingRelation],
    on: dt.date,
    *,
    warning_days: int = DEFAULT_WARNING_DAYS,
) -> Assessment:
    """The status of `document` on `on`, from its own dates, its validity field and `incoming` relations."""
    relations = [r for r in incoming if r.in_effect_on(on)] if incoming else []
    amended = any(r.kind == AMENDS for r in relations)
    repeal = _earliest(r for r in relations if r.kind == REPEALS) if relations else None
    page_says = validity_status(document.validity) if document.validity else None
    if repeal is not None:
        return _repealed(repeal, page_says, document.validity, amended)
    start = document.starts_on
    if start is None and page_says is None:
        confirm = _earliest(r for r in relations if r.kind == CONFIRMS) if relations else None
        if confirm is not None:
            return Assessment(
                Status.IN_FORCE,
                confirm.takes_effect_on,
                f"no dates of its own; confirmed in force (继续有效) by {confirm.by.label}",
                confirm.evidence,
                confirm.by.id,
                confirm.by.label,
                amended,
            )
        return Assessment(Status.UNKNOWN, None, "no effective, issue or publish date known", amended=amended)
    if start is not None and on < start:
        return Assessment(Status.NOT_YET_EFFECTIVE, None, f"takes effect on {start.isoformat()}", amended=amended)
    expires_on = document.expires_on
    if expires_on is not None and on > expires_on:
        reason = f"validity period ended on {expires_on.isoformat()}"
        if page_says is Status.IN_FORCE:
            reason += f"; the page still says {document.validity}, the validity period wins"
        return Assessment(Status.EXPIRED, expires_on + dt.timedelta(days=1), reason, amended=amended)
    by_dates = _by_dates(start, expires_on, on, warning_days)
    if page_says in (Status.REPEALED, Status.EXPIRED):
        reason = f"the page's own validity field says {document.validity}"
        if start is not None:
            reason += f"; its dates alone would give {by_dates.status.value}, the page wins"
        return Assessment(page_says, None, reason, f"有效性：{document.validity}", amended=amended)
    if start is None:
        reason = f"{by_dates.reason}; no dates of its own, the page's validity field says {document.validity}"
        return Assessment(by_dates.status, None, reason, f"有效性：{document.validity}", amended=amended)
    return Assessment(by_dates.status, by_dates.since, by_dates.reason, amended=amended)


def _earliest(relations: Iterable[IncomingRelation]) -> IncomingRelation | None:
    """The relation in effect first (undated ones first: their date is unknown), ties by document id."""
    return min(relations, key=lambda r: (r.takes_effect_on or dt.date.min, r.by.id), default=None)


def _repealed(repeal: IncomingRelation, page_says: Status | None, validity: str | None, amended: bool) -> Assessment:
    since = repeal.takes_effect_on
    reason = f"repealed by {repeal.by.label}" + (f" from {since.isoformat()}" if since else " (date unknown)")
    if page_says is Status.IN_FORCE:
        reason += f"; the page still says {validity}, the repeal wins"
    return Assessment(Status.REPEALED, since, reason, repeal.evidence, repeal.by.id, repeal.by.label, amended)


def _by_dates(start: dt.date | None, expires_on: dt.date | None, on: dt.date, warning_days: int) -> Assessment:
    """In force or expiring from the dates alone, for a date on or after the start and not after the end."""
    if expires_on is None:
        since_text = f" since {start.isoformat()}" if start else ""
        return Assessment(Status.IN_FORCE, start, f"in force{since_text}, no end date")
    days_left = (expires_on - on).days
    if days_left <= warning_days:
        window_opens = expires_on - dt.timedelta(days=warning_days)
        since = max(window_opens, start) if start else window_opens
        reason = f"ends on {expires_on.isoformat()}, within the {warning_days}-day warning window"
        return Assessment(Status.EXPIRING, since, reason)
    return Assessment(Status.IN_FORCE, start, f"in force until {expires_on.isoformat()}")


def status_change_event(
    document_id: int, stored: StoredStatus, new: Assessment, *, is_placeholder: bool = False
) -> EventSpec | None:
    """The `status_changed` event for moving from `stored` to `new`, or None when nothing is news.

    A document's first assessment is not an event (document_added already announced it),
    except for a placeholder that arrives repealed: that is how a repeal of a document we
    never crawled becomes known. A later change is an event, keyed by the status reached
    and since when: the fact "repealed since 2025-01-31" is announced once, even when a
    sweep of an earlier date rewinds the stored status and a later sweep replays it.
    """
    if stored.assessed and stored.status == new.status.value:
        return None
    if not stored.assessed and not (is_placeholder and new.status is Status.REPEALED):
        return None
    since = _iso(new.since)
    return EventSpec(
        kind=STATUS_CHANGED.name,
        document_id=document_id,
        dedupe_key=f"status_changed:{document_id}:{new.status.value}:{since or '-'}",
        payload={
            "from": stored.status,
            "to": new.status.value,
            "reason": new.reason,
            "evidence": new.evidence,
            "since": since,
            "by_document_id": new.by_document_id,
            "by": new.by_label,
        },
    )


def expiry_reminder_event(
    document_id: int,
    status: Status,
    expires_on: dt.date | None,
    on: dt.date,
    reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
) -> EventSpec | None:
    """The reminder due on `on` for a document in force that ends on `expires_on`, if any.

    Only the tightest threshold reached is returned: a sweep that skipped days sends one
    reminder, not a burst. The key names the threshold and the end date, so each threshold
    fires once per end date, and a document re-issued with a new end date is reminded again.
    """
    if status not in (Status.IN_FORCE, Status.EXPIRING) or expires_on is None:
        return None
    days_left = (expires_on - on).days
    reached = [days for days in reminder_days if 0 <= days_left <= days]
    if not reached:
        return None
    threshold = min(reached)
    return EventSpec(
        kind=EXPIRY_REMINDER.name,
        document_id=document_id,
        dedupe_key=f"expiry_reminder:{document_id}:{expires_on.isoformat()}:{threshold}",
        payload={"days_left": days_left, "expires_on": expires_on.isoformat(), "threshold": threshold},
    )


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
