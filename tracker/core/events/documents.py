"""Events about one document's content: added, changed, removed from its site."""

from __future__ import annotations

from typing import Any

from tracker.core.events import EventKind, EventSpec, declare, group
from tracker.core.model import ClauseDiff

__all__ = ["added_event", "change_payload", "changed_event", "removed_event"]

DOCUMENT_ADDED = declare(EventKind("document_added", "新增文件", "new document", digest_group=group("new")))
DOCUMENT_CHANGED = declare(EventKind("document_changed", "文件变更", "document changed", digest_group=group("changed")))
DOCUMENT_REMOVED = declare(EventKind("document_removed", "文件下线", "document removed", digest_group=group("removed")))

#: A changed clause's text is cut to this in the payload; the redline runs carry the change itself.
COMPACT_TEXT_CHARS = 300


def added_event(document_id: int, version_id: int, *, title: str, doc_number: str | None, url: str, source_id: int | None) -> EventSpec:
    return EventSpec(
        kind=DOCUMENT_ADDED.name,
        dedupe_key=f"document_added:{document_id}",
        document_id=document_id,
        version_id=version_id,
        source_id=source_id,
        payload={"title": title, "doc_number": doc_number, "url": url, "version": 1},
    )


def changed_event(
    document_id: int, version_id: int, diff: ClauseDiff, *, title: str, doc_number: str | None, url: str, source_id: int | None
) -> EventSpec | None:
    """The `document_changed` event of a new version; None when nothing a reader sees changed."""
    if diff.is_empty:
        return None
    return EventSpec(
        kind=DOCUMENT_CHANGED.name,
        dedupe_key=f"document_changed:{document_id}:{diff.to_version}",
        document_id=document_id,
        version_id=version_id,
        source_id=source_id,
        payload=change_payload(diff, title=title, doc_number=doc_number, url=url),
    )


def change_payload(diff: ClauseDiff, *, title: str, doc_number: str | None, url: str) -> dict[str, Any]:
    """The `document_changed` payload: counts, metadata changes and each changed clause, compactly."""
    clauses = []
    for change in diff.clauses:
        text = change.new_text if change.new_text is not None else change.old_text or ""
        runs = change.inline if change.change == "modified" else ()
        clauses.append(
            {
                "change": change.change,
                "old_path": change.old_path,
                "new_path": change.new_path,
                "heading": change.heading,
                "text": text[:COMPACT_TEXT_CHARS],
                "deleted": [op.text for op in runs if op.op == "delete"],
                "inserted": [op.text for op in runs if op.op == "insert"],
                "inline": [op.to_json() for op in runs],
                "figures": [figure.to_json() for figure in change.figures],
            }
        )
    return {
        "title": title,
        "doc_number": doc_number,
        "url": url,
        "from_version": diff.from_version,
        "to_version": diff.to_version,
        "summary": diff.summary(),
        "counts": diff.counts(),
        "metadata": {key: change.to_json() for key, change in diff.metadata.items()},
        "clauses": clauses,
    }


def removed_event(
    document_id: int, *, url: str, title: str, doc_number: str | None, http_status: int | None, missing_runs: int,
    source_id: int | None, when: str,
) -> EventSpec:
    """The document no longer answers: gone after `missing_runs` runs in a row."""
    return EventSpec(
        kind=DOCUMENT_REMOVED.name,
        dedupe_key=f"document_removed:{document_id}:{when}",
        document_id=document_id,
        source_id=source_id,
        payload={"url": url, "title": title, "doc_number": doc_number, "http_status": http_status, "missing_runs": missing_runs},
    )
