"""What changed between two stored versions of a document (`tracker diff`, `tracker show`)."""

from __future__ import annotations

from sqlmodel import Session

from storage.documents import stored_versions, version_document
from tracker.core.diff import diff_documents
from tracker.core.errors import VersionNotFound
from tracker.core.model import ClauseDiff

__all__ = ["diff_versions"]


def diff_versions(session: Session, document_id: int, from_number: int | None = None, to_number: int | None = None) -> ClauseDiff:
    """The clause diff between two stored versions; by default the last two.

    With a single version there is nothing to compare against: every clause is `added`.
    """
    numbers = stored_versions(session, document_id)
    if not numbers:
        raise VersionNotFound("document has no stored version")
    to_number = numbers[-1] if to_number is None else to_number
    if from_number is None:
        earlier = [n for n in numbers if n < to_number]
        from_number = earlier[-1] if earlier else None
    for number in (from_number, to_number):
        if number is not None and number not in numbers:
            raise VersionNotFound(f"no version {number}; versions are {', '.join(map(str, numbers))}")
    old = version_document(session, document_id, from_number) if from_number is not None else None
    return diff_documents(old, version_document(session, document_id, to_number), from_version=from_number, to_version=to_number)
