"""The shapes real pages take outside clean State Council pages, one small example each
(written for these tests, after the forms seen on county portals, law portals and e-books)."""

from __future__ import annotations

import datetime as dt

from tracker.core.model import PolicyDocument
from tracker.core.parse import parse_document
from tracker.core.parse.header_note import parse_note

D = dt.date
BODY = "一、为加强管理，制定本办法。\n二、本办法自2024年3月1日起施行，有效期至2026年2月28日。"


def one(text: str, content_type: str | None = None) -> PolicyDocument:
    [doc] = parse_document(text.encode("utf-8"), content_type=content_type)
    return doc


def clause_texts(doc: PolicyDocument) -> str:
    return "\n".join(c.text for c in doc.clauses)


# ---- page chrome ------------------------------------------------------------------------


def test_breadcrumb_byline_and_widgets_enter_no_title_field_or_clause() -> None:
    doc = one(
        "您的位置: 首页 » 法律资料网 » 法律法规 »\n"
        "某市物业管理办法\n"
        "作者:法律资料网 时间:2024-07-22 14:39:19   浏览:8552   来源:法律资料网\n"
        "下载地址: 点击此处下载\n"
        "【阅读全文】\n"
        f"{BODY}\n"
        "返回顶部\n【打印本页】【关闭窗口】\n"
    )
    assert doc.title == "某市物业管理办法"
    assert doc.published_on is None  # a portal's posting time is not the document's date
    assert [c.path for c in doc.clauses] == ["一", "二"]
    assert not any(word in clause_texts(doc) for word in ("返回顶部", "打印", "浏览", "下载"))


def test_ebook_viewer_text_is_chrome() -> None:
    doc = one(
        "发布时间:2023-10-27 | 杂志分类:其他\n免费制作\n更多内容\n长按二维码查看电子书\n下载 | 分享\n"
        f"某区科技创新若干措施\n{BODY}"
    )
    assert doc.title == "某区科技创新若干措施"
    assert [c.path for c in doc.clauses] == ["一", "二"]


def test_html_page_with_info_bar_and_share_widget() -> None:
    html = (
        "<html><head><title>关于印发某县节能办法的通知_某县人民政府门户网站</title></head><body>"
        "<div class='article'><p>当前位置：首页 &gt; 政务公开</p><h1>某县人民政府关于印发某县节能办法的通知</h1>"
        "<p>发布时间：2024-02-01 09:30 浏览次数：120</p><p>分享到：</p>"
        "<p>各乡镇人民政府：</p><p>现将《某县节能办法》印发给你们，请认真贯彻执行。</p>"
        "<p>某县人民政府</p><p>2024年1月20日</p>"
        "<p>某县节能办法</p><p>一、为推进节能，制定本办法。</p><p>二、本办法自印发之日起施行。</p></div></body></html>"
    )
    doc = one(html, "text/html")
    assert doc.title == "某县人民政府关于印发某县节能办法的通知"
    assert (doc.issuer, doc.issued_on, doc.published_on, doc.effective_from) == (
        "某县人民政府", D(2024, 1, 20), D(2024, 2, 1), D(2024, 1, 20)
    )
    assert "分享" not in clause_texts(doc) and "当前位置" not in clause_texts(doc)


# ---- a lead sentence before the document -------------------------------------------------


def test_lead_sentence_introduces_the_document() -> None:
    doc = one(
        "2024年5月6日某市人民政府下发通知《关于印发某市数据条例实施方案的通知》,其中附件:《某市数据产业若干措施》内容如下:\n"
        f"某市数据产业若干措施\n{BODY}"
    )
    assert doc.title == "某市数据产业若干措施"
    assert (doc.issued_on, doc.issuer) == (D(2024, 5, 6), "某市人民政府")
    assert "内容如下" not in clause_texts(doc)


# ---- header notes (题注) ---------------------------------------------------------------


def test_decree_header_lines_give_dates_number_and_issuer_never_title() -> None:
    doc = one(
        "# 某某产品监督管理办法\n\n2022年4月14日 国家市场监督管理总局令第56号公布\n\n2022年7月1日 施行\n\n"
        "第一条 为了规范管理，制定本办法。\n\n第二条 本办法自2022年7月1日起施行。"
    )
    assert doc.title == "某某产品监督管理办法"
    assert (doc.doc_number, doc.issuer) == ("国家市场监督管理总局令第56号", "国家市场监督管理总局")
    assert (doc.issued_on, doc.published_on, doc.effective_from) == (D(2022, 4, 14), D(2022, 4, 14), D(2022, 7, 1))
    assert doc.provenance["doc_number"].source == "header_note"
    assert [c.path for c in doc.clauses] == ["第一条", "第二条"]


