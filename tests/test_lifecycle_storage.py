"""Statuses in the database (SQLite and PostgreSQL): the sweep's writes, events and their dedupe."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker.pipeline.saving import save_version
from storage.lifecycle import assess_documents, refresh_statuses, sweep
from storage.tables import Document, Event
from tracker.core.model import Clause, DocRef, PolicyDocument, Status

AT = dt.datetime(2026, 8, 1, 2, 0, tzinfo=dt.timezone.utc)
OLD_TITLE = "杭州市人民政府关于加快推动杭州未来产业发展的指导意见"
SENTENCE = f"前发《{OLD_TITLE}》（杭政〔2017〕66号）自本行动计划施行之日起同时废止。"


def plan(**changes: object) -> PolicyDocument:
    doc = PolicyDocument(
        title="杭州市未来产业培育行动计划（2025—2026年）",
        issued_on=dt.date(2025, 1, 13),
        effective_from=dt.date(2025, 1, 31),
        expires_on=dt.date(2026, 12, 31),
        repeals=[DocRef(OLD_TITLE, "杭政〔2017〕66号", SENTENCE)],
        clauses=[Clause("一", "加快培育发展未来产业。")],
    )
    return doc.replace(**changes)


def store(engine: sa.Engine, doc: PolicyDocument, url: str) -> int:
    with Session(engine) as session:
        document = save_version(session, doc, url=url, raw=b"x", fetched_at=AT).document
        assert document.id is not None
        session.commit()
        return document.id


def run_sweep(engine: sa.Engine, on: dt.date) -> list[Event]:
    with Session(engine, expire_on_commit=False) as session:
        result = sweep(session, on, occurred_at=AT)
        session.commit()
    return result.events


def stored(engine: sa.Engine, doc_id: int) -> Document:
    with Session(engine) as session:
        document = session.get(Document, doc_id)
        assert document is not None
        session.expunge(document)
        return document


def placeholder_id(engine: sa.Engine) -> int:
    with Session(engine) as session:
        document = session.exec(select(Document).where(Document.doc_number_norm == "杭政〔2017〕66号")).one()
        assert document.id is not None
        return document.id


def test_sweep_writes_status_with_evidence_and_announces_the_repealed_placeholder(engine: sa.Engine) -> None:
    plan_id = store(engine, plan(), "https://example.gov.cn/plan.html")
    events = run_sweep(engine, dt.date(2026, 11, 22))
    old_id = placeholder_id(engine)
    old = stored(engine, old_id)
    assert (old.status, old.status_since, old.status_by_document_id) == ("repealed", dt.date(2025, 1, 31), plan_id)
    assert old.status_evidence == SENTENCE
    assert old.status_reason == "repealed by 《杭州市未来产业培育行动计划（2025—2026年）》 from 2025-01-31"
    current = stored(engine, plan_id)
    assert (current.status, current.status_since) == ("expiring", dt.date(2026, 10, 2))
    changes = [(e.kind, e.document_id, e.payload.get("to")) for e in events]
    assert changes == [("status_changed", old_id, "repealed"), ("expiry_reminder", plan_id, None)]
    assert events[1].payload == {"days_left": 39, "expires_on": "2026-12-31", "threshold": 90}


def test_a_second_sweep_on_the_same_day_writes_and_records_nothing(engine: sa.Engine) -> None:
    store(engine, plan(), "https://example.gov.cn/plan.html")
    run_sweep(engine, dt.date(2026, 11, 22))
    with Session(engine) as session:
        result = sweep(session, dt.date(2026, 11, 22), occurred_at=AT)
        session.commit()
    assert (result.assessed, result.updated, result.events) == (2, 0, [])


def test_a_later_repeal_changes_an_existing_documents_status_once(engine: sa.Engine) -> None:
    old_id = store(engine, PolicyDocument(title=OLD_TITLE, doc_number="杭政[2017]66号", issued_on=dt.date(2017, 6, 1)), "https://example.gov.cn/old.html")
    assert run_sweep(engine, dt.date(2024, 1, 1)) == []
    assert stored(engine, old_id).status == "in_force"
    store(engine, plan(), "https://example.gov.cn/plan.html")
    events = [e for e in run_sweep(engine, dt.date(2025, 2, 1)) if e.kind == "status_changed"]
    assert [(e.document_id, e.payload["from"], e.payload["to"], e.payload["evidence"]) for e in events] == [
        (old_id, "in_force", "repealed", SENTENCE)
    ]
    assert run_sweep(engine, dt.date(2025, 2, 2)) == []


def test_refresh_statuses_touches_the_named_documents_and_what_they_repeal(engine: sa.Engine) -> None:
    plan_id = store(engine, plan(), "https://example.gov.cn/plan.html")
    other_id = store(engine, PolicyDocument(title="其他", issued_on=dt.date(2020, 1, 1)), "https://example.gov.cn/other.html")
    with Session(engine, expire_on_commit=False) as session:
        result = refresh_statuses(session, [plan_id], dt.date(2026, 11, 22), occurred_at=AT)
        session.commit()
    assert (result.assessed, result.updated) == (2, 2)
    assert [(e.kind, e.document_id) for e in result.events] == [("status_changed", placeholder_id(engine))]
    assert stored(engine, plan_id).status == "expiring"
    assert stored(engine, other_id).status_reason is None


def test_assess_documents_computes_any_date_without_writing(engine: sa.Engine) -> None:
    plan_id = store(engine, plan(), "https://example.gov.cn/plan.html")
    with Session(engine) as session:
        on_new_year = assess_documents(session, dt.date(2027, 1, 1))
    assert on_new_year[plan_id].status is Status.EXPIRED
    assert on_new_year[placeholder_id(engine)].status is Status.REPEALED
    assert stored(engine, plan_id).status == "unknown"


def test_the_real_page_takes_over_the_repealed_placeholder_without_a_new_event(engine: sa.Engine) -> None:
    store(engine, plan(), "https://example.gov.cn/plan.html")
    run_sweep(engine, dt.date(2026, 11, 22))
    old_id = placeholder_id(engine)
    page = PolicyDocument(title=OLD_TITLE, doc_number="杭政〔2017〕66号", issued_on=dt.date(2017, 6, 1), validity="有效")
    assert store(engine, page, "https://example.gov.cn/old.html") == old_id
    assert run_sweep(engine, dt.date(2026, 11, 23)) == []
    old = stored(engine, old_id)
    assert (old.status, old.is_placeholder) == ("repealed", False)
    assert old.status_reason.endswith("; the page still says 有效, the repeal wins")


def test_a_new_version_that_drops_the_repeal_gives_the_document_back_its_own_status(engine: sa.Engine) -> None:
    old_id = store(engine, PolicyDocument(title=OLD_TITLE, doc_number="杭政〔2017〕66号", issued_on=dt.date(2017, 6, 1)), "https://example.gov.cn/old.html")
    plan_id = store(engine, plan(), "https://example.gov.cn/plan.html")
    with Session(engine) as session:
        refresh_statuses(session, [plan_id], dt.date(2026, 1, 1), occurred_at=AT)
        session.commit()
    assert stored(engine, old_id).status == "repealed"
    store(engine, plan(repeals=[], clauses=[Clause("一", "加快培育发展未来产业，修订版。")]), "https://example.gov.cn/plan.html")
    with Session(engine, expire_on_commit=False) as session:
        result = refresh_statuses(session, [plan_id], dt.date(2026, 1, 2), occurred_at=AT)
        session.commit()
    assert (stored(engine, old_id).status, stored(engine, old_id).status_by_document_id) == ("in_force", None)
    assert [(e.document_id, e.payload["from"], e.payload["to"]) for e in result.events] == [(old_id, "repealed", "in_force")]
