"""SQLite's search index: a contentless FTS5 table (`search_fts`) kept in step by code.

Since migration 0011 the index holds only the bigram postings, not a copy of the text:
search_entry keeps no `grams` column, and a clause's entry refers to its clause row for the
text. So the index is told what to forget by working each old entry's grams out again
(`grams_of` of the same text is the same string), and new entries' grams wait in the
session (`session.info`) until they are added.

New entries reach the index once per transaction, just before it commits: FTS5 keeps added
rows in memory until the transaction ends, unless another table is written meanwhile, which
makes it write them out as a segment of their own; a crawler's batch of 50 documents would
otherwise make 50 of them. What is added is chosen by what the index lacks (FTS5's
`_docsize` shadow table has one row per indexed rowid) among the entries that exist from the
lowest id this transaction inserted: the entries of a rolled-back savepoint are simply not
found, an id reused after one gets the grams of its last insert, and none is added twice.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm

from tracker.core.grams import grams_of
from tracker.core.packing import unpack_text

_PENDING = "search_fts_pending"  # session.info: {search_entry id: grams} not yet in the index
_MISSING = (
    "SELECT e.id FROM search_entry e WHERE e.id >= ? "
    "AND NOT EXISTS (SELECT 1 FROM search_fts_docsize d WHERE d.id = e.id)"
)
_ADD = "INSERT INTO search_fts(rowid, grams) VALUES (?, ?)"
_FORGET = "INSERT INTO search_fts(search_fts, rowid, grams) VALUES ('delete', ?, ?)"
_INDEXED_TEXTS = (
    "SELECT e.id, c.text, e.text FROM search_entry e LEFT JOIN clause c ON c.id = e.clause_id "
    "WHERE e.document_id = ?"
)


def remember(session: orm.Session, ids: Iterable[int], grams: Iterable[str]) -> None:
    """Note new entries' grams, to be added to the index before the transaction commits."""
    session.info.setdefault(_PENDING, {}).update(zip(ids, grams))


def forget_documents(session: orm.Session, document_ids: Iterable[int]) -> None:
    """Take the documents' current entries out of the index (their rows are deleted next).

    The index must hold exactly what it is told to forget, so what is pending goes in first;
    the pending grams stay noted, since a savepoint rolled back later undoes this with the rest.
    """
    add_pending(session, session.info.get(_PENDING))
    connection = session.connection()
    for document_id in document_ids:
        indexed = connection.exec_driver_sql(_INDEXED_TEXTS, (document_id,)).all()
        if indexed:
            connection.exec_driver_sql(
                _FORGET, [(entry_id, grams_of(entry_text(packed, text))) for entry_id, packed, text in indexed]
            )


def entry_text(packed_clause: bytes | None, text: str) -> str:
    """What an entry stands for: its clause's text (read raw, so still packed), or its own (a title)."""
    return text if packed_clause is None else unpack_text(packed_clause)


def add_pending(session: orm.Session, pending: dict[int, str] | None) -> None:
    """Add the noted entries that exist and that the index lacks (see the module's docstring)."""
    if not pending:
        return
    connection = session.connection()
    missing = connection.exec_driver_sql(_MISSING, (min(pending),)).scalars()
    rows = [(entry_id, pending[entry_id]) for entry_id in missing if entry_id in pending]
    if rows:
        connection.exec_driver_sql(_ADD, rows)


@sa.event.listens_for(orm.Session, "before_commit")
def _index_before_commit(session: orm.Session) -> None:
    if not session.in_nested_transaction():
        add_pending(session, session.info.pop(_PENDING, None))


@sa.event.listens_for(orm.Session, "after_soft_rollback")
def _forget_pending_on_rollback(session: orm.Session, previous_transaction: orm.SessionTransaction) -> None:
    """A rolled-back transaction's ids are free again: grams noted for them must not linger."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
