"""Each source kind walking a real site on 127.0.0.1 (files: a real folder), plus config checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from sources.base import ListingPage
from sources.http import HttpClient, HttpPolicy
from sources.registry import create_source
from sources.samplesite import SampleSite
from sources.samplesite.server import Request, Response, SiteServer
from sources.samplesite.sites import DATAPROXY_PATH, GOVCN_SEARCH_PATH, HANWEB_COL_PATH, JPAAS_PATH
from storage.tables import Document, Event
from tracker.core.config import SourceConfig, settings_from_dict
from tracker.core.errors import BlockedError, ConfigError
from tracker.pipeline import crawl

POLICY = HttpPolicy(timeout=1.0, retries=1, backoff=0.01, default_delay=0)
HZ_TITLES = [
    "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知",
    "杭州市人民政府关于印发杭州市未来产业培育行动计划（2025—2026年）的通知",
    "杭州市人民政府办公厅关于推进人工智能赋能制造业的实施意见",
    "杭州市经济和信息化局关于组织开展2024年度未来工厂培育工作的通知",
    "杭州市经济和信息化局关于印发《杭州市脑机接口产业发展扶持办法（试行）》的通知",
]


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def source_config(**table: Any) -> SourceConfig:
    return settings_from_dict({"source": [{"name": "s", "delay": 0, **table}]}).sources[0]


def walk(config: SourceConfig) -> list[ListingPage]:
    """Every page of every listing of the source, in order."""

    async def go() -> list[ListingPage]:
        async with HttpClient(POLICY) as client:
            source = create_source(config, client)
            return [page for listing in source.listings() async for page in source.pages(listing)]

    return asyncio.run(go())


def test_hanweb_dataproxy_pages_through_the_column(site: SampleSite) -> None:
    server = site.server("hanweb")
    server.reset_counters()
    config = source_config(
        kind="hanweb", start_urls=[site.url("hanweb", HANWEB_COL_PATH)], column_id="1229063387", site_id=149, page_size=2
    )

    pages = walk(config)

    assert [len(p.refs) for p in pages] == [2, 2, 1]
    assert [p.last for p in pages] == [False, False, True]
    refs = [ref for page in pages for ref in page.refs]
    assert [ref.title for ref in refs] == HZ_TITLES
    assert refs[0].url == site.url("hanweb", "/art/2025/12/15/art_1229063387_59083211.html")
    assert [ref.date for ref in refs] == [dt.date(2025, 12, 15), dt.date(2025, 1, 13), dt.date(2024, 3, 15), dt.date(2024, 1, 25), dt.date(2023, 6, 20)]
    assert [(e.method, e.path) for e in server.log if e.path != "/robots.txt"] == [("POST", DATAPROXY_PATH)] * 3


def test_hanweb_jpaas_pages_through_the_column(site: SampleSite) -> None:
    server = site.server("hanweb")
    server.reset_counters()
    config = source_config(
        kind="hanweb", api="jpaas", start_urls=[site.url("hanweb", HANWEB_COL_PATH)], column_id="1229063387", page_size=2
    )

    pages = walk(config)

    assert [len(p.refs) for p in pages] == [2, 2, 1]
    assert pages[-1].refs[0].date == dt.date(2023, 6, 20)
    assert server.requests[JPAAS_PATH] == 3


class RepostingColumn:
    """A Hanweb column whose two newest records are reposts hosted on www.zj.gov.cn, as real
    Hangzhou columns have; with `throttled`, every API answer is a "please enable JavaScript" page."""

    name = "reposting"
    records = ["https://www.zj.gov.cn/art/2025/1/2/art_1_1.html", "https://www.zj.gov.cn/art/2025/1/1/art_1_2.html",
               "/art/3.html", "/art/4.html", "/art/5.html"]  # fmt: skip

    def __init__(self) -> None:
        self.throttled = False

    def respond(self, request: Request) -> Response:
        if self.throttled:
            body = "<html><body><p>访问过于频繁，请开启JavaScript后刷新页面。</p><script>location.reload()</script></body></html>"
            return Response(200, body.encode("utf-8"), "text/html; charset=utf-8", validators=False)
        if request.path == JPAAS_PATH:
            param = json.loads(request.query["paramJson"])
            start = (param["pageNo"] - 1) * param["pageSize"]
            items = "".join(self._item(url) for url in self.records[start : start + param["pageSize"]])
            body = json.dumps({"success": True, "data": {"html": f"<ul>{items}</ul>"}}, ensure_ascii=False)
            return Response(200, body.encode("utf-8"), "application/json;charset=UTF-8", validators=False)
        if request.path == DATAPROXY_PATH:
            chosen = self.records[int(request.query["startrecord"]) - 1 : int(request.query["endrecord"])]
            records = "".join(f"<record><![CDATA[{self._item(url)}]]></record>" for url in chosen)
            body = f"<datastore><recordset>{records}</recordset><totalrecord>{len(self.records)}</totalrecord></datastore>"
            return Response(200, body.encode("utf-8"), "text/xml; charset=UTF-8", validators=False)
        return Response(404, b"not found", "text/plain", validators=False)

    @staticmethod
    def _item(url: str) -> str:
        return f"<li><a href='{url}'>关于转发某文件的通知</a><span>2025-01-01</span></li>"


@pytest.fixture
def reposting() -> Iterator[tuple[RepostingColumn, SiteServer]]:
    column = RepostingColumn()
    server = SiteServer(column)
    server.start()
    yield column, server
    server.stop()


@pytest.mark.parametrize("api", ["jpaas", "dataproxy"])
def test_hanweb_pages_on_past_records_hosted_elsewhere(reposting: tuple[RepostingColumn, SiteServer], api: str) -> None:
    _column, server = reposting
    config = source_config(kind="hanweb", api=api, start_urls=[server.base_url + "/col/col1/index.html"], column_id=1, site_id=1, page_size=2)

    pages = walk(config)

    # The first page lists only the two reposts, which this source may not fetch: not the end.
    assert [len(page.refs) for page in pages] == [0, 2, 1]
    assert [page.last for page in pages] == [False, False, True]


@pytest.mark.parametrize(
    "table",
    [
        {"kind": "hanweb", "api": "jpaas", "start_urls": ["/col/col1/index.html"], "column_id": 1},
        {"kind": "hanweb", "api": "dataproxy", "start_urls": ["/col/col1/index.html"], "column_id": 1, "site_id": 1},
        {"kind": "govcn", "start_urls": ["/search-gov/data?t=zhengcelibrary_gw"]},
    ],
    ids=["jpaas", "dataproxy", "govcn"],
)
def test_a_throttle_page_instead_of_a_listing_answer_is_blocked(
    reposting: tuple[RepostingColumn, SiteServer], table: dict[str, Any]
) -> None:
    column, server = reposting
    column.throttled = True
    config = source_config(**{**table, "start_urls": [server.base_url + table["start_urls"][0]]})

    with pytest.raises(BlockedError, match="enable JavaScript"):
        walk(config)


def test_listing_follows_next_page_over_gbk_column_pages(site: SampleSite) -> None:
    config = source_config(
        kind="listing",
        start_urls=[site.url("hanweb", HANWEB_COL_PATH)],
        item=".default_pgContainer li",
        next_page="a.next",
        url_pattern=r"/art/\d{4}/",
    )

    pages = walk(config)

    refs = [ref for page in pages for ref in page.refs]
    assert [p.url.rsplit("/", 1)[1] for p in pages] == ["index.html", "index_2.html", "index_3.html"]
    assert refs[1].title == HZ_TITLES[1]  # GBK listing decoded from its <meta>
    assert refs[1].date == dt.date(2025, 1, 13)
    assert len(refs) == 5


def test_listing_with_date_selector_and_url_pattern_skips_navigation(site: SampleSite) -> None:
    config = source_config(
        kind="listing",
        start_urls=[site.url("listing", "/mh-xxgk-cms/website/mh_xxgk/xxgk_qzf_zcwj/index.html")],
        item="a",
        date="span.date",
        url_pattern=r"/content/[0-9a-f-]+\.htm$",
        max_pages=1,
    )

    [page] = walk(config)

    assert [(ref.title, ref.date) for ref in page.refs] == [
        ("关于印发《闵行区关于打造脑机接口未来产业生态的若干意见》的通知", dt.date(2025, 11, 25))
    ]


def test_govcn_reads_the_library_search_api(site: SampleSite) -> None:
    server = site.server("govcn")
    server.reset_counters()
    config = source_config(
        kind="govcn", start_urls=[site.url("govcn", GOVCN_SEARCH_PATH) + "?t=zhengcelibrary_gw&sort=pubtime"], page_size=5
    )

    pages = walk(config)

    refs = [ref for page in pages for ref in page.refs]
    assert len(refs) == 10
    assert (refs[0].title, refs[0].date) == ("国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见", dt.date(2019, 2, 15))
    assert refs[0].url == site.url("govcn", "/zhengce/content/2019-02/15/content_5365945.htm")
    assert server.requests[GOVCN_SEARCH_PATH] == 2  # stops at totalCount, no empty third page


def test_files_kind_crawls_a_folder_incrementally(engine: sa.Engine, tmp_path: Path, seed_paths: dict[str, Path]) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    for number in ("000", "001", "002"):
        shutil.copy(seed_paths[number], folder / f"{number}.txt")
    settings = settings_from_dict(
        {
            "tracker": {"removal_after_runs": 1},
            "source": [{"name": "archive", "kind": "files", "paths": [str(folder)], "base_url": "https://archive.example.org/docs"}],
        },
    )

    [first] = crawl(engine, settings)
    [unchanged] = crawl(engine, settings)
    text = (folder / "000.txt").read_text(encoding="utf-8")
    (folder / "000.txt").write_text(text.replace("单个项目最高补助 500 万元", "单个项目最高补助 300 万元", 1), encoding="utf-8")
    (folder / "002.txt").unlink()
    [next_day] = crawl(engine, settings)

    assert (first.new, first.outcome) == (3, "ok")
    assert (unchanged.unchanged, unchanged.new, unchanged.changed) == (3, 0, 0)
    assert (next_day.changed, next_day.removed, next_day.unchanged) == (1, 1, 1)
    with Session(engine) as session:
        urls = set(session.exec(select(Document.url).where(Document.is_placeholder == sa.false())))
        removed = session.exec(select(Event).where(Event.kind == "document_removed")).one()
        assert removed.payload["url"] == "https://archive.example.org/docs/002.txt"
    assert {u for u in urls if u.startswith("https://archive")} == {f"https://archive.example.org/docs/{n}.txt" for n in ("000", "001", "002")}
    engine.dispose()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "hanweb", "start_urls": ["https://x.gov.cn/col/col1/index.html"], "site_id": 1}, "column_id is required for kind hanweb"),
        ({"kind": "hanweb", "start_urls": ["https://x.gov.cn/"], "column_id": 1, "site_id": 1, "api": "soap"}, "api must be one of dataproxy, jpaas, got 'soap'"),
        ({"kind": "hanweb", "start_urls": ["https://x.gov.cn/col/col1/index.html", "https://x.gov.cn/col/col2/index.html"], "column_id": 1, "site_id": 1}, "a hanweb source walks one column"),
        ({"kind": "listing", "start_urls": ["https://x.gov.cn/"], "item": "ul li >> a"}, "item: invalid CSS selector 'ul li >> a'"),
        ({"kind": "listing", "start_urls": ["ftp://x.gov.cn/"], "item": "li a"}, "start_urls: 'ftp://x.gov.cn/' is not an http(s) URL"),
        ({"kind": "listing", "start_urls": ["https://x.gov.cn/"], "item": "li a", "revisit": "never"}, "revisit must be one of listed, changed"),
        ({"kind": "govcn", "start_urls": ["https://x.gov.cn/"], "page_size": 0}, "page_size must be at least 1"),
        ({"kind": "govcn", "start_urls": ["https://x.gov.cn/"], "url_pattern": "content_(\\d+"}, "url_pattern is not a valid regular expression"),
        ({"kind": "listing", "start_urls": ["https://x.gov.cn/"], "item": "li a", "url_pattern": "[art"}, "url_pattern is not a valid regular expression"),
        ({"kind": "files", "paths": ["/no/such/folder"]}, "paths: /no/such/folder does not exist"),
        ({"kind": "listing", "start_urls": ["https://x.gov.cn/"], "item": "li a", "verified": "no"}, "verified must be a bool, got 'no'"),
    ],
)
def test_invalid_kind_options_name_the_source_and_the_option(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_dict({"source": [{"name": "bad", **table}]})

    assert str(raised.value).startswith("config: source[0] (bad): ")
    assert message in str(raised.value)