def test_bracketed_note_of_a_city_regulation_adopted_and_approved() -> None:
    doc = one(
        "某市养犬管理条例\n（2021年8月26日某市第十七届人民代表大会常务委员会第三十九次会议通过 "
        "2021年9月30日某省第十三届人民代表大会常务委员会第三十次会议批准）\n"
        "第一条 为了规范养犬行为，制定本条例。\n第二条 本条例自2022年1月1日起施行。"
    )
    assert doc.title == "某市养犬管理条例"
    assert (doc.issuer, doc.issued_on, doc.effective_from) == ("某市人民代表大会常务委员会", D(2021, 8, 26), D(2022, 1, 1))


def test_amended_text_keeps_its_latest_version_date() -> None:
    note = parse_note(
        [
            "1993年10月31日 第八届全国人民代表大会常务委员会第四次会议通过",
            "2014年8月31日 第十二届全国人民代表大会常务委员会第十次会议《关于修改<中华人民共和国保险法>等五部法律的决定》修正",
        ]
    )
    assert note is not None and note.amended
    assert (note.issued_on, note.issuer, note.doc_number) == (D(2014, 8, 31), "全国人民代表大会常务委员会", None)


def test_tagged_note_and_chapter_tag_of_a_law_database() -> None:
    doc = one(
        "某市制定地方性法规条例\n【题注】 (2001年4月29日某市第十一届人民代表大会第四次会议通过 "
        "2001年6月3日某自治区第九届人民代表大会常务委员会第二十三次会议批准)\n"
        "【章名】 第一章 总则\n第一条 为了规范立法活动，制定本条例。\n第二条 本条例自2001年8月1日起施行。"
    )
    assert (doc.title, doc.issuer, doc.issued_on) == ("某市制定地方性法规条例", "某市人民代表大会", D(2001, 4, 29))
    assert doc.effective_from == D(2001, 8, 1)


# ---- label variants ----------------------------------------------------------------------


def test_labels_with_inner_spaces_on_their_own_lines_and_bulleted() -> None:
    doc = one(
        "索  引  号\n001-2024-0007\n发文机构\n某镇人民政府\n• 发文字号:\n镇政发〔2024〕7号\n文      号\n成文日期\n2024-03-02\n"
        f"某镇人民政府关于某事项的通知\n{BODY}\n某镇人民政府\n2024年3月2日"
    )
    assert (doc.index_number, doc.doc_number, doc.issuer, doc.issued_on) == (
        "001-2024-0007", "镇政发〔2024〕7号", "某镇人民政府", D(2024, 3, 2)
    )
    assert doc.provenance["doc_number"].source == "table"


def test_validity_rows_feed_effective_and_expiry() -> None:
    doc = one(
        "首页 > 信息公开 > 信息浏览\n索引号: 003/2019-1 组配分类: 规范性文件\n发布机构: 某县人民政府办公室\n"
        "生效时间: 2019-01-23 废止时间: 2020-01-23\n有效性: 有效\n"
        "某县人民政府关于印发《某县工作规则》的通知\n各乡镇人民政府：\n现将《某县工作规则》印发给你们。\n某县人民政府\n2019年1月17日"
    )
    assert (doc.effective_from, doc.expires_on, doc.validity) == (D(2019, 1, 23), D(2020, 1, 23), "有效")
    assert doc.issued_on == D(2019, 1, 17)


# ---- numbers and dates as written --------------------------------------------------------


def test_traditional_characters_match_and_display_as_written() -> None:
    doc = one(
        "某市人民政府關於印發某辦法的通知\n某政發〔2010〕第15號\n各區人民政府：\n"
        "一、本辦法自2011年2月1日起施行。《某市舊辦法》（某政〔2005〕3號）同時廢止。\n某市人民政府\n二〇一〇年十二月二十五日"
    )
    assert (doc.title, doc.doc_number, doc.doc_number_normalized) == (
        "某市人民政府關於印發某辦法的通知", "某政發〔2010〕第15號", "某政发〔2010〕15号"
    )
    assert (doc.issuer, doc.issued_on, doc.effective_from) == ("某市人民政府", D(2010, 12, 25), D(2011, 2, 1))
    assert [(r.title, r.doc_number) for r in doc.repeals] == [("某市舊辦法", "某政〔2005〕3號")]


