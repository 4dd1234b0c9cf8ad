"""Rendering: every event kind, odd payloads, digest grouping, size limits, rate-limit slots."""

from __future__ import annotations

import datetime as dt

import pytest

from notifiers.alert import alert_from_rows
from notifiers.escape import truncate_bytes
from notifiers.ratelimit import RATE_LIMITS, schedule_slots
from notifiers.render import Chunk, Renderer, build_digest, pack
from tests.receivers.samples import AT, URL, added_alert, changed_alert, reminder_alert, repealed_alert
from tracker.core.events import EVENT_KINDS

ODD_PAYLOADS = [
    {},
    {"clauses": "not a list", "days_left": "soon", "figures": 3},
    {"clauses": [None, 7, {"change": None}, {"figures": ["x", {"old": 5}]}], "to": 42},
]


@pytest.mark.parametrize("kind", EVENT_KINDS.names())
@pytest.mark.parametrize("payload", ODD_PAYLOADS, ids=["empty", "wrong-types", "broken-clauses"])
def test_every_kind_renders_with_missing_or_odd_payload(kind: str, payload: dict[str, object]) -> None:
    renderer = Renderer()
    for document in (None, {"id": 1, "title": "某文件", "url": URL}):
        alert = alert_from_rows(event_id=1, kind=kind, occurred_at=AT, payload=payload, document=document, source="hz")
        chunk = renderer.markdown(alert)
        assert chunk.body.startswith(f"#### {alert.kind_zh} ")
        assert renderer.slack(alert) and renderer.text(alert, redline=True)
        assert alert.title in renderer.digest_html(build_digest("s", [alert], None, AT))
        alert.to_json()
    sourceless = alert_from_rows(event_id=1, kind=kind, occurred_at=AT, payload={}, document=None, source=None)
    assert sourceless.title == sourceless.kind_zh


def test_removed_and_taking_effect_and_source_events_are_grouped() -> None:
    removed = alert_from_rows(
        event_id=9, kind="document_removed", occurred_at=AT,
        payload={"url": URL, "title": "已删除的通知", "http_status": 404, "missing_runs": 3}, document=None, source="hz",
    )
    effective = alert_from_rows(
        event_id=10, kind="status_changed", occurred_at=AT,
        payload={"from": "not_yet_effective", "to": "in_force", "reason": "施行日期已到"},
        document={"title": "新办法", "effective_from": "2025-03-01"}, source="hz",
    )
    failing = alert_from_rows(event_id=11, kind="source_failing", occurred_at=AT, payload={"error": "HTTP 521"}, document=None, source="hz")
    digest = build_digest("weekly", [failing, removed, effective, changed_alert(), added_alert(), reminder_alert(), repealed_alert()], None, AT)
    assert [(g.key, len(g.alerts)) for g in digest.groups] == [
        ("repealed", 1), ("expiring", 1), ("changed", 1), ("new", 1), ("taking_effect", 1), ("removed", 1), ("sources", 1),
    ]
    text = Renderer().digest_text(digest)
    assert "== 已下线 Removed (1) ==" in text and "已删除的通知" in text and URL in text
    assert "变化 Change: 尚未生效 not yet effective → 现行有效 in force\n  生效 Effective: 2025-03-01" in text
    assert "错误 Error: HTTP 521" in text and "来源 Source: hz" in text


def test_pack_splits_at_alert_boundaries_and_truncates_only_what_cannot_fit() -> None:
    chunks = [Chunk("甲" * 100, "\n[link](u)"), Chunk("乙" * 100), Chunk("丙" * 2000, "\n[link](v)")]
    messages = pack(chunks, 700)
    assert [len(m.encode()) <= 700 for m in messages] == [True, True]
    assert messages[0].startswith("甲" * 100) and "乙" * 100 in messages[0]
    assert messages[1].endswith("（内容过长已截断 truncated）\n[link](v)")
    assert truncate_bytes("中文字符", 7) == "中文"


def test_rate_limit_slots_never_put_more_than_the_limit_in_a_window() -> None:
    now = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.timezone.utc)
    recent = [now - dt.timedelta(seconds=50)] * 5 + [now - dt.timedelta(seconds=90)] * 10
    slots = schedule_slots(recent, 30, RATE_LIMITS["dingtalk"], now)
    assert slots[:15] == [now] * 15
    assert slots[15:20] == [now + dt.timedelta(seconds=10)] * 5
    assert slots[20:] == [now + dt.timedelta(seconds=60)] * 10
    everything = sorted([t for t in recent if t > now - dt.timedelta(minutes=1)] + slots)
    assert all(later - earlier >= dt.timedelta(minutes=1) for earlier, later in zip(everything, everything[20:]))
    assert schedule_slots([], 3, RATE_LIMITS["slack"], now) == [now + dt.timedelta(seconds=s) for s in (0, 1, 2)]
