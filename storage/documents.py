"""Saving fetched documents: versions, clauses, relations, search entries and their events.

Transaction contract: these functions add and flush, they NEVER commit. The caller
(`tracker.pipeline`) owns the unit of work and commits once, so one fetched document —
version + clauses + relations + events (+ whatever later steps add, such as status
events and outbox deliveries) — is stored entirely or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import zlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage.attach import attach
from storage.events import record_event
from storage.search import index_document
from storage.tables import Clause as ClauseRow
from storage.tables import Document, Event, Relation, Version
from tracker.core.diff import diff_documents
from tracker.core.errors import VersionNotFound
from tracker.core.model import Clause, ClauseDiff, DocRef, PolicyDocument
from tracker.core.prepare import RELATION_KINDS, PreparedDocument, prepare_document, search_title, snapshot

# A repeal, amendment or confirmation of a document we do not have yet creates a placeholder
# for it, so the lifecycle can already act on it; a mere citation does not.
PLACEHOLDER_KINDS = frozenset({"repeals", "amends", "confirms"})
PLACEHOLDER_SCHEME = "placeholder:"
COMPACT_TEXT_CHARS = 300


@dataclass
class SaveResult:
    """What `save_version` did. `version` is None when the content was unchanged."""

    document: Document
    version: Version | None
    previous: Version | None
    diff: ClauseDiff | None
    created: bool  # the document had no version before
    changed: bool  # a new version of a known document
    events: list[Event] = field(default_factory=list)


def version_raw(version: Version) -> bytes | None:
    """The fetched body as it came from the server."""
    return zlib.decompress(version.raw) if version.raw is not None else None


# The lookups every save runs are built once with bound parameters: building and cache-keying
# a fresh statement per call costs several times more than running it.
_LATEST_VERSION = (
    select(Version).where(Version.document_id == sa.bindparam("document_id")).order_by(col(Version.number).desc()).limit(1)
)
_DOCUMENT_BY_URL = select(Document).where(Document.url == sa.bindparam("url"))
_RELATIONS_FROM = select(Relation).where(Relation.from_document_id == sa.bindparam("document_id"))
_CLAUSE_TABLE = ClauseRow.__table__  # type: ignore[attr-defined]
# Not `sort_by_parameter_order`: on SQLite that makes SQLAlchemy insert row by row; the
# ordinal that comes back with each id puts them in order instead.
_INSERT_CLAUSES = sa.insert(_CLAUSE_TABLE).returning(_CLAUSE_TABLE.c.id, _CLAUSE_TABLE.c.ordinal)


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


def save_version(
    session: Session,
    doc: PolicyDocument,
    *,
    url: str,
    raw: bytes,
    fetched_at: dt.datetime,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str | None = None,
) -> SaveResult:
    """Store a fetched document: a new version when its content changed, else only `touch`."""
    return save_prepared(
        session,
        prepare_document(doc, raw),
        url=url,
        fetched_at=fetched_at,
        source_id=source_id,
        etag=etag,
        last_modified=last_modified,
        content_type=content_type,
    )


def save_prepared(
    session: Session,
    prepared: PreparedDocument,
    *,
    url: str,
    fetched_at: dt.datetime,
    source_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str | None = None,
) -> SaveResult:
    """`save_version` for a document prepared beforehand (`prepare_document`)."""
    doc, digest = prepared.document, prepared.content_hash
    document = session.exec(_DOCUMENT_BY_URL, params={"url": url}).first()
    previous = latest_version(session, document.id) if document is not None and document.id is not None else None
    if document is not None and previous is not None and previous.content_hash == digest:
        touch(session, document, seen_at=fetched_at, etag=etag, last_modified=last_modified)
        return SaveResult(document, None, previous, None, created=False, changed=False)

    if document is None:
        document = _claim_placeholder(session, doc) or Document(url=url, title=doc.title, first_seen=fetched_at)
        if document.is_placeholder:
            document.first_seen = fetched_at
    _apply_metadata(document, doc, url=url, source_id=source_id, seen_at=fetched_at)
    if document.id is None:
        _insert_new(session, document)
    else:
        session.add(document)
        session.flush()
    assert document.id is not None

    number = previous.number + 1 if previous else 1
    diff = None
    if previous is not None:
        old = load_version_document(session, previous)
        diff = diff_documents(old, doc, from_version=previous.number, to_version=number)
    version = Version(
        document_id=document.id,
        number=number,
        fetched_at=fetched_at,
        content_hash=digest,
        doc_metadata=snapshot(doc),
        text=doc.text,
        raw=prepared.compressed_raw,
        content_type=content_type,
        etag=etag,
        last_modified=last_modified,
        change_summary=diff.summary() if diff is not None else "first version",
    )
    _insert_new(session, version)
    assert version.id is not None
    clause_ids = _insert_clauses(session, version.id, doc.clauses, prepared.clause_hashes)

    _sync_relations(session, document, doc, first_version=previous is None)
    _resolve_incoming(session, document)
    index_document(
        session,
        document.id,
        search_title(doc),
        ((i, c.path, c.text) for i, c in zip(clause_ids, doc.clauses)),
        replace=previous is not None,
        grams=prepared.search_grams,
    )

    events = _record_save_events(session, document, version, diff, fetched_at, source_id)
    return SaveResult(
        document, version, previous, diff, created=previous is None, changed=previous is not None, events=events
    )


def _insert_new(session: Session, row: Document | Version) -> None:
    """INSERT a new row with one Core statement, then attach the object as persistent.

    The ORM's unit of work costs several times the INSERT itself for these wide rows; an
    object made persistent this way behaves like one the session flushed (later changes
    to it become UPDATEs).
    """
    table = type(row).__table__  # type: ignore[attr-defined]
    values = {column.name: getattr(row, column.name) for column in table.columns if column.name != "id"}
    session.flush()  # rows this one may refer to go first
    row.id = session.connection().execute(_insert_returning_id(table), values).scalar_one()
    attach(session, row)


@functools.cache
def _insert_returning_id(table: sa.Table) -> sa.Insert:
    return sa.insert(table).returning(table.c.id)


def _insert_clauses(session: Session, version_id: int, clauses: list[Clause], hashes: Sequence[str]) -> list[int]:
    """One multi-row INSERT; the ids in clause order (the ORM would insert row by row)."""
    if not clauses:
        return []
    rows = [
        {
            "version_id": version_id,
            "ordinal": ordinal,
            "path": clause.path,
            "heading": clause.heading,
            "text": clause.text,
            "text_hash": text_hash,
        }
        for ordinal, (clause, text_hash) in enumerate(zip(clauses, hashes, strict=True))
    ]
    inserted = session.connection().execute(_INSERT_CLAUSES, rows).all()
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


def _apply_metadata(
    document: Document, doc: PolicyDocument, *, url: str, source_id: int | None, seen_at: dt.datetime
) -> None:
    document.url = url
    document.is_placeholder = False
    if source_id is not None:
        document.source_id = source_id
    document.title = doc.title
    document.doc_number = doc.doc_number
    document.doc_number_norm = doc.doc_number_normalized
    document.enclosed_title = doc.enclosed_title
    document.issuer = doc.issuer
    document.issued_on = doc.issued_on
    document.published_on = doc.published_on
    document.effective_from = doc.effective_from
    document.expires_on = doc.expires_on
    document.validity = doc.validity
    document.last_seen = max(document.last_seen, seen_at) if document.id is not None else seen_at
    document.missing_runs = 0
    document.gone_at = None


def _titles(doc: PolicyDocument) -> list[str]:
    return [title for title in (doc.title, doc.enclosed_title) if title]


def _claim_placeholder(session: Session, doc: PolicyDocument) -> Document | None:
    """The placeholder another document created for this one, found by number, then by title."""
    norm, titles = doc.doc_number_normalized, _titles(doc)
    if norm is None and not titles:
        return None
    query = _placeholder_query(_NumberUse.of(norm), len(titles))
    placeholder_id = session.connection().execute(query, {"norm": norm, **_title_params(titles)}).scalar()
    return session.get(Document, placeholder_id) if placeholder_id is not None else None


def _find_target(session: Session, ref: DocRef, exclude_id: int) -> int | None:
    """The id of the stored document a reference names: by normalised number, else by exact title."""
    norm, titles = ref.doc_number_normalized, [ref.title] if ref.title else []
    if norm is None and not titles:
        return None
    query = _target_query(_NumberUse.of(norm), len(titles))
    params = {"norm": norm, "exclude_id": exclude_id, **_title_params(titles)}
    return session.connection().execute(query, params).scalar()


# The lookups run as Core statements on the session's connection: the ORM's query machinery
# (and the SQL re-rendered per call for an expanding IN) cost several times the query itself.
# A document has at most two titles (title, enclosed title), so each count gets its own
# statement with plain parameters.
def _title_params(titles: Sequence[str]) -> dict[str, str]:
    return {f"title_{index}": title for index, title in enumerate(titles)}


@functools.cache
def _placeholder_query(number: _NumberUse, title_count: int) -> sa.Select[tuple[int]]:
    condition, preference = _by_number_then_title(number, title_count)
    query = sa.select(Document.id).where(col(Document.is_placeholder).is_(True), condition)
    return query.order_by(preference, col(Document.id)).limit(1)


@functools.cache
def _target_query(number: _NumberUse, title_count: int) -> sa.Select[tuple[int]]:
    condition, preference = _by_number_then_title(number, title_count)
    query = sa.select(Document.id).where(Document.id != sa.bindparam("exclude_id"), condition)
    return query.order_by(preference, col(Document.is_placeholder), col(Document.id)).limit(1)


@dataclass(frozen=True)
class _NumberUse:
    """How a normalised number takes part in a lookup: a non-empty one is matched, and any
    number, even an empty one, rules out rows carrying a different number."""

    match: bool
    check: bool

    @classmethod
    def of(cls, norm: str | None) -> _NumberUse:
        return cls(match=bool(norm), check=norm is not None)


def _by_number_then_title(number: _NumberUse, title_count: int) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]:
    """One indexed condition for "same document number (`:norm`), or same title (`:title_0`,
    …) without a contradicting number", and an ordering that puts number matches first."""
    norm = sa.bindparam("norm", type_=sa.String)
    by_number = Document.doc_number_norm == norm if number.match else sa.false()
    candidates = [by_number]
    if title_count:
        titles = [sa.bindparam(f"title_{index}", type_=sa.String) for index in range(title_count)]
        candidates += [col(Document.title).in_(titles), col(Document.enclosed_title).in_(titles)]
    # A flat OR of indexed columns (so SQLite and PostgreSQL combine the indexes), then the
    # number check, which every number match passes anyway; written with coalesce so the
    # planner filters with it instead of scanning every document without a number.
    compatible = sa.func.coalesce(Document.doc_number_norm, norm) == norm if number.check else sa.true()
    return sa.and_(sa.or_(*candidates), compatible), sa.case((by_number, 0), else_=1)


