"""Routing events to subscriptions: which Delivery rows the outbox writes, and when."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker.pipeline.outbox import enqueue
from storage.tables import Delivery, Event
from tests.receivers.events import changed_payload, document, event, source
from tracker.core.config import SubscriptionConfig


def subs(*items: SubscriptionConfig) -> tuple[SubscriptionConfig, ...]:
    return items


def deliveries(engine: sa.Engine) -> list[tuple[int, str, str, str]]:
    with Session(engine) as session:
        return [(d.event_id, d.subscription, d.mode, d.state) for d in session.exec(select(Delivery).order_by(Delivery.id))]


def test_keywords_match_title_changed_clauses_and_new_documents_clauses(engine: sa.Engine) -> None:
    everyone = SubscriptionConfig(name="all", channel="console")
    bci = SubscriptionConfig(name="bci", channel="dingtalk", url="http://x", keywords=("脑机", "类脑"))
    digest = SubscriptionConfig(name="weekly", channel="email", mode="digest", schedule="0 9 * * MON", keywords=("ＡＩ",))
    with Session(engine) as session:
        src = source(session)
        title_hit, v1 = document(session, "杭州市促进脑机接口产业发展若干措施", source_id=src.id, n=1)
        clause_hit, v2 = document(session, "关于推动未来产业发展的意见", source_id=src.id, n=2)
        new_doc_hit, v3 = document(session, "关于推动人工智能发展的通知", source_id=src.id, n=3, clauses=("支持类脑芯片和AI大模型研发。",))
        miss, v4 = document(session, "杭州市道路交通管理办法", source_id=src.id, n=4, clauses=("机动车停放。",))
        events = [
            event(session, "document_added", title_hit, v1),
            event(session, "document_changed", clause_hit, v2, changed_payload(clause_hit, "支持类脑智能项目，最高300万元。", "5", "3")),
            event(session, "document_added", new_doc_hit, v3),
            event(session, "document_added", miss, v4),
        ]
        created = enqueue(session, events, subs(everyone, bci, digest))
        session.commit()
        ids = [e.id for e in events]
    assert len(created) == 4 + 3 + 1
    assert deliveries(engine) == [
        (ids[0], "all", "immediate", "pending"),
        (ids[0], "bci", "immediate", "pending"),
        (ids[1], "all", "immediate", "pending"),
        (ids[1], "bci", "immediate", "pending"),
        (ids[2], "all", "immediate", "pending"),
        (ids[2], "bci", "immediate", "pending"),
        (ids[2], "weekly", "digest", "pending"),
        (ids[3], "all", "immediate", "pending"),
    ]


def test_kind_source_and_status_filters(engine: sa.Engine) -> None:
    reminders = SubscriptionConfig(name="reminders", channel="console", events=("expiry_reminder", "source_failing"), sources=("hz",))
    repeals = SubscriptionConfig(name="repeals", channel="console", events=("status_changed",), statuses=("repealed",))
    with Session(engine) as session:
        hz, other = source(session, "hz"), source(session, "zj")
        doc, _ = document(session, "杭州市科技企业孵化器管理办法", source_id=hz.id, n=1, status="repealed")
        elsewhere, _ = document(session, "浙江省科技企业孵化器管理办法", source_id=other.id, n=2, status="expiring")
        reminder = event(session, "expiry_reminder", doc, payload={"days_left": 30, "expires_on": "2025-04-02"}, key="r1")
        reminder_elsewhere = event(session, "expiry_reminder", elsewhere, payload={"days_left": 30}, key="r2")
        repeal = event(session, "status_changed", doc, payload={"from": "in_force", "to": "repealed"}, key="s1")
        expiring = event(session, "status_changed", elsewhere, payload={"from": "in_force", "to": "expiring"}, key="s2")
        failing = event(session, "source_failing", None, payload={"error": "HTTP 521"}, key="f1", source_id=hz.id)
        enqueue(session, [reminder, reminder_elsewhere, repeal, expiring, failing, None], subs(reminders, repeals))
        session.commit()
        expected = [(reminder.id, "reminders"), (repeal.id, "repeals"), (failing.id, "reminders")]
    assert [(e, s) for e, s, _, _ in deliveries(engine)] == expected


def test_enqueue_is_idempotent_and_shares_the_events_transaction(engine: sa.Engine) -> None:
    everyone = SubscriptionConfig(name="all", channel="console")
    with Session(engine) as session:
        doc, version = document(session, "关于加快类脑智能发展的实施意见")
        first = event(session, "document_added", doc, version)
        assert len(enqueue(session, [first], [everyone])) == 1
        assert enqueue(session, [first], [everyone]) == []
        session.commit()
    with Session(engine) as session:
        doc, version = document(session, "未提交的文件", n=9)
        lost = event(session, "document_added", doc, version)
        enqueue(session, [lost], [everyone])
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Event)).one() == 1
    assert len(deliveries(engine)) == 1
