"""Crawls running at the same time, as the daemon's jobs do on PostgreSQL, share each host's limits."""

from __future__ import annotations

import threading
from typing import Iterator

import pytest
import sqlalchemy as sa

from sources.http import HttpPolicy
from sources.samplesite.server import Request, Response, SiteServer
from tracker.core.config import settings_from_dict
from tracker.pipeline import SourceRun, crawl
from tests.conftest import assert_paced

POLICY = HttpPolicy(timeout=1.0, attempt_deadline=2.0, retries=1, backoff=0.01, default_delay=0)
COLUMNS = ("col-a", "col-b")


class TwoColumnSite:
    """One host, two columns of two articles each: two sources of one site, like 杭州市人民政府's."""

    name = "two-columns"

    def respond(self, request: Request) -> Response:
        column, _, page = request.path.strip("/").partition("/")
        if column not in COLUMNS:
            return Response(404, b"not found", "text/plain", validators=False)
        if page == "index.html":
            items = "".join(f'<li><a href="/{column}/{n}.html">{column} 办法 {n}</a></li>' for n in (1, 2))
            return Response(200, f"<html><body><ul class='list'>{items}</ul></body></html>".encode(), "text/html; charset=utf-8")
        title = f"关于印发{column}第{page.removesuffix('.html')}号管理办法的通知"
        body = f"<html><head><title>{title}</title></head><body><div id='zoom'><h1>{title}</h1>" + "<p>第一条　为了规范管理，制定本办法。</p>" * 5 + "</div></body></html>"
        return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")


@pytest.fixture
def server() -> Iterator[SiteServer]:
    running = SiteServer(TwoColumnSite())
    running.start()
    yield running
    running.stop()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the daemon runs crawls side by side only there
def test_concurrent_crawls_of_one_host_keep_its_delay_between_all_their_requests(
    server: SiteServer, engine: sa.Engine, booked_starts: list[float]
) -> None:
    settings = settings_from_dict(
        {
            "tracker": {"parse_workers": 0},
            "source": [
                {"name": column, "kind": "listing", "start_urls": [f"{server.base_url}/{column}/index.html"],
                 "item": "ul.list li", "delay": 0.1}
                for column in COLUMNS
            ],
        }
    )  # fmt: skip
    runs: dict[str, SourceRun] = {}

    def crawl_one(name: str) -> None:
        (runs[name],) = crawl(engine, settings, [name], policy=POLICY)

    threads = [threading.Thread(target=crawl_one, args=(name,)) for name in COLUMNS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert {name: (run.outcome, run.new) for name, run in runs.items()} == {"col-a": ("ok", 2), "col-b": ("ok", 2)}
    arrivals = [entry.at for entry in server.log]
    assert sorted({entry.path.split("/")[1] for entry in server.log}) == ["col-a", "col-b", "robots.txt"]
    assert len(arrivals) == 7  # robots.txt once for the host, a listing and two articles per column
    # Each crawl alone would keep 0.1 s between its own requests, yet send them alongside the other's.
    assert_paced(arrivals, booked_starts, 0.1)
