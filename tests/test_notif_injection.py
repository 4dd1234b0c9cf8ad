"""A hostile policy title renders inert in every channel, checked on what the receivers got.

The title carries `<script>`, Slack's `<!channel>`, a markdown link to http://evil, `**`
emphasis and a terminal escape sequence; the only link in any message must be the
document's own URL.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from notifiers.channels import ChannelContext, Outgoing, build_channel
from tests.receivers.platforms import DingTalkReceiver, FeishuReceiver, SlackReceiver, WebhookReceiver, WeComReceiver
from tests.receivers.samples import INJECTION_TITLE, URL, changed_alert
from tests.receivers.smtp import SMTPReceiver
from tracker.core.config import SubscriptionConfig

HOSTILE = INJECTION_TITLE + "\x1b[2J"
OUTGOING = Outgoing(alerts=(changed_alert(title=HOSTILE),), idempotency_key="5:x")


@pytest.fixture()
def context() -> Iterator[ChannelContext]:
    with httpx.Client(timeout=5.0) as client:
        yield ChannelContext(client=client, stream=io.StringIO(), smtp_timeout=5)


def send(context: ChannelContext, channel: str, url: str | None = None, secret: str | None = None, **options: object) -> None:
    build_channel(SubscriptionConfig(name="x", channel=channel, url=url, secret=secret, options=options), context).send(OUTGOING)


def assert_inert_markdown(text: str) -> None:
    assert "<script>" not in text and "<!channel>" not in text and "\x1b" not in text
    assert "＜script＞alert\\(1\\)＜/script＞＜!channel＞ \\[x\\]\\(http:\u200b//evil\\) \\*\\*加急\\*\\*" in text
    assert "http://evil" not in text  # not even auto-linked
    links = re.findall(r"(?<!\\)\]\((?!\\)([^)]*)\)", text)
    assert links == [URL]
    assert re.search(r"(?<!\\)\*\*加急", text) is None


def test_dingtalk_wecom_and_feishu_markdown_are_inert(context: ChannelContext) -> None:
    with DingTalkReceiver() as ding, WeComReceiver() as wecom, FeishuReceiver() as feishu:
        send(context, "dingtalk", ding.webhook_url)
        send(context, "wecom", wecom.webhook_url)
        send(context, "feishu", feishu.webhook_url)
        texts = [
            ding.accepted[0].json["markdown"]["text"],
            wecom.accepted[0].json["markdown"]["content"],
            feishu.accepted[0].json["card"]["elements"][0]["content"],
        ]
        titles = [ding.accepted[0].json["markdown"]["title"], feishu.accepted[0].json["card"]["header"]["title"]["content"]]
    for text in texts:
        assert_inert_markdown(text)
    assert all("\x1b" not in title for title in titles)  # plain-text titles: shown verbatim, never as markup


def test_slack_mrkdwn_is_inert(context: ChannelContext) -> None:
    with SlackReceiver() as slack:
        send(context, "slack", slack.webhook_url)
        message = slack.accepted[0].json
    texts = [message["text"]] + [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    for text in texts:
        assert "<!channel>" not in text and "<script>" not in text and "\x1b" not in text
        assert re.findall(r"<([^>|]+)(?:\|[^>]*)?>", text) in ([], [URL])
    assert "&lt;!channel&gt;" in texts[1] and "&lt;script&gt;" in texts[1]
    assert "http://evil" not in texts[1]
    assert "**" not in texts[1]


def test_html_email_is_autoescaped(context: ChannelContext, tmp_path: Path) -> None:
    with SMTPReceiver(tmp_path) as smtp:
        send(context, "email", **smtp.options())
        (received,) = smtp.inbox
    html = received.message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<!channel>" not in html and "\x1b" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;!channel&gt; [x](http://evil) **加急**" in html
    assert re.findall(r'href="([^"]*)"', html) == [URL]
    assert "\x1b" not in received.message.get_body(("plain",)).get_content()
    assert "\x1b" not in str(received.message["Subject"])


def test_webhook_carries_the_title_as_data(context: ChannelContext) -> None:
    with WebhookReceiver(secret="s") as hook:
        send(context, "webhook", hook.webhook_url, "s")
        body = hook.accepted[0].json
    assert body["document"]["title"] == HOSTILE  # JSON is data: exact, escaped by the JSON encoding
    assert body["document"]["url"] == URL


def test_console_drops_terminal_escapes(context: ChannelContext) -> None:
    send(context, "console")
    printed = context.stream.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in printed and INJECTION_TITLE in printed
