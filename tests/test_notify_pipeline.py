"""End to end: a real seed document ingested twice → events → deliveries in the same transaction → chat.

Version 2 of seed 000 lowers one cap from 500 万元 to 300 万元; the DingTalk robot must be told
which clause changed and by how much, the webhook must get the event as JSON, and a
subscription whose keywords do not occur gets nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import Delivery, Event
from tests.receivers.events import document
from tests.receivers.platforms import DingTalkReceiver, WebhookReceiver
from tracker.core.config import Settings, SubscriptionConfig, TrackerSettings
from tracker.pipeline import dispatch_due, ingest_file, sweep_statuses

URL = "https://www.hangzhou.gov.cn/art/2025/12/19/art_1229063382_1850000.html"
CAP = "单个企业每年最高奖励 500 万元"


def test_seed_change_reaches_dingtalk_and_webhook(engine: sa.Engine, seed_paths: dict[str, Path], tmp_path: Path) -> None:
    original = seed_paths["000"].read_text(encoding="utf-8")
    assert original.count(CAP) == 1
    edited = tmp_path / "v2.txt"
    edited.write_text(original.replace(CAP, "单个企业每年最高奖励 300 万元"), encoding="utf-8")
    with DingTalkReceiver(secret="SECx", keyword="类脑") as robot, WebhookReceiver(secret="hook") as hook:
        subscriptions = (
            SubscriptionConfig(name="bci", channel="dingtalk", url=robot.webhook_url, secret="SECx", keywords=("类脑",), options={"keyword": "类脑"}),
            SubscriptionConfig(name="hook", channel="webhook", url=hook.webhook_url, secret="hook", events=("document_changed",)),
            SubscriptionConfig(name="quantum", channel="webhook", url=hook.webhook_url, secret="hook", keywords=("量子计算",)),
        )
        settings = Settings(subscriptions=subscriptions)
        first = dt.datetime(2025, 12, 20, 1, 0, tzinfo=dt.timezone.utc)
        ingest_file(engine, seed_paths["000"], url=URL, fetched_at=first, subscriptions=subscriptions)
        ingest_file(engine, edited, url=URL, fetched_at=first + dt.timedelta(days=1), subscriptions=subscriptions)
        with Session(engine) as session:
            kinds = {e.id: e.kind for e in session.exec(select(Event))}
            owed = sorted((kinds[d.event_id], d.subscription) for d in session.exec(select(Delivery)))
        assert owed == [("document_added", "bci"), ("document_changed", "bci"), ("document_changed", "hook")]
        report = dispatch_due(engine, settings)
        assert (report.sent, report.dead, report.retrying) == (3, 0, 0)
        added, changed = (r.json["markdown"]["text"] for r in robot.accepted)
        (webhook_request,) = hook.accepted
    assert "新增文件 new document" in added
    assert "文件变更 document changed" in changed and "- 修改 三/（八）：" in changed and "~~500~~ **300**" in changed
    body = webhook_request.json
    assert body["event"]["kind"] == "document_changed"
    assert body["document"]["url"] == URL
    assert {"kind": "money", "old": "500万元", "new": "300万元"} in [f for c in body["changes"] for f in c["figures"]]


def test_daily_sweep_routes_reminders_and_status_changes(engine: sa.Engine) -> None:
    on = dt.date(2025, 6, 1)
    with Session(engine) as session:
        expiring, _ = document(session, "杭州市科技企业孵化器管理办法", n=1)
        expiring.effective_from, expiring.expires_on = dt.date(2020, 1, 1), on + dt.timedelta(days=30)
        session.add(expiring)
        session.commit()
        expiring_id = expiring.id
    reminders = SubscriptionConfig(name="reminders", channel="console", events=("expiry_reminder",))
    changes = SubscriptionConfig(name="changes", channel="console", events=("status_changed",))
    result = sweep_statuses(
        engine, TrackerSettings(), on, occurred_at=dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc), subscriptions=(reminders, changes)
    )
    with Session(engine) as session:
        owed = sorted((event.kind, event.document_id, delivery.subscription) for delivery, event in session.exec(
            select(Delivery, Event).join(Event, col(Event.id) == Delivery.event_id)
        ))
    assert result.counts() == {"expiry_reminder": 1}  # a first assessment is not a status change
    assert owed == [("expiry_reminder", expiring_id, "reminders")]
    later = on + dt.timedelta(days=31)
    sweep_statuses(engine, TrackerSettings(), later, occurred_at=dt.datetime(2025, 7, 2, tzinfo=dt.timezone.utc), subscriptions=(reminders, changes))
    with Session(engine) as session:
        expired = session.exec(
            select(Delivery, Event).join(Event, col(Event.id) == Delivery.event_id).where(Delivery.subscription == "changes")
        ).one()
    assert (expired[1].kind, expired[1].payload["from"], expired[1].payload["to"]) == ("status_changed", "expiring", "expired")