def test_decree_number_split_over_two_lines_and_dates_typed_with_letter_o() -> None:
    doc = one(
        "某自治区村庄规划管理办法\n某自治区人民政府令\n第82号\n"
        "《某自治区村庄规划管理办法》已经自治区人民政府常务会议通过，现予发布施行。\n"
        "自治区主席 某某某\n二OO五年十二月十日\n第一条 为了加强规划管理，制定本办法。\n第二条 本办法自发布之日起施行。"
    )
    assert (doc.title, doc.doc_number) == ("某自治区村庄规划管理办法", "某自治区人民政府令第82号")
    assert (doc.issuer, doc.issued_on) == ("某自治区人民政府", D(2005, 12, 10))


def test_number_alone_on_its_line_with_a_stray_di() -> None:
    doc = one(f"某省人工影响天气管理规定\n政府令〔2010〕第15号\n{BODY}")
    assert doc.doc_number == "政府令〔2010〕第15号"


# ---- who issued, what is repealed --------------------------------------------------------


def test_a_county_portal_reposting_a_provincial_notice_is_not_its_issuer() -> None:
    doc = one(
        "某州人民政府\n某省民政厅办公室关于印发某规则的通知\n浏览:0  来源: 作者:  语音阅读正文\n"
        "发文机构\n某州民政局\n发文日期\n2020-10-10 19:48:26\n厅机关各处室：\n现将《某规则》印发给你们，请遵照执行。\n2020年10月10日"
    )
    assert doc.title == "某省民政厅办公室关于印发某规则的通知"
    assert doc.issuer == "某省民政厅办公室"
    assert doc.provenance["issuer"].others == (("table", "某州民政局", "某州民政局"),)


def test_law_portal_repost_prints_its_title_three_times_around_the_issuer() -> None:
    doc = one(
        "某市鼓励投资的规定\n作者:法律资料网 时间:2024-07-22 14:39:19 浏览:9201 来源:法律资料网\n"
        "某市鼓励投资的规定\n某省某市人民政府\n某市鼓励投资的规定\n某政令[1997]29号\n"
        "第一条 为鼓励投资，制定本规定。\n第二条 本规定自发布之日起施行。"
    )
    assert (doc.title, doc.doc_number, doc.issuer) == ("某市鼓励投资的规定", "某政令[1997]29号", "某市人民政府")


def test_a_repeal_naming_a_decree_and_its_title_is_one_entry() -> None:
    doc = one(f"某办法\n{BODY}\n三、原国家经济贸易委员会令第8号发布的《关于加强工业节水工作的规定》同时废止。")
    assert [(r.title, r.doc_number) for r in doc.repeals] == [("关于加强工业节水工作的规定", "国家经济贸易委员会令第8号")]


# ---- no title, and explaining values ------------------------------------------------------


def test_text_without_a_title_still_gives_a_document_with_a_warning() -> None:
    html = (
        "<html><head><title>某镇垃圾分类工作方案_某镇人民政府</title></head><body><div id='zoom'>"
        "<p>一、各村要按照要求做好垃圾分类工作，做到分类投放、分类收集、分类运输。</p>"
        "<p>二、本方案自印发之日起施行。</p></div></body></html>"
    )
    doc = one(html, "text/html")
    assert doc.title == "某镇垃圾分类工作方案"
    assert doc.warnings == ["no title in the text or an <h1>; the page's <title> minus the site name stands in"]


def test_table_date_later_than_the_signature_is_the_web_date() -> None:
    html = (
        "<html><body><table><tr><td>成文日期：</td><td>2019-01-23</td><td>发布机构：</td><td>某县人民政府</td></tr></table>"
        "<div id='zoom'><p>某县人民政府关于某事项的通知</p><p>各乡镇人民政府：</p><p>现就有关事项通知如下，请遵照执行。</p>"
        "<p>某县人民政府</p><p>2019年1月17日</p></div></body></html>"
    )
    doc = one(html, "text/html")
    assert doc.issued_on == D(2019, 1, 17)
    origin = doc.provenance["issued_on"]
    assert (origin.source, origin.others) == ("signature", (("table", "2019-01-23", "2019-01-23"),))
    assert origin.rule is not None and "web date" in origin.rule
    assert doc.to_json()["provenance"]["issued_on"]["others"] == [
        {"source": "table", "value": "2019-01-23", "snippet": "2019-01-23"}
    ]


def test_every_common_traditional_character_is_one_opencc_converts() -> None:
    from tracker.core.chinese_script import COMMON_TRADITIONAL, to_simplified

    assert [c for c in COMMON_TRADITIONAL if to_simplified(c) == c] == []


def test_joint_issuers_of_one_place_printed_on_two_lines_stay_in_the_title() -> None:
    doc = one(f"中共某市委\n某市人民政府关于加快数字经济发展的意见\n{BODY}")
    assert doc.title == "中共某市委某市人民政府关于加快数字经济发展的意见"


