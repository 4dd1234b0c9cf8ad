"""Clause diff: renumbering is not rewriting, figures and metadata are reported separately."""

from __future__ import annotations

import datetime as dt

from tracker.core.diff import diff_documents, inline_diff
from tracker.core.figures import extract_figures, figure_changes
from tracker.core.model import Clause, FigureChange, InlineOp, PolicyDocument

A = "支持企业、高校、科研院所等承担国家、省重点科技专项，单个项目最高补助 500 万元。"
B = "按企业年度研发投入总量或增量给予分档分类支持，单个企业最高补助200万元。"
C = "支持企业研发创新成果转移转化，按比例给予单个企业最高200万元奖励。"
D = "支持类脑智能企业通过并购、自建等方式在海外设立研发机构。"
NEW = "鼓励金融机构开发类脑智能专属信贷产品，对符合条件的贷款给予贴息。"


def doc(*clauses: tuple[str, str], **meta: object) -> PolicyDocument:
    items = [Clause(path, text) for path, text in clauses]
    return PolicyDocument(title="若干措施", clauses=items, **meta)  # type: ignore[arg-type]


def changes(old: PolicyDocument, new: PolicyDocument) -> list[tuple[str, str | None, str | None]]:
    return [(c.change, c.old_path, c.new_path) for c in diff_documents(old, new).clauses]


def test_inserted_clause_is_one_added_and_renumbered_ones_moved() -> None:
    old = doc(("二/（一）", A), ("二/（二）", B), ("二/（三）", C), ("二/（四）", D))
    new = doc(("二/（一）", A), ("二/（二）", B), ("二/（三）", NEW), ("二/（四）", C), ("二/（五）", D))
    assert changes(old, new) == [
        ("added", None, "二/（三）"),
        ("moved", "二/（三）", "二/（四）"),
        ("moved", "二/（四）", "二/（五）"),
    ]


def test_deleted_clause_is_one_removed_and_the_rest_moved() -> None:
    old = doc(("一", A), ("二", B), ("三", C), ("四", D))
    new = doc(("一", A), ("二", C), ("三", D))
    assert changes(old, new) == [("removed", "二", None), ("moved", "三", "二"), ("moved", "四", "三")]


def test_renumbered_and_edited_clause_is_modified_with_both_paths_and_figure() -> None:
    old = doc(("（一）", A), ("（二）", B))
    new = doc(("（一）", NEW), ("（二）", A.replace("500 万元", "300 万元")), ("（三）", B))
    diff = diff_documents(old, new)
    assert [(c.change, c.old_path, c.new_path) for c in diff.clauses] == [
        ("added", None, "（一）"),
        ("modified", "（一）", "（二）"),
        ("moved", "（二）", "（三）"),
    ]
    assert diff.clauses[1].figures == (FigureChange("money", "500万元", "300万元"),)
    assert InlineOp("delete", "500") in diff.clauses[1].inline
    assert InlineOp("insert", "300") in diff.clauses[1].inline


def test_unrelated_rewrite_is_removed_plus_added_not_modified() -> None:
    old = doc(("（一）", A), ("（二）", D))
    new = doc(("（一）", A), ("（二）", NEW))
    assert changes(old, new) == [("removed", "（二）", None), ("added", None, "（二）")]


def test_whitespace_and_punctuation_width_are_not_changes() -> None:
    old = doc(("（一）", A), ("（二）", "对象：企业, 高校"))
    new = doc(("（一）", A.replace(" ", "")), ("（二）", "对象:企业，高校"))
    assert diff_documents(old, new).is_empty


def test_identical_texts_prefer_the_same_path() -> None:
    old = doc(("一/（一）", "按规定执行。"), ("二/（一）", "按规定执行。"))
    new = doc(("一/（一）", "按规定执行。"), ("二/（一）", "按规定执行。"), ("三/（一）", "按规定执行。"))
    assert changes(old, new) == [("added", None, "三/（一）")]


def test_numbering_written_in_the_heading_does_not_make_moves_modified() -> None:
    old = PolicyDocument("t", clauses=[Clause("（三）", C, heading="（三）支持科技成果转移转化。")])
    new = PolicyDocument("t", clauses=[Clause("（四）", C, heading="（四）支持科技成果转移转化。")])
    assert changes(old, new) == [("moved", "（三）", "（四）")]


def test_metadata_changes_are_reported_per_field() -> None:
    old = doc(("一", A), expires_on=dt.date(2028, 12, 31), issuer="杭州市人民政府办公厅")
    new = doc(("一", A), expires_on=dt.date(2029, 12, 31), issuer="杭州市人民政府办公厅 ")
    diff = diff_documents(old, new, from_version=1, to_version=2)
    assert diff.to_json() == {
        "from_version": 1,
        "to_version": 2,
        "metadata": {"expires_on": {"old": "2028-12-31", "new": "2029-12-31"}},
        "clauses": [],
    }
    assert diff.summary() == "no clause changes; expires_on"


def test_inline_diff_keeps_chinese_phrases_and_whole_numbers() -> None:
    ops = inline_diff("有效期至 2028 年 12 月 31 日", "有效期至 2029 年 12 月 31 日")
    assert ops == (
        InlineOp("equal", "有效期至 "),
        InlineOp("delete", "2028"),
        InlineOp("insert", "2029"),
        InlineOp("equal", " 年 12 月 31 日"),
    )


def test_figures_are_extracted_by_kind_without_spaces() -> None:
    text = "最高补助 500 万元；总量1亿元以上；按 25% 给予；有效期至 2028 年 12 月 31 日；连续支持三年，期限5年。"
    assert extract_figures(text) == [
        ("money", "500万元"),
        ("money", "1亿元"),
        ("percent", "25%"),
        ("date", "2028年12月31日"),
        ("duration", "三年"),
        ("duration", "5年"),
    ]


def test_figure_changes_pair_in_reading_order() -> None:
    old = "一次性给予不超过 50 万元奖励，每年最高奖励 500 万元，补助 10%。"
    new = "一次性给予不超过 50 万元奖励，每年最高奖励 300 万元，补助 15%，连续三年。"
    assert figure_changes(old, new) == (
        FigureChange("money", "500万元", "300万元"),
        FigureChange("percent", "10%", "15%"),
        FigureChange("duration", None, "三年"),
    )


def test_restructured_document_pairs_by_text_not_by_a_shared_path() -> None:
    old = doc(("一", A), ("二", B), ("三", C))
    new = doc(("第一章/第一条", A), ("三", NEW), ("第一章/第三条", C))
    assert changes(old, new) == [
        ("moved", "一", "第一章/第一条"),
        ("removed", "二", None),
        ("added", None, "三"),
        ("moved", "三", "第一章/第三条"),
    ]
