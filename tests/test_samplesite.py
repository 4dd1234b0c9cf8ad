"""The sample site itself: bundled fixtures, admin endpoints, request counting, faults, 304s."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from sources.samplesite import Fault, SampleSite
from sources.samplesite.sites import DATAPROXY_PATH, HANWEB_COLUMN

from tests.conftest import GOVCN, SEEDS

DATA = Path(__file__).resolve().parent.parent / "sources" / "samplesite" / "data"


def test_bundled_documents_are_exact_copies_of_the_shared_fixtures() -> None:
    bundled = sorted(DATA.glob("seed_*.txt"))
    assert [p.name for p in bundled] == ["seed_000.txt", "seed_001.txt", "seed_002.txt"]
    for copy in bundled:
        [seed] = SEEDS.glob(f"{copy.name[5:8]}_*.txt")
        assert copy.read_bytes() == seed.read_bytes()
    for page in GOVCN.glob("*.html"):
        assert (DATA / f"govcn_{page.name}").read_bytes() == page.read_bytes()


def dataproxy_total(client: httpx.Client, site: SampleSite) -> int:
    answer = client.post(
        site.url("hanweb", DATAPROXY_PATH), params={"startrecord": 1, "endrecord": 2}, data={"columnid": HANWEB_COLUMN}
    )
    return int(answer.text.split("<totalrecord>")[1].split("<")[0])


def test_admin_endpoint_switches_to_the_next_day_and_back() -> None:
    with SampleSite() as site, httpx.Client() as client:
        before = dataproxy_total(client, site)
        switched = client.post(site.url("govcn", "/__admin/next-day"))
        after = dataproxy_total(client, site)
        removed = client.get(site.url("govcn", site.govcn.removed_path))
        failing = client.get(site.url("govcn", site.govcn.erroring_path))
        counts = json.loads(client.get(site.url("hanweb", "/__admin/requests")).text)
        client.post(site.url("listing", "/__admin/reset"))
        again = dataproxy_total(client, site)

    assert switched.status_code == 200
    assert (before, after, again) == (5, 6, 5)
    assert (removed.status_code, failing.status_code) == (404, 503)
    assert counts == {DATAPROXY_PATH: 2}


def test_articles_answer_conditional_requests_and_faults() -> None:
    with SampleSite() as site, httpx.Client() as client:
        url = site.url("listing", "/mh-xxgk-cms/website/mh_xxgk/xxgk_qzf_zcwj/index.html")
        first = client.get(url)
        second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        site.server("listing").inject("/mh-xxgk-cms/website/mh_xxgk/xxgk_qzf_zcwj/index.html", Fault(status=429, retry_after="7"))
        limited = client.get(url)
        recovered = client.get(url)

    assert (first.status_code, second.status_code, second.content) == (200, 304, b"")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert recovered.status_code == 200
    assert site.server("listing").requests["/mh-xxgk-cms/website/mh_xxgk/xxgk_qzf_zcwj/index.html"] == 4


def test_hanweb_articles_are_gbk_declared_only_in_meta() -> None:
    with SampleSite() as site, httpx.Client() as client:
        page = client.get(site.url("hanweb", "/art/2025/12/15/art_1229063387_59083211.html"))

    assert page.headers["Content-Type"] == "text/html"
    assert b'charset=gb2312' in page.content[:300]
    assert "单个项目最高补助 500 万元".encode("gbk") in page.content
    assert "单个项目最高补助 500 万元".encode("utf-8") not in page.content
