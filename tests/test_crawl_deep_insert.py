"""No missed documents: an entry inserted below page 1 of a listing sorted by 成文日期.

A 10-page listing, ten entries a page, newest signing date first, on the real sample-site
server. A document signed earlier but published today lands on page 2 or page 5. The
incremental walk goes one page past the first page with nothing new (`extra_pages`), so page
2 is found by the next crawl; a listing is walked to its end once a day (`full_walk_hours`),
so page 5 is found by the next full walk. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from sources.http import HttpPolicy
from sources.samplesite.server import Request, Response, SiteServer
from storage.tables import Document, Source
from tracker.core.config import Settings, settings_from_dict
from tracker.pipeline import crawl

POLICY = HttpPolicy(timeout=1.0, attempt_deadline=2.0, retries=1, backoff=0.01, default_delay=0)
PAGES, PER_PAGE = 10, 10
LISTING = "/col/index.html"


class DateSortedColumn:
    """A 信息公开 column sorted by signing date, newest first; `insert` adds a late-published one."""

    name = "date-sorted"

    def __init__(self) -> None:
        start = dt.date(2026, 6, 30)
        self.entries = [(f"/art/{n}.html", start - dt.timedelta(days=2 * n)) for n in range(PAGES * PER_PAGE)]

    def insert_on_page(self, page: int, name: str) -> str:
        """A document whose signing date puts it in the middle of `page` (1-based)."""
        _, before = self.entries[(page - 1) * PER_PAGE + PER_PAGE // 2 - 1]
        path = f"/art/{name}.html"
        self.entries.append((path, before - dt.timedelta(days=1)))
        self.entries.sort(key=lambda entry: entry[1], reverse=True)
        del self.entries[PAGES * PER_PAGE :]  # the listing keeps its length: the oldest falls off the end
        return path

    def respond(self, request: Request) -> Response:
        if request.path.startswith("/col/index"):
            number = int(request.path.removeprefix("/col/index").removesuffix(".html").lstrip("_") or 1)
            rows = self.entries[(number - 1) * PER_PAGE : number * PER_PAGE]
            items = "".join(f'<li><a href="{path}">文件 {path}</a><span>{signed}</span></li>' for path, signed in rows)
            more = f'<a class="next" href="/col/index_{number + 1}.html">下一页</a>' if number < PAGES else ""
            return Response(200, f"<html><body><ul class='list'>{items}</ul>{more}</body></html>".encode(), "text/html; charset=utf-8")
        if request.path.startswith("/art/"):
            name = request.path.removeprefix("/art/").removesuffix(".html")
            title = f"关于印发第{name}号管理办法的通知"
            body = f"<html><head><title>{title}</title></head><body><div id='zoom'><h1>{title}</h1>" + "<p>第一条　为了规范管理，制定本办法。</p>" * 5 + "</div></body></html>"
            return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")
        return Response(404, b"not found", "text/plain", validators=False)


@pytest.fixture
def column() -> Iterator[tuple[DateSortedColumn, SiteServer]]:
    site = DateSortedColumn()
    server = SiteServer(site)
    server.start()
    yield site, server
    server.stop()


def settings_for(server: SiteServer, **options: object) -> Settings:
    source = {
        "name": "date-sorted", "kind": "listing", "start_urls": [server.base_url + LISTING], "item": "ul.list li",
        "next_page": "a.next", "delay": 0, "max_pages": PAGES, "revisit": "changed", **options,
    }  # fmt: skip
    return settings_from_dict({"tracker": {"parse_workers": 0}, "source": [source]})


def stored(engine: sa.Engine, server: SiteServer, path: str) -> bool:
    with Session(engine) as session:
        return session.exec(select(Document.id).where(Document.url == server.base_url + path)).first() is not None


def pretend_full_walk_was(engine: sa.Engine, hours_ago: float) -> None:
    """Move the source's last full walk back in time, as if the day had passed."""
    with Session(engine) as session:
        source = session.exec(select(Source).where(Source.name == "date-sorted")).one()
        assert source.full_walk_at is not None
        source.full_walk_at -= dt.timedelta(hours=hours_ago)
        session.add(source)
        session.commit()


def listing_requests(server: SiteServer) -> int:
    return sum(1 for entry in server.log if entry.path.startswith("/col/"))


def test_an_entry_inserted_on_page_2_is_found_by_the_next_crawl(
    engine: sa.Engine, column: tuple[DateSortedColumn, SiteServer]
) -> None:
    site, server = column
    settings = settings_for(server)
    (first,) = crawl(engine, settings, policy=POLICY)
    assert (first.new, first.pages) == (PAGES * PER_PAGE, PAGES)

    server.reset_counters()
    (unchanged,) = crawl(engine, settings, policy=POLICY)
    assert (unchanged.new, unchanged.pages) == (0, 2)  # page 1, then one extra page with nothing new either
    assert unchanged.requests < 2 * unchanged.pages

    inserted = site.insert_on_page(2, "late-2")
    (next_crawl,) = crawl(engine, settings, policy=POLICY)
    assert stored(engine, server, inserted)
    assert next_crawl.new == 1


def test_an_entry_inserted_on_page_5_is_found_by_the_next_daily_full_walk(
    engine: sa.Engine, column: tuple[DateSortedColumn, SiteServer]
) -> None:
    site, server = column
    settings = settings_for(server)
    crawl(engine, settings, policy=POLICY)
    inserted = site.insert_on_page(5, "late-5")

    (same_day,) = crawl(engine, settings, policy=POLICY)
    assert same_day.pages == 2 and not stored(engine, server, inserted)  # the incremental walk does not reach page 5

    pretend_full_walk_was(engine, hours_ago=24)
    server.reset_counters()
    (next_day,) = crawl(engine, settings, policy=POLICY)
    assert stored(engine, server, inserted)
    assert (next_day.new, next_day.pages) == (1, PAGES)
    # Walking every page costs a request per page; known documents on them are not fetched again.
    # Beyond those: the new document, and the one pushed off the end (is it still served?).
    assert next_day.requests == PAGES + 2

    (after,) = crawl(engine, settings, policy=POLICY)
    assert after.pages == 2  # the full walk is done for the day


def test_extra_pages_and_full_walk_interval_are_configurable(
    engine: sa.Engine, column: tuple[DateSortedColumn, SiteServer]
) -> None:
    site, server = column
    settings = settings_for(server, extra_pages=3, full_walk_hours=48)
    crawl(engine, settings, policy=POLICY)
    inserted = site.insert_on_page(4, "late-4")
    (deeper,) = crawl(engine, settings, policy=POLICY)
    assert stored(engine, server, inserted) and deeper.pages == 8  # page 4 had news, then four quiet pages: the fourth stops
    pretend_full_walk_was(engine, hours_ago=24)
    (not_yet,) = crawl(engine, settings, policy=POLICY)
    assert not_yet.pages == 4
