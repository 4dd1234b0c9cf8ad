"""The channels, one module each; a module here declares its channel by subclassing `Channel`.

Importing this package imports every module in it, so a new channel is one new file and
nothing else; `build_channel` finds the class a subscription's `channel` names.
"""

from __future__ import annotations

import importlib
import pkgutil

from notifiers.channels.base import Channel, ChannelContext, Outgoing, open_context
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import DeliveryError
from tracker.core.registry import CHANNELS

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def channel_class(name: str) -> type[Channel]:
    """The class declared for `channel = name`; RegistryError lists the known channels."""
    kind = CHANNELS.get(name)
    assert isinstance(kind, type) and issubclass(kind, Channel)
    return kind


def build_channel(subscription: SubscriptionConfig, context: ChannelContext) -> Channel:
    """The channel for a subscription; ValueError names a missing or invalid option."""
    return channel_class(subscription.channel)(subscription, context)


__all__ = [
    "Channel",
    "ChannelContext",
    "DeliveryError",
    "Outgoing",
    "build_channel",
    "channel_class",
    "open_context",
]
