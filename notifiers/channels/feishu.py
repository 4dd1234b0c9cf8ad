"""Feishu / Lark custom bot: interactive cards with a markdown element, signed, `code` checked.

Signing: HMAC-SHA256 keyed with `"{timestamp_s}\\n{secret}"` over an empty message,
base64; `timestamp` and `sign` go in the JSON body. HTTP 200 with `code` ≠ 0 is a
rejection: 19021 (bad signature) and 19024 (keyword) are permanent, flow-control codes
(11232, 9499) are retried. The request body must stay under 20 KB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from notifiers.channels.base import Channel, Outgoing, json_body, markdown_messages, post, summary_title
from tracker.core.errors import DeliveryError

CONTENT_LIMIT = 18_000  # bytes of card markdown, leaving room for the JSON around it
RETRYABLE_CODES = frozenset({"11232", "9499", "2200"})


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class FeishuChannel(Channel):
    kind = "feishu"

    def send(self, outgoing: Outgoing) -> None:
        url = self.require_url()
        title = summary_title(outgoing)
        for text in markdown_messages(self.context.renderer, outgoing, CONTENT_LIMIT):
            card = {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
                "elements": [{"tag": "markdown", "content": text}],
            }
            self._post(url, {"msg_type": "interactive", "card": card})

    def _post(self, url: str, body: dict[str, Any]) -> None:
        now = self.context.clock()
        if self.subscription.secret:
            timestamp_s = int(now.timestamp())
            body = {"timestamp": str(timestamp_s), "sign": feishu_sign(self.subscription.secret, timestamp_s), **body}
        response = post(
            self.context.client,
            url,
            now=now,
            content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        answer = json_body(response)
        code = str(answer.get("code", answer.get("StatusCode", 0)))
        if code != "0":
            message = f"Feishu code {code}: {answer.get('msg') or answer.get('StatusMessage') or ''}"
            raise DeliveryError(message, code=code, retryable=code in RETRYABLE_CODES)
