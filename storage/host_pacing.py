"""Per-host turns and delays kept in PostgreSQL, so every worker on every machine shares them.

A host has one row in `host_pace`: the worker sending to it holds a lease (`held_by`,
`held_until`), and `next_at` is the earliest start of the next request. A turn is taken by
one atomic upsert that succeeds only when the host is free and its delay has passed; the
turn ends by setting `next_at` to the delay after the request *ended*. So two requests to
a host, from whichever workers, are never closer than the delay at the server: the next
one leaves after the previous answer arrived. Every time is the database's clock, the one
clock all machines share. A worker killed during a request blocks its host until its lease
runs out, which is why the lease must outlast the longest request (the fetch deadline).

`DatabasePacer` is the `sources.pacing.SharedPacer` the workers give their HTTP client.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

__all__ = ["DatabasePacer", "Refused", "defer_host", "end_turn", "take_turn"]

_TAKE = sa.text(
    """
    INSERT INTO host_pace (host, next_at, held_by, held_until)
    VALUES (:host, clock_timestamp(), :token, clock_timestamp() + make_interval(secs => :lease))
    ON CONFLICT (host) DO UPDATE SET held_by = excluded.held_by, held_until = excluded.held_until
    WHERE host_pace.next_at <= clock_timestamp()
      AND (host_pace.held_until IS NULL OR host_pace.held_until <= clock_timestamp())
    RETURNING host
    """
)
_WHY_NOT = sa.text(
    """
    SELECT held_until IS NOT NULL AND held_until > clock_timestamp(),
           extract(epoch FROM greatest(next_at, coalesce(held_until, next_at)) - clock_timestamp())
    FROM host_pace WHERE host = :host
    """
)
_END = sa.text(
    """
    UPDATE host_pace
    SET next_at = greatest(next_at, clock_timestamp() + make_interval(secs => :spacing)),
        held_by = NULL, held_until = NULL
    WHERE host = :host AND held_by = :token
    """
)
_DEFER = sa.text(
    """
    INSERT INTO host_pace (host, next_at) VALUES (:host, clock_timestamp() + make_interval(secs => :seconds))
    ON CONFLICT (host) DO UPDATE SET next_at = greatest(host_pace.next_at, excluded.next_at)
    """
)


@dataclass(frozen=True)
class Refused:
    """Why a turn was not had: another worker holds the host, or its delay has not passed."""

    held: bool
    seconds: float


def take_turn(engine: sa.Engine, host: str, token: str, lease: float) -> Refused | None:
    """Hold `host` for `token` (None), or say why not and for how long at most."""
    with engine.begin() as connection:
        if connection.execute(_TAKE, {"host": host, "token": token, "lease": lease}).first() is not None:
            return None
        row = connection.execute(_WHY_NOT, {"host": host}).first()
    if row is None:  # the row is created by the upsert, so only a concurrent delete gets here
        return Refused(held=False, seconds=0.0)
    return Refused(held=bool(row[0]), seconds=max(float(row[1]), 0.0))


def end_turn(engine: sa.Engine, host: str, token: str, spacing: float) -> None:
    """Free `host` and keep the next request `spacing` seconds after now (unless the lease was lost)."""
    with engine.begin() as connection:
        connection.execute(_END, {"host": host, "token": token, "spacing": spacing})


def defer_host(engine: sa.Engine, host: str, seconds: float) -> None:
    with engine.begin() as connection:
        connection.execute(_DEFER, {"host": host, "seconds": seconds})


class DatabasePacer:
    """Turns from `host_pace`, waited for on the event loop, statements on a few threads of its own.

    While another worker holds the host it asks again every `poll` seconds; while only the
    delay stands between, it sleeps until the delay is over.
    """

    def __init__(self, engine: sa.Engine, *, lease: float, poll: float = 0.02, threads: int = 4) -> None:
        self.engine = engine
        self.lease = lease
        self.poll = poll
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tracker-pacer")

    @asynccontextmanager
    async def turn(self, host: str, spacing: float) -> AsyncIterator[None]:
        token = uuid.uuid4().hex
        while (refused := await self._run(take_turn, self.engine, host, token, self.lease)) is not None:
            await asyncio.sleep(min(refused.seconds, self.poll) if refused.held else refused.seconds)
        try:
            yield
        finally:
            # A cancelled fetch still frees the host: the update runs to its end on its thread.
            await asyncio.shield(self._run(end_turn, self.engine, host, token, spacing))

    async def defer(self, host: str, seconds: float) -> None:
        await self._run(defer_host, self.engine, host, seconds)

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._threads, function, *args)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
