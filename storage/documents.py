"""Storing documents: a new version with its clauses, relations and search entries; a re-fetch
that changed nothing; reading a stored version back.

Storage stores what it is told: whether a fetch is a new version, what changed and which
event that is are decided by `tracker.pipeline.saving` with the pure core. Transaction
contract: these functions add and flush, they NEVER commit. The caller owns the unit of
work and commits once, so one fetched document — version + clauses + relations + events
(+ whatever later steps add) — is stored entirely or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import zlib
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.attach import DriverStatement, insert_rows, loaded
from storage.relations import claim_placeholder, resolve_incoming, sync_relations
from storage.search import index_document
from storage.tables import Clause as ClauseRow
from storage.tables import Document, Version
from tracker.core.model import Clause, DocRef, PolicyDocument
from tracker.core.prepare import RELATION_KINDS, PreparedDocument, search_title, snapshot

__all__ = [
    "find_by_url",
    "latest_version",
    "load_version_document",
    "store_version",
    "stored_versions",
    "touch",
    "version_document",
    "version_raw",
]


def version_raw(version: Version) -> bytes | None:
    """The fetched body as it came from the server."""
    return zlib.decompress(version.raw) if version.raw is not None else None


# The lookups every save runs are built once with bound parameters: building and cache-keying
# a fresh statement per call costs several times more than running it.
_LATEST_VERSION = (
    select(Version).where(Version.document_id == sa.bindparam("document_id")).order_by(col(Version.number).desc()).limit(1)
)
_DOCUMENT_ID = sa.select(Document.id).where(Document.url == sa.bindparam("url"))
_DOCUMENT_ID_BY_URL = DriverStatement(lambda _dialect: _DOCUMENT_ID)
# Multi-row driver SQL (`storage.attach.insert_rows`); the ordinal that comes back with each
# id puts the ids in clause order. The texts come packed from the parser processes
# (`PreparedDocument.packed_clauses`), as the column stores them.
_INSERT_CLAUSES = "INSERT INTO clause (version_id, ordinal, path, heading, text, text_hash) VALUES"


_Stored = TypeVar("_Stored", Document, Version)


def latest_version(session: Session, document_id: int) -> Version | None:
    return session.exec(_LATEST_VERSION, params={"document_id": document_id}).first()


def load_version_document(session: Session, version: Version) -> PolicyDocument:
    """The PolicyDocument a version was saved from (metadata snapshot + its clause rows)."""
    data = dict(version.doc_metadata)
    rows = session.exec(select(ClauseRow).where(ClauseRow.version_id == version.id).order_by(col(ClauseRow.ordinal)))
    refs = {kind: [DocRef(**ref) for ref in data.pop(kind, [])] for kind in RELATION_KINDS}
    dates = {key: dt.date.fromisoformat(data[key]) if data.get(key) else None for key in _DATE_FIELDS}
    return PolicyDocument(
        **{key: data.get(key) for key in _TEXT_FIELDS},
        **dates,
        **refs,
        clauses=[Clause(path=row.path, text=row.text, heading=row.heading) for row in rows],
    )


def touch(
    session: Session,
    document: Document,
    *,
    seen_at: dt.datetime,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Record that the document was fetched again unchanged: last_seen, validators, not gone."""
    document.last_seen = max(document.last_seen, seen_at)
    document.missing_runs = 0
    document.gone_at = None
    session.add(document)
    latest = latest_version(session, document.id) if document.id is not None else None
    if latest is not None and (etag or last_modified):
        latest.etag = etag or latest.etag
        latest.last_modified = last_modified or latest.last_modified
        session.add(latest)
    session.flush()


def find_by_url(session: Session, url: str) -> tuple[Document | None, Version | None]:
    """The document stored at `url` (or None) and its latest version (or None).

    Its id is looked up first with driver SQL: on a first crawl there is none, and the
    ORM's query would cost several times the lookup to say so.
    """
    session.flush()  # as the ORM's query would: a document added and not yet flushed counts
    document_id = _DOCUMENT_ID_BY_URL.execute(session.connection(), {"url": url}).scalar()
    if document_id is None:
        return None, None
    document = session.get(Document, document_id)
    previous = latest_version(session, document_id) if document is not None else None
    return document, previous


