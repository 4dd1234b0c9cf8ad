"""What every channel shares: the message to send, the error verdicts, the HTTP call.

A channel either returns (the platform accepted the message) or raises DeliveryError,
whose `retryable` flag decides between a retry with backoff and the dead-letter state.
Chat platforms answer HTTP 200 with an error code in the body, so each channel checks
the body, not only the status.
"""

from __future__ import annotations

import abc
import datetime as dt
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator, Mapping, TextIO

import httpx

from notifiers.alert import Alert
from notifiers.escape import one_line
from notifiers.render import Chunk, Renderer, pack
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import DeliveryError
from tracker.core.registry import CHANNELS
from tracker.core.retry_after import retry_after_seconds


@dataclass(frozen=True)
class Outgoing:
    """One message to send: one alert (immediate) or a period's alerts (digest)."""

    alerts: tuple[Alert, ...]
    idempotency_key: str
    digest: bool = False
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None


COMMON_OPTIONS = frozenset({"send_empty"})  # read by the dispatcher for digests of any channel


@dataclass
class ChannelContext:
    """Shared resources handed to channels: HTTP client, renderer, clock, console stream."""

    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15.0, follow_redirects=False))
    renderer: Renderer = field(default_factory=Renderer)
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    smtp_timeout: float = 30.0


class Channel(abc.ABC):
    """Base of the channel classes; subclasses set `kind` and implement `send`.

    `known_options` lists the channel-specific `[[subscription]]` keys, so a typo in
    tracker.toml is an error at start instead of an option silently ignored.
    """

    kind: ClassVar[str]
    known_options: ClassVar[frozenset[str]] = frozenset()
    needs_url: ClassVar[bool] = True  # a webhook channel; e-mail and the console say where otherwise

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that names its own `kind` is that channel: subscriptions can use it."""
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            CHANNELS.declare(cls.kind, cls)

    def __init__(self, subscription: SubscriptionConfig, context: ChannelContext) -> None:
        self.subscription = subscription
        self.context = context

    @abc.abstractmethod
    def send(self, outgoing: Outgoing) -> None:
        """Deliver one message; raise DeliveryError (retryable or not) when the platform refuses it."""

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        """ValueError naming the first option this channel does not know or cannot use."""
        unknown = sorted(set(options) - cls.known_options - COMMON_OPTIONS)
        if unknown:
            known = ", ".join(sorted(cls.known_options | COMMON_OPTIONS))
            raise ValueError(f"unknown option(s) {', '.join(unknown)} for channel {cls.kind} (known: {known})")

    def option(self, key: str, default: Any = None) -> Any:
        return self.subscription.options.get(key, default)

    def require_url(self) -> str:
        if not self.subscription.url:
            raise ValueError(f"subscription {self.subscription.name}: channel {self.kind} needs a url")
        return self.subscription.url


def post(
    client: httpx.Client, url: str, *, now: dt.datetime, content: bytes, headers: dict[str, str], params: dict[str, str] | None = None
) -> httpx.Response:
    """POST and classify transport and HTTP-level failures; return a 2xx response.

    Network errors, 5xx, 408 and 429 are retryable (429 honours Retry-After); any other
    4xx is permanent and carries the first 300 characters of the body as the reason.
    """
    # Merge, never replace, the webhook's own query (DingTalk's access_token); httpx
    # encodes the values exactly once, so a base64 `sign` keeps its `+`, `/` and `=`.
    target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)
    try:
        response = client.post(target, content=content, headers=headers)
    except httpx.TransportError as exc:
        raise DeliveryError(f"network error: {type(exc).__name__}: {exc}", code="network", retryable=True) from exc
    if response.is_success:
        return response
    reason = response.text.strip()[:300] or response.reason_phrase
    status = response.status_code
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"), now)
        raise DeliveryError(f"HTTP 429 rate limited: {reason}", code="429", retryable=True, retry_after=retry_after)
    retryable = status >= 500 or status == 408
    raise DeliveryError(f"HTTP {status}: {reason}", code=str(status), retryable=retryable)


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object a chat platform answered with; a non-JSON answer is retryable."""
    try:
        body = response.json()
    except ValueError as exc:
        raise DeliveryError(
            f"HTTP {response.status_code} answer is not JSON: {response.text[:200]!r}", code="bad-response", retryable=True
        ) from exc
    if not isinstance(body, dict):
        raise DeliveryError(f"unexpected answer {body!r:.200}", code="bad-response", retryable=True)
    return body


EMPTY_PERIOD_ZH = "本期没有新的动态。No changes in this period."


def headline(alert: Alert, limit: int = 80) -> str:
    """A one-line plain title for notification previews: `文件变更：标题`."""
    text = one_line(f"{alert.kind_zh}：{alert.title}")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_messages(renderer: Renderer, outgoing: Outgoing, limit: int) -> list[str]:
    """Chat markdown for an outgoing message, split into parts of at most `limit` bytes."""
    if not outgoing.alerts:
        return [f"#### 政策动态摘要 Policy digest\n\n{EMPTY_PERIOD_ZH}"]
    chunks = [renderer.markdown(alert) for alert in outgoing.alerts]
    if outgoing.digest:
        chunks.insert(0, Chunk(f"#### 政策动态摘要 Policy digest：{len(outgoing.alerts)} 条 items"))
    return pack(chunks, limit)


def summary_title(outgoing: Outgoing) -> str:
    """The plain title of a chat message: the alert's headline or the digest's count."""
    if outgoing.digest or len(outgoing.alerts) != 1:
        return f"政策动态摘要：{len(outgoing.alerts)} 条"
    return headline(outgoing.alerts[0])


@contextmanager
def open_context(tz: dt.tzinfo, *, timeout: float = 15.0, base_url: str | None = None) -> Iterator[ChannelContext]:
    """A ChannelContext whose HTTP client is closed afterwards; times shown in `tz`, web view links under `base_url`."""
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        yield ChannelContext(client=client, renderer=Renderer(tz, base_url))
