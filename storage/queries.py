"""Read-side lookups the CLI and the notifiers share: documents by any reference, versions, relations."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.documents import load_version_document
from storage.tables import Document, Relation, Version
from tracker.core.docnumber import normalize_doc_number

SUGGESTIONS = 5


def find_document(session: Session, ref: str) -> Document | None:
    """A document by id, URL, or document number in any written form (杭政[2017]66号 …), or exact title.

    One indexed query: an id wins, then the URL, then the number (real documents before
    placeholders), then the title.
    """
    ref = ref.strip()
    if not ref:
        return None
    norm = normalize_doc_number(ref)
    matches = [Document.url == ref, Document.doc_number_norm == norm, Document.title == ref]
    rank = sa.case(
        (Document.url == ref, 1), (Document.doc_number_norm == norm, 2), else_=3
    )
    if ref.isdigit():
        matches.append(Document.id == int(ref))
        rank = sa.case((Document.id == int(ref), 0), else_=rank)
    query = select(Document).where(sa.or_(*matches)).order_by(rank, col(Document.is_placeholder), col(Document.id))
    return session.exec(query.limit(1)).first()


def suggest_documents(session: Session, ref: str, limit: int = SUGGESTIONS) -> list[Document]:
    """Documents whose number, title or URL is close to `ref`, best first (for "did you mean")."""
    key = normalize_doc_number(ref)
    rows = session.execute(sa.select(Document.id, Document.doc_number_norm, Document.title, Document.url)).all()
    candidates: dict[str, int] = {}
    for row in rows:
        for text in (row.doc_number_norm, row.title, row.url):
            if text:
                candidates.setdefault(text, row.id)
    close = difflib.get_close_matches(key, list(candidates), n=limit * 3, cutoff=0.5)
    close += [text for text in candidates if key and key in text and text not in close]
    ids = list(dict.fromkeys(candidates[text] for text in close))[:limit]
    return [document for document_id in ids if (document := session.get(Document, document_id)) is not None]


def list_documents(
    session: Session, *, status: str | None = None, include_placeholders: bool = True, limit: int | None = None
) -> list[Document]:
    """Documents, newest issue first (undated last)."""
    query = select(Document)
    if status is not None:
        query = query.where(Document.status == status)
    if not include_placeholders:
        query = query.where(col(Document.is_placeholder).is_(False))
    query = query.order_by(
        col(Document.issued_on).is_(None), col(Document.issued_on).desc(), col(Document.id).desc()
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def versions_of(session: Session, document_id: int) -> list[Version]:
    """The document's versions, newest first (raw bodies not loaded)."""
    query = (
        select(Version)
        .where(Version.document_id == document_id)
        .order_by(col(Version.number).desc())
        .options(sa.orm.defer(Version.raw))  # type: ignore[arg-type]
    )
    return list(session.exec(query))


def version_by_number(session: Session, document_id: int, number: int) -> Version | None:
    query = select(Version).where(Version.document_id == document_id, Version.number == number)
    return session.exec(query).first()


@dataclass(frozen=True)
class RelationView:
    """A relation seen from one document: the relation and the document on the other side."""

    relation: Relation
    other: Document | None


def relations_from(session: Session, document_id: int) -> list[RelationView]:
    """What this document repeals, amends, confirms or cites."""
    query = (
        select(Relation, Document)
        .join(Document, col(Relation.target_document_id) == Document.id, isouter=True)
        .where(Relation.from_document_id == document_id)
        .order_by(col(Relation.id))
    )
    return [RelationView(relation, other) for relation, other in session.exec(query)]


def relations_to(session: Session, document_id: int) -> list[RelationView]:
    """Which documents repeal, amend, confirm or cite this one."""
    query = (
        select(Relation, Document)
        .join(Document, col(Relation.from_document_id) == Document.id)
        .where(Relation.target_document_id == document_id)
        .order_by(col(Relation.id))
    )
    return [RelationView(relation, other) for relation, other in session.exec(query)]


def document_json(session: Session, document: Document, *, clauses: bool = False) -> dict[str, Any]:
    """The CLI's document JSON: the parsed-document fields of the current version + id, url, status.

    A placeholder (named by another document, never fetched) has only what was written about it.
    """
    latest = session.exec(
        select(Version)
        .where(Version.document_id == document.id)
        .order_by(col(Version.number).desc())
        .limit(1)
        .options(sa.orm.defer(Version.raw))  # type: ignore[arg-type]
    ).first()
    parsed: dict[str, Any] = {}
    if latest is not None:
        doc = load_version_document(session, latest)
        parsed = doc.to_json()
        if not clauses:
            parsed.pop("clauses")
    else:
        parsed = {
            "title": document.title,
            "doc_number": document.doc_number,
            "doc_number_normalized": document.doc_number_norm,
        }
    return {
        "id": document.id,
        "url": document.url,
        **parsed,
        "status": document.status,
        "status_since": document.status_since.isoformat() if document.status_since else None,
        "status_reason": document.status_reason,
        "is_placeholder": document.is_placeholder,
        "version": latest.number if latest is not None else None,
    }
