"""Clean-up notices: which documents a notice repeals, confirms and amends, and what does not count."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA
from tracker.core.model import DocRef
from tracker.core.parse import parse_document
from tracker.core.parse.cleanup import cleanup_relations

NOTICE = DATA / "lifecycle" / "cleanup_notice_gbk.html"


def refs(found: list[DocRef]) -> list[tuple[str | None, str | None]]:
    return [(ref.title, ref.doc_number) for ref in found]


def test_html_tables_with_verdict_column_and_section_headings() -> None:
    repeals, confirms, amends = cleanup_relations(NOTICE.read_bytes().decode("gb18030"))
    assert refs(repeals) == [
        ("杭州市人民政府关于加快推动杭州未来产业发展的指导意见", "杭政〔2017〕66号"),
        ("杭州市人民政府关于印发杭州市机器人产业发展规划的通知", "杭政函〔2016〕120号"),
        ("杭州市人民政府办公厅关于促进智能制造发展的实施意见", "杭政办〔2018〕11号"),
    ]
    assert refs(confirms) == [
        ("杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知", "杭政办函〔2025〕58号"),
        ("杭州市人民政府关于进一步推进数字经济发展的若干意见", "杭政〔2023〕5号"),
    ]
    assert refs(amends) == [("杭州市人民政府关于印发杭州市科技企业孵化器管理办法的通知", "杭政〔2019〕21号")]


def test_evidence_names_the_notice_the_verdict_and_the_row() -> None:
    repeals, _, _ = cleanup_relations(NOTICE.read_bytes().decode("gb18030"), title="清理结果通知")
    assert repeals[0].evidence == (
        "《清理结果通知》：废止 —— 1 | 杭州市人民政府关于加快推动杭州未来产业发展的指导意见 | 杭政〔2017〕66号 | 废止"
    )
    assert repeals[2].evidence == "《清理结果通知》：宣布失效 —— 1 | 杭州市人民政府办公厅关于促进智能制造发展的实施意见 | 杭政办〔2018〕11号"


def test_section_rows_inside_one_table_switch_the_verdict() -> None:
    html = """<table>
    <tr><th>序号</th><th>文件名称</th><th>发文字号</th></tr>
    <tr><td colspan="3">一、决定废止的规范性文件</td></tr>
    <tr><td>1</td><td>《关于甲的通知》</td><td>甲政〔2015〕3号</td></tr>
    <tr><td colspan="3">二、继续有效的规范性文件</td></tr>
    <tr><td>2</td><td>《关于乙的意见》</td><td>乙政发[2019]7 号</td></tr>
    </table>"""
    repeals, confirms, amends = cleanup_relations(html)
    assert refs(repeals) == [("关于甲的通知", "甲政〔2015〕3号")]
    assert refs(confirms) == [("关于乙的意见", "乙政发[2019]7 号")]
    assert amends == []


def test_plain_numbered_lists_under_headings() -> None:
    text = """关于公布规范性文件清理结果的通知
现将清理结果公布如下：
一、废止的规范性文件目录（2件）
1.《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）
2. 杭州市人民政府关于机器人产业的通知（杭政函〔2016〕120号）
二、宣布失效
1.《市政府办公厅关于智能制造的意见》（杭政办〔2018〕11号）
三、继续有效的规范性文件
1.《关于数字经济的若干意见》（杭政〔2023〕5号）
四、工作要求
1. 各部门要依照《中华人民共和国立法法》（主席令第三十一号）等规定，及时修改或废止不相适应的法律规范。
2.《关于某事项的通知》（杭政〔2020〕1号）
"""
    repeals, confirms, amends = cleanup_relations(text)
    assert refs(repeals) == [
        ("杭州市人民政府关于加快推动杭州未来产业发展的指导意见", "杭政〔2017〕66号"),
        ("杭州市人民政府关于机器人产业的通知", "杭政函〔2016〕120号"),
        ("市政府办公厅关于智能制造的意见", "杭政办〔2018〕11号"),
    ]
    assert refs(confirms) == [("关于数字经济的若干意见", "杭政〔2023〕5号")]
    assert amends == []
    assert repeals[2].evidence == "清理结果：宣布失效 —— 1.《市政府办公厅关于智能制造的意见》（杭政办〔2018〕11号）"


def test_html_paragraph_lists_under_headings() -> None:
    html = """<div><p><b>一、废止的规范性文件</b></p><p>1.《关于甲的通知》（甲政〔2015〕3号）</p>
    <p>2.《关于乙的通知》（乙政〔2016〕4号）</p><p>二、继续有效的规范性文件</p><p>1.《关于丙的意见》（丙政发〔2019〕7号）</p></div>"""
    repeals, confirms, amends = cleanup_relations(html)
    assert refs(repeals) == [("关于甲的通知", "甲政〔2015〕3号"), ("关于乙的通知", "乙政〔2016〕4号")]
    assert refs(confirms) == [("关于丙的意见", "丙政发〔2019〕7号")]
    assert amends == []


def test_markdown_pipe_table_with_verdict_column() -> None:
    text = """## 清理结果

