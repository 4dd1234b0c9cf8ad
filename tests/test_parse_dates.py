"""Date forms and validity phrases (DOMAIN.md §3)."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.core.parse.dates import find_dates, parse_date, validity_from_text

D = dt.date


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("2026年2月12日", D(2026, 2, 12)),
        ("2026 年 2 月 12 日", D(2026, 2, 12)),
        ("２０２６年２月１２日", D(2026, 2, 12)),
        ("2019年01月27日", D(2019, 1, 27)),
        ("二〇二五年十二月十二日", D(2025, 12, 12)),
        ("一九九六年六月二十九日", D(1996, 6, 29)),
        ("二○二四年三月一日", D(2024, 3, 1)),
        ("2025-12-12", D(2025, 12, 12)),
        ("2025.12.12", D(2025, 12, 12)),
        ("2025/1/5", D(2025, 1, 5)),
    ],
)
def test_date_forms(span: str, expected: dt.date) -> None:
    assert parse_date(span) == expected
    assert [d for _, _, d in find_dates(f"于{span}印发")] == [expected]


def test_impossible_dates_and_words_are_not_dates() -> None:
    assert parse_date("2025年2月30日") is None
    assert find_dates("统一部署，1.5倍，第3条，10月1日至7日放假") == []


def _validity(text: str, issued: dt.date | None = None, published: dt.date | None = None):
    result = validity_from_text(text, issued_on=issued, published_on=published)
    return result.effective_from, result.expires_on


@pytest.mark.parametrize(
    ("text", "issued", "published", "expected"),
    [
        ("本措施自 2026 年 2 月 12 日起施行，有效期至 2028 年 12 月 31 日。", None, None, (D(2026, 2, 12), D(2028, 12, 31))),
        ("本意见规定的有效期从2025年12月25日至2028年12月24日。", None, None, (D(2025, 12, 25), D(2028, 12, 24))),
        ("本办法有效期自2024年1月1日起至2025年12月31日止。", None, None, (D(2024, 1, 1), D(2025, 12, 31))),
        ("本办法自印发之日起施行，有效期三年。", D(2024, 3, 1), D(2024, 3, 9), (D(2024, 3, 1), D(2027, 2, 28))),
        ("本办法自发布之日起施行，有效期为五年。", D(2024, 3, 1), D(2024, 3, 9), (D(2024, 3, 9), D(2029, 3, 8))),
        ("本通知自公布之日起施行。", D(2024, 3, 1), None, (D(2024, 3, 1), None)),
        ("本规定自2023年7月1日起实施，有效期3年。", None, None, (D(2023, 7, 1), D(2026, 6, 30))),
        ("本细则自2023年7月1日起执行，有效期两年。", None, None, (D(2023, 7, 1), D(2025, 6, 30))),
        ("本办法于2024年2月29日起施行，有效期5年。", None, None, (D(2024, 2, 29), D(2029, 2, 28))),
        ("本政策自2025.1.1起施行，有效期至2027年12月。", None, None, (D(2025, 1, 1), D(2027, 12, 31))),
        ("本政策自二〇二五年一月一日起施行，执行至二〇二六年十二月三十一日。", None, None, (D(2025, 1, 1), D(2026, 12, 31))),
        ("本方案有效期为2年，自2024-05-01起实施。", None, None, (D(2024, 5, 1), D(2026, 4, 30))),
        ("本规定自公布之日起30日后施行。", D(2024, 3, 1), D(2024, 3, 5), (D(2024, 4, 4), None)),
        ("本办法自2024年1月1日起施行，2028年12月31日废止。", None, None, (D(2024, 1, 1), D(2028, 12, 31))),
        ("本办法自2024年1月1日起施行，自2029年1月1日起废止。", None, None, (D(2024, 1, 1), D(2028, 12, 31))),
    ],
)
def test_validity_phrases(text: str, issued, published, expected) -> None:
    assert _validity(text, issued, published) == expected


def test_relative_period_without_any_start_date_stays_unknown() -> None:
    assert _validity("本办法有效期三年。") == (None, None)


def test_sentences_about_other_documents_do_not_set_own_dates() -> None:
    text = "《杭州市A办法》（杭政〔2015〕3号）自2016年1月1日起施行。本办法自2024年6月1日起施行。"
    assert _validity(text) == (D(2024, 6, 1), None)


def test_licence_validity_is_not_the_document_validity() -> None:
    assert _validity("批准文件在有效期内可一证多批使用。") == (None, None)


def test_run_range_without_the_word_validity() -> None:
    assert _validity("本政策自2024年1月1日起至2025年12月31日止执行。") == (D(2024, 1, 1), D(2025, 12, 31))


def test_effective_date_from_the_page_anchors_a_relative_period() -> None:
    result = validity_from_text("本办法有效期三年。", issued_on=D(2024, 1, 2), published_on=None, effective_on=D(2024, 3, 1))
    assert (result.effective_from, result.expires_on) == (D(2024, 3, 1), D(2027, 2, 28))


def test_end_date_of_another_document_in_the_same_sentence() -> None:
    text = "本办法自2024年1月1日起施行，杭政〔2018〕1号文件自2024年1月1日起废止。"
    assert _validity(text) == (D(2024, 1, 1), None)


def test_validity_of_a_licence_is_not_the_documents() -> None:
    text = "本办法自2024年1月1日起施行。经审核的许可证有效期为3年。"
    assert _validity(text) == (D(2024, 1, 1), None)
    assert _validity("本办法自2024年1月1日起施行。资格证书有效期至2030年12月31日。") == (D(2024, 1, 1), None)
    assert _validity("本办法自2024年1月1日起施行。有效期三年。") == (D(2024, 1, 1), D(2026, 12, 31))
