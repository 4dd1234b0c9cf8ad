"""Keeping the search index in step with search_entry, on SQLite (FTS5 written by
`storage.search` since migration 0007, no triggers) and on PostgreSQL (generated column)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from tracker.pipeline.saving import save_version
from storage.engine import alembic_config, create_engine, init_database, open_database
from storage.search import entry_rows, index_document, index_documents, search
from storage.tables import Document, SearchEntry
from tests.conftest import assert_search_index_consistent
from tracker.core.model import Clause, PolicyDocument

T1 = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)


def add_documents(session: Session, count: int) -> list[int]:
    documents = [Document(url=f"https://a/{i}", title=f"文件{i}") for i in range(count)]
    session.add_all(documents)
    session.flush()
    return [document.id for document in documents if document.id is not None]


def entries(session: Session) -> list[tuple[int, str | None, str]]:
    """(document_id, path, text) of every entry, in insertion order."""
    rows = session.exec(select(SearchEntry).order_by(SearchEntry.id))  # type: ignore[arg-type]
    return [(row.document_id, row.path, row.text) for row in rows]


def paths(session: Session, term: str) -> list[str | None]:
    return [hit.path for hit in search(session, term)]


def test_replacing_a_document_swaps_its_terms_and_keeps_the_index_consistent(engine: sa.Engine) -> None:
    with Session(engine) as session:
        [first, other] = add_documents(session, 2)
        index_document(session, first, "关于算力券的通知", [(None, "一", "发放算力券。")], replace=False)
        index_document(session, other, "关于脑机接口的意见", [(None, "一", "支持脑机接口。")], replace=False)
        session.commit()
        for round_ in range(4):
            text = "发放创新券。" if round_ % 2 == 0 else "发放算力券和数据券。"
            index_document(session, first, "关于创新券的通知", [(None, "一", text), (None, "二", "鼓励应用。")])
            session.commit()
            assert_search_index_consistent(engine)
        assert paths(session, "创新券") == [None]
        assert paths(session, "数据券") == ["一"]
        assert paths(session, "鼓励应用") == ["二"]
        assert sorted(paths(session, "脑机接口"), key=str) == [None, "一"]
        assert len(entries(session)) == 5


def test_saving_new_versions_keeps_the_index_consistent(engine: sa.Engine) -> None:
    with Session(engine) as session:
        for number, text in enumerate(["发放算力券。", "发放创新券。", "发放数据券。"]):
            document = PolicyDocument(title="关于支持未来产业发展的若干措施", clauses=[Clause("（一）", text)])
            save_version(session, document, url="https://a/1", raw=str(number).encode(), fetched_at=T1)
            session.commit()
            assert_search_index_consistent(engine)
        assert search(session, "算力券") == [] and search(session, "创新券") == []
        assert paths(session, "数据券") == ["（一）"]


def test_a_batch_ends_as_indexing_its_items_one_by_one(engine: sa.Engine) -> None:
    with Session(engine) as session:
        [a, b, c] = add_documents(session, 3)
        index_documents(session, [(a, "甲旧标题", [(None, "1", "甲旧条款。")], False)])
        session.commit()
        index_documents(
            session,
            [
                (b, "乙标题", [(None, "1", "乙第一稿。")], False),
                (a, "甲新标题", [(None, "1", "甲新条款。")], True),
                (c, "丙标题", [], False),
                (b, "乙标题", [(None, "1", "乙第二稿。")], True),
                (c, "丙补充", [(None, "2", "丙补充条款。")], False),
            ],
        )
        session.commit()
        assert entries(session) == [
            (a, None, "甲新标题"),
            (a, "1", "甲新条款。"),
            (c, None, "丙标题"),
            (b, None, "乙标题"),
            (b, "1", "乙第二稿。"),
            (c, None, "丙补充"),
            (c, "2", "丙补充条款。"),
        ]
        assert search(session, "甲旧") == [] and search(session, "第一稿") == []
        assert paths(session, "第二稿") == ["1"]
    assert_search_index_consistent(engine)  # once the session's transaction (and SQLite's write lock) is over


def test_the_integrity_check_sees_an_entry_written_around_storage_search(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    init_database(url)
    engine = open_database(url)
    with Session(engine) as session:
        [document] = add_documents(session, 1)
        session.connection().execute(sa.insert(SearchEntry.__table__), entry_rows(document, "未索引的标题", []))  # type: ignore[attr-defined]
        session.commit()
    with pytest.raises(AssertionError, match="search_fts differs from search_entry"):
        assert_search_index_consistent(engine)
    engine.dispose()


# search_entry as it was before 0011: every entry with its text and its bigrams.
SEARCH_ENTRY_UP_TO_0010 = sa.table(
    "search_entry", *(sa.column(name) for name in ("id", "document_id", "clause_id", "path", "text", "grams"))
)


def index_as_0006_did(session: Session, document_id: int, title: str, texts: list[str]) -> None:
    """Core DELETE and INSERT on search_entry: up to 0006, SQLite triggers fed search_fts."""
    table = SEARCH_ENTRY_UP_TO_0010
    connection = session.connection()
    connection.execute(sa.delete(table).where(table.c.document_id == document_id))
    connection.execute(sa.insert(table), entry_rows(document_id, title, [(None, str(i), t) for i, t in enumerate(texts)]))


def test_a_0006_database_upgraded_finds_the_same_and_stays_consistent(engine: sa.Engine, db_url: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
    engine.dispose()
    old = create_engine(db_url)
    with Session(old) as session:
        [first, other] = add_documents(session, 2)
        index_as_0006_did(session, first, "关于算力券的通知", ["发放算力券。"])
        index_as_0006_did(session, other, "关于脑机接口的意见", ["支持脑机接口。", "发放算力券。"])
        session.commit()
        index_as_0006_did(session, first, "关于算力券的通知", ["发放算力券和创新券。"])
        session.commit()
        before = [(hit.document_id, hit.path) for hit in search(session, "算力券")]
    old.dispose()
    init_database(db_url)
    upgraded = open_database(db_url)
    assert_search_index_consistent(upgraded)
    with Session(upgraded) as session:
        assert [(hit.document_id, hit.path) for hit in search(session, "算力券")] == before
        assert len(before) == 3
        index_document(session, first, "关于数据券的通知", [(None, "0", "发放数据券。")])
        session.commit()
        assert [hit.document_id for hit in search(session, "算力券")] == [other]
        assert [hit.document_id for hit in search(session, "数据券")] == [first, first]
    assert_search_index_consistent(upgraded)
    upgraded.dispose()


def triggers(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        found = [(row.name, row.sql) for row in rows]
    engine.dispose()
    return found


def test_downgrading_0007_restores_the_triggers_of_0001(tmp_path: Path) -> None:
    created, downgraded = f"sqlite:///{tmp_path / 'created.db'}", f"sqlite:///{tmp_path / 'downgraded.db'}"
    for url, steps in ((created, ["0006"]), (downgraded, ["head", "0006"])):
        engine = create_engine(url)
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), steps[0])
            if len(steps) > 1:
                command.downgrade(alembic_config(connection), steps[1])
        engine.dispose()
    assert [name for name, _ in triggers(created)] == ["search_fts_ad", "search_fts_ai", "search_fts_au"]
    assert triggers(downgraded) == triggers(created)
    init_database(downgraded)
    assert triggers(downgraded) == []
