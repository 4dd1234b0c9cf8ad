"""New search entries reach SQLite's FTS5 index when their transaction commits, whatever the
savepoints in between did (the crawler saves each page of a batch under its own savepoint).
The same cases run on PostgreSQL, where the index follows the rows by itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from storage.search import index_document, search
from storage.tables import Document
from tests.conftest import assert_search_index_consistent


def new_document(session: Session, n: int) -> int:
    document = Document(url=f"https://a/{n}", title=f"文件{n}")
    session.add(document)
    session.flush()
    assert document.id is not None
    return document.id


def found(engine: sa.Engine, term: str) -> list[int]:
    with Session(engine) as session:
        return sorted({hit.document_id for hit in search(session, term)})


def test_a_rolled_back_savepoint_drops_only_its_own_entries(engine: sa.Engine) -> None:
    with Session(engine) as session:
        kept = new_document(session, 1)
        with session.begin_nested():
            index_document(session, kept, "关于算力券的通知", [(None, "一", "发放算力券。")], replace=False)
        with pytest.raises(KeyError), session.begin_nested():
            lost = new_document(session, 2)
            index_document(session, lost, "关于数据券的通知", [(None, "一", "发放数据券。")], replace=False)
            raise KeyError("the page failed")
        after = new_document(session, 3)
        with session.begin_nested():
            index_document(session, after, "关于创新券的通知", [(None, "一", "发放创新券。")], replace=False)
        session.commit()

    assert found(engine, "算力券") == [kept]
    assert found(engine, "数据券") == []
    assert found(engine, "创新券") == [after]
    assert_search_index_consistent(engine)


def test_entries_committed_by_an_earlier_savepoint_survive_a_later_one_that_replaced_and_failed(
    engine: sa.Engine,
) -> None:
    with Session(engine) as session:
        stored = new_document(session, 1)
        index_document(session, stored, "关于脑机接口的意见", [(None, "一", "支持脑机接口。")], replace=False)
        session.commit()

        fresh = new_document(session, 2)
        with session.begin_nested():
            index_document(session, fresh, "关于算力券的通知", [(None, "一", "发放算力券。")], replace=False)
        with pytest.raises(KeyError), session.begin_nested():
            # Replacing makes the pending entries reach the index inside this savepoint first;
            # its rollback must not leave the earlier page's entries out of the index.
            index_document(session, stored, "关于脑机接口的意见", [(None, "一", "支持类脑芯片。")])
            raise KeyError("the page failed")
        session.commit()

    assert found(engine, "算力券") == [fresh]
    assert found(engine, "脑机接口") == [stored]
    assert found(engine, "类脑芯片") == []
    assert_search_index_consistent(engine)


def test_a_document_indexed_twice_in_one_transaction_is_found_by_its_last_text_only(engine: sa.Engine) -> None:
    with Session(engine) as session:
        document = new_document(session, 1)
        index_document(session, document, "关于算力券的通知", [(None, "一", "发放算力券。")], replace=False)
        index_document(session, document, "关于算力券的通知", [(None, "一", "发放创新券。")])
        session.commit()

    assert found(engine, "创新券") == [document]
    assert found(engine, "发放算力") == []
    assert_search_index_consistent(engine)


def test_a_rolled_back_transaction_leaves_nothing_to_index_later(engine: sa.Engine) -> None:
    with Session(engine) as session:
        document = new_document(session, 1)
        index_document(session, document, "关于算力券的通知", [(None, "一", "发放算力券。")], replace=False)
        session.rollback()
        other = new_document(session, 2)
        index_document(session, other, "关于创新券的通知", [(None, "一", "发放创新券。")], replace=False)
        session.commit()

    assert found(engine, "算力券") == []
    assert found(engine, "创新券") == [other]
    assert_search_index_consistent(engine)
