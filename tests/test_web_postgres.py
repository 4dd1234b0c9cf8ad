"""`tracker web` over PostgreSQL: the same pages, feed and calendar as on SQLite, from a read-only connection."""

from __future__ import annotations

from pathlib import Path

import feedparser
import icalendar
import pytest

from storage.engine import open_database
from tests.web_support import CHANGED, PLAN, REPEALED, document_ids, fill_sample_database, text_of, web_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_pages_feed_and_calendar_on_postgresql(db_url: str, tmp_path: Path) -> None:
    config = fill_sample_database(db_url, tmp_path)
    engine = open_database(db_url)
    ids = document_ids(engine)
    engine.dispose()
    with web_server(db_url, config) as server:
        repealed = text_of(server.get(f"/documents/{ids[REPEALED]}").text)
        assert "已废止" in repealed and "自本行动计划施行之日起同时废止" in repealed
        redline = server.get(f"/documents/{ids[CHANGED]}/redline").text
        assert "<del>500</del><ins>300</ins>" in redline
        listing = server.get("/documents", params={"status": "expiring", "q": "未来产业"}).text
        assert f'href="/documents/{ids[PLAN]}"' in listing
        assert "<mark>脑机</mark>" in server.get("/search", params={"q": "脑机"}).text
        feed = feedparser.parse(server.get("/feeds/events.atom", params={"kind": "document_changed"}).content)
        assert not feed.bozo and any(CHANGED in entry.title for entry in feed.entries)
        assert server.get("/documents", params={"q": "脑\x00机"}).status_code == 400
        assert server.get("/search", params={"q": "\x00"}).status_code == 400
        assert server.get("/documents/99999999999999999999").status_code == 404
        calendar = icalendar.Calendar.from_ical(server.get("/calendar.ics").content)
        summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
        assert "杭政〔2017〕66号 已废止" in summaries
