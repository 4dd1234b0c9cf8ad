"""Persistence: SQLModel tables, engine/session, queries and Alembic migrations.

The API other packages use (everything else is internal):

- `storage.engine`: `open_database(url) -> Engine` (refuses a missing/older/newer schema
  with `DatabaseError`), `init_database(url)` (create or upgrade), `normalize_url`.
- `storage.documents`: `save_version(session, doc, *, url, raw, fetched_at, …) -> SaveResult`,
  `touch(session, document, *, seen_at, …)`, `load_version_document(session, version)`,
  `latest_version`, `diff_versions`, `version_raw`.
- `storage.events`: `record_event(session, *, kind, dedupe_key, …) -> Event | None`, `list_events`.
- `storage.queries`: `find_document(session, ref)` (id, URL or 文号 in any written form),
  `suggest_documents`, `list_documents`, `versions_of`, `relations_from`, `relations_to`,
  `document_json`.
- `storage.search`: `search(session, text, *, status=None, limit=20) -> list[SearchHit]`.
- `storage.web_queries`: the web view's reads — `filtered_documents(session, DocumentFilter)`,
  `recent_events(session, EventFilter)`, `event_feed_state`, `dated_documents`,
  `documents_state`, `sources_with_last_check`, `source_names`.
- `storage.readonly`: `open_read_only(url) -> Engine`, whose connections cannot write.

Transaction contract: storage functions add and flush, they never commit; the caller
(`tracker.pipeline`) owns the unit of work and commits once.
"""
