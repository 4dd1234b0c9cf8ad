"""The daily lifecycle sweep over 100,000 documents on SQLite (target: under 10 s per sweep).

Builds a migrated SQLite database in a temporary directory, bulk-loads documents with a
spread of issue/effective/expiry dates, validity fields and placeholders, plus repeal and
amend relations between them, then times `storage.lifecycle.sweep` — the function
`tracker sweep` runs — three times: the first sweep (every row written), the next day
(few changes) and 60 days later (many transitions and reminders).

    .venv/bin/python benchmarks/sweep.py [--documents N]
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
from sqlmodel import Session  # noqa: E402

from storage.engine import init_database, open_database  # noqa: E402
from storage.lifecycle import SweepResult, sweep  # noqa: E402
from storage.tables import Document, Relation  # noqa: E402

START = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 22, 0, tzinfo=dt.timezone.utc)


def document_rows(count: int, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for index in range(1, count + 1):
        issued = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(12 * 365))
        placeholder = index % 25 == 0
        effective = issued + dt.timedelta(days=rng.randrange(60)) if rng.random() < 0.7 else None
        expires = issued + dt.timedelta(days=rng.choice((365, 730, 1095, 1825))) if rng.random() < 0.6 else None
        rows.append(
            {
                "id": index,
                "url": f"https://bench.example.gov.cn/art/{index}.html",
                "title": f"关于第{index}项政策的通知",
                "doc_number": f"杭政办〔{issued.year}〕{index}号",
                "doc_number_norm": f"杭政办〔{issued.year}〕{index}号",
                "issued_on": None if placeholder else issued,
                "effective_from": None if placeholder else effective,
                "expires_on": None if placeholder else expires,
                "validity": rng.choice((None, None, None, "有效", "失效", "废止")),
                "is_placeholder": placeholder,
                "status": "unknown",
                "amended": False,
                "first_seen": NOW,
                "last_seen": NOW,
                "missing_runs": 0,
            }
        )
    return rows


def relation_rows(count: int, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for _ in range(count // 10):
        source, target = rng.randrange(1, count + 1), rng.randrange(1, count + 1)
        if source != target:
            kind = rng.choice(("repeals", "repeals", "amends", "confirms"))
            rows.append({"from_document_id": source, "target_document_id": target, "kind": kind, "evidence": "同时废止。"})
    return rows


def load(engine: sa.Engine, count: int) -> None:
    rng = random.Random(20261122)
    with engine.begin() as connection:
        connection.execute(sa.insert(Document), document_rows(count, rng))
        connection.execute(sa.insert(Relation), relation_rows(count, rng))


def timed_sweep(engine: sa.Engine, on: dt.date) -> tuple[float, float, SweepResult]:
    """Wall-clock and CPU seconds: on a shared machine the CPU time shows the sweep's own cost."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with Session(engine, expire_on_commit=False) as session:
        result = sweep(session, on, occurred_at=NOW)
        session.commit()
    return time.perf_counter() - started, time.process_time() - cpu_started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        init_database(url)
        engine = open_database(url)
        started = time.perf_counter()
        load(engine, args.documents)
        print(f"loaded {args.documents:,} documents + relations in {time.perf_counter() - started:.2f} s")
        worst = 0.0
        for label, on in (("first sweep", START), ("next day", START + dt.timedelta(days=1)), ("60 days later", START + dt.timedelta(days=61))):
            seconds, cpu, result = timed_sweep(engine, on)
            worst = max(worst, seconds)
            print(
                f"{label:>14} ({on}): {seconds:.2f} s ({cpu:.2f} s CPU) — assessed {result.assessed:,}, "
                f"rows updated {result.updated:,}, events {result.counts()}"
            )
        engine.dispose()
    verdict = "OK" if worst < 10 else "TOO SLOW"
    print(f"slowest sweep {worst:.2f} s (target < 10 s): {verdict}")
    return 0 if worst < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
