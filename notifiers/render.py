"""Alerts → the text each channel sends, from the jinja2 templates in `templates/`.

Four environments, one per markup: chat markdown and Slack mrkdwn escape every printed
value through `finalize` (only `Markup` — our own vetted links — passes through), HTML is
autoescaped, plain text only loses control characters (no terminal escape sequences). Packing helpers fit messages under each
platform's size limit without cutting a character in half.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from notifiers.alert import Alert, ClauseLine
from notifiers.escape import escape_markdown, escape_slack, printable, safe_url, truncate_bytes
from notifiers.web_links import web_links
from tracker.core.events import event_kind

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
MAX_CHAT_CHANGES = 8

# Digest groups in the order people act on them: what stopped applying, what is about to,
# what changed in force, then what is new. Key, Chinese label, English label.
DIGEST_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("repealed", "已废止", "Repealed"),
    ("expired", "已失效", "Expired"),
    ("expiring", "即将到期", "Expiring soon"),
    ("changed", "内容变更", "Changed"),
    ("new", "新增文件", "New documents"),
    ("taking_effect", "开始生效", "Taking effect"),
    ("removed", "已下线", "Removed"),
    ("sources", "来源状态", "Sources"),
    ("other", "其他", "Other"),
)
def digest_group(alert: Alert) -> str:
    """Which digest section an alert belongs in."""
    return event_kind(alert.kind).digest_group(alert.payload)


@dataclass(frozen=True)
class DigestGroup:
    key: str
    label_zh: str
    label_en: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class Digest:
    """One subscription's alerts for one period, grouped for reading."""

    subscription: str
    start: dt.datetime | None
    end: dt.datetime
    groups: tuple[DigestGroup, ...]
    tz: dt.tzinfo = DEFAULT_TZ

    @property
    def count(self) -> int:
        return sum(len(g.alerts) for g in self.groups)

    @property
    def heading(self) -> str:
        return f"政策动态摘要 Policy digest：{self.count} 条 items"

    @property
    def period_text(self) -> str:
        end = self.end.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        if self.start is None:
            return f"截至 until {end}"
        return f"{self.start.astimezone(self.tz).strftime('%Y-%m-%d %H:%M')} — {end}"


def build_digest(
    subscription: str, alerts: Iterable[Alert], start: dt.datetime | None, end: dt.datetime, tz: dt.tzinfo = DEFAULT_TZ
) -> Digest:
    by_group: dict[str, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda a: a.occurred_at):
        by_group.setdefault(digest_group(alert), []).append(alert)
    groups = tuple(
        DigestGroup(key, zh, en, tuple(by_group[key])) for key, zh, en in DIGEST_GROUPS if key in by_group
    )
    return Digest(subscription=subscription, start=start, end=end, groups=groups, tz=tz)


