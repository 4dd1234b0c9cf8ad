"""`tracker search` at 10,000 documents (target: median < 100 ms), SQLite and PostgreSQL.

Terms of two, three and four characters, common and rare, as people type them. Then the
cost of keeping the index: replacing a gov.cn-sized document's entries in that store, one
document per transaction and a crawler's batch of 50 per transaction, by wall clock and by
this process's CPU time (for PostgreSQL the server's share is not in the CPU figure).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

# Run from the repository root's point of view: benchmarks/storage.py must not shadow the
# storage package, and benchmarks.bulkdata must be importable.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from benchmarks.bulkdata import on_both_databases, populate, seed_sentences  # noqa: E402
from storage.engine import init_database, open_database  # noqa: E402
from storage.search import SearchItem, index_documents, search  # noqa: E402

DOCUMENTS = 10_000
TERMS = [
    "脑机",
    "算力",
    "首台（套）",
    "类脑智能",
    "脑机接口",
    "概念验证中心",
    "医疗器械",
    "有效期",
    "先导区",
    "补助",
    "闵行",
    "国务院",
    "地方政府",
    "军队",
]
REINDEXED = 500
ENTRIES = 24  # title and clauses of a typical gov.cn policy page


def measure(url: str, label: str) -> None:
    init_database(url)
    engine = open_database(url)
    start = time.perf_counter()
    populate(engine, DOCUMENTS)
    print(f"{label}: generated {DOCUMENTS} documents in {time.perf_counter() - start:.1f} s")
    timings: dict[str, list[float]] = {term: [] for term in TERMS}
    with Session(engine) as session:
        for _ in range(5):
            for term in TERMS:
                t0 = time.perf_counter()
                hits = search(session, term)
                timings[term].append((time.perf_counter() - t0) * 1000)
                assert hits, term
    every = [t for values in timings.values() for t in values]
    worst = max(timings, key=lambda term: statistics.median(timings[term]))
    print(
        f"{label}: search median {statistics.median(every):.1f} ms (target < 100 ms); "
        f"slowest term {worst} {statistics.median(timings[worst]):.1f} ms"
    )
    for batch, first in ((1, 1), (50, REINDEXED + 1)):
        wall, cpu = reindex(engine, range(first, first + REINDEXED), batch)
        print(f"{label}: index {wall:.2f} ms/document, {cpu:.2f} ms by CPU time ({batch} per transaction)")
    engine.dispose()


def reindex(engine: sa.Engine, document_ids: range, batch: int) -> tuple[float, float]:
    """Milliseconds per document, wall and CPU, to replace the entries of these documents."""
    rng = random.Random(2)
    sentences = seed_sentences()
    items: list[SearchItem] = [
        (d, rng.choice(sentences)[:30], [(None, str(i), " ".join(rng.sample(sentences, 2))) for i in range(ENTRIES - 1)], True)
        for d in document_ids
    ]
    with Session(engine) as session:
        start, cpu_start = time.perf_counter(), time.process_time()
        for position in range(0, len(items), batch):
            index_documents(session, items[position : position + batch])
            session.commit()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return wall * 1000 / len(items), cpu * 1000 / len(items)


def main() -> None:
    on_both_databases(measure)


if __name__ == "__main__":
    main()
