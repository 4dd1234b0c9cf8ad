"""Storage on SQLite and PostgreSQL: versions, unchanged fetches, relations, placeholders, events."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from storage.documents import load_version_document, version_raw

from tracker.pipeline.saving import save_version
from storage.engine import (
    DatabaseError,
    alembic_config,
    create_engine,
    init_database,
    normalize_url,
    open_database,
    schema_head,
)
from storage.events import list_events, record_event
from storage.migrations.naming import include_object
from storage.queries import find_document, relations_from, relations_to, suggest_documents, versions_of
from storage.search import search
from storage.tables import Clause as ClauseRow
from storage.tables import Document, Event, Relation, Version
from tracker.core.model import Clause, DocRef, PolicyDocument

T1 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)
T2 = dt.datetime(2026, 2, 5, 8, 0, tzinfo=dt.timezone.utc)
T3 = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.timezone.utc)

OLD_TITLE = "杭州市人民政府关于加快推动杭州未来产业发展的指导意见"


def plan(*extra: Clause, expires: dt.date = dt.date(2026, 12, 31)) -> PolicyDocument:
    return PolicyDocument(
        title="杭州市未来产业培育行动计划（2025—2026年）",
        issuer="杭州市人民政府",
        issued_on=dt.date(2025, 1, 20),
        expires_on=expires,
        repeals=[DocRef(OLD_TITLE, "杭政〔2017〕66号", "前发《…》（杭政〔2017〕66号）同时废止。")],
        cites=[DocRef("某某实施意见", "工信部联科〔2024〕12号", "根据…")],
        clauses=[Clause("一/（一）", "发展脑机接口，最高补助 500 万元。", heading="总体要求"), *extra],
    )


def old_opinion() -> PolicyDocument:
    return PolicyDocument(title=OLD_TITLE, doc_number="杭政〔2017〕66号", clauses=[Clause("正文", "加快推动未来产业。")])


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///./tracker.db") == "sqlite:///./tracker.db"


def test_migrations_produce_exactly_the_models_schema(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_uninitialised_database_is_refused_with_a_hint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseError, match="run `tracker init`"):
        open_database(f"sqlite:///{tmp_path / 'empty.db'}")


def test_database_newer_than_the_code_is_refused(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_future'")
    try:
        with pytest.raises(DatabaseError, match="newer than this version of tracker"):
            open_database(db_url)
        with pytest.raises(DatabaseError, match="newer"):
            init_database(db_url)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{schema_head()}'")
        engine.dispose()


def test_older_database_is_refused_then_upgraded_in_place_by_init(engine: sa.Engine, db_url: str) -> None:
    with Session(engine) as session:
        save_version(session, plan(), url="https://a/plan", raw=b"x", fetched_at=T1)
        session.commit()
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
    engine.dispose()
    with pytest.raises(DatabaseError, match="older than this tracker: run `tracker init`"):
        open_database(db_url)
    assert init_database(db_url) == schema_head()
    upgraded = open_database(db_url)
    with Session(upgraded) as session:
        assert [h.path for h in search(session, "脑机接口")] == ["一/（一）"]
    upgraded.dispose()


def test_init_on_a_current_database_keeps_data(engine: sa.Engine, db_url: str) -> None:
    with Session(engine) as session:
        save_version(session, old_opinion(), url="https://a/1", raw=b"x", fetched_at=T1)
        session.commit()
    init_database(db_url)
    with Session(open_database(db_url)) as session:
        assert session.exec(select(Document.url)).all() == ["https://a/1"]


def test_first_save_stores_version_clauses_raw_and_added_event(engine: sa.Engine) -> None:
    with Session(engine) as session:
        result = save_version(session, plan(), url="https://a/plan", raw="正文".encode(), fetched_at=T1, etag='"e1"')
        session.commit()
        assert result.created and not result.changed
        assert [e.kind for e in result.events] == ["document_added"]
        version = session.exec(select(Version)).one()
        assert version.number == 1 and version.fetched_at == T1 and version.fetched_at.tzinfo is not None
        assert version.raw != "正文".encode() and version_raw(version) == "正文".encode()
        assert load_version_document(session, version) == plan()
        rows = session.exec(select(ClauseRow)).all()
        assert [(r.ordinal, r.path, r.heading) for r in rows] == [(0, "一/（一）", "总体要求")]


def test_unchanged_fetch_only_touches_last_seen(engine: sa.Engine) -> None:
    with Session(engine) as session:
        save_version(session, plan(), url="https://a/plan", raw=b"v1", fetched_at=T1)
        session.commit()
        result = save_version(session, plan(), url="https://a/plan", raw=b"v1 with a counter", fetched_at=T2)
        session.commit()
        assert result.version is None and not result.changed and result.events == []
        assert session.exec(select(sa.func.count()).select_from(Version)).one() == 1
        assert session.exec(select(Document).where(Document.url == "https://a/plan")).one().last_seen == T2
        assert [e.kind for e in list_events(session)] == ["document_added"]


def test_changed_fetch_makes_version_two_with_change_event(engine: sa.Engine) -> None:
    with Session(engine) as session:
        save_version(session, plan(), url="https://a/plan", raw=b"v1", fetched_at=T1)
        session.commit()
        new = plan(Clause("一/（二）", "新增：支持算力券。"), expires=dt.date(2027, 12, 31))
        result = save_version(session, new, url="https://a/plan", raw=b"v2", fetched_at=T2)
        session.commit()
        assert result.changed and result.version is not None and result.version.number == 2
        event = result.events[0]
        assert event.kind == "document_changed" and event.dedupe_key == f"document_changed:{result.document.id}:2"
        assert event.payload["counts"] == {"added": 1, "removed": 0, "modified": 0, "moved": 0}
        assert event.payload["metadata"] == {"expires_on": {"old": "2026-12-31", "new": "2027-12-31"}}
        assert event.payload["clauses"][0]["text"] == "新增：支持算力券。"
        assert [v.change_summary for v in versions_of(session, result.document.id)] == [
            "1 added; expires_on",
            "first version",
        ]
        stored = session.exec(select(Document).where(Document.url == "https://a/plan")).one()
        assert stored.expires_on == dt.date(2027, 12, 31)


def test_json_is_stored_readable(engine: sa.Engine) -> None:
    with Session(engine) as session:
        save_version(session, plan(), url="https://a/plan", raw=b"v1", fetched_at=T1)
        session.commit()
        raw_payload = session.execute(sa.text("SELECT CAST(payload AS TEXT) FROM event")).scalar_one()
        assert "杭州市未来产业培育行动计划" in raw_payload and "\\u" not in raw_payload


def test_repeal_of_unknown_document_creates_placeholder_taken_over_later(engine: sa.Engine) -> None:
    with Session(engine) as session:
        first = save_version(session, plan(), url="https://a/plan", raw=b"p", fetched_at=T1)
        session.commit()
        placeholder = session.exec(select(Document).where(Document.is_placeholder)).one()
        assert (placeholder.url, placeholder.title, placeholder.doc_number) == (
            "placeholder:杭政〔2017〕66号",
            OLD_TITLE,
            "杭政〔2017〕66号",
        )
        cites = session.exec(select(Relation).where(Relation.kind == "cites")).one()
        assert cites.target_document_id is None  # cites of unknown documents make no placeholder

        arrived = save_version(session, old_opinion(), url="https://a/old", raw=b"o", fetched_at=T2)
        session.commit()
        assert arrived.document.id == placeholder.id and arrived.created
        taken = session.get(Document, placeholder.id)
        assert taken is not None and (taken.url, taken.is_placeholder) == ("https://a/old", False)
        [incoming] = relations_to(session, placeholder.id)
        assert incoming.relation.kind == "repeals" and incoming.other is not None
        assert incoming.other.id == first.document.id
        assert incoming.relation.evidence == "前发《…》（杭政〔2017〕66号）同时废止。"


def test_repealed_document_stored_before_the_repealing_one_is_resolved(engine: sa.Engine) -> None:
    with Session(engine) as session:
        old = save_version(session, old_opinion(), url="https://a/old", raw=b"o", fetched_at=T1)
        new = save_version(session, plan(), url="https://a/plan", raw=b"p", fetched_at=T2)
        session.commit()
        [repeal, cite] = relations_from(session, new.document.id)
        assert repeal.other is not None and repeal.other.id == old.document.id
        assert cite.other is None
        assert session.exec(select(sa.func.count()).select_from(Document)).one() == 2


def test_cited_document_arriving_later_is_resolved_by_number(engine: sa.Engine) -> None:
    with Session(engine) as session:
        new = save_version(session, plan(), url="https://a/plan", raw=b"p", fetched_at=T1)
        cited = PolicyDocument(title="另一个标题", doc_number="工信部联科[2024]12 号", clauses=[Clause("正文", "x")])
        arrived = save_version(session, cited, url="https://b/cited", raw=b"c", fetched_at=T2)
        session.commit()
        cite = [v for v in relations_from(session, new.document.id) if v.relation.kind == "cites"][0]
        assert cite.other is not None and cite.other.id == arrived.document.id


@pytest.mark.parametrize("ref", ["杭政〔2017〕66号", "杭政[2017]66号", "杭政（2017）66 号", "https://a/old"])
def test_find_document_by_any_written_number_or_url(engine: sa.Engine, ref: str) -> None:
    with Session(engine) as session:
        stored = save_version(session, old_opinion(), url="https://a/old", raw=b"o", fetched_at=T1)
        session.commit()
        found = find_document(session, ref)
        assert found is not None and found.id == stored.document.id
        assert find_document(session, str(stored.document.id)) == found


def test_unknown_reference_suggests_close_documents(engine: sa.Engine) -> None:
    with Session(engine) as session:
        save_version(session, old_opinion(), url="https://a/old", raw=b"o", fetched_at=T1)
        session.commit()
        assert find_document(session, "杭政〔2017〕67号") is None
        assert [d.doc_number for d in suggest_documents(session, "杭政〔2017〕67号")] == ["杭政〔2017〕66号"]


def test_record_event_is_idempotent_inside_one_transaction(engine: sa.Engine) -> None:
    with Session(engine) as session:
        first = record_event(session, kind="source_failing", dedupe_key="k1", payload={"源": "杭州"}, occurred_at=T1)
        again = record_event(session, kind="source_failing", dedupe_key="k1", payload={"other": 1})
        later = record_event(session, kind="source_recovered", dedupe_key="k2")
        session.commit()
        assert first is not None and again is None and later is not None
        stored = session.exec(select(Event).order_by(Event.id)).all()
        assert [(e.dedupe_key, e.payload) for e in stored] == [("k1", {"源": "杭州"}), ("k2", {})]
        assert stored[0].occurred_at == T1


def test_document_added_event_is_not_repeated_for_the_same_document(engine: sa.Engine) -> None:
    with Session(engine) as session:
        result = save_version(session, plan(), url="https://a/plan", raw=b"p", fetched_at=T1)
        session.commit()
        assert record_event(session, kind="document_added", dedupe_key=f"document_added:{result.document.id}") is None
        assert json.dumps(result.events[0].payload, ensure_ascii=False).count("杭州市未来产业培育行动计划") == 1


def test_a_rolled_back_savepoint_does_not_block_the_next_saves(engine: sa.Engine) -> None:
    """As the crawler saves a batch: one savepoint per page, and a page that fails after its
    rows were written is rolled back alone. SQLite then hands the same ids to the next rows."""
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(KeyError) as failure:
            with session.begin_nested():
                broken = save_version(session, old_opinion(), url="https://a/broken", raw=b"o", fetched_at=T1)
                raise KeyError("the page broke after its rows were written")
        # The crawler keeps the failed page's exception, whose traceback still holds its objects.
        assert failure.value is not None and broken.document.url == "https://a/broken"
        with session.begin_nested():
            saved = save_version(session, plan(), url="https://a/plan", raw=b"p", fetched_at=T1)
        event = record_event(session, kind="source_failing", dedupe_key="after-the-rollback")
        session.commit()

    with Session(engine) as session:
        assert session.exec(select(Document.url).where(Document.is_placeholder == sa.false())).all() == ["https://a/plan"]
        assert [e.kind for e in session.exec(select(Event).order_by(Event.id))] == ["document_added", "source_failing"]
    assert saved.document.title == plan().title and event is not None


def test_failed_transaction_leaves_nothing(engine: sa.Engine) -> None:
    with Session(engine) as session:
        save_version(session, plan(), url="https://a/plan", raw=b"p", fetched_at=T1)
        session.rollback()
    with Session(engine) as session:
        for table in (Document, Version, ClauseRow, Relation, Event):
            assert session.exec(select(sa.func.count()).select_from(table)).one() == 0
