"""The hook for pacing shared beyond this process: workers on several machines, one host.

`sources.politeness` keeps each host's turns and delay for one process. When several
`tracker worker` processes crawl the same hosts, the delay between two requests to a host
must hold whoever sends them, so the HTTP client also takes a turn from a `SharedPacer`
given to it. The implementation lives with the shared state (`storage.host_pacing` on
PostgreSQL) and is injected by the application; this package never imports storage.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

__all__ = ["SharedPacer"]


class SharedPacer(Protocol):
    """One turn per host across every process that shares it, `spacing` seconds apart."""

    def turn(self, host: str, spacing: float) -> AbstractAsyncContextManager[None]:
        """Wait until no one else sends to `host` and `spacing` has passed since the last
        request there ended; hold the host until the block exits."""
        ...

    async def defer(self, host: str, seconds: float) -> None:
        """No request to `host` from anyone for `seconds` (the host sent `Retry-After`)."""
        ...
