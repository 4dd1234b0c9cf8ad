"""DingTalk custom robot: markdown messages, 加签 signing, keyword security, errcode checks.

Signing: HMAC-SHA256 keyed with the secret over `"{timestamp_ms}\\n{secret}"`, base64,
sent as the query parameters `timestamp` and `sign` (encoded once, by httpx). DingTalk
answers HTTP 200 for rejected messages, so `errcode` decides: 0 accepted, rate-limit
codes retryable, anything else (310000 bad signature / keyword / IP) permanent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from notifiers.channels.base import Channel, Outgoing, json_body, markdown_messages, post, summary_title
from tracker.core.errors import DeliveryError

TEXT_LIMIT = 18_000  # bytes of markdown; the platform's limit is about 20,000 for the whole message
RETRYABLE_CODES = frozenset({"-1", "130101", "660026"})


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkChannel(Channel):
    kind = "dingtalk"
    known_options = frozenset({"keyword"})

    def send(self, outgoing: Outgoing) -> None:
        url = self.require_url()
        keyword = self.option("keyword")
        title = summary_title(outgoing)
        for text in markdown_messages(self.context.renderer, outgoing, TEXT_LIMIT):
            if keyword and keyword not in text:
                text = f"{text}\n\n{keyword}"
            body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
            self._post(url, body)

    def _post(self, url: str, body: dict[str, object]) -> None:
        now = self.context.clock()
        params = None
        if self.subscription.secret:
            timestamp_ms = int(now.timestamp() * 1000)
            params = {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(self.subscription.secret, timestamp_ms)}
        response = post(
            self.context.client,
            url,
            now=now,
            content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            params=params,
        )
        answer = json_body(response)
        code = str(answer.get("errcode", "0"))
        if code != "0":
            message = f"DingTalk errcode {code}: {answer.get('errmsg', '')}"
            raise DeliveryError(message, code=code, retryable=code in RETRYABLE_CODES)
