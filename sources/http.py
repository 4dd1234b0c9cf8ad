"""The polite HTTP client: rate limits, retries, conditional GET, caps.

Government sites are small and easily upset, so every request goes through here:
per-host concurrency (default 1), a minimum delay between requests to a host
(configurable per source) and a global concurrency cap, all kept for the whole process by
`sources.politeness` however many clients and crawls it runs; timeouts, and a deadline for
the whole fetch (connect, headers and body, across retries and redirects), so a server that
trickles a byte every few seconds holds its host's queue for `deadline` seconds at most;
retries with exponential backoff and jitter on network errors, 5xx and 429 (honouring
`Retry-After`), never on other 4xx. `robots.txt` is obeyed unless a source opts out
(`sources.robots`): read once per host per day through this same client, a disallowed URL
raises `DisallowedError` before any request, and `Crawl-delay` raises the host's delay.
Bodies are streamed and abandoned beyond a size cap; redirects are followed by hand so a
hop to a host outside the source's `allowed_hosts` is refused.

Anti-bot pages (瑞数 412 shells, 加速乐 521, "please enable JavaScript" bodies served with
200) are recognised with the parser's own detector. A challenge that sets a cookie is
retried once with it (the cookie jar is shared), then reported as `BlockedError`, so a
challenge never reaches storage as a version of the document.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any, Iterator, Mapping
from urllib.parse import urljoin, urlsplit

import httpx

from sources.pacing import SharedPacer
from sources.politeness import HostPace, Politeness
from sources.responses import DOCUMENT_BLOCKS, Fetched, RequestStats, detect_block, host_allowed, sets_cookie
from sources.robots import RobotsRules, robots_url
from tracker.core.config import DEFAULT_USER_AGENT
from tracker.core.errors import BlockedError, DisallowedError, FetchError, TooLargeError
from tracker.core.model import PageKind
from tracker.core.retry_after import retry_after_seconds

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 522, 523, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class HttpPolicy:
    """Limits for the whole process; per-source delay and allowed hosts come with each request."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 20.0  # for each network step: connect, and each read
    attempt_deadline: float = 120.0  # one attempt, whole
    deadline: float = 120.0  # the whole fetch: every attempt and redirect, not the waits for a turn
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 300.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 1
    global_concurrency: int = 8
    default_delay: float = 1.0


