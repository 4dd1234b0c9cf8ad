"""The daemon's own overhead at scale: planning jobs, scheduling them, and `tracker status`.

With 2,000 sources (a whole province's worth of columns) it times: reading tracker.toml
and planning every job (`plan_jobs`), adding them all to a paused APScheduler with their
restart-aware first run times (what `tracker run` does at start and on SIGHUP), and
`daemon_status` (what `tracker status` shows) on a SQLite database holding 50 finished
crawl runs per source and 100,000 deliveries. Targets: planning and scheduling 2,000
sources under 5 s (start-up and a SIGHUP that changes every schedule), status under 1 s.

    .venv/bin/python benchmarks/scheduler.py [--sources N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

# Run from the repository root's point of view: benchmarks/storage.py must not shadow the storage package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import sqlalchemy as sa  # noqa: E402
import tomli_w  # noqa: E402
from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402

from storage.engine import init_database, open_database  # noqa: E402
from storage.status import save_daemon_state  # noqa: E402
from storage.tables import CheckRun, Delivery, Event, Source  # noqa: E402
from tracker.core.config import load_settings  # noqa: E402
from tracker.daemon import daemon_status, first_run_time, plan_jobs  # noqa: E402

NOW = dt.datetime(2026, 11, 22, 22, 0, tzinfo=dt.timezone.utc)
RUNS_PER_SOURCE = 50
DELIVERIES = 100_000
SCHEDULES = ("every 6h", "every 30m", "0 */6 * * *", "15 8,20 * * 1-5", "every 1h30m jitter 2m")


def write_config(path: Path, sources: int) -> None:
    tables = [
        {"name": f"column-{i:05d}", "kind": "files", "start_urls": [f"file:///srv/{i}"], "schedule": SCHEDULES[i % len(SCHEDULES)]}
        for i in range(sources)
    ]
    path.write_text(tomli_w.dumps({"source": tables}), encoding="utf-8")


def fill_database(engine: sa.Engine, sources: int, rng: random.Random) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Source),
            [{"name": f"column-{i:05d}", "kind": "files", "config": {}, "enabled": True, "consecutive_failures": 0,
              "last_run_at": NOW - dt.timedelta(minutes=rng.randrange(600))} for i in range(sources)],
        )  # fmt: skip
        runs = []
        for source_id in range(1, sources + 1):
            for run in range(RUNS_PER_SOURCE):
                started = NOW - dt.timedelta(hours=6 * (RUNS_PER_SOURCE - run))
                runs.append({"source_id": source_id, "started_at": started, "finished_at": started + dt.timedelta(seconds=30),
                             "outcome": rng.choice(("ok", "ok", "ok", "partial", "failed")), "pages": 1, "requests": 3,
                             "documents": 2, "new": 0, "changed": 0, "unchanged": 2, "removed": 0, "blocked": 0,
                             "errors": 0, "error_details": []})  # fmt: skip
        connection.execute(sa.insert(CheckRun), runs)
        connection.execute(
            sa.insert(Event),
            [{"kind": "document_added", "dedupe_key": f"k{i}", "payload": {}, "occurred_at": NOW} for i in range(DELIVERIES)],
        )
        connection.execute(
            sa.insert(Delivery),
            [{"event_id": i + 1, "subscription": "team", "channel": "console", "mode": "immediate",
              "state": rng.choice(("sent",) * 18 + ("pending", "dead")), "attempts": 1, "next_attempt_at": NOW,
              "created_at": NOW} for i in range(DELIVERIES)],
        )  # fmt: skip


def timed(label: str, action, repeat: int = 3) -> object:  # noqa: ANN001 - any callable
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<58} {best * 1000:9.1f} ms (best of {repeat})")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "tracker.toml"
        write_config(config, args.sources)
        db_url = f"sqlite:///{Path(tmp) / 'tracker.db'}"
        init_database(db_url)
        engine = open_database(db_url)
        started = time.perf_counter()
        fill_database(engine, args.sources, rng)
        print(f"database: {args.sources} sources, {args.sources * RUNS_PER_SOURCE} crawl runs, {DELIVERIES} deliveries "
              f"(filled in {time.perf_counter() - started:.1f} s)")  # fmt: skip

        settings = load_settings(config)
        plan = timed(f"load tracker.toml + plan_jobs ({args.sources} sources)", lambda: plan_jobs(load_settings(config), dispatch_every=5))
        assert isinstance(plan, list)

        def schedule_all() -> int:
            scheduler = BackgroundScheduler(timezone=dt.timezone.utc)
            scheduler.start(paused=True)
            for job in plan:
                first = first_run_time(job.schedule.trigger, last_run=NOW - dt.timedelta(hours=1), now=NOW, catch_up_first=True)
                scheduler.add_job(print, job.schedule.trigger, id=job.id, next_run_time=first)
            count = len(scheduler.get_jobs())
            scheduler.shutdown(wait=False)
            return count

        timed(f"add {len(plan)} jobs with restart-aware first runs", schedule_all)
        save_daemon_state(
            engine,
            holder="pid 1 on bench",
            started_at=NOW,
            config_path=str(config),
            jobs={job.id: {"schedule": job.schedule.text, "next_run": NOW.isoformat(), "last_run": None} for job in plan},
            stopped=False,
        )
        report = timed("tracker status (daemon_status)", lambda: daemon_status(engine, settings))
        assert isinstance(report, dict) and len(report["sources"]) == args.sources
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
