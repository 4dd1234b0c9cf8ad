"""The database tables (DESIGN.md "Storage"). SQLite by default, PostgreSQL at scale.

Times are timezone-aware UTC on the way in and out (`UTCDateTime`); JSON columns are
written without `\\u` escapes by the engine's serializer (see `storage.engine`).
Schema changes go through Alembic (`storage/migrations`), never `create_all` on a live DB.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.core.packing import pack_text, unpack_text


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Stores UTC; returns aware datetimes. Naive input is refused rather than guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class PackedText(sa.types.TypeDecorator[str]):
    """Text kept compressed (`tracker.core.prepare.pack_text`); reads give the text back."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> bytes | None:
        return None if value is None else pack_text(value)

    def process_result_value(self, value: bytes | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else unpack_text(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str
    config: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    schedule: str | None = None
    enabled: bool = True
    last_run_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    last_error: str | None = None
    full_walk_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # listings last walked to their end


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True)
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    title: str = Field(index=True)
    doc_number: str | None = None
    doc_number_norm: str | None = Field(default=None, index=True)
    enclosed_title: str | None = Field(default=None, index=True)
    issuer: str | None = None
    issued_on: dt.date | None = None
    published_on: dt.date | None = None
    effective_from: dt.date | None = None
    expires_on: dt.date | None = Field(default=None, index=True)
    validity: str | None = None
    is_placeholder: bool = False
    status: str = Field(default="unknown", index=True)
    status_since: dt.date | None = None
    status_reason: str | None = None
    status_evidence: str | None = None
    status_by_document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    amended: bool = False
    first_seen: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    gone_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    missing_runs: int = 0


class Version(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    fetched_at: dt.datetime = Field(sa_type=UTCDateTime)
    content_hash: str = Field(index=True)
    doc_metadata: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    raw: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    change_summary: str | None = None


class Clause(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="version.id", index=True)
    ordinal: int
    path: str
    heading: str | None = None
    text: str = Field(sa_type=PackedText)
    text_hash: str


class Attachment(SQLModel, table=True):
    """A file a version's page links (PDF, Word, OFD): its bytes (zlib), and whether its text was read.

    `status` is one of `tracker.core.parse.attachments.STATUSES`; `reason` says why when not `ok`."""

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="version.id", index=True)
    ordinal: int
    url: str
    label: str = ""
    content_type: str | None = None
    sha256: str | None = None
    size: int | None = None
    raw: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    status: str
    reason: str | None = None
    pages: int | None = None
    etag: str | None = None
    last_modified: str | None = None


class Relation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    from_document_id: int = Field(foreign_key="document.id", index=True)
    kind: str  # repeals | cites | amends | confirms
    target_doc_number: str | None = None
    target_doc_number_norm: str | None = Field(default=None, index=True)
    target_title: str | None = Field(default=None, index=True)
    target_document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    evidence: str | None = None


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    version_id: int | None = Field(default=None, foreign_key="version.id")
    source_id: int | None = Field(default=None, foreign_key="source.id")
    occurred_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    dedupe_key: str = Field(unique=True)


class Delivery(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("event_id", "subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    subscription: str = Field(index=True)
    channel: str
    mode: str = "immediate"  # immediate | digest
    state: str = Field(default="pending", index=True)  # pending | sending | sent | failed | dead
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    last_error_code: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str = "running"  # running | ok | partial | failed | blocked
    pages: int = 0
    requests: int = 0
    documents: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    blocked: int = 0
    errors: int = 0
    error_details: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)


class SearchEntry(SQLModel, table=True):
    """One searchable text of a document's current version: its title or one clause.

    The index holds each text's character bigrams (see `storage.search`), not this row: on
    SQLite the contentless FTS5 table `search_fts` (rowid = id), on PostgreSQL the column
    `grams_tsv` with its GIN index (written by `storage.search`, not mapped here), so
    two-character Chinese terms are found by the index. `text` is the title's; a clause's
    entry leaves it empty and refers to its clause row (`clause_id`) instead of copying it.
    Rows are replaced whenever a new version is saved.
    """

    __tablename__ = "search_entry"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    clause_id: int | None = Field(default=None, foreign_key="clause.id")
    path: str | None = None
    text: str


class DaemonState(SQLModel, table=True):
    """What the `tracker run` on this database last said about itself, for `tracker status`.

    One row, rewritten by the daemon on start, on every heartbeat and after each job:
    `jobs` maps a job id (`crawl:<source>`, `sweep`, `digest:<subscription>`, `dispatch`)
    to its schedule, next and last run. Whether the daemon is alive is decided by its lock
    (`storage.lock`), not by this row, which a killed process leaves behind.
    """

    __tablename__ = "daemon_state"

    id: int | None = Field(default=None, primary_key=True)
    holder: str
    config_path: str | None = None
    started_at: dt.datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: dt.datetime = Field(sa_type=UTCDateTime)
    stopped_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    jobs: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class ListingEntry(SQLModel, table=True):
    """What a source's listing last said about one item: the crawler's incremental memory.

    A listing page whose every entry is already here with the same title and date holds
    nothing new, so paging stops there; an entry not listed again, though a run walked the
    page it was last on (`listing`, one of the source's start URLs, and `page`, from 1), is
    the first sign that a document was removed. When its page still answers, the document
    was only taken off the listing or moved down it: `unlisted_checked_at` records when that
    was last found, and it is checked again weekly (it may be deleted later) until listed again. `listing` and `page` are null for entries recorded before migration 0008
    until they are listed again.
    """

    __tablename__ = "listing_entry"
    __table_args__ = (sa.UniqueConstraint("source_id", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    url: str = Field(index=True)
    title: str | None = None
    listed_on: dt.date | None = None
    listing: str | None = None
    page: int | None = None
    unlisted_checked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_listed_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_listed_at: dt.datetime = Field(sa_type=UTCDateTime)


class HostPaceRow(SQLModel, table=True):
    """When the next request to a host may start, and who holds its one turn, for every worker.

    Kept in the database so that `tracker worker` processes on several machines pace a host
    together (`storage.host_pacing`): `held_by` is the token of the worker sending to the
    host now, until `held_until` (a lease, so a killed worker blocks the host for a bounded
    time); `next_at` is the earliest start of the next request. Times are the database's.
    """

    __tablename__ = "host_pace"

    host: str = Field(primary_key=True)
    next_at: dt.datetime = Field(sa_type=UTCDateTime)
    held_by: str | None = None
    held_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
