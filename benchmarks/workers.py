"""Throughput of `tracker worker` processes on one PostgreSQL database: 1 vs 3 workers.

    .venv/bin/python benchmarks/workers.py [--hosts 30] [--delay 0.2] [--documents 10000]

Two crawls, each from an empty database, enqueued with `tracker crawl --enqueue` and timed
until every document is stored and the queue is empty:

- delay-bound: `--hosts` loopback addresses (127.0.1.1 …) at `--delay` seconds per host,
  fifteen sources of two hosts each, run by 1 and by 3 workers (`--concurrency 1`: one
  crawl per worker), so the figure is what adding workers buys when the sites'
  politeness, not the CPU, is the limit: a source's ceiling is 2 / delay documents per
  second (the next request to a host leaves `delay` after the last answer);
- CPU-bound: `--documents` documents on ten hosts with no delay, four sources, by 1 and 2
  workers (`--concurrency 2`), where parsing and storing are the limit.

The servers run in a child process. Figures are documents per second, wall clock.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TRACKER = str(Path(sys.executable).with_name("tracker"))
ADMIN_URL = "postgresql://root@127.0.0.1:5432/test"


def serve(
    documents: int, sources: int, hosts_per_source: int | None, addresses: list[str], delay: float, tables_queue: Any, stop: Any
) -> None:
    from benchmarks.multihost import SpreadSite, source_tables, start_servers

    site = SpreadSite(documents, sources, hosts_per_source)
    servers = start_servers(site, addresses)
    tables_queue.put(source_tables(site, addresses, delay))
    stop.wait()
    for server in servers:
        server.stop()


def crawl_with_workers(tables: list[dict[str, Any]], documents: int, workers: int, concurrency: int) -> float:
    """Seconds from `tracker crawl --enqueue` to an empty queue, on a fresh database (every document stored)."""
    import sqlalchemy as sa
    import tomli_w

    from storage.engine import init_database, open_database

    name = f"bench_workers_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        init_database(url)
        engine = open_database(url)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder, "tracker.toml")
            config.write_text(tomli_w.dumps({"source": tables}), encoding="utf-8")
            base = [TRACKER, "--db", url, "--config", str(config)]
            processes = [
                subprocess.Popen([*base, "worker", "--concurrency", str(concurrency), "--log-level", "warning"])
                for _ in range(workers)
            ]
            started = time.perf_counter()
            subprocess.run([*base, "crawl", "--enqueue"], check=True, stdout=subprocess.DEVNULL)
            while _queued(engine):
                if any(process.poll() is not None for process in processes):
                    raise SystemExit("a worker exited")
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            stored = _stored(engine)
            if stored != documents:
                raise SystemExit(f"{stored} documents stored of {documents}")
        engine.dispose()
        return seconds
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _stored(engine: Any) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM document WHERE NOT is_placeholder").scalar_one())


def _queued(engine: Any) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')").scalar_one())


def measure(
    label: str,
    documents: int,
    sources: tuple[int, int | None],
    addresses: list[str],
    delay: float,
    runs: list[tuple[int, int]],
) -> None:
    """Crawl the site once per (workers, concurrency) in `runs`; `sources` is (how many, hosts each)."""
    context = multiprocessing.get_context("spawn")
    tables_queue, stop = context.Queue(), context.Event()
    child = context.Process(target=serve, args=(documents, *sources, addresses, delay, tables_queue, stop), daemon=True)
    child.start()
    try:
        tables = tables_queue.get(timeout=120)
        for workers, concurrency in runs:
            seconds = crawl_with_workers(tables, documents, workers, concurrency)
            print(
                f"{label:<48} {workers} worker(s) x concurrency {concurrency}: "
                f"{documents / seconds:7.1f} documents/s  ({documents} in {seconds:6.1f} s)",
                flush=True,
            )
    finally:
        stop.set()
        child.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--delay-documents", type=int, default=900)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--skip-cpu", action="store_true", help="only the delay-bound crawl")
    args = parser.parse_args()

    hosts = [f"127.0.1.{n}" for n in range(1, args.hosts + 1)]
    per_source = 2 / args.delay
    label = f"delay-bound: {args.hosts} hosts at {args.delay:g} s, {per_source:.0f}/s a source"
    measure(label, args.delay_documents, (args.hosts // 2, 2), hosts, args.delay, [(1, 1), (3, 1)])
    if not args.skip_cpu:
        cpu_hosts = [f"127.0.2.{n}" for n in range(1, 11)]
        measure("CPU-bound: 10 hosts, no delay", args.documents, (4, None), cpu_hosts, 0.0, [(1, 2), (2, 2)])


if __name__ == "__main__":
    main()
