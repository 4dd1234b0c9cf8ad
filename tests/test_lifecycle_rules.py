"""Every status rule of tracker.core.lifecycle, at its boundaries, and the events it raises."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tracker.core.lifecycle import (
    AMENDS,
    CONFIRMS,
    REPEALS,
    Assessment,
    DatedDocument,
    IncomingRelation,
    StoredStatus,
    assess,
    expiry_reminder_event,
    status_change_event,
    validity_status,
)
from tracker.core.model import Status

D = dt.date
PLAN = DatedDocument(
    id=1,
    title="杭州市未来产业培育行动计划（2025—2026年）",
    issued_on=D(2025, 1, 13),
    effective_from=D(2025, 1, 31),
    expires_on=D(2026, 12, 31),
)
OLD = DatedDocument(id=2, title="杭州市人民政府关于加快推动杭州未来产业发展的指导意见", doc_number="杭政〔2017〕66号")
REPEAL_SENTENCE = "前发《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）自本行动计划施行之日起同时废止。"


def test_before_the_effective_date_it_is_not_yet_effective() -> None:
    result = assess(PLAN, [], D(2025, 1, 30))
    assert (result.status, result.since) == (Status.NOT_YET_EFFECTIVE, None)
    assert "2025-01-31" in result.reason


def test_on_the_effective_date_it_is_in_force_since_that_day() -> None:
    result = assess(PLAN, [], D(2025, 1, 31))
    assert (result.status, result.since) == (Status.IN_FORCE, D(2025, 1, 31))
    assert result.reason == "in force until 2026-12-31"


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (D(2026, 10, 1), Status.IN_FORCE),  # 91 days left: outside the window
        (D(2026, 10, 2), Status.EXPIRING),  # 90 days left: the window's first day
        (D(2026, 12, 31), Status.EXPIRING),  # the expiry day itself is still in force
        (D(2027, 1, 1), Status.EXPIRED),  # the day after
    ],
)
def test_warning_window_and_expiry_boundaries(on: dt.date, status: Status) -> None:
    assert assess(PLAN, [], on).status is status


def test_expiring_since_the_window_opens_and_expired_since_the_day_after() -> None:
    expiring = assess(PLAN, [], D(2026, 11, 22))
    assert expiring.since == D(2026, 10, 2)
    assert expiring.reason == "ends on 2026-12-31, within the 90-day warning window"
    expired = assess(PLAN, [], D(2027, 1, 1))
    assert (expired.since, expired.reason) == (D(2027, 1, 1), "validity period ended on 2026-12-31")


def test_warning_days_is_a_parameter() -> None:
    assert assess(PLAN, [], D(2026, 11, 22), warning_days=30).status is Status.IN_FORCE
    assert assess(PLAN, [], D(2026, 12, 1), warning_days=30).status is Status.EXPIRING


def test_a_short_document_is_expiring_from_its_first_day() -> None:
    short = DatedDocument(id=3, effective_from=D(2026, 1, 1), expires_on=D(2026, 2, 1))
    assert assess(short, [], D(2026, 1, 1)) == Assessment(
        Status.EXPIRING, D(2026, 1, 1), "ends on 2026-02-01, within the 90-day warning window"
    )


def test_without_an_effective_date_it_is_in_force_from_its_issue_or_publish_date() -> None:
    issued = DatedDocument(id=3, issued_on=D(2020, 5, 1), published_on=D(2020, 5, 9))
    assert assess(issued, [], D(2020, 4, 30)).status is Status.NOT_YET_EFFECTIVE
    assert assess(issued, [], D(2020, 5, 1)) == Assessment(Status.IN_FORCE, D(2020, 5, 1), "in force since 2020-05-01, no end date")
    published = DatedDocument(id=4, published_on=D(2020, 5, 9))
    assert assess(published, [], D(2020, 5, 9)).since == D(2020, 5, 9)


def test_a_document_with_no_dates_at_all_is_unknown() -> None:
    result = assess(OLD, [], D(2026, 1, 1))
    assert (result.status, result.since) == (Status.UNKNOWN, None)


def test_a_repeal_takes_effect_on_the_repealing_documents_effective_date() -> None:
    repeal = IncomingRelation(REPEALS, PLAN, REPEAL_SENTENCE)
    before = assess(OLD, [repeal], D(2025, 1, 30))
    assert before.status is Status.UNKNOWN
    after = assess(OLD, [repeal], D(2025, 1, 31))
    assert after == Assessment(
        Status.REPEALED,
        D(2025, 1, 31),
        "repealed by 《杭州市未来产业培育行动计划（2025—2026年）》 from 2025-01-31",
        REPEAL_SENTENCE,
        by_document_id=1,
        by_label="《杭州市未来产业培育行动计划（2025—2026年）》",
    )


def test_a_repeal_by_a_document_without_effective_date_counts_from_its_issue_date() -> None:
    notice = DatedDocument(id=5, title="清理结果的通知", issued_on=D(2024, 6, 1))
    dated = DatedDocument(id=6, issued_on=D(2019, 1, 1), expires_on=D(2030, 1, 1))
    repeal = IncomingRelation(REPEALS, notice, "清理结果：废止")
    assert assess(dated, [repeal], D(2024, 5, 31)).status is Status.IN_FORCE
    assert assess(dated, [repeal], D(2024, 6, 1)).since == D(2024, 6, 1)


def test_a_repeal_by_an_undated_document_counts_with_an_unknown_date() -> None:
    undated = DatedDocument(id=7, title="某通知")
    result = assess(OLD, [IncomingRelation(REPEALS, undated)], D(2000, 1, 1))
    assert (result.status, result.since, result.reason) == (Status.REPEALED, None, "repealed by 《某通知》 (date unknown)")


def test_the_earliest_repeal_in_effect_wins() -> None:
    later = DatedDocument(id=8, title="后发", effective_from=D(2026, 3, 1))
    first = IncomingRelation(REPEALS, PLAN, "first")
    second = IncomingRelation(REPEALS, later, "second")
    assert assess(OLD, [second, first], D(2026, 6, 1)).evidence == "first"


def test_a_repeal_wins_over_expiry_and_over_not_yet_effective() -> None:
    ended = DatedDocument(id=9, effective_from=D(2020, 1, 1), expires_on=D(2024, 1, 1))
    assert assess(ended, [IncomingRelation(REPEALS, PLAN)], D(2026, 1, 1)).status is Status.REPEALED


def test_amended_is_a_flag_beside_the_status_from_the_amending_date() -> None:
    amending = DatedDocument(id=10, title="修改决定", effective_from=D(2026, 3, 1))
    relation = IncomingRelation(AMENDS, amending, "将第三条修改为……")
    before = assess(PLAN, [relation], D(2026, 2, 28))
    after = assess(PLAN, [relation], D(2026, 3, 1))
    assert (before.status, before.amended) == (Status.IN_FORCE, False)
    assert (after.status, after.amended) == (Status.IN_FORCE, True)


def test_a_confirmation_gives_an_undated_document_in_force_and_leaves_a_dated_one_alone() -> None:
    notice = DatedDocument(id=11, title="清理结果的通知", issued_on=D(2024, 6, 1))
    confirm = IncomingRelation(CONFIRMS, notice, "清理结果：继续有效")
    undated = assess(OLD, [confirm], D(2024, 7, 1))
    assert (undated.status, undated.since, undated.by_document_id) == (Status.IN_FORCE, D(2024, 6, 1), 11)
    assert assess(PLAN, [confirm], D(2027, 1, 1)).status is Status.EXPIRED


def test_page_says_in_force_but_a_repeal_wins_and_both_are_shown() -> None:
    page_valid = DatedDocument(id=2, title="指导意见", issued_on=D(2017, 6, 1), validity="有效")
    result = assess(page_valid, [IncomingRelation(REPEALS, PLAN, REPEAL_SENTENCE)], D(2026, 1, 1))
    assert result.status is Status.REPEALED
    assert result.reason.endswith("; the page still says 有效, the repeal wins")


def test_page_says_in_force_after_the_validity_period_the_period_wins() -> None:
    result = assess(dataclasses.replace(PLAN, validity="有效"), [], D(2027, 1, 1))
    assert result.status is Status.EXPIRED
    assert result.reason == "validity period ended on 2026-12-31; the page still says 有效, the validity period wins"


@pytest.mark.parametrize(("validity", "status"), [("废止", Status.REPEALED), ("失效", Status.EXPIRED), ("全文废止", Status.REPEALED)])
def test_page_says_ended_while_dates_say_in_force_the_page_wins(validity: str, status: Status) -> None:
    page = DatedDocument(id=12, issued_on=D(2020, 1, 1), validity=validity)
    result = assess(page, [], D(2026, 1, 1))
    assert (result.status, result.since, result.evidence) == (status, None, f"有效性：{validity}")
    assert result.reason == f"the page's own validity field says {validity}; its dates alone would give in_force, the page wins"


def test_page_validity_alone_gives_a_status_to_an_undated_document() -> None:
    assert assess(DatedDocument(id=13, validity="废止"), [], D(2026, 1, 1)).status is Status.REPEALED
    in_force = assess(DatedDocument(id=14, validity="有效"), [], D(2026, 1, 1))
    assert (in_force.status, in_force.evidence) == (Status.IN_FORCE, "有效性：有效")


def test_validity_status_reads_the_common_wordings() -> None:
    assert [validity_status(v) for v in ("现行有效", "全文失效", "已废止", "部分失效", "", None, "其他")] == [
        Status.IN_FORCE,
        Status.EXPIRED,
        Status.REPEALED,
        None,
        None,
        None,
        None,
    ]


def test_first_assessment_is_not_an_event_but_a_repealed_placeholder_is() -> None:
    repealed = assess(OLD, [IncomingRelation(REPEALS, PLAN, REPEAL_SENTENCE)], D(2026, 1, 1))
    fresh = StoredStatus("unknown")
    assert status_change_event(2, fresh, repealed) is None
    event = status_change_event(2, fresh, repealed, is_placeholder=True)
    assert event is not None
    assert event.dedupe_key == "status_changed:2:repealed:2025-01-31"
    assert event.payload == {
        "from": "unknown",
        "to": "repealed",
        "reason": repealed.reason,
        "evidence": REPEAL_SENTENCE,
        "since": "2025-01-31",
        "by_document_id": 1,
        "by": "《杭州市未来产业培育行动计划（2025—2026年）》",
    }
    assert status_change_event(2, fresh, assess(OLD, [], D(2026, 1, 1)), is_placeholder=True) is None


def test_a_change_after_the_first_assessment_is_an_event_and_no_change_is_none() -> None:
    expiring = assess(PLAN, [], D(2026, 11, 22))
    event = status_change_event(1, StoredStatus("in_force", assessed=True), expiring)
    assert event is not None
    assert (event.kind, event.dedupe_key) == ("status_changed", "status_changed:1:expiring:2026-10-02")
    assert status_change_event(1, StoredStatus("expiring", assessed=True), expiring) is None


@pytest.mark.parametrize(
    ("on", "threshold", "days_left"),
    [
        (D(2026, 10, 1), None, 91),
        (D(2026, 10, 2), 90, 90),
        (D(2026, 12, 1), 30, 30),
        (D(2026, 12, 24), 7, 7),
        (D(2026, 12, 31), 7, 0),
        (D(2027, 1, 1), None, -1),
    ],
)
def test_expiry_reminder_thresholds(on: dt.date, threshold: int | None, days_left: int) -> None:
    event = expiry_reminder_event(1, Status.EXPIRING, D(2026, 12, 31), on)
    if threshold is None:
        assert event is None
    else:
        assert event is not None
        assert event.dedupe_key == f"expiry_reminder:1:2026-12-31:{threshold}"
        assert event.payload == {"days_left": days_left, "expires_on": "2026-12-31", "threshold": threshold}


def test_a_sweep_that_skipped_days_sends_only_the_tightest_threshold() -> None:
    event = expiry_reminder_event(1, Status.EXPIRING, D(2026, 12, 31), D(2026, 12, 28))
    assert event is not None and event.payload["threshold"] == 7


def test_no_reminder_for_an_ended_document_or_one_without_end() -> None:
    assert expiry_reminder_event(1, Status.REPEALED, D(2026, 12, 31), D(2026, 12, 1)) is None
    assert expiry_reminder_event(1, Status.IN_FORCE, None, D(2026, 12, 1)) is None


def test_reminder_thresholds_beyond_the_warning_window_fire_while_in_force() -> None:
    event = expiry_reminder_event(1, Status.IN_FORCE, D(2026, 12, 31), D(2026, 8, 1), reminder_days=(180, 30))
    assert event is not None and event.payload["threshold"] == 180
