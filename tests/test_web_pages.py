"""`tracker web` as a real process over the sample site's data: what each page shows, and that it only reads.

The seeds' stories, as a person reads them in a browser: 杭政〔2017〕66号 repealed with the
sentence that says so, 500万元 → 300万元 in the redline of 杭政办函〔2025〕58号, and the
2025—2026 plan expiring with its days left.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web_support import CHANGED, PLAN, REPEALED, WebServer, served, text_of  # noqa: F401 (served: a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web-sqlite"), pytest.mark.timeout(180)]

REPEAL_SENTENCE = "前发《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）自本行动计划施行之日起同时废止。"


def test_the_repealed_document_shows_its_status_evidence_and_who_repealed_it(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    page = server.get(f"/documents/{ids[REPEALED]}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "已废止" in text and "自 2025-01-31" in text
    assert REPEAL_SENTENCE in text
    assert f'<a class="repealed-by" href="/documents/{ids[PLAN]}">' in page.text
    assert "被废止 repealed by" in text and "废止 2025-01-31" in text  # the relation and the timeline milestone


def test_the_plan_page_draws_its_timeline_and_links_what_it_repeals(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    page = server.get(f"/documents/{ids[PLAN]}")
    text = text_of(page.text)
    assert "即将失效" in text and "有效期至 2026-12-31" in text and "施行 2025-01-31" in text
    assert '<svg class="timeline"' in page.text and 'class="seg-expiring"' in page.text
    assert f'href="/documents/{ids[REPEALED]}" class="rel-outgoing-repeals"' in page.text
    assert "2025-01-31 ← 正文 text：本行动计划自2025年1月31日起施行" in text  # where the effective date came from
    assert "二/（一）" in text  # the clause outline


def test_the_document_list_filters_and_shows_days_left(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    listing = server.get("/documents", params={"status": "expiring"})
    rows = re.findall(r"<tr>\s*<td><a href=\"/documents/(\d+)\">(.*?)</a>.*?</tr>", listing.text, re.S)
    assert PLAN in [title for _id, title in rows]
    plan_row = listing.text[listing.text.index(f'href="/documents/{ids[PLAN]}"') :].split("</tr>")[0]
    assert re.search(r"剩 \d+ 天", plan_row) and "即将失效" in plan_row
    assert "杭政〔2017〕66号" not in listing.text
    by_number = server.get("/documents", params={"q": "杭政〔2017〕66号"})
    assert f'href="/documents/{ids[REPEALED]}"' in by_number.text and "共 1 份" in text_of(by_number.text)
    by_issuer = server.get("/documents", params={"issuer": "经济和信息化局", "from": "2026-01-01", "to": "2026-12-31"})
    assert "杭经信〔2026〕3号" in by_issuer.text and "国发" not in by_issuer.text
    by_source = server.get("/documents", params={"source": "sample-govcn"})
    assert "国务院" in by_source.text and CHANGED not in by_source.text


def test_the_redline_shows_the_figure_that_moved(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    page = server.get(f"/documents/{ids[CHANGED]}/redline", params={"from": 1, "to": 2})
    assert page.status_code == 200
    assert "单个项目最高补助 <del>500</del><ins>300</ins> 万元" in page.text
    assert "money: <del>500万元</del> → <ins>300万元</ins>" in page.text
    assert "修改 modified" in page.text and "二/（一）" in page.text
    document = server.get(f"/documents/{ids[CHANGED]}")
    assert f'href="/documents/{ids[CHANGED]}/redline?from=1&amp;to=2"' in document.text


def test_search_events_sources_and_calendar_pages(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    search = server.get("/search", params={"q": "脑机"})
    assert "<mark>脑机</mark>" in search.text and re.search(r'<a href="/documents/\d+">', search.text)
    assert "hits for “脑机”" in search.text
    short = server.get("/search", params={"q": "脑"})
    assert short.status_code == 200 and "two" in short.text.lower()
    events = server.get("/events", params={"kind": "document_changed"})
    assert "文件变更 document changed" in events.text and f"/documents/{ids[CHANGED]}/redline?from=1&amp;to=2" in events.text
    assert "状态变化" not in text_of(events.text).split("筛选 Filter")[1]
    sources = text_of(server.get("/sources").text)
    assert all(name in sources for name in ("sample-hz", "sample-govcn", "sample-mh"))
    assert "partial" in sources and "HTTP 503" in sources  # the second day's gov.cn failure
    calendar = server.get("/calendar", params={"month": "2026-12"})
    assert f'<a class="item expires" href="/documents/{ids[PLAN]}">' in calendar.text
    assert "90 天内到期" in calendar.text


def test_bad_parameters_and_unknown_documents_are_one_line_answers(served: tuple[WebServer, dict[str, int]]) -> None:
    server, _ids = served
    bad = server.get("/documents", params={"status": "alive"})
    assert bad.status_code == 400 and "status: unknown status 'alive'" in text_of(bad.text)
    assert server.get("/documents", params={"from": "2026-13-01"}).status_code == 400
    assert server.get("/documents/999999").status_code == 404
    assert server.get("/documents/99999999999999999999/redline").status_code == 404
    assert server.get("/api/documents/999999").json() == {"error": "no document 999999"}
    assert "Traceback" not in bad.text


def test_the_json_api_has_the_clis_shapes(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    document = server.get(f"/api/documents/{ids[REPEALED]}").json()
    assert (document["status"], document["status_since"], document["status_by_document_id"]) == ("repealed", "2025-01-31", ids[PLAN])
    assert document["status_evidence"] == REPEAL_SENTENCE
    assert [r["direction"] for r in document["relations"]] == ["incoming"]
    assert document["timeline"]["milestones"][-1]["kind"] == "repealed"
    diff = server.get(f"/api/documents/{ids[CHANGED]}/diff").json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert {"kind": "money", "old": "500万元", "new": "300万元"} in diff["clauses"][0]["figures"]
    listing = server.get("/api/documents", params={"status": "repealed"}).json()
    assert {row["doc_number"] for row in listing["documents"]} >= {REPEALED}
    assert server.get("/api/expiring").json()[0]["days_left"] >= 0
    assert {s["name"] for s in server.get("/api/sources").json()["sources"]} == {"sample-hz", "sample-govcn", "sample-mh"}
    assert server.get("/api/search", params={"q": "脑机"}).json()[0]["snippet"]
    assert "/api/documents/{id}" in server.get("/api").json()["endpoints"]


def test_no_endpoint_writes(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/documents", f"/documents/{ids[PLAN]}", "/api/documents", "/feeds/events.atom"):
            answer = httpx.request(method, server.url(path), timeout=30)
            assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD"
    assert httpx.head(server.url("/documents"), timeout=30).status_code == 200


def test_pages_load_nothing_from_elsewhere(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    for path in ("/documents", f"/documents/{ids[PLAN]}", "/calendar", "/events", "/search?q=脑机"):
        page = server.get(path)
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert not re.search(r"<(script|link|img|iframe|object|embed)\b|\ssrc=", page.text), path
