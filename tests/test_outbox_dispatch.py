"""The dispatcher against real local receivers: sent once, retried, dead, rate-limited, digested."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from notifiers.channels import ChannelContext
from storage.tables import Delivery
from tests.conftest import Cli
from tests.receivers.clock import FakeClock
from tests.receivers.events import changed_payload, document, event
from tests.receivers.http import Answer
from tests.receivers.platforms import DingTalkReceiver, SlackReceiver, WebhookReceiver
from tests.receivers.smtp import SMTPReceiver
from tracker.core.config import SubscriptionConfig
from tracker.pipeline.dispatch import Dispatcher
from tracker.pipeline.outbox import enqueue


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture()
def context(clock: FakeClock) -> Iterator[ChannelContext]:
    with httpx.Client(timeout=5.0) as client:
        yield ChannelContext(client=client, clock=clock, smtp_timeout=5)


def add_events(engine: sa.Engine, subscriptions: list[SubscriptionConfig], count: int = 1, start: int = 1, now: dt.datetime | None = None) -> list[int]:
    with Session(engine) as session:
        ids = []
        for n in range(start, start + count):
            doc, version = document(session, f"第{n}号 关于促进类脑智能发展的通知", n=n)
            recorded = event(session, "document_added", doc, version)
            enqueue(session, [recorded], subscriptions, now=now)
            ids.append(recorded.id)
        session.commit()
    return ids


def states(engine: sa.Engine) -> list[tuple[str, int, str | None]]:
    with Session(engine) as session:
        return [(d.state, d.attempts, d.last_error_code) for d in session.exec(select(Delivery).order_by(Delivery.id))]


def test_webhook_delivery_is_sent_once_with_its_key(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with WebhookReceiver(secret="s") as hook:
        sub = SubscriptionConfig(name="hook", channel="webhook", url=hook.webhook_url, secret="s")
        (event_id,) = add_events(engine, [sub], now=clock.now)
        dispatcher = Dispatcher(engine, [sub], context=context, sleep=clock.sleep)
        first = dispatcher.dispatch_due()
        second = dispatcher.dispatch_due()
        assert hook.keys == [f"{event_id}:hook"]
    assert (first.sent, second.sent) == (1, 0)
    assert states(engine) == [("sent", 1, None)]


def test_receiver_down_then_up_is_delivered_once(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    placeholder = socket.socket()  # holds the port, bound but not listening: connections are refused
    placeholder.bind(("127.0.0.1", 0))
    hook = WebhookReceiver(secret="s")
    hook.port = placeholder.getsockname()[1]
    url = hook.webhook_url
    sub = SubscriptionConfig(name="hook", channel="webhook", url=url, secret="s")
    add_events(engine, [sub], now=clock.now)
    dispatcher = Dispatcher(engine, [sub], context=context, sleep=clock.sleep, max_wait=dt.timedelta(0))
    report = dispatcher.dispatch_due()
    assert (report.sent, report.retrying) == (0, 1)
    assert states(engine) == [("failed", 1, "network")]
    placeholder.close()
    with hook:
        clock.advance(10)
        assert dispatcher.dispatch_due().sent == 0  # backoff: not yet due
        clock.advance(25)
        assert dispatcher.dispatch_due().sent == 1
        assert dispatcher.dispatch_due().sent == 0
        assert len(hook.accepted) == 1
    assert states(engine) == [("sent", 2, None)]


def test_429_retry_after_is_waited_for_and_delivered_once(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with SlackReceiver() as slack:
        slack.script.append(Answer(429, "rate_limited", {"Retry-After": "3"}))
        sub = SubscriptionConfig(name="slack", channel="slack", url=slack.webhook_url)
        add_events(engine, [sub], now=clock.now)
        report = Dispatcher(engine, [sub], context=context, sleep=clock.sleep).dispatch_due()
        assert (len(slack.requests), len(slack.accepted)) == (2, 1)
    assert clock.sleeps == [3.0]
    assert report.sent == 1 and report.retrying == 1
    assert states(engine) == [("sent", 2, None)]


def test_dingtalk_310000_goes_dead_with_its_code(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with DingTalkReceiver(secret="right") as robot:
        sub = SubscriptionConfig(name="ding", channel="dingtalk", url=robot.webhook_url, secret="wrong")
        add_events(engine, [sub], now=clock.now)
        report = Dispatcher(engine, [sub], context=context, sleep=clock.sleep).dispatch_due()
        clock.advance(3600)
        again = Dispatcher(engine, [sub], context=context, sleep=clock.sleep).dispatch_due()
        assert len(robot.requests) == 1
    assert (report.dead, again.sent, again.dead) == (1, 0, 0)
    with Session(engine) as session:
        dead = session.exec(select(Delivery)).one()
    assert (dead.state, dead.last_error_code) == ("dead", "310000")
    assert dead.last_error == "DingTalk errcode 310000: sign not match"


def test_thirty_events_to_one_dingtalk_robot_respect_20_per_minute(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with DingTalkReceiver(secret="s") as robot:
        sub = SubscriptionConfig(name="ding", channel="dingtalk", url=robot.webhook_url, secret="s")
        add_events(engine, [sub], count=30, now=clock.now)
        start = clock.now
        dispatcher = Dispatcher(engine, [sub], context=context, sleep=clock.sleep, max_wait=dt.timedelta(0))
        first = dispatcher.dispatch_due()
        with Session(engine) as session:
            waiting = session.exec(select(Delivery).where(Delivery.state == "pending")).all()
        assert (first.sent, first.deferred, len(waiting)) == (20, 10, 10)
        assert {d.next_attempt_at for d in waiting} == {start + dt.timedelta(minutes=1)}
        clock.advance(59)
        assert dispatcher.dispatch_due().sent == 0
        clock.advance(1)
        assert dispatcher.dispatch_due().sent == 10
        assert len(robot.accepted) == len(robot.requests) == 30  # the robot never answered 130101
    with Session(engine) as session:
        sent_at = sorted(d.sent_at for d in session.exec(select(Delivery)))
    assert all(later - earlier >= dt.timedelta(minutes=1) for earlier, later in zip(sent_at, sent_at[20:]))


def test_waiting_for_rate_limit_slots_within_one_call(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with SlackReceiver() as slack:
        sub = SubscriptionConfig(name="slack", channel="slack", url=slack.webhook_url)
        add_events(engine, [sub], count=4, now=clock.now)
        report = Dispatcher(engine, [sub], context=context, sleep=clock.sleep).dispatch_due()
        assert len(slack.accepted) == 4
    assert report.sent == 4 and clock.sleeps == [1.0, 1.0, 1.0]


def test_stale_sending_row_is_resent_once_with_the_same_key(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with WebhookReceiver(secret="s") as hook:
        sub = SubscriptionConfig(name="hook", channel="webhook", url=hook.webhook_url, secret="s")
        (event_id,) = add_events(engine, [sub], now=clock.now)
        dispatcher = Dispatcher(engine, [sub], context=context, sleep=clock.sleep, max_wait=dt.timedelta(0))
        dispatcher.outbox.claim([1], clock.now, dispatcher.stale_after)  # a process claimed it and died before sending
        assert dispatcher.outbox.claim([1], clock.now, dispatcher.stale_after) is None  # a live claim is never taken over
        assert dispatcher.dispatch_due().sent == 0
        clock.advance(119)
        assert dispatcher.dispatch_due().sent == 0  # the claim holds for two minutes
        clock.advance(2)
        assert dispatcher.dispatch_due().sent == 1
        assert hook.keys == [f"{event_id}:hook"]
    assert states(engine) == [("sent", 2, "unconfirmed")]  # the first send may have gone out too
    listed = Cli()("deliveries", db=engine.url.render_as_string(hide_password=False))
    assert listed.code == 0, listed.stderr
    assert listed.stdout.startswith("#1  sent (unconfirmed)")


def test_unknown_subscription_and_exhausted_retries_go_dead(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with SlackReceiver() as slack:
        sub = SubscriptionConfig(name="slack", channel="slack", url=slack.webhook_url)
        gone = SubscriptionConfig(name="gone", channel="console")
        add_events(engine, [sub, gone], now=clock.now)
        for _ in range(3):
            slack.script.append(Answer(503, "service unavailable"))
        dispatcher = Dispatcher(engine, [sub], context=context, sleep=clock.sleep, max_attempts=3, max_wait=dt.timedelta(0))
        for _ in range(3):
            dispatcher.dispatch_due()
            clock.advance(3600)
        assert len(slack.requests) == 3
    assert states(engine) == [("dead", 3, "503"), ("dead", 0, "config")]


def test_email_digest_collects_everything_since_the_last_one(engine: sa.Engine, context: ChannelContext, clock: FakeClock, tmp_path: Path) -> None:
    with SMTPReceiver(tmp_path) as smtp:
        weekly = SubscriptionConfig(name="weekly", channel="email", mode="digest", schedule="0 9 * * MON", options=smtp.options())
        add_events(engine, [weekly], count=3, now=clock.now)
        dispatcher = Dispatcher(engine, [weekly], context=context, sleep=clock.sleep)
        assert dispatcher.dispatch_due().sent == 0  # digests wait for their schedule
        preview = dispatcher.send_digest("weekly", preview=True)
        assert smtp.inbox == [] and preview.count == 3 and "第2号 关于促进类脑智能发展的通知" in (preview.preview or "")
        result = dispatcher.send_digest("weekly")
        empty = dispatcher.send_digest("weekly")
        add_events(engine, [weekly], count=1, start=4, now=clock.now)
        clock.advance(7 * 86400)
        later = dispatcher.send_digest("weekly")
        assert len(smtp.inbox) == 2
        first, second = (r.message for r in smtp.inbox)
    assert (result.count, result.sent, empty.sent, later.count) == (3, True, False, 1)
    first_text = first.get_body(("plain",)).get_content()
    assert "== 新增文件 New documents (3) ==" in first_text
    assert all(f"第{n}号" in first_text for n in (1, 2, 3))
    second_text = second.get_body(("plain",)).get_content()
    assert "第4号" in second_text and "第1号" not in second_text
    assert str(second["Subject"]).startswith("政策动态摘要：1 条更新（")
    assert [s for s, _, _ in states(engine)] == ["sent"] * 4


def test_empty_digest_is_sent_only_when_configured(engine: sa.Engine, context: ChannelContext, clock: FakeClock, tmp_path: Path) -> None:
    with SMTPReceiver(tmp_path) as smtp:
        quiet = SubscriptionConfig(name="quiet", channel="email", mode="digest", schedule="0 9 * * MON", options=smtp.options())
        chatty = SubscriptionConfig(name="chatty", channel="email", mode="digest", schedule="0 9 * * MON", options=smtp.options(send_empty=True))
        dispatcher = Dispatcher(engine, [quiet, chatty], context=context, sleep=clock.sleep)
        assert not dispatcher.send_digest("quiet").sent
        assert dispatcher.send_digest("chatty").sent
        (received,) = smtp.inbox
    assert "No changes in this period" in received.message.get_body(("plain",)).get_content()


def test_changed_event_reaches_dingtalk_with_figures(engine: sa.Engine, context: ChannelContext, clock: FakeClock) -> None:
    with DingTalkReceiver(secret="s") as robot:
        sub = SubscriptionConfig(name="ding", channel="dingtalk", url=robot.webhook_url, secret="s", keywords=("类脑",))
        with Session(engine) as session:
            doc, version = document(session, "关于推动未来产业发展的意见")
            changed = event(session, "document_changed", doc, version, changed_payload(doc, "支持类脑智能项目，最高300万元。", "5", "3"))
            enqueue(session, [changed], [sub], now=clock.now)
            session.commit()
        Dispatcher(engine, [sub], context=context, sleep=clock.sleep).dispatch_due()
        (request,) = robot.accepted
    assert "修改 二/（八）：500万元 → 300万元" in request.json["markdown"]["text"]