def _placeholder_for(session: Session, ref: DocRef, seen_at: dt.datetime) -> Document | None:
    key = ref.doc_number_normalized or ref.title
    if not key:
        return None
    url = PLACEHOLDER_SCHEME + key
    existing = session.exec(_DOCUMENT_BY_URL, params={"url": url}).first()
    if existing is not None:
        return existing
    placeholder = Document(
        url=url,
        title=ref.title or ref.doc_number or key,
        doc_number=ref.doc_number,
        doc_number_norm=ref.doc_number_normalized,
        is_placeholder=True,
        first_seen=seen_at,
        last_seen=seen_at,
    )
    session.add(placeholder)
    session.flush()
    return placeholder


def _relation_key(kind: str, norm: str | None, title: str | None) -> tuple[str, str | None, str | None]:
    return (kind, norm, title)


def _sync_relations(session: Session, document: Document, doc: PolicyDocument, *, first_version: bool) -> None:
    """Make the document's outgoing relations those of this version; keep rows that still hold.

    New rows go in with one Core INSERT (most saves are first versions, which only add).
    """
    assert document.id is not None
    existing = (
        {}
        if first_version
        else {
            _relation_key(r.kind, r.target_doc_number_norm, r.target_title): r
            for r in session.exec(_RELATIONS_FROM, params={"document_id": document.id})
        }
    )
    wanted: dict[tuple[str, str | None, str | None], DocRef] = {}
    for kind in RELATION_KINDS:
        for ref in getattr(doc, kind):
            wanted.setdefault(_relation_key(kind, ref.doc_number_normalized, ref.title), ref)
    for key, relation in existing.items():
        if key not in wanted:
            session.delete(relation)
    added = []
    for key, ref in wanted.items():
        relation = existing.get(key)
        if relation is None:
            added.append(
                {
                    "from_document_id": document.id,
                    "kind": key[0],
                    "target_doc_number": ref.doc_number,
                    "target_doc_number_norm": ref.doc_number_normalized,
                    "target_title": ref.title,
                    "evidence": ref.evidence,
                    "target_document_id": _target_or_placeholder(session, document, key[0], ref),
                }
            )
            continue
        relation.evidence = ref.evidence
        if relation.target_document_id is None:
            relation.target_document_id = _target_or_placeholder(session, document, key[0], ref)
        session.add(relation)
    session.flush()
    if added:
        session.connection().execute(_INSERT_RELATIONS, added)


