"""Choosing one value per metadata field among the evidence a page offers, and saying why.

Every field has candidates in order of trust (the page's labelled table, its `<meta>`, the
header note, the signature, a sentence of the text, a derived value). The first candidate
with a value wins; candidates that give another value are kept beside it in the field's
`Provenance`, so `tracker parse --json` and `tracker show` can show both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker.core.model import Provenance

TABLE, META, HEADER_NOTE, SIGNATURE, TEXT, DERIVED = "table", "meta", "header_note", "signature", "text", "derived"


@dataclass(frozen=True)
class Candidate:
    value: Any
    source: str
    snippet: str | None = None


def candidate(value: Any, source: str, snippet: str | None = None) -> Candidate | None:
    """A candidate when there is a value; None otherwise, so lists of candidates read as a priority order."""
    return Candidate(value, source, snippet) if value is not None and value != "" else None


def resolve(candidates: list[Candidate | None], rule: str | None = None) -> tuple[Any, Provenance | None]:
    """The first candidate's value and its provenance, listing candidates that disagree."""
    present = [c for c in candidates if c is not None]
    if not present:
        return None, None
    winner = present[0]
    others: list[tuple[str, str, str | None]] = []
    for other in present[1:]:
        if _same(other.value, winner.value) or any(o[1] == _shown(other.value) for o in others):
            continue
        others.append((other.source, _shown(other.value), other.snippet))
    return winner.value, Provenance(winner.source, winner.snippet, tuple(others), rule if others else None)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return "".join(a.split()) == "".join(b.split())
    return bool(a == b)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)