def test_a_year_in_brackets_inside_a_short_title_is_no_garbled_number() -> None:
    doc = one(f"关于印发（2024年）工作要点的通知\n{BODY}")
    assert doc.title == "关于印发（2024年）工作要点的通知"


# ---- shapes of other portals ----------------------------------------------------------------


def test_links_to_other_pages_under_an_article_repeal_nothing() -> None:
    doc = one(
        f"某市海洋产业若干措施\n{BODY}\n相关文件：《某市海洋产业发展专项资金管理办法》\n"
        "下一篇：某市人民政府关于废止和修改部分市政府规章的决定\n往期推荐\n点个“在看”，分享给更多人"
    )
    assert doc.repeals == []
    assert doc.clauses[-1].text == "本办法自2024年3月1日起施行，有效期至2026年2月28日。"


def test_negated_completed_and_later_repeals_are_no_acts() -> None:
    doc = one(
        "某市人民政府关于规章清理情况的通报\n"
        "一、经评估，《某市户外广告设置管理办法》（某政〔2018〕5号）继续有效，不予废止。\n"
        "二、《某市物业管理办法》（某政〔2016〕4号）因有效期届满已自动失效。\n"
        "三、《某市公积金管理办法》（某政〔2019〕12号）废止后，原缴存比例继续执行至2024年底。"
    )
    assert doc.repeals == []


def test_a_date_line_above_the_title_is_the_publication_date() -> None:
    for line in ("2024-05-21", "2024年05月21日", "日期：2024-05-21", "【2024-05-21】"):
        html = (
            f"<html><body><div class='detail_content'><p>{line}</p><p>某市人民政府办公厅关于印发某市加快推进</p>"
            "<p>海洋经济发展若干措施的通知</p><p>某政办发〔2024〕9号</p><p>各区人民政府：</p>"
            "<p>现将《某市加快推进海洋经济发展若干措施》印发给你们，请认真贯彻执行。</p></div></body></html>"
        )
        doc = one(html, "text/html")
        assert (doc.title, doc.doc_number, doc.published_on) == (
            "某市人民政府办公厅关于印发某市加快推进海洋经济发展若干措施的通知", "某政办发〔2024〕9号", D(2024, 5, 21)
        ), line


def test_a_ministry_decree_numbered_by_year() -> None:
    doc = one(
        "中华人民共和国某部令\n2024年第23号\n《某部行政许可实施办法》已经国务院批准，现予公布，自2024年11月1日起施行。"
        "《某部行政许可工作规则》（某部令2010年第4号）同时废止。\n部长 某某某\n2024年9月6日\n某部行政许可实施办法\n说明\n"
        "第一条 为规范行政许可，制定本办法。\n第二条 本办法由某部负责解释。"
    )
    assert (doc.title, doc.doc_number, doc.issuer) == ("某部行政许可实施办法", "中华人民共和国某部令2024年第23号", "某部")
    assert (doc.published_on, doc.effective_from) == (D(2024, 9, 6), D(2024, 11, 1))
    assert [(r.title, r.doc_number) for r in doc.repeals] == [("某部行政许可工作规则", "某部令2010年第4号")]


def test_a_congress_announcement_promulgating_an_amended_regulation() -> None:
    doc = one(
        "某省人民代表大会常务委员会公告\n第18号\n《某省湿地保护条例》已由某省第十四届人民代表大会常务委员会第八次会议于2024年3月28日"
        "修订通过，现予公布，自2024年6月1日起施行。\n某省人民代表大会常务委员会\n2024年3月29日\n某省湿地保护条例\n"
        "（2012年3月29日某省第十一届人民代表大会常务委员会第三十次会议通过　2024年3月28日某省第十四届人民代表大会常务委员会第八次会议修订）\n"
        "第一章　总　　则\n第一条 为了加强湿地保护，制定本条例。"
    )
    assert (doc.title, doc.doc_number, doc.issuer) == ("某省湿地保护条例", None, "某省人民代表大会常务委员会")
    assert (doc.issued_on, doc.published_on, doc.effective_from) == (D(2024, 3, 28), D(2024, 3, 29), D(2024, 6, 1))


def test_a_notice_on_implementing_a_law_takes_no_effective_date_from_it() -> None:
    doc = one(
        "某省人民政府办公厅关于做好《某省数字经济促进条例》贯彻实施工作的通知\n各市人民政府：\n"
        "《某省数字经济促进条例》已经省人大常委会审议通过，自2024年3月1日起施行。为做好贯彻实施工作，现通知如下：\n"
        "一、加强学习宣传。\n某省人民政府办公厅\n2024年2月20日"
    )
    assert (doc.issued_on, doc.effective_from) == (D(2024, 2, 20), None)
