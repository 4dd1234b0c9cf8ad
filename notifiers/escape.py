"""Making scraped text inert in each markup a channel speaks.

Page text is untrusted: a title may contain `<!channel>`, `[x](http://evil)` or `**`.
Every value a template prints goes through one of these (jinja `finalize`), so a
template cannot forget; only values wrapped in `markupsafe.Markup` (our own links)
pass through unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]()#|~])")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Chat markdown dialects also read HTML-like tags (`<font>`, WeCom `<@userid>`, Feishu
# `<at id=all>`) where backslash escapes are not honoured: angle brackets become full-width.
_ANGLES = str.maketrans({"<": "＜", ">": "＞"})


def printable(text: str) -> str:
    """Drop control characters (terminal escape sequences, NULs) from page text."""
    return _CONTROL.sub("", text)


def defuse_urls(text: str) -> str:
    """Break `scheme://` with a zero-width space so chat clients do not auto-link page text."""
    return text.replace("://", ":\u200b//")


def one_line(text: str) -> str:
    """Collapse newlines so page text cannot start a heading, quote or list."""
    return _WHITESPACE.sub(" ", printable(text)).strip()


def escape_markdown(text: str) -> str:
    """Markdown for DingTalk, WeCom and Feishu: specials backslash-escaped, tags defused."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", defuse_urls(one_line(text))).translate(_ANGLES)


def escape_slack(text: str) -> str:
    """Slack mrkdwn: `& < >` become entities, so `<!channel>` and `<url|x>` stay text.

    `*`, `_`, `~` and backticks are neutralised with a zero-width space after them so
    page text cannot turn bold or code; bare URLs are defused so they are not auto-linked.
    """
    text = defuse_urls(one_line(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
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
