"""The polite HTTP client against real local servers: delays, retries, caps, redirects, blocks.

These tests count and time the requests a page costs, so they leave robots.txt out
(`obey_robots=False`); tests/test_robots.py covers it.
"""

from __future__ import annotations

import asyncio
import email.utils
import socket
import threading
from contextlib import contextmanager
from typing import Awaitable, Iterator

import pytest

from sources.http import HttpClient, HttpPolicy
from sources.politeness import Turns
from sources.responses import RequestStats, host_allowed
from sources.samplesite.server import Fault, Request, Response, SiteServer
from tests.conftest import assert_paced
from tracker.core.errors import BlockedError, FetchError

FAST = HttpPolicy(timeout=0.3, attempt_deadline=2.0, retries=2, backoff=0.01, default_delay=0)
LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)
PAGE = ("<html><head><title>关于印发某办法的通知</title></head><body><div id='zoom'>" + "第一条　为了规范管理，制定本办法。" * 20 + "</div></body></html>").encode("utf-8")


class TinySite:
    """Pages by path; `/redirect-*` paths answer redirects; `/big` is larger than any small cap;
    `/dated` knows only Last-Modified; `/challenge-*` are anti-bot shells of every shape."""

    name = "tiny"

    def __init__(self) -> None:
        self.redirect_to = ""

    def respond(self, request: Request) -> Response:
        if request.path == "/redirect-away":
            return Response(302, headers={"Location": self.redirect_to}, validators=False)
        if request.path == "/redirect-local":
            return Response(301, headers={"Location": "/page"}, validators=False)
        if request.path == "/loop":
            return Response(302, headers={"Location": "/loop"}, validators=False)
        if request.path == "/big":
            return Response(200, b"x" * 50_000, "text/plain")
        if request.path == "/throttled":
            body = "<html><body><p>访问过于频繁，请开启JavaScript后刷新页面。</p><script>location.reload()</script></body></html>"
            return Response(200, body.encode("utf-8"), "text/html; charset=utf-8", validators=False)
        if request.path == "/dated":
            return dated(request)
        if request.path in CHALLENGES:
            return CHALLENGES[request.path]
        if request.path == "/guarded":
            return guarded(request)
        if request.path.startswith("/page"):
            return Response(200, PAGE, "text/html; charset=utf-8", last_modified=1_700_000_000)
        return Response(404, b"not found", "text/plain", validators=False)


CHALLENGES = {
    "/challenge-binary": Response(412, b"\x00\x01ts" * 100, "application/octet-stream", validators=False),
    "/challenge-huge": Response(412, b"<html><body>" + b"<p>x</p>" * 40_000 + b"</body></html>", "text/html", validators=False),
    "/challenge-521-binary": Response(521, b"\x1f\x8b" * 100, "application/octet-stream", validators=False),
}


def dated(request: Request) -> Response:
    """A server that validates by date alone: no ETag, 304 when If-Modified-Since is its date."""
    if request.headers.get("if-modified-since") == LAST_MODIFIED:
        return Response(304, validators=False)
    return Response(200, PAGE, "text/html; charset=utf-8", headers={"Last-Modified": LAST_MODIFIED}, validators=False)


def guarded(request: Request) -> Response:
    """A 瑞数-like guard: a binary 412 that sets a cookie, then the page for whoever sends it back."""
    if request.cookies.get("ts") == "ok":
        return Response(200, PAGE, "text/html; charset=utf-8", validators=False)
    return Response(412, b"\x00" * 1000, "application/octet-stream", headers={"Set-Cookie": "ts=ok; Path=/"}, validators=False)


@pytest.fixture
def server() -> Iterator[SiteServer]:
    running = SiteServer(TinySite())
    running.start()
    yield running
    running.stop()


