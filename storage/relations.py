"""Relations between documents: repeals, amendments, confirmations and citations by 文号 or title.

A reference to a document we do not have yet becomes a placeholder Document (for the
lifecycle kinds: a repeal of something never crawled is still a fact), and the placeholder
is claimed when the real document arrives; references are re-resolved whenever a document
that may be their target is stored. Add and flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage.attach import DriverStatement, insert_rows
from storage.tables import Document, Relation
from tracker.core.model import DocRef, PolicyDocument
from tracker.core.prepare import RELATION_KINDS

__all__ = ["PLACEHOLDER_KINDS", "PLACEHOLDER_SCHEME", "claim_placeholder", "resolve_incoming", "sync_relations"]

# A repeal, amendment or confirmation of a document we do not have yet creates a placeholder
# for it, so the lifecycle can already act on it; a mere citation does not.
PLACEHOLDER_KINDS = frozenset({"repeals", "amends", "confirms"})
PLACEHOLDER_SCHEME = "placeholder:"
_DOCUMENT_BY_URL = select(Document).where(Document.url == sa.bindparam("url"))
_RELATIONS_FROM = select(Relation).where(Relation.from_document_id == sa.bindparam("document_id"))


def _titles(doc: PolicyDocument) -> list[str]:
    return [title for title in (doc.title, doc.enclosed_title) if title]


def claim_placeholder(session: Session, doc: PolicyDocument) -> Document | None:
    """The placeholder another document created for this one, found by number, then by title."""
    norm, titles = doc.doc_number_normalized, _titles(doc)
    if norm is None and not titles:
        return None
    query = _placeholder_query(_NumberUse.of(norm), len(titles))
    placeholder_id = query.execute(session.connection(), {"norm": norm, **_title_params(titles)}).scalar()
    return session.get(Document, placeholder_id) if placeholder_id is not None else None


def _find_target(session: Session, ref: DocRef, exclude_id: int) -> int | None:
    """The id of the stored document a reference names: by normalised number, else by exact title."""
    norm, titles = ref.doc_number_normalized, [ref.title] if ref.title else []
    if norm is None and not titles:
        return None
    query = _target_query(_NumberUse.of(norm), len(titles))
    params = {"norm": norm, "exclude_id": exclude_id, **_title_params(titles)}
    return query.execute(session.connection(), params).scalar()


# The lookups run as driver SQL prebuilt from Core statements (`storage.attach.DriverStatement`)
# on the session's connection: the ORM's query machinery (and the SQL re-rendered per call for
# an expanding IN) cost several times the query itself. A document has at most two titles
# (title, enclosed title), so each count gets its own statement with plain parameters.
def _title_params(titles: Sequence[str]) -> dict[str, str]:
    return {f"title_{index}": title for index, title in enumerate(titles)}


@functools.cache
def _placeholder_query(number: _NumberUse, title_count: int) -> DriverStatement:
    condition, preference = _by_number_then_title(number, title_count)
    query = sa.select(Document.id).where(col(Document.is_placeholder).is_(True), condition)
    query = query.order_by(preference, col(Document.id)).limit(1)
    return DriverStatement(lambda _dialect: query)


@functools.cache
def _target_query(number: _NumberUse, title_count: int) -> DriverStatement:
    condition, preference = _by_number_then_title(number, title_count)
    query = sa.select(Document.id).where(Document.id != sa.bindparam("exclude_id"), condition)
    query = query.order_by(preference, col(Document.is_placeholder), col(Document.id)).limit(1)
    return DriverStatement(lambda _dialect: query)


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


def sync_relations(session: Session, document: Document, doc: PolicyDocument, *, first_version: bool) -> None:
    """Make the document's outgoing relations those of this version; keep rows that still hold.

    New rows go in with one multi-row INSERT (most saves are first versions, which only add).
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
            target_id = _target_or_placeholder(session, document, key[0], ref)
            added.append(
                (document.id, key[0], ref.doc_number, ref.doc_number_normalized, ref.title, ref.evidence, target_id)
            )
            continue
        relation.evidence = ref.evidence
        if relation.target_document_id is None:
            relation.target_document_id = _target_or_placeholder(session, document, key[0], ref)
        session.add(relation)
    session.flush()
    if added:
        insert_rows(session.connection(), _INSERT_RELATIONS, "(?, ?, ?, ?, ?, ?, ?)", added)


_INSERT_RELATIONS = (
    "INSERT INTO relation (from_document_id, kind, target_doc_number, target_doc_number_norm, target_title, evidence, "
    "target_document_id) VALUES"
)


def _target_or_placeholder(session: Session, document: Document, kind: str, ref: DocRef) -> int | None:
    assert document.id is not None
    target_id = _find_target(session, ref, document.id)
    if target_id is None and kind in PLACEHOLDER_KINDS:
        placeholder = _placeholder_for(session, ref, document.last_seen)
        target_id = placeholder.id if placeholder is not None else None
    return target_id


def resolve_incoming(session: Session, document: Document) -> None:
    """Point other documents' unresolved references to this one, by number or exact title.

    A title match needs the reference to carry no contradicting number. The conditions are
    written so the planner searches the number and title indexes, not every unresolved
    reference (most of those are citations of documents never stored).
    """
    norm = document.doc_number_norm
    titles = [t for t in (document.title, document.enclosed_title) if t]
    params = {"norm": norm, "document_id": document.id, **_title_params(titles)}
    # A Core statement (the ORM's synchronize step costs more than the UPDATE); references
    # already loaded in this session get the new target as their committed value.
    resolved = _resolve_statement(_NumberUse.of(norm), len(titles)).execute(session.connection(), params).scalars()
    for relation_id in resolved:
        relation = session.identity_map.get(session.identity_key(Relation, relation_id))
        if relation is not None:
            set_committed_value(relation, "target_document_id", document.id)


@functools.cache
def _resolve_statement(number: _NumberUse, title_count: int) -> DriverStatement:
    norm = sa.bindparam("norm", type_=sa.String)
    document_id = sa.bindparam("document_id", type_=sa.Integer)
    titles = [sa.bindparam(f"title_{index}", type_=sa.String) for index in range(title_count)]
    candidates = [col(Relation.target_title).in_(titles) if titles else sa.false()]
    if number.match:
        candidates.append(Relation.target_doc_number_norm == norm)
    compatible = sa.func.coalesce(Relation.target_doc_number_norm, norm) == norm if number.check else sa.true()
    unresolved = sa.func.coalesce(Relation.target_document_id, 0) == 0
    statement = (
        sa.update(Relation)
        .where(sa.or_(*candidates), compatible, unresolved, Relation.from_document_id != document_id)
        .values(target_document_id=document_id)
        .returning(Relation.id)
    )
    return DriverStatement(lambda _dialect: statement)
