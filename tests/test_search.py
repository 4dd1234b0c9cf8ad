"""Search over current clauses and titles, SQLite FTS5 and PostgreSQL full-text alike."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tracker.pipeline.saving import save_version
from storage.search import bigrams, search
from storage.tables import Document
from tracker.core.errors import SearchQueryError
from tracker.core.model import Clause, PolicyDocument

T1 = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
T2 = dt.datetime(2026, 2, 5, tzinfo=dt.timezone.utc)


def measures(*texts: str, title: str = "关于支持未来产业发展的若干措施") -> PolicyDocument:
    return PolicyDocument(title=title, clauses=[Clause(f"（{i + 1}）", text) for i, text in enumerate(texts)])


def test_bigrams_ignore_punctuation_width_and_case() -> None:
    assert bigrams("首台（套）") == ["首台", "台套"]
    assert bigrams("ＡＩ 算力") == ["ai", "i算", "算力"]
    assert bigrams("脑") == ["脑"]


def test_only_the_current_version_is_searchable(engine: sa.Engine) -> None:
    with Session(engine) as session:
        save_version(session, measures("发放算力券支持中小企业。"), url="https://a/1", raw=b"1", fetched_at=T1)
        session.commit()
        assert [h.path for h in search(session, "算力券")] == ["（1）"]
        save_version(session, measures("发放创新券支持中小企业。"), url="https://a/1", raw=b"2", fetched_at=T2)
        session.commit()
        assert search(session, "算力券") == []
        assert [h.path for h in search(session, "创新券")] == ["（1）"]


def test_titles_are_searchable_and_hits_name_their_document(engine: sa.Engine) -> None:
    with Session(engine) as session:
        saved = save_version(
            session, measures("鼓励场景开放。", title="闵行区关于打造脑机接口未来产业生态的若干意见"), url="https://mh/1", raw=b"1", fetched_at=T1
        )
        session.commit()
        [hit] = search(session, "脑机接口")
        assert (hit.document_id, hit.path, hit.title) == (saved.document.id, None, "闵行区关于打造脑机接口未来产业生态的若干意见")
        assert hit.snippet[hit.highlight[0] : hit.highlight[1]] == "脑机接口"


def test_more_occurrences_rank_first_and_status_filters(engine: sa.Engine) -> None:
    with Session(engine) as session:
        once = save_version(session, measures("支持类脑计算芯片研发，给予补助。"), url="https://a/1", raw=b"1", fetched_at=T1)
        thrice = save_version(
            session, measures("类脑计算芯片、类脑计算框架和类脑计算应用。"), url="https://a/2", raw=b"2", fetched_at=T1
        )
        session.commit()
        assert [h.document_id for h in search(session, "类脑计算")] == [thrice.document.id, once.document.id]
        session.execute(sa.update(Document).where(Document.id == once.document.id).values(status="repealed"))
        session.commit()
        assert [h.document_id for h in search(session, "类脑计算", status="repealed")] == [once.document.id]


def test_long_snippets_are_cut_around_the_match(engine: sa.Engine) -> None:
    text = "前" * 100 + "先导区" + "后" * 100
    with Session(engine) as session:
        save_version(session, measures(text), url="https://a/1", raw=b"1", fetched_at=T1)
        session.commit()
        [hit] = search(session, "先导区")
        assert hit.snippet == "…" + "前" * 40 + "先导区" + "后" * 40 + "…"
        assert hit.snippet[hit.highlight[0] : hit.highlight[1]] == "先导区"


def test_single_character_queries_are_refused(engine: sa.Engine) -> None:
    with Session(engine) as session, pytest.raises(SearchQueryError, match="at least two"):
        search(session, "脑（")
