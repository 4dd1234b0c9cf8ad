"""Seed 003's nine policies stored from one e-book and their statuses on 2026-11-22, as the
fixtures README lists them, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.lifecycle import assess_documents
from storage.queries import find_document
from storage.tables import Document
from tracker.core.model import Status
from tracker.pipeline import ingest_file

AT = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.timezone.utc)
ON = dt.date(2026, 11, 22)
EXPECTED = {
    "生物医药": Status.IN_FORCE,
    "中国视谷": Status.IN_FORCE,
    "合成生物": Status.IN_FORCE,
    "集成电路": Status.EXPIRING,
    "人工智能": Status.EXPIRING,
    "高端装备": Status.EXPIRED,
    "新材料": Status.EXPIRED,
    "绿色能源": Status.EXPIRED,
    "软件": Status.EXPIRED,
}


def test_compilation_gives_nine_documents_with_their_statuses_and_the_repeal(
    engine: sa.Engine, seed_paths: dict[str, Path]
) -> None:
    results = ingest_file(engine, seed_paths["003"], url="https://jxj.hangzhou.gov.cn/ebook/5x.html", fetched_at=AT)
    assert len(results) == 9
    with Session(engine) as session:
        statuses = assess_documents(session, ON)
        documents = session.exec(select(Document).where(Document.is_placeholder == sa.false())).all()
        by_name = {
            name: statuses[doc.id].status for doc in documents for name in EXPECTED if name in doc.title and doc.id is not None
        }
        placeholder = find_document(session, "杭政办函〔2021〕39号")
        assert placeholder is not None and placeholder.id is not None and placeholder.is_placeholder
        repealed = statuses[placeholder.id]
    assert by_name == EXPECTED
    assert repealed.status is Status.REPEALED
    assert "39" in (repealed.evidence or "")
