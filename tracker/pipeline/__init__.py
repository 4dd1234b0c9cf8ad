"""The one place that wires the edges together: parse → store → diff → events → outbox.

The CLI and the scheduler call these entry points and hold no logic of their own:

- `saving`: a fetched page → versions, clauses, relations, events (`store_fetched`,
  `save_documents`, `settle`; the pure share is `tracker.core.prepare`) and `tracker ingest`
  (`ingest_file`);
- `crawl`: `tracker crawl` and the daemon's crawl jobs (`crawl`), which walk each source
  (`source_crawl`) with the parser processes, database thread and batch writer of `workers`;
- `sweep`: the daily lifecycle sweep (`sweep_statuses`) and its read-only what-if (`preview_statuses`);
- `outbox`: events → Delivery rows for the subscriptions that want them (`enqueue`), and the
  render-ready alerts of stored events (`load_alerts`);
- `dispatch`, `alerts`: the outbox's deliveries and digests go out (`dispatch_due`, `send_digest`);
- `history`: the clause diff between two stored versions (`diff_versions`).

Every step that records events also creates their Delivery rows in the same transaction.
The pipeline opens sessions and commits; every statement it runs is a `storage` function.
"""

from storage.crawl_state import upsert_sources
from tracker.pipeline.alerts import dispatch_due, send_digest
from tracker.pipeline.crawl import crawl, crawl_async, select_sources
from tracker.pipeline.saving import ingest_file, save_documents, settle, store_fetched
from tracker.pipeline.source_run import CrawlProgress, SourceRun
from tracker.pipeline.sweep import preview_statuses, sweep_statuses

__all__ = [
    "CrawlProgress",
    "SourceRun",
    "crawl",
    "crawl_async",
    "dispatch_due",
    "ingest_file",
    "preview_statuses",
    "save_documents",
    "select_sources",
    "send_digest",
    "settle",
    "store_fetched",
    "sweep_statuses",
    "upsert_sources",
]
