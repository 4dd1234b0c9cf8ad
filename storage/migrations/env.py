"""Alembic environment: the target schema is `SQLModel.metadata` from `storage.tables`.

Run from code (`storage.engine.init_database`), which passes an open connection in
`config.attributes["connection"]`; no alembic.ini is involved. Search index objects that
only exist on one dialect (the SQLite FTS5 table, the PostgreSQL GIN expression index)
are created by the migrations and hidden from autogenerate by `include_object`.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.migrations.naming import include_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.engine.init_database(url)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)


def _run() -> Any:
    with context.begin_transaction():
        context.run_migrations()


_run()
