"""Every wait is bounded: a page trickled a byte at a time costs one fetch deadline, no more.

The server sends one byte every 0.2 s, never slow enough for a read timeout: before the
deadline, such a page held its host's queue for 120 s per attempt, four attempts. With a
2 s deadline it must fail in about 2 s, once, and the host's other pages must follow.
"""

from __future__ import annotations

import asyncio
import time
from typing import Iterator

import pytest
import sqlalchemy as sa

from sources.http import HttpClient, HttpPolicy
from sources.samplesite import Fault, SampleSite
from sources.samplesite.server import Request, Response, SiteServer
from sources.samplesite.sites import MINHANG_DIR
from tracker.core.config import settings_from_dict
from tracker.core.errors import FetchError
from tracker.pipeline import crawl

DEADLINE = 2.0
POLICY = HttpPolicy(timeout=1.0, deadline=DEADLINE, retries=3, backoff=0.01, default_delay=0)
TRICKLE = Fault(trickle=0.2, times=None)
#: Generous for a loaded 2-core machine, and still far below one old attempt (120 s).
BOUND = 3 * DEADLINE


class Pages:
    name = "pages"

    def respond(self, request: Request) -> Response:
        return Response(200, b"<html><body>" + b"<p>x</p>" * 500 + b"</body></html>", "text/html")


@pytest.fixture
def server() -> Iterator[SiteServer]:
    running = SiteServer(Pages())
    running.start()
    yield running
    running.stop()


def test_a_trickling_page_fails_at_its_deadline_and_the_hosts_queue_moves_on(server: SiteServer) -> None:
    server.inject("/slow", TRICKLE)

    async def go() -> tuple[list[object], list[float]]:
        async with HttpClient(POLICY) as client:
            started = time.monotonic()
            finished: list[float] = []

            async def timed(path: str) -> object:
                try:
                    return await client.fetch(server.base_url + path, obey_robots=False)
                except FetchError as exc:
                    return exc
                finally:
                    finished.append(time.monotonic() - started)

            results = await asyncio.gather(timed("/slow"), timed("/page"))
            return results, finished

    (slow, page), finished = asyncio.run(go())

    assert isinstance(slow, FetchError)
    assert slow.reason == f"no complete answer within the {DEADLINE:g}s fetch deadline (1 attempt)"
    assert page.status == 200  # type: ignore[attr-defined]
    assert server.requests["/slow"] == 1  # not retried: the deadline covers every attempt
    assert max(finished) < BOUND  # the page queued behind it waited one deadline, not 8 minutes


def test_a_crawl_with_a_slow_loris_article_stores_the_rest_within_the_bound(engine: sa.Engine) -> None:
    with SampleSite() as site:
        (table,) = [t for t in site.source_tables(delay=0) if t["name"] == "sample-mh"]
        slow = f"{MINHANG_DIR}/content/b68e0793-4ff7-4ad5-8d27-79928a5fb0eb.htm"
        site.server("listing").inject(slow, TRICKLE)
        started = time.monotonic()
        (run,) = crawl(engine, settings_from_dict({"source": [table]}), policy=POLICY)
        took = time.monotonic() - started

    assert (run.outcome, run.new, run.errors) == ("partial", 1, 1)
    assert run.error_details[0]["reason"].startswith(f"no complete answer within the {DEADLINE:g}s fetch deadline")
    assert took < BOUND + 5  # the crawl's own work on top: starting the parser, four requests, one save
