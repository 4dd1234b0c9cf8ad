"""The ten gov.cn policy-library pages: metadata equal to the page's own table (truth.json)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.conftest import GOVCN
from tracker.core.model import PolicyDocument
from tracker.core.parse import parse_document

TRUTH = json.loads((GOVCN / "truth.json").read_text(encoding="utf-8"))


def _date(text: str) -> dt.date:
    year, month, day = map(int, re.findall(r"\d+", text))
    return dt.date(year, month, day)


def _parse(name: str) -> PolicyDocument:
    documents = parse_document((GOVCN / name).read_bytes(), url=None)
    assert len(documents) == 1
    return documents[0]


@pytest.mark.parametrize("entry", TRUTH, ids=[e["file"] for e in TRUTH])
def test_metadata_matches_the_page_table(entry: dict) -> None:
    doc = _parse(entry["file"])
    fields = entry["fields"]
    assert doc.title == fields["标题"]
    assert doc.doc_number == fields["发文字号"]
    assert doc.issuer == fields["发文机关"]
    assert doc.issued_on == _date(fields["成文日期"])
    assert doc.published_on == _date(fields["发布日期"])
    assert doc.index_number == fields["索引号"]
    assert doc.topic == fields["主题分类"]
    assert doc.clauses, "the body produced no clauses"
    assert not any("扫一扫" in c.text for c in doc.clauses)


def test_notice_issuing_a_plan_keeps_plan_paths_apart() -> None:
    doc = _parse("60_content_5338761.html")
    assert doc.enclosed_title == "政府网站集约化试点工作方案"
    paths = [c.path for c in doc.clauses]
    assert paths[:6] == ["通知", "序言", "一", "一/（一）", "一/（二）", "一/（二）/1."]
    assert paths.count("通知") == 1
    assert next(c for c in doc.clauses if c.path == "一/（二）/1.").heading == "问题导向"
    assert "（此件公开发布）" not in doc.text and "2018年10月27日" not in doc.text


def test_decree_promulgating_a_regulation() -> None:
    doc = _parse("33_content_5351177.html")
    assert doc.effective_from == dt.date(2019, 1, 1)
    paths = [c.path for c in doc.clauses]
    assert paths[:4] == ["令", "第一条", "第二条", "第三条"]  # the regulation's header note is no clause
    assert paths[-1] == "第三十六条"
    assert "第三条/（五）" in paths and "第三条/（六）" not in paths
    assert next(c for c in doc.clauses if c.path == "第三十六条").text == "本条例自2019年1月1日起施行。"
    assert "中华人民共和国个人所得税法" in {r.title for r in doc.cites}
    # The history note says how this regulation was revised; it amends nothing itself.
    assert doc.amends == [] and doc.repeals == []


def test_joint_issuers_and_chinese_numeral_signature_without_table() -> None:
    html = (GOVCN / "19_content_5351718.html").read_text(encoding="utf-8")
    body_only = html[html.index('<td class="b12c"') :]
    doc = parse_document(body_only)[0]
    assert doc.title == "国务院办公厅、中央军委办公厅关于加强对侵华日军遗弃化学武器调查和管理工作的通知"
    assert doc.doc_number == "国办发〔1996〕25号"
    assert doc.issuer == "国务院办公厅、中央军委办公厅"
    assert doc.issued_on == dt.date(1996, 6, 29)
    assert [c.path for c in doc.clauses] == ["序言", "一", "二", "三"]
    assert doc.clauses[-1].text.endswith("不得擅自处理。")


def test_reply_with_attachments_keeps_attachment_paths_unique() -> None:
    doc = _parse("44_content_5345410.html")
    paths = [c.path for c in doc.clauses]
    assert paths == ["序言", "一", "二", "附件", "附件1", "附件2"]
    assert len(set(paths)) == len(paths)
