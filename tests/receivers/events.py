"""Documents and events in a real database, shaped like the pipeline's, for outbox tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlmodel import Session

from storage.events import record_event
from storage.tables import Clause, Document, Event, Source, Version

T0 = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.timezone.utc)


def source(session: Session, name: str = "hz-gfxwj") -> Source:
    row = Source(name=name, kind="listing")
    session.add(row)
    session.flush()
    return row


def document(session: Session, title: str, *, source_id: int | None = None, status: str = "in_force", n: int = 1, clauses: tuple[str, ...] = ()) -> tuple[Document, Version]:
    url = f"https://www.hangzhou.gov.cn/art/2025/3/{n}/art_{n}.html"
    doc = Document(url=url, title=title, doc_number=f"杭政办函〔2025〕{n}号", source_id=source_id, status=status)
    session.add(doc)
    session.flush()
    assert doc.id is not None
    version = Version(document_id=doc.id, number=1, fetched_at=T0, content_hash=hashlib.sha256(url.encode()).hexdigest())
    session.add(version)
    session.flush()
    assert version.id is not None
    for ordinal, text in enumerate(clauses):
        session.add(Clause(version_id=version.id, ordinal=ordinal, path=f"{ordinal + 1}", text=text, text_hash=str(ordinal)))
    session.flush()
    return doc, version


def event(session: Session, kind: str, doc: Document | None, version: Version | None = None, payload: dict[str, Any] | None = None, *, key: str | None = None, source_id: int | None = None) -> Event:
    recorded = record_event(
        session,
        kind=kind,
        dedupe_key=key or f"{kind}:{doc.id if doc else source_id}:{version.number if version else 0}",
        document_id=doc.id if doc else None,
        version_id=version.id if version else None,
        source_id=source_id if source_id is not None else (doc.source_id if doc else None),
        payload=payload if payload is not None else ({"title": doc.title, "doc_number": doc.doc_number, "url": doc.url} if doc else {}),
        occurred_at=T0,
    )
    assert recorded is not None
    return recorded


def changed_payload(doc: Document, text: str, old: str, new: str) -> dict[str, Any]:
    return {
        "title": doc.title,
        "doc_number": doc.doc_number,
        "url": doc.url,
        "summary": "1 modified",
        "clauses": [
            {
                "change": "modified",
                "old_path": "二/（八）",
                "new_path": "二/（八）",
                "heading": None,
                "text": text,
                "deleted": [old],
                "inserted": [new],
                "figures": [{"kind": "money", "old": f"{old}00万元", "new": f"{new}00万元"}],
            }
        ],
    }
