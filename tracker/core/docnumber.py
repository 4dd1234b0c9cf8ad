"""Document numbers (发文字号) in the forms found in the wild, reduced to one key for matching.

GB/T 9704-2012 writes `杭政办函〔2025〕58号`; pages also write `[2015]`, `［2015］`, `(2015)`,
`（2015）`, `【2015】`, spaces (`拱政办〔2021〕2 号`), full-width digits, a stray 第 or
zero-padded serial. The original text is kept for display; this key is only for lookups.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.core.chinese_script import to_simplified

_SPACES_RE = re.compile(r"\s+")
_YEAR_BRACKETS_RE = re.compile(r"[\[(【〔{<［（〖]\s*((?:19|20)\d{2})\s*[\])】〕}>］）〗]")
_SERIAL_RE = re.compile(r"〕第?0*(\d+)号")


def normalize_doc_number(text: str) -> str:
    """Matching key: NFKC, simplified characters (`號` → `号`), year brackets → 〔〕, no spaces,
    serial without 第 or leading zeros."""
    value = unicodedata.normalize("NFKC", text)
    if not value.isascii():
        value = to_simplified(value)
    value = _SPACES_RE.sub("", value)
    value = _YEAR_BRACKETS_RE.sub(lambda m: f"〔{m.group(1)}〕", value)
    value = _SERIAL_RE.sub(lambda m: f"〕{m.group(1)}号", value)
    return value
