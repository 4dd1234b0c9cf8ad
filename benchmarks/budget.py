"""Where a first crawl's CPU goes, stage by stage, each measured alone on one core.

    .venv/bin/python benchmarks/budget.py [--documents N]

The crawl benchmark's generated pages (`benchmarks/crawl.py`) go through each stage of a
first crawl in turn, in this process, timed with `time.process_time` (so other work on the
machine does not count):

- fetch: the polite client (`sources.http.HttpClient`, no delay) from the site served by a
  child process on 127.0.0.1, one request at a time;
- parse: `tracker.core.prepare.parse_page`;
- prepare: the rest of `prepare_page` (content hashes, the compressed body, packed clauses,
  search bigrams);
- hop: pickling the body to a parser process and its prepared documents back;
- save: `save_documents` + `settle` in batches of 50 pages, one transaction each, into a
  scratch SQLite database, as the crawler's batch writer does; the share spent adding the
  batch's bigrams to the FTS5 index at commit is printed apart.

The sum is the CPU a document needs wherever it runs; divided into the machine's cores, it
is the ceiling of a first crawl's documents/s before the site's own work, start-up and the
hand-offs between threads and processes. `benchmarks/versus.py` measures the real crawl.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.crawl import GeneratedSite, serve  # noqa: E402

BATCH = 50


def content_type(n: int) -> str:
    """What the generated site sends: its Hanweb pages declare no charset."""
    return "text/html" if n % 13 < 3 else "text/html; charset=utf-8"


def cpu_per_document(work: Callable[[], Any], documents: int) -> float:
    """Milliseconds of this process's CPU per document that `work` spends."""
    started = time.process_time()
    work()
    return (time.process_time() - started) / documents * 1000


def fetch_all(base_url: str, documents: int) -> None:
    from sources.http import HttpClient, HttpPolicy

    async def run() -> None:
        async with HttpClient(HttpPolicy(default_delay=0, retries=0)) as client:
            for n in range(documents):
                await client.fetch(f"{base_url}/art/{n}.html", delay=0, obey_robots=False)

    asyncio.run(run())


def save_all(pages: list[list[Any]], engine: Any) -> float:
    """Save the prepared pages in batches; returns the CPU seconds spent adding to the FTS index."""
    from sqlmodel import Session

    from storage import search_fts
    from tracker.core.config import settings_from_dict
    from tracker.pipeline.saving import save_documents, settle

    lifecycle = settings_from_dict({}).tracker
    index_seconds = 0.0
    add_pending = search_fts.add_pending

    def timed_add(*args: Any) -> None:
        nonlocal index_seconds
        started = time.process_time()
        add_pending(*args)
        index_seconds += time.process_time() - started

    search_fts.add_pending = timed_add
    try:
        fetched_at = dt.datetime.now(dt.timezone.utc)
        for start in range(0, len(pages), BATCH):
            with Session(engine, expire_on_commit=False) as session:
                results = []
                for prepared in pages[start : start + BATCH]:
                    with session.begin_nested():
                        results += save_documents(session, prepared, fetched_at=fetched_at, content_type="text/html")
                settle(session, results, fetched_at=fetched_at, lifecycle=lifecycle)
                session.commit()
    finally:
        search_fts.add_pending = add_pending
    return index_seconds


def main() -> None:
    from storage.engine import init_database, open_database
    from tracker.core.prepare import parse_page, prepare_page

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    n = parser.parse_args().documents

    site = GeneratedSite(n)
    bodies = [site.article(i) for i in range(n)]
    urls = [f"http://bench.invalid/art/{i}.html" for i in range(n)]
    context = multiprocessing.get_context("spawn")
    port_queue, stop = context.Queue(), context.Event()
    child = context.Process(target=serve, args=(n, port_queue, stop), daemon=True)
    child.start()
    try:
        fetch = cpu_per_document(lambda: fetch_all(port_queue.get(timeout=60), n), n)
    finally:
        stop.set()
        child.join(timeout=10)
    jobs = list(enumerate(zip(bodies, urls)))
    parse = cpu_per_document(lambda: [parse_page(b, url=u, content_type=content_type(i)) for i, (b, u) in jobs], n)
    pages: list[list[Any]] = []
    prepared = (prepare_page(b, url=u, content_type=content_type(i)) for i, (b, u) in jobs)
    prepare = cpu_per_document(lambda: pages.extend(prepared), n)
    prepare -= parse
    hop = cpu_per_document(lambda: [pickle.loads(pickle.dumps(x)) for pair in zip(bodies, pages) for x in pair], n)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/budget.db"
        init_database(url)  # the schema is made before the clock starts
        engine = open_database(url)
        index_seconds = 0.0

        def save_pages() -> None:
            nonlocal index_seconds
            index_seconds = save_all(pages, engine)

        save = cpu_per_document(save_pages, n)
        engine.dispose()
    index = index_seconds / n * 1000
    stages = {"fetch": fetch, "parse": parse, "prepare": prepare, "hop": hop, "save": save}
    total = sum(stages.values())
    print(f"first-crawl CPU per document, each stage alone on one core ({n} generated pages, {os.cpu_count()} CPUs)")
    for name, ms in stages.items():
        extra = f"   of which the FTS5 index at commit {index:.2f} ms" if name == "save" else ""
        print(f"  {name:<8} {ms:6.2f} ms  {ms / total:4.0%}{extra}")
    print(f"  {'total':<8} {total:6.2f} ms")
    cores = os.cpu_count() or 1
    print(f"ceiling on {cores} core(s), nothing else running: {cores / total * 1000:.0f} documents/s")


if __name__ == "__main__":
    main()
