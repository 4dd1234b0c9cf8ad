"""Sources with several listings, undated listings and broken listing pages, crawled end to end
over a real local site into SQLite and PostgreSQL: what is walked, fetched again and removed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sources.http import HttpPolicy
from sources.samplesite.server import Fault, Request, Response, SiteServer
from storage.tables import Document, Event, ListingEntry
from tracker.core.config import settings_from_dict
from tracker.pipeline import SourceRun, crawl

POLICY = HttpPolicy(timeout=1.0, attempt_deadline=2.0, retries=0, backoff=0.01, default_delay=0)
THROTTLE_PAGE = "<html><body><p>访问过于频繁，请开启JavaScript后刷新页面。</p><script>location.reload()</script></body></html>"


@dataclass
class ColumnsSite:
    """Columns of paginated, undated HTML listings (`/<column>/index_<n>.html`) and their articles.

    `columns` maps a column to its pages, each a list of article ids; `gone` articles answer
    404; a page listed in `broken` answers with a page without links and without a next link.
    """

    columns: dict[str, list[list[int]]]
    gone: set[int] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    throttled: set[str] = field(default_factory=set)
    reposts: set[int] = field(default_factory=set)  # listed as links to www.zj.gov.cn
    name: str = "columns"

    def respond(self, request: Request) -> Response:
        if request.path == "/search":  # the State Council library's search API, over column "a"
            hits = [{"url": self.href(n), "title": f"第{n}号管理办法", "pubtimeStr": "2025.01.01"} for page in self.columns["a"] for n in page]
            body = json.dumps({"searchVO": {"catMap": {"gongwen": {"listVO": hits, "totalCount": len(hits)}}}})
            return Response(200, body.encode("utf-8"), "application/json", validators=False)
        column, _, leaf = request.path.strip("/").partition("/")
        if column == "art":
            number = int(leaf.removesuffix(".html"))
            if number in self.gone:
                return Response(404, b"not found", "text/plain", validators=False)
            title = f"关于印发第{number}号管理办法的通知"
            body = f"<html><head><title>{title}</title></head><body><div id='zoom'><h1>{title}</h1>" + "<p>第一条　为了规范管理，制定本办法。</p>" * 5 + "</div></body></html>"
            return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")
        pages = self.columns.get(column, [])
        number = int(leaf.removeprefix("index_").removesuffix(".html") or 0)
        if not 1 <= number <= len(pages):
            return Response(404, b"not found", "text/plain", validators=False)
        if request.path in self.throttled:
            return Response(200, THROTTLE_PAGE.encode("utf-8"), "text/html; charset=utf-8", validators=False)
        if request.path in self.broken:
            return Response(200, "<html><body><p>系统维护中</p></body></html>".encode("utf-8"), "text/html; charset=utf-8", validators=False)
        items = "".join(f"<li><a href='{self.href(n)}'>第{n}号管理办法</a></li>" for n in pages[number - 1])
        more = f"<a class='next' href='index_{number + 1}.html'>下一页</a>" if number < len(pages) else ""
        body = f"<html><body><ul class='list'>{items}</ul>{more}</body></html>"
        return Response(200, body.encode("utf-8"), "text/html; charset=utf-8", validators=False)

    def href(self, number: int) -> str:
        return f"https://www.zj.gov.cn/art/{number}.html" if number in self.reposts else f"/art/{number}.html"


def serve(site: ColumnsSite) -> SiteServer:
    server = SiteServer(site)
    server.start()
    return server


def settings(server: SiteServer, columns: list[str], removal_after_runs: int = 2, query: str = "", **options: Any) -> Any:
    table = {
        "name": "columns",
        "kind": "listing",
        "start_urls": [f"{server.base_url}/{column}/index_1.html{query}" for column in columns],
        "item": "ul.list li",
        "next_page": "a.next",
        "delay": 0,
        **options,
    }
    return settings_from_dict({"tracker": {"removal_after_runs": removal_after_runs, "parse_workers": 0}, "source": [table]})


def run(engine: sa.Engine, server: SiteServer, columns: list[str], **options: Any) -> SourceRun:
    server.reset_counters()
    [result] = crawl(engine, settings(server, columns, **options), policy=POLICY)
    return result


def article_requests(server: SiteServer) -> list[int]:
    return sorted(int(e.path.removeprefix("/art/").removesuffix(".html")) for e in server.log if e.path.startswith("/art/"))


def removed(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(Document.url).join(Event, Event.document_id == Document.id).where(Event.kind == "document_removed"))
        return [url.rsplit("/", 1)[1] for url in rows]


def test_every_start_url_is_walked_and_each_stops_on_its_own(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2], [3]], "b": [[4, 5], [6]]})
    server = serve(site)
    try:
        first = run(engine, server, ["a", "b"])
        again = run(engine, server, ["a", "b"], extra_pages=0)
        site.columns["b"][0].insert(0, 7)  # a new document at the top of the second column
        third = run(engine, server, ["a", "b"], extra_pages=0)
    finally:
        server.stop()

    assert (first.outcome, first.pages, first.new) == ("ok", 4, 6)
    # Incremental, no extra page: each column stops after its own first page, which holds nothing new.
    assert (again.pages, again.unchanged, again.new) == (2, 4, 0)
    assert [e.path for e in server.log if "index" in e.path] == ["/a/index_1.html", "/b/index_1.html", "/b/index_2.html"]
    assert (third.new, third.unchanged) == (1, 5)


def test_a_failing_listing_does_not_stop_the_next_one(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1]], "b": [[2]]})
    server = serve(site)
    server.inject("/a/index_1.html", Fault(status=500, times=None))
    try:
        result = run(engine, server, ["a", "b"])
    finally:
        server.stop()

    assert (result.outcome, result.new, result.errors) == ("partial", 1, 1)
    assert result.error_details[0]["url"].endswith("/a/index_1.html")


def test_a_document_gone_from_an_undated_listing_is_removed_under_incremental_crawls(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2, 3], [4, 5, 6], [7, 8]]})
    server = serve(site)
    try:
        run(engine, server, ["a"])
        site.columns["a"] = [[1, 3, 4], [5, 6, 7], [8]]  # 2 taken down: later entries move up
        site.gone.add(2)
        missing_once = run(engine, server, ["a"])
        asked_first = article_requests(server)
        missing_twice = run(engine, server, ["a"])
    finally:
        server.stop()

    # Page 1 only (every entry on it is known), plus 2, which was last listed there and is not now.
    assert asked_first == [1, 2, 3, 4]
    assert (missing_once.removed, missing_twice.removed) == (0, 1)
    assert removed(engine) == ["2.html"]


def test_a_document_taken_off_its_page_but_still_served_is_asked_for_once(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2], [3, 4]]})
    server = serve(site)
    try:
        run(engine, server, ["a"])
        site.columns["a"] = [[1, 3], [4]]  # 2 no longer listed, though its page still answers
        first = run(engine, server, ["a"])
        asked_first = article_requests(server)
        later = run(engine, server, ["a"])
        asked_later = article_requests(server)
    finally:
        server.stop()

    assert asked_first == [1, 2, 3]  # page 1, and 2 because it was last listed there
    assert asked_later == [1, 3]  # 2 is placed past the pages walked: not asked for on every run
    assert (first.removed, later.removed, first.errors, later.errors) == (0, 0, 0, 0)


def test_missing_runs_must_be_consecutive(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2]]})
    server = serve(site)
    try:
        run(engine, server, ["a"], removal_after_runs=2)
        outcomes = []
        for listed, gone in (([1], {2}), ([1, 2], set()), ([1], {2})):
            site.columns["a"] = [listed]
            site.gone = gone
            outcomes.append(run(engine, server, ["a"], removal_after_runs=2).removed)
    finally:
        server.stop()

    assert outcomes == [0, 0, 0]  # missing, back, missing: never two runs in a row
    assert removed(engine) == []


def test_a_listing_page_without_links_does_not_count_as_the_end(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1], [2], [3]]})
    server = serve(site)
    try:
        run(engine, server, ["a"], incremental=False)
        site.broken.add("/a/index_2.html")
        result = run(engine, server, ["a"], incremental=False)
    finally:
        server.stop()

    # 2 was last listed on the page that broke, so it is asked for; 3 was on a page not walked.
    # Had the empty page counted as the end of the listing, 3 would have been asked for too.
    assert article_requests(server) == [1, 2]
    assert (result.removed, result.errors) == (0, 0)


def test_a_throttled_listing_page_counts_as_blocked(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1], [2], [3]]})
    server = serve(site)
    try:
        run(engine, server, ["a"], incremental=False)
        site.throttled.add("/a/index_2.html")
        result = run(engine, server, ["a"], incremental=False)
    finally:
        server.stop()

    assert (result.outcome, result.blocked, result.errors) == ("partial", 1, 0)
    assert result.error_details[0]["url"].endswith("/a/index_2.html")
    assert "JavaScript" in result.error_details[0]["reason"]
    assert article_requests(server) == [1]


def test_a_malformed_link_is_skipped_and_the_rest_stored(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2]]})
    server = serve(site)
    original = site.respond

    def with_bad_links(request: Request) -> Response:
        response = original(request)
        if request.path == "/a/index_1.html":
            bad = "<li><a href='http://[bad/x.html'>坏链接</a></li><li><a href='http://127.0.0.1:99999/y.html'>端口</a></li>"
            response.body = response.body.replace(b"<ul class='list'>", b"<ul class='list'>" + bad.encode())
        return response

    site.respond = with_bad_links  # type: ignore[method-assign]
    try:
        result = run(engine, server, ["a"], allowed_hosts=["127.0.0.1"])
    finally:
        server.stop()

    assert (result.outcome, result.new, result.errors) == ("ok", 2, 0)


def test_a_listing_that_repeats_another_on_its_first_page_is_still_walked(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2], [3]], "b": [[1, 2], [4]]})
    server = serve(site)
    try:
        result = run(engine, server, ["a", "b"])
    finally:
        server.stop()

    # b's first page holds nothing a hasn't listed, but all of it was new in this run.
    assert (result.outcome, result.new) == ("ok", 4)
    assert article_requests(server) == [1, 2, 3, 4]


def test_a_first_page_of_links_to_other_hosts_does_not_end_the_walk(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[101, 102], [1, 2]]}, reposts={101, 102})
    server = serve(site)
    try:
        result = run(engine, server, ["a"], allowed_hosts=["127.0.0.1"])
    finally:
        server.stop()

    assert (result.outcome, result.pages, result.new) == ("ok", 2, 2)


def test_a_link_listed_twice_on_a_page_is_fetched_once(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 1, 2]]})
    server = serve(site)
    table = {"name": "library", "kind": "govcn", "start_urls": [server.base_url + "/search"], "url_pattern": "/art/", "delay": 0}
    try:
        [result] = crawl(engine, settings_from_dict({"tracker": {"parse_workers": 0}, "source": [table]}), policy=POLICY)
    finally:
        server.stop()

    assert (result.outcome, result.new, result.to_visit, result.visited) == ("ok", 2, 2, 2)
    assert article_requests(server) == [1, 2]


def test_a_document_off_a_fully_walked_listing_is_asked_for_weekly_not_every_run(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2]]})
    server = serve(site)
    try:
        run(engine, server, ["a"])
        site.columns["a"] = [[1]]  # 2 taken off the listing; its page still answers
        asked = []
        for _ in range(2):
            run(engine, server, ["a"])
            asked.append(article_requests(server))
        eight_days_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)
        with engine.begin() as connection:  # as if 2 had been found off the listing then
            connection.execute(
                sa.update(ListingEntry).where(col(ListingEntry.unlisted_checked_at).is_not(None)).values(unlisted_checked_at=eight_days_ago)
            )
        run(engine, server, ["a"])
        asked.append(article_requests(server))
    finally:
        server.stop()

    assert asked == [[1, 2], [1], [1, 2]]


def test_a_missing_document_is_checked_on_every_run_until_removed(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2], [3, 4]]})
    server = serve(site)
    try:
        run(engine, server, ["a"])
        site.columns["a"] = [[9, 1], [2, 3]]  # a new document on top; 4, last listed on page 2, deleted
        site.gone.add(4)
        first = run(engine, server, ["a"])
        second = run(engine, server, ["a"])  # page 1 only now: nothing new on it
        asked_second = article_requests(server)
    finally:
        server.stop()

    assert (first.removed, second.removed) == (0, 1)
    assert asked_second == [1, 4, 9]
    assert removed(engine) == ["4.html"]


def test_documents_of_a_start_url_no_longer_configured_are_still_checked(engine: sa.Engine) -> None:
    site = ColumnsSite({"a": [[1, 2]]})
    server = serve(site)
    try:
        run(engine, server, ["a"])
        site.columns["a"] = [[1]]
        site.gone.add(2)
        for _ in range(2):  # the same column, its start URL now written with a query string
            run(engine, server, ["a"], query="?from=menu")
    finally:
        server.stop()

    assert removed(engine) == ["2.html"]

