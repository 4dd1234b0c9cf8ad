"""The lifecycle end to end on the real seeds, through the pipeline, on SQLite and PostgreSQL.

Seed 000 takes effect on 2026-02-12 and ends 2028-12-31; seed 001 runs 2025-01-31 to
2026-12-31 and repeals 杭政〔2017〕66号 (never crawled: a placeholder); seed 002 runs
2025-12-25 to 2028-12-24.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.engine import open_database
from storage.lifecycle import assess_documents
from storage.queries import find_document
from storage.tables import Document, Event
from tests.conftest import DATA
from tracker.core.config import TrackerSettings
from tracker.core.lifecycle import Assessment
from tracker.core.model import Status
from tracker.pipeline import ingest_file, sweep_statuses

URLS = {key: f"https://www.hangzhou.gov.cn/seeds/{key}.html" for key in ("000", "001", "002")}
AT = dt.datetime(2026, 8, 1, 1, 0, tzinfo=dt.timezone.utc)
OLD = "杭政〔2017〕66号"
PLAN = "杭州市未来产业培育行动计划（2025—2026年）"
REPEAL_SENTENCE = (
    "前发《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）自本行动计划施行之日起同时废止。"
)
NOTICE = DATA / "lifecycle" / "cleanup_notice_gbk.html"
DISTRACTOR = """杭州市人民政府办公厅关于做好政策文件管理工作的通知

各区、县（市）人民政府，市政府各部门：

根据《杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知》（杭政办函〔2025〕58号），现就有关事项通知如下：

一、各地各部门要及时修改或废止不相适应的法律规范。

二、相关批准文件在有效期内可一证多批使用。

本通知自2026年3月1日起施行。

杭州市人民政府办公厅
2026年2月20日
"""


def ingest_seeds(engine: sa.Engine, seed_paths: dict[str, Path], order: tuple[str, ...] = ("000", "001", "002")) -> None:
    for key in order:
        ingest_file(engine, seed_paths[key], url=URLS[key], fetched_at=AT)


def statuses_on(engine: sa.Engine, on: dt.date) -> dict[str, Assessment]:
    """Assessments on `on` keyed by seed number and by the old document's number."""
    with Session(engine) as session:
        assessments = assess_documents(session, on)
        ids = {key: _id(session, url) for key, url in URLS.items()} | {OLD: _id(session, OLD)}
    return {key: assessments[doc_id] for key, doc_id in ids.items()}


def _id(session: Session, ref: str) -> int:
    document = find_document(session, ref)
    assert document is not None and document.id is not None, ref
    return document.id


@pytest.mark.parametrize("order", list(itertools.permutations(("000", "001", "002"))))
def test_three_seeds_in_any_order(engine: sa.Engine, seed_paths: dict[str, Path], order: tuple[str, ...]) -> None:
    ingest_seeds(engine, seed_paths, order)
    on = statuses_on(engine, dt.date(2026, 11, 22))
    assert (on["000"].status, on["000"].reason) == (Status.IN_FORCE, "in force until 2028-12-31")
    assert (on["001"].status, on["001"].reason) == (Status.EXPIRING, "ends on 2026-12-31, within the 90-day warning window")
    assert on["002"].status is Status.IN_FORCE
    old = on[OLD]
    assert (old.status, old.since, old.evidence, old.by_label) == (
        Status.REPEALED,
        dt.date(2025, 1, 31),
        REPEAL_SENTENCE,
        f"《{PLAN}》",
    )
    with Session(engine) as session:
        assert old.by_document_id == _id(session, URLS["001"])
    assert statuses_on(engine, dt.date(2026, 1, 1))["000"].status is Status.NOT_YET_EFFECTIVE
    assert statuses_on(engine, dt.date(2027, 1, 1))["001"].status is Status.EXPIRED


def test_ingest_stores_statuses_as_of_the_fetch_date_and_announces_only_the_repeal(
    engine: sa.Engine, seed_paths: dict[str, Path]
) -> None:
    ingest_seeds(engine, seed_paths)
    with Session(engine) as session:
        rows = {d.url: (d.status, d.status_since) for d in session.exec(select(Document))}
        events = [(e.kind, e.payload.get("to")) for e in session.exec(select(Event).order_by(col(Event.id)))]
    assert rows[URLS["000"]] == ("in_force", dt.date(2026, 2, 12))
    assert rows[URLS["002"]] == ("in_force", dt.date(2025, 12, 25))
    assert rows[URLS["001"]] == ("in_force", dt.date(2025, 1, 31))
    assert rows["placeholder:" + OLD] == ("repealed", dt.date(2025, 1, 31))
    assert sorted(events) == [("document_added", None)] * 3 + [("status_changed", "repealed")]


