"""Rows inserted with Core, then attached to the session as if the ORM had flushed them.

The ORM's unit of work costs several times a Core INSERT for the rows every save writes
(documents, versions, events), so `storage.documents` and `storage.events` insert with Core
and `attach` the object, built by `loaded` the way a query builds the objects it loads;
clauses and search entries, which need no objects, go in with `insert_rows`. The
single-row INSERTs, and the lookups of a save, are `DriverStatement`s.

The ORM forgets the pending objects of a rolled-back savepoint by itself, but takes
attached ones for rows that were there before; left behind, they hold identities that
SQLite hands out again, and the next page's rows can no longer be attached. So `attach`
remembers each object with its transaction, and a rollback of that transaction, or of one
around it, forgets it.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Sequence
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


class DriverStatement:
    """A statement compiled once per dialect and run as driver SQL.

    `Connection.execute` looks its statement up in the compiled cache and builds the
    parameters anew each time, which costs about as much as the small statements of a save.
    Each value still goes through its type's bind processor (UTC times, dates, JSON)
    exactly as there, values bound in the statement itself (a LIMIT) are sent as there,
    and errors are wrapped as SQLAlchemy's. `build` makes the statement for a dialect name;
    its other bound parameters are named like the keys of the values given to `execute`.
    Results come back as the driver gives them, so it suits ids, not dates or JSON.
    """

    def __init__(self, build: Callable[[str], sa.Executable]) -> None:
        self._build = build
        # By dialect object: a JSON column's processor uses its engine's serializer.
        self._compiled: weakref.WeakKeyDictionary[sa.Dialect, tuple[str, list[tuple[str, Any, Any]]]] = (
            weakref.WeakKeyDictionary()
        )

    def execute(self, connection: sa.Connection, values: dict[str, Any]) -> sa.CursorResult[Any]:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = self._compile(dialect)
        sql, binds = compiled
        processed = []
        for name, process, bound in binds:
            value = values[name] if bound is _GIVEN else bound
            processed.append((name, value if process is None else process(value)))
        if dialect.positional:
            return connection.exec_driver_sql(sql, tuple(value for _name, value in processed))
        return connection.exec_driver_sql(sql, dict(processed))

    def _compile(self, dialect: sa.Dialect) -> tuple[str, list[tuple[str, Any, Any]]]:
        compiled = self._build(dialect.name).compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a statement rendered anew for its values (an expanding IN) cannot be prebuilt")
        # The names in the SQL, in order when positional (a name used twice is sent twice).
        names = compiled.positiontup if dialect.positional else list(dict.fromkeys(compiled.bind_names.values()))
        assert names is not None
        binds = [(name, compiled.binds[name]) for name in names]
        return compiled.string, [
            (name, bind.type.dialect_impl(dialect).bind_processor(dialect), _GIVEN if bind.required else bind.value)
            for name, bind in binds
        ]


_GIVEN = object()  # a parameter whose value `execute` is given


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
        result = connection.exec_driver_sql(sql, tuple(itertools.chain.from_iterable(chunk)))
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