def _clip(text: Any, limit: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# How each markup strikes the old text and marks the new, with the escaping of its text.
_REDLINE_MARKS: dict[str, tuple[str, str, str, str, Callable[[str], str]]] = {
    "text": ("[-", "-]", "{+", "+}", printable),
    "markdown": ("~~", "~~", "**", "**", escape_markdown),
    "slack": ("~", "~", "*", "*", escape_slack),
    "html": ('<del style="color: #b00;">', "</del>", '<ins style="color: #070; font-weight: bold;">', "</ins>", lambda t: str(escape(t))),
}


def _redline(change: ClauseLine, markup: str) -> Markup:
    """The clause's inline redline in one markup: `…最高补助 ~~500~~ **300** 万元…` in chat
    markdown, `<del>`/`<ins>` in HTML, `[-500-] {+300+}` in text. Empty without runs."""
    strike_open, strike_close, mark_open, mark_close, escape_text = _REDLINE_MARKS[markup]
    parts: list[str] = []
    previous = "equal"
    for op, text in change.redline:
        if op == "equal":
            parts.append(escape_text(text))
        else:
            if previous != "equal":
                parts.append(" ")
            opening, closing = (strike_open, strike_close) if op == "delete" else (mark_open, mark_close)
            parts.append(f"{opening}{escape_text(text)}{closing}")
        previous = op
    return Markup("".join(parts))


def _redline_text(change: ClauseLine) -> str:
    """A clause's change in plain text: the inline redline, or (an event recorded without
    runs) its `[-deleted-]` and `{+inserted+}` runs, or its text."""
    if change.redline:
        return str(_redline(change, "text"))
    marks = [f"[-{run}-]" for run in change.deleted] + [f"{{+{run}+}}" for run in change.inserted]
    if marks:
        return " ".join(marks)
    if change.change == "removed":
        return f"[-{change.old_text or ''}-]"
    return f"{{+{change.new_text or ''}+}}" if change.change == "added" else change.new_text or ""


def _paren(value: Any) -> str:
    """`（value）` after a title, or nothing: an expression, so no block tag at a line's end
    (trim_blocks) swallows the newline that ends the line."""
    return f"（{value}）" if value else ""


def _link(url: str | None) -> Markup | None:
    vetted = safe_url(url)
    return Markup(vetted) if vetted else None


def _escaping(escape: Callable[[str], str]) -> Callable[[Any], str]:
    def finalize(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Markup):
            return value  # still Markup, so HTML autoescaping leaves it alone too
        return escape(str(value))

    return finalize


def _environment(base_url: str | None = None, **options: Any) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("notifiers", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
        **options,
    )
    env.filters["clip"] = _clip
    env.filters["link"] = _link
    env.filters["redline_text"] = _redline_text
    env.filters["redline"] = _redline
    env.filters["paren"] = _paren
    env.globals["web_links"] = lambda alert: web_links(alert, base_url)
    return env


class Renderer:
    """Renders alerts and digests; one instance is shared by all channels."""

    def __init__(self, tz: dt.tzinfo = DEFAULT_TZ, base_url: str | None = None) -> None:
        self.tz = tz
        self.base_url = base_url  # `[tracker] base_url`: alerts also link the web view's pages
        self._markdown = _environment(base_url, finalize=_escaping(escape_markdown))
        self._slack = _environment(base_url, finalize=_escaping(escape_slack))
        self._text = _environment(base_url, finalize=_escaping(printable))
        self._html = _environment(base_url, autoescape=True, finalize=_escaping(printable))

    def markdown(self, alert: Alert) -> Chunk:
        """Chat markdown: the body, and the document link kept even when the body is cut."""
        body = self._markdown.get_template("alert.md.j2").render(alert=alert, max_changes=MAX_CHAT_CHANGES).strip()
        url = safe_url(alert.url)
        links = [f"[查看原文 Open document]({url})"] if url else []
        links += [f"[{label}]({safe_url(link)})" for label, link in web_links(alert, self.base_url)]
        return Chunk(body, "\n\n" + " · ".join(links) if links else "")

    def slack(self, alert: Alert) -> str:
        return self._slack.get_template("alert.slack.j2").render(alert=alert, max_changes=MAX_CHAT_CHANGES).strip()

    def text(self, alert: Alert, *, redline: bool = False) -> str:
        return self._text.get_template("alert.txt.j2").render(alert=alert, redline=redline).strip()

    def digest_text(self, digest: Digest) -> str:
        return self._text.get_template("digest.txt.j2").render(digest=digest, redline=True).strip() + "\n"

    def digest_html(self, digest: Digest) -> str:
        return self._html.get_template("digest.html.j2").render(digest=digest)


@dataclass(frozen=True)
class Chunk:
    """One alert's message text: `body` may be cut to fit, `tail` (the link) never is."""

    body: str
    tail: str = ""

    def fitted(self, limit: int) -> str:
        text = self.body + self.tail
        if len(text.encode("utf-8")) <= limit:
            return text
        return truncate_bytes(self.body, limit - len(self.tail.encode("utf-8")), TRUNCATED) + self.tail


TRUNCATED = "\n\n…（内容过长已截断 truncated）"


def pack(chunks: Iterable[Chunk], limit: int, *, separator: str = "\n\n---\n\n") -> list[str]:
    """Join chunks into as few messages as fit in `limit` UTF-8 bytes each.

    A chunk that alone exceeds the limit is truncated, keeping its link.
    """
    messages: list[str] = []
    current = ""
    for item in chunks:
        chunk = item.fitted(limit)
        candidate = f"{current}{separator}{chunk}" if current else chunk
        if len(candidate.encode("utf-8")) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = chunk
    if current:
        messages.append(current)
    return messages
