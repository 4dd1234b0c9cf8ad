"""Field strings → values: issuers, titles, numbers, dates from labelled fields and <meta>."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.core.parse.metadata import (
    clean_title,
    field_date,
    field_doc_number,
    field_issuer,
    issuer_from_title,
    published_from_meta,
    split_number_from_title,
)


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        ("国务院办公厅、中央军委办公厅关于加强调查和管理工作的通知", "国务院办公厅、中央军委办公厅"),
        ("中共杭州市委杭州市人民政府关于加快发展的意见", "中共杭州市委、杭州市人民政府"),
        ("中共杭州市委办公厅杭州市人民政府办公厅关于印发实施方案的通知", "中共杭州市委办公厅、杭州市人民政府办公厅"),
        ("杭州市发展和改革委员会杭州市财政局关于下达资金的通知", "杭州市发展和改革委员会、杭州市财政局"),
        ("国家税务总局杭州市税务局关于发布办税指引的公告", "国家税务总局杭州市税务局"),
        ("杭州市人民政府关于印发杭州市未来产业培育行动计划（2025—2026年）的通知", "杭州市人民政府"),
        ("关于印发《闵行区关于打造脑机接口未来产业生态的若干意见》的通知", None),
        ("闵行区关于打造脑机接口未来产业生态的若干意见", None),
    ],
)
def test_issuer_from_title(title: str, issuer: str | None) -> None:
    assert issuer_from_title(title) == issuer


def test_field_values() -> None:
    assert field_issuer("国务院办公厅 中央军委办公厅") == "国务院办公厅、中央军委办公厅"
    assert field_issuer("杭州市人民政府办公厅") == "杭州市人民政府办公厅"
    assert field_doc_number("无") is None
    assert field_doc_number("杭政办函〔2024〕9号") == "杭政办函〔2024〕9号"
    assert field_date("2019年01月27日") == dt.date(2019, 1, 27)
    assert field_date("2019-02-15-10:00:00") == dt.date(2019, 2, 15)
    assert field_date("") is None
    assert published_from_meta({"firstpublishedtime": "2019-02-15-10:00:00"}) == dt.date(2019, 2, 15)
    assert published_from_meta({"pubdate": "2024-03-08 16:20"}) == dt.date(2024, 3, 8)


def test_titles_from_page_title_tags() -> None:
    assert clean_title("关于印发X办法的通知_行政规范性文件_杭州市人民政府") == "关于印发X办法的通知"
    assert clean_title("杭州市未来产业培育行动计划（2025—2026年）") == "杭州市未来产业培育行动计划（2025—2026年）"
    assert split_number_from_title("关于X的通知（杭政办〔2024〕1号）") == ("关于X的通知", "杭政办〔2024〕1号")
    assert split_number_from_title("X行动计划（2025—2026年）") == ("X行动计划（2025—2026年）", None)


def test_best_title_hint_prefers_a_document_title_over_a_site_name() -> None:
    from tracker.core.parse.metadata import best_title_hint

    assert best_title_hint(["杭州市人民政府门户网站", "关于印发X办法的通知_杭州市人民政府"]) == "关于印发X办法的通知"
    assert best_title_hint(["政务公开", "杭州市数字经济促进条例实施情况"]) == "杭州市数字经济促进条例实施情况"
    assert best_title_hint(["首页"]) is None
