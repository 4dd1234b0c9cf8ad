"""What a stored document costs on SQLite: at most 40 KB per version (issue #18), its text
kept once, compressed, and the search index copying none of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session

from benchmarks.crawl import GeneratedSite
from benchmarks.footprint import table_bytes
from storage.engine import init_database, open_database
from tracker.pipeline import store_fetched

T1 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
DOCUMENTS = 26  # each of the generated site's 13 page templates twice
BUDGET = 40_000


def test_a_stored_version_takes_at_most_40_kb_and_search_copies_no_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    init_database(url)
    engine = open_database(url)
    site = GeneratedSite(DOCUMENTS)
    with Session(engine) as session:
        for n in range(DOCUMENTS):
            content_type = "text/html" if n % len(site.templates) < 3 else "text/html; charset=utf-8"
            page_url = f"https://bench.test/art/{n}.html"
            store_fetched(session, site.article(n), url=page_url, fetched_at=T1, content_type=content_type)
        session.commit()
    # one index segment, as merging leaves it at scale: a segment of 26 documents repeats the
    # terms they share and is no measure of what a document costs among thousands
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    sizes = table_bytes(engine, payload=True)
    engine.dispose()
    assert sum(sizes.values()) / DOCUMENTS <= BUDGET, sizes
    # the entries of a document's clauses refer to the clause rows: a title's text and ids only
    assert sizes["search_entry"] / DOCUMENTS < 1_000, sizes
