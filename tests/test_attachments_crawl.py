"""Crawls over real sockets of pages whose measure is in an attachment, on SQLite and PostgreSQL.

The sample site's notices site serves seed 000's 印发 wrapper with the measure only in a PDF
made at start; "the next day" the PDF's cap reads 300 万元. A second site serves every kind of
file that cannot be read, and one that announces 200 MB.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

from sources.http import HttpPolicy
from sources.samplesite import Fault, SampleSite, SiteServer
from sources.samplesite.files import image_only_pdf_bytes, pdf_bytes
from sources.samplesite.notices import ATTACHMENT_PATH, NOTICE_PATH
from sources.samplesite.server import Request, Response
from storage.attachments import attachment_bytes
from storage.tables import Attachment, Clause, Document, Event, Relation, Version
from tests.test_attachments_extract import OPINION
from tracker.cli import app
from tracker.core.config import settings_from_dict
from tracker.core.errors import ConfigError
from tracker.core.parse.attachments import FetchedAttachment
from tracker.core.prepare import prepare_page
from tracker.pipeline import crawl
from tracker.pipeline.saving import save_documents

POLICY = HttpPolicy(timeout=2.0, attempt_deadline=10.0, retries=1, backoff=0.01, default_delay=0)
HUGE = 200 * 1024 * 1024


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def notice_settings(site: SampleSite, parse_workers: int = 0, **options: object):  # noqa: ANN201 - Settings
    table = {**site.notice_table(delay=0.01), "baseline": False, **options}
    tracker = {"parse_workers": parse_workers}
    return settings_from_dict({"tracker": tracker, "source": [table]})


@pytest.mark.parametrize("parse_workers", [0, 1], ids=["read-in-crawler", "read-in-parser-process"])
def test_a_measure_only_in_a_pdf_is_stored_and_its_next_day_edit_alerts_by_clause(
    site: SampleSite, engine: sa.Engine, parse_workers: int
) -> None:
    settings = notice_settings(site, parse_workers)

    (first,) = crawl(engine, settings, policy=POLICY)
    site.next_day()
    site.reset_counters()
    (second,) = crawl(engine, settings, policy=POLICY)
    day_two = [(e.path, e.status, e.conditional) for e in site.server("notices").log if e.path != "/robots.txt"][1:]
    (third,) = crawl(engine, settings, policy=POLICY)

    assert (first.outcome, first.new, second.outcome, second.changed, third.unchanged) == ("ok", 1, "ok", 1, 1)
    # The page is the same (304); the PDF's validators tell it changed; the changed PDF is read.
    assert day_two == [(NOTICE_PATH, 304, True), (ATTACHMENT_PATH, 200, True), (ATTACHMENT_PATH, 200, False)]
    with Session(engine) as session:
        document = session.exec(select(Document)).one()
        assert (document.doc_number, str(document.effective_from), str(document.expires_on)) == (
            "杭政办函〔2025〕58号",
            "2026-02-12",
            "2028-12-31",
        )
        first_version, second_version = session.exec(select(Version).order_by(Version.number)).all()
        cap = session.exec(
            select(Clause).where(Clause.version_id == first_version.id, Clause.path == "二/（一）")
        ).one()
        assert "单个项目最高补助 500 万元" in cap.text
        stored = session.exec(select(Attachment).order_by(Attachment.version_id)).all()
        assert [(a.version_id, a.url, a.content_type, a.status, a.reason, a.pages) for a in stored] == [
            (version.id, site.url("notices", ATTACHMENT_PATH), "application/pdf", "ok", None, 5)
            for version in (first_version, second_version)
        ]
        assert attachment_bytes(stored[0]).startswith(b"%PDF-")
        (changed,) = session.exec(select(Event).where(Event.kind == "document_changed")).all()
    assert changed.payload["summary"] == "1 modified"
    (clause,) = changed.payload["clauses"]
    assert (clause["change"], clause["new_path"], clause["deleted"], clause["inserted"]) == ("modified", "二/（一）", ["500"], ["300"])
    assert clause["figures"] == [{"kind": "money", "old": "500万元", "new": "300万元"}]


def test_tracker_show_lists_the_attachments_of_the_latest_version(site: SampleSite, db_url: str, engine: sa.Engine) -> None:
    crawl(engine, notice_settings(site), policy=POLICY)

    result = CliRunner().invoke(app, ["--db", db_url, "show", "杭政办函〔2025〕58号"])

    assert result.exit_code == 0, result.stderr
    assert f"attachment {site.url('notices', ATTACHMENT_PATH)} (application/pdf) ok" in result.stdout


def test_attachments_false_reads_no_file(site: SampleSite, engine: sa.Engine) -> None:
    (run,) = crawl(engine, notice_settings(site, attachments=False), policy=POLICY)

    assert (run.outcome, run.new) == ("ok", 1)
    assert site.server("notices").requests[ATTACHMENT_PATH] == 0
    with Session(engine) as session:
        assert session.exec(select(Attachment)).all() == []
        texts = [c.text for c in session.exec(select(Clause))]
    assert texts[-1] == "关于支持类脑智能未来产业创新发展的若干措施.pdf"  # the link line, as before attachments were read
    assert not any("最高补助" in text for text in texts)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yes", "attachments must be true, false or a list of file types (doc, docx, ofd, pdf, wps), got 'yes'"),
        (["pdf", "xls"], "attachments: unknown file type(s) xls (known: doc, docx, ofd, pdf, wps)"),
    ],
)
def test_a_wrong_attachments_option_is_refused_naming_it(site: SampleSite, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        notice_settings(site, attachments=value)


class BrokenFilesSite:
    """A notice linking every kind of file that cannot be read, and a notice with a plain page."""

    name = "broken"

    def __init__(self, huge_url: str) -> None:
        whole = pdf_bytes(["关于印发若干措施的通知"] * 40)
        self.files = {
            "/f/truncated.pdf": (whole[: len(whole) // 2], "application/pdf"),
            "/f/encrypted.pdf": (pdf_bytes(["机密"], encrypt="secret"), "application/pdf"),
            "/f/scan.pdf": (image_only_pdf_bytes(pages=3), "application/pdf"),
            "/f/old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024, "application/msword"),
        }
        links = "".join(f'<p>附件{n}：<a href="{path}">{path[3:]}</a></p>' for n, path in enumerate(self.files, 1))
        links += f'<p>附件5：<a href="{huge_url}">huge.pdf</a></p><p>附件6：<a href="/f/gone.pdf">gone.pdf</a></p>'
        self.notice = (
            "<html><head><title>关于开展类脑智能项目申报工作的通知</title></head><body><div class='content'>"
            "<h1>关于开展类脑智能项目申报工作的通知</h1><p>各有关单位：</p>"
            f"<p>现将有关事项通知如下，请按附件要求准备申报材料，于2026年3月31日前报送。</p>{links}</div></body></html>"
        ).encode("utf-8")

    def respond(self, request: Request) -> Response:
        if request.path == "/index.html":
            body = '<html><body><ul class="list"><li><a href="/notice.html">关于开展类脑智能项目申报工作的通知</a></li></ul></body></html>'
            return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")
        if request.path == "/notice.html":
            return Response(200, self.notice, "text/html; charset=utf-8")
        if request.path in self.files:
            body, content_type = self.files[request.path]
            return Response(200, body, content_type)
        return Response(404, b"not found", "text/plain")


class _Huge(http.server.BaseHTTPRequestHandler):
    """Announces 200 MB and streams zeros until the client hangs up; counts what it sent."""

    sent = 0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            while type(self).sent < HUGE:
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def huge_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Huge)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/huge.pdf"
    server.shutdown()
    server.server_close()


def test_unreadable_files_are_recorded_with_reasons_and_never_stop_the_crawl(
    engine: sa.Engine, huge_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no .doc converter, whatever this machine has
    server = SiteServer(BrokenFilesSite(huge_url))
    server.start()
    try:
        table = {"name": "broken", "kind": "listing", "start_urls": [server.base_url + "/index.html"],
                 "allowed_hosts": ["127.0.0.1"], "delay": 0, "item": "ul.list li", "baseline": False}  # fmt: skip
        settings = settings_from_dict({"tracker": {"parse_workers": 0}, "source": [table]})
        (run,) = crawl(engine, settings, policy=POLICY)
    finally:
        server.stop()

    assert (run.outcome, run.new, run.errors) == ("ok", 1, 0)
    assert _Huge.sent < HUGE // 10  # refused on its Content-Length, not read into memory
    with Session(engine) as session:
        document = session.exec(select(Document)).one()
        stored = {a.url.rsplit("/", 1)[1]: (a.status, a.reason) for a in session.exec(select(Attachment))}
    assert document.title == "关于开展类脑智能项目申报工作的通知"
    assert stored["truncated.pdf"][0] == "broken" and stored["truncated.pdf"][1].startswith("broken: the pdf file cannot be read")
    assert stored["encrypted.pdf"] == ("encrypted", "encrypted: the PDF needs a password to be read (PDFPasswordIncorrect)")
    assert stored["scan.pdf"] == ("image_only", "image_only: no text layer on its 3 page(s) (OCR is not done)")
    assert stored["old.doc"][0] == "unsupported" and "install LibreOffice" in stored["old.doc"][1]
    assert stored["huge.pdf"] == (
        "not_fetched", f"not_fetched: response of {HUGE} bytes exceeds the {POLICY.max_bytes}-byte cap"
    )
    assert stored["gone.pdf"] == ("not_fetched", "not_fetched: HTTP 404")


def test_an_attachment_that_is_a_document_of_its_own_is_stored_as_one_the_page_cites(engine: sa.Engine) -> None:
    page = (
        "<html><body><h1>关于公布2025年类脑智能产业政策的通知</h1><div><p>各有关单位：</p><p>现将有关文件公布如下。</p>"
        "<p>杭州市经济和信息化局</p><p>2025年12月20日</p><p>附件：<a href='a.pdf'>实施意见.pdf</a></p></div></body></html>"
    ).encode("utf-8")
    opinion = FetchedAttachment("https://jxj.example.gov.cn/a.pdf", "实施意见.pdf", "application/pdf", pdf_bytes(OPINION))

    prepared = prepare_page(page, url="https://jxj.example.gov.cn/a.html", content_type="text/html", attachments=[opinion])
    with Session(engine) as session:
        save_documents(session, prepared, fetched_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
        session.commit()
        documents = {d.url: (d.id, d.title, d.doc_number) for d in session.exec(select(Document))}
        (relation,) = session.exec(select(Relation)).all()

    page_id, _, _ = documents["https://jxj.example.gov.cn/a.html"]
    opinion_id, title, number = documents["https://jxj.example.gov.cn/a.html#2"]
    assert (title, number) == ("杭州市人民政府办公厅关于促进类脑智能产业发展的实施意见", "杭政办发〔2025〕12号")
    assert (relation.kind, relation.from_document_id, relation.target_document_id, relation.evidence) == (
        "cites", page_id, opinion_id, "附件：实施意见.pdf"
    )


def test_a_file_that_fails_for_now_keeps_its_page_out_until_the_next_run_reads_both(
    site: SampleSite, engine: sa.Engine
) -> None:
    settings = notice_settings(site)
    site.server("notices").inject(ATTACHMENT_PATH, Fault(status=503, times=None))

    (failed,) = crawl(engine, settings, policy=POLICY)
    with Session(engine) as session:
        stored_then = session.exec(select(Document)).all()
    site.server("notices").clear_faults()
    (next_run,) = crawl(engine, settings, policy=POLICY)

    assert (failed.outcome, failed.new, failed.errors) == ("partial", 0, 1)
    assert failed.error_details[0]["reason"] == (
        f"attachment {site.url('notices', ATTACHMENT_PATH)}: HTTP 503 after {POLICY.retries + 1} attempts"
    )
    assert stored_then == []  # never stored without its measure, so no false "clauses removed" later
    assert (next_run.outcome, next_run.new) == ("ok", 1)
    with Session(engine) as session:
        assert "二/（一）" in [c.path for c in session.exec(select(Clause))]
