"""host_pace, and procrastinate's job tables on PostgreSQL: what `tracker worker` shares

Revision ID: 0012_worker_pacing
Revises: 0011_lean_versions
Create Date: 2026-12-06

Workers on several machines pace each host together through `host_pace` (one row per
host: next start, and the lease of the worker sending now). On PostgreSQL the job queue
is procrastinate's: its schema (jobs, workers and their heartbeats, periodic defers) is
applied here, once, so `tracker init` prepares a database for workers as for the daemon.
SQLite has no workers: it gets `host_pace` only, to keep one schema for both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision: str = "0012_worker_pacing"
down_revision: str | None = "0011_lean_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "host_pace",
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("next_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("held_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("held_until", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("host"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        already = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").scalar()
        if not already:
            bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    op.drop_table("host_pace")
