"""Byte-order marks decide the encoding, UTF-32 before UTF-16 (the UTF-32-LE mark starts like UTF-16-LE's)."""

from __future__ import annotations

import codecs

import pytest

from tracker.core.parse import decode_bytes, parse_document

TITLE = "杭州市人民政府关于印发字节顺序标记测试办法的通知"
PAGE = (
    f"<html><head><title>{TITLE}</title></head><body><div id='zoom'><h1>{TITLE}</h1>"
    "<p>一、总体要求</p><p>各区、县（市）人民政府，市政府各部门：现将办法印发给你们，请认真贯彻执行。</p>"
    "<p>二、保障措施</p><p>本办法自印发之日起施行。</p></div></body></html>"
)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF8, "utf-8"),
    ],
    ids=["utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be", "utf-8-sig"],
)
def test_page_with_a_byte_order_mark_decodes_exactly(bom: bytes, codec: str) -> None:
    data = bom + PAGE.encode(codec)
    text = decode_bytes(data, "text/html; charset=gbk")  # the mark outweighs a wrong declaration
    assert text == PAGE  # no mark left, no NULs
    (doc,) = parse_document(data, content_type="text/html")
    assert doc.title == TITLE
    assert [clause.path for clause in doc.clauses] == ["一", "二"]
