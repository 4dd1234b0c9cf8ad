"""Bytes → text: header charset, then <meta>, then detection; GB2312/GBK decoded as GB18030."""

from __future__ import annotations

import pytest

from tests.conftest import DATA
from tracker.core.errors import DecodeError
from tracker.core.parse import decode_bytes, parse_document

GBK_PAGE = (DATA / "parse" / "gbk_meta.html").read_text(encoding="utf-8")


def test_gbk_page_declared_only_in_meta_as_gb2312_keeps_gbk_only_characters() -> None:
    data = GBK_PAGE.encode("gbk")
    assert decode_bytes(data) == GBK_PAGE  # 喆 and 堃 are outside GB2312
    doc = parse_document(data)[0]
    assert doc.title == "嘉兴市人民政府关于印发嘉兴市促进科技成果转化若干政策的通知"
    assert doc.doc_number == "嘉政发〔2022〕8号"
    assert "王喆、李堃" in doc.clauses[0].text
    assert doc.expires_on is not None and doc.expires_on.isoformat() == "2025-04-30"


def test_undeclared_gbk_is_detected() -> None:
    page = GBK_PAGE.replace('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "")
    assert decode_bytes(page.encode("gb18030")) == page
    assert parse_document(page.encode("gb18030"))[0].doc_number == "嘉政发〔2022〕8号"


def test_header_charset_wins_over_meta() -> None:
    page = GBK_PAGE.replace("charset=gb2312", "charset=utf-8")
    assert decode_bytes(page.encode("gbk"), "text/html; charset=GBK") == page


def test_wrong_meta_charset_falls_back_to_detection() -> None:
    page = GBK_PAGE.replace("charset=gb2312", "charset=utf-8")
    assert decode_bytes(page.encode("gbk")) == page


def test_utf8_without_declaration() -> None:
    assert decode_bytes("关于印发的通知".encode()) == "关于印发的通知"


@pytest.mark.parametrize("data", [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"PK\x03\x04\x14\x00", b"abc\x00\x00def\x00"])
def test_binary_input_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_bytes(data)
    with pytest.raises(DecodeError):
        parse_document(data)


def test_latin1_header_on_a_chinese_page_is_not_trusted() -> None:
    assert decode_bytes(GBK_PAGE.encode("gbk"), "text/html; charset=ISO-8859-1") == GBK_PAGE
    utf8 = GBK_PAGE.replace("charset=gb2312", "charset=utf-8")
    assert decode_bytes(utf8.encode("utf-8"), "text/html; charset=iso-8859-1") == utf8


def test_wrong_header_falls_back_to_the_meta_declaration() -> None:
    assert decode_bytes(GBK_PAGE.encode("gbk"), "text/html; charset=utf-8") == GBK_PAGE


def test_utf8_bytes_under_a_gbk_declaration_are_utf8() -> None:
    page = '<html><head><meta charset="gbk"></head><body><p>关于印发办法的通知</p></body></html>'
    assert decode_bytes(page.encode("utf-8")) == page
    assert decode_bytes(page.encode("utf-8"), "text/html; charset=GB2312") == page
