"""A document's life drawn as a line: published → effective → changed → expiring → repealed.

Pure: dates in, positions (percent of the axis) out; the template draws them. The axis runs
from the earliest date to the latest (or today, when later), so every milestone fits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Segment kinds, as the CSS classes of the drawing: the status the document had in each span.
PENDING, IN_FORCE, EXPIRING, ENDED, REPEALED = "not_yet_effective", "in_force", "expiring", "expired", "repealed"


@dataclass(frozen=True)
class Milestone:
    kind: str  # issued | published | effective | changed | expires | repealed
    label: str
    on: dt.date
    position: float  # percent of the axis, 0–100


@dataclass(frozen=True)
class Segment:
    status: str
    start: float
    end: float


@dataclass(frozen=True)
class Timeline:
    start: dt.date
    end: dt.date
    milestones: tuple[Milestone, ...]
    segments: tuple[Segment, ...]
    today: float


_LABELS = {"issued": "成文", "published": "发布", "effective": "施行", "changed": "修改", "expires": "有效期至", "repealed": "废止"}


def build_timeline(
    *,
    issued: dt.date | None = None,
    published: dt.date | None,
    effective: dt.date | None,
    changed: Sequence[dt.date],
    expires: dt.date | None,
    repealed: dt.date | None,
    today: dt.date,
    warning_days: int,
) -> Timeline | None:
    """The drawing's values, or None when the document has no date at all. A 成文 date equal to
    the publication date is drawn once, as 发布."""
    dated = [("published", published), ("effective", effective), ("expires", expires), ("repealed", repealed)]
    if issued is not None and issued != published:
        dated.append(("issued", issued))
    dated += [("changed", day) for day in changed]
    known = [(kind, day) for kind, day in dated if day is not None]
    if not known:
        return None
    first = min(day for _kind, day in known)
    last = max([today, *(day for _kind, day in known)])
    span = max((last - first).days, 1)

    def at(day: dt.date) -> float:
        return round(100 * min(max((day - first).days, 0), span) / span, 2)

    milestones = tuple(
        Milestone(kind, f"{_LABELS[kind]} {day.isoformat()}", day, at(day)) for kind, day in sorted(known, key=lambda k: k[1])
    )
    return Timeline(first, last, milestones, _segments(first, last, effective, expires, repealed, warning_days, at), at(today))


def _segments(
    first: dt.date,
    last: dt.date,
    effective: dt.date | None,
    expires: dt.date | None,
    repealed: dt.date | None,
    warning_days: int,
    at: Callable[[dt.date], float],
) -> tuple[Segment, ...]:
    """Consecutive spans of one status each, from the first date to the last."""
    stop = min(day for day in (repealed, last) if day is not None)
    cuts: list[tuple[dt.date, str]] = [(first, PENDING if effective and effective > first else IN_FORCE)]
    if effective and first < effective < stop:
        cuts.append((effective, IN_FORCE))
    if expires is not None:
        warn = max(expires - dt.timedelta(days=warning_days), effective or first)
        if first < warn < stop:
            cuts.append((warn, EXPIRING))
        if first < expires < stop:
            cuts.append((expires, ENDED))
    cuts.sort(key=lambda cut: cut[0])
    segments = [Segment(status, at(day), at(cuts[i + 1][0] if i + 1 < len(cuts) else stop)) for i, (day, status) in enumerate(cuts)]
    if repealed is not None and repealed < last:
        segments.append(Segment(REPEALED, at(repealed), 100.0))
    return tuple(s for s in segments if s.end > s.start)
