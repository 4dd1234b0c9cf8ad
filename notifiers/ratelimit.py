"""Per-target send rates, honoured by scheduling (next_attempt_at), never by dropping.

DingTalk and WeCom robots accept 20 messages a minute, Slack webhooks about one a
second, Feishu bots five a second. `schedule_slots` is pure: given when the target was
last sent to, it says when each queued message may go.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class RateLimit:
    messages: int
    per: dt.timedelta


RATE_LIMITS: dict[str, RateLimit] = {
    "dingtalk": RateLimit(20, dt.timedelta(minutes=1)),
    "wecom": RateLimit(20, dt.timedelta(minutes=1)),
    "slack": RateLimit(1, dt.timedelta(seconds=1)),
    "feishu": RateLimit(5, dt.timedelta(seconds=1)),
}


def schedule_slots(recent: Sequence[dt.datetime], count: int, limit: RateLimit, now: dt.datetime) -> list[dt.datetime]:
    """The earliest time each of `count` messages may be sent so that no window of
    `limit.per` holds more than `limit.messages` sends, counting the `recent` ones."""
    times = sorted(t for t in recent if t > now - limit.per)
    slots = []
    for _ in range(count):
        slot = now if len(times) < limit.messages else max(now, times[-limit.messages] + limit.per)
        times.append(slot)
        slots.append(slot)
    return slots
