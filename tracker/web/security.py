"""What keeps `tracker web` read-only and private: methods, the token, and inert pages.

- Only GET and HEAD reach the application; anything else is 405 before routing.
- With `[web] token` set, every request shows it, as `Authorization: Bearer …`, as
  `?token=…` (for feed readers and calendar apps, which cannot send headers) or in the
  cookie set after a successful `?token=`. It is compared in constant time.
- Every response forbids loading anything from elsewhere and running any script
  (Content-Security-Policy), so scraped text stays text even if it reached the page unescaped.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "tracker_token"
READ_METHODS = frozenset({"GET", "HEAD"})
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison, so the time taken says nothing about how much of a guess was right."""
    return given is not None and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _presented(scope: Scope) -> tuple[str | None, bool]:
    """The token the request carries, and whether it came in the query string."""
    headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope.get("headers", [])}
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip(), False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    if query:
        return query[0], True
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is the same as none
        return None, False
    return (cookie[COOKIE].value if COOKIE in cookie else None), False


def _cookie(token: str) -> str:
    """The Set-Cookie value that lets a browser keep the token it was given once in a link."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[COOKIE] = token
    cookie[COOKIE]["httponly"] = True
    cookie[COOKIE]["samesite"] = "Strict"
    cookie[COOKIE]["path"] = "/"
    return cookie[COOKIE].OutputString()


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = (text + "\n").encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *extra, *_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: read-only methods, the optional token, and the safety headers."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in READ_METHODS:
            await _plain(send, 405, "read-only: only GET and HEAD", [(b"allow", b"GET, HEAD")])
            return
        set_cookie: list[tuple[bytes, bytes]] = []
        if self.token is not None:
            given, from_query = _presented(scope)
            if not token_matches(self.token, given):
                await _plain(send, 401, "a token is required: Authorization: Bearer TOKEN or ?token=TOKEN", [(b"www-authenticate", b"Bearer")])
                return
            if from_query:
                set_cookie.append((b"set-cookie", _cookie(given or "").encode("latin-1")))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS, *set_cookie]
            await send(message)

        await self.app(scope, receive, with_headers)
