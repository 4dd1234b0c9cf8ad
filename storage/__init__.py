"""Persistence: tables, engine, migrations, and what each part of the tracker stores and reads.

Storage stores what it is told and answers questions; it decides nothing (no diff, no
event choice, no rule): those are the core's, and `tracker.pipeline` wires them. The API
other packages use is below; everything else is internal.

Transaction contract: functions that take a session add and flush, they never commit; the
caller owns the unit of work and commits once. Functions that take an engine are one
committed transaction each (the crawler's state, the outbox's claims).
"""

from storage.alert_rows import AlertRow, load_alert_rows, version_texts
from storage.attachments import attachment_bytes, attachments_of, save_attachments
from storage.crawl_state import Known, upsert_sources
from storage.deliveries import DeliveryView, discard, get_delivery, list_deliveries, requeue
from storage.documents import find_by_url, latest_version, load_version_document, store_version, touch, version_raw
from storage.engine import create_engine, init_database, normalize_url, open_database
from storage.events import list_events, record_event, record_spec
from storage.lifecycle import SweepResult, expiring_documents, preview_sweep, refresh_statuses, sweep
from storage.lock import scheduler_lock
from storage.outbox import OutboxStore, insert_deliveries
from storage.queries import (
    document_json,
    find_document,
    list_documents,
    relations_from,
    relations_to,
    suggest_documents,
    versions_of,
)
from storage.search import SearchHit, search
from storage.status import delivery_counts, load_daemon_state, save_daemon_state, sources_with_last_run

__all__ = [
    "AlertRow",
    "DeliveryView",
    "Known",
    "OutboxStore",
    "SearchHit",
    "SweepResult",
    "attachment_bytes",
    "attachments_of",
    "create_engine",
    "delivery_counts",
    "discard",
    "document_json",
    "expiring_documents",
    "find_by_url",
    "find_document",
    "get_delivery",
    "init_database",
    "insert_deliveries",
    "latest_version",
    "list_deliveries",
    "list_documents",
    "list_events",
    "load_alert_rows",
    "load_daemon_state",
    "load_version_document",
    "normalize_url",
    "open_database",
    "preview_sweep",
    "record_event",
    "record_spec",
    "refresh_statuses",
    "relations_from",
    "relations_to",
    "requeue",
    "save_attachments",
    "save_daemon_state",
    "scheduler_lock",
    "search",
    "sources_with_last_run",
    "store_version",
    "suggest_documents",
    "sweep",
    "touch",
    "upsert_sources",
    "version_raw",
    "version_texts",
    "versions_of",
]
