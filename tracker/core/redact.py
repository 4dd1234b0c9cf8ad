"""Secrets out of everything a person or a log collector reads.

Webhook URLs carry their credentials in plain sight: DingTalk's `access_token` and `sign`,
WeCom's `key` in the query, Slack's `/services/T…/B…/…` and Feishu's `/hook/<id>` in the
path, a password in `user:password@host`. A log line or an error message that prints such
a URL hands the robot to whoever reads the logs. `redact` masks every URL it finds in a
text (every query value, the known token paths, the password in the userinfo) and every value registered
with `register_secret` (the values `${VAR}` expanded to in tracker.toml), so the log
formatters, the outbox's stored errors and the CLI's messages can pass any text through it.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
#: Shorter values are not masked as literals: "1" or "587" would mangle every line they
#: appear in, and a secret that short protects nothing anyway.
MIN_SECRET_LENGTH = 4

_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")
#: Path segments after these are tokens: Slack (`/services/T0/B0/XYZ`), Feishu and Lark
#: (`/open-apis/bot/v2/hook/<id>`), Discord-style and generic `/webhooks/<id>/<token>`.
_TOKEN_PATH_RE = re.compile(r"(?i)(/(?:services|hook|hooks|webhooks)/)[^?#]+")
_QUERY_VALUE_RE = re.compile(r"=([^&;#]*)")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secrets_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Mask `value` wherever `redact` sees it from now on (for the life of the process)."""
    global _secrets_pattern
    if len(value) < MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)  # a secret containing another masks whole
        _secrets_pattern = re.compile("|".join(re.escape(secret) for secret in ordered))


def redact_url(url: str) -> str:
    """`url` with its password, every query value and known token paths masked; the rest as written."""
    rest, hash_mark, fragment = url.partition("#")
    rest, question, query = rest.partition("?")
    scheme, _, after = rest.partition("://")
    authority, slash, path = after.partition("/")
    user, at, host = authority.rpartition("@")
    if at and ":" in user:
        authority = f"{user.partition(':')[0]}:{MASK}@{host}"
    path = _TOKEN_PATH_RE.sub(lambda match: match.group(1) + MASK, slash + path)
    if query:
        query = _QUERY_VALUE_RE.sub("=" + MASK, query) if "=" in query else MASK  # a bare `?token` is a value too
    return f"{scheme}://{authority}{path}{question}{query}{hash_mark}{fragment}"


def redact(text: str) -> str:
    """`text` with every URL redacted (`redact_url`) and every registered secret masked."""
    if "://" in text:
        text = _URL_RE.sub(lambda match: redact_url(match.group(0)), text)
    pattern = _secrets_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return text
