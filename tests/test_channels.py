"""Each chat/webhook channel against a local receiver implementing the platform's contract."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
from typing import Any, Iterator

import httpx
import pytest

from notifiers.channels import ChannelContext, Outgoing, build_channel
from tests.receivers.http import Answer
from tests.receivers.platforms import DingTalkReceiver, FeishuReceiver, SlackReceiver, WebhookReceiver, WeComReceiver
from tests.receivers.samples import URL, added_alert, changed_alert, reminder_alert, repealed_alert
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import DeliveryError


@pytest.fixture()
def context() -> Iterator[ChannelContext]:
    with httpx.Client(timeout=5.0) as client:
        yield ChannelContext(client=client, stream=io.StringIO())


def sub(channel: str, url: str | None = None, secret: str | None = None, **options: Any) -> SubscriptionConfig:
    return SubscriptionConfig(name=f"{channel}-team", channel=channel, url=url, secret=secret, options=options)


def one(alert_: Any = None, key: str = "1:team") -> Outgoing:
    return Outgoing(alerts=(alert_ or changed_alert(),), idempotency_key=key)


def send_error(channel: Any, outgoing: Outgoing) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        channel.send(outgoing)
    return caught.value


def test_dingtalk_signed_markdown_is_accepted_with_the_changes(context: ChannelContext) -> None:
    with DingTalkReceiver(secret="SEC+abc/def==") as robot:
        build_channel(sub("dingtalk", robot.webhook_url, "SEC+abc/def=="), context).send(one())
        (request,) = robot.accepted
    message = request.json
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["title"] == "文件变更：杭州市促进脑机接口产业发展若干措施"
    text = message["markdown"]["text"]
    # The changed figure inline: old struck, new in bold.
    assert "- 修改 二/（八）：对符合条件的项目给予最高~~500~~ **300**万元资助。\n" in text
    assert "新增 三/（二）" in text
    assert "杭政办函〔2025〕3号" in text and "现行有效 in force" in text
    assert text.endswith(f"[查看原文 Open document]({URL})")


def test_dingtalk_wrong_secret_is_a_permanent_310000(context: ChannelContext) -> None:
    with DingTalkReceiver(secret="right") as robot:
        error = send_error(build_channel(sub("dingtalk", robot.webhook_url, "wrong"), context), one())
        assert robot.accepted == [] and len(robot.requests) == 1
    assert (error.code, error.retryable) == ("310000", False)
    assert "sign not match" in error.message


def test_dingtalk_keyword_security_is_satisfied_by_the_keyword_option(context: ChannelContext) -> None:
    with DingTalkReceiver(keyword="政策提醒") as robot:
        rejected = send_error(build_channel(sub("dingtalk", robot.webhook_url), context), one())
        build_channel(sub("dingtalk", robot.webhook_url, keyword="政策提醒"), context).send(one())
        assert len(robot.accepted) == 1
    assert rejected.code == "310000" and "keywords" in rejected.message


def test_dingtalk_rate_limit_code_is_retryable(context: ChannelContext) -> None:
    with DingTalkReceiver() as robot:
        robot.script.append(Answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}))
        error = send_error(build_channel(sub("dingtalk", robot.webhook_url), context), one())
    assert (error.code, error.retryable) == ("130101", True)


def test_dingtalk_big_digest_is_split_under_the_byte_limit(context: ChannelContext) -> None:
    long_title = "关于促进脑机接口产业高质量发展的若干政策措施" * 40
    alerts = tuple(changed_alert(event_id=i, title=f"{i}号 {long_title}") for i in range(30))
    with DingTalkReceiver(secret="s") as robot:
        build_channel(sub("dingtalk", robot.webhook_url, "s"), context).send(
            Outgoing(alerts=alerts, idempotency_key="digest", digest=True)
        )
        texts = [r.json["markdown"]["text"] for r in robot.accepted]
    assert len(texts) > 1 and len(texts) == len(robot.requests)
    assert all(len(r.body) <= 20_000 for r in robot.accepted)
    joined = "\n".join(texts)
    assert all(f"{i}号 " in joined for i in range(30))


def test_dingtalk_single_huge_alert_is_truncated_but_keeps_its_link(context: ChannelContext) -> None:
    alert_ = changed_alert(title="超长标题" * 3000)
    with DingTalkReceiver() as robot:
        build_channel(sub("dingtalk", robot.webhook_url), context).send(one(alert_))
        (request,) = robot.accepted
    text = request.json["markdown"]["text"]
    assert "内容过长已截断" in text and text.endswith(f"({URL})")


def test_feishu_signed_card_is_accepted(context: ChannelContext) -> None:
    with FeishuReceiver(secret="feishu-secret") as bot:
        build_channel(sub("feishu", bot.webhook_url, "feishu-secret"), context).send(one(reminder_alert()))
        (request,) = bot.accepted
    body = request.json
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == "到期提醒：杭州市科技企业孵化器管理办法"
    content = body["card"]["elements"][0]["content"]
    assert "剩余 Days left：30 天（2025\\-03\\-31 到期）" not in content  # dates are not markdown-escaped
    assert "剩余 Days left：30 天（2025-03-31 到期）" in content


def test_feishu_bad_signature_is_a_permanent_19021(context: ChannelContext) -> None:
    with FeishuReceiver(secret="right") as bot:
        error = send_error(build_channel(sub("feishu", bot.webhook_url, "wrong"), context), one())
        assert bot.accepted == []
    assert (error.code, error.retryable) == ("19021", False)


def test_wecom_markdown_accepted_and_wrong_key_is_permanent(context: ChannelContext) -> None:
    with WeComReceiver(key="good") as bot:
        build_channel(sub("wecom", bot.webhook_url), context).send(one(repealed_alert()))
        error = send_error(build_channel(sub("wecom", bot.url + "/cgi-bin/webhook/send?key=bad"), context), one())
        (request,) = bot.accepted
    content = request.json["markdown"]["content"]
    # Both documents are linked, and the repeal line ends where the evidence line starts.
    assert f"- 废止文件 Repealed by：[杭州市科技创新券实施细则]({URL}?a=5)（杭科计〔2025〕5号）\n- 依据 Evidence：" in content
    assert content.endswith(f"[查看原文 Open document]({URL}?a=4)")
    assert "变化 Change：现行有效 in force → 已废止 repealed" in content
    assert (error.code, error.retryable) == ("93000", False)


def test_wecom_digest_respects_4096_bytes(context: ChannelContext) -> None:
    alerts = tuple(changed_alert(event_id=i) for i in range(12))
    with WeComReceiver() as bot:
        build_channel(sub("wecom", bot.webhook_url), context).send(Outgoing(alerts=alerts, idempotency_key="d", digest=True))
        assert len(bot.accepted) == len(bot.requests) > 1


def test_slack_blocks_with_fallback_text(context: ChannelContext) -> None:
    with SlackReceiver() as slack:
        build_channel(sub("slack", slack.webhook_url), context).send(one(added_alert()))
        (request,) = slack.accepted
    message = request.json
    assert message["text"] == "新增文件：关于加快类脑智能发展的实施意见"
    assert message["blocks"][0]["type"] == "header"
    section = message["blocks"][1]["text"]
    assert section["type"] == "mrkdwn"
    assert f"*<{URL}?a=2|关于加快类脑智能发展的实施意见>*" in section["text"]


def test_slack_repeal_links_both_documents_and_a_change_is_inline(context: ChannelContext) -> None:
    with SlackReceiver() as slack:
        build_channel(sub("slack", slack.webhook_url), context).send(one(repealed_alert()))
        build_channel(sub("slack", slack.webhook_url), context).send(one(changed_alert()))
        repeal, change = (request.json["blocks"][1]["text"]["text"] for request in slack.accepted)
    assert f"*<{URL}?a=4|杭州市科技创新券管理办法>*" in repeal
    assert f"• 废止文件 Repealed by：<{URL}?a=5|杭州市科技创新券实施细则>（杭科计〔2025〕5号）\n• 依据 Evidence：" in repeal
    assert "• 修改 二/（八）：对符合条件的项目给予最高~500~ *300*万元资助。\n" in change


def test_slack_long_content_is_split_into_sections_and_messages(context: ChannelContext) -> None:
    alerts = tuple(changed_alert(event_id=i, title="很长" * 2000) for i in range(30))
    with SlackReceiver() as slack:
        build_channel(sub("slack", slack.webhook_url), context).send(Outgoing(alerts=alerts, idempotency_key="d", digest=True))
        assert len(slack.accepted) == len(slack.requests) >= 2


def test_slack_error_verdicts(context: ChannelContext) -> None:
    with SlackReceiver() as slack:
        channel = build_channel(sub("slack", slack.webhook_url), context)
        slack.script.append(Answer(429, "rate_limited", {"Retry-After": "7"}))
        limited = send_error(channel, one())
        slack.script.append(Answer(500, "internal_error"))
        broken = send_error(channel, one())
        gone = send_error(build_channel(sub("slack", slack.url + "/services/nope"), context), one())
    assert (limited.code, limited.retryable, limited.retry_after) == ("429", True, 7.0)
    assert (broken.code, broken.retryable) == ("500", True)
    assert (gone.code, gone.retryable) == ("404", False) and "no_service" in gone.message


def test_webhook_is_signed_keyed_and_follows_the_schema(context: ChannelContext) -> None:
    with WebhookReceiver(secret="hook-secret") as hook:
        build_channel(sub("webhook", hook.webhook_url, "hook-secret"), context).send(one(key="1:webhook-team"))
        wrong = send_error(build_channel(sub("webhook", hook.webhook_url, "other"), context), one())
        (request,) = hook.accepted
    assert request.headers["idempotency-key"] == "1:webhook-team"
    assert request.headers["x-tracker-event"] == "document_changed"
    body = request.json
    assert set(body) == {  # docs/webhook-schema.md: every field always present
        "schema", "subscription", "idempotency_key", "event", "document", "source", "summary", "changes",
        "status_change", "days_left", "expires_on", "repealed_by", "error",
    }
    assert set(body["changes"][0]) == {"change", "path", "old_text", "new_text", "deleted", "inserted", "figures"}
    assert body["schema"] == "policy-tracker.event/1"
    assert body["event"]["kind"] == "document_changed" and body["event"]["id"] == 1
    assert body["document"]["doc_number"] == "杭政办函〔2025〕3号"
    assert body["changes"][0]["figures"] == [{"kind": "money", "old": "500万元", "new": "300万元"}]
    assert (wrong.code, wrong.retryable) == ("401", False)


def test_receiver_down_is_a_retryable_network_error(context: ChannelContext) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = send_error(build_channel(sub("webhook", f"http://127.0.0.1:{port}/x", "s"), context), one())
    assert (error.code, error.retryable) == ("network", True)


def test_console_prints_the_alert(context: ChannelContext) -> None:
    build_channel(sub("console"), context).send(one(reminder_alert(), key="3:console-team"))
    printed = context.stream.getvalue()  # type: ignore[attr-defined]
    assert "── console-team ── 3:console-team" in printed
    assert "[到期提醒 expiring soon] 杭州市科技企业孵化器管理办法（杭科高〔2020〕1号）" in printed
    assert "剩余 Days left: 30 天（2025-03-31 到期）" in printed


def test_clock_drives_the_dingtalk_signature_timestamp(context: ChannelContext) -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    context.clock = lambda: now
    with DingTalkReceiver(secret="s") as robot:
        build_channel(sub("dingtalk", robot.webhook_url, "s"), context).send(one())
        (request,) = robot.accepted
    assert request.query["timestamp"] == str(int(now.timestamp() * 1000))
    assert json.loads(request.body)["msgtype"] == "markdown"


def test_feishu_big_digest_stays_under_20_kb_per_request(context: ChannelContext) -> None:
    alerts = tuple(changed_alert(event_id=i, title=f"{i}号 " + "类脑智能产业政策" * 300) for i in range(12))
    with FeishuReceiver(secret="s") as bot:
        build_channel(sub("feishu", bot.webhook_url, "s"), context).send(Outgoing(alerts=alerts, idempotency_key="d", digest=True))
        assert len(bot.accepted) == len(bot.requests) > 1
        assert all(len(r.body) <= 20 * 1024 for r in bot.requests)
