"""Alerts as the pipeline produces them, for channel and rendering tests."""

from __future__ import annotations

import datetime as dt

from notifiers.alert import Alert, DocumentLink, alert_from_rows

AT = dt.datetime(2025, 3, 1, 2, 0, tzinfo=dt.timezone.utc)
URL = "https://www.hangzhou.gov.cn/art/2025/3/1/art_1229063387_1.html"
INJECTION_TITLE = "关于<script>alert(1)</script><!channel> [x](http://evil) **加急**的通知"


def changed_alert(event_id: int = 1, title: str = "杭州市促进脑机接口产业发展若干措施") -> Alert:
    return alert_from_rows(
        event_id=event_id,
        kind="document_changed",
        occurred_at=AT,
        payload={
            "summary": "1 modified, 1 added",
            "clauses": [
                {
                    "change": "modified",
                    "old_path": "二/（八）",
                    "new_path": "二/（八）",
                    "heading": None,
                    "text": "对符合条件的项目给予最高300万元资助。",
                    "deleted": ["500"],
                    "inserted": ["300"],
                    "inline": [["equal", "对符合条件的项目给予最高"], ["delete", "500"], ["insert", "300"], ["equal", "万元资助。"]],
                    "figures": [{"kind": "money", "old": "500万元", "new": "300万元"}],
                },
                {"change": "added", "old_path": None, "new_path": "三/（二）", "text": "支持类脑芯片研发。", "deleted": [], "inserted": [], "figures": []},
            ],
        },
        document={"id": 7, "title": title, "url": URL, "doc_number": "杭政办函〔2025〕3号", "status": "in_force"},
        source="hz-gfxwj",
    )


def added_alert(event_id: int = 2) -> Alert:
    return alert_from_rows(
        event_id=event_id,
        kind="document_added",
        occurred_at=AT,
        payload={},
        document={"id": 8, "title": "关于加快类脑智能发展的实施意见", "url": URL + "?a=2", "doc_number": "杭政〔2025〕9号", "status": "in_force"},
        source="hz-gfxwj",
    )


def reminder_alert(event_id: int = 3) -> Alert:
    return alert_from_rows(
        event_id=event_id,
        kind="expiry_reminder",
        occurred_at=AT,
        payload={"days_left": 30, "expires_on": "2025-03-31", "threshold": 30},
        document={"id": 9, "title": "杭州市科技企业孵化器管理办法", "url": URL + "?a=3", "doc_number": "杭科高〔2020〕1号", "status": "expiring"},
        source="hz-gfxwj",
    )


def repealed_alert(event_id: int = 4) -> Alert:
    alert = alert_from_rows(
        event_id=event_id,
        kind="status_changed",
        occurred_at=AT,
        payload={
            "from": "in_force",
            "to": "repealed",
            "reason": "被新文件废止",
            "evidence": "《杭州市科技创新券管理办法》（杭科计〔2017〕66号）同时废止",
            "since": "2025-03-01",
            "by_document_id": 11,
            "by": "杭州市科技创新券实施细则（杭科计〔2025〕5号）",
        },
        document={"id": 10, "title": "杭州市科技创新券管理办法", "url": URL + "?a=4", "doc_number": "杭科计〔2017〕66号", "status": "repealed"},
        source="hz-gfxwj",
        repealed_by=DocumentLink(title="杭州市科技创新券实施细则", doc_number="杭科计〔2025〕5号", url=URL + "?a=5"),
    )
    return alert


def injection_alert(event_id: int = 5) -> Alert:
    return changed_alert(event_id=event_id, title=INJECTION_TITLE)
