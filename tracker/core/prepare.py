"""The pure work of saving a fetched page, done ahead of the database: parse, hash, compress.

`prepare_page` is what the crawler runs in its parser processes (`tracker.pipeline.workers`);
`storage.documents` writes what it prepares. Like the parser, diff and lifecycle, this is a
pure step: values in, values out, and no import of the database layer (the search bigrams
come from `tracker.core.grams`, which is pure too).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any, Sequence

from tracker.core.grams import grams_of
from tracker.core.model import PolicyDocument
from tracker.core.packing import pack_text
from tracker.core.parse import parse_document
from tracker.core.parse.attachments import AttachmentText, FetchedAttachment, PreparedAttachment, prepare_attachments

RELATION_KINDS = ("repeals", "amends", "confirms", "cites")


def parse_page(
    body: bytes, *, url: str, content_type: str | None = None, attachments: Sequence[AttachmentText] = ()
) -> list[PolicyDocument]:
    """The documents of one fetched page, each with its own URL (`<url>`, `<url>#2`, …).

    Raises the parser's errors (NotADocumentError, DecodeError, ParseError).
    """
    documents = parse_document(body, url=url, content_type=content_type, attachments=attachments)
    return [document.replace(url=url if index == 0 else f"{url}#{index + 1}") for index, document in enumerate(documents)]


def prepare_page(
    body: bytes, *, url: str, content_type: str | None = None, attachments: Sequence[FetchedAttachment] = ()
) -> list[PreparedDocument]:
    """`parse_page`, then the rest of the pure work of saving (hashes, the compressed body).

    `attachments` are the page's attachment files as fetched: their text is read with the
    page, so it is part of each document's clauses and content hash, and each document keeps
    them (`PreparedDocument.attachments`). Pure and picklable both ways, so the crawler runs
    it in its parser processes.
    """
    prepared, texts = prepare_attachments(attachments, compress_raw)
    documents = parse_page(body, url=url, content_type=content_type, attachments=texts)
    compressed = compress_raw(body)
    return [prepare_document(document, body, compressed_raw=compressed, attachments=prepared) for document in documents]


@dataclass(frozen=True)
class PreparedDocument:
    """A parsed document with what saving it derives from its content, worked out ahead.

    This is the pure, CPU-bound share of a save (hashing, compressing the fetched body), so
    the crawler does it in its parser processes and leaves the database thread only the
    writing. `compressed_raw` is the page's body as `compress_raw` made it; a compilation
    page's documents share it. `search_grams` are what the search index stores for the
    title and each clause (`tracker.core.grams.grams_of`); `packed_clauses` each clause's text
    as the clause table stores it (`pack_text`). `attachments` are the page's files, stored
    with the version.
    """

    document: PolicyDocument
    content_hash: str
    compressed_raw: bytes
    clause_hashes: tuple[str, ...]
    search_grams: tuple[str, ...]
    packed_clauses: tuple[bytes, ...]
    attachments: tuple[PreparedAttachment, ...] = ()


def prepare_document(
    doc: PolicyDocument,
    raw: bytes,
    *,
    compressed_raw: bytes | None = None,
    attachments: tuple[PreparedAttachment, ...] = (),
) -> PreparedDocument:
    return PreparedDocument(
        document=doc,
        content_hash=content_hash(doc),
        compressed_raw=compress_raw(raw) if compressed_raw is None else compressed_raw,
        clause_hashes=tuple(hashlib.sha256(clause.text.encode("utf-8")).hexdigest() for clause in doc.clauses),
        search_grams=tuple(grams_of(text) for text in (search_title(doc), *(clause.text for clause in doc.clauses))),
        packed_clauses=tuple(pack_text(clause.text) for clause in doc.clauses),
        attachments=attachments,
    )


def content_hash(doc: PolicyDocument) -> str:
    """Hash of the parsed content, so page chrome (counters, scripts) does not make versions."""
    # Provenance explains values; rewording it is no new version of the document.
    content = {key: value for key, value in snapshot(doc).items() if key not in ("provenance", "warnings")}
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True)
    clauses = json.dumps([c.to_json() for c in doc.clauses], ensure_ascii=False)
    return hashlib.sha256((payload + "\n" + clauses).encode("utf-8")).hexdigest()


def compress_raw(raw: bytes) -> bytes:
    return zlib.compress(raw, 3)  # level 6 costs twice the CPU for 8% less: the crawler compresses every page


def snapshot(doc: PolicyDocument) -> dict[str, Any]:
    """The version's metadata snapshot: every field but the clauses, references with evidence."""
    data = {key: value for key, value in doc.to_json().items() if key not in ("clauses", *RELATION_KINDS)}
    data["url"] = doc.url
    for kind in RELATION_KINDS:
        data[kind] = [
            {"title": ref.title, "doc_number": ref.doc_number, "evidence": ref.evidence} for ref in getattr(doc, kind)
        ]
    return data


def search_title(doc: PolicyDocument) -> str:
    parts = [doc.title, doc.enclosed_title or "", doc.doc_number or ""]
    return " ".join(part for part in parts if part)
