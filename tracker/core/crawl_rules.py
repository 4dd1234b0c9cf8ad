"""The crawler's decisions, as pure functions: a run's outcome, which unlisted documents to
ask for again, when a missing document is removed, and when a source's health is news.

`tracker.pipeline.source_crawl` gathers the facts (from the walk and from storage) and
records what these return; keeping the rules here lets them be read and tested on their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence

__all__ = [
    "UNLISTED_RECHECK",
    "HealthChange",
    "ListedEntry",
    "Walk",
    "first_error",
    "health_after_run",
    "is_removed",
    "run_outcome",
    "unlisted_to_check",
]

#: A document found off its listing but still served is asked for again this often, so a
#: later deletion is still noticed without a request per run for every such document.
UNLISTED_RECHECK = dt.timedelta(days=7)


@dataclass
class Walk:
    """How far one run got through a source's listings: what the removal check relies on."""

    seen: set[str] = field(default_factory=set)  # URLs listed on the pages walked
    fresh: set[str] = field(default_factory=set)  # those new or changed since the last run
    pages: dict[str, int] = field(default_factory=dict)  # listing → pages read
    complete: set[str] = field(default_factory=set)  # listings read to their last page
    failed: bool = False  # a listing could not be read, or listed nothing


@dataclass(frozen=True)
class ListedEntry:
    """Where a stored document of the source was last listed, and how it fared since."""

    url: str
    listing: str | None
    page: int | None
    unlisted_checked_at: dt.datetime | None
    missing_runs: int


def run_outcome(*, listing_failed: bool, documents: int, blocked: int, errors: int) -> str:
    """ok, partial (some pages failed), blocked or failed (nothing stored)."""
    if listing_failed and documents == 0:
        return "blocked" if blocked else "failed"
    if blocked and documents == 0:
        return "blocked"
    return "partial" if errors or blocked else "ok"


def unlisted_to_check(entries: Sequence[ListedEntry], walk: Walk, listings: Sequence[str], started: dt.datetime) -> list[str]:
    """The stored documents the walk did not see though it should have: last listed on a page
    the walk covered, or on a listing walked to its end, or already missing on an earlier
    run, or found off its listing `UNLISTED_RECHECK` ago or more. An entry whose place is
    unknown (recorded before migration 0008, or on a start URL no longer configured) counts
    only after a walk of every listing to its end."""
    known_listings = set(listings)
    every_listing_complete = known_listings <= walk.complete
    candidates = []
    for entry in entries:
        if entry.url in walk.seen:
            continue
        if entry.missing_runs:
            candidates.append(entry.url)
        elif entry.unlisted_checked_at is not None:
            if started - entry.unlisted_checked_at >= UNLISTED_RECHECK:
                candidates.append(entry.url)
        elif entry.listing in known_listings and entry.page is not None:
            if entry.listing in walk.complete or entry.page <= walk.pages.get(entry.listing, 0):
                candidates.append(entry.url)
        elif every_listing_complete:
            candidates.append(entry.url)
    return candidates


def is_removed(missing_runs: int, removal_after_runs: int, *, already_gone: bool) -> bool:
    """Whether a document missing `missing_runs` runs in a row is now removed."""
    return not already_gone and missing_runs >= removal_after_runs


@dataclass(frozen=True)
class HealthChange:
    """A source's failure streak after a run, and the health event it makes (if any)."""

    consecutive_failures: int
    event: str | None


def health_after_run(*, failing: bool, consecutive_failures: int) -> HealthChange:
    """`source_failing` at the first failed run in a row, `source_recovered` at the run that ends a streak."""
    if failing:
        streak = consecutive_failures + 1
        return HealthChange(streak, "source_failing" if streak == 1 else None)
    return HealthChange(0, "source_recovered" if consecutive_failures else None)


def first_error(details: Sequence[dict[str, Any]], *, failing: bool) -> str | None:
    """The run's `last_error` line. URLs robots.txt kept us from are no error, unless they are
    all a failed run has to say."""
    errors = [detail for detail in details if detail["kind"] != "disallowed"]
    first = (errors or (list(details) if failing else []) or [None])[0]
    return f"{first['reason']} ({first['url']})" if first else None
