"""Migration 0011 (text stored once, packed; no copies in the search index) both ways on a
store with history: old versions read back whole, diff, and search keeps finding them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from storage.documents import version_document
from storage.engine import alembic_config, init_database, open_database, schema_head
from storage.search import search
from tests.conftest import assert_search_index_consistent
from tracker.core.diff import diff_documents
from tracker.core.model import Clause, PolicyDocument
from tracker.pipeline.saving import save_version

T1 = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
T2 = dt.datetime(2026, 2, 5, tzinfo=dt.timezone.utc)
URL = "https://a/plan"


def plan(*clauses: Clause) -> PolicyDocument:
    return PolicyDocument(title="杭州市未来产业培育行动计划", clauses=[Clause("一", "发展脑机接口。"), *clauses])


def test_0011_down_and_up_keeps_history_diff_and_search(engine: sa.Engine, db_url: str) -> None:
    first, second = plan(), plan(Clause("二", "新增：发放算力券。"))
    with Session(engine) as session:
        document = save_version(session, first, url=URL, raw=b"v1", fetched_at=T1).document
        save_version(session, second, url=URL, raw=b"v2", fetched_at=T2)
        session.commit()
        document_id = document.id
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0010")
        texts = connection.exec_driver_sql("SELECT text FROM version ORDER BY number").scalars().all()
        entries = connection.exec_driver_sql("SELECT text, grams FROM search_entry ORDER BY id").all()
    assert texts == [first.text, second.text]
    assert [text for text, _ in entries] == ["杭州市未来产业培育行动计划", "发展脑机接口。", "新增：发放算力券。"]
    assert entries[2][1] == "新增 增发 发放 放算 算力 力券"
    engine.dispose()

    assert init_database(db_url) == schema_head()
    upgraded = open_database(db_url)
    assert_search_index_consistent(upgraded)
    with Session(upgraded) as session:
        old, new = version_document(session, document_id, 1), version_document(session, document_id, 2)
        assert [c.text for c in old.clauses] == ["发展脑机接口。"]
        assert [(c.change, c.new_text) for c in diff_documents(old, new).clauses] == [("added", "新增：发放算力券。")]
        assert [(hit.path, hit.snippet) for hit in search(session, "算力券")] == [("二", "新增：发放算力券。")]
    upgraded.dispose()
