"""The three seed documents (../shared/fixtures/seeds): every value the fixtures README lists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker.core.model import DocRef, PolicyDocument
from tracker.core.parse import parse_document


def _parse(path: Path) -> PolicyDocument:
    documents = parse_document(path.read_bytes())
    assert len(documents) == 1
    return documents[0]


@pytest.fixture(scope="module")
def seed000(seed_paths: dict[str, Path]) -> PolicyDocument:
    return _parse(seed_paths["000"])


@pytest.fixture(scope="module")
def seed001(seed_paths: dict[str, Path]) -> PolicyDocument:
    return _parse(seed_paths["001"])


@pytest.fixture(scope="module")
def seed002(seed_paths: dict[str, Path]) -> PolicyDocument:
    return _parse(seed_paths["002"])


def _clause(doc: PolicyDocument, path: str):
    matches = [c for c in doc.clauses if c.path == path]
    assert len(matches) == 1, f"{path}: {[c.path for c in doc.clauses]}"
    return matches[0]


def test_000_metadata(seed000: PolicyDocument) -> None:
    assert seed000.title == "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知"
    assert seed000.enclosed_title == "关于支持类脑智能未来产业创新发展的若干措施"
    assert seed000.doc_number == "杭政办函〔2025〕58号"
    assert seed000.issuer == "杭州市人民政府办公厅"
    assert seed000.issued_on == dt.date(2025, 12, 12)
    assert seed000.effective_from == dt.date(2026, 2, 12)
    assert seed000.expires_on == dt.date(2028, 12, 31)
    assert seed000.repeals == []


def test_000_clause_tree(seed000: PolicyDocument) -> None:
    expected = (
        ["通知", "序言", "一", "二"]
        + [f"二/（{n}）" for n in "一二三四"]
        + ["三"]
        + [f"三/（{n}）" for n in ("五", "六", "七", "八", "九", "十")]
        + ["四"]
        + [f"四/（{n}）" for n in ("十一", "十二", "十三", "十四")]
        + ["结语", "附件"]
    )
    assert [c.path for c in seed000.clauses] == expected
    assert _clause(seed000, "二").heading == "支持类脑智能产业研发创新"
    assert _clause(seed000, "二/（一）").heading == "支持承担国家、省重点科技专项"
    assert _clause(seed000, "附件").heading == "重点支持领域"
    notice = _clause(seed000, "通知").text
    assert notice.startswith("《关于支持类脑智能未来产业创新发展的若干措施》已经市政府同意")
    assert "2025年12月12日" not in notice  # the signature is not clause text
    assert _clause(seed000, "结语").text.startswith("本措施自 2026 年 2 月 12 日起施行")


def test_000_subsidy_caps_and_page_break(seed000: PolicyDocument) -> None:
    first = _clause(seed000, "二/（一）")
    assert "单个项目最高补助 500 万元" in first.text
    eighth = _clause(seed000, "三/（八）")
    assert eighth.heading == "支持产品开展医疗器械注册"
    assert "单个企业每年最高奖励 500 万元" in eighth.text
    # Paragraphs cut by page breaks are joined back into one line of their clause.
    assert "依托企业建设的省级国际科技合作基地、国际联合实验室" in _clause(seed000, "二/（四）").text
    assert "单个项目最高补助5000 万元。（责任单位：市经信局）" in _clause(seed000, "三/（六）").text
    assert "智能交通与自动驾驶、智能机器人与低空经济" in _clause(seed000, "三/（九）").text
    assert "类脑计算公共服务平台等方向" in _clause(seed000, "附件").text


def test_000_responsible_units(seed000: PolicyDocument) -> None:
    # （一）'s parenthesis opens with （ and closes with ) after a line break in the source.
    assert _clause(seed000, "二/（一）").units == ["市科技局", "市经信局"]
    assert _clause(seed000, "二/（二）").units == ["市科技局", "市经信局"]
    assert _clause(seed000, "三/（六）").units == ["市经信局"]
    assert _clause(seed000, "三/（九）").units == ["市经信局", "市卫生健康委", "市民政局", "市残联"]
    assert _clause(seed000, "四/（十一）").units == ["市委人才办", "市经信局", "市科技局", "市人力社保局", "市教育局"]


def test_001_metadata(seed001: PolicyDocument) -> None:
    assert seed001.title == "杭州市人民政府关于印发杭州市未来产业培育行动计划（2025—2026年）的通知"
    assert seed001.enclosed_title == "杭州市未来产业培育行动计划（2025—2026年）"
    assert seed001.doc_number is None
    assert seed001.issuer == "杭州市人民政府"
    assert seed001.effective_from == dt.date(2025, 1, 31)
    assert seed001.expires_on == dt.date(2026, 12, 31)


def test_001_repeals_exactly_the_2017_opinion(seed001: PolicyDocument) -> None:
    assert [r.to_json() for r in seed001.repeals] == [
        {"title": "杭州市人民政府关于加快推动杭州未来产业发展的指导意见", "doc_number": "杭政〔2017〕66号"}
    ]
    assert seed001.repeals[0].evidence == (
        "前发《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）"
        "自本行动计划施行之日起同时废止。"
    )


def test_001_cites_without_repealing(seed001: PolicyDocument) -> None:
    cited = {r.doc_number for r in seed001.cites}
    assert {"工信部联科〔2024〕12号", "浙政办发〔2023〕9号"} <= cited
    assert DocRef("工业和信息化部等七部门关于推动未来产业创新发展的实施意见", "工信部联科〔2024〕12号") in [
        DocRef(r.title, r.doc_number) for r in seed001.cites
    ]
    assert not cited & {r.doc_number for r in seed001.repeals}
    assert seed001.enclosed_title not in {r.title for r in seed001.cites}


def test_001_numbered_actions(seed001: PolicyDocument) -> None:
    paths = [c.path for c in seed001.clauses]
    actions = [p for p in paths if p.endswith(".")]
    assert actions == [f"二/（一）/{n}." for n in range(1, 6)] + [
        "三/（一）/1.", "三/（一）/2.", "三/（一）/3.",
        "三/（二）/4.", "三/（二）/5.", "三/（二）/6.",
        "三/（三）/7.", "三/（三）/8.", "三/（三）/9.",
        "三/（四）/10.", "三/（四）/11.",
        "三/（五）/12.", "三/（五）/13.", "三/（五）/14.",
    ]  # fmt: skip
    assert paths[:4] == ["序言", "一", "二", "二/（一）"]
    assert paths[-2:] == ["四", "结语"]
    assert len(paths) == 32
    assert _clause(seed001, "三/（一）").heading == "原始创新策源工程"
    assert _clause(seed001, "三/（五）/14.").heading == "开放合作提升行动"
    assert _clause(seed001, "一").heading == "总体要求"
    assert not any("https://" in c.text or "原文链接" in c.text for c in seed001.clauses)


def test_002_metadata(seed002: PolicyDocument) -> None:
    assert seed002.title == "关于印发《闵行区关于打造脑机接口未来产业生态的若干意见》的通知"
    assert seed002.enclosed_title == "闵行区关于打造脑机接口未来产业生态的若干意见"
    assert seed002.effective_from == dt.date(2025, 12, 25)
    assert seed002.expires_on == dt.date(2028, 12, 24)
    assert seed002.repeals == []


def test_002_items_run_on_and_annex_restarts(seed002: PolicyDocument) -> None:
    assert [c.path for c in seed002.clauses] == [
        "序言", "一",
        "二", "二/1.", "二/2.", "二/3.",
        "三", "三/4.", "三/5.",
        "四", "四/6.", "四/7.", "四/8.", "四/9.", "四/10.",
        "五", "五/1.", "五/2.", "五/3.", "五/4.", "五/5.",
    ]  # fmt: skip
    assert _clause(seed002, "五").heading == "附则"
    assert _clause(seed002, "二/1.").heading == "支持脑机接口企业梯度培育"
    assert _clause(seed002, "四/10.").heading == "支持建立脑机接口相关标准"
    assert _clause(seed002, "五/3.").text == "本意见规定的有效期从2025年12月25日至2028年12月24日。如与上级政策有不一致之处，以上级政策规定为准。"
    assert _clause(seed002, "二/1.").units == ["区科委", "区财政局"]


def test_002_source_links_are_not_clauses(seed002: PolicyDocument) -> None:
    text = seed002.text
    assert "shmh.gov.cn" not in text and "sh-hitech.com" not in text and "原文链接" not in text
    assert "**" not in text and "<div" not in text
