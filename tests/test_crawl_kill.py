"""A crawl killed while it saves batches leaves whole documents only, and the next run
stores the rest: the crawler commits several pages per transaction (one savepoint each),
so a kill may lose the batch in flight but never half of a document."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from benchmarks.crawl import GeneratedSite
from sources.http import HttpPolicy
from sources.samplesite.server import SiteServer
from storage.engine import open_database
from storage.tables import Clause, Document, Event, SearchEntry, Version
from tracker.core.config import settings_from_dict
from tests.conftest import assert_search_index_consistent
from tracker.pipeline import crawl

TRACKER = str(Path(sys.executable).with_name("tracker"))
DOCUMENTS = 300


def source_table(base_url: str) -> dict[str, object]:
    return {
        "name": "generated",
        "kind": "listing",
        "start_urls": [f"{base_url}/list/index_1.html"],
        "delay": 0,
        "max_pages": DOCUMENTS // 100 + 1,
        "item": "ul.list li",
        "next_page": "a.next",
    }


def stored_documents(engine: sa.Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Document).where(Document.is_placeholder.is_(False))).one()  # type: ignore[attr-defined]


def assert_every_document_whole(engine: sa.Engine) -> None:
    """Each stored document: one version, its clauses, its search entries, its event."""
    with Session(engine) as session:
        documents = session.exec(select(Document).where(Document.is_placeholder.is_(False))).all()  # type: ignore[attr-defined]
        for document in documents:
            [version] = session.exec(select(Version).where(Version.document_id == document.id)).all()
            clauses = session.exec(select(func.count()).select_from(Clause).where(Clause.version_id == version.id)).one()
            entries = session.exec(
                select(func.count()).select_from(SearchEntry).where(SearchEntry.document_id == document.id)
            ).one()
            added = session.exec(
                select(func.count()).select_from(Event).where(Event.document_id == document.id, Event.kind == "document_added")
            ).one()
            assert clauses > 0 and entries == clauses + 1 and added == 1, document.url
    assert_search_index_consistent(engine)


@pytest.mark.slow
def test_sigkill_during_a_crawl_leaves_whole_documents_and_the_next_run_stores_the_rest(
    db_url: str, tmp_path: Path
) -> None:
    server = SiteServer(GeneratedSite(DOCUMENTS))
    server.start()
    try:
        table = source_table(server.base_url)
        config = tmp_path / "tracker.toml"
        config.write_text(
            "[[source]]\n" + "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in table.items()),
            encoding="utf-8",
        )
        child = subprocess.Popen(
            [TRACKER, "--db", db_url, "--config", str(config), "crawl"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        engine = open_database(db_url)
        deadline = time.monotonic() + 60
        while stored_documents(engine) < 20 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""

        before = stored_documents(engine)
        assert 20 <= before < DOCUMENTS
        assert_every_document_whole(engine)

        policy = HttpPolicy(default_delay=0, per_host_concurrency=4, retries=1, backoff=0.05)
        [run] = crawl(engine, settings_from_dict({"source": [table]}), policy=policy)

        assert run.outcome == "ok"
        assert run.new == DOCUMENTS - before
        assert stored_documents(engine) == DOCUMENTS
        assert_every_document_whole(engine)
        engine.dispose()
    finally:
        server.stop()
