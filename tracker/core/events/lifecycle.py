"""Events about a document's legal status: a status reached, an end of validity drawing near.

Their payloads are built by `tracker.core.lifecycle` (`status_change_event`,
`expiry_reminder_event`), which decides when each is news.
"""

from __future__ import annotations

from typing import Any, Mapping

from tracker.core.events import EventKind, declare, group

__all__ = ["EXPIRY_REMINDER", "STATUS_CHANGED"]

# A status change is filed under the status it reached.
_STATUS_GROUPS = {
    "in_force": "taking_effect",
    "not_yet_effective": "taking_effect",
    "expiring": "expiring",
    "expired": "expired",
    "repealed": "repealed",
}


def _status_group(payload: Mapping[str, Any]) -> str:
    return _STATUS_GROUPS.get(str(payload.get("to") or ""), "other")


STATUS_CHANGED = declare(EventKind("status_changed", "状态变化", "status changed", digest_group=_status_group))
EXPIRY_REMINDER = declare(EventKind("expiry_reminder", "到期提醒", "expiring soon", digest_group=group("expiring")))
