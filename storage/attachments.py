"""The attachments stored with a version: written when the version is, read by `tracker show`.

An attachment belongs to the version it was read with, so a changed file makes a new
version of its document (its text is part of the clauses, hence of the content hash) and
the old file stays with the old version. Like every storage function these add and flush,
never commit: the pipeline owns the unit of work.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import Attachment, Document, Version
from tracker.core.parse.attachments import PreparedAttachment


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
            etag=item.etag,
            last_modified=item.last_modified,
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


def documents_read_with_files(session: Session, source_id: int) -> set[int]:
    """The source's documents some version of which was read with a fetched file."""
    query = (
        select(Version.document_id)
        .join(Attachment, col(Attachment.version_id) == col(Version.id))
        .join(Document, col(Document.id) == col(Version.document_id))
        .where(Document.source_id == source_id, col(Attachment.raw).is_not(None))
        .distinct()
    )
    return set(session.exec(query))


def latest_validators(session: Session, document_id: int) -> list[tuple[str, str | None, str | None]]:
    """(url, etag, last_modified) of the files the document's latest version was read with."""
    latest = select(sa.func.max(Version.number)).where(Version.document_id == document_id).scalar_subquery()
    query = (
        select(Attachment.url, Attachment.etag, Attachment.last_modified)
        .join(Version, col(Version.id) == col(Attachment.version_id))
        .where(Version.document_id == document_id, Version.number == latest, col(Attachment.raw).is_not(None))
        .order_by(col(Attachment.ordinal))
    )
    return [(url, etag, last_modified) for url, etag, last_modified in session.exec(query)]


def latest_page(session: Session, document_id: int) -> tuple[bytes, str | None] | None:
    """The page body (as fetched) and content type of the document's latest version."""
    version = session.exec(
        select(Version).where(Version.document_id == document_id).order_by(col(Version.number).desc()).limit(1)
    ).first()
    if version is None or version.raw is None:
        return None
    return zlib.decompress(version.raw), version.content_type
