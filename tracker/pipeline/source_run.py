"""What one source's crawl did, as it goes: counters, outcome and the first hundred problems."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["CrawlProgress", "SourceRun"]

_MAX_ERROR_DETAILS = 100


@dataclass
class SourceRun:
    """What one source's crawl did; `progress` callbacks receive it after every change.

    `to_visit` counts the documents the run has found so far (listed, or checked because no
    longer listed) and `visited` those it is done with, whatever the outcome: the crawl's
    progress, which `documents` and the error counts alone do not give (a document missing
    for a first run is neither). `disallowed` counts URLs robots.txt kept us from: skipped
    on purpose, so neither errors nor a reason to call the run partial.
    """

    source: str
    outcome: str = "running"
    pages: int = 0
    requests: int = 0
    to_visit: int = 0
    visited: int = 0
    documents: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    blocked: int = 0
    errors: int = 0
    disallowed: int = 0
    error_details: list[dict[str, Any]] = field(default_factory=list)

    def skip_disallowed(self, url: str) -> None:
        self.disallowed += 1
        if len(self.error_details) < _MAX_ERROR_DETAILS:
            self.error_details.append({"url": url, "reason": "disallowed by robots.txt", "kind": "disallowed"})

    def error(self, url: str, reason: str, *, blocked: bool = False) -> None:
        if blocked:
            self.blocked += 1
        else:
            self.errors += 1
        if len(self.error_details) < _MAX_ERROR_DETAILS:
            self.error_details.append({"url": url, "reason": reason, "kind": "blocked" if blocked else "error"})

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


CrawlProgress = Callable[[SourceRun], None]
