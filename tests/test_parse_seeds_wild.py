"""Seeds 003 (an e-book compilation of nine Hangzhou policies) and 004 (a repost under a news
sentence): every value ../shared/fixtures/README.md lists for them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tracker.core.model import PolicyDocument
from tracker.core.parse import parse_document

D = dt.date
#: title → (effective_from, expires_on, at least this many clauses)
COMPILATION = {
    "杭州市人民政府办公厅关于加快生物医药产业高质量发展的若干措施": (D(2022, 11, 15), D(2027, 12, 31), 25),
    "杭州市人民政府办公厅关于加快推进高端装备制造业高质量发展的若干措施": (D(2023, 8, 27), D(2025, 12, 31), 8),
    "杭州市人民政府办公厅关于加快推进新材料产业高质量发展的若干措施": (D(2023, 8, 25), D(2025, 12, 31), 7),
    "杭州市人民政府办公厅关于加快推进绿色能源产业高质量发展的实施意见": (D(2023, 8, 20), D(2025, 12, 31), 1),
    "杭州市人民政府办公厅关于促进集成电路产业高质量发展的实施意见": (D(2022, 8, 8), D(2026, 12, 31), 1),
    "杭州市推进软件和信息技术服务业高质量发展的若干政策": (D(2022, 11, 25), D(2025, 11, 24), 1),
    "杭州市人民政府办公厅关于加快推进人工智能产业创新发展的实施意见": (D(2023, 8, 25), D(2026, 12, 31), 1),
    "杭州市人民政府办公厅关于高标准建设“中国视谷”高质量发展视觉智能产业的实施意见": (D(2023, 9, 3), D(2027, 12, 31), 1),
    "杭州市人民政府办公厅关于支持合成生物产业高质量发展的若干措施": (D(2023, 10, 9), D(2028, 12, 31), 1),
}
#: What the e-book's cover, 目录, viewer and page markers look like: none of it may be in a clause.
CHROME_RE = re.compile(r"第\s*\d+\s*页|^\d{1,3}$|\.{6}|长按二维码|^目\s*录$|免费制作|杂志分类|产业政策汇编", re.M)


@pytest.fixture(scope="module")
def compilation(seed_paths: dict[str, Path]) -> list[PolicyDocument]:
    return parse_document(seed_paths["003"].read_bytes())


@pytest.fixture(scope="module")
def repost(seed_paths: dict[str, Path]) -> list[PolicyDocument]:
    return parse_document(seed_paths["004"].read_bytes())


def test_003_is_nine_documents_in_order_without_cover_or_contents(compilation: list[PolicyDocument]) -> None:
    assert [doc.title for doc in compilation] == list(COMPILATION)


@pytest.mark.parametrize("title", list(COMPILATION))
def test_003_each_policy_has_its_own_validity_and_clauses(compilation: list[PolicyDocument], title: str) -> None:
    [doc] = [d for d in compilation if d.title == title]
    effective, expires, clauses = COMPILATION[title]
    assert (doc.effective_from, doc.expires_on, doc.doc_number) == (effective, expires, None)
    assert len(doc.clauses) >= clauses
    assert [c.path for c in doc.clauses if CHROME_RE.search(c.text)] == []


def test_003_only_the_biomedicine_measures_repeal_and_only_39(compilation: list[PolicyDocument]) -> None:
    repeals = {doc.title: [r.doc_number_normalized for r in doc.repeals] for doc in compilation}
    first = next(iter(COMPILATION))
    assert repeals.pop(first) == ["杭政办函〔2021〕39号"]
    assert set(map(tuple, repeals.values())) == {()}


def test_003_a_page_break_inside_a_clause_joins_it_again(compilation: list[PolicyDocument]) -> None:
    biomedicine = compilation[0]
    [clause] = [c for c in biomedicine.clauses if c.text.startswith("支持改良型新药研发生产")]
    assert "3 类化学药、3 类生物制品和古代经典名方中药复方制剂" in clause.text
    assert "3000 万元" in next(c.text for c in biomedicine.clauses if c.text.startswith("夯实创新策源基础"))


def test_004_is_one_document_titled_by_the_line_the_lead_sentence_introduces(repost: list[PolicyDocument]) -> None:
    [doc] = repost
    assert doc.title == "杭州市加快建设人工智能创新高地的若干政策举措"
    assert (doc.doc_number, doc.expires_on, doc.repeals) == (None, None, [])
    assert len(doc.clauses) >= 20
    assert [c.path for c in doc.clauses][:3] == ["一", "一/（一）", "一/（二）"]
    assert not any("内容如下" in c.text or c.text.startswith("来源") for c in doc.clauses)


def test_004_lead_sentence_dates_the_measure_and_names_its_issuer(repost: list[PolicyDocument]) -> None:
    [doc] = repost
    assert (doc.issued_on, doc.issuer) == (D(2025, 6, 13), "杭州市人民政府")
    assert doc.provenance["issued_on"].source == "text"
    assert doc.provenance["issued_on"].snippet.startswith("2025年6月13日杭州市人民政府下发通知")
