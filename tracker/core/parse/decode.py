"""Bytes → text for government pages, whose declared encodings are often missing or wrong.

Order of evidence: byte-order mark (UTF-8, UTF-32, UTF-16); bytes that are valid UTF-8 with a few Chinese
characters (valid UTF-8 is never produced by GBK text of that length, so a declaration
saying otherwise is wrong); the HTTP `Content-Type` charset; the page's own
`<meta charset>` / `<meta http-equiv>`; then detection (charset-normalizer).
GB2312 and GBK are decoded as GB18030, their superset: pages labelled GB2312 routinely
contain GBK-only characters. Nothing falls back silently to UTF-8 or Latin-1: bytes that
decode in no plausible encoding raise `DecodeError`.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from tracker.core.errors import DecodeError

_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
            "hz-gb-2312": "gb18030", "big5": "big5hkscs", "utf8": "utf-8", "unicode": "utf-8"}  # fmt: skip
#: UTF-32 first: the UTF-32-LE mark (FF FE 00 00) begins with the UTF-16-LE one (FF FE), and read
#: as UTF-16 a UTF-32 page becomes every other character a NUL. (A UTF-16-LE page whose first
#: character is NUL would be misread the other way; pages never start with NUL.)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: A declared charset may still be used when only this share of characters is undecodable.
_TOLERATED_ERRORS = 0.001
_SINGLE_BYTE_WESTERN = {"iso8859-1", "cp1252", "ascii", "iso8859-15"}
#: Non-ASCII characters of valid UTF-8 that outweigh any declaration of another charset.
_UTF8_EVIDENCE = 8
_BINARY_SIGNATURES = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")


def _canonical(name: str) -> str | None:
    """Python codec name for a declared charset, GB family widened to GB18030; None if unknown."""
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def declared_charsets(data: bytes, content_type: str | None = None) -> list[str]:
    """Charsets the server and the page itself declare (header first), canonicalised.

    Single-byte Western charsets are dropped for non-ASCII bytes: servers label Chinese
    pages ISO-8859-1 by default, and Latin-1 "decodes" anything into mojibake.
    """
    found: list[str] = []
    header = _HEADER_CHARSET_RE.search(content_type or "")
    meta = _META_CHARSET_RE.search(data[:8192])
    for raw in (header.group(1) if header else None, meta.group(1).decode("ascii", "ignore") if meta else None):
        name = _canonical(raw) if raw else None
        if name and name not in found and not (name in _SINGLE_BYTE_WESTERN and not data.isascii()):
            found.append(name)
    return found


def _decode_leniently(data: bytes, encoding: str) -> str | None:
    """Strict decode, or one with a few replacement characters when the damage is tiny."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = data.decode(encoding, errors="replace")
    if text.count("\ufffd") <= max(1, len(text) * _TOLERATED_ERRORS):
        return text
    return None


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes, content_type: str | None = None) -> str:
    """Decode a fetched body; raises `DecodeError` with a one-line reason when impossible."""
    if data.startswith(_BINARY_SIGNATURES):
        raise DecodeError("binary file (PDF, archive, office document or image), not a text page")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:4096]:
        raise DecodeError("binary content (NUL bytes), not a text page")
    utf8 = _strict_utf8(data)
    # Bytes beyond one per character: a Chinese character takes three in UTF-8.
    if utf8 is not None and len(data) - len(utf8) >= 2 * _UTF8_EVIDENCE:
        return utf8  # GBK text is never valid UTF-8 at this length: the declaration is wrong
    for declared in declared_charsets(data, content_type):
        text = _decode_leniently(data, declared)
        if text is not None:
            return text
    if utf8 is not None:
        return utf8
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError("could not determine the text encoding of the bytes")
    encoding = _canonical(best.encoding) or best.encoding
    text = _decode_leniently(data, encoding)
    if text is None:
        raise DecodeError(f"bytes do not decode as the detected encoding {encoding}")
    return text