def test_daily_sweep_from_september_to_january_raises_each_fact_once(db_url: str, seed_paths: dict[str, Path]) -> None:
    engine = open_database(db_url)
    ingest_seeds(engine, seed_paths)
    with Session(engine) as session:
        plan_id = _id(session, URLS["001"])
        last_ingest_event = session.exec(select(sa.func.max(Event.id))).one()
    settings = TrackerSettings()
    day = dt.date(2026, 9, 1)
    while day <= dt.date(2027, 1, 5):
        if day == dt.date(2026, 11, 15):  # a restart: new engine, new sessions, same database
            engine.dispose()
            engine = open_database(db_url)
        sweep_statuses(engine, settings, day, occurred_at=AT)
        day += dt.timedelta(days=1)
    sweep_statuses(engine, settings, dt.date(2026, 12, 24), occurred_at=AT)  # a re-run of a past day
    ingest_seeds(engine, seed_paths, ("001",))  # a re-ingest of the same page
    with Session(engine) as session:
        events = session.exec(select(Event).where(col(Event.id) > last_ingest_event).order_by(col(Event.id))).all()
    engine.dispose()
    assert {e.document_id for e in events} == {plan_id}
    assert [(e.kind, e.payload.get("from"), e.payload.get("to"), e.payload.get("threshold")) for e in events] == [
        ("status_changed", "in_force", "expiring", None),
        ("expiry_reminder", None, None, 90),
        ("expiry_reminder", None, None, 30),
        ("expiry_reminder", None, None, 7),
        ("status_changed", "expiring", "expired", None),
    ]
    assert [e.payload.get("days_left") for e in events if e.kind == "expiry_reminder"] == [90, 30, 7]
    assert [e.payload.get("since") for e in events if e.kind == "status_changed"] == ["2026-10-02", "2027-01-01"]


def test_cleanup_notice_repeals_its_list_and_leaves_confirmed_documents_alone(
    engine: sa.Engine, seed_paths: dict[str, Path]
) -> None:
    ingest_seeds(engine, seed_paths)
    ingest_file(engine, NOTICE, url="https://www.hangzhou.gov.cn/art/2026/3/31/art_1_9.html", fetched_at=AT)
    on = dt.date(2026, 11, 22)
    with Session(engine) as session:
        notice_id = _id(session, "杭政〔2026〕9号")
        by_number = {
            number: assess_documents(session, on, document_ids=[_id(session, number)])[_id(session, number)]
            for number in ("杭政函〔2016〕120号", "杭政办〔2018〕11号", OLD, "杭政办函〔2025〕58号", "杭政〔2023〕5号", "杭政〔2019〕21号")
        }
        placeholder = find_document(session, "杭政函[2016]120号")
        assert placeholder is not None and placeholder.is_placeholder
    robots = by_number["杭政函〔2016〕120号"]
    assert (robots.status, robots.since, robots.by_document_id) == (Status.REPEALED, dt.date(2026, 3, 31), notice_id)
    assert robots.evidence == (
        "《杭州市人民政府关于公布规范性文件清理结果的通知》：废止 —— "
        "2 | 杭州市人民政府关于印发杭州市机器人产业发展规划的通知 | 杭政函〔2016〕120号 | 废止"
    )
    assert by_number["杭政办〔2018〕11号"].status is Status.REPEALED
    assert by_number[OLD].since == dt.date(2025, 1, 31)  # repealed by seed 001 first, the notice later
    assert (by_number["杭政办函〔2025〕58号"].status, by_number["杭政办函〔2025〕58号"].reason) == (
        Status.IN_FORCE,
        "in force until 2028-12-31",
    )
    assert (by_number["杭政〔2023〕5号"].status, by_number["杭政〔2023〕5号"].since) == (Status.IN_FORCE, dt.date(2026, 3, 31))
    assert (by_number["杭政〔2019〕21号"].status, by_number["杭政〔2019〕21号"].amended) == (Status.UNKNOWN, True)


def test_distractor_sentences_change_nobodys_status(engine: sa.Engine, seed_paths: dict[str, Path], tmp_path: Path) -> None:
    ingest_seeds(engine, seed_paths)
    before = statuses_on(engine, dt.date(2026, 11, 22))
    path = tmp_path / "distractor.txt"
    path.write_text(DISTRACTOR, encoding="utf-8")
    ingest_file(engine, path, url="https://www.hangzhou.gov.cn/distractor.html", fetched_at=AT)
    assert statuses_on(engine, dt.date(2026, 11, 22)) == before
    with Session(engine) as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.kind == "status_changed"))]
        assert kinds == ["status_changed"]  # only the placeholder's repeal by seed 001
