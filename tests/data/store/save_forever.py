"""Saves new versions of one document forever, one transaction each, reporting progress.

Run by tests/test_storage_kill.py, which SIGKILLs it while a transaction is open. Each
version has CLAUSES clauses; `flushed N` is printed inside the transaction (everything
written, not committed), `committed N` after the commit. Version HANG_AT (argv[2]) waits a
minute between the two, so the kill lands inside that transaction however slow the machine.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
import time

from sqlmodel import Session

from tracker.pipeline.saving import save_version
from storage.engine import open_database
from tracker.core.model import Clause, DocRef, PolicyDocument

CLAUSES = 40


def main(url: str, hang_at: int) -> None:
    engine = open_database(url)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for number in itertools.count(1):
        doc = PolicyDocument(
            title="中断测试文件",
            doc_number="杭政办函〔2026〕1号",
            repeals=[DocRef("旧文件", f"杭政〔2017〕{number}号", "同时废止。")],
            clauses=[Clause(f"一/（{j}）", f"第{number}版第{j}条：最高补助{number}万元。") for j in range(CLAUSES)],
        )
        with Session(engine) as session:
            save_version(session, doc, url="https://kill.test/1", raw=b"x" * 4096, fetched_at=start + dt.timedelta(hours=number))
            print(f"flushed {number}", flush=True)
            time.sleep(60 if number == hang_at else 0.01)
            session.commit()
        print(f"committed {number}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
