"""A process killed in the middle of saving leaves either the whole version or nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from storage.engine import open_database
from storage.tables import Clause, Document, Event, Relation, SearchEntry, Version
from tests.conftest import DATA, assert_search_index_consistent

SAVER = DATA / "store" / "save_forever.py"
CLAUSES = 40


def count(session: Session, query: sa.Select) -> int:  # type: ignore[type-arg]
    return int(session.execute(query).scalar_one())


@pytest.mark.slow
def test_sigkill_inside_the_transaction_leaves_whole_versions_only(db_url: str) -> None:
    child = subprocess.Popen(
        [sys.executable, str(SAVER), db_url, "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(DATA.parent.parent)},
    )
    committed = 0
    assert child.stdout is not None
    for line in child.stdout:
        kind, number = line.split()
        if kind == "committed":
            committed = int(number)
        elif int(number) == 4:  # version 4 is written and flushed; the saver waits before committing
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    assert committed == 3

    engine = open_database(db_url)
    with Session(engine) as session:
        versions = session.exec(select(Version).order_by(Version.number)).all()
        assert [v.number for v in versions] == [1, 2, 3]
        for version in versions:
            of_version = sa.select(sa.func.count()).select_from(Clause).where(Clause.version_id == version.id)
            assert count(session, of_version) == CLAUSES
        assert count(session, sa.select(sa.func.count()).select_from(Event)) == 3
        assert count(session, sa.select(sa.func.count()).select_from(Clause)) == 3 * CLAUSES
        # the current version (3) is what search sees: title + its clauses, nothing of version 4
        clause_entries = select(Clause.text).join(SearchEntry, SearchEntry.clause_id == Clause.id)  # type: ignore[arg-type]
        texts = session.exec(clause_entries).all()
        assert len(texts) == CLAUSES and all(text.startswith("第3版") for text in texts)
        repeals = session.exec(select(Relation.target_doc_number)).all()
        assert repeals == ["杭政〔2017〕3号"]
        placeholders = session.exec(select(Document.url).where(Document.is_placeholder)).all()
        assert sorted(placeholders) == ["placeholder:杭政〔2017〕1号", "placeholder:杭政〔2017〕2号", "placeholder:杭政〔2017〕3号"]
    assert_search_index_consistent(engine)
    engine.dispose()
