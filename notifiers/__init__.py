"""Telling people: an event as a person reads it (`Alert`), who wants it (`subscription_matches`),
how it is written (`Renderer`, digests) and the channels that send it, one module each.

Notifiers never touch the database: `tracker.pipeline` reads the rows (`storage`), builds
alerts here, and records what each send did.
"""

from notifiers.alert import Alert, ClauseLine, DocumentLink, alert_from_rows
from notifiers.channels import Channel, ChannelContext, Outgoing, build_channel, channel_class, open_context
from notifiers.render import Digest, Renderer, build_digest, digest_group
from notifiers.routing import subscription_matches

__all__ = [
    "Alert",
    "Channel",
    "ChannelContext",
    "ClauseLine",
    "Digest",
    "DocumentLink",
    "Outgoing",
    "Renderer",
    "alert_from_rows",
    "build_channel",
    "build_digest",
    "channel_class",
    "digest_group",
    "open_context",
    "subscription_matches",
]