def fetch(url: str, policy: HttpPolicy = FAST, **kwargs: object) -> object:
    async def go() -> object:
        async with HttpClient(policy) as client:
            return await client.fetch(url, obey_robots=False, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_conditional_get_answers_304_without_body(server: SiteServer) -> None:
    first = fetch(server.base_url + "/page")
    again = fetch(server.base_url + "/page", etag=first.etag)  # type: ignore[attr-defined]

    assert first.status == 200 and first.content == PAGE  # type: ignore[attr-defined]
    assert again.status == 304 and again.content == b""  # type: ignore[attr-defined]
    assert [entry.conditional for entry in server.log] == [False, True]


def test_conditional_get_by_last_modified_alone_answers_304(server: SiteServer) -> None:
    first = fetch(server.base_url + "/dated")
    again = fetch(server.base_url + "/dated", etag=first.etag, last_modified=first.last_modified)  # type: ignore[attr-defined]

    assert first.etag is None and first.last_modified == LAST_MODIFIED  # type: ignore[attr-defined]
    assert again.not_modified and again.content == b""  # type: ignore[attr-defined]
    assert [(entry.status, entry.conditional) for entry in server.log] == [(200, False), (304, True)]


def test_per_host_delay_spaces_requests(server: SiteServer, booked_starts: list[float]) -> None:
    async def go() -> None:
        async with HttpClient(FAST) as client:
            await asyncio.gather(*(client.fetch(f"{server.base_url}/page{i}", delay=0.1, obey_robots=False) for i in range(5)))

    asyncio.run(go())

    arrivals = [entry.at for entry in server.log]
    assert len(arrivals) == 5
    # Without the delay they would all be booked at once and arrive about 1 ms apart.
    assert_paced(arrivals, booked_starts, 0.1)


def test_500_is_retried_once_then_succeeds(server: SiteServer) -> None:
    server.inject("/page", Fault(status=500, times=1))
    stats = RequestStats()

    fetched = fetch(server.base_url + "/page", stats=stats)

    assert fetched.status == 200  # type: ignore[attr-defined]
    assert [entry.status for entry in server.log] == [500, 200]
    assert (stats.requests, stats.retries) == (2, 1)


def test_429_retry_after_is_waited_for(server: SiteServer) -> None:
    server.inject("/page", Fault(status=429, retry_after="1", times=1))

    fetched = fetch(server.base_url + "/page")

    first, second = server.log
    assert fetched.status == 200  # type: ignore[attr-defined]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95


def test_retry_after_beyond_the_cap_gives_up(server: SiteServer) -> None:
    server.inject("/page", Fault(status=503, retry_after="3600", times=None))

    with pytest.raises(FetchError, match="asked to retry after 3600s"):
        fetch(server.base_url + "/page", HttpPolicy(retries=3, backoff=0.01, default_delay=0, max_retry_after=60))
    assert len(server.log) == 1


def test_retry_backoff_doubles_with_each_attempt_plus_jitter() -> None:
    client = HttpClient(HttpPolicy(backoff=0.5))
    draws = {attempt: [client._backoff(attempt) for _ in range(200)] for attempt in range(1, 5)}
    asyncio.run(client.aclose())

    for attempt, base in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0)):
        delays = draws[attempt]
        assert all(base <= delay <= base + 0.5 for delay in delays), attempt
        # Spread out, so clients that failed together do not all come back at the same moment.
        assert max(delays) - min(delays) > 0.25, attempt


def test_404_is_not_retried(server: SiteServer) -> None:
    with pytest.raises(FetchError) as raised:
        fetch(server.base_url + "/missing")

    assert raised.value.status == 404
    assert len(server.log) == 1


def test_hung_server_times_out_while_another_host_answers(server: SiteServer) -> None:
    other = SiteServer(TinySite())
    other.start()
    server.inject("/page", Fault(hang=30.0, times=None))
    stats = RequestStats()
    finished: list[str] = []

    async def go() -> tuple[object, object]:
        async def noted(name: str, fetching: Awaitable[object]) -> object:
            try:
                return await fetching
            finally:
                finished.append(name)

        async with HttpClient(HttpPolicy(timeout=1.0, retries=1, backoff=0.01, default_delay=0)) as client:
            return tuple(
                await asyncio.gather(
                    noted("hung", client.fetch(server.base_url + "/page", stats=stats, obey_robots=False)),
                    noted("answered", client.fetch(other.base_url + "/page", obey_robots=False)),
                    return_exceptions=True,
                )
            )

    try:
        hung, answered = asyncio.run(go())
    finally:
        other.stop()
    assert isinstance(hung, FetchError) and "timed out" in hung.reason
    assert answered.status == 200  # type: ignore[attr-defined]
    # The other host's answer did not wait for the hung one's two 1 s timeouts (nor the 30 s hang).
    assert finished == ["answered", "hung"]
    assert (stats.requests, stats.retries) == (2, 1)  # the first attempt and one retry


