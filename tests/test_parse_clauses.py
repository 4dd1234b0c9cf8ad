"""Numbering → clause paths and headings on small bodies."""

from __future__ import annotations

from tracker.core.parse.blocks import Block
from tracker.core.parse.clauses import build_clauses


def _clauses(*lines: str, bold: dict[int, str] | None = None):
    bold = bold or {}
    blocks = [Block(line, (bold[i],) if i in bold else ()) for i, line in enumerate(lines)]
    return build_clauses([(None, blocks)])


def test_all_five_levels() -> None:
    clauses = _clauses("一、总体要求", "（一）指导思想。", "1. 坚持创新。", "（1）加强研发。", "①设立基金。", "②引进人才。")
    assert [c.path for c in clauses] == ["一", "一/（一）", "一/（一）/1.", "一/（一）/1./（1）", "一/（一）/1./（1）/①", "一/（一）/1./（1）/②"]


def test_marker_variants_share_one_label() -> None:
    clauses = _clauses("(一) 半角括号", "（二）全角括号", "1、顿号", "2．全角点")
    assert [c.path for c in clauses] == ["（一）", "（二）", "（二）/1.", "（二）/2."]


def test_numbers_that_are_not_markers_stay_text() -> None:
    clauses = _clauses("一、适用范围", "3、5年内建成的项目不适用。", "1.5倍以内的部分按比例补助。", "一、二级医院按规定执行。", "二、附则")
    assert [c.path for c in clauses] == ["一", "二"]
    assert clauses[0].text == "适用范围\n3、5年内建成的项目不适用。\n1.5倍以内的部分按比例补助。\n一、二级医院按规定执行。"


def test_articles_with_chapters_and_items() -> None:
    clauses = _clauses("第一章　总则", "第一条　为了规范管理，制定本办法。", "第二条　下列情形除外：", "（一）涉密的；", "（二）法律另有规定的。", "第二章　附则", "第三条　本办法自发布之日起施行。")
    assert [c.path for c in clauses] == [
        "第一章", "第一章/第一条", "第一章/第二条", "第一章/第二条/（一）", "第一章/第二条/（二）", "第二章", "第二章/第三条",
    ]  # fmt: skip
    assert clauses[0].heading == "总则"
    assert clauses[2].heading is None  # `下列情形除外：` introduces a list, it is not a heading


def test_headings_bold_standalone_and_lead_sentence() -> None:
    clauses = _clauses(
        "一、支持企业研发",
        "（一）支持承担国家重点专项。",
        "对承担国家重点专项的企业给予补助。",
        "（二）支持科技成果转化。对技术交易给予奖励。",
        "（三）对购买设备的企业，按投资额给予补助。",
        "（四）加大金融支持，鼓励银行放贷。对贷款贴息。",
        bold={5: "加大金融支持，鼓励银行放贷。"},
    )
    assert [c.heading for c in clauses] == [
        "支持企业研发", "支持承担国家重点专项", "支持科技成果转化", None, "加大金融支持，鼓励银行放贷",
    ]  # fmt: skip
    assert clauses[1].text == "支持承担国家重点专项。\n对承担国家重点专项的企业给予补助。"


def test_preamble_closing_statement_and_duplicates() -> None:
    clauses = _clauses("为推动发展，制定本办法。", "一、支持研发。对研发给予补助。", "本办法自2024年1月1日起施行。", "由市科技局负责解释。")
    assert [(c.path, c.text) for c in clauses] == [
        ("序言", "为推动发展，制定本办法。"),
        ("一", "支持研发。对研发给予补助。"),
        ("结语", "本办法自2024年1月1日起施行。\n由市科技局负责解释。"),
    ]


def test_unnumbered_document_is_one_body_clause() -> None:
    clauses = _clauses("经研究，同意你单位的请示。", "此复。")
    assert [(c.path, c.text) for c in clauses] == [("正文", "经研究，同意你单位的请示。\n此复。")]


def test_segments_are_prefixed() -> None:
    clauses = build_clauses(
        [
            ("通知", [Block("现将方案印发给你们。")]),
            (None, [Block("一、目标"), Block("到2027年建成示范区。")]),
            ("附件1", [Block("重点项目清单", heading=True), Block("一、数字经济项目"), Block("建设算力中心。")]),
        ]
    )
    assert [(c.path, c.heading) for c in clauses] == [
        ("通知", None), ("一", "目标"), ("附件1", "重点项目清单"), ("附件1/一", "数字经济项目"),
    ]  # fmt: skip


def test_table_rows_with_serial_numbers_are_text_of_their_clause() -> None:
    blocks = [Block("一、补助标准"), Block("序号 项目 补助", table=True), Block("1 智能工厂 200万元", table=True), Block("2 数字车间 100万元", table=True)]
    clauses = build_clauses([(None, blocks)])
    assert [c.path for c in clauses] == ["一"]
    assert clauses[0].text == "补助标准\n序号 项目 补助\n1 智能工厂 200万元\n2 数字车间 100万元"
