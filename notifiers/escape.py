"""Making scraped text inert in each markup a channel speaks.

Page text is untrusted: a title may contain `<!channel>`, `[x](http://evil)` or `**`.
Every value a template prints goes through one of these (jinja `finalize`), so a
template cannot forget; only values wrapped in `markupsafe.Markup` (our own links)
pass through unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]()#><|~])")
_WHITESPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Collapse newlines so page text cannot start a heading, quote or list."""
    return _WHITESPACE.sub(" ", text).strip()


def escape_markdown(text: str) -> str:
    """Backslash-escape markdown specials (DingTalk, WeCom, Feishu) in single-line text."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", one_line(text))


def escape_slack(text: str) -> str:
    """Slack mrkdwn: `& < >` become entities, so `<!channel>` and `<url|x>` stay text.

    `*`, `_`, `~` and backticks are neutralised with a zero-width space after them so
    page text cannot turn bold or code.
    """
    text = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([*_~`])", "\\1\u200b", text)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with the characters that break markup links percent-encoded; else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?&=%#~+,;@!$'*._-")


def truncate_bytes(text: str, limit: int, suffix: str = "") -> str:
    """`text` cut so that it plus `suffix` fits in `limit` UTF-8 bytes, never mid-character."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(suffix.encode("utf-8"))
    cut = text.encode("utf-8")[: max(room, 0)].decode("utf-8", errors="ignore")
    return cut + suffix
