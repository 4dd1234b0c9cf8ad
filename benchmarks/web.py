"""`tracker web` at 10,000 documents, over a real uvicorn process, SQLite and PostgreSQL.

Targets (median of repeated requests): the document list and a document page < 100 ms, the
events feed < 100 ms, the whole calendar < 300 ms. The store is `benchmarks.bulkdata`'s,
plus effective dates, repeal dates and two events per document (a change with its clause
payload and a status change), so the feed and the calendar have real work to do.
"""

from __future__ import annotations

import datetime as dt
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks.bulkdata import on_both_databases, populate  # noqa: E402
from storage.engine import init_database, open_database  # noqa: E402
from storage.tables import Event  # noqa: E402

DOCUMENTS = 10_000
REPEATS = 15
TRACKER = str(Path(sys.executable).with_name("tracker"))
PAGES = {  # name: (path, target ms)
    "document list": ("/documents", 100),
    "document list, filtered": ("/documents?status=in_force&issuer=人民政府&q=措施&from=2018-01-01", 100),
    "document page": ("/documents/4321", 100),
    "redline": ("/documents/4321/redline", 100),
    "events feed": ("/feeds/events.atom", 100),
    "events feed, kind filter": ("/feeds/events.atom?kind=status_changed", 100),
    "calendar.ics": ("/calendar.ics", 300),
    "calendar page": ("/calendar?month=2026-12", 300),  # here 2,000 documents end within the 90 days it lists
    "API document": ("/api/documents/4321", 100),
}


def add_dates_and_events(engine: sa.Engine) -> None:
    """Effective dates, repeal dates and two events per document, written in bulk."""
    at = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    events = []
    for d in range(1, DOCUMENTS + 1):
        clause = {"change": "modified", "old_path": "1/（2）", "new_path": "1/（2）", "heading": None, "text": "单个项目最高补助300万元。",
                  "deleted": ["500"], "inserted": ["300"], "inline": [["equal", "单个项目最高补助"], ["delete", "500"], ["insert", "300"], ["equal", "万元。"]],
                  "figures": [{"kind": "money", "old": "500万元", "new": "300万元"}]}  # fmt: skip
        events.append({"kind": "document_changed", "document_id": d, "occurred_at": at + dt.timedelta(minutes=2 * d),
                       "dedupe_key": f"changed:{d}", "payload": {"summary": "1 modified", "from_version": 2, "to_version": 3, "clauses": [clause]}})  # fmt: skip
        events.append({"kind": "status_changed", "document_id": d, "occurred_at": at + dt.timedelta(minutes=2 * d + 1),
                       "dedupe_key": f"status:{d}", "payload": {"from": "in_force", "to": "repealed", "reason": "repealed by a later notice",
                                                                 "evidence": "本办法自发布之日起废止。"}})  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE document SET effective_from = issued_on"))
        connection.execute(sa.text("UPDATE document SET status_since = issued_on WHERE status = 'repealed'"))
        for start in range(0, len(events), 5000):
            connection.execute(sa.insert(Event), events[start : start + 5000])
        connection.exec_driver_sql("ANALYZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, config: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([TRACKER, "--db", url, "--config", str(config), "web", "--port", str(port)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("tracker web did not start")


def measure(url: str, label: str) -> None:
    init_database(url)
    engine = open_database(url)
    start = time.perf_counter()
    populate(engine, DOCUMENTS)
    add_dates_and_events(engine)
    engine.dispose()
    print(f"{label}: generated {DOCUMENTS} documents and {2 * DOCUMENTS} events in {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "tracker.toml"
        config.write_text("", encoding="utf-8")
        process, base = serve(url, config)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                for name, (path, target) in PAGES.items():
                    answer = client.get(path)
                    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
                    timings = []
                    for _ in range(REPEATS):
                        t0 = time.perf_counter()
                        client.get(path).raise_for_status()
                        timings.append((time.perf_counter() - t0) * 1000)
                    median = statistics.median(timings)
                    verdict = "ok" if median < target else "SLOW"
                    print(f"{label}: {name:<26} median {median:6.1f} ms (target < {target} ms) {verdict}, {len(answer.content) // 1024} KiB")
                etag = client.get("/feeds/events.atom").headers["etag"]
                t0 = time.perf_counter()
                for _ in range(REPEATS):
                    assert client.get("/feeds/events.atom", headers={"If-None-Match": etag}).status_code == 304
                print(f"{label}: {'feed, conditional GET (304)':<26} median {(time.perf_counter() - t0) * 1000 / REPEATS:6.1f} ms")
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    on_both_databases(measure)


if __name__ == "__main__":
    main()
