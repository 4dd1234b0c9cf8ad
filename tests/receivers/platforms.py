"""Receivers that implement each platform's published contract.

DingTalk: `access_token` query, 加签 `timestamp`/`sign` query params (HMAC-SHA256 over
`"{ts_ms}\\n{secret}"`, base64), optional keyword security, 20 messages per minute,
~20,000 bytes; always HTTP 200 with `errcode`. Feishu: `timestamp`/`sign` in the body
(HMAC-SHA256 keyed with `"{ts_s}\\n{secret}"` over nothing), HTTP 200 with `code`.
WeCom: `key` query, markdown ≤ 4096 bytes, `errcode`. Slack: `ok` / 4xx text / 429.
Webhook: verifies `X-Tracker-Signature` and records `Idempotency-Key`s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import deque
from typing import Any

from tests.receivers.http import Answer, Receiver, Request


class DingTalkReceiver(Receiver):
    def __init__(self, access_token: str = "tok", secret: str | None = None, keyword: str | None = None) -> None:
        super().__init__()
        self.access_token = access_token
        self.secret = secret
        self.keyword = keyword
        self.sent_times: deque[float] = deque()

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/robot/send?access_token={self.access_token}"

    @staticmethod
    def expected_sign(secret: str, timestamp: str) -> str:
        mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        return base64.b64encode(mac).decode()

    def answer(self, request: Request) -> Answer:
        if request.path != "/robot/send" or request.query.get("access_token") != self.access_token:
            return Answer(200, {"errcode": 300001, "errmsg": "token is not exist"})
        moment = time.time()
        if self.secret is not None:
            timestamp = request.query.get("timestamp", "")
            if not timestamp.isdigit() or abs(int(timestamp) / 1000 - time.time()) > 3600:
                return Answer(200, {"errcode": 310000, "errmsg": "invalid timestamp"})
            if request.query.get("sign") != self.expected_sign(self.secret, timestamp):
                return Answer(200, {"errcode": 310000, "errmsg": "sign not match"})
            moment = int(timestamp) / 1000  # the sender's clock: lets tests use a fake one
        if len(request.body) > 20_000:
            return Answer(200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
        message = request.json
        text = message.get("markdown", {}).get("text", "") + message.get("markdown", {}).get("title", "")
        if self.keyword and self.keyword not in text:
            return Answer(200, {"errcode": 310000, "errmsg": "keywords not in content"})
        while self.sent_times and self.sent_times[0] <= moment - 60:
            self.sent_times.popleft()
        if len(self.sent_times) >= 20:
            return Answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        self.sent_times.append(moment)
        self.accept(request)
        return Answer(200, {"errcode": 0, "errmsg": "ok"})


class FeishuReceiver(Receiver):
    def __init__(self, hook: str = "hook-id", secret: str | None = None) -> None:
        super().__init__()
        self.hook = hook
        self.secret = secret

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/open-apis/bot/v2/hook/{self.hook}"

    @staticmethod
    def expected_sign(secret: str, timestamp: str) -> str:
        key = f"{timestamp}\n{secret}".encode()
        return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()

    def answer(self, request: Request) -> Answer:
        if request.path != f"/open-apis/bot/v2/hook/{self.hook}":
            return Answer(200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}})
        if len(request.body) > 20 * 1024:
            return Answer(200, {"code": 9499, "msg": "request body too large", "data": {}})
        message = request.json
        if self.secret is not None:
            timestamp = str(message.get("timestamp", ""))
            valid_time = timestamp.isdigit() and abs(int(timestamp) - time.time()) <= 3600
            if not valid_time or message.get("sign") != self.expected_sign(self.secret, timestamp):
                return Answer(
                    200,
                    {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": {}},
                )
        self.accept(request)
        return Answer(200, {"code": 0, "msg": "success", "data": {}})


class WeComReceiver(Receiver):
    def __init__(self, key: str = "wecom-key") -> None:
        super().__init__()
        self.key = key

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={self.key}"

    def answer(self, request: Request) -> Answer:
        if request.path != "/cgi-bin/webhook/send" or request.query.get("key") != self.key:
            return Answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        message = request.json
        if message.get("msgtype") != "markdown":
            return Answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        if len(message["markdown"]["content"].encode("utf-8")) > 4096:
            return Answer(200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        self.accept(request)
        return Answer(200, {"errcode": 0, "errmsg": "ok"})


class SlackReceiver(Receiver):
    def __init__(self, token: str = "T000/B000/XXXX") -> None:
        super().__init__()
        self.token = token

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/services/{self.token}"

    def answer(self, request: Request) -> Answer:
        if request.path != f"/services/{self.token}":
            return Answer(404, "no_service")
        try:
            message: dict[str, Any] = request.json
        except (ValueError, UnicodeDecodeError):
            return Answer(400, "invalid_payload")
        blocks = message.get("blocks", [])
        if not message.get("text") and not blocks:
            return Answer(400, "no_text")
        if len(blocks) > 50:
            return Answer(400, "invalid_blocks")
        for block in blocks:
            text = block.get("text", {}).get("text", "")
            limit = 150 if block.get("type") == "header" else 3000
            if len(text) > limit:
                return Answer(400, "invalid_blocks")
        self.accept(request)
        return Answer(200, "ok")


class WebhookReceiver(Receiver):
    """Verifies the HMAC signature; with `honour_idempotency` a repeated key is acknowledged, not kept."""

    def __init__(self, secret: str, honour_idempotency: bool = True) -> None:
        super().__init__()
        self.secret = secret
        self.honour_idempotency = honour_idempotency
        self.keys: list[str] = []

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/hooks/policy"

    def answer(self, request: Request) -> Answer:
        expected = "sha256=" + hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-tracker-signature", ""), expected):
            return Answer(401, "bad signature")
        key = request.headers.get("idempotency-key", "")
        if not key:
            return Answer(400, "missing Idempotency-Key")
        duplicate = key in self.keys
        self.keys.append(key)
        if duplicate and self.honour_idempotency:
            return Answer(200, {"status": "duplicate"})
        json.loads(request.body)
        self.accept(request)
        return Answer(202, {"status": "accepted"})
