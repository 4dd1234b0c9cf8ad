"""Repeals need a lifecycle verb and a named document; everything else named is a citation."""

from __future__ import annotations

import pytest

from tracker.core.model import DocRef
from tracker.core.parse.references import extract_references


def _pairs(refs: list[DocRef]) -> list[tuple[str | None, str | None]]:
    return [(r.title, r.doc_number) for r in refs]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("《杭州市A办法》（杭政〔2017〕66号）自本办法施行之日起同时废止。", [("杭州市A办法", "杭政〔2017〕66号")]),
        ("《国务院办公厅关于B的通知》（国办发〔2016〕82号）停止执行。", [("国务院办公厅关于B的通知", "国办发〔2016〕82号")]),
        ("《C规定》（浙政发〔2012〕5号）予以废止。", [("C规定", "浙政发〔2012〕5号")]),
        ("本办法自印发之日起施行，原《D办法》（杭政办〔2015〕3号）不再执行。", [("D办法", "杭政办〔2015〕3号")]),
        ("《E意见》（甬政发〔2010〕1号）宣布失效。", [("E意见", "甬政发〔2010〕1号")]),
        ("市政府决定废止《F规定》、《G办法》和《H细则》。", [("F规定", None), ("G办法", None), ("H细则", None)]),
        ("《I办法》（x政〔2019〕2号），自本办法施行之日起废止。", [("I办法", "x政〔2019〕2号")]),
        ("国办发〔2015〕1号文件同时废止。", [(None, "国办发〔2015〕1号")]),
        ("《J办法》(杭政[2011]7号)同时失效。", [("J办法", "杭政[2011]7号")]),
    ],
)
def test_repeal_phrases(sentence: str, expected: list) -> None:
    refs = extract_references([sentence])
    assert _pairs(refs.repeals) == expected
    assert refs.repeals[0].evidence == sentence
    assert refs.cites == []


@pytest.mark.parametrize(
    "sentence",
    [
        "各地要及时修改或废止不相适应的法律规范。",
        "批准文件在有效期内可一证多批使用。",
        "对不符合规定的规范性文件，要及时予以废止。",
        "本办法有效期满后自动失效。",
    ],
)
def test_distractors_repeal_nothing(sentence: str) -> None:
    refs = extract_references([sentence])
    assert refs.repeals == [] and refs.cites == []


def test_citations_are_not_repeals() -> None:
    refs = extract_references(
        [
            "根据《工业和信息化部等七部门关于推动未来产业创新发展的实施意见》（工信部联科〔2024〕12号）、"
            "《浙江省人民政府办公厅关于培育发展未来产业的指导意见》（浙政办发〔2023〕9号）等文件精神，制定本计划。",
            "依据《国务院关于废止部分行政法规的决定》（国令第1号），对不符合规定的文件予以废止。",
        ]
    )
    assert refs.repeals == []
    assert _pairs(refs.cites) == [
        ("工业和信息化部等七部门关于推动未来产业创新发展的实施意见", "工信部联科〔2024〕12号"),
        ("浙江省人民政府办公厅关于培育发展未来产业的指导意见", "浙政办发〔2023〕9号"),
        ("国务院关于废止部分行政法规的决定", "国令第1号"),
    ]


def test_partial_repeal_of_an_article_amends_the_document() -> None:
    refs = extract_references(["《K办法》第三条同时废止。"])
    assert refs.repeals == [] and refs.cites == []
    assert _pairs(refs.amends) == [("K办法", None)]


@pytest.mark.parametrize(
    "sentence",
    [
        "将《杭州市A办法》（杭政〔2019〕3号）第五条修改为：“补助标准提高至50万元。”",
        "《杭州市A办法》（杭政〔2019〕3号）作如下修改：",
        "删去《杭州市A办法》（杭政〔2019〕3号）第八条。",
        "对《杭州市A办法》（杭政〔2019〕3号）予以修订。",
    ],
)
def test_amendment_phrases(sentence: str) -> None:
    refs = extract_references([sentence])
    assert _pairs(refs.amends) == [("杭州市A办法", "杭政〔2019〕3号")]
    assert refs.repeals == [] and refs.cites == []
    assert refs.amends[0].evidence == sentence


def test_amendment_words_without_a_named_document_or_after_a_citation() -> None:
    refs = extract_references(["各地要及时修改完善配套政策。", "按照《B规定》要求修改本地办法。"])
    assert refs.amends == []
    assert _pairs(refs.cites) == [("B规定", None)]


def test_list_after_a_repeal_heading() -> None:
    refs = extract_references(
        [
            "本办法施行后，下列文件同时废止：",
            "1.《L办法》（杭政〔2010〕1号）",
            "2.《M办法》（杭政〔2011〕2号）",
            "其他未尽事宜，按照《N规定》执行。",
        ]
    )
    assert _pairs(refs.repeals) == [("L办法", "杭政〔2010〕1号"), ("M办法", "杭政〔2011〕2号")]
    assert refs.repeals[0].evidence == "本办法施行后，下列文件同时废止：1.《L办法》（杭政〔2010〕1号）"
    assert _pairs(refs.cites) == [("N规定", None)]


