"""Rows inserted with Core, then attached to the session as if the ORM had flushed them.

The ORM's unit of work costs several times a Core INSERT for the rows every save writes
(documents, versions, events), so `storage.documents` and `storage.events` insert with Core
and `attach` the object. The ORM forgets the pending objects of a rolled-back savepoint by
itself, but takes attached ones for rows that were there before; left behind, they hold
identities that SQLite hands out again, and the next page's rows can no longer be
attached. So `attach` remembers each object with its transaction, and a rollback of that
transaction, or of one around it, forgets it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import make_transient_to_detached

_ATTACHED = "storage_attached_rows"


def attach(session: orm.Session, row: Any) -> None:
    """Make `row`, whose INSERT already ran (primary key set), a persistent object of `session`."""
    make_transient_to_detached(row)
    session.add(row)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_ATTACHED, []).append((transaction, row))


@sa.event.listens_for(orm.Session, "after_soft_rollback")
def _forget_rolled_back(session: orm.Session, previous_transaction: orm.SessionTransaction) -> None:
    attached = session.info.get(_ATTACHED)
    if not attached:
        return
    kept = []
    for transaction, row in attached:
        if _within(transaction, previous_transaction):
            if row in session:
                session.expunge(row)
        else:
            kept.append((transaction, row))
    session.info[_ATTACHED] = kept


@sa.event.listens_for(orm.Session, "after_commit")
def _forget_committed(session: orm.Session) -> None:
    session.info.pop(_ATTACHED, None)


def _within(transaction: orm.SessionTransaction | None, outer: orm.SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False
