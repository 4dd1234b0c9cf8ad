"""Which subscriptions want an alert: event kind, source, status and keyword filters."""

from __future__ import annotations

import unicodedata

from notifiers.alert import Alert
from tracker.core.config import SubscriptionConfig
from tracker.core.events import event_kind

__all__ = ["subscription_matches"]

def _fold(text: str) -> str:
    """Width- and case-insensitive form for keyword matching (全角 ＡＩ matches AI)."""
    return unicodedata.normalize("NFKC", text).casefold()


def subscription_matches(subscription: SubscriptionConfig, alert: Alert, extra_text: str = "") -> bool:
    """Whether a subscription wants this alert.

    Event kind and source always filter. Keywords (any of them, as substrings, so
    two-character Chinese terms work) are matched against the title, the document number
    and the changed clause text — for a new document, all its clauses (`extra_text`).
    Keywords and statuses describe documents, so they do not filter source events (health, baseline).
    """
    if alert.kind not in subscription.events:
        return False
    if subscription.sources and alert.source not in subscription.sources:
        return False
    if event_kind(alert.kind).about == "source":
        return True
    if subscription.statuses and alert.status not in subscription.statuses:
        return False
    if subscription.keywords:
        haystack = _fold(alert.searchable_text + "\n" + extra_text)
        return any(_fold(keyword) in haystack for keyword in subscription.keywords)
    return True
