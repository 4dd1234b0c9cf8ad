"""Attachment files built at test time from the fixture texts (PDF with a CJK font, DOCX, OFD),
read back and parsed: the same document as the text fixture, whatever the format."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from typer.testing import CliRunner

from sources.samplesite.files import docx_bytes, image_only_pdf_bytes, ofd_bytes, pdf_bytes
from tests.conftest import SEEDS
from tracker.cli import app
from tracker.core.model import PolicyDocument
from tracker.core.parse import parse_document
from tracker.core.parse.attachments import (
    BROKEN,
    ENCRYPTED,
    IMAGE_ONLY,
    OK,
    UNSUPPORTED,
    AttachmentText,
    attachment_links,
    extensions,
    extract,
    formats,
    may_link_documents,
)

HEADER = "杭州市人民政府办公厅文件"
CAP_CLAUSE = "实际到账资金的 25%"  # the clause with the 500 万元 cap: printed across a page break


def seed_lines() -> list[str]:
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def text_fixture() -> PolicyDocument:
    (document,) = parse_document(next(SEEDS.glob("000_*.txt")).read_bytes())
    return document


def compact_clauses(document: PolicyDocument) -> list[tuple[str, str]]:
    """Clause paths and texts; a PDF loses the spaces printed at the end of a line, nothing else."""
    return [(clause.path, "".join(clause.text.split())) for clause in document.clauses]


def parsed(paragraphs: tuple[str, ...]) -> PolicyDocument:
    (document,) = parse_document("\n".join(paragraphs))
    return document


FILES = {
    "pdf": lambda: pdf_bytes(seed_lines(), header=HEADER, break_inside=CAP_CLAUSE),
    "docx": lambda: docx_bytes(seed_lines(), header=HEADER),
    "ofd": lambda: ofd_bytes(seed_lines(), header=HEADER),
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_seed_000_as_a_file_gives_the_text_fixtures_document(kind: str) -> None:
    extraction = extract(FILES[kind](), name=f"若干措施.{kind}")

    assert (extraction.status, extraction.reason) == (OK, None)
    document, expected = parsed(extraction.paragraphs), text_fixture()
    assert (document.title, document.doc_number, document.issuer) == (
        "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知",
        "杭政办函〔2025〕58号",
        "杭州市人民政府办公厅",
    )
    assert (str(document.issued_on), str(document.effective_from), str(document.expires_on)) == (
        "2025-12-12",
        "2026-02-12",
        "2028-12-31",
    )
    assert compact_clauses(document) == compact_clauses(expected)
    cap = next(clause for clause in document.clauses if clause.path == "二/（一）")
    assert "单个项目最高补助500万元" in "".join(cap.text.split())
    every_text = "\n".join(extraction.paragraphs)
    assert HEADER not in every_text and "- 2 -" not in every_text


def test_a_pdf_clause_broken_across_pages_is_one_paragraph() -> None:
    data = pdf_bytes(seed_lines(), header=HEADER, break_inside=CAP_CLAUSE)
    pages = [extract_text(io.BytesIO(data), page_numbers=[n]) for n in range(5)]
    start = next(n for n, text in enumerate(pages) if "支持企业、高校、科研院所等承担国家" in text)
    assert "500" not in pages[start].split("支持企业、高校、科研院所等承担国家")[1]  # the cap is printed on the next page
    assert "最高补助 500 万元" in pages[start + 1]

    extraction = extract(data, name="a.pdf")

    assert extraction.pages == 5
    [paragraph] = [p for p in extraction.paragraphs if "最高补助 500 万元" in p and CAP_CLAUSE in p]
    assert paragraph.startswith("支持企业、高校、科研院所等承担国家、省重点科技专项")
    assert paragraph.endswith("单个项目最高补助 500 万元。（责任单位：")


def test_docx_tables_are_read_row_by_row_in_document_order() -> None:
    data = docx_bytes(["附件", "申报材料清单"], table=[["序号", "材料"], ["1", "项目申报书"]])

    assert extract(data, name="a.docx").paragraphs == ("附件", "申报材料清单", "序号 材料", "1 项目申报书")


def test_every_format_declares_itself_to_the_registry() -> None:
    assert {fmt.name: fmt.extensions for fmt in formats()} == {
        "doc": ("doc", "wps"),
        "docx": ("docx",),
        "ofd": ("ofd",),
        "pdf": ("pdf",),
    }
    served_as_octets = extract(pdf_bytes(["测试文本"]), name="download.jsp?id=3", content_type="application/octet-stream")
    assert (served_as_octets.status, served_as_octets.paragraphs) == (OK, ("测试文本",))


def test_files_without_text_give_a_status_and_a_reason() -> None:
    scan = extract(image_only_pdf_bytes(pages=2), name="scan.pdf")
    encrypted = extract(pdf_bytes(["机密文本"], encrypt="pw"), name="secret.pdf")
    whole = pdf_bytes(seed_lines())
    truncated = extract(whole[: len(whole) // 2], name="cut.pdf")
    not_a_zip = extract(b"<html>not found</html>", name="a.docx")
    sheet = extract(b"PK\x03\x04", name="table.xlsx")

    assert (scan.status, scan.reason, scan.paragraphs) == (IMAGE_ONLY, "image_only: no text layer on its 2 page(s) (OCR is not done)", ())
    assert (encrypted.status, encrypted.reason) == (ENCRYPTED, "encrypted: the PDF needs a password to be read (PDFPasswordIncorrect)")
    assert truncated.status == BROKEN and truncated.reason.startswith("broken: the pdf file cannot be read")
    assert not_a_zip.status == BROKEN and "BadZipFile" in (not_a_zip.reason or "")
    assert (sheet.status, sheet.reason) == (UNSUPPORTED, "unsupported: xlsx is not a document format read here")


def test_a_doc_without_a_converter_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, libreoffice or antiword, whatever the machine has

    extraction = extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, name="措施.doc")

    assert extraction.status == UNSUPPORTED
    assert extraction.reason == (
        "unsupported: reading .doc/.wps needs a converter: install LibreOffice "
        "(apt-get install libreoffice-writer-nogui) or antiword (apt-get install antiword)"
    )


def test_a_doc_is_read_through_the_converter_on_the_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    antiword = tmp_path / "antiword"  # prints what a real antiword prints for a two-paragraph file
    antiword.write_text("#!/bin/sh\nprintf '关于印发若干措施的通知\\n\\n一、总体要求\\n'\n", encoding="utf-8")
    antiword.chmod(antiword.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/bin{os.pathsep}/usr/bin")
    monkeypatch.setattr("shutil.which", _only_in(tmp_path))

    extraction = extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", name="措施.wps")

    assert (extraction.status, extraction.paragraphs) == (OK, ("关于印发若干措施的通知", "一、总体要求"))


def _only_in(folder: Path):  # noqa: ANN202 - shutil.which's shape
    def which(name: str) -> str | None:
        path = folder / name
        return str(path) if path.exists() else None

    return which


def test_document_links_are_found_by_extension_query_and_label() -> None:
    page = """<html><body><nav><a href="/help.pdf">帮助.pdf</a></nav><div class="content">
    <p>附件：<a href="files/P020251215.pdf">关于支持类脑智能未来产业创新发展的若干措施.pdf</a></p>
    <p><a href="/module/download/downfile.jsp?classid=0&filename=申报表.docx">申报表</a></p>
    <p><a href="/attach/get?id=77">点击下载</a></p>
    <p><a href="/art/2025/other.html">附件说明</a> <a href="files/P020251215.pdf">重复</a> <a href="x.xls">附件2.xls</a></p>
    </div><footer><a href="/about.pdf">关于我们</a></footer></body></html>"""

    found = [(link.href, link.label) for link in attachment_links(page, extensions())]
    only_pdf = [link.href for link in attachment_links(page, frozenset({"pdf"}))]

    assert found == [
        ("files/P020251215.pdf", "关于支持类脑智能未来产业创新发展的若干措施.pdf"),
        ("/module/download/downfile.jsp?classid=0&filename=申报表.docx", "申报表"),
        ("/attach/get?id=77", "点击下载"),
    ]
    assert only_pdf == ["files/P020251215.pdf", "/attach/get?id=77"]


def test_most_pages_are_ruled_out_by_a_byte_test_before_any_html_is_parsed() -> None:
    assert may_link_documents("<p>附件：<a href='/a/get?id=3'>若干措施</a></p>".encode("gb18030"), extensions())
    assert may_link_documents(b"<a href='/files/P0201.PDF'>x</a>", extensions())
    assert not may_link_documents(b"<script>window.document.title='x'</script><a href='/a.docs.html'>", extensions())


NOTICE = [
    "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知",
    "杭政办函〔2025〕58号",
    "各区、县（市）人民政府，市政府各部门、各直属单位：",
    "《关于支持类脑智能未来产业创新发展的若干措施》已经市政府同意，现印发给你们，请认真组织实施。",
]
SIGNATURE = ["杭州市人民政府办公厅", "2025年12月12日"]
LINK = "附件：关于支持类脑智能未来产业创新发展的若干措施.pdf"


def measure() -> tuple[str, ...]:
    lines = seed_lines()
    return tuple(lines[lines.index("关于支持类脑智能未来产业 创新发展的若干措施") :])


@pytest.mark.parametrize(
    "page",
    [NOTICE + SIGNATURE + [LINK], NOTICE + [LINK] + SIGNATURE],
    ids=["link-after-signature", "link-before-signature"],
)
def test_a_wrappers_measure_in_an_attachment_reads_as_if_printed_inline(page: list[str]) -> None:
    html = "<html><body><div>" + "".join(f"<p>{line}</p>" for line in page) + "</div></body></html>"

    (document,) = parse_document(html, content_type="text/html", attachments=[AttachmentText(LINK.removeprefix("附件："), measure())])

    expected = text_fixture()
    assert document.enclosed_title == "关于支持类脑智能未来产业创新发展的若干措施"
    assert (str(document.effective_from), str(document.expires_on)) == ("2026-02-12", "2028-12-31")
    measure_clauses = [c for c in compact_clauses(document) if c[0] != "通知"]
    assert measure_clauses == [c for c in compact_clauses(expected) if c[0] != "通知"]


def test_an_attachment_that_is_no_measure_of_the_page_becomes_its_clauses_under_附件() -> None:
    html = "<html><body><h1>关于开展2026年度类脑智能项目申报工作的通知</h1><div>" + (
        "<p>各有关单位：</p><p>现将申报有关事项通知如下，请按附件要求准备材料。</p><p>附件：<a href='a.docx'>申报材料清单.docx</a></p>"
    ) + "</div></body></html>"

    (document,) = parse_document(
        html, content_type="text/html", attachments=[AttachmentText("申报材料清单.docx", ("一、项目申报书", "二、财务审计报告"))]
    )

    assert [(c.path, c.text) for c in document.clauses if c.path.startswith("附件")] == [
        ("附件", "申报材料清单"),
        ("附件/一", "项目申报书"),
        ("附件/二", "财务审计报告"),
    ]


OPINION = (
    "杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见",
    "杭政办发〔2025〕12号",
    "各区、县（市）人民政府，市政府各部门：",
    "为促进类脑智能产业发展，现提出如下意见。",
    "一、总体要求",
    "到2027年，产业规模达到100亿元。",
    "二、保障措施",
    "本意见自2026年1月1日起施行，有效期至2028年12月31日。",
    "杭州市人民政府办公厅",
    "2025年12月10日",
)


def test_an_attachment_with_its_own_title_and_number_is_a_document_the_page_cites() -> None:
    html = (
        "<html><body><h1>关于公布2025年类脑智能产业政策的通知</h1><div><p>各有关单位：</p><p>现将有关文件公布如下。</p>"
        "<p>杭州市经济和信息化局</p><p>2025年12月20日</p><p>附件：<a href='a.pdf'>实施意见.pdf</a></p></div></body></html>"
    )

    page, opinion = parse_document(html, content_type="text/html", attachments=[AttachmentText("实施意见.pdf", OPINION)])

    assert [(ref.title, ref.doc_number, ref.evidence) for ref in page.cites] == [
        ("杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见", "杭政办发〔2025〕12号", "附件：实施意见.pdf")
    ]
    assert (opinion.title, opinion.doc_number, str(opinion.effective_from), str(opinion.expires_on)) == (
        "杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见",
        "杭政办发〔2025〕12号",
        "2026-01-01",
        "2028-12-31",
    )
    assert [c.path for c in opinion.clauses] == ["序言", "一", "二"]


@pytest.mark.parametrize("number", ["（杭政办发〔2025〕12号）", ""], ids=["named-with-number", "named-by-title"])
def test_a_forwarded_attachment_named_by_the_page_is_read_inline_like_a_printed_repost(number: str) -> None:
    html = (
        "<html><body><h1>关于转发《杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见》的通知</h1><div><p>各区县经信局：</p>"
        f"<p>现将《杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见》{number}转发给你们，请认真贯彻落实。</p>"
        "<p>杭州市经济和信息化局</p><p>2025年12月20日</p><p>附件：<a href='a.pdf'>实施意见.pdf</a></p></div></body></html>"
    )

    (document,) = parse_document(html, content_type="text/html", attachments=[AttachmentText("实施意见.pdf", OPINION)])

    assert document.enclosed_title == "杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见"
    assert [c.path for c in document.clauses] == ["通知", "序言", "一", "二"]
    assert [ref.title for ref in document.cites] == ["杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见"]
    assert str(document.expires_on) == "2028-12-31"


def test_tracker_parse_reads_a_local_pdf_like_the_text_fixture(tmp_path: Path) -> None:
    pdf = tmp_path / "seed_000.pdf"
    pdf.write_bytes(pdf_bytes(seed_lines(), header=HEADER, break_inside=CAP_CLAUSE))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_only_pdf_bytes(pages=2))

    read = CliRunner().invoke(app, ["parse", str(pdf), "--json"])
    refused = CliRunner().invoke(app, ["parse", str(scan)])

    assert read.exit_code == 0, read.stderr
    (document,) = json.loads(read.stdout)["documents"]
    assert (document["doc_number"], document["effective_from"], document["expires_on"]) == (
        "杭政办函〔2025〕58号",
        "2026-02-12",
        "2028-12-31",
    )
    assert [c["path"] for c in document["clauses"]] == [c.path for c in text_fixture().clauses]
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr == f"error: {scan}: image_only: no text layer on its 2 page(s) (OCR is not done)\n"
