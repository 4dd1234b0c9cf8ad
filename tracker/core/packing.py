"""How a clause's text is stored: compressed, since a version's text is stored only there.

Pure, and light to import: the parser processes pack (`tracker.core.prepare`), the storage
layer's column type unpacks on every read (`storage.tables.PackedText`).
"""

from __future__ import annotations

import zlib

__all__ = ["pack_text", "unpack_text"]


def pack_text(text: str) -> bytes:
    """UTF-8, zlib-compressed: a gov.cn clause keeps about 60% of its bytes."""
    return zlib.compress(text.encode("utf-8"), 6)


def unpack_text(packed: bytes) -> str:
    return zlib.decompress(packed).decode("utf-8")
