"""Whole pages from different CMSs and layouts, compilations, and pages that are not documents."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DATA
from tracker.core.errors import NotADocumentError
from tracker.core.model import PageKind, PolicyDocument
from tracker.core.parse import detect_non_document, parse_document

PAGES = DATA / "parse"
D = dt.date


def _one(name: str) -> PolicyDocument:
    documents = parse_document((PAGES / name).read_bytes(), url=f"https://example.gov.cn/{name}")
    assert len(documents) == 1
    return documents[0]


def _paths(doc: PolicyDocument) -> list[str]:
    return [c.path for c in doc.clauses]


def test_hanweb_page_with_information_table_and_validity_row() -> None:
    doc = _one("hanweb_xxgk.html")
    assert doc.title == "杭州市人民政府办公厅关于印发杭州市促进智能制造发展若干政策的通知"
    assert doc.enclosed_title == "杭州市促进智能制造发展若干政策"
    assert doc.doc_number == "杭政办函〔2024〕9号"
    assert doc.issuer == "杭州市人民政府办公厅"
    assert (doc.issued_on, doc.published_on) == (D(2024, 3, 1), D(2024, 3, 8))
    assert (doc.effective_from, doc.expires_on) == (D(2024, 4, 1), D(2027, 3, 31))
    assert doc.validity == "失效"
    assert doc.index_number == "000000001/2024-00123"
    assert doc.registration_number == "AHZC00-2024-0005"
    assert doc.topic == "工业、交通/其他"
    assert doc.url == "https://example.gov.cn/hanweb_xxgk.html"
    assert _paths(doc) == ["通知", "序言", "一", "二", "三"]
    assert [c.heading for c in doc.clauses[2:]] == ["支持智能工厂建设", "支持数字化改造", "附则"]
    assert doc.clauses[3].units == ["市经信局", "市财政局"]
    assert [(r.title, r.doc_number) for r in doc.repeals] == [
        ("杭州市人民政府办公厅关于加快智能制造发展的实施意见", "杭政办函〔2019〕12号")
    ]


def test_navigation_footer_and_scripts_never_reach_the_text() -> None:
    doc = _one("noise_density.html")
    assert doc.title == "宁波市科技局关于印发宁波市科技创新券管理办法的通知"
    assert doc.enclosed_title == "宁波市科技创新券管理办法"
    assert doc.doc_number == "甬科计〔2023〕21号"
    assert doc.issuer == "宁波市科学技术局"
    assert (doc.issued_on, doc.published_on) == (D(2023, 5, 30), D(2023, 6, 5))
    assert (doc.effective_from, doc.expires_on) == (D(2023, 7, 1), D(2028, 6, 30))
    assert _paths(doc) == ["通知", "第一条", "第二条", "第三条"]
    text = doc.text
    for noise in ("首页", "机构概况", "通知公告", "广告位", "统计代码", "分享到", "版权所有", "浏览次数", "font-size"):
        assert noise not in text


def test_shanghai_page_with_number_in_second_paragraph() -> None:
    doc = _one("shanghai_style.html")
    assert doc.doc_number == "沪府办发〔2024〕13号"
    assert doc.enclosed_title == "上海市促进智能终端产业高质量发展行动方案"
    assert doc.issuer == "上海市人民政府办公厅"
    assert doc.issued_on == D(2024, 7, 22)
    assert (doc.effective_from, doc.expires_on) == (D(2024, 8, 1), D(2027, 12, 31))
    assert _paths(doc) == [
        "通知", "序言", "一", "二", "二/（一）", "二/（一）/1.", "二/（一）/2.", "二/（二）", "二/（二）/3.", "三",
    ]  # fmt: skip
    assert doc.cites == []


def test_guangdong_gkmlpt_page() -> None:
    doc = _one("guangdong_gkmlpt.html")
    assert doc.title == "广州市人民政府办公厅关于印发广州市支持人工智能产业发展若干措施的通知"
    assert doc.doc_number == "穗府办规〔2025〕2号"
    assert (doc.issued_on, doc.published_on) == (D(2025, 2, 10), D(2025, 2, 14))
    # 自印发之日起施行 + 有效期3年
    assert (doc.effective_from, doc.expires_on) == (D(2025, 2, 10), D(2028, 2, 9))
    assert doc.topic == "科技、教育"
    assert _paths(doc) == ["通知", "一", "二", "三"]
    assert [r.doc_number for r in doc.repeals] == ["穗府办规〔2020〕4号"]


def test_regulation_with_chapters_and_articles() -> None:
    doc = _one("regulation.txt")
    assert doc.title == "杭州市公共数据管理办法"
    assert doc.doc_number == "杭州市人民政府令第350号"
    assert doc.issuer == "杭州市人民政府"
    assert doc.issued_on == D(2023, 5, 6)
    assert doc.effective_from == D(2023, 7, 1)
    assert _paths(doc) == [
        "第一章", "第一章/第一条", "第一章/第二条",
        "第二章", "第二章/第三条", "第二章/第三条/（一）", "第二章/第三条/（二）", "第二章/第四条",
        "第三章", "第三章/第五条",
    ]  # fmt: skip
    assert [c.heading for c in doc.clauses if "条" not in c.path and c.path != "序言"] == ["总则", "数据收集", "附则"]
    assert [(r.title, r.doc_number) for r in doc.repeals] == [("杭州市公共数据管理暂行办法", "市政府令第290号")]


def test_compilation_page_yields_one_document_per_policy() -> None:
    first, second = parse_document((PAGES / "compilation.html").read_bytes())
    assert (first.title, first.doc_number, first.issuer) == (
        "温州市人民政府关于加快数字经济发展的若干意见", "温政发〔2024〕3号", "温州市人民政府",
    )  # fmt: skip
    assert (first.issued_on, first.effective_from, first.expires_on) == (D(2024, 2, 1), D(2024, 3, 1), D(2026, 12, 31))
    assert _paths(first) == ["序言", "一", "二", "结语"]
    assert second.title == "温州市人民政府办公室关于印发温州市数据要素市场培育方案的通知"
    assert second.enclosed_title == "温州市数据要素市场培育方案"
    assert (second.doc_number, second.issuer, second.issued_on) == ("温政办〔2024〕7号", "温州市人民政府办公室", D(2024, 2, 20))
    assert (second.effective_from, second.expires_on) == (D(2024, 2, 20), D(2026, 2, 19))
    assert _paths(second) == ["通知", "一", "二", "结语"]
    assert "温州市数据要素市场培育方案" not in first.text


@pytest.mark.parametrize(
    ("name", "kind"),
    [("ruishu_challenge.html", PageKind.CHALLENGE), ("enable_js.html", PageKind.JS_SHELL), ("login.html", PageKind.LOGIN)],
)
def test_non_documents_are_reported_not_parsed(name: str, kind: PageKind) -> None:
    data = (PAGES / name).read_bytes()
    with pytest.raises(NotADocumentError) as raised:
        parse_document(data)
    assert raised.value.kind is kind
    found = detect_non_document(data.decode("utf-8"))
    assert found is not None and found.kind is kind


def test_challenge_status_codes_and_throttle_pages() -> None:
    assert detect_non_document("<html><body>x</body></html>", status_code=412).kind is PageKind.CHALLENGE
    jsl = "<html><script>document.cookie='__jsl_clearance_s=1';location.href=location.pathname</script></html>"
    assert detect_non_document(jsl, status_code=521).kind is PageKind.CHALLENGE
    assert detect_non_document(jsl).kind is PageKind.CHALLENGE
    throttled = "<html><body><p>请开启JavaScript并刷新该页。</p></body></html>"
    assert detect_non_document(throttled, status_code=200).kind is PageKind.JS_SHELL
    assert detect_non_document("<html><body></body></html>").kind is PageKind.EMPTY


def test_real_documents_are_not_mistaken_for_challenges() -> None:
    for name in ("hanweb_xxgk.html", "noise_density.html", "guangdong_gkmlpt.html"):
        assert detect_non_document((PAGES / name).read_text(encoding="utf-8")) is None
    protected = (PAGES / "hanweb_xxgk.html").read_text(encoding="utf-8").replace(
        "<head>", '<head><meta content="abc" r="m"><script r="m">$_ts=window["$_ts"];</script>'
    )
    assert detect_non_document(protected) is None


def test_empty_text_is_not_a_document() -> None:
    with pytest.raises(NotADocumentError) as raised:
        parse_document("   \n\n")
    assert raised.value.kind is PageKind.EMPTY


def test_newer_govcn_page_without_table_uses_h1_meta_and_date_line() -> None:
    doc = _one("govcn_new.html")
    assert doc.title == "国务院办公厅关于印发《促进数字经济发展行动方案》的通知"
    assert doc.enclosed_title == "促进数字经济发展行动方案"
    assert (doc.doc_number, doc.issuer) == ("国办发〔2024〕1号", "国务院办公厅")
    assert (doc.issued_on, doc.published_on) == (D(2023, 12, 29), D(2024, 1, 5))
    assert _paths(doc) == ["通知", "序言", "一", "一/（一）", "一/（二）", "一/（二）/1.", "一/（二）/2.", "二"]
    assert "本文有删减" not in doc.text and "来源" not in doc.text
    without_meta = (PAGES / "govcn_new.html").read_text(encoding="utf-8").replace("firstpublishedtime", "x-other")
    assert parse_document(without_meta)[0].published_on == D(2024, 1, 5)
    line_inside_body = without_meta.replace('<div class="pages_content" id="UCAP-CONTENT">', '<div class="pages_content" id="UCAP-CONTENT"><p>2024-01-07 09:00 来源：中国政府网</p>').replace('<div class="pages-date">2024-01-05 10:00 <span class="font">来源： 中国政府网</span></div>', "")
    (inside,) = parse_document(line_inside_body)
    assert inside.published_on == D(2024, 1, 7) and inside.doc_number == "国办发〔2024〕1号"


def test_hanweb_page_with_meta_tags_only() -> None:
    doc = _one("hanweb_meta_only.html")
    assert doc.title == "湖州市人民政府关于进一步支持企业技术创新的若干意见"
    assert doc.doc_number is None
    assert doc.issuer == "湖州市人民政府"
    assert (doc.issued_on, doc.published_on) == (D(2022, 9, 13), D(2022, 9, 16))
    assert (doc.effective_from, doc.expires_on) == (D(2022, 10, 1), D(2024, 12, 31))
    assert _paths(doc) == ["序言", "一", "二", "三"]
    assert [r.doc_number for r in doc.repeals] == ["湖政发〔2018〕12号"]


def test_forwarded_notice_stays_inside_the_forwarding_notice() -> None:
    doc = _one("forwarding_notice.txt")
    assert doc.title == "浙江省人民政府办公厅转发国务院办公厅关于加强数据安全管理的通知"
    assert doc.enclosed_title == "国务院办公厅关于加强数据安全管理的通知"
    assert (doc.doc_number, doc.issued_on) == ("浙政办发〔2019〕3号", D(2019, 1, 10))
    assert _paths(doc) == ["通知", "一", "二"]
    assert [(r.title, r.doc_number) for r in doc.cites] == [("国务院办公厅关于加强数据安全管理的通知", "国办发〔2018〕95号")]
    assert "国办发〔2018〕95号" not in doc.clauses[1].text


def test_text_copied_from_a_pdf_with_masthead_hard_wraps_and_page_numbers() -> None:
    doc = _one("pdf_text.txt")
    assert doc.title == "绍兴市人民政府办公室关于印发绍兴市集成电路产业高质量发展若干政策的通知"
    assert doc.enclosed_title == "绍兴市集成电路产业高质量发展若干政策"
    assert (doc.doc_number, doc.issuer, doc.issued_on) == ("绍政办发〔2023〕15号", "绍兴市人民政府办公室", D(2023, 6, 20))
    assert (doc.effective_from, doc.expires_on) == (D(2023, 7, 1), D(2025, 12, 31))
    assert _paths(doc) == ["通知", "序言", "一", "二", "三"]
    assert doc.clauses[0].text == "《绍兴市集成电路产业高质量发展若干政策》已经市政府同意，现印发给你们，请认真贯彻执行。"
    assert "首次突破10亿元的集成电路企业" in doc.clauses[2].text
    assert doc.clauses[3].units == ["市科技局"]
    assert "第2页" not in doc.text and "- 1 -" not in doc.text and "此件公开发布" not in doc.text


def test_title_and_number_pairs_in_a_list_do_not_split_the_page() -> None:
    text = "\n".join(
        [
            "杭州市人民政府关于公布继续有效规范性文件目录的通知",
            "杭政〔2024〕2号",
            "各区、县（市）人民政府，市政府各部门：",
            "经清理，以下规范性文件继续有效，现予公布，请遵照执行。",
            "杭州市人民政府关于加强数据管理的通知",
            "杭政〔2019〕5号",
            "杭州市人民政府关于促进会展业发展的意见",
            "杭政〔2020〕8号",
            "杭州市人民政府",
            "2024年1月15日",
        ]
    )
    (doc,) = parse_document(text)
    assert (doc.doc_number, doc.issued_on) == ("杭政〔2024〕2号", D(2024, 1, 15))


def test_number_written_into_the_page_title() -> None:
    html = (
        '<html><head><meta name="ArticleTitle" content="丽水市人民政府办公室关于印发丽水市'
        '数字经济促进办法的通知（丽政办发〔2024〕6号）"></head><body><div id="zoom">'
        "<p>各县（市、区）人民政府，市政府各部门：</p><p>《丽水市数字经济促进办法》已经市政府同意，现印发给你们，请认真贯彻执行。</p>"
        "</div></body></html>"
    )
    (doc,) = parse_document(html)
    assert doc.title == "丽水市人民政府办公室关于印发丽水市数字经济促进办法的通知"
    assert doc.doc_number == "丽政办发〔2024〕6号"
    assert doc.issuer == "丽水市人民政府办公室"


def test_info_line_and_widgets_inside_the_body_are_metadata_not_text() -> None:
    html = (
        '<html><head><title>台州市科技局关于印发台州市科技项目管理办法的通知</title></head><body><div class="article-content">'
        '<div class="info">发布时间：2023-06-05 来源：市科技局 浏览次数：1024</div><div>字号：大 中 小</div>'
        "<p>台州市科技局关于印发台州市科技项目管理办法的通知</p><p>文号：台科发〔2023〕9号</p><p>各县（市、区）科技局：</p>"
        "<p>现将《台州市科技项目管理办法》印发给你们，请遵照执行。</p><p>【打印本页】【关闭窗口】</p></div></body></html>"
    )
    (doc,) = parse_document(html)
    assert (doc.doc_number, doc.published_on) == ("台科发〔2023〕9号", D(2023, 6, 5))
    assert [c.text for c in doc.clauses] == ["现将《台州市科技项目管理办法》印发给你们，请遵照执行。"]


def test_metadata_table_placed_inside_the_body() -> None:
    html = (PAGES / "hanweb_xxgk.html").read_text(encoding="utf-8")
    table = html[html.index('<table class="xxgk-table">') : html.index("</table>") + len("</table>")]
    moved = html.replace(table, "").replace('<div id="zoom">', '<div id="zoom">' + table)
    (doc,) = parse_document(moved)
    assert (doc.doc_number, doc.validity, doc.registration_number) == ("杭政办函〔2024〕9号", "失效", "AHZC00-2024-0005")
    assert _paths(doc) == ["通知", "序言", "一", "二", "三"]
    assert "索引号" not in doc.text


def test_markdown_that_starts_with_a_centred_div_is_still_markdown() -> None:
    text = "<div align='center'>**杭州市数据开放管理办法**</div>\n\n一、总体要求\n\n为规范数据开放，制定本办法。\n\n二、附则\n\n本办法自2024年1月1日起施行。\n"
    (doc,) = parse_document(text)
    assert doc.title == "杭州市数据开放管理办法"
    assert _paths(doc) == ["一", "二"]
    assert doc.effective_from == D(2024, 1, 1)


def test_listing_page_is_not_a_policy() -> None:
    items = "".join(
        f'<li><a href="/art/2024/1/{n}/art_1_{n}.html">杭州市人民政府办公厅关于印发第{n}批政策文件的通知</a><span>2024-01-{n:02d}</span></li>'
        for n in range(1, 21)
    )
    html = f'<html><head><title>行政规范性文件</title></head><body><div class="list"><ul>{items}</ul></div></body></html>'
    with pytest.raises(NotADocumentError) as raised:
        parse_document(html)
    assert raised.value.kind is PageKind.NOT_A_POLICY


def test_date_line_under_the_title_is_neither_text_nor_a_signature() -> None:
    text = "舟山市海洋经济发展若干政策\n\n2024-03-02\n\n为加快海洋经济发展，结合本市实际，制定本政策。\n\n一、支持港航物流。对新开航线给予补助。\n\n舟山市人民政府\n\n2024年2月28日\n"
    (doc,) = parse_document(text)
    assert (doc.title, doc.issuer, doc.issued_on) == ("舟山市海洋经济发展若干政策", "舟山市人民政府", D(2024, 2, 28))
    assert _paths(doc) == ["序言", "一"]
    assert "2024-03-02" not in doc.text


def test_compilation_of_regulations_split_on_their_issue_notes() -> None:
    first, second = parse_document((PAGES / "regulations_compilation.md").read_bytes())
    assert (first.title, first.doc_number, first.issued_on, first.effective_from) == (
        "杭州市公共数据管理办法", "杭州市人民政府令第350号", D(2023, 5, 6), D(2023, 7, 1),
    )  # fmt: skip
    assert (second.title, second.doc_number, second.effective_from) == ("杭州市城市道路管理办法", "杭州市人民政府令第352号", D(2023, 10, 1))
    assert _paths(first) == _paths(second) == ["第一条", "第二条"]
    # The old regulation of the same title (another number) is repealed, not mistaken for itself.
    assert [(r.title, r.doc_number) for r in second.repeals] == [("杭州市城市道路管理办法", "市政府令第260号")]
    assert first.repeals == []


def test_contact_line_and_distribution_notes_are_not_clause_text() -> None:
    text = (
        "杭州市科技局关于开展项目申报的通知\n\n各区、县（市）科技局：\n\n现将有关事项通知如下。\n\n一、申报条件。企业须在本市注册。\n\n"
        "（联系人：王明，联系电话：0571-12345678）\n\n杭州市科学技术局\n\n2024年3月1日\n\n公开方式：主动公开\n\n抄送：市财政局。\n\n"
        "杭州市科学技术局办公室 2024年3月1日印发\n"
    )
    (doc,) = parse_document(text)
    assert (doc.issuer, doc.issued_on) == ("杭州市科学技术局", D(2024, 3, 1))
    assert [(c.path, c.text) for c in doc.clauses] == [("序言", "现将有关事项通知如下。"), ("一", "申报条件。企业须在本市注册。")]


def test_layout_table_with_one_paragraph_per_row() -> None:
    rows = [
        "衢州市人民政府关于促进民营经济发展的若干意见",
        "衢政发〔2022〕3号",
        "一、优化营商环境。全面推行“证照分离”改革，压缩企业开办时间。",
        "二、加大金融支持。鼓励银行加大对民营企业的信贷投放力度。",
    ]
    html = "<html><body><table>" + "".join(f"<tr><td>{r}</td></tr>" for r in rows) + "</table></body></html>"
    (doc,) = parse_document(html)
    assert (doc.title, doc.doc_number) == (rows[0], rows[1])
    assert [(c.path, c.heading) for c in doc.clauses] == [("一", "优化营商环境"), ("二", "加大金融支持")]


def test_measure_printed_under_a_bare_attachment_label() -> None:
    text = (
        "杭州市人民政府办公厅关于印发杭州市人才公寓管理办法的通知\n\n杭政办函〔2024〕30号\n\n各区、县（市）人民政府，市政府各部门：\n\n"
        "《杭州市人才公寓管理办法》已经市政府同意，现印发给你们，请认真组织实施。\n\n杭州市人民政府办公厅\n\n2024年5月6日\n\n附件\n\n"
        "杭州市人才公寓管理办法\n\n第一条 为规范人才公寓管理，制定本办法。\n\n第二条 本办法自2024年6月1日起施行。\n"
    )
    (doc,) = parse_document(text)
    assert doc.enclosed_title == "杭州市人才公寓管理办法"
    assert [(c.path, c.text) for c in doc.clauses] == [
        ("通知", "《杭州市人才公寓管理办法》已经市政府同意，现印发给你们，请认真组织实施。"),
        ("第一条", "为规范人才公寓管理，制定本办法。"),
        ("第二条", "本办法自2024年6月1日起施行。"),
    ]
    assert doc.effective_from == D(2024, 6, 1)


def test_measure_printed_as_a_named_attachment() -> None:
    text = (
        "杭州市人民政府办公厅关于印发杭州市人才公寓管理办法的通知\n\n杭政办函〔2024〕30号\n\n各区、县（市）人民政府，市政府各部门：\n\n"
        "《杭州市人才公寓管理办法》已经市政府同意，现印发给你们，请认真组织实施。\n\n杭州市人民政府办公厅\n\n2024年5月6日\n\n"
        "附件：杭州市人才公寓管理办法\n\n第一条 为规范人才公寓管理，制定本办法。\n\n第二条 本办法自2024年6月1日起施行。\n"
    )
    (doc,) = parse_document(text)
    assert doc.enclosed_title == "杭州市人才公寓管理办法"
    assert [c.path for c in doc.clauses] == ["通知", "第一条", "第二条"]


def test_opening_sentence_ending_with_a_colon_is_preamble_not_addressee() -> None:
    text = "嘉兴市数字经济发展若干意见\n\n为加快推进本市数字经济发展，提出如下意见：\n\n一、强化算力支撑。建设智算中心。\n"
    (doc,) = parse_document(text)
    assert [(c.path, c.text) for c in doc.clauses] == [
        ("序言", "为加快推进本市数字经济发展，提出如下意见："),
        ("一", "强化算力支撑。建设智算中心。"),
    ]


def test_notice_whose_text_is_an_attached_pdf_is_still_a_document() -> None:
    html = (
        '<html><head><meta name="ArticleTitle" content="杭州市人民政府关于公布第二批杭州市非物质文化遗产名录的通知"></head><body>'
        '<table><tr><td>文件编号</td><td>杭政函〔2024〕12号</td><td>有效性</td><td>有效</td></tr></table>'
        '<div id="zoom"><p><a href="/att/2024/名录.pdf">杭州市人民政府关于公布第二批杭州市非物质文化遗产名录的通知.pdf</a></p></div></body></html>'
    )
    (doc,) = parse_document(html)
    assert (doc.doc_number, doc.validity) == ("杭政函〔2024〕12号", "有效")
