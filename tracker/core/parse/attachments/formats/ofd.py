"""OFD attachments (GB/T 33190, the national fixed-layout format): a zip of XML.

`OFD.xml` names each document's root (`DocBody/DocRoot`), whose `Document.xml` lists the
pages (`Pages/Page@BaseLoc`); a page's `Content.xml` holds `TextObject`s positioned by
`Boundary` with `TextCode` runs at `X`/`Y` inside it. Those become positioned lines for
`tracker.core.parse.attachments.lines`. Template pages (where running headers usually live) are
not read. Members larger than `MAX_MEMBER_BYTES` once unpacked are refused (zip bombs).
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from tracker.core.parse.attachments.lines import Line, paragraphs
from tracker.core.parse.attachments.registry import BROKEN, IMAGE_ONLY, OK, Extraction, ExtractionFailed, Format

MAX_MEMBER_BYTES = 32 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def extract(data: bytes) -> Extraction:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        root = _xml(package, "OFD.xml")
        doc_root = root.findtext(".//{*}DocBody/{*}DocRoot")
        if not doc_root:
            raise ExtractionFailed(BROKEN, "broken: OFD.xml names no DocRoot")
        doc_path = _member(doc_root.strip())
        document = _xml(package, doc_path)
        base = posixpath.dirname(doc_path)
        lines: list[Line] = []
        pages = document.findall(".//{*}Pages/{*}Page")
        for number, page in enumerate(pages):
            content = _xml(package, _member(posixpath.join(base, page.get("BaseLoc", ""))))
            lines.extend(_lines(content, number))
    text = paragraphs(lines)
    if not text:
        return Extraction(IMAGE_ONLY, reason=f"image_only: no text objects on its {len(pages)} page(s)", pages=len(pages))
    return Extraction(OK, text, pages=len(pages))


def _member(path: str) -> str:
    return posixpath.normpath(path.lstrip("/"))


def _xml(package: zipfile.ZipFile, name: str) -> etree._Element:
    try:
        info = package.getinfo(name)
    except KeyError as exc:
        raise ExtractionFailed(BROKEN, f"broken: the OFD package has no {name}") from exc
    if info.file_size > MAX_MEMBER_BYTES:
        raise ExtractionFailed(BROKEN, f"broken: {name} unpacks to {info.file_size} bytes (cap {MAX_MEMBER_BYTES})")
    return etree.fromstring(package.read(info), _PARSER)


def _lines(content: etree._Element, page: int) -> list[Line]:
    found = []
    for text_object in content.iter("{*}TextObject"):
        x, y, *_ = (float(v) for v in (text_object.get("Boundary") or "0 0 0 0").split())
        size = float(text_object.get("Size") or 3.5)
        for code in text_object.iter("{*}TextCode"):
            text = (code.text or "").strip()
            if text:
                left = x + float(code.get("X") or 0)
                top = y + float(code.get("Y") or 0) - size
                found.append(Line(page, left, left + size * len(text), top, text))
    return found


def _sniff(data: bytes) -> bool:
    return data[:2] == b"PK" and b"OFD.xml" in data[:65536]


FORMAT = Format(name="ofd", extensions=("ofd",), mime_types=("application/ofd",), extract=extract, sniff=_sniff)
