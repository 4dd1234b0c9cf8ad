"""WeCom (企业微信) group robot: markdown messages up to 4,096 bytes, `errcode` checked.

The key in the webhook URL is the secret; there is no signature. HTTP 200 with a
non-zero `errcode` is a rejection: 45009 (frequency limit) and -1 (busy) are retried,
the rest (93000 invalid webhook, 40058 bad content …) are permanent.
"""

from __future__ import annotations

import json

from notifiers.channels.base import Channel, Outgoing, json_body, markdown_messages, post
from tracker.core.errors import DeliveryError

CONTENT_LIMIT = 4_096
RETRYABLE_CODES = frozenset({"-1", "45009", "45033"})


class WeComChannel(Channel):
    kind = "wecom"

    def send(self, outgoing: Outgoing) -> None:
        url = self.require_url()
        for text in markdown_messages(self.context.renderer, outgoing, CONTENT_LIMIT):
            body = {"msgtype": "markdown", "markdown": {"content": text}}
            response = post(
                self.context.client,
                url,
                now=self.context.clock(),
                content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            answer = json_body(response)
            code = str(answer.get("errcode", "0"))
            if code != "0":
                raise DeliveryError(
                    f"WeCom errcode {code}: {answer.get('errmsg', '')}", code=code, retryable=code in RETRYABLE_CODES
                )