_INSERT_RELATIONS = sa.insert(Relation.__table__)  # type: ignore[attr-defined]


def _target_or_placeholder(session: Session, document: Document, kind: str, ref: DocRef) -> int | None:
    assert document.id is not None
    target_id = _find_target(session, ref, document.id)
    if target_id is None and kind in PLACEHOLDER_KINDS:
        placeholder = _placeholder_for(session, ref, document.last_seen)
        target_id = placeholder.id if placeholder is not None else None
    return target_id


def _resolve_incoming(session: Session, document: Document) -> None:
    """Point other documents' unresolved references to this one, by number or exact title.

    A title match needs the reference to carry no contradicting number. The conditions are
    written so the planner searches the number and title indexes, not every unresolved
    reference (most of those are citations of documents never stored).
    """
    norm = document.doc_number_norm
    titles = [t for t in (document.title, document.enclosed_title) if t]
    params = {"norm": norm, "titles": titles, "document_id": document.id}
    # A Core statement (the ORM's synchronize step costs more than the UPDATE); references
    # already loaded in this session get the new target as their committed value.
    resolved = session.connection().execute(_resolve_statement(_NumberUse.of(norm)), params).scalars()
    for relation_id in resolved:
        relation = session.identity_map.get(session.identity_key(Relation, relation_id))
        if relation is not None:
            set_committed_value(relation, "target_document_id", document.id)