class HttpClient:
    """Async, shared by every source of a run. Use as `async with HttpClient(policy) as client`.

    Its limits are kept by the process's `Politeness` for the policy's limits, so concurrent
    crawls of the process (the daemon's jobs) pace each host together; a `pacer` extends
    each host's turn and delay to every process sharing it (`tracker worker`).
    """

    def __init__(self, policy: HttpPolicy | None = None, *, pacer: SharedPacer | None = None) -> None:
        self.policy = policy or HttpPolicy()
        self._pacer = pacer
        self._politeness = Politeness.shared(
            per_host_concurrency=self.policy.per_host_concurrency, global_concurrency=self.policy.global_concurrency
        )
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.policy.user_agent, "Accept-Language": "zh-CN,zh;q=0.9"},
            timeout=httpx.Timeout(self.policy.timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max(self.policy.global_concurrency, 1) * 2),
        )

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float | None = None,
        allowed_hosts: tuple[str, ...] = (),
        stats: RequestStats | None = None,
        blocked_kinds: frozenset[PageKind] = DOCUMENT_BLOCKS,
        obey_robots: bool = True,
    ) -> Fetched:
        """Fetch `url` politely; a 304 comes back as `Fetched(status=304)` with no body.

        Raises `FetchError` for anything that is not an answer worth parsing (network
        failure after retries, 4xx/5xx, oversize body, redirect off-site, a URL no request
        could use, no answer within the deadline), `BlockedError` for anti-bot pages and
        `DisallowedError` for a URL robots.txt disallows (with `obey_robots`). Other statuses
        (404, 410) are raised too, with `status` set so callers can tell a removed page
        from a broken one.
        """
        stats = stats if stats is not None else RequestStats()
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        problem = _unusable(url)
        if problem is not None:
            raise FetchError(url, f"unusable URL: {problem}")
        if not host_allowed(url, allowed_hosts):
            raise FetchError(url, f"host {urlsplit(url).hostname} is not in allowed_hosts")
        challenge_retried = False
        current, current_method, current_data = url, method, data
        redirects = 0
        budget = _Budget(self.policy.deadline)
        while True:
            if obey_robots:
                await self._check_robots(current, delay, allowed_hosts, stats)
            fetched = await self._with_retries(
                current, current_method, current_data, params, headers, delay, stats, budget
            )
            if fetched.status in REDIRECT_STATUSES:
                location = fetched.headers.get("location")
                if not location:
                    raise FetchError(current, f"HTTP {fetched.status} without a Location header", fetched.status)
                redirects += 1
                if redirects > self.policy.max_redirects:
                    raise FetchError(url, f"more than {self.policy.max_redirects} redirects")
                target = urljoin(current, location)
                problem = _unusable(target)
                if problem is not None:
                    raise FetchError(url, f"redirect to an unusable URL {target}: {problem}")
                if not host_allowed(target, allowed_hosts):
                    raise FetchError(url, f"redirect to {target} leaves allowed_hosts")
                if fetched.status == 303 or (fetched.status in (301, 302) and current_method == "POST"):
                    current_method, current_data = "GET", None
                current, params = target, None
                continue
            detected = detect_block(fetched, blocked_kinds)
            if detected is not None:
                stats.blocked += 1
                if not challenge_retried and sets_cookie(fetched):
                    challenge_retried = True
                    continue
                raise BlockedError(current, detected, fetched.status)
            if fetched.status == 304 or 200 <= fetched.status < 300:
                return fetched
            raise FetchError(current, f"HTTP {fetched.status}", fetched.status)

    async def _check_robots(
        self, url: str, delay: float | None, allowed_hosts: tuple[str, ...], stats: RequestStats
    ) -> None:
        """DisallowedError when the host's robots.txt (read at most daily) disallows `url`."""
        host = self._politeness.host(urlsplit(url).netloc)
        rules = host.robots(time.monotonic())
        if rules is None:
            async with host.robots_turn:
                rules = host.robots(time.monotonic())
                if rules is None:
                    rules = await self._read_robots(url, delay, allowed_hosts, stats)
                    host.keep_robots(rules, time.monotonic())
        if not rules.allows(url, self.policy.user_agent):
            raise DisallowedError(url)

    async def _read_robots(
        self, url: str, delay: float | None, allowed_hosts: tuple[str, ...], stats: RequestStats
    ) -> RobotsRules:
        """The rules at `url`'s host; a robots.txt that is missing, broken or unreachable allows all."""
        try:
            fetched = await self.fetch(
                robots_url(url),
                delay=delay,
                allowed_hosts=allowed_hosts,
                stats=stats,
                blocked_kinds=frozenset(),
                obey_robots=False,
            )
        except FetchError:
            return RobotsRules.allow_all()
        return RobotsRules.parse(fetched.content, self.policy.user_agent)

    async def _with_retries(
        self,
        url: str,
        method: str,
        data: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        delay: float | None,
        stats: RequestStats,
        budget: _Budget,
    ) -> Fetched:
        host = self._politeness.host(urlsplit(url).netloc)
        attempt = 0
        while True:
            if budget.spent():
                raise FetchError(url, f"no complete answer within the {self.policy.deadline:g}s fetch deadline")
            try:
                fetched = await self._once(host, url, method, data, params, headers, delay, stats, budget)
            except (httpx.TransportError, asyncio.TimeoutError) as exc:
                reason = _network_reason(exc, self.policy)
                if budget.spent():
                    reason = f"no complete answer within the {self.policy.deadline:g}s fetch deadline"
                    raise FetchError(url, f"{reason} ({attempt + 1} attempt{'s' if attempt else ''})") from exc
                if attempt >= self.policy.retries:
                    raise FetchError(url, f"{reason} after {attempt + 1} attempts") from exc
            else:
                if fetched.status not in RETRY_STATUSES:
                    return fetched
                if attempt >= self.policy.retries:
                    raise FetchError(url, f"HTTP {fetched.status} after {attempt + 1} attempts", fetched.status)
                wait = retry_after_seconds(fetched.headers.get("retry-after"), dt.datetime.now(dt.timezone.utc))
                if wait is not None:
                    if wait > self.policy.max_retry_after:
                        raise FetchError(
                            url, f"HTTP {fetched.status}: asked to retry after {wait:.0f}s", fetched.status
                        )
                    host.defer(wait)
                    if self._pacer is not None:
                        await self._pacer.defer(urlsplit(url).netloc.lower(), wait)
            attempt += 1
            stats.retries += 1
            await asyncio.sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        base = self.policy.backoff * (2 ** (attempt - 1))
        return base + random.uniform(0, self.policy.backoff)

    async def _once(
        self,
        host: HostPace,
        url: str,
        method: str,
        data: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        delay: float | None,
        stats: RequestStats,
        budget: _Budget,
    ) -> Fetched:
        spacing = max(self.policy.default_delay if delay is None else delay, host.crawl_delay)
        async with host.turns:
            wait = host.reserve(spacing)
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._shared_turn(url, spacing), self._politeness.in_flight:
                stats.requests += 1
                with budget.counting():
                    return await asyncio.wait_for(
                        self._send(url, method, data, params, headers, stats),
                        min(self.policy.attempt_deadline, budget.remaining()),
                    )

    def _shared_turn(self, url: str, spacing: float) -> contextlib.AbstractAsyncContextManager[None]:
        if self._pacer is None:
            return contextlib.nullcontext()
        return self._pacer.turn(urlsplit(url).netloc.lower(), spacing)

    async def _send(
        self,
        url: str,
        method: str,
        data: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        stats: RequestStats,
    ) -> Fetched:
        request: dict[str, Any] = {"headers": headers}
        if data is not None:
            request["data"] = data
        if params is not None:
            request["params"] = params
        try:
            return await self._receive(url, method, request, stats)
        except httpx.DecodingError as exc:  # a body that is not what its Content-Encoding says
            raise FetchError(url, f"undecodable response body: {exc}") from exc
        except httpx.InvalidURL as exc:  # httpx reads every Location header, even unfollowed
            raise FetchError(url, f"unusable answer: {exc}") from exc

    async def _receive(self, url: str, method: str, request: dict[str, Any], stats: RequestStats) -> Fetched:
        async with self._client.stream(method, url, **request) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise TooLargeError(url, f"response of {int(declared)} bytes exceeds the {self.policy.max_bytes}-byte cap")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise TooLargeError(url, f"response exceeds the {self.policy.max_bytes}-byte cap")
                chunks.append(chunk)
            stats.bytes += size
            return Fetched(url=str(response.url), status=response.status_code, headers=response.headers, content=b"".join(chunks))


class _Budget:
    """Time a fetch has spent in requests (not waiting for its turn), against its deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.used = 0.0

    def remaining(self) -> float:
        return max(self.deadline - self.used, 0.0)

    def spent(self) -> bool:
        return self.used >= self.deadline

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.used += time.monotonic() - started


def _unusable(url: str) -> str | None:
    """Why no attempt could fetch `url`, or None; checked before the first try so it is never retried."""
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises ValueError when out of range or not a number
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        return "not http or https"
    if not parts.hostname or any(char.isspace() for char in parts.hostname):
        return "no valid host"
    return None


def _network_reason(exc: BaseException, policy: HttpPolicy) -> str:
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)):
        return f"timed out ({policy.timeout:g}s)"
    return f"network error: {type(exc).__name__}: {exc}".rstrip(": ")