def test_body_over_the_size_cap_is_abandoned(server: SiteServer) -> None:
    with pytest.raises(FetchError, match="exceeds the 10000-byte cap"):
        fetch(server.base_url + "/big", HttpPolicy(max_bytes=10_000, retries=0, default_delay=0))


@contextmanager
def raw_server(answer: bytes) -> Iterator[str]:
    """A server that writes `answer` verbatim and hangs up: framings SiteServer never sends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        with listener.accept()[0] as connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            try:
                connection.sendall(answer)
            except OSError:
                pass  # the client hung up once the cap was reached

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/big"
    finally:
        thread.join(timeout=5)
        listener.close()


def chunked(body: bytes, size: int = 4096) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


UNDECLARED = {
    "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * 50_000),
    "until close": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + b"x" * 50_000,
}


@pytest.mark.parametrize("framing", list(UNDECLARED))
def test_body_without_content_length_is_capped_while_streaming(framing: str) -> None:
    with raw_server(UNDECLARED[framing]) as url:
        whole = fetch(url, HttpPolicy(retries=0, default_delay=0))
    with raw_server(UNDECLARED[framing]) as url, pytest.raises(FetchError, match="exceeds the 10000-byte cap"):
        fetch(url, HttpPolicy(max_bytes=10_000, retries=0, default_delay=0))

    assert whole.content == b"x" * 50_000  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/page", "http://127.0.0.1:1:2/page", "http://[bad/page", "ftp://127.0.0.1/page", "http://☃☃--x.org/page"]
)
def test_unusable_url_fails_at_once_with_one_line(url: str) -> None:
    stats = RequestStats()
    with pytest.raises(FetchError) as raised:
        fetch(url, stats=stats)

    assert raised.value.reason.startswith("unusable URL: ") and "\n" not in str(raised.value)
    assert (stats.requests, stats.retries) == (0, 0)


def test_redirect_to_an_unusable_url_is_refused(server: SiteServer) -> None:
    server.site.redirect_to = "http://127.0.0.1:99999/page"  # type: ignore[attr-defined]

    with pytest.raises(FetchError, match="redirect to an unusable URL http://127.0.0.1:99999/page: Port out of range"):
        fetch(server.base_url + "/redirect-away")
    assert len(server.log) == 1


def test_redirects_stay_on_allowed_hosts(server: SiteServer) -> None:
    server.site.redirect_to = "http://evil.example.org/page"  # type: ignore[attr-defined]

    local = fetch(server.base_url + "/redirect-local", allowed_hosts=("127.0.0.1",))
    with pytest.raises(FetchError, match="leaves allowed_hosts"):
        fetch(server.base_url + "/redirect-away", allowed_hosts=("127.0.0.1",))
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(server.base_url + "/loop", HttpPolicy(max_redirects=2, default_delay=0))
    with pytest.raises(FetchError, match="not in allowed_hosts"):
        fetch(server.base_url + "/page", allowed_hosts=("www.gov.cn",))

    assert local.status == 200 and local.url.endswith("/page")  # type: ignore[attr-defined]


def test_throttle_page_served_with_200_is_blocked(server: SiteServer) -> None:
    stats = RequestStats()
    with pytest.raises(BlockedError) as raised:
        fetch(server.base_url + "/throttled", stats=stats)

    assert "JavaScript" in raised.value.reason
    assert stats.blocked == 1
    assert len(server.log) == 1  # no cookie was set, so no second try


@pytest.mark.parametrize("path", list(CHALLENGES))
def test_challenge_status_is_blocked_whatever_the_body(server: SiteServer, path: str) -> None:
    with pytest.raises(BlockedError) as raised:
        fetch(server.base_url + path)

    assert raised.value.status == CHALLENGES[path].status
    assert len(server.log) == 1  # no cookie was set, so no second try


def test_binary_challenge_that_sets_a_cookie_is_retried_with_it(server: SiteServer) -> None:
    stats = RequestStats()
    fetched = fetch(server.base_url + "/guarded", stats=stats)

    assert fetched.status == 200 and fetched.content == PAGE  # type: ignore[attr-defined]
    assert [entry.status for entry in server.log] == [412, 200]
    assert stats.blocked == 1


def test_user_agent_names_the_tool(server: SiteServer) -> None:
    seen: list[str] = []
    original = server.site.respond

    def capture(request: Request) -> Response:
        seen.append(request.headers.get("user-agent", ""))
        return original(request)

    server.site.respond = capture  # type: ignore[method-assign]
    fetch(server.base_url + "/page", HttpPolicy(user_agent="policy-tracker/test (+ops@example.org)", default_delay=0))

    assert seen == ["policy-tracker/test (+ops@example.org)"]


def test_host_allowed_matches_exact_hosts_and_dot_prefixed_domains() -> None:
    assert host_allowed("https://www.gov.cn/zhengce/a.htm", ("www.gov.cn",))
    assert not host_allowed("https://sousuo.www.gov.cn/x", ("www.gov.cn",))
    assert host_allowed("https://sousuo.www.gov.cn/x", (".gov.cn",))
    assert not host_allowed("https://gov.cn.evil.org/x", (".gov.cn",))
    assert host_allowed("https://anything.org/", ())


def fetch_in_threads(urls_per_thread: list[list[str]], delay: float) -> None:
    """Each thread runs its own event loop and HttpClient, as the daemon's concurrent crawl jobs do."""

    async def go(urls: list[str]) -> None:
        async with HttpClient(FAST) as client:
            await asyncio.gather(*(client.fetch(url, delay=delay, obey_robots=False) for url in urls))

    threads = [threading.Thread(target=asyncio.run, args=(go(urls),)) for urls in urls_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)


