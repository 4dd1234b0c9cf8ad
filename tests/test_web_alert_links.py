"""With `[tracker] base_url`, an alert links the web view's document page and redline, as receivers get it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest

from notifiers.alert import Alert, alert_from_rows
from notifiers.channels import ChannelContext, Outgoing, build_channel
from notifiers.render import Renderer
from tests.receivers.platforms import DingTalkReceiver, SlackReceiver
from tests.receivers.samples import AT, URL
from tracker.core.config import SubscriptionConfig, settings_from_dict
from tracker.core.errors import ConfigError

BASE = "https://policy.example.org"


def changed(document_id: int = 7) -> Alert:
    return alert_from_rows(
        event_id=1,
        kind="document_changed",
        occurred_at=AT,
        payload={"summary": "1 modified", "from_version": 1, "to_version": 2, "clauses": []},
        document={"id": document_id, "title": "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知", "url": URL},
        source="hz-gfxwj",
    )


@pytest.fixture()
def context() -> Iterator[ChannelContext]:
    with httpx.Client(timeout=5.0) as client:
        yield ChannelContext(client=client, renderer=Renderer(base_url=BASE), stream=io.StringIO(), smtp_timeout=5)


def send(context: ChannelContext, channel: str, url: str | None = None) -> None:
    outgoing = Outgoing(alerts=(changed(),), idempotency_key="1:x")
    build_channel(SubscriptionConfig(name="x", channel=channel, url=url), context).send(outgoing)


def test_chat_receivers_get_the_document_page_and_the_redline(context: ChannelContext) -> None:
    with DingTalkReceiver() as ding, SlackReceiver() as slack:
        send(context, "dingtalk", ding.webhook_url)
        send(context, "slack", slack.webhook_url)
        markdown = ding.accepted[0].json["markdown"]["text"]
        slack_text = str(slack.accepted[0].json)
    assert markdown.endswith(
        f"[查看原文 Open document]({URL}) · [网页 Web page]({BASE}/documents/7) · [修订对照 Redline]({BASE}/documents/7/redline?from=1&to=2)"
    )
    assert f"<{BASE}/documents/7|网页 Web page>" in slack_text and f"<{BASE}/documents/7/redline?from=1&to=2|修订对照 Redline>" in slack_text


def test_console_text_carries_the_links(context: ChannelContext) -> None:
    send(context, "console")
    printed = context.stream.getvalue()  # type: ignore[attr-defined]
    assert f"  网页 Web page: {BASE}/documents/7\n" in printed
    assert f"  修订对照 Redline: {BASE}/documents/7/redline?from=1&to=2" in printed


def test_without_base_url_only_the_government_page_is_linked() -> None:
    chunk = Renderer().markdown(changed())
    assert chunk.tail == f"\n\n[查看原文 Open document]({URL})"


def test_base_url_is_validated() -> None:
    settings = settings_from_dict({"tracker": {"base_url": "https://policy.example.org/"}})
    assert settings.tracker.base_url == "https://policy.example.org"
    with pytest.raises(ConfigError, match="tracker.base_url: must be an http"):
        settings_from_dict({"tracker": {"base_url": "policy.example.org"}})
