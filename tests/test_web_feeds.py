"""The stable URLs other tools poll — Atom feeds and the iCalendar — and what a hostile page does to every output.

Validity is checked by the libraries readers use: `feedparser` for Atom, `icalendar` for RFC 5545.
"""

from __future__ import annotations

import re

import feedparser
import icalendar
import pytest

from tests.web_support import CHANGED, HOSTILE_TITLE, HOSTILE_URL, PLAN, REPEALED, WebServer, served  # noqa: F401 (served: a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web-sqlite-feeds"), pytest.mark.timeout(180)]


def parse_feed(server: WebServer, path: str, **params: str) -> feedparser.FeedParserDict:
    answer = server.get(path, params=params)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_events_feed_is_valid_atom_with_the_redline_and_the_repeal_evidence(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    feed = parse_feed(server, "/feeds/events.atom")
    assert 0 < len(feed.entries) <= 100
    ids_seen = [entry.id for entry in feed.entries]
    assert len(set(ids_seen)) == len(ids_seen) and all(i.startswith("urn:uuid:") for i in ids_seen)
    changed = next(e for e in feed.entries if e.title.startswith("[文件变更]") and CHANGED in e.title)
    assert "单个项目最高补助 <del>500</del><ins>300</ins> 万元" in changed.content[0].value
    assert changed.link == server.url(f"/documents/{ids[CHANGED]}/redline?from=1&to=2")
    repealed = next(e for e in feed.entries if e.title.startswith("[状态变化]") and "杭经信〔2023〕45号" in e.title)
    assert "废止" in repealed.content[0].value and "<blockquote>" in repealed.content[0].value
    assert [e.id for e in parse_feed(server, "/feeds/events.atom").entries] == ids_seen  # stable ids


def test_feed_filters_by_kind_status_source_and_keyword(served: tuple[WebServer, dict[str, int]]) -> None:
    server, _ids = served
    changes = parse_feed(server, "/feeds/events.atom", kind="document_changed")
    assert changes.entries and all(e.tags[0].term == "document_changed" for e in changes.entries)
    govcn = parse_feed(server, "/feeds/events.atom", source="sample-govcn")
    assert govcn.entries and all("杭" not in e.title for e in govcn.entries)
    keyword = parse_feed(server, "/feeds/events.atom", q="杭政办函〔2025〕58号")
    assert keyword.entries and all(CHANGED in e.title for e in keyword.entries)
    assert server.get("/feeds/events.atom", params={"kind": "nothing"}).status_code == 400


def test_a_subscription_feed_applies_the_subscriptions_filters(served: tuple[WebServer, dict[str, int]]) -> None:
    server, _ids = served
    repeals = parse_feed(server, "/feeds/subscription/repeals.atom")
    assert repeals.entries and all(e.title.startswith("[状态变化]") for e in repeals.entries)
    assert all("已废止" in e.content[0].value for e in repeals.entries)
    brain = parse_feed(server, "/feeds/subscription/brain.atom")
    assert brain.entries and all(re.search("脑机|类脑", e.content[0].value + e.title) for e in brain.entries)
    assert server.get("/feeds/subscription/nobody.atom").status_code == 404


def test_readers_poll_cheaply_with_etag_and_last_modified(served: tuple[WebServer, dict[str, int]]) -> None:
    server, _ids = served
    first = server.get("/feeds/events.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert server.get("/feeds/events.atom", headers={"If-None-Match": etag}).status_code == 304
    assert server.get("/feeds/events.atom", headers={"If-Modified-Since": modified}).status_code == 304
    assert server.get("/feeds/events.atom", params={"kind": "status_changed"}, headers={"If-None-Match": etag}).status_code == 200
    calendar = server.get("/calendar.ics")
    assert server.get("/calendar.ics", headers={"If-None-Match": calendar.headers["etag"]}).status_code == 304


def test_the_calendar_is_valid_icalendar_with_stable_uids(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    answer = server.get("/calendar.ics")
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    repeal = events[f"repealed-{ids[REPEALED]}@127.0.0.1"]
    assert str(repeal["SUMMARY"]) == "杭政〔2017〕66号 已废止"
    assert repeal.decoded("DTSTART").isoformat() == "2025-01-31" and repeal["DTSTART"].params["VALUE"] == "DATE"
    ending = events[f"expires-{ids[PLAN]}@127.0.0.1"]
    assert str(ending["SUMMARY"]).endswith("有效期至 2026-12-31") and PLAN in str(ending["SUMMARY"])
    assert str(ending["URL"]) == server.url(f"/documents/{ids[PLAN]}")
    assert f"effective-{ids[PLAN]}@127.0.0.1" in events
    again = icalendar.Calendar.from_ical(server.get("/calendar.ics").content)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)
    assert all(len(line.encode()) <= 75 for line in answer.content.decode().split("\r\n"))


def test_a_hostile_page_is_inert_in_every_page_feed_and_calendar(served: tuple[WebServer, dict[str, int]]) -> None:
    server, ids = served
    hostile = ids[HOSTILE_URL]
    pages = [
        server.get(path).text
        for path in (
            "/documents", f"/documents/{hostile}", f"/documents/{hostile}/redline", "/events", "/search?q=加急",
            "/calendar?month=2027-02", "/calendar?month=2026-03",
        )  # fmt: skip
    ]
    for page in pages:
        assert "<script>" not in page and "<!channel>" not in page and "\x1b" not in page
        assert "<img" not in page and 'href="javascript:' not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "关于&lt;script&gt;alert(1)&lt;/script&gt;&lt;!channel&gt; [x](http://evil) **加急**的通知" in pages[1]
    assert "&lt;img src=http://evil.example/x.png" in pages[1]  # the clause outline, shown as text
    assert "<ins>&lt;script&gt;alert(4)&lt;/script&gt;</ins>" in pages[2]  # the redline, shown as text
    feed = server.get("/feeds/events.atom").text
    parsed = feedparser.parse(feed.encode())
    assert not parsed.bozo
    assert any("**加急**" in e.title for e in parsed.entries)
    assert "\x1b" not in feed and "<script>" not in feed and "<!channel>" not in feed
    assert "&amp;lt;script&amp;gt;" in feed  # escaped twice: once in the entry's HTML, once by the XML around it
    calendar = server.get("/calendar.ics").content.decode()
    assert "\x1b" not in calendar
    icalendar.Calendar.from_ical(calendar)
    api = server.get(f"/api/documents/{hostile}").json()
    assert api["title"] == HOSTILE_TITLE  # JSON keeps the text as data, like the CLI's --json
