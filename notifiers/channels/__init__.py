"""One module per channel; `build_channel` picks the right one for a subscription."""

from __future__ import annotations

from notifiers.channels.base import Channel, ChannelContext, Outgoing, open_context
from notifiers.channels.console import ConsoleChannel
from notifiers.channels.dingtalk import DingTalkChannel
from notifiers.channels.email import EmailChannel
from notifiers.channels.feishu import FeishuChannel
from notifiers.channels.slack import SlackChannel
from notifiers.channels.webhook import WebhookChannel
from notifiers.channels.wecom import WeComChannel
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import DeliveryError

CHANNEL_TYPES: dict[str, type[Channel]] = {
    "console": ConsoleChannel,
    "dingtalk": DingTalkChannel,
    "email": EmailChannel,
    "feishu": FeishuChannel,
    "slack": SlackChannel,
    "webhook": WebhookChannel,
    "wecom": WeComChannel,
}


def validate_subscription(subscription: SubscriptionConfig) -> None:
    """The `validate_subscription` hook of `tracker.core.config.load_settings`: ValueError names the option."""
    CHANNEL_TYPES[subscription.channel].check_options(subscription.options)


def build_channel(subscription: SubscriptionConfig, context: ChannelContext) -> Channel:
    """The channel for a subscription; ValueError names a missing or invalid option."""
    return CHANNEL_TYPES[subscription.channel](subscription, context)


__all__ = [
    "Channel",
    "ChannelContext",
    "DeliveryError",
    "Outgoing",
    "build_channel",
    "open_context",
    "validate_subscription",
    "CHANNEL_TYPES",
]
