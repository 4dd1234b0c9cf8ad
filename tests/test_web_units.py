"""The pure builders of `tracker web` (timeline, iCalendar text, query parameters) and its read-only engine."""

from __future__ import annotations

import datetime as dt
import socket

import icalendar
import pytest
import sqlalchemy as sa

from storage.readonly import open_read_only
from storage.web_queries import DatedDocument
from tracker.web.ical import calendar_text, fold
from tracker.web.params import BadQuery, document_filter, event_filter
from tracker.web.security import token_matches
from tracker.web.serve import listen
from tracker.web.timeline import build_timeline

TODAY = dt.date(2026, 12, 6)


def test_the_timeline_of_the_expiring_plan() -> None:
    timeline = build_timeline(
        published=dt.date(2025, 1, 13), effective=dt.date(2025, 1, 31), changed=[], expires=dt.date(2026, 12, 31),
        repealed=None, today=TODAY, warning_days=90,
    )  # fmt: skip
    assert timeline is not None
    assert [(m.kind, m.on.isoformat()) for m in timeline.milestones] == [
        ("published", "2025-01-13"), ("effective", "2025-01-31"), ("expires", "2026-12-31")
    ]
    assert [s.status for s in timeline.segments] == ["not_yet_effective", "in_force", "expiring"]
    assert timeline.segments[-1].end == 100.0 and 95 < timeline.today < 100
    assert timeline.segments[2].start == round(100 * ((dt.date(2026, 10, 2) - dt.date(2025, 1, 13)).days) / 717, 2)


def test_a_signing_date_before_publication_is_its_own_milestone() -> None:
    timeline = build_timeline(
        issued=dt.date(2025, 1, 10), published=dt.date(2025, 1, 13), effective=None, changed=[], expires=None,
        repealed=None, today=TODAY, warning_days=90,
    )  # fmt: skip
    assert timeline is not None and [m.label for m in timeline.milestones] == ["成文 2025-01-10", "发布 2025-01-13"]


def test_the_timeline_of_a_repealed_document_ends_in_red_and_none_without_dates() -> None:
    timeline = build_timeline(
        published=None, effective=dt.date(2017, 6, 1), changed=[dt.date(2020, 1, 1)], expires=None,
        repealed=dt.date(2025, 1, 31), today=TODAY, warning_days=90,
    )  # fmt: skip
    assert timeline is not None
    assert [(s.status, s.start) for s in timeline.segments][-1][0] == "repealed"
    assert [m.kind for m in timeline.milestones] == ["effective", "changed", "repealed"]
    assert build_timeline(published=None, effective=None, changed=[], expires=None, repealed=None, today=TODAY, warning_days=90) is None


def test_calendar_text_escapes_folds_and_parses() -> None:
    document = DatedDocument(
        id=7, title="关于印发《办法》的通知, 含;分号\\与换行\n第二行\x1b[2J", enclosed_title=None, doc_number="杭政〔2017〕66号",
        url="https://example.org/a", status="repealed", effective_from=dt.date(2017, 6, 1), expires_on=None,
        repealed_on=dt.date(2025, 1, 31),
    )  # fmt: skip
    text = calendar_text([document], host="policy.example.org", base_url=None, stamp=dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc))
    assert "\x1b" not in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    assert set(events) == {"effective-7@policy.example.org", "repealed-7@policy.example.org"}
    assert str(events["repealed-7@policy.example.org"]["SUMMARY"]) == "杭政〔2017〕66号 已废止"
    assert str(events["effective-7@policy.example.org"]["DESCRIPTION"]).startswith("关于印发《办法》的通知, 含;分号\\与换行\n第二行[2J")


def test_folding_never_splits_a_character() -> None:
    line = "SUMMARY:" + "杭" * 60
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))


def test_query_parameters_become_filters_or_one_line_errors() -> None:
    spec = document_filter({"status": "repealed", "q": " 杭政 ", "from": "2017-01-01", "page": "2"})
    assert (spec.status, spec.keyword, spec.issued_from, spec.page) == ("repealed", "杭政", dt.date(2017, 1, 1), 2)
    with pytest.raises(BadQuery, match="from: 2026-02-01 is after to: 2026-01-01"):
        document_filter({"from": "2026-02-01", "to": "2026-01-01"})
    with pytest.raises(BadQuery, match="page: '0' is not a whole number"):
        document_filter({"page": "0"})
    assert event_filter({"kind": "status_changed", "source": "hz"}).kinds == ("status_changed",)
    with pytest.raises(BadQuery, match="kind: unknown event kind"):
        event_filter({"kind": "drop table"})


def test_token_comparison() -> None:
    assert token_matches("abc", "abc") and not token_matches("abc", "abd") and not token_matches("abc", None)
    assert not token_matches("abc", "ab") and token_matches("令牌", "令牌")


def test_the_web_engine_cannot_write(db_url: str) -> None:
    engine = open_read_only(db_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM document")).scalar() == 0
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read.only|readonly"):
            with engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO source (name, kind, config, enabled, consecutive_failures) VALUES ('x', 'listing', '{}', true, 0)"))
    finally:
        engine.dispose()


def test_the_listening_socket_says_it_is_tcp() -> None:
    """asyncio disables Nagle only on sockets whose protocol is TCP; with proto 0 every small
    response waited ~40 ms for the client's delayed ACK."""
    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