@functools.cache
def _resolve_statement(number: _NumberUse) -> sa.Update:
    norm = sa.bindparam("norm", type_=sa.String)
    document_id = sa.bindparam("document_id", type_=sa.Integer)
    candidates = [col(Relation.target_title).in_(sa.bindparam("titles", expanding=True, type_=sa.String))]
    if number.match:
        candidates.append(Relation.target_doc_number_norm == norm)
    compatible = sa.func.coalesce(Relation.target_doc_number_norm, norm) == norm if number.check else sa.true()
    unresolved = sa.func.coalesce(Relation.target_document_id, 0) == 0
    return (
        sa.update(Relation)
        .where(sa.or_(*candidates), compatible, unresolved, Relation.from_document_id != document_id)
        .values(target_document_id=document_id)
        .returning(Relation.id)
    )


def _record_save_events(
    session: Session,
    document: Document,
    version: Version,
    diff: ClauseDiff | None,
    occurred_at: dt.datetime,
    source_id: int | None,
) -> list[Event]:
    assert document.id is not None and version.id is not None
    if diff is None:
        event = record_event(
            session,
            kind="document_added",
            dedupe_key=f"document_added:{document.id}",
            document_id=document.id,
            version_id=version.id,
            source_id=source_id,
            payload={"title": document.title, "doc_number": document.doc_number, "url": document.url, "version": 1},
            occurred_at=occurred_at,
        )
    elif diff.is_empty:
        return []
    else:
        event = record_event(
            session,
            kind="document_changed",
            dedupe_key=f"document_changed:{document.id}:{version.number}",
            document_id=document.id,
            version_id=version.id,
            source_id=source_id,
            payload=change_payload(document, diff),
            occurred_at=occurred_at,
        )
    return [event] if event is not None else []


def change_payload(document: Document, diff: ClauseDiff) -> dict[str, Any]:
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
        "title": document.title,
        "doc_number": document.doc_number,
        "url": document.url,
        "from_version": diff.from_version,
        "to_version": diff.to_version,
        "summary": diff.summary(),
        "counts": diff.counts(),
        "metadata": {key: change.to_json() for key, change in diff.metadata.items()},
        "clauses": clauses,
    }


def diff_versions(
    session: Session, document_id: int, from_number: int | None = None, to_number: int | None = None
) -> ClauseDiff:
    """The clause diff between two stored versions; by default the last two.

    With a single version there is nothing to compare against: every clause is `added`.
    """
    numbers = sorted(session.exec(select(Version.number).where(Version.document_id == document_id)))
    if not numbers:
        raise VersionNotFound("document has no stored version")
    to_number = numbers[-1] if to_number is None else to_number
    if from_number is None:
        earlier = [n for n in numbers if n < to_number]
        from_number = earlier[-1] if earlier else None
    for number in (from_number, to_number):
        if number is not None and number not in numbers:
            raise VersionNotFound(f"no version {number}; versions are {', '.join(map(str, numbers))}")
    new = _version(session, document_id, to_number)
    old = _version(session, document_id, from_number) if from_number is not None else None
    return diff_documents(
        load_version_document(session, old) if old is not None else None,
        load_version_document(session, new),
        from_version=from_number,
        to_version=to_number,
    )


def _version(session: Session, document_id: int, number: int) -> Version:
    return session.exec(select(Version).where(Version.document_id == document_id, Version.number == number)).one()
