"""How hard the process may press on each site: per-host turns and pacing, a global cap.

The limits a site sees must be those of the whole process, not of one crawl: the daemon runs
several crawl jobs at once (on PostgreSQL), each on its own event loop in a worker thread,
and two sources often share a host (杭州市人民政府's columns, say). So the state behind the
limits lives here, once per process (`Politeness.shared`), guarded by a thread lock, and a
coroutine waiting for its turn on one loop is woken from whichever thread ends the turn
before it. Every `HttpClient` of the process takes its turns here. A host's robots.txt
rules live here too, so the process reads each host's file once a day, whichever crawl
asks first.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from types import TracebackType
from typing import ClassVar

from sources.robots import ROBOTS_TTL, RobotsRules


class Turns:
    """An asyncio semaphore that coroutines on any event loop, in any thread, can share.

    Turns are handed over in arrival order. A waiter cancelled at the moment its turn came
    passes the turn on, so a timeout never leaks a turn and never lets one more in.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a limit of {limit} would let no request through")
        self.limit = limit
        self._lock = threading.Lock()
        self._held = 0
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = collections.deque()

    @property
    def held(self) -> int:
        return self._held

    async def acquire(self) -> None:
        with self._lock:
            if self._held < self.limit and not self._waiters:
                self._held += 1
                return
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            with self._lock:
                try:
                    self._waiters.remove((loop, waiter))
                except ValueError:  # the turn was already ours: give it to the next one
                    self._hand_over()
            raise

    def release(self) -> None:
        with self._lock:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give a finished turn to the first waiter whose loop still runs, else free it."""
        while self._waiters:
            loop, waiter = self._waiters.popleft()
            try:
                loop.call_soon_threadsafe(_grant, waiter)
            except RuntimeError:  # that loop is closed; its waiter can never run
                continue
            return
        self._held -= 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


def _grant(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class HostPace:
    """One host's turns, the earliest time its next request may start, and its robots.txt."""

    def __init__(self, concurrency: int) -> None:
        self.turns = Turns(concurrency)
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._robots: RobotsRules | None = None
        self._robots_read_at = 0.0
        #: One reader of robots.txt at a time, whichever thread's crawl asks; the others wait for its rules.
        self.robots_turn = Turns(1)

    @property
    def crawl_delay(self) -> float:
        """The robots.txt `Crawl-delay` for us: a lower bound for every source's delay here."""
        rules = self._robots
        return rules.crawl_delay if rules is not None else 0.0

    def robots(self, now: float) -> RobotsRules | None:
        """The host's rules if read within the last day, else None (read them again)."""
        with self._lock:
            if self._robots is None or now - self._robots_read_at >= ROBOTS_TTL:
                return None
            return self._robots

    def keep_robots(self, rules: RobotsRules, now: float) -> None:
        with self._lock:
            self._robots, self._robots_read_at = rules, now

    def reserve(self, spacing: float) -> float:
        """Book the next start, `spacing` seconds after the previous one; returns how long to wait."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._not_before)
            self._not_before = start + spacing
            return start - now

    def defer(self, seconds: float) -> None:
        """No request to this host for `seconds` from now (the host asked, with `Retry-After`)."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)


class Politeness:
    """Per-host pacing and concurrency, and a cap on requests in flight, for everything sharing it."""

    _shared: ClassVar[dict[tuple[int, int], Politeness]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, *, per_host_concurrency: int, global_concurrency: int) -> None:
        self.per_host_concurrency = max(per_host_concurrency, 1)
        self.in_flight = Turns(max(global_concurrency, 1))
        self._hosts: dict[str, HostPace] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, *, per_host_concurrency: int, global_concurrency: int) -> Politeness:
        """The process's one instance for these limits: every client built from the same
        settings (all of the daemon's crawls) paces each host together."""
        key = (max(per_host_concurrency, 1), max(global_concurrency, 1))
        with cls._shared_lock:
            politeness = cls._shared.get(key)
            if politeness is None:
                politeness = cls._shared[key] = cls(per_host_concurrency=key[0], global_concurrency=key[1])
            return politeness

    def host(self, netloc: str) -> HostPace:
        key = netloc.lower()
        with self._lock:
            pace = self._hosts.get(key)
            if pace is None:
                pace = self._hosts[key] = HostPace(self.per_host_concurrency)
            return pace
