"""E-mail over a real SMTP server (aiosmtpd) that demands STARTTLS and AUTH."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from notifiers.channels import ChannelContext, Outgoing, build_channel
from tests.receivers.samples import INJECTION_TITLE, added_alert, changed_alert, injection_alert, reminder_alert, repealed_alert
from tests.receivers.smtp import SMTPReceiver
from tracker.core.config import Settings, SubscriptionConfig, settings_from_dict
from tracker.core.errors import ConfigError, DeliveryError

START = dt.datetime(2025, 2, 24, 1, 0, tzinfo=dt.timezone.utc)
END = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SMTPReceiver]:
    with SMTPReceiver(tmp_path_factory.mktemp("smtp")) as server:
        yield server


@pytest.fixture()
def context() -> Iterator[ChannelContext]:
    with httpx.Client() as client:
        yield ChannelContext(client=client, clock=lambda: END, smtp_timeout=5)


def email_sub(smtp: SMTPReceiver, **overrides: object) -> SubscriptionConfig:
    return SubscriptionConfig(name="weekly", channel="email", mode="digest", schedule="0 9 * * MON", options=smtp.options(**overrides))


def test_digest_arrives_with_groups_in_html_and_text(smtp: SMTPReceiver, context: ChannelContext) -> None:
    before = len(smtp.inbox)
    alerts = (added_alert(), changed_alert(), reminder_alert(), repealed_alert())
    outgoing = Outgoing(alerts=alerts, idempotency_key="digest:weekly:1-4", digest=True, period_start=START, period_end=END)
    build_channel(email_sub(smtp), context).send(outgoing)
    (received,) = smtp.inbox[before:]
    message = received.message
    assert received.rcpt_tos == ["policy-team@example.org"]
    assert str(message["Subject"]) == "政策动态摘要：4 条更新（2025-02-24 09:00 — 2025-03-03 09:00）"
    assert message["From"].addresses[0].display_name == "政策追踪机器人"
    assert message["From"].addresses[0].addr_spec == "tracker@example.org"
    assert "=?utf-8?" in received.raw.decode("ascii").split("\r\n\r\n")[0]  # headers are RFC 2047-encoded
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    sections = text.split("== ")
    # In the order people act on: repealed, expiring, changed, then new.
    assert [s.split(" (")[0] for s in sections[1:]] == ["已废止 Repealed", "即将到期 Expiring soon", "内容变更 Changed", "新增文件 New documents"]
    assert "废止文件 Repealed by: 杭州市科技创新券实施细则（杭科计〔2025〕5号）" in sections[1]
    assert "剩余 Days left: 30 天（2025-03-31 到期）" in sections[2]
    assert "修改 二/（八）: 500万元 → 300万元\n      对符合条件的项目给予最高[-500-] {+300+}万元资助。" in sections[3]
    assert "关于加快类脑智能发展的实施意见" in sections[4]
    assert '<section class="group-changed">' in html
    assert (
        '对符合条件的项目给予最高<del style="color: #b00;">500</del> <ins style="color: #070; font-weight: bold;">300</ins>万元资助。'
        in html
    )
    assert html.index("group-repealed") < html.index("group-expiring") < html.index("group-changed") < html.index("group-new")


def test_immediate_email_escapes_page_text_in_html(smtp: SMTPReceiver, context: ChannelContext) -> None:
    before = len(smtp.inbox)
    build_channel(email_sub(smtp), context).send(Outgoing(alerts=(injection_alert(),), idempotency_key="5:weekly"))
    (received,) = smtp.inbox[before:]
    html = received.message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert str(received.message["Subject"]).startswith("[文件变更] 关于<script>")
    assert INJECTION_TITLE in received.message.get_body(("plain",)).get_content()


def test_wrong_password_is_a_permanent_535(smtp: SMTPReceiver, context: ChannelContext) -> None:
    channel = build_channel(email_sub(smtp, smtp_password="wrong"), context)
    with pytest.raises(DeliveryError) as caught:
        channel.send(Outgoing(alerts=(added_alert(),), idempotency_key="2:weekly"))
    assert (caught.value.code, caught.value.retryable) == ("535", False)


def test_untrusted_certificate_is_refused(smtp: SMTPReceiver, context: ChannelContext, tmp_path: Path) -> None:
    channel = build_channel(email_sub(smtp, ca_file=None), context)
    with pytest.raises(DeliveryError) as caught:
        channel.send(Outgoing(alerts=(added_alert(),), idempotency_key="2:weekly"))
    assert (caught.value.code, caught.value.retryable) == ("tls", False)


def test_missing_options_are_named() -> None:
    with pytest.raises(ValueError, match="option `to`"):
        build_channel(SubscriptionConfig(name="m", channel="email", options={"from": "a@b.c", "smtp_host": "h"}), ChannelContext())
    with pytest.raises(ValueError, match="security"):
        build_channel(
            SubscriptionConfig(name="m", channel="email", options={"to": "x@y.z", "from": "a@b.c", "smtp_host": "h", "security": "tls"}),
            ChannelContext(),
        )


def test_config_refuses_an_email_subscription_it_could_not_send() -> None:
    base = {"name": "weekly", "channel": "email", "to": "team@example.org", "from": "tracker@example.org"}

    def load(subscription: dict[str, object]) -> Settings:
        return settings_from_dict(
            {"subscription": [subscription]}, path=Path("tracker.toml")
        )

    with pytest.raises(ConfigError, match=r"^tracker.toml: subscription\[0\] \(weekly\): option `smtp_host` is required$"):
        load(base)
    with pytest.raises(ConfigError, match=r"subscription\[0\] \(weekly\): option `security` must be one of .*got 'tls'"):
        load({**base, "smtp_host": "smtp.example.org", "security": "tls"})
    with pytest.raises(ConfigError, match=r"subscription\[0\] \(weekly\): unknown option\(s\) smtp_hots for channel email"):
        load({**base, "smtp_host": "smtp.example.org", "smtp_hots": "typo"})
    settings = load({**base, "smtp_host": "smtp.example.org", "send_empty": True})
    assert settings.subscriptions[0].options["send_empty"] is True


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_with_login(tmp_path: Path, context: ChannelContext) -> None:
    with SMTPReceiver(tmp_path, implicit_tls=True) as server:
        channel = build_channel(email_sub(server), context)
        channel.send(Outgoing(alerts=(reminder_alert(),), idempotency_key="3:weekly"))
        channel.send(Outgoing(alerts=(reminder_alert(),), idempotency_key="3:weekly"))  # a resend after a crash
        channel.send(Outgoing(alerts=(reminder_alert(),), idempotency_key="3:daily"))
        first, resent, other = (r.message for r in server.inbox)
        assert server.logins == ["alerts"] * 3
    assert str(first["Subject"]) == "[到期提醒] 杭州市科技企业孵化器管理办法"
    assert first["Message-ID"] == resent["Message-ID"] != other["Message-ID"]  # clients fold the duplicate