def store_version(
    session: Session,
    document: Document | None,
    prepared: PreparedDocument,
    *,
    url: str,
    number: int,
    change_summary: str,
    fetched_at: dt.datetime,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str | None = None,
) -> tuple[Document, Version]:
    """Store a new version of the document at `url` (`document`, or a new one, or the
    placeholder a reference made for it): its metadata, version row, clauses, relations
    and search entries. Adds and flushes, never commits."""
    doc = prepared.document
    first_version = number == 1
    if document is None:
        document = claim_placeholder(session, doc)
        if document is not None:
            document.first_seen = fetched_at
    if document is None:
        seen = {"first_seen": fetched_at, "last_seen": fetched_at}
        document = _insert(session, Document, {**_document_defaults(), **seen, **_metadata(doc, url, source_id)})
    else:
        _apply_metadata(document, doc, url=url, source_id=source_id, seen_at=fetched_at)
        session.add(document)
        session.flush()
    assert document.id is not None
    values = {
        "document_id": document.id,
        "number": number,
        "fetched_at": fetched_at,
        "content_hash": prepared.content_hash,
        "doc_metadata": snapshot(doc),
        "raw": prepared.compressed_raw,
        "content_type": content_type,
        "etag": etag,
        "last_modified": last_modified,
        "change_summary": change_summary,
    }
    version = _insert(session, Version, values)
    assert version.id is not None
    clause_ids = _insert_clauses(session, version.id, doc.clauses, prepared)
    sync_relations(session, document, doc, first_version=first_version)
    resolve_incoming(session, document)
    index_document(
        session,
        document.id,
        search_title(doc),
        ((i, c.path, c.text) for i, c in zip(clause_ids, doc.clauses)),
        replace=not first_version,
        grams=prepared.search_grams,
    )
    return document, version


def stored_versions(session: Session, document_id: int) -> list[int]:
    """The version numbers a document has, oldest first."""
    return sorted(session.exec(select(Version.number).where(Version.document_id == document_id)))


def version_document(session: Session, document_id: int, number: int) -> PolicyDocument:
    """The PolicyDocument of one stored version."""
    return load_version_document(session, _version(session, document_id, number))


def _insert(session: Session, model: type[_Stored], values: dict[str, Any]) -> _Stored:
    """INSERT a new row (every column but its id) as prebuilt driver SQL; its persistent object.

    The ORM's unit of work costs several times the INSERT itself for these wide rows; an
    object made persistent this way behaves like one the session flushed (later changes
    to it become UPDATEs).
    """
    session.flush()  # rows this one may refer to go first
    table = model.__table__  # type: ignore[attr-defined]
    row_id = _insert_returning_id(table).execute(session.connection(), values).scalar_one()
    return loaded(session, model, {"id": row_id, **values})


@functools.cache
def _document_defaults() -> dict[str, Any]:
    """A new Document's columns that the save does not set: as the model makes them."""
    fields = Document.model_fields.items()
    defaults = {name: field.default for name, field in fields if not field.is_required() and field.default_factory is None}
    del defaults["id"]
    return defaults


@functools.cache
def _insert_returning_id(table: sa.Table) -> DriverStatement:
    """The INSERT of every column but the id, which it returns."""
    values = {column.name: sa.bindparam(column.name, type_=column.type) for column in table.columns if column.name != "id"}
    return DriverStatement(lambda _dialect: sa.insert(table).values(values).returning(table.c.id))


def _insert_clauses(session: Session, version_id: int, clauses: list[Clause], prepared: PreparedDocument) -> list[int]:
    """One multi-row INSERT; the ids in clause order (the ORM would insert row by row)."""
    if not clauses:
        return []
    rows = [
        (version_id, ordinal, clause.path, clause.heading, packed, text_hash)
        for ordinal, (clause, text_hash, packed) in enumerate(
            zip(clauses, prepared.clause_hashes, prepared.packed_clauses, strict=True)
        )
    ]
    inserted = insert_rows(session.connection(), _INSERT_CLAUSES, "(?, ?, ?, ?, ?, ?)", rows, " RETURNING id, ordinal")
    return [clause_id for clause_id, _ordinal in sorted(inserted, key=lambda row: row.ordinal)]


_TEXT_FIELDS = (
    "title",
    "doc_number",
    "issuer",
    "enclosed_title",
    "validity",
    "index_number",
    "registration_number",
    "topic",
    "url",
)
_DATE_FIELDS = ("issued_on", "published_on", "effective_from", "expires_on")


def _metadata(doc: PolicyDocument, url: str, source_id: int | None) -> dict[str, Any]:
    """The Document columns a saved version sets (a source only when known)."""
    values = {
        "url": url,
        "is_placeholder": False,
        "title": doc.title,
        "doc_number": doc.doc_number,
        "doc_number_norm": doc.doc_number_normalized,
        "enclosed_title": doc.enclosed_title,
        "issuer": doc.issuer,
        "issued_on": doc.issued_on,
        "published_on": doc.published_on,
        "effective_from": doc.effective_from,
        "expires_on": doc.expires_on,
        "validity": doc.validity,
        "missing_runs": 0,
        "gone_at": None,
    }
    if source_id is not None:
        values["source_id"] = source_id
    return values


def _apply_metadata(
    document: Document, doc: PolicyDocument, *, url: str, source_id: int | None, seen_at: dt.datetime
) -> None:
    for name, value in _metadata(doc, url, source_id).items():
        setattr(document, name, value)
    document.last_seen = max(document.last_seen, seen_at)


def _version(session: Session, document_id: int, number: int) -> Version:
    return session.exec(select(Version).where(Version.document_id == document_id, Version.number == number)).one()
