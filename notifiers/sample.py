"""`tracker notify test`: a realistic sample alert sent straight through a channel.

It bypasses the outbox on purpose: the point is to see the message in the chat or
mailbox (and the platform's verdict) right now, without needing any stored event.
"""

from __future__ import annotations

import datetime as dt

from notifiers.alert import Alert, alert_from_rows
from notifiers.channels import ChannelContext, Outgoing, build_channel
from tracker.core.config import SubscriptionConfig


def sample_alert(now: dt.datetime) -> Alert:
    return alert_from_rows(
        event_id=None,
        kind="document_changed",
        occurred_at=now,
        payload={
            "summary": "1 modified（测试消息 test message）",
            "clauses": [
                {
                    "change": "modified",
                    "old_path": "二/（八）",
                    "new_path": "二/（八）",
                    "text": "对符合条件的项目给予最高300万元资助。",
                    "deleted": ["5"],
                    "inserted": ["3"],
                    "figures": [{"kind": "money", "old": "500万元", "new": "300万元"}],
                }
            ],
        },
        document={
            "title": "【测试】杭州市促进脑机接口产业发展若干措施",
            "url": "https://www.hangzhou.gov.cn/",
            "doc_number": "杭政办函〔2025〕1号",
            "status": "in_force",
        },
        source="policy-tracker",
    )


def send_test(subscription: SubscriptionConfig, context: ChannelContext) -> None:
    """Send the sample alert; raises DeliveryError (with the platform's code) or ValueError (config)."""
    now = context.clock()
    channel = build_channel(subscription, context)
    channel.send(Outgoing(alerts=(sample_alert(now),), idempotency_key=f"test:{subscription.name}:{int(now.timestamp())}"))
