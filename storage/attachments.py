"""The attachments stored with a version: written when the version is, read by `tracker show`.

An attachment belongs to the version it was read with, so a changed file makes a new
version of its document (its text is part of the clauses, hence of the content hash) and
the old file stays with the old version. Like every storage function these add and flush,
never commit: the pipeline owns the unit of work.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.tables import Attachment
from tracker.parse.attachments import PreparedAttachment


def save_attachments(session: Session, version_id: int, attachments: Sequence[PreparedAttachment]) -> list[Attachment]:
    """One row per attachment of the version, in the page's order."""
    rows = [
        Attachment(
            version_id=version_id,
            ordinal=ordinal,
            url=item.url,
            label=item.label,
            content_type=item.content_type,
            sha256=item.sha256,
            size=item.size,
            raw=item.compressed,
            status=item.status,
            reason=item.reason,
            pages=item.pages,
        )
        for ordinal, item in enumerate(attachments)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def attachments_of(session: Session, version_id: int) -> list[Attachment]:
    """The attachments stored with a version, in the page's order."""
    query = select(Attachment).where(Attachment.version_id == version_id).order_by(col(Attachment.ordinal))
    return list(session.exec(query))


def attachment_bytes(attachment: Attachment) -> bytes | None:
    """The file as fetched (None when it was not fetched)."""
    return zlib.decompress(attachment.raw) if attachment.raw is not None else None
