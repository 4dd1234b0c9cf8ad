"""Rows inserted with Core, then attached to the session as if the ORM had flushed them.

The ORM's unit of work costs several times a Core INSERT for the rows every save writes
(documents, versions, events), so `storage.documents` and `storage.events` insert with Core
and `attach` the object, built by `loaded` the way a query builds the objects it loads;
clauses and search entries, which need no objects, go in with `insert_rows`.

The ORM forgets the pending objects of a rolled-back savepoint by itself, but takes
attached ones for rows that were there before; left behind, they hold identities that
SQLite hands out again, and the next page's rows can no longer be attached. So `attach`
remembers each object with its transaction, and a rollback of that transaction, or of one
around it, forgets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import make_transient_to_detached

_ATTACHED = "storage_attached_rows"
_Row = TypeVar("_Row")
_ROWS_PER_INSERT = 500  # ≤ 6 columns: within SQLite's 32766 parameters and PostgreSQL's 65535


def loaded(session: orm.Session, model: type[_Row], values: dict[str, Any]) -> _Row:
    """The persistent object of a row just inserted with `values` (every column, id included).

    Built as a query builds a loaded row, without `__init__`: a SQLModel table's sets every
    field through pydantic and the ORM's instrumentation (tens of µs a row, more than the
    INSERT). The object is the same: the same values, each counted as set.
    """
    row = orm.class_mapper(model).class_manager.new_instance()
    row.__dict__.update(values)
    row.__pydantic_fields_set__.update(values)
    attach(session, row)
    return row


def insert_rows(
    connection: sa.Connection, insert: str, row: str, rows: Sequence[Sequence[Any]], suffix: str = ""
) -> list[sa.Row[Any]]:
    """Run `insert` ("INSERT INTO t (a, b) VALUES") with `row` ("(?, ?)") once per row, and `suffix`.

    Multi-row VALUES of driver SQL, `_ROWS_PER_INSERT` rows at a time, `?` being each
    parameter on either database: SQLAlchemy's own multi-row INSERT processes every row's
    parameters apart, which cost more than the statement. So the values must be what the
    driver takes as they are (numbers, text, bytes, None).
    """
    if connection.dialect.paramstyle != "qmark":
        row = row.replace("?", "%s")
    found: list[sa.Row[Any]] = []
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        sql = f"{insert} {', '.join([row] * len(chunk))}{suffix}"
        result = connection.exec_driver_sql(sql, tuple(value for values in chunk for value in values))
        if suffix:
            found += result.all()
    return found


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