def test_clients_on_other_threads_share_the_per_host_delay(server: SiteServer, booked_starts: list[float]) -> None:
    fetch_in_threads([[f"{server.base_url}/page-a{i}" for i in range(3)], [f"{server.base_url}/page-b{i}" for i in range(3)]], 0.1)

    arrivals = [entry.at for entry in server.log]
    assert len(arrivals) == 6
    assert {entry.path[:7] for entry in server.log} == {"/page-a", "/page-b"}
    # Two separate clients would each keep 0.1 s on their own: pairs booked at the same moment.
    assert_paced(arrivals, booked_starts, 0.1)


def test_clients_on_other_threads_share_the_per_host_concurrency(server: SiteServer) -> None:
    for name in ("/page-a", "/page-b"):
        server.inject(name, Fault(delay=0.15, times=None))  # within FAST's 0.3 s timeout

    fetch_in_threads([[server.base_url + "/page-a"], [server.base_url + "/page-b"]], 0)

    first, second = server.log
    assert second.at - first.at >= 0.12  # the second waited for the first answer (per-host concurrency 1)


def test_a_waiter_cancelled_as_its_turn_comes_passes_the_turn_on() -> None:
    async def go() -> tuple[int, bool]:
        turns = Turns(1)
        await turns.acquire()
        waiter = asyncio.ensure_future(turns.acquire())
        await asyncio.sleep(0)  # queued behind the holder
        turns.release()  # the turn is handed to the waiter …
        waiter.cancel()  # … which is cancelled before it could run
        with pytest.raises(asyncio.CancelledError):
            await waiter
        after_cancel = turns.held
        await asyncio.wait_for(turns.acquire(), 1)  # the turn is free, not leaked
        return after_cancel, turns.held == 1

    assert asyncio.run(go()) == (0, True)


def test_a_waiter_that_times_out_leaves_the_queue() -> None:
    async def go() -> int:
        turns = Turns(1)
        await turns.acquire()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(turns.acquire(), 0.05)
        turns.release()
        await asyncio.wait_for(turns.acquire(), 1)
        return turns.held

    assert asyncio.run(go()) == 1
