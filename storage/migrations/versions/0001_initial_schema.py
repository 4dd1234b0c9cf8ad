"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Full-text search over search_entry.grams (space-separated character bigrams).
_SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(grams, content='search_entry', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_fts(rowid, grams) VALUES (new.id, new.grams); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, grams) VALUES ('delete', old.id, old.grams); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, grams) VALUES ('delete', old.id, old.grams); "
    "INSERT INTO search_fts(rowid, grams) VALUES (new.id, new.grams); END",
)
_POSTGRES_SEARCH_DDL = (
    "CREATE INDEX ix_search_entry_grams_tsv ON search_entry USING gin (to_tsvector('simple', grams))",
)


def create_search_index() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_SEARCH_DDL if dialect == "sqlite" else _POSTGRES_SEARCH_DDL:
        op.execute(statement)


def drop_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    else:
        op.execute("DROP INDEX ix_search_entry_grams_tsv")


def upgrade() -> None:
    op.create_table('source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('schedule', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', storage.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', storage.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_name'), ['name'], unique=True)

    op.create_table('checkrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('started_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('blocked', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('error_details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkrun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkrun_source_id'), ['source_id'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('doc_number', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('doc_number_norm', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('enclosed_title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('validity', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('is_placeholder', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('status_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status_evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status_by_document_id', sa.Integer(), nullable=True),
    sa.Column('amended', sa.Boolean(), nullable=False),
    sa.Column('first_seen', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('gone_at', storage.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('missing_runs', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.ForeignKeyConstraint(['status_by_document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_doc_number_norm'), ['doc_number_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_url'), ['url'], unique=True)

    op.create_table('relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('target_doc_number', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('target_doc_number_norm', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('target_title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('target_document_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['from_document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['target_document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relation_from_document_id'), ['from_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relation_target_doc_number_norm'), ['target_doc_number_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_relation_target_document_id'), ['target_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relation_target_title'), ['target_title'], unique=False)

    op.create_table('version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('fetched_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('doc_metadata', sa.JSON(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('change_summary', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'number')
    )
    with op.batch_alter_table('version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_document_id'), ['document_id'], unique=False)

    op.create_table('clause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('heading', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_version_id'), ['version_id'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subscription', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_error_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'subscription')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_subscription'), ['subscription'], unique=False)

    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('grams', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['clause.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entry_document_id'), ['document_id'], unique=False)

    create_search_index()


def downgrade() -> None:
    drop_search_index()
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_document_id'))

    op.drop_table('search_entry')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_subscription'))
        batch_op.drop_index(batch_op.f('ix_delivery_state'))
        batch_op.drop_index(batch_op.f('ix_delivery_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_delivery_event_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_event_kind'))
        batch_op.drop_index(batch_op.f('ix_event_document_id'))

    op.drop_table('event')
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_version_id'))

    op.drop_table('clause')
    with op.batch_alter_table('version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_document_id'))
        batch_op.drop_index(batch_op.f('ix_version_content_hash'))

    op.drop_table('version')
    with op.batch_alter_table('relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relation_target_title'))
        batch_op.drop_index(batch_op.f('ix_relation_target_document_id'))
        batch_op.drop_index(batch_op.f('ix_relation_target_doc_number_norm'))
        batch_op.drop_index(batch_op.f('ix_relation_from_document_id'))

    op.drop_table('relation')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_url'))
        batch_op.drop_index(batch_op.f('ix_document_status'))
        batch_op.drop_index(batch_op.f('ix_document_source_id'))
        batch_op.drop_index(batch_op.f('ix_document_expires_on'))
        batch_op.drop_index(batch_op.f('ix_document_doc_number_norm'))

    op.drop_table('document')
    with op.batch_alter_table('checkrun', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkrun_source_id'))

    op.drop_table('checkrun')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_name'))

    op.drop_table('source')
