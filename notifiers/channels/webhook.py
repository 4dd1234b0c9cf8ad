"""Generic webhook: the alert as stable JSON (docs/webhook-schema.md), signed and keyed.

`X-Tracker-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>` with the
subscription secret lets the receiver authenticate; `Idempotency-Key` (event id +
subscription) lets it drop the one duplicate a crash between sending and recording can
cause. 2xx is success; 408/429/5xx and network errors are retried; other 4xx are final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from notifiers.channels.base import Channel, Outgoing, post

SCHEMA_EVENT = "policy-tracker.event/1"
SCHEMA_DIGEST = "policy-tracker.digest/1"


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_body(subscription: str, outgoing: Outgoing) -> dict[str, Any]:
    """The JSON document a webhook receives (see docs/webhook-schema.md)."""
    common = {"subscription": subscription, "idempotency_key": outgoing.idempotency_key}
    if outgoing.digest:
        return {
            "schema": SCHEMA_DIGEST,
            **common,
            "period": {
                "start": outgoing.period_start.isoformat() if outgoing.period_start else None,
                "end": outgoing.period_end.isoformat() if outgoing.period_end else None,
            },
            "alerts": [alert.to_json() for alert in outgoing.alerts],
        }
    (alert,) = outgoing.alerts
    return {"schema": SCHEMA_EVENT, **common, **alert.to_json()}


class WebhookChannel(Channel):
    kind = "webhook"

    def send(self, outgoing: Outgoing) -> None:
        body = json.dumps(webhook_body(self.subscription.name, outgoing), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": outgoing.idempotency_key,
            "User-Agent": "policy-tracker-webhook/1",
        }
        if outgoing.alerts and not outgoing.digest:
            headers["X-Tracker-Event"] = outgoing.alerts[0].kind
        if self.subscription.secret:
            headers["X-Tracker-Signature"] = webhook_signature(self.subscription.secret, body)
        post(self.context.client, self.require_url(), now=self.context.clock(), content=body, headers=headers)