def test_own_title_number_and_aliases_are_never_cited() -> None:
    refs = extract_references(
        [
            "现将《杭州市P方案》印发给你们，请认真贯彻执行。",
            "原则同意《河北Q规划》（以下简称《规划》）。《规划》是发展的基本依据。",
            "本通知（杭政办函〔2025〕58号）自印发之日起施行。",
        ],
        own=["杭州市人民政府关于印发杭州市P方案的通知", "杭州市P方案", "杭政办函〔2025〕58号"],
    )
    assert _pairs(refs.cites) == [("河北Q规划", None)]


def test_number_after_title_belongs_to_it_and_duplicates_merge() -> None:
    refs = extract_references(
        [
            "根据《R意见》（国发〔2020〕9号）精神，制定本办法。",
            "落实国发〔2020〕9号文件和《R意见》要求。",
        ]
    )
    assert _pairs(refs.cites) == [("R意见", "国发〔2020〕9号")]


def test_titles_written_without_book_marks_before_their_number() -> None:
    refs = extract_references(
        [
            "本办法自2020年1月1日起施行，杭州市人民政府关于加强数据管理的通知（杭政〔2015〕3号）同时废止。",
            "贯彻落实《A意见》（国发〔2013〕35号）和国务院办公厅关于推进养老服务发展的意见（国办发〔2019〕5号）要求。",
        ]
    )
    assert _pairs(refs.repeals) == [("杭州市人民政府关于加强数据管理的通知", "杭政〔2015〕3号")]
    assert _pairs(refs.cites) == [("A意见", "国发〔2013〕35号"), ("国务院办公厅关于推进养老服务发展的意见", "国办发〔2019〕5号")]


def test_decision_repealing_a_list_of_documents() -> None:
    refs = extract_references(
        [
            "现决定废止下列规范性文件：",
            "1.杭州市人民政府关于加强数据管理的通知（杭政〔2015〕3号）",
            "2.杭州市人民政府关于促进会展业发展的意见（杭政〔2016〕4号）",
            "本决定自公布之日起施行。",
        ]
    )
    assert _pairs(refs.repeals) == [
        ("杭州市人民政府关于加强数据管理的通知", "杭政〔2015〕3号"),
        ("杭州市人民政府关于促进会展业发展的意见", "杭政〔2016〕4号"),
    ]
    assert refs.cites == []


def test_repeal_introduced_by_dui() -> None:
    refs = extract_references(["对《A办法》（杭政〔2011〕1号）予以废止。"])
    assert _pairs(refs.repeals) == [("A办法", "杭政〔2011〕1号")]


NUMBER_FORMS = [
    "杭政办函〔2025〕58号",
    "国办发明电〔2018〕15号",
    "浙政发[2015]12号",
    "浙政发［2015］12号",
    "浙政发(2015)12号",
    "浙政发（2015）12号",
    "拱政办〔2021〕2 号",
    "杭政〔２０１７〕６６号",
    "杭政函〔2019〕第5号",
    "国令第707号",
    "省政府令第372号",
    "国家税务总局公告2014年第2号",
]


@pytest.mark.parametrize("number", NUMBER_FORMS)
def test_document_number_forms_in_the_header_and_in_citations(number: str) -> None:
    from tracker.core.parse import parse_document

    text = f"杭州市人民政府关于加强数据管理的通知\n\n{number}\n\n各区、县（市）人民政府：\n\n根据《上位法》（{number}），现将有关事项通知如下。\n"
    (doc,) = parse_document(text.replace("根据《上位法》", "为落实工作"))
    assert doc.doc_number == number
    refs = extract_references([f"根据《上位法》（{number}），制定本办法。", f"落实{number}文件要求。"])
    assert _pairs(refs.cites) == [("上位法", number)]


def test_plans_to_revise_or_repeal_later_are_citations() -> None:
    refs = extract_references(["推动修订《固体废物污染环境防治法》。", "适时废止《C办法》（杭政〔2012〕9号）。"])
    assert refs.amends == [] and refs.repeals == []
    assert _pairs(refs.cites) == [("固体废物污染环境防治法", None), ("C办法", "杭政〔2012〕9号")]


def test_issuer_codes_keep_characters_that_are_also_words() -> None:
    refs = extract_references(["《杭州市脑机接口产业发展扶持办法（试行）》（杭经信〔2023〕45号）同时废止。", "落实经信委〔2020〕1号文件。"])
    assert _pairs(refs.repeals) == [("杭州市脑机接口产业发展扶持办法（试行）", "杭经信〔2023〕45号")]
    assert _pairs(refs.cites) == [(None, "经信委〔2020〕1号")]
