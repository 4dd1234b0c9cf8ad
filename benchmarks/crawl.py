"""Crawl throughput on a generated local site of 10,000 documents (per-host delay 0).

    .venv/bin/python benchmarks/crawl.py [--documents N] [--profile]

The site runs in a child process (a real HTTP server on 127.0.0.1) so its work does not
count against the crawler; documents are varied copies of the fixture pages bundled with
the sample site (three seeds in the Hanweb template, the ten State Council pages), each
with its own title, document number and a sentence of its own. Figures printed:

- first crawl: documents/s end to end (listing, fetch, parse, store, lifecycle, events);
- unchanged re-crawl, three ways: the default incremental run (stops after the first
  all-known page), a full walk with a conditional GET per document (`revisit = "listed"`,
  every answer a 304), and a full walk trusting the listing (`revisit = "changed"`);
- requests per document for each, CPU per document in the crawler process and in its
  parser processes (`[tracker] parse_workers`), and the peak RSS of the crawler and of
  each parser process (the target is the crawler's; the sum is what the machine gives).

Targets: ≥ 100 documents/s first crawl, ≥ 1,000 documents/s unchanged re-crawl, RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import multiprocessing
import os
import pstats
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sources.samplesite.server import Request, Response
    from tracker.pipeline import SourceRun

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The project is imported inside the functions that use it, not up here: `spawn` re-imports
# this script in every parser process, as it does the `tracker` script (which imports only
# `tracker.console`), and the parser processes' memory should be what it is under the CLI.

PAGE_SIZE = 100


class GeneratedSite:
    """`/list/index_N.html` listings of PAGE_SIZE links; `/art/N.html` the N-th varied copy."""

    name = "generated"

    def __init__(self, documents: int) -> None:
        from sources.samplesite.documents import govcn_pages, seed
        from sources.samplesite.sites import _govcn_article, _hanweb_article

        self.documents = documents
        self.templates: list[tuple[str, str, str | None, str]] = []
        for number in ("000", "001", "002"):
            document = seed(number)
            self.templates.append((_hanweb_article(document).decode("gbk"), document.title, document.doc_number, "gbk"))
        for page in govcn_pages():
            self.templates.append((_govcn_article(page).decode("utf-8"), page.title, page.doc_number, "utf-8"))

    def title(self, n: int) -> str:
        return f"{self.templates[n % len(self.templates)][1]}（第{n}号副本）"

    def article(self, n: int) -> bytes:
        html, title, doc_number, encoding = self.templates[n % len(self.templates)]
        html = html.replace(title, self.title(n))
        if doc_number:
            html = html.replace(doc_number, doc_number.replace("号", f"{n}号"))
        marker = "<div id=\"zoom\">" if "id=\"zoom\"" in html else "id=\"UCAP-CONTENT\">"
        html = html.replace(marker, f"{marker}<p>本文件为基准测试生成的第{n}号副本，编号{n}。</p>", 1)
        return html.encode(encoding, errors="xmlcharrefreplace")

    def date(self, n: int) -> dt.date:
        """Newest first, like a real listing: ten documents a day going back from the end of 2025."""
        return dt.date(2025, 12, 31) - dt.timedelta(days=n // 10)

    def respond(self, request: Request) -> Response:
        from sources.samplesite.server import Response

        if request.path.startswith("/list/index_"):
            return self.listing(int(request.path.removeprefix("/list/index_").removesuffix(".html")))
        if request.path.startswith("/art/"):
            n = int(request.path.removeprefix("/art/").removesuffix(".html"))
            if not 0 <= n < self.documents:
                return Response(404, b"not found", "text/plain", validators=False)
            etag = f'"v1-{n}"'
            if request.headers.get("if-none-match") == etag:
                return Response(304, b"", headers={"ETag": etag}, validators=False)
            content_type = "text/html" if n % len(self.templates) < 3 else "text/html; charset=utf-8"
            return Response(200, self.article(n), content_type, headers={"ETag": etag}, validators=False)
        return Response(404, b"not found", "text/plain", validators=False)

    def listing(self, page: int) -> Response:
        from sources.samplesite.server import Response

        pages = -(-self.documents // PAGE_SIZE)
        first = (page - 1) * PAGE_SIZE
        items = "".join(
            f"<li><a href=\"/art/{n}.html\">{self.title(n)}</a><span>{self.date(n).isoformat()}</span></li>"
            for n in range(first, min(first + PAGE_SIZE, self.documents))
        )
        next_link = f"<a class=\"next\" href=\"/list/index_{page + 1}.html\">下一页</a>" if page < pages else ""
        body = f"<html><head><meta charset=\"utf-8\"></head><body><ul class=\"list\">{items}</ul>{next_link}</body></html>"
        return Response(200, body.encode("utf-8"), "text/html; charset=utf-8", validators=False)


def serve(documents: int, port_queue: Any, stop: Any) -> None:
    from sources.samplesite.server import SiteServer

    server = SiteServer(GeneratedSite(documents))
    server.start()
    port_queue.put(server.base_url)
    stop.wait()
    server.stop()


def run(engine: Any, base_url: str, documents: int, **options: Any) -> tuple[SourceRun, float, float, float]:
    """One crawl; returns its result, wall seconds, the crawler's CPU seconds and its parser processes'."""
    from sources.http import HttpPolicy
    from tracker.core.config import settings_from_dict
    from tracker.pipeline import crawl

    table = {
        "name": "generated",
        "kind": "listing",
        "start_urls": [f"{base_url}/list/index_1.html"],
        "delay": 0,
        "max_pages": documents // PAGE_SIZE + 1,
        "item": "ul.list li",
        "next_page": "a.next",
        **options,
    }
    settings = settings_from_dict({"source": [table]})
    policy = HttpPolicy(default_delay=0, per_host_concurrency=8, global_concurrency=16, retries=1, backoff=0.05)
    started, cpu_started, parsers_started = time.perf_counter(), time.process_time(), parser_cpu()
    [result] = crawl(engine, settings, policy=policy)
    parsers = parser_cpu()
    parser_seconds = sum(cpu - parsers_started.get(pid, 0.0) for pid, cpu in parsers.items())
    return result, time.perf_counter() - started, time.process_time() - cpu_started, parser_seconds


def parser_cpu() -> dict[int, float]:
    """CPU seconds so far of each parser process (`[tracker] parse_workers`), from /proc."""
    from tracker.pipeline.workers import ParserPool

    seconds = {}
    for pool in ParserPool._pools.values():
        for pid in pool._processes:  # the executor keeps its workers by pid
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def parser_peak_rss() -> list[float]:
    """Peak resident memory (MB) of each live parser process, from /proc (VmHWM)."""
    from tracker.pipeline.workers import ParserPool

    peaks = []
    for pool in ParserPool._pools.values():
        for pid in pool._processes:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return peaks


def report(label: str, result: SourceRun, seconds: float, cpu: float, parsers: float, documents: int) -> None:
    """Wall throughput, plus CPU per document in the crawler and in its parser processes: when
    the machine is busy, wall time says little, and the two CPU figures (whose sum has to fit
    in the cores) say where the work is."""
    print(
        f"{label:<44} {documents / seconds:8.0f} documents/s  {seconds:7.1f} s  "
        f"CPU {cpu / documents * 1000:5.1f} + {parsers / documents * 1000:4.1f} ms/document (crawler + parsers)  "
        f"{result.requests / documents:5.3f} requests/document  "
        f"(new {result.new}, unchanged {result.unchanged}, errors {result.errors + result.blocked})"
    )


@contextlib.contextmanager
def scratch_database(folder: str, postgres: bool) -> Iterator[str]:
    """A fresh SQLite file in `folder`, or a scratch PostgreSQL database dropped afterwards."""
    from benchmarks.bulkdata import PG_ADMIN, drop_postgres, scratch_postgres_url

    if not postgres:
        yield f"sqlite:///{folder}/bench.db"
        return
    name = f"tracker_crawl_{uuid.uuid4().hex[:8]}"
    try:
        yield scratch_postgres_url(PG_ADMIN, name)
    finally:
        drop_postgres(PG_ADMIN, name)


def main() -> None:
    from benchmarks.footprint import describe
    from storage.engine import init_database, open_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="profile the first crawl (top 25 functions)")
    parser.add_argument("--postgres", action="store_true", help="crawl into a scratch PostgreSQL database, not SQLite")
    args = parser.parse_args()
    n = args.documents

    context = multiprocessing.get_context("spawn")
    port_queue, stop = context.Queue(), context.Event()
    child = context.Process(target=serve, args=(n, port_queue, stop), daemon=True)
    child.start()
    base_url = port_queue.get(timeout=60)
    try:
        with tempfile.TemporaryDirectory() as folder, scratch_database(folder, args.postgres) as url:
            init_database(url)
            engine = open_database(url)
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            first, *timings = run(engine, base_url, n)
            if profiler:
                profiler.disable()
            report("first crawl (parse + store everything)", first, *timings, n)
            incremental, seconds_inc, *_cpu = run(engine, base_url, n)
            print(
                f"{'unchanged re-crawl, incremental (default)':<44} {seconds_inc:7.2f} s  {incremental.requests} requests "
                f"(stopped after {incremental.pages} all-known page)"
            )
            full, *timings = run(engine, base_url, n, incremental=False)
            report("unchanged re-crawl, full walk + 304 each", full, *timings, n)
            trusted, *timings = run(engine, base_url, n, incremental=False, revisit="changed")
            report("unchanged re-crawl, full walk, listing-based", trusted, *timings, n)
            stored = describe(engine, n)
            engine.dispose()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        parsers = parser_peak_rss()
        print(
            f"peak RSS: crawler process {peak:.0f} MB, {len(parsers)} parser process(es) "
            f"{' + '.join(f'{mb:.0f}' for mb in parsers) or '0'} MB, together {peak + sum(parsers):.0f} MB"
        )
        print(f"stored, KB per document by table: {stored}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        stop.set()
        child.join(timeout=10)


if __name__ == "__main__":
    main()
