"""`tracker parse PATH`: parse a local HTML/text/Markdown file, or a PDF/Word/OFD file, and show what was understood."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import typer
from rich.markup import escape

from sources.http import HttpPolicy
from tracker.cli.app import app, console, fail, print_json
from tracker.core.errors import ParseError
from tracker.core.model import PolicyDocument
from tracker.core.parse import parse_document
from tracker.core.parse.attachments import OK, extension_of, extensions, extract

_OUTLINE_CHARS = 40
#: The largest file read: the crawler's cap on a fetched page (10 MiB), so that a page the crawler
#: would abandon is refused here too, and a wrong path (a disk image, a log) is refused at once.
MAX_FILE_BYTES = HttpPolicy.max_bytes


@app.command("parse")
def parse_command(
    path: Path = typer.Argument(..., help="HTML, text or Markdown file of one policy page, or a .pdf/.docx/.doc/.wps/.ofd file."),
    url: str | None = typer.Option(None, "--url", help="URL the page came from (recorded on the documents)."),
    as_json: bool = typer.Option(False, "--json", help="Print {\"documents\": [...]} on stdout."),
) -> None:
    """Parse a local file; store nothing."""
    content: bytes | str = _read_page(path)
    content_type = "text/html" if path.suffix.lower() in (".html", ".htm", ".shtml") else None
    if extension_of(path.name) in extensions():
        content = _document_file_text(path, content)
    try:
        documents = parse_document(content, url=url, content_type=content_type)
    except ParseError as exc:
        fail(f"{path}: {exc}")
    if as_json:
        print_json({"documents": [doc.to_json() for doc in documents]})
        return
    for number, document in enumerate(documents, start=1):
        if len(documents) > 1:
            console.print(f"[bold]Document {number} of {len(documents)}[/bold]")
        _print_document(document)


def _read_page(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_FILE_BYTES`; anything else fails at once.

    Reading `/dev/zero` never ends and opening a FIFO waits for a writer, so the path is
    stat-ed before it is opened; it is opened non-blocking and checked again (it may have been
    replaced in between), and never more than the cap is read (it may be growing)."""
    try:
        _refuse_unless_page(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with open(fd, "rb") as file:
            _refuse_unless_page(path, os.fstat(file.fileno()))
            content = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    if len(content) > MAX_FILE_BYTES:
        fail(f"{path} grew beyond the {MAX_FILE_BYTES}-byte cap of a page while being read")
    return content


def _document_file_text(path: Path, content: bytes) -> str:
    """The text of a PDF, Word or OFD file, one paragraph a line; a file without text fails with its reason."""
    extraction = extract(content, name=path.name)
    if extraction.status != OK:
        fail(f"{path}: {extraction.reason}")
    return "\n".join(extraction.paragraphs)


def _refuse_unless_page(path: Path, info: os.stat_result) -> None:
    """Fail unless `info` is a regular file within the cap, saying what it is instead."""
    if stat.S_ISDIR(info.st_mode):
        fail(f"{path} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        fail(f"{path} is not a regular file (a device, FIFO or socket)")
    if info.st_size > MAX_FILE_BYTES:
        fail(f"{path} is {info.st_size} bytes, over the {MAX_FILE_BYTES}-byte cap of a page")


def _print_document(doc: PolicyDocument) -> None:
    fields = [
        ("标题 title", doc.title),
        ("所印发 enclosed", doc.enclosed_title),
        ("文号 number", doc.doc_number),
        ("发文机关 issuer", doc.issuer),
        ("成文日期 issued", doc.issued_on),
        ("发布日期 published", doc.published_on),
        ("施行 effective", doc.effective_from),
        ("有效期至 expires", doc.expires_on),
        ("有效性 validity", doc.validity),
        ("索引号 index", doc.index_number),
        ("统一编号 registration", doc.registration_number),
        ("主题 topic", doc.topic),
    ]
    for label, value in fields:
        if value is not None:
            console.print(f"[bold]{label}[/bold]: {escape(str(value))}")
    relations = (("废止 repeals", doc.repeals), ("修改 amends", doc.amends), ("继续有效 confirms", doc.confirms), ("引用 cites", doc.cites))
    for kind, refs in relations:
        for ref in refs:
            number = f"（{ref.doc_number}）" if ref.doc_number else ""
            title = f"《{ref.title}》" if ref.title else ""
            console.print(f"[bold]{kind}[/bold]: {escape(title + number)}")
    for name, origin in doc.provenance.items():
        others = "".join(f" (also {source}: {value})" for source, value, _ in origin.others)
        console.print(f"[dim]{escape(name)} ← {escape(origin.source)}{escape(others)}[/dim]")
    for warning in doc.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    console.print(f"[bold]条款 clauses[/bold]: {len(doc.clauses)}")
    for clause in doc.clauses:
        depth = clause.path.count("/")
        summary = clause.heading or clause.text.replace("\n", " ")[:_OUTLINE_CHARS]
        console.print(f"{'  ' * depth}[cyan]{escape(clause.path)}[/cyan] {escape(summary)}")