| 序号 | 文件名称 | 文号 | 清理结果 |
|---|---|---|---|
| 1 | 关于甲的通知 | 甲政〔2015〕3号 | 废止 |
| 2 | 关于乙的意见 | 乙政发〔2019〕7号 | 继续有效 |
| 3 | 关于丙的办法 | 丙政令第12号 | 修改 |
"""
    repeals, confirms, amends = cleanup_relations(text)
    assert refs(repeals) == [("关于甲的通知", "甲政〔2015〕3号")]
    assert refs(confirms) == [("关于乙的意见", "乙政发〔2019〕7号")]
    assert refs(amends) == [("关于丙的办法", "丙政令第12号")]


@pytest.mark.parametrize(
    "text",
    [
        "各地各部门要及时修改或废止不相适应的法律规范。",
        "批准文件在有效期内可一证多批使用。",
        "根据《工业和信息化部等七部门关于推动未来产业创新发展的实施意见》（工信部联科〔2024〕12号），制定本计划。",
        "<p>废止</p><p>修改或废止不相适应的法律规范</p><table><tr><td>项目</td><td>金额</td></tr><tr><td>补助</td><td>500万元</td></tr></table>",
    ],
)
def test_sentences_and_tables_that_list_nothing_give_nothing(text: str) -> None:
    assert cleanup_relations(text) == ([], [], [])


def test_the_seed_documents_are_not_clean_up_notices(seed_paths: dict[str, Path]) -> None:
    for path in seed_paths.values():
        assert cleanup_relations(path.read_text(encoding="utf-8")) == ([], [], []), path.name


def test_the_parser_takes_the_notices_lists_from_gbk_bytes() -> None:
    (notice,) = parse_document(NOTICE.read_bytes(), url="https://www.hangzhou.gov.cn/art/2026/3/31/art_1_9.html")
    assert notice.title == "杭州市人民政府关于公布规范性文件清理结果的通知"
    assert [ref.doc_number for ref in notice.repeals] == ["杭政〔2017〕66号", "杭政函〔2016〕120号", "杭政办〔2018〕11号"]
    assert [ref.doc_number for ref in notice.confirms] == ["杭政办函〔2025〕58号", "杭政〔2023〕5号"]
    assert [ref.doc_number for ref in notice.amends] == ["杭政〔2019〕21号"]
    assert notice.cites == []
    assert notice.repeals[0].evidence == (
        "《杭州市人民政府关于公布规范性文件清理结果的通知》：废止 —— "
        "1 | 杭州市人民政府关于加快推动杭州未来产业发展的指导意见 | 杭政〔2017〕66号 | 废止"
    )


def test_an_ordinary_document_keeps_the_parsers_references(seed_paths: dict[str, Path]) -> None:
    (plan,) = parse_document(seed_paths["001"].read_bytes(), url="https://example.gov.cn/001")
    assert [ref.doc_number for ref in plan.repeals] == ["杭政〔2017〕66号"]
    assert [ref.doc_number for ref in plan.cites] == ["工信部联科〔2024〕12号", "浙政办发〔2023〕9号"]
    assert (plan.confirms, plan.amends) == ([], [])
