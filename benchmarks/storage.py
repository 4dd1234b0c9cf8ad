"""`history` and `show` at 10,000 documents × 3 versions (target: median < 50 ms), and ingest.

For SQLite and PostgreSQL: bulk-load the store, then time what the two commands run
(`find_document` by 文号 written another way, versions, the current version with its
clauses, relations both ways). Ingest throughput is the whole pipeline (parse, save, diff,
lifecycle, one commit per document) on the seed texts made distinct per document, and
`save_version` alone (target ≥ 50 documents/s on SQLite).

    .venv/bin/python benchmarks/storage.py [DOCUMENTS]     (default 10000)
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

# Run from the repository root's point of view: this file must not shadow the storage package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlmodel import Session  # noqa: E402

from benchmarks.bulkdata import SEEDS, doc_number, on_both_databases, populate  # noqa: E402
from storage.engine import init_database, open_database  # noqa: E402
from tracker.pipeline.saving import save_version  # noqa: E402
from storage.queries import document_json, find_document, relations_from, relations_to, versions_of  # noqa: E402
from tracker.core.parse import parse_document  # noqa: E402
from tracker.pipeline import store_fetched  # noqa: E402

DOCUMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
LOOKUPS = 100
INGESTS = 400


def history(session: Session, ref: str) -> None:
    document = find_document(session, ref)
    assert document is not None and document.id is not None
    assert len(versions_of(session, document.id)) == 3


def show(session: Session, ref: str) -> None:
    document = find_document(session, ref)
    assert document is not None and document.id is not None
    document_json(session, document, clauses=True)
    relations_from(session, document.id)
    relations_to(session, document.id)
    versions_of(session, document.id)


def timed(action, session: Session, refs: list[str]) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for ref in refs:
        start = time.perf_counter()
        action(session, ref)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def ingest(database_url: str, *, parsed: bool) -> tuple[float, float]:
    """Documents per second by the wall clock, and by this process's CPU time.

    `parsed=False` runs the whole pipeline (parse, save, lifecycle, outbox); `parsed=True`
    only `save_version` on documents parsed beforehand (the storage layer's share). The CPU
    figure does not depend on what else the machine runs (SQLite works inside this process;
    for PostgreSQL the server's share is not counted).
    """
    bodies = [path.read_bytes() for path in sorted(SEEDS.glob("*.txt"))]
    notes = [f"\n\n第{i}次基准测试附注。\n".encode() for i in range(INGESTS)]
    pages = [(f"https://bench.test/{parsed}/{i}", bodies[i % len(bodies)] + note) for i, note in enumerate(notes)]
    documents = [parse_document(body, url=page_url, content_type="text/plain")[0] for page_url, body in pages]
    engine = open_database(database_url)
    fetched_at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    start = time.perf_counter()
    cpu_start = time.process_time()
    for (page_url, body), document in zip(pages, documents):
        with Session(engine) as session:
            if parsed:
                save_version(session, document, url=page_url, raw=body, fetched_at=fetched_at)
            else:
                store_fetched(session, body, url=page_url, fetched_at=fetched_at, content_type="text/plain")
            session.commit()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    engine.dispose()
    return INGESTS / elapsed, INGESTS / cpu


def measure(url: str, label: str) -> None:
    init_database(url)
    engine = open_database(url)
    start = time.perf_counter()
    populate(engine, DOCUMENTS)
    if engine.dialect.name == "sqlite":  # the bulk load's WAL is the bulk load's cost, not the ingest's
        # Outside the engine: its connections open every transaction with BEGIN IMMEDIATE, and a
        # checkpoint cannot run inside a write transaction ("database table is locked").
        with sqlite3.connect(engine.url.database or "") as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"{label}: generated {DOCUMENTS} documents × 3 versions in {time.perf_counter() - start:.1f} s")
    rng = random.Random(3)
    # 文号 as people type them: square brackets and a space before 号
    numbers = [doc_number(rng.randrange(1, DOCUMENTS + 1)) for _ in range(LOOKUPS)]
    refs = [number.replace("〔", "[").replace("〕", "]").replace("号", " 号") for number in numbers]
    with Session(engine) as session:
        history_ms = timed(history, session, refs)
        show_ms = timed(show, session, refs)
    engine.dispose()
    print(f"{label}: history median {history_ms:.1f} ms, show median {show_ms:.1f} ms (target < 50 ms)")
    for parsed, what in ((False, "through the whole pipeline"), (True, "save_version alone")):
        wall, cpu = ingest(url, parsed=parsed)
        print(f"{label}: ingest {wall:.0f} documents/s {what}, {cpu:.0f}/s by CPU time (target ≥ 50 on SQLite)")


def main() -> None:
    on_both_databases(measure)


if __name__ == "__main__":
    main()
